"""Scenes whose time is mostly one long play, costly to draw: the farm draws it in slices on several nodes."""

from manim import *


def field(n: int = 240) -> VGroup:
    """Many small shapes: a frame of them costs far more to draw than to encode."""
    return VGroup(*[RegularPolygon(n=3 + i % 4, color=interpolate_color(BLUE, YELLOW, (i % 11) / 10)).scale(0.12).move_to([-6.5 + (i % 24) * 0.56, -3.5 + (i // 24) * 0.75, 0]) for i in range(n)])


class LongUpdater(Scene):
    """A long play with a dt-updater and a traced path (every frame depends on the frames before),
    a sound starting inside it, and sections before and after it."""

    def construct(self):
        dot = Dot(RIGHT * 2, color=YELLOW)
        dot.add_updater(lambda m, dt: m.rotate(dt * 1.5, about_point=ORIGIN))
        trace = TracedPath(dot.get_center, stroke_color=BLUE, stroke_width=4)
        shapes = field()
        self.add(trace, dot)
        self.play(FadeIn(Square(0.5)), run_time=0.4)
        self.next_section("long")
        self.add_sound("click.wav", time_offset=2.0)
        self.play(Rotate(shapes, PI, rate_func=linear), Create(Circle(radius=1.2)), run_time=7)
        self.next_section("after")
        self.play(FadeOut(Circle(radius=0.3)), run_time=0.4)


class LongPure(Scene):
    """A long pure play (no updaters): a slice reaches its first frame without stepping."""

    def construct(self):
        shapes = field()
        self.play(FadeIn(Star()), run_time=0.4)
        self.play(shapes.animate.arrange_in_grid(12, 20).rotate(PI / 3), run_time=7)
        self.wait(0.3)


class OnePlay(Scene):
    """A scene that is a single long play: the lead starts drawing it before the plan, and makes way
    for the slices when the plan cuts the play (long enough that the plan comes first)."""

    def construct(self):
        shapes = field(600)
        self.add(shapes)
        self.play(shapes.animate.arrange_in_grid(20, 30).rotate(PI / 3), run_time=15)
