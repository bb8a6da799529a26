"""Scenes whose split render must equal one `manim render`: each one is a known trap."""

import random

import numpy as np
from manim import *


class RotatingTrace(Scene):
    """dt-updaters: a rotating square and a traced path (per-frame state)."""

    def construct(self):
        sq = Square(color=BLUE).add_updater(lambda m, dt: m.rotate(dt))
        dot = Dot(RIGHT * 2).add_updater(lambda m, dt: m.rotate(dt * 2, about_point=ORIGIN))
        self.add(sq, dot, TracedPath(dot.get_center, stroke_color=YELLOW))
        self.play(sq.animate.shift(LEFT), run_time=0.6)
        self.wait(0.4)
        self.play(Create(Circle(radius=0.5)), run_time=0.4)
        self.wait(0.5)
        self.play(sq.animate.scale(0.5), run_time=0.3)


class RedrawTracker(Scene):
    """always_redraw driven by a ValueTracker."""

    def construct(self):
        t = ValueTracker(0)
        dot = always_redraw(lambda: Dot(RIGHT * np.cos(t.get_value()) + UP * np.sin(t.get_value())))
        self.add(dot, always_redraw(lambda: Line(ORIGIN, dot.get_center(), color=RED)))
        self.play(t.animate.set_value(2), run_time=0.5)
        self.play(t.animate.set_value(-1), run_time=0.4, rate_func=linear)
        self.wait(0.2)
        self.play(t.animate.increment_value(1), run_time=0.3)


class Randomness(Scene):
    """Random numbers at construction and inside an updater."""

    def construct(self):
        dots = VGroup(*[Dot(radius=0.06).move_to([random.uniform(-3, 3), np.random.uniform(-2, 2), 0]) for _ in range(12)])
        dots.add_updater(lambda m, dt: [d.shift(np.random.uniform(-0.1, 0.1, 3) * (1, 1, 0)) for d in m])
        self.add(dots)
        self.wait(0.4)
        self.play(dots.animate.set_color(RED), run_time=0.4)
        self.wait(0.4)


class TexFormula(Scene):
    """Tex and MathTex."""

    def construct(self):
        eq = MathTex(r"e^{i\pi} + 1 = 0")
        self.play(Write(eq), run_time=0.5)
        self.play(eq.animate.shift(UP), run_time=0.3)
        self.play(FadeIn(Tex(r"Euler's identity").shift(DOWN)), run_time=0.3)
        self.wait(0.3)


class SoundAndSections(Scene):
    """add_sound at scene times and next_section."""

    def construct(self):
        sq = Square()
        self.add_sound("click.wav")
        self.play(Create(sq), run_time=0.4)
        self.next_section("second")
        self.add_sound("click.wav", time_offset=0.1)
        self.play(sq.animate.shift(RIGHT), run_time=0.4)
        self.wait(0.3)
        self.next_section("third")
        self.play(FadeOut(sq), run_time=0.3)


class MovingCamera3D(ThreeDScene):
    """A ThreeDScene with an ambient rotation and a moved camera."""

    def construct(self):
        self.set_camera_orientation(phi=70 * DEGREES, theta=30 * DEGREES)
        self.add(ThreeDAxes(x_range=[-2, 2], y_range=[-2, 2], z_range=[-1, 1]), Cube(side_length=1, fill_opacity=0.7))
        self.begin_ambient_camera_rotation(rate=0.8)
        self.wait(0.5)
        self.move_camera(phi=45 * DEGREES, run_time=0.4)
        self.wait(0.4)


class FollowCamera(MovingCameraScene):
    """A MovingCameraScene whose frame moves and zooms."""

    def construct(self):
        dot = Dot().add_updater(lambda m, dt: m.shift(RIGHT * dt))
        self.add(dot, NumberPlane())
        self.play(self.camera.frame.animate.scale(0.5).move_to(dot), run_time=0.5)
        self.wait(0.3)
        self.play(self.camera.frame.animate.move_to(RIGHT), run_time=0.4)


class OnePlay(Scene):
    def construct(self):
        self.play(GrowFromCenter(Star()), run_time=0.5)


class ShorterThanAFrame(Scene):
    """Plays shorter than one frame, between normal ones."""

    def construct(self):
        sq = Square().add_updater(lambda m, dt: m.rotate(dt))
        self.add(sq)
        self.play(sq.animate.shift(LEFT), run_time=0.01)
        self.wait(0.3)
        self.play(sq.animate.shift(RIGHT), run_time=0.02)
        self.wait(0.01)
        self.play(sq.animate.set_color(RED), run_time=0.3)
