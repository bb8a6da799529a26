from manim import *


class Broken(Scene):
    def construct(self):
        self.play(Create(Square()), run_time=0.2)
        self.wait(0.1)
        undefined_name_here.shift(UP)  # line 8
