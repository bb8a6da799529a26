"""Request parsing and validation.

Everything the TypeScript side sends is checked here, so the command modules can
trust their inputs and a malformed request fails with a clear BadRequest.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import BadRequest
from .options import RenderOptions, parse_options

def object_list(req: dict[str, Any], key: str) -> list[Any]:
    """A field that is a list of objects (empty when absent)."""
    value = req.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise BadRequest(f"field {key!r} must be a list of objects")
    return value


def get_field(req: dict[str, Any], key: str, kind: type | tuple[type, ...], required: bool = True) -> Any:
    if key not in req or req[key] is None:
        if required:
            raise BadRequest(f"missing field {key!r}")
        return None
    value = req[key]
    # bool is an int subclass; never accept it where a number is wanted
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise BadRequest(f"field {key!r} must be {kind}, got bool")
    if not isinstance(value, kind):
        raise BadRequest(f"field {key!r} has the wrong type ({type(value).__name__})")
    return value


def abs_path_field(req: dict[str, Any], key: str, required: bool = True) -> str | None:
    value = get_field(req, key, str, required)
    if value is None:
        return None
    if not os.path.isabs(value):
        raise BadRequest(f"field {key!r} must be an absolute path, got {value!r}")
    return os.path.normpath(value)


@dataclass(frozen=True)
class SceneRequest:
    """What list/plan/render share: a user file and the directory it runs in."""

    file: str
    cwd: str

    @property
    def user_dir(self) -> str:
        return os.path.dirname(self.file)


def parse_scene_file(req: dict[str, Any]) -> SceneRequest:
    file = abs_path_field(req, "file")
    cwd = abs_path_field(req, "cwd")
    assert file is not None and cwd is not None
    if not file.endswith(".py"):
        raise BadRequest(f"{file} is not a python file")
    if not Path(file).is_file():
        raise BadRequest(f"file not found: {file}")
    if not Path(cwd).is_dir():
        raise BadRequest(f"cwd is not a directory: {cwd}")
    return SceneRequest(file, cwd)


@dataclass(frozen=True)
class PlanRequest:
    src: SceneRequest
    scene: str
    options: RenderOptions
    media_dir: str
    tex_cache: str | None = None  # the node's folder of the cluster's TeX SVGs (tex_share.py)
    exact: bool = False  # plan: the exact pass at once (a cheap plan was found wrong, see plan.py)
    # Keys for the play cache (only then are plays keyed); a plan keys on the exact pass, whose
    # state at each play is a full render's to the bit (purity.py).
    keyed: bool = False
    # A one-pass re-render (key_tap.py): the keys the play cache holds, and how many frames to draw.
    serve: frozenset[str] | None = None
    draw_frames: float = math.inf


def parse_plan(req: dict[str, Any]) -> PlanRequest:
    plan = _parse_scene_request(req)
    if plan.options.is_still:
        raise BadRequest("format png is the last frame only: the still command renders it")
    return plan


def _parse_scene_request(req: dict[str, Any]) -> PlanRequest:
    """What a plan and a still both take: the scene, its options and where it renders."""
    src = parse_scene_file(req)
    scene = get_field(req, "scene", str)
    media_dir = abs_path_field(req, "mediaDir")
    assert media_dir is not None
    tex_cache = abs_path_field(req, "texCache", required=False)
    exact = bool(get_field(req, "exact", bool, False))
    keyed = bool(get_field(req, "keyed", bool, False))
    serve = get_field(req, "serve", list, False)
    if serve is not None and not all(isinstance(k, str) for k in serve):
        raise BadRequest("field 'serve' must be a list of play keys")
    budget = get_field(req, "drawFrames", int, False)
    return PlanRequest(
        src, scene, parse_options(req.get("options")), media_dir, tex_cache, exact, keyed or serve is not None,
        None if serve is None else frozenset(serve), math.inf if budget is None else budget,
    )


@dataclass(frozen=True)
class CacheFile:
    path: str  # relative to the media dir, e.g. "Tex/4a1b….svg"
    source: str  # absolute path of the file to copy there


@dataclass(frozen=True)
class RenderRequest:
    plan: PlanRequest
    first: int
    last: int
    expect: dict[int, int] | None = None  # play index -> planned frames
    cache_files: list[CacheFile] = field(default_factory=list)
    stop_file: str | None = None  # with last == -1: where the node writes the last play
    progress_file: str | None = None  # where the render says which play it is at
    start_file: str | None = None  # a scouting render: where the node writes its first play (scout.py)
    plan_file: str | None = None  # a planning scout: where it writes the scene's plan (scout.py)
    skip: frozenset[int] = frozenset()  # plays in the range to fast-forward, not draw (served from the play cache)
    slice: SliceRequest | None = None  # only frames of play `first` (frame_slice.py)
    # video: where the frames of a tail go, when the stop file asks one (range_files.py); png: None
    tail_file: str | None = None
    # video: where a scout's head goes, when its start file asks one (scout.py); png: None
    head_file: str | None = None
    # a cut inside the play being drawn: where the node asks it, and where the rest of the play lands (live_cut.py)
    cut_file: str | None = None
    join_file: str | None = None


@dataclass(frozen=True)
class SliceRequest:
    first: int  # the play's first frame to draw
    end: int  # and the frame after its last
    play_frames: int  # the play's frames in the plan
    file: str | None  # video: the slice file to write


def _parse_slice(req: dict[str, Any], options: RenderOptions) -> SliceRequest | None:
    s = req.get("slice")
    if s is None:
        return None
    if not isinstance(s, dict):
        raise BadRequest("field 'slice' must be an object")
    first = get_field(s, "first", int)
    end = get_field(s, "end", int)
    play_frames = get_field(s, "playFrames", int)
    if not 0 <= first < end <= play_frames:
        raise BadRequest(f"bad slice: frames {first}..{end} of a play of {play_frames}")
    file = abs_path_field(s, "file", required=options.is_video)
    return SliceRequest(first, end, play_frames, file)


def _parse_expect(req: dict[str, Any]) -> dict[int, int] | None:
    if req.get("expect") is None:
        return None
    expect: dict[int, int] = {}
    for e in object_list(req, "expect"):
        index = get_field(e, "index", int)
        frames = get_field(e, "frames", int)
        if index < 0 or frames < 0:
            raise BadRequest(f"bad expect entry {e}")
        expect[index] = frames
    return expect or None  # an empty list checks nothing


def _parse_cache_files(req: dict[str, Any]) -> list[CacheFile]:
    files: list[CacheFile] = []
    for f in object_list(req, "cacheFiles"):
        rel = get_field(f, "path", str)
        norm = os.path.normpath(rel)
        # only into the media dir: never an absolute path or one climbing out
        if os.path.isabs(rel) or norm == "." or norm.split(os.sep)[0] == "..":
            raise BadRequest(f"cache file path must be relative to the media dir: {rel!r}")
        source = abs_path_field(f, "source")
        assert source is not None
        if not Path(source).is_file():
            raise BadRequest(f"cache file not found: {source}")
        files.append(CacheFile(norm, source))
    return files


def parse_render(req: dict[str, Any]) -> RenderRequest:
    plan = parse_plan(req)
    first = get_field(req, "from", int)
    last = get_field(req, "to", int)
    stop_file = req.get("stopFile")
    progress_file = abs_path_field(req, "progressFile", required=False)
    start_file = abs_path_field(req, "startFile", required=False)
    plan_file = abs_path_field(req, "planFile", required=False)
    if plan_file is not None and start_file is None:
        raise BadRequest("a planning render (planFile) is a scout: it needs a startFile")
    if start_file is not None and (first != 0 or last != -1):
        raise BadRequest("a scouting render (startFile) starts at play 0 and is open-ended")
    if first < 0 or (last < first and last != -1):
        raise BadRequest(f"bad play range from={first} to={last}")
    if last == -1 and not isinstance(stop_file, str):
        raise BadRequest("an open-ended render (to=-1) needs a stopFile")
    tail_file = abs_path_field(req, "tailFile", required=False)
    head_file = abs_path_field(req, "headFile", required=False)
    if head_file is not None and start_file is None:
        raise BadRequest("a head is asked through the start file: headFile needs a scouting render (startFile)")
    if tail_file is not None and last != -1:
        raise BadRequest("a tail is asked through the stop file: tailFile needs an open-ended render (to=-1)")
    cut_file = abs_path_field(req, "cutFile", required=False)
    join_file = abs_path_field(req, "joinFile", required=False)
    if (cut_file is None) != (join_file is None):
        raise BadRequest("a cut inside a play needs both cutFile (the node asks it) and joinFile (the rest of the play lands there)")
    return RenderRequest(
        plan,
        first,
        last,
        _parse_expect(req),
        _parse_cache_files(req),
        stop_file if last == -1 else None,
        progress_file,
        start_file,
        plan_file,
        _parse_skip(req),
        _parse_slice(req, plan.options),
        tail_file if plan.options.is_video else None,  # a png tail's frames are written as images
        head_file if plan.options.is_video else None,
        cut_file,
        join_file,
    )


def _parse_skip(req: dict[str, Any]) -> frozenset[int]:
    skip = req.get("skip") or []
    if not isinstance(skip, list) or not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in skip):
        raise BadRequest("field 'skip' must be a list of play numbers")
    return frozenset(skip)


@dataclass(frozen=True)
class StillRequest:
    plan: PlanRequest
    cache_files: list[CacheFile] = field(default_factory=list)


def parse_still(req: dict[str, Any]) -> StillRequest:
    return StillRequest(_parse_scene_request(req), _parse_cache_files(req))
