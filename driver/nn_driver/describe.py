"""Describing a scene that has run: its plan, from the planning pass or from a render of every play."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .records import SceneRecord


def _svg_files(media_dir: Path, folder: Path) -> list[str]:
    # relative to the media dir ("Tex/….svg", "texts/….svg"): a render copies them
    # into its own media dir (cacheFiles), so workers need no LaTeX
    if not folder.is_dir():
        return []
    return sorted(os.path.relpath(p, media_dir) for p in folder.rglob("*.svg"))


def sections_and_sounds(record: SceneRecord) -> dict[str, Any]:
    """What a scene's stitch takes besides its partials: its sections and its sounds' times."""
    return {
        "sections": [{"name": s.name, "type": s.type, "skip": s.skip} for s in record.finished_sections()],
        "sounds": [
            {"time": s.time, "file": s.file, "gain": s.gain, "gainToBackground": s.gain_to_background}
            for s in record.sounds
        ],
    }


def describe(record: SceneRecord, duration: float, exact: bool, media_dir: Path) -> dict[str, Any]:
    """The plan of a scene that has run (``duration``: its renderer's clock at the end)."""
    from manim import config

    record.encode_samples.time()
    plays = [
        {
            "index": p.index,
            "runTime": p.run_time,
            "frames": p.frames,
            "images": p.images,
            "firstFrame": p.frame_start,
            "firstImage": p.image_start,
            "startTime": p.start_time,
            "frozen": p.frozen,
            "section": p.section,
            "skipped": p.skipped,
            "timeBased": p.time_based,
            "waitUntil": p.wait_until,
            "pure": p.pure,
            "mobjects": p.mobjects,
            "points": p.points,
            "stepSeconds": p.step_seconds,
            "drawSeconds": p.draw_seconds,
            "motion": p.motion,
            "encodeSeconds": p.encode_seconds,
            "codeSeconds": p.code_seconds,
            "seconds": p.seconds,
            "key": p.key,
        }
        for p in record.plays
    ]
    return {
        "fps": float(config.frame_rate),
        "width": int(config.pixel_width),
        "height": int(config.pixel_height),
        "exact": exact,
        "plays": plays,
        **sections_and_sounds(record),
        "totalFrames": record.frames,
        "totalImages": record.images,
        "duration": duration,
        "texFiles": _svg_files(media_dir, Path(config.get_dir("tex_dir")))
        + _svg_files(media_dir, Path(config.get_dir("text_dir"))),
    }
