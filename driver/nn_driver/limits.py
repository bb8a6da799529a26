"""A render's limits: memory, file size, media folder size, wall time.

A hit of a configured limit is the scene's own doing (it would hit it on every
node), so it is reported as a LimitExceeded error that names the limit, never as
a machine fault that is retried elsewhere.
"""

from __future__ import annotations

import errno
import os
import resource
import signal
from dataclasses import dataclass
from time import monotonic
from typing import Any

from .errors import BadRequest, LimitExceeded, SceneError

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    wall_seconds: float | None = None
    memory_mb: int | None = None
    file_mb: int | None = None
    disk_mb: int | None = None

    @staticmethod
    def parse(raw: Any) -> "Limits":
        if raw is None:
            return Limits()
        if not isinstance(raw, dict):
            raise BadRequest("field 'limits' must be an object")
        values: dict[str, Any] = {}
        for key, name in (("wallSeconds", "wall_seconds"), ("memoryMB", "memory_mb"), ("fileMB", "file_mb"), ("diskMB", "disk_mb")):
            v = raw.get(key)
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
                raise BadRequest(f"limits.{key} must be a positive number, got {v!r}")
            values[name] = v
        return Limits(**values)

    def apply(self) -> None:
        """In the render child, before any scene code: the kernel enforces these."""
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if self.memory_mb:
            # The hard limit stays, so the child can lift the soft one to report the hit.
            resource.setrlimit(resource.RLIMIT_AS, (int(self.memory_mb * MB), hard))
        if self.file_mb:
            # A write past it fails with EFBIG instead of killing the child with SIGXFSZ.
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            _, fhard = resource.getrlimit(resource.RLIMIT_FSIZE)
            resource.setrlimit(resource.RLIMIT_FSIZE, (int(self.file_mb * MB), fhard))

    def lift(self) -> None:
        """Room to build the error report after a hit (the child exits right after)."""
        for which in (resource.RLIMIT_AS, resource.RLIMIT_FSIZE):
            _, hard = resource.getrlimit(which)
            resource.setrlimit(which, (hard, hard))

    def explain(self, exc: BaseException) -> BaseException:
        """``exc`` as a LimitExceeded when it is the kernel enforcing one of these limits."""
        cause = exc.cause if isinstance(exc, SceneError) else exc
        seen: set[int] = set()
        while cause is not None and id(cause) not in seen:
            seen.add(id(cause))
            if self.memory_mb and isinstance(cause, MemoryError):
                return _with_tb(LimitExceeded(f"the scene used more than {self.memory_mb:g} MB of memory (limits.memoryMB)"), exc)
            if self.file_mb and isinstance(cause, OSError) and cause.errno == errno.EFBIG:
                return _with_tb(LimitExceeded(f"the render wrote a file larger than {self.file_mb:g} MB (limits.fileMB)"), exc)
            cause = cause.__cause__ or cause.__context__
        return exc


def _with_tb(limit: LimitExceeded, exc: BaseException) -> LimitExceeded:
    """The limit error, keeping the scene's traceback so the user sees where it happened."""
    inner = exc.cause if isinstance(exc, SceneError) else exc
    return limit.with_traceback(inner.__traceback__)


def folder_mb(path: str) -> float:
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total / MB


_WHAT = {"list": "loading the scene file", "plan": "planning the scene", "render": "the segment"}


class Watch:
    """The serve parent's view of a running child: wall time and media folder, checked as it waits.

    The clock counts per segment: it starts afresh when the node moves the render's end on (it went
    on into the next segment) and, while a render has no end yet (a lead as its scene is planned),
    at each play it starts.
    """

    def __init__(self, cmd: str, req: dict[str, Any], limits: Limits) -> None:
        self.cmd = cmd
        self.limits = limits
        self.stop_file = req.get("stopFile") if isinstance(req.get("stopFile"), str) else None
        self.progress_file = req.get("progressFile") if isinstance(req.get("progressFile"), str) else None
        self.media_dir = req.get("mediaDir") if isinstance(req.get("mediaDir"), str) else None
        self.started = monotonic()
        self.mark: tuple[str, str] | None = None
        self.next_disk_check = 0.0

    def _marker(self) -> tuple[str, str]:
        end = _read(self.stop_file).split(" ")[0]
        return (end, _read(self.progress_file).split(" ")[0] if not end else "")

    def breach(self) -> LimitExceeded | None:
        now = monotonic()
        if self.limits.wall_seconds:
            mark = self._marker()
            if mark != self.mark:
                self.mark, self.started = mark, now
            elif now - self.started > self.limits.wall_seconds:
                what = _WHAT.get(self.cmd, self.cmd)
                return LimitExceeded(f"{what} exceeded its wall-time limit of {self.limits.wall_seconds:g} s (limits.segmentSeconds)")
        if self.limits.disk_mb and self.media_dir and now >= self.next_disk_check:
            self.next_disk_check = now + 2
            if folder_mb(self.media_dir) > self.limits.disk_mb:
                return LimitExceeded(f"the render wrote more than {self.limits.disk_mb:g} MB to its media folder (limits.diskMB)")
        return None


def _read(path: str | None) -> str:
    if not path:
        return ""
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""
