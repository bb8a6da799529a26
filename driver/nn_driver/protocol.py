"""Request parsing and validation.

Everything the TypeScript side sends is checked here, so the command modules can
trust their inputs and a malformed request fails with a clear BadRequest.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from .errors import BadRequest
from .records import SectionRecord, SoundRecord

QUALITY_FLAGS = {
    "l": "low_quality",
    "m": "medium_quality",
    "h": "high_quality",
    "p": "production_quality",
    "k": "fourk_quality",
}


def _get(req: dict[str, Any], key: str, kind: type | tuple[type, ...], required: bool = True) -> Any:
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


def _abs_path(req: dict[str, Any], key: str, required: bool = True) -> str | None:
    value = _get(req, key, str, required)
    if value is None:
        return None
    if not os.path.isabs(value):
        raise BadRequest(f"field {key!r} must be an absolute path, got {value!r}")
    return os.path.normpath(value)


@dataclass(frozen=True)
class RenderOptions:
    quality: str = "h"
    fps: float | None = None
    resolution: tuple[int, int] | None = None
    format: str = "mp4"
    transparent: bool = False
    seed: int | None = None
    save_sections: bool = False

    @property
    def manim_format(self) -> str:
        # the protocol's "png" is a frame sequence, not manim's last-frame png
        return "png-sequence" if self.format == "png" else self.format

    @property
    def is_video(self) -> bool:
        return self.format != "png"


# The render options' one definition: generated from the zod schema the API checks jobs with
# (src/model/render-options.ts; `npx tsx scripts/driver-schema.ts` writes it, a test keeps it in step).
_OPTIONS_SCHEMA = json.loads((Path(__file__).parent / "render_options.schema.json").read_text())
_options_validator = Draft202012Validator(_OPTIONS_SCHEMA)


def _option_error(error: ValidationError) -> str:
    path = list(error.absolute_path)
    schema_path = list(error.absolute_schema_path)
    if schema_path[:1] == ["allOf"]:
        # a combination manim cannot render: the schema names why, and the option it refuses
        conflict = _OPTIONS_SCHEMA["allOf"][schema_path[1]]
        return f"{conflict['title']}: {conflict['then']['description']}"
    return f"{'.'.join(map(str, path)) or 'options'}: {error.message}"


def parse_options(raw: Any) -> RenderOptions:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise BadRequest("field 'options' must be an object")
    errors = sorted(_options_validator.iter_errors(raw), key=lambda e: list(e.absolute_schema_path)[:1] == ["allOf"])
    if errors:
        raise BadRequest(f"invalid render options: {_option_error(errors[0])}")
    transparent = bool(raw.get("transparent", False))
    # manim's "auto": transparent output is .mov (qtrle), opaque is .mp4
    fmt = raw.get("format") or ("mov" if transparent else "mp4")
    res = raw.get("resolution")
    fps = raw.get("fps")
    return RenderOptions(
        raw.get("quality", "h"),
        float(fps) if fps is not None else None,
        (res[0], res[1]) if res is not None else None,
        fmt,
        transparent,
        raw.get("seed"),
        bool(raw.get("saveSections", False)),
    )


@dataclass(frozen=True)
class SceneRequest:
    """What list/plan/render share: a user file and the directory it runs in."""

    file: str
    cwd: str

    @property
    def user_dir(self) -> str:
        return os.path.dirname(self.file)


def parse_scene_file(req: dict[str, Any]) -> SceneRequest:
    file = _abs_path(req, "file")
    cwd = _abs_path(req, "cwd")
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


def parse_plan(req: dict[str, Any]) -> PlanRequest:
    src = parse_scene_file(req)
    scene = _get(req, "scene", str)
    media_dir = _abs_path(req, "mediaDir")
    assert media_dir is not None
    tex_cache = _abs_path(req, "texCache", required=False)
    return PlanRequest(src, scene, parse_options(req.get("options")), media_dir, tex_cache)


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


def _parse_expect(req: dict[str, Any]) -> dict[int, int] | None:
    if req.get("expect") is None:
        return None
    expect: dict[int, int] = {}
    for e in _list(req, "expect"):
        index = _get(e, "index", int)
        frames = _get(e, "frames", int)
        if index < 0 or frames < 0:
            raise BadRequest(f"bad expect entry {e}")
        expect[index] = frames
    return expect or None  # an empty list checks nothing


def _parse_cache_files(req: dict[str, Any]) -> list[CacheFile]:
    files: list[CacheFile] = []
    for f in _list(req, "cacheFiles"):
        rel = _get(f, "path", str)
        norm = os.path.normpath(rel)
        # only into the media dir: never an absolute path or one climbing out
        if os.path.isabs(rel) or norm == "." or norm.split(os.sep)[0] == "..":
            raise BadRequest(f"cache file path must be relative to the media dir: {rel!r}")
        source = _abs_path(f, "source")
        assert source is not None
        if not Path(source).is_file():
            raise BadRequest(f"cache file not found: {source}")
        files.append(CacheFile(norm, source))
    return files


def parse_render(req: dict[str, Any]) -> RenderRequest:
    plan = parse_plan(req)
    first = _get(req, "from", int)
    last = _get(req, "to", int)
    stop_file = req.get("stopFile")
    progress_file = _abs_path(req, "progressFile", required=False)
    start_file = _abs_path(req, "startFile", required=False)
    plan_file = _abs_path(req, "planFile", required=False)
    if plan_file is not None and start_file is None:
        raise BadRequest("a planning render (planFile) is a scout: it needs a startFile")
    if start_file is not None and (first != 0 or last != -1):
        raise BadRequest("a scouting render (startFile) starts at play 0 and is open-ended")
    if first < 0 or (last < first and last != -1):
        raise BadRequest(f"bad play range from={first} to={last}")
    if last == -1 and not isinstance(stop_file, str):
        raise BadRequest("an open-ended render (to=-1) needs a stopFile")
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
    )


@dataclass(frozen=True)
class StitchPlay:
    index: int
    section: int
    skipped: bool


@dataclass(frozen=True)
class StitchRequest:
    cwd: str
    scene: str
    file: str | None
    options: RenderOptions
    media_dir: str
    out_dir: str
    partials: dict[int, str]
    plays: list[StitchPlay] = field(default_factory=list)
    sections: list[SectionRecord] = field(default_factory=list)
    sounds: list[SoundRecord] = field(default_factory=list)


def _list(req: dict[str, Any], key: str) -> list[Any]:
    value = req.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise BadRequest(f"field {key!r} must be a list of objects")
    return value


def parse_stitch(req: dict[str, Any]) -> StitchRequest:
    cwd = _abs_path(req, "cwd")
    media_dir = _abs_path(req, "mediaDir")
    out_dir = _abs_path(req, "outDir")
    file = _abs_path(req, "file", required=False)
    assert cwd is not None and media_dir is not None and out_dir is not None
    scene = _get(req, "scene", str)
    options = parse_options(req.get("options"))
    partials: dict[int, str] = {}
    for p in _list(req, "partials"):
        index = _get(p, "index", int)
        path = _abs_path(p, "path")
        assert path is not None
        if not Path(path).is_file():
            raise BadRequest(f"partial file of play {index} not found: {path}")
        partials[index] = path
    plays = [
        StitchPlay(_get(p, "index", int), _get(p, "section", int, False) or 0, bool(p.get("skipped", False)))
        for p in _list(req, "plays")
    ]
    sections = [
        SectionRecord(_get(s, "name", str), _get(s, "type", str, False) or "default.normal", bool(s.get("skip", False)))
        for s in _list(req, "sections")
    ]
    sounds = [
        SoundRecord(
            float(_get(s, "time", (int, float))),
            _get(s, "file", str),
            _get(s, "gain", (int, float), False),
            _get(s, "gainToBackground", (int, float), False),
        )
        for s in _list(req, "sounds")
    ]
    return StitchRequest(cwd, scene, file, options, media_dir, out_dir, partials, plays, sections, sounds)
