"""Scenes of three plays, the middle one as costly as the other two together or more: cut at a play
boundary, two nodes' shares would be two plays against one whatever the timing noise, so the farm
cuts between them inside a play."""

from manim import *


def field(n: int = 160) -> VGroup:
    """Many small shapes: a frame of them costs far more to draw than to encode."""
    return VGroup(*[RegularPolygon(n=3 + i % 4, color=interpolate_color(BLUE, YELLOW, (i % 11) / 10)).scale(0.12).move_to([-6.5 + (i % 24) * 0.56, -3.5 + (i // 24) * 0.75, 0]) for i in range(n)])


class ThreeUpdater(Scene):
    """Every play under a dt-updater and a traced path (each frame depends on the frames before),
    over a still field costly to draw but not to step, a sound starting inside each long play, and a
    section at each play."""

    def construct(self):
        dot = Dot(RIGHT * 2, color=YELLOW)
        dot.add_updater(lambda m, dt: m.rotate(dt * 1.5, about_point=ORIGIN))
        trace = TracedPath(dot.get_center, stroke_color=BLUE, stroke_width=4)
        square = Square(1.5, color=RED)
        self.add(field(480), trace, dot, square)
        for i, turn in enumerate([PI / 2, -PI / 3, PI / 4]):
            self.next_section(f"part {i}")
            self.add_sound("click.wav", time_offset=1.5)
            self.play(Rotate(square, turn, rate_func=linear), run_time=6)


class ThreePure(Scene):
    """Three pure plays (no updaters), the long one in the middle: the later piece of the cut play
    starts without stepping."""

    def construct(self):
        shapes = field()
        self.add(shapes)
        self.play(shapes.animate.arrange_in_grid(10, 16).rotate(PI / 3), run_time=3)
        self.play(Rotate(shapes, PI / 2), run_time=8)
        self.play(shapes.animate.scale(0.6).shift(LEFT), run_time=3)
