"""Benchmark: one scene of ~40 plays of varied cost for NetworkNodes timing.

Roughly 60-120 s with ``manim render -qm`` on one core. The costs vary on
purpose (cheap shape moves, heavy text, many-mobject transforms, updater-driven
plays) so the scheduler's cost estimates matter.
"""

from manim import *

# one knob for the total cost: every run time and wait is scaled by it
SLOW = 2.2


def rt(seconds: float) -> float:
    return seconds * SLOW


class Benchmark(Scene):
    def construct(self):
        # 1-6: shapes
        shapes = VGroup(*[RegularPolygon(n).scale(0.6) for n in range(3, 9)]).arrange(RIGHT)
        self.play(LaggedStart(*[Create(s) for s in shapes], lag_ratio=0.15), run_time=rt(2))
        self.play(shapes.animate.set_fill(BLUE, opacity=0.7), run_time=rt(1))
        self.play(shapes.animate.arrange_in_grid(2, 3).scale(1.3), run_time=rt(1.5))
        self.play(Rotate(shapes, PI), run_time=rt(1.5))
        self.wait(rt(1))
        self.play(FadeOut(shapes), run_time=rt(1))

        # 7-13: text (Pango) and MathTex
        title = Text("NetworkNodes benchmark", font_size=56)
        self.play(Write(title), run_time=rt(2))
        self.play(title.animate.to_edge(UP).scale(0.6), run_time=rt(1))
        formula = MathTex(r"\int_0^\infty e^{-x^2}\,dx = \frac{\sqrt{\pi}}{2}").scale(1.4)
        self.play(Write(formula), run_time=rt(2))
        other = MathTex(r"\sum_{n=1}^\infty \frac{1}{n^2} = \frac{\pi^2}{6}").scale(1.4)
        self.play(TransformMatchingShapes(formula, other), run_time=rt(1.5))
        self.wait(rt(0.5))
        para = Paragraph(*[f"Line {i}: the quick brown fox jumps" for i in range(6)], font_size=24)
        self.play(FadeOut(other), FadeIn(para, shift=UP), run_time=rt(1.5))
        self.play(FadeOut(para), FadeOut(title), run_time=rt(1))

        # 14-21: many mobjects
        grid = VGroup(*[Square(0.3, fill_opacity=0.8, color=interpolate_color(BLUE, RED, i / 299))
                        for i in range(300)]).arrange_in_grid(15, 20, buff=0.05)
        self.play(FadeIn(grid, lag_ratio=0.01), run_time=rt(2))
        self.play(grid.animate.shift(LEFT * 0.5).scale(0.9), run_time=rt(1.5))
        self.play(LaggedStart(*[sq.animate.rotate(PI / 4) for sq in grid], lag_ratio=0.005), run_time=rt(2))
        self.play(grid.animate.set_color(GREEN), run_time=rt(1))
        circles = VGroup(*[Circle(0.15, fill_opacity=0.8) for _ in range(300)]).arrange_in_grid(15, 20, buff=0.1)
        self.play(Transform(grid, circles), run_time=rt(2))
        self.wait(rt(0.5))
        self.play(grid.animate.scale(0.5), run_time=rt(1))
        self.play(FadeOut(grid), run_time=rt(1))

        # 22-30: updaters and trackers
        t = ValueTracker(0)
        axes = Axes(x_range=[0, 10, 1], y_range=[-2, 2, 1], x_length=10, y_length=4)
        curve = always_redraw(lambda: axes.plot(lambda x: np.sin(x + t.get_value()) * 1.5, color=YELLOW))
        self.play(Create(axes), run_time=rt(1))
        self.add(curve)
        self.play(t.animate.set_value(2 * PI), run_time=rt(3), rate_func=linear)
        dot = Dot(axes.c2p(0, 0), color=RED)
        dot.add_updater(lambda m, dt: m.shift(RIGHT * dt * 1.5))
        trail = TracedPath(dot.get_center, stroke_color=RED, stroke_width=4)
        self.add(trail, dot)
        self.wait(rt(2))
        self.play(t.animate.set_value(0), run_time=rt(2))
        dot.clear_updaters()
        self.play(dot.animate.move_to(axes.c2p(5, 1)), run_time=rt(1))
        self.wait(rt(1))
        counter = DecimalNumber(0, num_decimal_places=2).to_corner(UR)
        counter.add_updater(lambda m: m.set_value(t.get_value()))
        self.add(counter)
        self.play(t.animate.set_value(5), run_time=rt(2))
        self.play(FadeOut(VGroup(axes, curve, dot, trail, counter)), run_time=rt(1))
        curve.clear_updaters()

        # 31-40: mixed finale
        stars = VGroup(*[Star(n, outer_radius=0.5) for n in range(5, 10)]).arrange(RIGHT)
        self.play(DrawBorderThenFill(stars), run_time=rt(2))
        self.play(stars.animate.arrange(DOWN).scale(0.7), run_time=rt(1))
        self.play(Indicate(stars[2]), run_time=rt(1))
        self.play(Circumscribe(stars), run_time=rt(1.5))
        self.wait(rt(0.5))
        numbers = VGroup(*[MathTex(str(i)) for i in range(10)]).arrange(RIGHT)
        self.play(ReplacementTransform(stars, numbers), run_time=rt(1.5))
        self.play(numbers.animate.arrange_in_grid(2, 5).scale(1.5), run_time=rt(1))
        self.play(Wiggle(numbers), run_time=rt(1))
        self.play(FadeOut(numbers, shift=DOWN), run_time=rt(1))
        self.wait(rt(1))
