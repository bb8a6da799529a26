"""Compatibility corpus: MathTex, tables, axes and graphs, charts."""

from manim import *


class TexSteps(Scene):
    def construct(self):
        eq1 = MathTex("a^2", "+", "b^2", "=", "c^2")
        eq2 = MathTex("c", "=", r"\sqrt{a^2 + b^2}")
        self.play(Write(eq1), run_time=0.5)
        self.play(TransformMatchingTex(eq1, eq2), run_time=0.5)
        self.play(eq2.animate.to_corner(UL).scale(0.7), run_time=0.3)


class SmallTable(Scene):
    def construct(self):
        t = Table([["1", "2"], ["3", "4"]], row_labels=[Text("x"), Text("y")], col_labels=[Text("p"), Text("q")]).scale(0.5)
        self.play(Create(t), run_time=0.7)
        self.play(t.get_entries((2, 2)).animate.set_color(GREEN), run_time=0.3)
        m = MathTable([[r"\pi", "e"], ["0", "1"]]).scale(0.5).to_edge(DOWN)
        self.play(FadeIn(m), run_time=0.3)


class PlotAndArea(Scene):
    def construct(self):
        ax = Axes(x_range=[0, 4, 1], y_range=[0, 5, 1], x_length=5, y_length=3, tips=False)
        graph = ax.plot(lambda x: 0.3 * x**2 + 0.5, color=BLUE)
        self.play(Create(ax), run_time=0.4)
        self.play(Create(graph), run_time=0.5)
        area = ax.get_area(graph, x_range=(1, 3), color=GREEN, opacity=0.4)
        self.play(FadeIn(area), run_time=0.3)
        dot = Dot(ax.i2gp(0, graph), color=YELLOW)
        self.play(MoveAlongPath(dot, graph), run_time=0.6)


class PlaneAndVectors(Scene):
    def construct(self):
        plane = NumberPlane(x_range=[-4, 4], y_range=[-3, 3])
        v = Vector([2, 1], color=YELLOW)
        self.add(plane)
        self.play(GrowArrow(v), run_time=0.4)
        self.play(Rotate(v, PI / 2, about_point=ORIGIN), run_time=0.5)
        self.play(plane.animate.apply_matrix([[1, 0.5], [0, 1]]), run_time=0.5)


class GrowingBars(Scene):
    def construct(self):
        chart = BarChart([1, 3, 2], bar_names=["a", "b", "c"], y_range=[0, 5, 1], x_length=5, y_length=3)
        self.play(Create(chart), run_time=0.5)
        self.play(chart.animate.change_bar_values([4, 1, 3]), run_time=0.5)
