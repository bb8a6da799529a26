"""Keep stdout for the protocol's JSON only.

manim's console, user prints and library chatter go to stderr: fd 1 is pointed
at fd 2, and the JSON is written to a saved copy of the original stdout.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def claim_stdout() -> int:
    """Redirect fd 1 to stderr and return a fd that still reaches the real stdout."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    return saved


def write_json_line(fd: int, obj: dict[str, Any]) -> None:
    data = (json.dumps(obj, separators=(",", ":"), default=str) + "\n").encode()
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def read_request(text: str) -> dict[str, Any]:
    from .errors import BadRequest

    text = text.strip() or "{}"
    try:
        req = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"request is not valid JSON: {exc}") from exc
    if not isinstance(req, dict):
        raise BadRequest("the request must be a JSON object")
    return req
