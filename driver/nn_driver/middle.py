"""What a planning pass samples in the middle of each play, for the cost model (src/cutting/cost.ts).

The pass takes manim's skip path (one step over the whole run time), so it meets a play's frames only
at its ends. In the middle of the play, reached by a render's own steps (update_to_time at frame
times), it also times a frame's step and its drawing, and measures how much a frame changes:

- A frame's step is what every later segment's fast-forward pays per frame in Python. The cheapest
  of two (of IMPURE_STEPS in a play with updaters) counts: a step may carry a one-off (a font
  loaded, a glyph built for the first time, a garbage collection), which a render pays once, not
  every frame.
- A frame's drawing (Cairo), the cheaper of two: the first frames drawn of new mobjects carry
  one-offs (a font's glyphs, a path cache) that a render spreads over all of them, and a play's ends
  are rarely its typical frame. On the lab, the Benchmark scene's `Create(axes)` drew its first frame
  in 15.7 ms and its middle ones in 1.1; taken from the ends, that play's cost came out at twice
  what it took.
- x264 codes an unchanged macroblock of a P-frame almost for free and a changed one with a motion
  search and a residual, so plays that draw alike encode at 7 to 20 ms a 720p frame (the bundled
  scenes' partial movie files, encoded again frame by frame). The share of pixels that differ
  between two frames stands for that; an eased animation hardly moves at its start, hence the middle.

A pure play's end state is its time's alone, so the extra steps leave it exact; an impure play's
state is no longer exact in a planning pass anyway.

A scout (scout.py) samples the drawing too, at another moment: on the lab, the same play's middle
frame drew in 21 ms in one planning pass and 41 in another (a busy machine only adds CPU time), and
the cut's shares ended 10-40 s apart. Its exact stepping may not take the extra steps of a play with
updaters, so it draws the middle frames as it steps through them (MiddleDraws).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from time import process_time
from typing import Any, Callable


@dataclass(frozen=True)
class Sample:
    step: float | None  # CPU seconds of a frame's step (None: a play of one frame)
    motion: float  # the share of pixels a frame changes (0 for PNG output: compressed alike)
    draw: float | None  # CPU seconds drawing a frame (None: a play of one frame)
    seconds: float  # CPU seconds the sampling took: not the play's own cost

    def drawing(self, last: float) -> float:
        """A frame's drawing: the middle's, else ``last`` (the play's last frame's)."""
        return last if self.draw is None else self.draw


NO_SAMPLE = Sample(None, 0.0, None, 0.0)

# Steps timed in a play with updaters, whose step every later segment pays frame by frame. A
# scene's first plays meet first uses on many of them: the short updater scene's live readout
# stepped in 32, 30, 21, 19, 21, 20, 23, then 12-13 ms once each digit's glyph had been built, as a
# render steps it all along; the cheaper of two weighed that play's fast-forward at twice what a
# render's took. A pure play's frames are reached without stepping, and two suffice.
IMPURE_STEPS = 8


def changed_share(first: Any, second: Any) -> float:
    """The share of pixels that differ between two frames, sampled every other row and column (a
    macroblock is 16 pixels wide: the sample misses no change that costs the encoder)."""
    import numpy as np

    return float(np.any(first[::2, ::2] != second[::2, ::2], axis=-1).mean())


def frame_count(run_time: float) -> int:
    """A rendered play's frames: manim's time progression, np.arange(0, run_time, 1/fps)."""
    import numpy as np
    from manim import config

    return len(np.arange(0, run_time, 1 / config.frame_rate))


def sample_middle(scene: Any, video: bool, draw: Callable[[], float], frame: Callable[[], Any], pure: bool) -> Sample:
    """Steps the scene's running play to its middle frame and two frames on (IMPURE_STEPS for a play
    with updaters): `draw` rasterises the scene (returning the CPU seconds it took), `frame` copies
    the camera's pixels out."""
    from manim import config

    began = process_time()
    dt = 1 / config.frame_rate
    n = frame_count(scene.duration)
    if n < 2:
        return NO_SAMPLE
    k = (n - 1) // 2
    scene.update_to_time(k * dt)
    draws = [draw()]
    first = frame() if video else None
    steps, motion = [], 0.0
    for j in range(k + 1, min(k + 1 + (2 if pure else IMPURE_STEPS), n)):
        stepped = process_time()
        scene.update_to_time(j * dt)
        steps.append(process_time() - stepped)
        if j == k + 1:
            draws.append(draw())
            motion = changed_share(first, frame()) if video else 0.0
    return Sample(min(steps), motion, min(draws), process_time() - began)


@dataclass
class MiddleDraws:
    """A scout's draws of a play's middle frame and the next as it steps through its n frames (the
    frames sample_middle draws), and the CPU seconds they took: not the play's own cost. The cheaper
    counts: a scout leaves a paused copy at every play's start, so its first draw after one writes
    the camera's pixels page by page as copies (on the lab 4-5 ms a 720p frame of a play that then
    drew in 1-2)."""

    n: int
    seen: int = 0
    draws: list[float] = field(default_factory=list)

    def frame(self, draw: Callable[[], float]) -> None:
        if self.n >= 2 and self.seen in ((self.n - 1) // 2, (self.n - 1) // 2 + 1):
            self.draws.append(draw())
        self.seen += 1

    def sample(self) -> Sample:
        return Sample(None, 0.0, min(self.draws), sum(self.draws)) if self.draws else NO_SAMPLE
