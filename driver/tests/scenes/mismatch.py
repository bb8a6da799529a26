"""Scenes whose timing depends on dt-updater state: the cheap plan gets them wrong."""

from manim import *


class RunTimeFromState(Scene):
    def construct(self):
        dot = Dot().add_updater(lambda m, dt: m.shift(RIGHT * dt))
        self.add(dot)
        self.wait(1)  # rendered: 14 steps of 1/15 s; the skip path: one step of 1 s
        self.play(dot.animate.set_color(RED), run_time=2 * dot.get_x())
        self.wait(0.2)


class PlaysFromState(Scene):
    def construct(self):
        dot = Dot().add_updater(lambda m, dt: m.shift(RIGHT * dt))
        self.add(dot)
        self.wait(1)
        if dot.get_x() < 0.99:  # true only with the rendered progression
            self.wait(0.2)
        self.play(dot.animate.set_color(RED), run_time=0.3)
