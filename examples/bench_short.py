"""Short benchmark: about 30 s of video with updaters running through all of it.

What a Manim author renders again and again: a clock-driven scene where every play steps
updaters frame by frame, so a segment's fast-forward is the exact progression (no shortcut).
About 20-40 s with ``manim render -qm`` on one core.
"""

from manim import *


class Short(Scene):
    def construct(self):
        # a pendulum-like dot driven by the clock, its traced path, a spinner and a live readout
        angle = ValueTracker(0)
        pivot = UP * 2.5
        bob = always_redraw(lambda: Dot(pivot + 2.5 * np.array([np.sin(angle.get_value()), -np.cos(angle.get_value()), 0]), color=YELLOW, radius=0.15))
        rod = always_redraw(lambda: Line(pivot, bob.get_center(), color=GREY))
        trace = TracedPath(bob.get_center, stroke_color=YELLOW, stroke_width=2, dissipating_time=1.5)
        spinner = Square(side_length=1.2, color=BLUE).to_corner(DR)
        spinner.add_updater(lambda m, dt: m.rotate(dt * 1.3))
        readout = always_redraw(lambda: DecimalNumber(angle.get_value(), num_decimal_places=2).to_corner(UL))
        self.add(rod, bob, trace, spinner, readout)
        t = ValueTracker(0)
        angle.add_updater(lambda a: a.set_value(0.9 * np.sin(2.2 * t.get_value())))
        self.add(angle)
        grid = VGroup(*[Circle(radius=0.25, color=TEAL).shift(LEFT * 5 + RIGHT * (i % 5) * 0.7 + DOWN * (i // 5) * 0.7) for i in range(15)])
        for k in range(10):
            # each play advances the clock and does something of its own besides
            anims = [t.animate.increment_value(3)]
            if k % 3 == 0:
                anims.append(grid.animate.shift(RIGHT * 0.3).set_color(interpolate_color(TEAL, RED, k / 9)))
            elif k % 3 == 1:
                anims.append(Rotate(grid, PI / 6))
            else:
                anims.append(grid.animate.scale(0.95))
            self.play(*anims, run_time=3, rate_func=linear)
