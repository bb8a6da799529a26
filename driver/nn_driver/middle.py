"""What a planning pass samples in the middle of each play, for the cost model (src/cutting/cost.ts).

The pass takes manim's skip path (one step over the whole run time), so it meets a play's frames only
at its ends. In the middle of the play, reached by a render's own steps (update_to_time at frame
times), it also times a frame's step and measures how much a frame changes:

- A frame's step is what every later segment's fast-forward pays per frame in Python. The cheaper of
  two counts: a step may carry a one-off (a font loaded, a glyph built for the first time, a garbage
  collection), which a render pays once, not every frame.
- x264 codes an unchanged macroblock of a P-frame almost for free and a changed one with a motion
  search and a residual, so plays that draw alike encode at 7 to 20 ms a 720p frame (the bundled
  scenes' partial movie files, encoded again frame by frame). The share of pixels that differ
  between two frames stands for that; an eased animation hardly moves at its start, hence the middle.

A pure play's end state is its time's alone, so the extra steps leave it exact; an impure play's
state is no longer exact in a planning pass anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from time import process_time
from typing import Any, Callable


@dataclass(frozen=True)
class Sample:
    step: float | None  # CPU seconds of a frame's step (None: a play of one frame)
    motion: float  # the share of pixels a frame changes (0 for PNG output: compressed alike)
    seconds: float  # CPU seconds the sampling took: not the play's own cost


NO_SAMPLE = Sample(None, 0.0, 0.0)


def changed_share(first: Any, second: Any) -> float:
    """The share of pixels that differ between two frames, sampled every other row and column (a
    macroblock is 16 pixels wide: the sample misses no change that costs the encoder)."""
    import numpy as np

    return float(np.any(first[::2, ::2] != second[::2, ::2], axis=-1).mean())


def sample_middle(scene: Any, video: bool, draw: Callable[[], object], frame: Callable[[], Any]) -> Sample:
    """Steps the scene's running play to its middle frame and two frames on: `draw` rasterises the
    scene, `frame` copies the camera's pixels out."""
    import numpy as np
    from manim import config

    began = process_time()
    dt = 1 / config.frame_rate
    n = len(np.arange(0, scene.duration, dt))
    if n < 2:
        return NO_SAMPLE
    k = (n - 1) // 2
    scene.update_to_time(k * dt)
    if video:
        draw()
        first = frame()
    steps, motion = [], 0.0
    for j in range(k + 1, min(k + 3, n)):
        stepped = process_time()
        scene.update_to_time(j * dt)
        steps.append(process_time() - stepped)
        if video and j == k + 1:
            draw()
            motion = changed_share(first, frame())
    return Sample(min(steps), motion, process_time() - began)
