"""Scenes whose state depends on the exact per-frame time progression."""

import random

import numpy as np
from manim import *


class DtRotate(Scene):
    def construct(self):
        sq = Square(color=BLUE).add_updater(lambda m, dt: m.rotate(dt))
        self.add(sq)
        self.play(sq.animate.shift(LEFT), run_time=0.5)
        self.wait(0.4)
        self.play(sq.animate.shift(RIGHT * 2), run_time=0.4)
        self.wait(0.3)


class Traced(Scene):
    def construct(self):
        dot = Dot(RIGHT)
        dot.add_updater(lambda m, dt: m.rotate(dt * 2, about_point=ORIGIN))
        path = TracedPath(dot.get_center, stroke_color=YELLOW, stroke_width=6)
        self.add(path, dot)
        self.wait(0.4)
        self.play(Create(Circle(radius=0.5)), run_time=0.4)
        self.wait(0.4)


class Redraw(Scene):
    def construct(self):
        t = ValueTracker(0)
        dot = always_redraw(lambda: Dot(RIGHT * np.cos(t.get_value()) + UP * np.sin(t.get_value())))
        line = always_redraw(lambda: Line(ORIGIN, dot.get_center(), color=RED))
        self.add(dot, line)
        self.play(t.animate.set_value(2), run_time=0.5)
        self.play(t.animate.set_value(-1), run_time=0.4, rate_func=linear)
        self.wait(0.2)
        self.play(t.animate.increment_value(1), run_time=0.3)


class SceneTime(Scene):
    def construct(self):
        dot = Dot()
        dot.add_updater(lambda m: m.move_to(RIGHT * np.sin(2 * self.time)))
        label = Square(0.3).add_updater(lambda m, dt: m.move_to(UP + RIGHT * (self.time % 2)))
        self.add(dot, label)
        self.play(FadeIn(Circle()), run_time=0.4)
        self.wait(0.4)
        self.play(Indicate(dot), run_time=0.3)


class Randomness(Scene):
    def construct(self):
        dots = VGroup(*[Dot(radius=0.05) for _ in range(8)])

        def jitter(m, dt):
            for d in m:
                d.shift(np.random.uniform(-0.1, 0.1, 3) * (1, 1, 0) + random.uniform(-0.05, 0.05) * UP)

        dots.add_updater(jitter)
        self.add(dots)
        self.play(dots.animate.set_color(RED), run_time=0.4)
        self.wait(0.3)
        self.play(dots.animate.scale(1.5), run_time=0.3)


class WaitUntil(Scene):
    def construct(self):
        dot = Dot(LEFT * 2)
        dot.add_updater(lambda m, dt: m.shift(RIGHT * dt * 3))
        self.add(dot)
        self.wait_until(lambda: dot.get_x() > 0, max_time=3)
        self.play(dot.animate.set_color(GREEN), run_time=0.3)
        self.wait_until(lambda: dot.get_x() > 1, max_time=2)
        self.wait(0.2)


class ShortPlay(Scene):
    def construct(self):
        sq = Square().add_updater(lambda m, dt: m.rotate(dt))
        self.add(sq)
        self.play(sq.animate.set_color(RED), run_time=0.01)
        self.play(sq.animate.shift(UP), run_time=0.3)
        self.play(sq.animate.set_color(GREEN), run_time=0.01)
        self.wait(0.2)


class Frozen(Scene):
    def construct(self):
        c = Circle()
        self.play(Create(c), run_time=0.3)
        self.wait(0.5)  # frozen: no updaters
        self.pause(0.3)
        t = Triangle().add_updater(lambda m, dt: m.rotate(dt))
        self.add(t)
        self.wait(0.3)  # not frozen: a dt updater
        t.clear_updaters()
        self.play(c.animate.shift(RIGHT), run_time=0.3)
        self.wait(0.2)
