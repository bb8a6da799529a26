"""Compatibility corpus: images, SVG, text with fonts, a local helper module, manim.cfg beside it."""

from manim import *

from helpers import badge


class ImagePan(Scene):
    def construct(self):
        img = ImageMobject("assets/badge.png").scale(3)
        self.add(img)
        self.play(img.animate.shift(2 * RIGHT).scale(0.5), run_time=0.6)
        self.play(FadeOut(img), run_time=0.4)


class ImageBesideShapes(Scene):
    def construct(self):
        img = ImageMobject("assets/badge.png").set_height(2).to_edge(LEFT)
        sq = Square(color=YELLOW).to_edge(RIGHT)
        self.play(FadeIn(img), Create(sq), run_time=0.5)
        self.play(Rotate(img, PI / 3), sq.animate.set_fill(RED, 0.6), run_time=0.5)
        self.wait(0.3)


class KiteSvg(Scene):
    def construct(self):
        kite = SVGMobject("assets/kite.svg").scale(1.5)
        self.play(DrawBorderThenFill(kite), run_time=0.6)
        self.play(kite.animate.rotate(PI / 4).shift(LEFT), run_time=0.5)
        self.play(kite.animate.set_color(GREEN), run_time=0.3)


class FontsAndColours(Scene):
    def construct(self):
        title = Text("Render farm", font="DejaVu Sans", weight=BOLD, t2c={"farm": ORANGE})
        self.play(Write(title), run_time=0.6)
        mono = Text("x = 42", font="DejaVu Sans Mono", slant=ITALIC).next_to(title, DOWN)
        self.play(FadeIn(mono, shift=UP), run_time=0.4)
        self.play(Transform(title, MarkupText('<span fgcolor="#88ccff">same</span> frames')), run_time=0.5)


class LocalHelper(Scene):
    def construct(self):
        a, b = badge("alpha").shift(2 * LEFT), badge("beta").shift(2 * RIGHT)
        self.play(FadeIn(a), run_time=0.3)
        self.play(ReplacementTransform(a.copy(), b), run_time=0.5)
        self.play(Indicate(b), run_time=0.4)
