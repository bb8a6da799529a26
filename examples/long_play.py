"""A scene that is mostly one long play: what splitting at play boundaries cannot share.

A 12-second morph of a field of shapes, between a short title and a short ending. Cut only
between plays, one machine draws the morph while the others wait; drawn in slices, every
machine draws part of it. About 30-60 s with ``manim render -qm`` on one core.
"""

from manim import *


class LongPlay(Scene):
    def construct(self):
        title = Text("one long play", font_size=40).to_edge(UP)
        self.play(Write(title), run_time=1)
        field = VGroup(*[RegularPolygon(n=3 + i % 5, color=interpolate_color(BLUE, YELLOW, (i % 17) / 16)).scale(0.22).move_to([-6 + (i % 20) * 0.63, -3 + (i // 20) * 0.6, 0]) for i in range(200)])
        self.play(FadeIn(field, lag_ratio=0.01), run_time=1)
        target = VGroup(*[Circle(color=interpolate_color(RED, GREEN, (i % 13) / 12)).scale(0.15 + 0.1 * ((i * 7) % 5) / 4).move_to(2.6 * np.array([np.cos(i * 0.0314 * 4), np.sin(i * 0.0314 * 4), 0]) * (0.3 + 0.7 * i / 199)) for i in range(200)])
        self.play(Transform(field, target, lag_ratio=0.002), Rotate(title, 2 * PI), run_time=12)
        self.play(FadeOut(field), FadeOut(title), run_time=1)
