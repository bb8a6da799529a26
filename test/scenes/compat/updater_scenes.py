"""Compatibility corpus: updaters of every kind, value trackers, wait_until, run times from state."""

from manim import *


class SpinWithDt(Scene):
    def construct(self):
        sq = Square(color=BLUE)
        sq.add_updater(lambda m, dt: m.rotate(dt * 1.7))
        self.add(sq)
        self.wait(0.5)
        self.play(sq.animate.shift(LEFT), run_time=0.4)
        self.wait(0.3)


class FollowerWithoutDt(Scene):
    def construct(self):
        dot = Dot(LEFT * 3)
        label = Text("dot", font_size=24).add_updater(lambda m: m.next_to(dot, UP))
        self.add(dot, label)
        self.play(dot.animate.shift(4 * RIGHT), run_time=0.6)
        label.clear_updaters()
        self.play(dot.animate.shift(DOWN), run_time=0.3)


class TrackerRedraw(Scene):
    def construct(self):
        t = ValueTracker(0.5)
        arc = always_redraw(lambda: Arc(radius=1.5, angle=t.get_value() * TAU, color=GREEN))
        number = always_redraw(lambda: DecimalNumber(t.get_value(), num_decimal_places=2).to_edge(DOWN))
        self.add(arc, number)
        self.play(t.animate.set_value(0.9), run_time=0.5)
        self.play(t.animate.increment_value(-0.6), rate_func=there_and_back, run_time=0.5)


class SceneClockUpdater(Scene):
    def construct(self):
        bar = Rectangle(width=0.1, height=0.5, color=RED, fill_opacity=1).to_edge(LEFT)
        self.add(bar)
        self.add_updater(lambda dt: bar.stretch_to_fit_width(0.1 + self.time * 2).to_edge(LEFT))
        self.wait(0.4)
        self.play(bar.animate.set_color(YELLOW), run_time=0.3)
        self.wait(0.3)


class TracedSpiral(Scene):
    def construct(self):
        dot = Dot(RIGHT, color=YELLOW)
        dot.add_updater(lambda m, dt: m.rotate(dt * 3, about_point=ORIGIN).scale(1 + dt * 0.3, about_point=ORIGIN))
        path = TracedPath(dot.get_center, stroke_color=YELLOW, dissipating_time=0.5)
        self.add(path, dot)
        self.wait(0.6)
        self.play(dot.animate.set_color(RED), run_time=0.3)
        self.wait(0.3)


class AlphaAndFunc(Scene):
    def construct(self):
        c = Circle(color=WHITE)
        self.add(c)
        self.play(UpdateFromAlphaFunc(c, lambda m, a: m.set_stroke(width=2 + 10 * a).set_color(interpolate_color(WHITE, PINK, a))), run_time=0.5)
        s = Square().shift(2 * RIGHT)
        self.play(UpdateFromFunc(s, lambda m: m.next_to(c, RIGHT)), c.animate.shift(LEFT), run_time=0.5)


class WaitUntilFar(Scene):
    def construct(self):
        dot = Dot(LEFT * 2, color=GREEN)
        dot.add_updater(lambda m, dt: m.shift(dt * 2.3 * RIGHT))
        self.add(dot)
        self.wait_until(lambda: dot.get_x() > 0, max_time=3)
        dot.clear_updaters()
        self.play(dot.animate.scale(3), run_time=0.3)


class RunTimeFromState(Scene):
    def construct(self):
        d = Dot(color=WHITE)
        d.add_updater(lambda m, dt: m.shift(dt * 1.37 * RIGHT))
        self.add(d)
        self.wait(0.7)
        # the run time reads where the dt-updater has moved the dot, frame by frame
        self.play(d.animate.set_color(RED), run_time=0.5 + abs(d.get_x()))
        self.play(d.animate.set_color(BLUE), run_time=0.2 + d.get_x() / 3)
        self.wait(0.2)


class PlaysFromState(Scene):
    def construct(self):
        d = Dot(LEFT * 3)
        d.add_updater(lambda m, dt: m.shift(dt * 2.1 * RIGHT))
        self.add(d)
        self.wait(0.45)
        # how many plays there are depends on updater-built state
        for _ in range(int(d.get_x() * 10) % 4 + 1):
            self.play(Flash(d), run_time=0.2)


class SuspendedUpdating(Scene):
    def construct(self):
        hand = Line(ORIGIN, UP * 1.5)
        hand.add_updater(lambda m, dt: m.rotate(-dt * 2, about_point=ORIGIN))
        self.add(hand)
        self.wait(0.3)
        hand.suspend_updating()
        self.play(hand.animate.set_color(ORANGE), run_time=0.3)
        hand.resume_updating()
        self.wait(0.3)
