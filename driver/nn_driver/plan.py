"""plan: what a full render would write, play by play, without drawing.

The cheap pass takes manim's skip path for every play (one update_to_time per
play) while keeping the rendered clock and frame counts (fast_forward.py), so it
costs a few percent of a render. Only a stop_condition play (wait_until) has a
frame count that needs the per-frame progression: then the scene is planned
again with the exact pass ("exact": true).

A play whose run time is read from updater-built state (``run_time=abs(d.get_x())``
after a dt-updater moved ``d``) gets another frame count in the cheap pass than in
a render. Every render checks the plan's counts (``expect``); a mismatch makes the
farm plan the scene again with ``exact`` set, which runs the exact pass at once.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from .fast_forward import NeedExactPlan
from .protocol import PlanRequest
from .runner import SceneRun, run_scene


def _svg_files(media_dir: Path, folder: Path) -> list[str]:
    # relative to the media dir ("Tex/….svg", "texts/….svg"): a render copies them
    # into its own media dir (cacheFiles), so workers need no LaTeX
    if not folder.is_dir():
        return []
    return sorted(os.path.relpath(p, media_dir) for p in folder.rglob("*.svg"))


def _run(req: PlanRequest) -> tuple[SceneRun, bool]:
    if not req.exact:
        try:
            return run_scene(req, fast_until=math.inf, shortcut="all"), False
        except NeedExactPlan:
            pass
    # pure plays still take the skip path: that is exact (purity.py)
    return run_scene(req, fast_until=math.inf, shortcut="pure"), True


def plan(req: PlanRequest) -> dict[str, Any]:
    run, exact = _run(req)
    return describe(run, exact, Path(req.media_dir))


def describe(run: SceneRun, exact: bool, media_dir: Path) -> dict[str, Any]:
    """The plan of a scene that has run: from the planning pass, or from a render of every play."""
    from manim import config

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
            "pure": p.pure,
            "mobjects": p.mobjects,
            "points": p.points,
            "stepSeconds": p.step_seconds,
            "drawSeconds": p.draw_seconds,
            "codeSeconds": p.code_seconds,
            "seconds": p.seconds,
        }
        for p in tap.plays
    ]
    return {
        "fps": float(config.frame_rate),
        "width": int(config.pixel_width),
        "height": int(config.pixel_height),
        "exact": exact,
        "plays": plays,
        "sections": [{"name": s.name, "type": s.type, "skip": s.skip} for s in tap.finished_sections()],
        "sounds": [
            {"time": s.time, "file": s.file, "gain": s.gain, "gainToBackground": s.gain_to_background}
            for s in tap.sounds
        ],
        "totalFrames": tap.frames,
        "totalImages": tap.images,
        "duration": float(run.scene.renderer.time),
        "texFiles": _svg_files(media_dir, Path(config.get_dir("tex_dir")))
        + _svg_files(media_dir, Path(config.get_dir("text_dir"))),
    }
