"""The stitch request: which partial files, plays, sections and sounds make a scene's outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import BadRequest
from .options import RenderOptions, parse_options
from .protocol import abs_path_field, get_field, object_list
from .records import SectionRecord, SoundRecord


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


def parse_stitch(req: dict[str, Any]) -> StitchRequest:
    cwd = abs_path_field(req, "cwd")
    media_dir = abs_path_field(req, "mediaDir")
    out_dir = abs_path_field(req, "outDir")
    file = abs_path_field(req, "file", required=False)
    assert cwd is not None and media_dir is not None and out_dir is not None
    scene = get_field(req, "scene", str)
    options = parse_options(req.get("options"))
    partials: dict[int, str] = {}
    for p in object_list(req, "partials"):
        index = get_field(p, "index", int)
        path = abs_path_field(p, "path")
        assert path is not None
        if not Path(path).is_file():
            raise BadRequest(f"partial file of play {index} not found: {path}")
        partials[index] = path
    plays = [
        StitchPlay(get_field(p, "index", int), get_field(p, "section", int, False) or 0, bool(p.get("skipped", False)))
        for p in object_list(req, "plays")
    ]
    sections = [
        SectionRecord(get_field(s, "name", str), get_field(s, "type", str, False) or "default.normal", bool(s.get("skip", False)))
        for s in object_list(req, "sections")
    ]
    sounds = [
        SoundRecord(
            float(get_field(s, "time", (int, float))),
            get_field(s, "file", str),
            get_field(s, "gain", (int, float), False),
            get_field(s, "gainToBackground", (int, float), False),
        )
        for s in object_list(req, "sounds")
    ]
    return StitchRequest(cwd, scene, file, options, media_dir, out_dir, partials, plays, sections, sounds)
