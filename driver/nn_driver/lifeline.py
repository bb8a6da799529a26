"""Processes that die with their parent: no render outlives the node that runs it.

Linux's PR_SET_PDEATHSIG sends a signal when the parent *thread* that forked us
dies; the warm driver is spawned by Node's main thread and forks its render
children from its own main thread, so that is the process's life. A thread that
watches the parent's pid covers the gap between fork and prctl and systems
without prctl.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from typing import Callable

PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int, on_orphan: Callable[[], None]) -> None:
    """Get ``sig`` when the parent dies; call ``on_orphan`` if it is already gone or goes later."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:
        on_orphan()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        on_orphan()

    threading.Thread(target=watch, name="nn-lifeline", daemon=True).start()


def kill_group(pgid: int | None) -> None:
    """SIGKILL a render child's process group (its LaTeX, ffmpeg, whatever scene code started)."""
    if pgid is None:
        return
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
