"""The benchmark's single long play: 20 seconds, no updaters, nothing before or after it.

A field of 200 shapes morphs into a spiral of circles while the title turns once. Cut only
between plays, one machine would draw all of it; the farm draws it in slices on several machines
and one of them encodes the play as the slices land.
"""

from manim import *


class OnePlay(Scene):
    def construct(self):
        title = Text("one long play", font_size=40).to_edge(UP)
        field = VGroup(*[RegularPolygon(n=3 + i % 5, color=interpolate_color(BLUE, YELLOW, (i % 17) / 16)).scale(0.22).move_to([-6 + (i % 20) * 0.63, -3 + (i // 20) * 0.6, 0]) for i in range(200)])
        target = VGroup(*[Circle(color=interpolate_color(RED, GREEN, (i % 13) / 12)).scale(0.15 + 0.1 * ((i * 7) % 5) / 4).move_to(2.6 * np.array([np.cos(i * 0.0314 * 4), np.sin(i * 0.0314 * 4), 0]) * (0.3 + 0.7 * i / 199)) for i in range(200)])
        self.add(title, field)
        self.play(Transform(field, target, lag_ratio=0.002), Rotate(title, 2 * PI), run_time=20)
