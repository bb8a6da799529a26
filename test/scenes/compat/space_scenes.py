"""Compatibility corpus: 3D surfaces, camera moves, zoomed scenes."""

from manim import *


class WavySurface(ThreeDScene):
    def construct(self):
        self.set_camera_orientation(phi=65 * DEGREES, theta=-45 * DEGREES)
        surface = Surface(
            lambda u, v: np.array([u, v, 0.4 * np.sin(u) * np.cos(v)]),
            u_range=[-2, 2], v_range=[-2, 2], resolution=(8, 8),
            checkerboard_colors=[BLUE_D, BLUE_E],
        )
        self.play(Create(ThreeDAxes(x_length=5, y_length=5, z_length=3)), FadeIn(surface), run_time=0.5)
        self.begin_ambient_camera_rotation(rate=0.6)
        self.wait(0.6)
        self.stop_ambient_camera_rotation()
        self.move_camera(phi=40 * DEGREES, theta=20 * DEGREES, run_time=0.5)


class SphereOrbit(ThreeDScene):
    def construct(self):
        self.set_camera_orientation(phi=70 * DEGREES, theta=30 * DEGREES)
        sphere = Sphere(radius=1, resolution=(8, 12)).set_color(RED)
        moon = Dot3D(point=[2, 0, 0], color=YELLOW)
        moon.add_updater(lambda m, dt: m.rotate(dt * 2, about_point=ORIGIN))
        self.add(sphere, moon)
        self.wait(0.5)
        self.play(sphere.animate.scale(0.5), run_time=0.5)
        self.move_camera(frame_center=[1, 0, 0], zoom=1.3, run_time=0.4)


class FollowTheDot(MovingCameraScene):
    def construct(self):
        dots = VGroup(*[Dot([x, (-1) ** x, 0], color=TEAL) for x in range(-3, 4)])
        self.add(dots, NumberPlane())
        self.play(self.camera.frame.animate.scale(0.5).move_to(dots[0]), run_time=0.5)
        for d in dots[1:4]:
            self.play(self.camera.frame.animate.move_to(d), run_time=0.3)
        self.play(self.camera.frame.animate.scale(2).move_to(ORIGIN), run_time=0.4)


class ZoomOnDetail(ZoomedScene):
    def __init__(self, **kwargs):
        super().__init__(zoom_factor=0.3, zoomed_display_height=2, zoomed_display_width=3, **kwargs)

    def construct(self):
        grid = VGroup(*[Square(0.3).shift([x * 0.4, y * 0.4, 0]) for x in range(-4, 5) for y in range(-2, 3)])
        self.add(grid, ImageMobject("assets/badge.png").shift(2 * LEFT))
        self.zoomed_camera.frame.move_to(2 * LEFT)
        self.play(Create(self.zoomed_camera.frame), run_time=0.3)
        self.activate_zooming(animate=False)
        self.play(self.zoomed_camera.frame.animate.shift(2 * RIGHT), run_time=0.6)
        self.play(grid.animate.set_color(ORANGE), run_time=0.3)


class ZoomFollowsUpdater(ZoomedScene):
    def construct(self):
        dot = Dot(color=YELLOW).shift(2 * LEFT)
        dot.add_updater(lambda m, dt: m.shift(dt * 1.5 * RIGHT))
        self.add(Circle(radius=2), dot)
        frame = self.zoomed_camera.frame
        frame.add_updater(lambda f: f.move_to(dot))
        self.activate_zooming(animate=False)
        self.wait(0.5)
        self.play(Flash(dot), run_time=0.4)
        self.wait(0.3)
