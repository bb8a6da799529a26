"""Dispatch one request to its command; shared by the CLI and serve children."""

from __future__ import annotations

from typing import Any, Callable

from .config_setup import quiet_manim, require_hashseed
from .errors import BadRequest
from .protocol import parse_plan, parse_render, parse_scene_file, parse_still
from .stitch_request import parse_stitch


def _list(req: dict[str, Any]) -> dict[str, Any]:
    import os

    from .scene_loader import load_module, scene_classes

    src = parse_scene_file(req)
    os.chdir(src.cwd)
    return {"scenes": [c.__name__ for c in scene_classes(load_module(src.file))]}


def _plan(req: dict[str, Any]) -> dict[str, Any]:
    from .plan import plan

    return plan(parse_plan(req))


def _render(req: dict[str, Any]) -> dict[str, Any]:
    from .render import render

    return render(parse_render(req))


def _stitch(req: dict[str, Any]) -> dict[str, Any]:
    from .stitch import stitch

    return stitch(parse_stitch(req))


def _encode_play(req: dict[str, Any]) -> dict[str, Any]:
    from .encode_play import encode_play, parse_encode

    return encode_play(parse_encode(req))


def _still(req: dict[str, Any]) -> dict[str, Any]:
    from .still import still

    return still(parse_still(req))


def _smoke(req: dict[str, Any]) -> dict[str, Any]:
    from .smoke import smoke

    return smoke()


def _info(req: dict[str, Any]) -> dict[str, Any]:
    from .info import info

    return info()


COMMANDS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "info": _info,
    "list": _list,
    "plan": _plan,
    "render": _render,
    "stitch": _stitch,
    "encode-play": _encode_play,
    "still": _still,
    "smoke": _smoke,
}


def user_dir_of(req: dict[str, Any]) -> str | None:
    """The folder whose frames count as the user's in error locations."""
    import os

    file = req.get("file")
    return os.path.dirname(file) if isinstance(file, str) and os.path.isabs(file) else None


def run_command(cmd: str, req: dict[str, Any]) -> dict[str, Any]:
    if cmd not in COMMANDS:
        raise BadRequest(f"unknown command {cmd!r} (commands: {', '.join(COMMANDS)}, serve)")
    if not isinstance(req, dict):
        raise BadRequest("the request must be a JSON object")
    if cmd != "info":
        require_hashseed()
    quiet_manim()
    return {"ok": True, **COMMANDS[cmd](req)}
