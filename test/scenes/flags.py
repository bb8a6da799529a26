"""Scenes for the Manim flag tests: plays without updaters (a range of them renders the same
frames whether the plays before it are skipped or fast-forwarded), and a second scene for -a."""

from manim import *


class Steps(Scene):
    def construct(self):
        square = Square(color=BLUE)
        self.play(Create(square), run_time=0.5)
        self.play(square.animate.shift(RIGHT), run_time=0.4)
        self.wait(0.3)
        self.play(square.animate.set_color(RED).rotate(PI / 5), run_time=0.4)
        self.play(FadeIn(Circle(color=YELLOW).shift(LEFT * 2)), run_time=0.3)


class Other(Scene):
    def construct(self):
        self.play(GrowFromCenter(Triangle(color=GREEN)), run_time=0.4)
