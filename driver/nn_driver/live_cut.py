"""A cut inside the play a render is drawing, asked while it draws: another node draws the play's
last frames, and this render encodes them into the play's partial movie file after its own.

A cut at a play boundary, or a tail asked before its play begins (range_files.py), cannot help a
slow machine that has begun the last play of its share: the play is then half in its encoder. So
the node writes "ID N K L" to the cut file: stop drawing play N at frame K, or at the frame the
render is at when it reads this if that is later, but not after frame L. Before its next frame the
render answers in the ack file (the cut file's name + ".ack"): "ID K'" (it stops at frame K') or
"ID no" (it is past L, or not in play N). At frame K' it waits for the join file: for a video the
other node's frames K'.. of the play (a slice file, frame_file.py), which go into the play's open
encoder after its own, so that the file is encoded once from all the play's frames in order, with
the writer's settings: the bytes of a full render. For PNG frames any file will do: the other node
writes its images itself. Until the join file is there, the node may take the cut back by removing
the cut file (no slot took the rest in time); the render then draws on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from time import sleep
from typing import Any

from .errors import BadRequest, plan_mismatch
from .frame_file import read_frames

_LOOK_SECONDS = 0.02


@dataclass
class LiveCut:
    cut_file: str | None = None
    join_file: str | None = None
    at: int | None = None  # the frame of the current play where the render stops drawing
    _answered: str | None = None  # the id of the last request answered
    _first: int = 0  # the render's frame count when the current play began
    _cut: tuple[int, int | None] | None = None  # the current play was cut: at that frame, and the frames fed in (video)

    @property
    def cut_at(self) -> int | None:
        """Where the current play was cut, if it was."""
        return self._cut[0] if self._cut else None

    def begin_play(self, index: int, frames: int) -> None:
        """A play begins, ``frames`` counted before it. Not after a cut play: the scene was not stepped
        past the cut, so its state is not the one the next play starts from."""
        if self._cut:
            raise BadRequest(f"a render cut inside play {index - 1} ends with it, but its stop file says it goes on")
        self._first, self.at = frames, None

    def _read(self) -> tuple[str, int, int, int] | None:
        try:
            with open(self.cut_file or "") as f:
                text = f.read()
        except FileNotFoundError:
            return None
        words = text.split()
        if len(words) != 4 or not all(w.isdigit() for w in words[1:]):
            raise BadRequest(f"cut file {self.cut_file}: {text.strip()!r} is not 'ID N K L'")
        return words[0], int(words[1]), int(words[2]), int(words[3])

    def _ack(self, text: str) -> None:
        path = f"{self.cut_file}.ack"
        with open(f"{path}.tmp", "w") as f:
            f.write(text)
        os.replace(f"{path}.tmp", path)  # never half an answer for the node to read

    def stops_at(self, play: int, frames: int) -> bool:
        """Before the next frame of play ``play`` (a whole play this render draws and encodes) is
        drawn, ``frames`` counted before it: answers a new request, and says whether the render
        stops drawing here."""
        if not self.cut_file:
            return False
        frame = frames - self._first
        asked = self._read()
        if asked is None or asked[0] != self._answered:
            self.at = None  # taken back, or replaced by a new request
        if asked is not None and asked[0] != self._answered:
            ident, n, first, latest = asked
            self._answered = ident
            if n == play and frame <= latest:
                self.at = max(first, frame)
            self._ack(f"{ident} {self.at if self.at is not None else 'no'}")
        return self.at is not None and frame >= self.at

    def joined(self) -> bool:
        """At the cut: waits until the join file is there (True) or the node took the cut back (False)."""
        while True:
            if os.path.exists(self.join_file or ""):
                return True
            asked = self._read()
            if asked is None or asked[0] != self._answered:
                self.at = None
                return False
            sleep(_LOOK_SECONDS)

    def join(self, writer: Any, frames: int) -> bool:
        """At the cut, ``frames`` counted: a video's frames after it go into the play's encoder from
        the join file (feed_rest). True: the play's other frames are only counted from here."""
        fed = feed_rest(writer, str(self.join_file)) if writer.output_spec.is_video else None
        self._cut = (frames - self._first, fed)
        return True

    def check_joined(self, play: Any) -> None:
        """After the render: a cut play's frames fed in are its frames after the cut (video)."""
        if self._cut and self._cut[1] is not None and self._cut[1] != play.frames - self._cut[0]:
            raise plan_mismatch(f"play {play.index} has {play.frames} frames: {self._cut[0]} drawn here and {self._cut[1]} from the other node do not make them")


def feed_rest(writer: Any, path: str) -> int:
    """The play's frames after the cut, from the slice file ``path``, into the play's open encoder
    job after the frames drawn here; closes the play's file. Returns how many frames were fed.

    manim's encoder job takes RGBA arrays only; a slice keeps its frames in the encoder's pixel format
    (the conversion the encoder makes itself, frame_file.py), so this job's encoder also takes PyAV
    frames, encoded as its own at the next timestamps. The job, its encoder and their fields are
    manim 0.22's (the version the project pins): a newer manim is checked by the tests that cut plays.
    """
    import numpy as np

    job = writer._current_encode_job
    if job is None:
        raise BadRequest("a cut inside a play needs the play's encoder open: the play writes no partial movie file")
    encoder = job.encoder
    spec = encoder.spec
    own = encoder.write_frame
    time_base = Fraction(spec.frame_rate.denominator, spec.frame_rate.numerator)

    def write_frame(frame: Any, *, repeat: int = 1) -> None:
        if isinstance(frame, np.ndarray):
            own(frame, repeat=repeat)
            return
        frame.pts = encoder._next_pts
        frame.time_base = time_base
        encoder._next_pts += 1
        for packet in encoder._stream.encode(frame):
            encoder._container.mux(packet)

    encoder.write_frame = write_frame  # the job's thread looks it up for every frame it takes
    fed = 0
    for frame in read_frames(path, spec.width, spec.height):
        job.put(1, frame)
        fed += 1
    writer.close_partial_movie_stream()
    return fed
