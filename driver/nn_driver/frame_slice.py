"""A slice of one play: its frames first..end-1, drawn on one node while other nodes draw the rest.

The render reaches the play with the exact fast-forward, then steps through the play's frames
before the slice without drawing them (a pure play skips even the steps: each of its frames
depends only on the play's start state and the frame's time, see purity.py), draws the slice and
stops. Video frames go losslessly into a slice file (frame_file.py), already in the encoder's
pixel format; the stitch encodes the play's partial movie file once, from every slice in order,
with the writer's own encoder settings (encode_play.py), so its bytes are a full render's. PNG
frames are written by manim's writer with their global numbers, as in any segment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from .errors import PlanMismatch, plan_mismatch
from .frame_file import FrameWriter

@dataclass
class Window:
    play: int
    first: int
    end: int
    # The play's frames in the plan: the slice that ends there checks the play really ends there.
    play_frames: int
    file: str | None  # video: where the frames go; None for png
    frame: int = 0  # the play's frames seen so far
    images: list[int] = field(default_factory=list)  # png: the global numbers written
    _out: FrameWriter | None = None
    poster: Any = None  # the last frame drawn

    @property
    def last(self) -> bool:
        return self.end == self.play_frames

    @property
    def drawn(self) -> int:
        return max(0, min(self.frame, self.end) - self.first)

    def take(self, pixels: Any, encoder: Any) -> None:
        """One drawn frame of the slice (RGBA, height x width x 4), for the writer's video encoder."""
        self.poster = pixels
        if self.file is None:
            return
        if self._out is None:
            self._out = FrameWriter(self.file, pixels.shape[1], pixels.shape[0], encoder.pixel_format)
        self._out.write(pixels)

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def mismatch(self, what: str) -> PlanMismatch:
        return plan_mismatch(f"play {self.play} {what}, the plan said {self.play_frames}")

    def check(self) -> None:
        """After the render: the whole slice was drawn (a play shorter than planned never gets there)."""
        self.close()
        if self.drawn != self.end - self.first:
            raise self.mismatch(f"drew {self.frame} frames")


class WindowState(Protocol):
    """What drawing a window's frame reads and sets (SceneTap is one)."""

    window: Window | None
    fast: bool


def draw_window_frame(state: WindowState, scene: Any, moving: Any, update_frame: Any, get_frame: Any) -> None:
    """One frame of the window's play, with manim's own update_frame and get_frame: counted before
    the slice, drawn and kept inside it; the render ends after it, unless the slice ends the play
    (then the play must end there too)."""
    from manim.utils.exceptions import EndSceneEarlyException

    w = state.window
    assert w is not None
    k = w.frame
    w.frame += 1
    if k >= w.end:
        raise w.mismatch(f"drew more than {w.end} frames")
    renderer = scene.renderer
    if k < w.first:
        renderer.add_frame(None)  # counted, neither drawn nor written
        return
    writer = renderer.file_writer
    state.fast = False  # drawn; a png is written with its global number, a video frame kept
    try:
        update_frame(scene, moving)
        pixels = get_frame()
        w.take(pixels, writer.video_encoder)
        if writer.output_spec.is_image_sequence:
            w.images.append(writer.frame_count)
        renderer.add_frame(pixels)
    finally:
        state.fast = True
    if w.frame == w.end and not w.last:
        raise EndSceneEarlyException()
