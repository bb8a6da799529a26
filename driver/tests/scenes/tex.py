"""TeX and Pango text: renders that need the plan's SVGs, not LaTeX."""

from manim import *


class Formula(Scene):
    def construct(self):
        eq = MathTex(r"\int_0^1 x^2\,dx = \frac{1}{3}")
        label = Text("area", font_size=30).next_to(eq, DOWN)
        self.play(Write(eq), run_time=0.4)
        self.play(FadeIn(label, shift=UP), run_time=0.3)
        self.play(eq.animate.scale(0.7).to_edge(UP), run_time=0.3)
