import time

from manim import *


class IdleCode(Scene):
    """Scene code that waits without computing (as for a subprocess or the network) before play 1."""

    def construct(self):
        square = Square()
        self.play(FadeIn(square), run_time=0.5)
        time.sleep(0.8)
        self.play(square.animate.shift(RIGHT), run_time=0.5)
