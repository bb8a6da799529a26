"""CLI: ``python -m nn_driver CMD`` reads one JSON request on stdin, prints one JSON line."""

from __future__ import annotations

import os
import signal
import sys

from .allocator import keep_freed_memory
from .commands import run_command, user_dir_of
from .errors import error_payload
from .jsonio import claim_stdout, read_request, write_json_line


def main(argv: list[str]) -> int:
    keep_freed_memory()  # before Manim allocates anything: its render children inherit it
    out_fd = claim_stdout()
    if len(argv) != 2:
        from .errors import BadRequest

        write_json_line(out_fd, error_payload(BadRequest("usage: python -m nn_driver COMMAND"), None))
        return 1
    cmd = argv[1]
    if cmd != "serve":
        from .lifeline import die_with_parent

        die_with_parent(signal.SIGKILL, lambda: os._exit(1))
    if cmd == "serve":
        from .serve import serve

        try:
            return serve(out_fd)
        except BaseException as exc:
            write_json_line(out_fd, {"id": None, **error_payload(exc, None)})
            return 1
    req: dict = {}
    try:
        req = read_request(sys.stdin.read())
        result = run_command(cmd, req)
        code = 0
    except BaseException as exc:
        result = error_payload(exc, user_dir_of(req))
        code = 1
    sys.stderr.flush()
    write_json_line(out_fd, result)
    return code


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stderr.flush()
    # skip interpreter teardown: manim's encoder threads are already joined
    os._exit(code)
