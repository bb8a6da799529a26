"""Windows of a play: its frames first..end-1, drawn on one node while other nodes draw the rest.

A render has at most two: a head, the request's slice, on its first play (when the slice ends the
play the render goes on with whole plays after it), and a tail, frames 0..K-1 of its last play,
asked through the stop file (range_files.py) when that play begins.

The render reaches a window's play with the exact fast-forward, then steps through the play's
frames before the window without drawing them (a pure play skips even the steps: each of its frames
depends only on the play's start state and the frame's time, see purity.py) and draws the window.
A window inside its play ends the render when the play's next frame begins (so a play that ends
with the window is caught as shorter than planned). Video frames go losslessly into a slice file
(frame_file.py), already in the encoder's pixel format; the stitch encodes the play's partial movie
file once, from every slice in order, with the writer's own encoder settings (encode_play.py), so
its bytes are a full render's. PNG frames are written by manim's writer with their global numbers,
as in any segment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from .errors import BadRequest, PlanMismatch, plan_mismatch
from .frame_file import FrameWriter


@dataclass
class Window:
    play: int
    first: int
    end: int
    # The play's frames in the plan: a window that ends there checks the play really ends there.
    # None: a tail asked without a plan, which knows only that its play goes on past it.
    play_frames: int | None
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
        """One drawn frame of the window (RGBA, height x width x 4), for the writer's video encoder."""
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
        planned = self.play_frames if self.play_frames is not None else f"more than {self.end}"
        return plan_mismatch(f"play {self.play} {what}, the plan said {planned}")

    def check(self) -> None:
        """After the render: the whole window was drawn, and a window inside its play saw the play's
        next frame begin (a play shorter than planned never gets there)."""
        self.close()
        if self.frame != (self.end if self.last else self.end + 1):
            raise self.mismatch(f"drew {self.frame} frames")


@dataclass
class Windows:
    """A render's head (the request's slice) and the tail its stop file asks for."""

    head: Window | None = None
    tail_file: str | None = None  # video: where a tail's frames go
    video: bool = False
    tail: Window | None = None
    head_file: str | None = None  # video: where a scout's head goes, when its start file asks one

    def start_head(self, play: int, head: tuple[int, int] | None) -> None:
        """A scout woken to start at play ``play``: with ``head`` (first frame, the play's frames) it
        starts inside the play (scout.py)."""
        if head is None:
            return
        if self.video and self.head_file is None:
            raise BadRequest(f"the start file asks a head of play {play}: a video's head needs the request's headFile")
        self.head = Window(play, head[0], head[1], head[1], self.head_file)

    def at_play(self, index: int, tail: int | None, expect: dict[int, int] | None, first: float) -> Window | None:
        """The window of play ``index`` (a tail of ``tail`` frames asked for it is set up here), or
        None: the play is whole. ``first``: the render's first play to draw."""
        if tail is None:
            return self.head if self.head is not None and self.head.play == index else None
        self.tail = self._tail(index, tail, expect, first)
        return self.tail

    def _tail(self, index: int, frames: int, expect: dict[int, int] | None, first: float) -> Window:
        asked = f"the stop file asks a tail of {frames} frames of play {index}"
        if index < first:
            raise BadRequest(f"{asked}, before the render's first play")
        if self.head is not None and self.head.play == index:
            raise BadRequest(f"{asked}, the play of the render's slice (a slice ends where its 'end' says)")
        if self.video and self.tail_file is None:
            raise BadRequest(f"{asked}: a video's tail needs the request's tailFile")
        planned = expect.get(index) if expect else None
        if planned is not None and planned <= frames:
            raise BadRequest(f"{asked}, which has {planned} in the plan: no frames are left for the next node")
        return Window(index, 0, frames, planned, self.tail_file)


class WindowState(Protocol):
    """What drawing a window's frame sets (SceneTap is one)."""

    fast: bool


def draw_window_frame(w: Window, state: WindowState, scene: Any, moving: Any, update_frame: Any, get_frame: Any) -> None:
    """One frame of the window's play, with manim's own update_frame and get_frame: counted before
    the window, drawn and kept inside it; the frame after it ends the render, unless the window ends
    the play (then the play must end there too)."""
    from manim.utils.exceptions import EndSceneEarlyException

    k = w.frame
    w.frame += 1
    if k >= w.end:
        if w.last:
            raise w.mismatch(f"drew more than {w.end} frames")
        raise EndSceneEarlyException()  # the play goes on past the window, as planned: not drawn here
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
