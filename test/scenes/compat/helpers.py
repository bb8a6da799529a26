"""A local module the corpus scenes import, as a project's scenes import their own helpers."""

from manim import DOWN, GOLD, TEAL, Circle, RoundedRectangle, Text, VGroup


def badge(label: str) -> VGroup:
    box = RoundedRectangle(corner_radius=0.2, width=2.4, height=1.0, color=TEAL)
    dot = Circle(radius=0.12, color=GOLD, fill_opacity=1).next_to(box, DOWN, buff=0.1)
    return VGroup(box, Text(label, font_size=28).move_to(box), dot)
