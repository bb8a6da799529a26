"""Scouting: fast-forwarding before anyone knows where the segment starts.

While a scene is being planned, a render slot that would otherwise wait runs the exact
fast-forward from play 0 and, at the start of every play, forks a paused copy of itself:
a snapshot of the scene's exact state there, for the price of the pages that later change.
When the node writes the segment's first play to the start file ("P", or "P head K of N" when
the segment starts at frame K of that play's N), the snapshot nearest before it wakes up and renders from there (fast-forwarding the few plays left in between);
the scout and every other snapshot end. A start further than the scout has got is simply
fast-forwarded to. Either way the segment begins with no set-up and no fast-forward left.

A planning scout is the scene's planning pass itself: it takes manim's skip path for every
play, so it leaves copies only while its state is still exact (until the first play with
updaters), writes the plan to its plan file at the end and then hands over like any scout.
The node that planned the scene so renders a share of it with no set-up of its own.
"""

from __future__ import annotations

import gc
import json
import os
from dataclasses import dataclass, field
from time import monotonic, sleep
from typing import Any, Callable, NoReturn

from .errors import BadRequest, PlanMismatch

# Most paused copies kept; beyond that every other older one goes (memory: ~25 MB each at 720p).
KEEP = 16
# How long a scout that has reached the end of the scene waits for its start.
WAIT_SECONDS = 1800.0


@dataclass
class _Snapshot:
    index: int
    pid: int
    wake_fd: int


@dataclass
class Scout:
    start_file: str
    plan_file: str | None = None
    snapshots: list[_Snapshot] = field(default_factory=list)

    def _words(self) -> list[str]:
        try:
            with open(self.start_file) as f:
                return f.read().split()
        except FileNotFoundError:
            return []

    def start(self) -> int | None:
        words = self._words()
        return int(words[0]) if words and words[0].isdigit() else None

    def head(self) -> tuple[int, int] | None:
        """With a start of "P head K of N": the segment starts at frame K of play P's N frames (the
        frames before K are another node's), as (K, N); None for a start at a play's first frame."""
        words = self._words()
        if len(words) < 2:
            return None
        if len(words) != 5 or words[1] != "head" or words[3] != "of" or not (words[2].isdigit() and words[4].isdigit()):
            raise BadRequest(f"start file {self.start_file}: {' '.join(words)!r} is not 'P' or 'P head K of N'")
        first, frames = int(words[2]), int(words[4])
        if not 0 < first < frames:
            raise BadRequest(f"start file {self.start_file}: a head from frame {first} of a play of {frames}")
        return first, frames

    def snapshot(self, index: int) -> bool:
        """Forks a paused copy at play ``index``; True in the copy once it is woken to render."""
        rfd, wfd = os.pipe()
        # Objects the collector would touch are copied page by page in every paused copy; frozen,
        # they stay shared (a planning pass with a copy at every play: 11 s against 8.6 s unforked
        # becomes 8.6 s).
        gc.freeze()
        pid = os.fork()
        if pid == 0:
            os.close(wfd)
            # the copy must not hold the older copies' wake pipes open (they end when the scout does)
            for s in self.snapshots:
                os.close(s.wake_fd)
            self.snapshots = []
            woken = os.read(rfd, 1) == b"g"  # b"" when the scout has ended without waking it
            os.close(rfd)
            if not woken:
                os._exit(0)
            gc.unfreeze()  # this copy renders on: its garbage is collectable again
            return True
        os.close(rfd)
        self.snapshots.append(_Snapshot(index, pid, wfd))
        self._thin()
        return False

    def _thin(self) -> None:
        if len(self.snapshots) <= KEEP:
            return
        # keep play 0 and the newest; drop every other one in between
        older = self.snapshots[1:-1]
        for s in older[::2]:
            self._drop(s)
        self.snapshots = [self.snapshots[0], *older[1::2], self.snapshots[-1]]

    @staticmethod
    def _drop(s: _Snapshot) -> None:
        os.close(s.wake_fd)  # it reads end-of-file and exits
        try:
            os.waitpid(s.pid, 0)
        except ChildProcessError:
            pass

    def drop_all(self) -> None:
        for s in self.snapshots:
            self._drop(s)
        self.snapshots = []

    def hand_over(self, start: int) -> bool:
        """Wakes the copy nearest before ``start`` (the others end); False if there is none."""
        ready = [s for s in self.snapshots if s.index <= start]
        if not ready:
            return False
        chosen = ready[-1]
        os.write(chosen.wake_fd, b"g")
        os.close(chosen.wake_fd)
        self.snapshots.remove(chosen)
        self.drop_all()
        return True

    @property
    def reach(self) -> int:
        """The furthest play a copy is paused at."""
        return self.snapshots[-1].index if self.snapshots else -1

    def publish_plan(self, plan: dict[str, Any]) -> None:
        assert self.plan_file is not None
        tmp = f"{self.plan_file}.tmp"
        with open(tmp, "w") as f:
            json.dump({**plan, "reach": self.reach}, f)
        os.replace(tmp, self.plan_file)  # the node never reads half a plan

    def wait_for_start(self) -> int | None:
        deadline = monotonic() + WAIT_SECONDS
        while monotonic() < deadline:
            start = self.start()
            if start is not None:
                return start
            sleep(0.05)
        return None

    def at_play(self, index: int, exact: bool) -> int | None:
        """At the start of play ``index``: None while still scouting, else the play this render starts at.

        Leaves a paused copy here while the state is ``exact``; a woken copy returns its start.
        A start before ``index`` goes to the copy nearest before it, and this process ends.
        """
        start = self.start()
        if start is None:
            if not exact or not self.snapshot(index):
                return None  # still scouting
            start = self.start()  # a woken copy: the node has written it
            assert start is not None
        elif start < index:
            if self.hand_over(start):
                os._exit(0)  # the woken copy renders and reports; this process is done
        else:
            self.drop_all()
        return start

    def at_end(self, plan: Callable[[], dict[str, Any]]) -> NoReturn:
        """The scene has ended while scouting: publish its plan (a planning scout), then hand over."""
        if self.plan_file:
            self.publish_plan(plan())
        start = self.wait_for_start()
        if start is not None and self.hand_over(start):
            os._exit(0)
        raise PlanMismatch(f"this scouting render got no start it could reach (start {start})")
