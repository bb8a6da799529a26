"""Render options: checked against render_options.schema.json, the TypeScript side's one definition."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from .errors import BadRequest

QUALITY_FLAGS = {
    "l": "low_quality",
    "m": "medium_quality",
    "h": "high_quality",
    "p": "production_quality",
    "k": "fourk_quality",
}


@dataclass(frozen=True)
class RenderOptions:
    quality: str = "h"
    fps: float | None = None
    resolution: tuple[int, int] | None = None
    format: str = "mp4"
    transparent: bool = False
    seed: int | None = None
    save_sections: bool = False
    # manim's -n A,B (to -1: the last play); only a still render uses it: the farm cuts the
    # plays of a video or frame sequence into segments itself
    plays: tuple[int, int] | None = None

    @property
    def is_video(self) -> bool:
        return self.format not in ("png", "png-sequence")

    @property
    def is_still(self) -> bool:
        return self.format == "png"


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
        _plays(raw.get("plays")),
    )


def _plays(raw: list[int] | None) -> tuple[int, int] | None:
    """manim's -n A,B as (A, B); [A] is (A, -1): from A to the end (the schema checked the shape)."""
    if raw is None:
        return None
    return (raw[0], raw[1] if len(raw) == 2 else -1)
