"""render: plays A..B for real, after an exact fast-forward over plays 0..A-1."""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path
from typing import Any

from .errors import BadRequest
from .fast_forward import NeedExactPlan, Shortcut
from .frame_slice import Window
from .plan_check import check_expected
from .protocol import CacheFile, RenderRequest
from .range_files import RangeFiles
from .runner import SceneRun, run_scene
from .scout import Scout


def install_cache_files(media_dir: str, files: list[CacheFile]) -> None:
    """Put the plan's TeX/text SVGs where manim looks, so it runs no LaTeX or Pango SVG export."""
    for f in files:
        dst = os.path.join(media_dir, f.path)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(f.source, dst)


def render(req: RenderRequest) -> dict[str, Any]:
    os.makedirs(req.plan.media_dir, exist_ok=True)
    install_cache_files(req.plan.media_dir, req.cache_files)

    window = (
        Window(req.first, req.slice.first, req.slice.end, req.slice.play_frames, req.slice.file) if req.slice else None
    )

    def scene_pass(shortcut: Shortcut, scout: Scout | None) -> SceneRun:
        return run_scene(
            req.plan,
            fast_until=math.inf if req.start_file else req.first,
            upto=req.last,
            shortcut=shortcut,
            expect=req.expect,
            range_files=RangeFiles(req.stop_file, req.progress_file),
            scout=scout,
            skip=req.skip,
            window=window,
        )

    scout = Scout(req.start_file, req.plan_file) if req.start_file else None
    try:
        # a planning scout is the cheap planning pass (plan.py), leaving copies while it is exact
        run = scene_pass("all" if req.plan_file else "pure", scout)
    except NeedExactPlan:
        assert scout is not None  # only a planning scout takes the skip path for every play
        scout.drop_all()
        run = scene_pass("pure", Scout(scout.start_file, scout.plan_file))
    tap = run.tap
    if window is not None:
        return _slice_result(window, run)
    last = req.last if req.last >= 0 else len(tap.plays) - 1
    check_expected(req.expect, tap.plays, last)
    writer = run.scene.renderer.file_writer
    # a scout's segment starts where its node told it to (tap.fast_until, set on waking)
    first_play = int(tap.fast_until) if req.start_file else req.first
    segment = [p for p in tap.plays if first_play <= p.index <= last]
    if not segment and tap.plays:
        raise BadRequest(f"scene has {len(tap.plays)} plays; play {first_play} does not exist")
    # a scene without plays (a still, see still.py) renders nothing here
    first_frame = segment[0].frame_start if segment else 0
    first_image = segment[0].image_start if segment else 0
    result: dict[str, Any] = {
        "partials": [],
        "frames": [],
        "plays": len(segment),
        "lastPlay": segment[-1].index if segment else -1,
        # stopped at the start of play lastPlay + 1: the scene has it (a lead checks it is planned)
        "stopped": tap.stopped,
        "shortcuts": tap.shortcuts,
    }
    if req.last == -1 and first_play == 0 and not tap.stopped:
        # Every play was drawn: this run is also the scene's exact plan (a lone worker needs no other).
        result["plan"] = run.describe(True, Path(req.plan.media_dir))
    if req.plan.options.is_video:
        result["partials"] = [
            # seconds: what drawing it took (its code, animations, frames, encoding): remembered costs
            {"index": p.index, "path": p.partial, "frames": p.frames, "key": p.key, "seconds": p.code_seconds + p.seconds}
            for p in segment
            if p.partial is not None
        ]
        result["firstFrame"] = first_frame
    else:
        plan = writer.output_plan
        # a skipped play's frames were only counted (they are served or drawn in slices elsewhere)
        skipped = {i for p in segment if p.index in req.skip for i in range(p.image_start, p.image_start + p.images)}
        result["frames"] = [
            {"index": i, "path": str(plan.image_frame_path(i))}
            for i in range(first_image, writer.frame_count)
            if i not in skipped
        ]
        result["firstFrame"] = first_image
    return result


def _slice_result(window: Window, run: SceneRun) -> dict[str, Any]:
    """What a slice drew: its frames (a slice file, or png frames) and its last frame as a poster."""
    window.check()
    writer = run.scene.renderer.file_writer
    poster = None
    if window.file is not None and window.poster is not None:
        from PIL import Image

        poster = f"{window.file}.png"
        Image.fromarray(window.poster).save(poster)
    return {
        "partials": [],
        "frames": [{"index": i, "path": str(writer.output_plan.image_frame_path(i))} for i in window.images],
        "firstFrame": window.images[0] if window.images else window.first,
        "slice": {"path": window.file, "frames": window.drawn, "poster": poster} if window.file else None,
        "plays": 1,
        "lastPlay": window.play,
        "stopped": run.tap.stopped,
        "shortcuts": run.tap.shortcuts,
    }
