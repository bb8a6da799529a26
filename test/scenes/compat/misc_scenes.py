"""Compatibility corpus: still scenes, sections, sounds, non-ASCII names, random numbers."""

from manim import *


class StillDiagram(Scene):
    def construct(self):
        self.add(Circle(color=BLUE), Square(color=GREEN).shift(RIGHT), Text("still").to_edge(DOWN))


class StillFormula(Scene):
    def construct(self):
        self.add(MathTex(r"e^{i\pi} + 1 = 0").scale(1.5), ImageMobject("assets/badge.png").to_corner(UR))


class Δelta(Scene):
    def construct(self):
        t = Triangle(color=YELLOW)
        self.play(Create(t), run_time=0.4)
        self.play(t.animate.rotate(PI).scale(0.5), run_time=0.4)


class Überschrift(Scene):
    def construct(self):
        self.play(Write(Text("Grüße")), run_time=0.5)
        self.wait(0.2)


class SectionsWithSound(Scene):
    def construct(self):
        self.next_section("intro")
        s = Square()
        self.add_sound("assets/tick.wav")
        self.play(Create(s), run_time=0.4)
        self.next_section("middle")
        self.play(s.animate.shift(RIGHT), run_time=0.3)
        self.add_sound("assets/tick.wav", time_offset=0.1, gain=-6)
        self.wait(0.3)
        self.next_section("end")
        self.play(FadeOut(s), run_time=0.3)


class RandomCloud(Scene):
    def construct(self):
        dots = VGroup(*[Dot(np.random.uniform(-3, 3, 3) * [1, 0.6, 0], radius=0.05) for _ in range(12)])
        self.play(FadeIn(dots), run_time=0.3)
        dots.add_updater(lambda m, dt: m.shift(np.random.uniform(-1, 1, 3) * dt * [1, 1, 0]))
        self.wait(0.5)
        self.play(dots.animate.set_color(PINK), run_time=0.3)


class TransparentFade(Scene):
    def construct(self):
        c = Circle(color=RED, fill_opacity=0.5)
        self.play(FadeIn(c), run_time=0.3)
        self.play(c.animate.shift(RIGHT).set_opacity(0.2), run_time=0.4)
