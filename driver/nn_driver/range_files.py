"""How an open-ended render and its node agree on where it ends, through two small files.

The render writes the play it is about to start (and the frames it has drawn; inside a play,
twice a second) to the progress file, marked "scouting" while it is a scout fast-forwarding to a
start it does not know, followed by the CPU seconds its exact fast-forward took over each play so
far ("5 0 scouting 1.0200,0.9800,… 0.0210,0,…"): the cutter's measure of what reaching a share
costs; then the CPU seconds a frame in each play's middle took to draw (0: none drawn), which the
cutter sets beside the planning pass's (middle.py). The
node writes the last play to draw to the stop file: "N" is an end the node may still move (it
claims the next segment and this render goes on without a new set-up or fast-forward), "N final"
is the end. No stop file: no end yet (a lead segment while the scene is being planned).

"N final tail K" (K >= 1) ends the render inside play N: plays up to N-1 whole, then only
frames 0..K-1 of play N (a tail, frame_slice.py), whose other frames another node draws. A tail
is picked up at the start of play N: the node writes it before the render starts play N, for
instance while the render waits there at a tentative end of N-1.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from time import monotonic, sleep
from typing import TYPE_CHECKING

from .errors import BadRequest

if TYPE_CHECKING:
    from .records import PlayRecord

# How long a render at a tentative end waits for the node's decision before it stops.
# The node answers in well under a second; a render that stopped anyway hands back the rest.
DECISION_SECONDS = 30.0


@dataclass(frozen=True)
class End:
    play: int
    final: bool
    tail: int | None = None  # frames of play `play` drawn as a tail


def parse_end(text: str, source: str) -> End | None:
    """The stop file's words; None when it names no end (yet)."""
    words = text.split()
    if not words or not words[0].lstrip("-").isdigit():
        return None
    end = End(int(words[0]), "final" in words[1:])
    if "tail" not in words[1:]:
        return end
    # a malformed tail is the node's bug: an error, not a render that silently ends elsewhere
    if len(words) != 4 or words[1:3] != ["final", "tail"] or not words[3].isdigit() or int(words[3]) < 1 or end.play < 0:
        raise BadRequest(f"stop file {source}: {text.strip()!r} is not 'N final tail K' (N >= 0, K >= 1)")
    return End(end.play, True, int(words[3]))


# How often a render inside a play says how many frames it has drawn.
DRAWING_REPORT_SECONDS = 0.5


@dataclass
class RangeFiles:
    stop_file: str | None
    progress_file: str | None = None
    _reported: float = field(default=0.0, repr=False)

    def progress(self, index: int, drawn: int, scouting: bool = False, forwarded: Sequence[PlayRecord] = ()) -> None:
        """``forwarded``: a scout's fast-forward so far, whose CPU seconds per play it reports while
        they are the exact one's (a planning pass's shortcuts are not: the plan has its timings)."""
        if not self.progress_file:
            return
        exact = scouting and not any(p.planned for p in forwarded)
        measures = ""
        if exact and forwarded:
            seconds = ",".join(f"{p.cpu_seconds:.4f}" for p in forwarded)
            draws = ",".join(f"{p.draw_seconds:.4f}" for p in forwarded)
            measures = f" {seconds} {draws}"
        tmp = f"{self.progress_file}.tmp"
        with open(tmp, "w") as f:
            f.write(f"{index} {drawn}{' scouting' if scouting else ''}{measures}")
        os.replace(tmp, self.progress_file)  # never a half-written file for the node to read
        self._reported = monotonic()

    def drawing(self, index: int, drawn: int) -> None:
        """Frames drawn so far, inside play ``index``, at most twice a second: a scene cut while a
        lead draws a long play counts what the lead has left of it."""
        if self.progress_file and monotonic() - self._reported >= DRAWING_REPORT_SECONDS:
            self.progress(index, drawn)

    def _read(self) -> End | None:
        try:
            with open(self.stop_file or "") as f:
                return parse_end(f.read(), self.stop_file or "")
        except FileNotFoundError:
            return None

    def stop_before(self, index: int) -> bool:
        """Whether play ``index`` is past the end; at a tentative end, waits for the node."""
        if not self.stop_file:
            return False
        deadline = monotonic() + DECISION_SECONDS
        while True:
            end = self._read()
            if end is None or index <= end.play:
                return False
            if end.final or monotonic() > deadline:
                return True
            sleep(0.005)

    def tail(self, index: int) -> int | None:
        """The frames of play ``index`` to draw before the render ends, when the end is a tail in it."""
        end = self._read() if self.stop_file else None
        return end.tail if end is not None and end.play == index else None
