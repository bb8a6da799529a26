"""serve: a warm worker. manim is imported once; each request runs in a fork.

The child gets a copy-on-write manim with untouched config, imports the user's
module fresh and sets its own cwd and config, so nothing leaks between
requests; a child that crashes becomes an error result, never a dead server.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
from typing import Any

from .commands import run_command, user_dir_of
from .config_setup import require_hashseed
from .errors import WorkerCrashed, error_payload
from .jsonio import read_request, write_json_line
from .lifeline import die_with_parent, kill_group
from .limits import Limits, Watch

# The render child running now: its pid is its process group's id (see handle).
_child: int | None = None


def _run_child(cmd: str, req: dict[str, Any], limits: Limits, wfd: int) -> None:
    code = 0
    try:
        limits.apply()
        result = run_command(cmd, req)
    except BaseException as exc:
        limits.lift()
        result = error_payload(limits.explain(exc), user_dir_of(req))
        code = 1
    try:
        write_json_line(wfd, result)
    finally:
        os.close(wfd)
        # skip atexit/threads cleanup inherited from the parent
        os._exit(code)


def _await_result(fd: int, watch: Watch) -> tuple[bytes, Exception | None]:
    """The child's result, or the limit it broke (checked every half second while it runs)."""
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return b"".join(chunks), None
            chunks.append(chunk)
            continue
        breach = watch.breach()
        if breach is not None:
            kill_group(_child)
            return b"", breach


def handle(line: str) -> dict[str, Any]:
    req_id: Any = None
    try:
        req = read_request(line)
        req_id = req.pop("id", None)
        cmd = req.pop("cmd", None)
        limits = Limits.parse(req.pop("limits", None))
        if not isinstance(cmd, str):
            from .errors import BadRequest

            raise BadRequest("serve requests need a string field 'cmd'")
    except BaseException as exc:
        return {"id": req_id, **error_payload(exc, None)}

    global _child
    rfd, wfd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        os.close(rfd)
        # its own process group, so a limit or a stop kills what the scene started too
        os.setpgid(0, 0)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        die_with_parent(signal.SIGKILL, lambda: os._exit(1))
        # user code must never read the server's request stream
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        _run_child(cmd, req, limits, wfd)
    try:
        os.setpgid(pid, pid)  # also here: no kill may reach the driver's own group meanwhile
    except OSError:
        pass
    _child = pid
    os.close(wfd)
    data, breach = _await_result(rfd, Watch(cmd, req, limits))
    os.close(rfd)
    _, status = os.waitpid(pid, 0)
    # whatever the scene left running in its group goes with it
    kill_group(pid)
    _child = None
    if breach is not None:
        return {"id": req_id, **error_payload(breach, None)}
    try:
        result = json.loads(data.decode())
    except (ValueError, UnicodeDecodeError):
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            why = f"killed by signal {signal.Signals(sig).name}"
        else:
            why = f"exited with code {os.WEXITSTATUS(status)}"
        exc = WorkerCrashed(f"worker for {cmd!r} {why} without a result")
        result = error_payload(exc, user_dir_of(req))
    return {"id": req_id, **result}


def _stop(*_: Any) -> None:
    """The node is gone or stops this driver: its render goes first."""
    kill_group(_child)
    os._exit(143)


def serve(out_fd: int) -> int:
    signal.signal(signal.SIGTERM, _stop)
    die_with_parent(signal.SIGTERM, _stop)
    require_hashseed()
    # the expensive imports, shared copy-on-write by every child
    import manim  # noqa: F401
    import manim.manager  # noqa: F401
    from manim.utils.sounds import get_full_sound_file_path  # noqa: F401

    from . import plan, render, stitch  # noqa: F401
    from .config_setup import quiet_manim

    quiet_manim()
    for line in sys.stdin:
        if not line.strip():
            continue
        write_json_line(out_fd, handle(line))
    return 0
