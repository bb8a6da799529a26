"""Many animation kinds in sequence, no updaters: every play is pure but two (purity.py).

A segment starting at any play must equal the full render, which checks that
manim's skip path ends each pure play in the rendered state.
"""

import numpy as np
from manim import *


class Zoo(Scene):
    def construct(self):
        sq = Square(color=BLUE)
        circ = Circle(color=RED).shift(RIGHT * 2)
        self.play(Create(sq), run_time=0.37)  # 0.37 s: not a whole number of frames
        self.play(FadeIn(circ, shift=UP), run_time=0.3)
        self.play(Transform(sq, Triangle(color=GREEN)), run_time=0.3)
        tri2 = RegularPolygon(5).shift(LEFT * 2)
        self.play(ReplacementTransform(circ, tri2), run_time=0.3)
        self.play(Rotate(tri2, PI / 3), sq.animate.shift(UP).scale(0.5).set_color(YELLOW), run_time=0.3)
        self.wait(0.2)
        self.play(
            LaggedStart(*[GrowFromCenter(Dot(RIGHT * i * 0.5 + DOWN * 2)) for i in range(5)], lag_ratio=0.3),
            run_time=0.4,
        )
        self.play(AnimationGroup(Indicate(sq), Circumscribe(tri2), lag_ratio=0.5), run_time=0.5)
        self.play(Succession(sq.animate.shift(RIGHT), sq.animate.rotate(PI / 4), sq.animate.shift(DOWN)), run_time=0.5)
        path = Arc(radius=1.5, start_angle=0, angle=PI)
        self.play(MoveAlongPath(tri2, path), run_time=0.4)
        star = Star(color=ORANGE).scale(0.5).shift(UP * 2)
        self.play(SpinInFromNothing(star), run_time=0.3)
        self.play(ApplyWave(star), run_time=0.4)
        self.play(Wiggle(tri2), run_time=0.4)
        self.play(ShowPassingFlash(Circle(radius=1.2, color=PINK), time_width=0.4), run_time=0.4)
        hexagon = RegularPolygon(6, fill_opacity=0.8, color=TEAL).scale(0.6).shift(DOWN)
        self.play(DrawBorderThenFill(hexagon), run_time=0.4)
        self.play(
            Homotopy(lambda x, y, z, t: (x + 0.3 * np.sin(3 * y + 4 * t), y, z), hexagon), run_time=0.4
        )
        tracker = ValueTracker(0)
        self.add(tracker)
        self.play(tracker.animate.set_value(5), run_time=0.3)  # a tracker, no updaters
        self.play(hexagon.animate.shift(RIGHT), rate_func=there_and_back, run_time=0.4)
        self.play(FadeOut(star, shift=DOWN), FadeOut(tri2), run_time=0.3)
        self.next_section("text")
        title = Text("Zoo", font_size=48).to_edge(UP)
        self.play(Write(title), run_time=0.4)
        eq1 = MathTex("a^2", "+", "b^2", "=", "c^2")
        eq2 = MathTex("c^2", "=", "a^2", "+", "b^2")
        self.play(FadeOut(sq), FadeOut(hexagon), Write(eq1), run_time=0.4)
        self.play(TransformMatchingTex(eq1, eq2), run_time=0.4)
        shape = Square(0.8)
        self.play(TransformMatchingShapes(eq2, shape), run_time=0.4)
        self.wait(0.3, frozen_frame=False)  # a wait through play_internal
        self.play(shape.animate.rotate(PI / 5).shift(LEFT), title.animate.scale(0.5), run_time=0.3)
        self.pause(0.2)
        self.play(FadeOut(shape), FadeOut(title), run_time=0.3)


class ClockAfterPure(Scene):
    """Pure plays, then an updater reading the clock: the clock must be the rendered one."""

    def construct(self):
        sq = Square()
        self.play(Create(sq), run_time=0.37)
        self.wait(0.23)
        self.play(sq.animate.shift(LEFT), run_time=0.31)
        dot = Dot().add_updater(lambda m: m.move_to(RIGHT * (self.time % 2) + UP * 0.5))
        self.add(dot)
        self.play(sq.animate.set_color(RED), run_time=0.29)
        self.wait(0.2)


class SheenAfterWiggle(Scene):
    """Wiggle restores only its mobject's points each frame, and its rotations turn the sheen
    direction frame after frame: the rendered end state is not the skip path's."""

    def construct(self):
        sq = Square(side_length=3, fill_opacity=1, color=BLUE).set_sheen(0.9, RIGHT)
        self.add(sq)
        self.play(Wiggle(sq, rotation_angle=0.3 * TAU), run_time=0.5)
        self.play(sq.animate.shift(LEFT), run_time=0.3)
