"""A scene without plays: manim's default format saves a PNG of it."""

from manim import *


class Diagram(Scene):
    def construct(self):
        self.add(Circle(color=BLUE), Square(color=GREEN).shift(RIGHT), Dot(LEFT, color=RED))
