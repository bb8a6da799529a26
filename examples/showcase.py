"""NetworkNodes showcase: scenes a render farm splits into segments.

Each scene mixes updaters (dt-based and time-reading), ValueTrackers, TracedPaths
and MathTex, so a segment only matches a single render if everything before it
was fast-forwarded exactly.
"""

from manim import *


class Formulas(Scene):
    """MathTex transforms with a tracker-driven highlight."""

    def construct(self):
        title = Text("Euler's identity", font_size=40).to_edge(UP)
        self.play(Write(title), run_time=1)
        steps = [
            MathTex(r"e^{i\theta} = \cos\theta + i\sin\theta"),
            MathTex(r"e^{i\pi} = \cos\pi + i\sin\pi"),
            MathTex(r"e^{i\pi} = -1 + 0i"),
            MathTex(r"e^{i\pi} + 1 = 0"),
        ]
        self.play(Write(steps[0]), run_time=1.5)
        for prev, nxt in zip(steps, steps[1:]):
            self.play(TransformMatchingTex(prev, nxt), run_time=1)
            self.wait(0.3)
        box = SurroundingRectangle(steps[-1], color=YELLOW)
        self.play(Create(box))
        glow = ValueTracker(0)
        box.add_updater(lambda m: m.set_stroke(width=2 + 6 * glow.get_value()))
        self.play(glow.animate.set_value(1), run_time=0.8)
        self.play(glow.animate.set_value(0), run_time=0.8)
        box.clear_updaters()
        self.play(FadeOut(VGroup(title, steps[-1], box)))


class Orbits(Scene):
    """Planets on dt-updaters leaving traced paths; the scene clock drives a label."""

    def construct(self):
        sun = Dot(radius=0.2, color=YELLOW)
        planets = VGroup()
        trails = VGroup()
        for radius, speed, color in [(1.0, 2.0, BLUE), (1.8, 1.2, GREEN), (2.6, 0.7, RED)]:
            p = Dot(RIGHT * radius, color=color)
            p.add_updater(lambda m, dt, s=speed: m.rotate(s * dt, about_point=ORIGIN))
            planets.add(p)
            trails.add(TracedPath(p.get_center, stroke_color=color, stroke_width=3, dissipating_time=1.5))
        clock = DecimalNumber(0, num_decimal_places=1).to_corner(UR)
        clock.add_updater(lambda m: m.set_value(self.time))
        self.add(trails, sun, planets, clock)
        self.wait(1.5)
        self.play(sun.animate.scale(1.5), run_time=0.8)
        self.play(sun.animate.scale(1 / 1.5), run_time=0.8)
        self.wait(1)
        orbit_rings = VGroup(*[Circle(radius=r, stroke_opacity=0.3) for r in (1.0, 1.8, 2.6)])
        self.play(Create(orbit_rings), run_time=1)
        self.wait(1)
        self.play(FadeOut(orbit_rings), run_time=0.5)
        self.wait(0.5)


class Graphs(Scene):
    """A ValueTracker drives a tangent line and a moving dot along a curve."""

    def construct(self):
        axes = Axes(x_range=[-3, 3, 1], y_range=[-2, 2, 1], x_length=8, y_length=5)
        graph = axes.plot(lambda x: np.sin(2 * x) * 0.8 + 0.3 * x, color=BLUE)
        self.play(Create(axes), run_time=1)
        self.play(Create(graph), run_time=1.2)
        x = ValueTracker(-2.5)
        dot = always_redraw(lambda: Dot(axes.i2gp(x.get_value(), graph), color=YELLOW))
        tangent = always_redraw(
            lambda: TangentLine(graph, alpha=(x.get_value() + 3) / 6, length=3, color=RED)
        )
        # DecimalNumber reuses per-digit Tex: no LaTeX run per frame
        label = always_redraw(lambda: DecimalNumber(x.get_value()).scale(0.7).next_to(dot, UP))
        self.add(tangent, dot, label)
        self.play(x.animate.set_value(2.5), run_time=2.5, rate_func=smooth)
        self.wait(0.5)
        self.play(x.animate.set_value(0), run_time=1.5)
        area = axes.get_area(graph, x_range=[-1, 1], color=GREEN, opacity=0.4)
        self.play(FadeIn(area), run_time=0.7)
        self.wait(0.5)
        self.play(FadeOut(VGroup(axes, graph, area, dot, tangent, label)), run_time=0.7)


class Shapes(Scene):
    """Plain transforms: the kind of segment that needs no fast-forward state."""

    def construct(self):
        shapes = VGroup(Square(), Circle(), Triangle(), RegularPolygon(6), Star()).arrange(RIGHT, buff=0.4)
        shapes.set_fill(opacity=0.6)
        for s, c in zip(shapes, [RED, ORANGE, YELLOW, GREEN, BLUE]):
            s.set_color(c)
        self.play(LaggedStart(*[GrowFromCenter(s) for s in shapes], lag_ratio=0.2), run_time=1.5)
        self.play(shapes.animate.arrange(DOWN, buff=0.2).scale(0.6), run_time=1)
        self.play(Rotate(shapes, PI / 2), run_time=1)
        self.wait(0.5)
        self.play(Transform(shapes[0], shapes[1].copy().shift(LEFT * 2)), run_time=0.8)
        self.play(shapes.animate.arrange_in_grid(2, 3).scale(1.5), run_time=1)
        self.play(Indicate(shapes[2]), Wiggle(shapes[3]), run_time=1)
        self.wait(0.5)
        self.play(FadeOut(shapes, shift=DOWN), run_time=0.8)
