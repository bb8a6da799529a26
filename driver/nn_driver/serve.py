"""serve: a warm worker. manim is imported once; each request runs in a fork.

The child gets a copy-on-write manim with untouched config, imports the user's
module fresh and sets its own cwd and config, so nothing leaks between
requests; a child that crashes becomes an error result, never a dead server.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any

from .commands import run_command, user_dir_of
from .config_setup import require_hashseed
from .errors import WorkerCrashed, error_payload
from .jsonio import read_request, write_json_line


def _run_child(cmd: str, req: dict[str, Any], wfd: int) -> None:
    code = 0
    try:
        result = run_command(cmd, req)
    except BaseException as exc:
        result = error_payload(exc, user_dir_of(req))
        code = 1
    try:
        write_json_line(wfd, result)
    finally:
        os.close(wfd)
        # skip atexit/threads cleanup inherited from the parent
        os._exit(code)


def _read_all(fd: int) -> bytes:
    chunks: list[bytes] = []
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def handle(line: str) -> dict[str, Any]:
    req_id: Any = None
    try:
        req = read_request(line)
        req_id = req.pop("id", None)
        cmd = req.pop("cmd", None)
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
        # user code must never read the server's request stream
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        _run_child(cmd, req, wfd)
    os.close(wfd)
    data = _read_all(rfd)
    os.close(rfd)
    _, status = os.waitpid(pid, 0)
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


def serve(out_fd: int) -> int:
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
