"""Scenes whose time is mostly one long play: the farm draws that play in slices on several nodes."""

from manim import *


class LongUpdater(Scene):
    """A long play with a dt-updater and a traced path (every frame depends on the frames before),
    a sound starting inside it, and sections before and after it."""

    def construct(self):
        dot = Dot(RIGHT * 2, color=YELLOW)
        dot.add_updater(lambda m, dt: m.rotate(dt * 1.5, about_point=ORIGIN))
        trace = TracedPath(dot.get_center, stroke_color=BLUE, stroke_width=4)
        self.add(trace, dot)
        self.play(FadeIn(Square(0.5)), run_time=0.4)
        self.next_section("long")
        self.add_sound("click.wav", time_offset=2.0)
        self.play(Create(Circle(radius=1.2)), Rotate(Square(0.8), PI), run_time=7)
        self.next_section("after")
        self.play(FadeOut(Circle(radius=0.3)), run_time=0.4)


class LongPure(Scene):
    """A long pure play (no updaters): a slice reaches its first frame without stepping."""

    def construct(self):
        stars = VGroup(*[Star(color=interpolate_color(RED, BLUE, i / 11)).scale(0.3).shift(RIGHT * (i - 5.5) * 0.9) for i in range(12)])
        self.play(Write(stars), run_time=0.4)
        self.play(stars.animate.arrange_in_grid(3, 4).rotate(PI / 3), Transform(stars[0], Circle()), run_time=7)
        self.wait(0.3)
