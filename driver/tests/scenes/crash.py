import os
import signal

from manim import *


class Segfault(Scene):
    def construct(self):
        self.play(Create(Square()), run_time=0.2)
        os.kill(os.getpid(), signal.SIGSEGV)


class HardExit(Scene):
    def construct(self):
        os._exit(7)
