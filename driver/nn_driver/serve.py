"""serve: a warm worker. manim is imported once; each request runs in a fork.

The child gets a copy-on-write manim with untouched config, imports the user's
module fresh and sets its own cwd and config, so nothing leaks between
requests; a child that crashes becomes an error result, never a dead server.

Requests run side by side, each in its own child, and are answered by id as they
end: a node runs all its render slots on one server, so Python imports manim
once per node, not once per slot (two imports at once take twice the CPU, and a
node's start waits for them). ``{"cancel": id}`` kills a request's child and is answered, under
the request's id, once the child is gone.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
from time import monotonic
from typing import Any

from .commands import run_command, user_dir_of
from .config_setup import require_hashseed
from .errors import WorkerCrashed, error_payload
from .jsonio import read_request, write_json_line
from .lifeline import die_with_parent, kill_group
from .limits import Limits, Watch

# How often running children's limits are checked (wall time, media folder).
WATCH_SECONDS = 0.5


class _Child:
    """A request's forked child: the pipe its result comes through, and its limits' watch.
    Its pid is its process group's id (see _start)."""

    def __init__(self, req_id: Any, pid: int, rfd: int, req: dict[str, Any], watch: Watch) -> None:
        self.req_id = req_id
        self.pid = pid
        self.rfd = rfd
        self.req = req
        self.watch = watch
        self.chunks: list[bytes] = []


# The children running now, by their result pipe's fd.
_running: dict[int, _Child] = {}


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


def _start(line: str) -> dict[str, Any] | None:
    """Forks a request's child, or cancels one; a reply at once only for a bad request or a cancel."""
    req_id: Any = None
    try:
        req = read_request(line)
        req_id = req.pop("id", None)
        if "cancel" in req:
            # The node gave up on that request. It is answered once its child is dead (it may have
            # been writing into the request's folders, which the node deletes next); a request that
            # already ended is answered too, and the node drops what comes second.
            for child in [c for c in _running.values() if c.req_id == req["cancel"]]:
                _reap(child, killed=True)
            from .errors import Cancelled

            return {"id": req["cancel"], **error_payload(Cancelled("cancelled by the node"), None)}
        cmd = req.pop("cmd", None)
        limits = Limits.parse(req.pop("limits", None))
        if not isinstance(cmd, str):
            from .errors import BadRequest

            raise BadRequest("serve requests need a string field 'cmd'")
    except BaseException as exc:
        return {"id": req_id, **error_payload(exc, None)}

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
    os.close(wfd)
    _running[rfd] = _Child(req_id, pid, rfd, req, Watch(cmd, req, limits))
    return None


def _reap(child: _Child, killed: bool = False) -> int:
    """Ends a child (killed first when cancelled or over a limit); returns its wait status."""
    del _running[child.rfd]
    if killed:
        kill_group(child.pid)
    os.close(child.rfd)
    _, status = os.waitpid(child.pid, 0)
    # whatever the scene left running in its group goes with it
    kill_group(child.pid)
    return status


def _result(child: _Child) -> dict[str, Any]:
    """The reply for a child whose pipe closed: its result, or why it has none."""
    status = _reap(child)
    try:
        result = json.loads(b"".join(child.chunks).decode())
    except (ValueError, UnicodeDecodeError):
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            why = f"killed by signal {signal.Signals(sig).name}"
        else:
            why = f"exited with code {os.WEXITSTATUS(status)}"
        exc = WorkerCrashed(f"worker for {child.watch.cmd!r} {why} without a result")
        result = error_payload(exc, user_dir_of(child.req))
    return {"id": child.req_id, **result}


def _stop(*_: Any) -> None:
    """The node is gone or stops this driver: its renders go first."""
    for child in _running.values():
        kill_group(child.pid)
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
    stdin = sys.stdin.fileno()
    pending = b""
    reading = True
    next_watch = 0.0
    # Until the node closes stdin and every request running then has its reply.
    while reading or _running:
        ready, _, _ = select.select([*_running, *([stdin] if reading else [])], [], [], WATCH_SECONDS)
        # Results first: a request read below may fork a child whose pipe gets a closed one's fd.
        for fd in ready:
            child = _running.get(fd)
            if child is None:
                continue
            chunk = os.read(fd, 1 << 16)
            if chunk:
                child.chunks.append(chunk)
            else:
                write_json_line(out_fd, _result(child))
        if monotonic() >= next_watch:
            next_watch = monotonic() + WATCH_SECONDS
            for child in list(_running.values()):
                breach = child.watch.breach()
                if breach is not None:
                    _reap(child, killed=True)
                    write_json_line(out_fd, {"id": child.req_id, **error_payload(breach, None)})
        if stdin in ready:
            data = os.read(stdin, 1 << 16)
            reading = bool(data)
            *lines, pending = (pending + data).split(b"\n")
            if not reading:
                lines.append(pending)
            for line in lines:
                if line.strip():
                    reply = _start(line.decode(errors="replace"))
                    if reply is not None:
                        write_json_line(out_fd, reply)
    return 0
