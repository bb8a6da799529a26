"""Scenes for the play cache: updaters that make manim's own cache wrong, and randomness."""

import random

import numpy as np
from manim import *

FLASH = YELLOW  # the test edits these: only play 2 (and play 4) change
FLASH2 = TEAL


class Edits(Scene):
    def construct(self):
        spinner = Square(0.6, color=BLUE).shift(LEFT * 3).add_updater(lambda m, dt: m.rotate(dt))
        dot = Dot(RIGHT * 2).add_updater(lambda m, dt: m.rotate(dt * 2, about_point=ORIGIN))
        path = TracedPath(dot.get_center, stroke_color=ORANGE, stroke_width=4)
        circle = Circle(radius=0.5, color=GREEN)
        self.add(spinner, path, dot)
        self.play(Create(circle), run_time=0.4)
        self.wait(0.3)
        self.play(Indicate(circle, color=FLASH), run_time=0.4)
        self.play(spinner.animate.shift(RIGHT), run_time=0.4)
        self.play(Indicate(circle, color=FLASH2), run_time=0.3)
        self.wait(0.3)


class Jitter(Scene):
    def construct(self):
        dots = VGroup(*[Dot(radius=0.06).shift(RIGHT * (i - 3)) for i in range(7)])

        def jitter(m, dt):
            for d in m:
                d.shift(np.random.uniform(-0.1, 0.1, 3) * (1, 1, 0) + random.uniform(-0.05, 0.05) * UP)

        dots.add_updater(jitter)
        self.add(dots)
        self.play(dots.animate.set_color(RED), run_time=0.4)
        self.wait(0.3)
        dots.clear_updaters()
        self.play(dots.animate.shift(UP), run_time=0.3)
        clock = Square(0.4).add_updater(lambda m: m.move_to(DOWN + RIGHT * np.sin(2 * self.time)))
        self.add(clock)
        self.wait(0.3)
