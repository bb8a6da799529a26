"""plan: fast-forward every play and report what a full render would write."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .protocol import PlanRequest
from .runner import run_scene


def _svg_files(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.rglob("*.svg")) if folder.is_dir() else []


def plan(req: PlanRequest) -> dict[str, Any]:
    from manim import config

    run = run_scene(req, fast_until=math.inf)
    tap = run.tap
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
        }
        for p in tap.plays
    ]
    tex_dir = config.get_dir("tex_dir")
    text_dir = config.get_dir("text_dir")
    return {
        "fps": float(config.frame_rate),
        "width": int(config.pixel_width),
        "height": int(config.pixel_height),
        "plays": plays,
        "sections": [{"name": s.name, "type": s.type, "skip": s.skip} for s in tap.finished_sections()],
        "sounds": [
            {"time": s.time, "file": s.file, "gain": s.gain, "gainToBackground": s.gain_to_background}
            for s in tap.sounds
        ],
        "totalFrames": tap.frames,
        "totalImages": tap.images,
        "duration": float(run.scene.renderer.time),
        "texFiles": _svg_files(Path(tex_dir)) + _svg_files(Path(text_dir)),
    }
