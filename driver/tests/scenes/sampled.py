"""Plays a planning pass samples in their middle: what a frame changes, what a frame's step costs."""

import sys
from time import process_time

from manim import *


class Motion(Scene):
    """Plays that draw alike and change their picture by different amounts each frame."""

    def construct(self):
        big = Square(side_length=6, fill_opacity=1, color=BLUE)
        dot = Dot(LEFT * 5, radius=0.3)
        self.add(big, dot)
        self.play(big.animate.set_fill(RED), run_time=0.5)  # a third of the picture changes
        self.play(dot.animate.shift(RIGHT), run_time=0.5)  # a few pixels change
        dot.add_updater(lambda m, dt: None)  # an updater: the wait is drawn, frame by frame
        self.wait(0.5)  # nothing changes


def warming(scene, costly_calls, seconds, run_time):
    """A play of `run_time` beside a dot whose updater's first `costly_calls` calls each cost
    `seconds` of CPU, then nothing. Another mobject is animated: an animated one's updaters are
    suspended."""
    dot = Dot()
    calls = []

    def warm(m, dt):
        if len(calls) < costly_calls:
            end = process_time() + seconds
            while process_time() < end:
                pass
        calls.append(dt)

    dot.add_updater(warm)
    scene.add(dot)
    scene.play(FadeIn(Square()), run_time=run_time)


class OneOff(Scene):
    """An updater whose first call costs 0.3 s of CPU (a font loaded, a cache filled), then nothing."""

    def construct(self):
        warming(self, 1, 0.3, 1)


class Warming(Scene):
    """An updater whose first six calls cost 30 ms of CPU each (a number's digits met for the first
    time, each glyph built once), then nothing."""

    def construct(self):
        warming(self, 6, 0.03, 2)


class FirstDraw(Scene):
    """A square whose first drawing costs 0.3 s of CPU (a font's glyphs, a path cache), then nothing."""

    def construct(self):
        drawn = []

        class Warm(Square):
            def get_fill_rgbas(self):
                # the camera's first call: drawing it, not building or animating it
                if not drawn and sys._getframe(1).f_globals.get("__name__") == "manim.camera.camera":
                    end = process_time() + 0.3
                    while process_time() < end:
                        pass
                    drawn.append(True)
                return super().get_fill_rgbas()

        square = Warm(fill_opacity=1)
        self.add(square)
        self.play(square.animate.shift(RIGHT), run_time=1)
