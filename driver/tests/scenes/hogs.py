import os

from manim import *

if os.environ.get("NN_TEST_LOOP_AT_IMPORT"):
    while True:
        pass


class Fine(Scene):
    def construct(self):
        self.play(Create(Square()), run_time=0.2)


class LoopInConstruct(Scene):
    def construct(self):
        self.play(Create(Square()), run_time=0.2)
        while True:
            pass


class LoopInUpdater(Scene):
    def construct(self):
        dot = Dot()

        def stuck(m, dt):
            while True:
                pass

        self.add(dot)
        dot.add_updater(stuck)
        self.wait(0.5)


class MemoryHog(Scene):
    def construct(self):
        hog = []
        while True:
            hog.append(bytearray(256 * 1024 * 1024))  # 50 GB and beyond, a quarter GB at a time


class BigFile(Scene):
    def construct(self):
        with open(os.path.join(os.getcwd(), "big.bin"), "wb") as f:
            for _ in range(64):
                f.write(b"\0" * (1024 * 1024))


class SpawnsAndLoops(Scene):
    def construct(self):
        import subprocess

        with open(os.environ["NN_TEST_PID_FILE"], "w") as f:
            f.write(str(subprocess.Popen(["sleep", "1000"]).pid))
        while True:
            pass
