"""A scene long enough to be caught mid-segment: a dozen plays of a second or so, with updaters."""

from manim import *


class Long(Scene):
    def construct(self):
        sq = Square(color=BLUE).add_updater(lambda m, dt: m.rotate(dt))
        dot = Dot(RIGHT * 2).add_updater(lambda m, dt: m.rotate(dt, about_point=ORIGIN))
        self.add(sq, dot, TracedPath(dot.get_center, stroke_color=YELLOW))
        for i in range(12):
            shape = [Circle, Triangle, Star, RegularPolygon][i % 4]()
            self.play(Create(shape.scale(0.5).shift(LEFT * 3 + UP * (i % 3 - 1))), run_time=1)
            self.play(FadeOut(shape), sq.animate.shift(RIGHT * 0.1), run_time=0.5)
