"""Sections (one skipped) and sounds at known times."""

from pathlib import Path

from manim import *

CLICK = str(Path(__file__).with_name("click.wav"))


class SectionsSounds(Scene):
    def construct(self):
        sq = Square()
        self.next_section("intro")
        self.add_sound(CLICK)
        self.play(Create(sq), run_time=0.4)
        self.wait(0.2)
        self.next_section("skipped", skip_animations=True)
        self.play(sq.animate.shift(LEFT), run_time=0.4)
        self.add_sound(CLICK)  # dropped by manim: the previous play was skipped
        self.next_section("empty")
        self.next_section("outro")
        self.add_sound(CLICK)  # dropped too: skip state lasts until the next play starts
        self.play(sq.animate.set_color(RED), run_time=0.5)
        self.add_sound(CLICK, time_offset=0.1, gain=-3)
        self.wait(0.2)
