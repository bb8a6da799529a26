"""Two scenes of very different lengths, each rendered as one segment: the slot that ends the brief
one has nothing left to take, so the long one's running render is split and ends early."""

from manim import *


class Lengthy(Scene):
    def construct(self):
        sq = Square(color=BLUE).add_updater(lambda m, dt: m.rotate(dt))
        self.add(sq)
        for i in range(10):
            shape = [Circle, Triangle, Star, RegularPolygon][i % 4]()
            self.play(Create(shape.scale(0.5).shift(LEFT * 3 + UP * (i % 3 - 1))), run_time=1)
            self.play(FadeOut(shape), sq.animate.set_color([RED, GREEN][i % 2]), run_time=0.5)


class Brief(Scene):
    def construct(self):
        self.play(GrowFromCenter(Star()), run_time=0.3)


class OneLong(Scene):
    """Its last play is most of it, with a dt-updater: a split can only be inside that play."""

    def construct(self):
        sq = Square(color=BLUE).add_updater(lambda m, dt: m.rotate(dt))
        self.add(sq)
        self.play(Create(Circle().shift(LEFT * 3)), run_time=0.3)
        dots = VGroup(*[Dot(radius=0.04).move_to([x * 0.3, y * 0.3, 0]) for x in range(-20, 21) for y in range(-10, 11)])
        self.play(sq.animate.shift(RIGHT * 3).set_color(RED), dots.animate.set_color(YELLOW).scale(0.5), run_time=12)
