from manim import *


class LongPlay(Scene):
    """One play long enough to take seconds to draw."""

    def construct(self):
        shapes = VGroup(*[RegularPolygon(n=3 + i % 5).scale(0.2).shift(RIGHT * (i % 12 - 6) + UP * (i // 12 - 2)) for i in range(60)])
        self.play(Rotate(shapes, PI), run_time=40)
