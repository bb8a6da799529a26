"""Tiny scenes for the 50-node run (test/scale.test.ts): two plays each, cheap to construct and draw."""

from manim import *


class TinyCircle(Scene):
    def construct(self):
        c = Circle(color=BLUE)
        self.play(Create(c), run_time=1)
        self.play(c.animate.shift(RIGHT), run_time=1)


class TinySquare(Scene):
    def construct(self):
        s = Square(color=GREEN)
        self.play(FadeIn(s), run_time=1)
        self.play(Rotate(s, PI / 4), run_time=1)


class TinyTriangle(Scene):
    def construct(self):
        t = Triangle(color=RED)
        self.play(GrowFromCenter(t), run_time=1)
        self.play(t.animate.scale(0.5), run_time=1)


class TinyDot(Scene):
    def construct(self):
        d = Dot(LEFT * 2)
        self.add(d)
        self.play(d.animate.move_to(RIGHT * 2), run_time=1)
        self.wait(1)


class TinyLine(Scene):
    def construct(self):
        line = Line(LEFT, RIGHT, color=YELLOW)
        self.play(Create(line), run_time=1)


class TinyStar(Scene):
    def construct(self):
        s = Star(color=PURPLE)
        self.play(DrawBorderThenFill(s), run_time=1)
        self.play(FadeOut(s), run_time=1)
