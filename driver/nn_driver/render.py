"""render: plays A..B for real, after an exact fast-forward over plays 0..A-1."""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path
from typing import Any

from .describe import sections_and_sounds
from .errors import BadRequest
from .fast_forward import NeedExactPlan, Shortcut
from .frame_slice import Window, Windows
from .live_cut import LiveCut
from .plan_check import check_expected
from .protocol import CacheFile, RenderRequest
from .range_files import RangeFiles
from .records import PlayRecord
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
            windows=Windows(_head(req), req.tail_file, req.plan.options.is_video, head_file=req.head_file),
            live_cut=LiveCut(req.cut_file, req.join_file),
        )

    scout = Scout(req.start_file, req.plan_file) if req.start_file else None
    try:
        # a planning scout is the cheap planning pass (plan.py), leaving copies while it is exact
        run = scene_pass("all" if req.plan_file else "pure", scout)
    except NeedExactPlan:
        assert scout is not None  # only a planning scout takes the skip path for every play
        scout.drop_all()
        run = scene_pass("pure", Scout(scout.start_file, scout.plan_file))
    return _result(req, run)


def _head(req: RenderRequest) -> Window | None:
    s = req.slice
    return Window(req.first, s.first, s.end, s.play_frames, s.file) if s else None


def _result(req: RenderRequest, run: SceneRun) -> dict[str, Any]:
    """What the render drew: whole plays, and the windows of the plays it shares with other nodes
    (a head slice on its first play, a tail on its last), each checked complete."""
    tap = run.tap
    head, tail = tap.windows.head, tap.windows.tail
    windows = [w for w in (head, tail) if w is not None]
    for w in windows:
        w.check()
    # a play cut while it was drawn (live_cut.py) ends the render: the last, its first frames drawn here
    cut = tap.live_cut.cut_at
    if cut is not None:
        tap.live_cut.check_joined(tap.plays[-1])
    cut_play = tap.plays[-1].index if cut is not None else None
    # where the render ended inside a play: a tail, or a slice short of its play's end
    inside = tail if tail is not None else head if head is not None and not head.last else None
    last = inside.play - 1 if inside else req.last if req.last >= 0 else len(tap.plays) - 1
    check_expected(req.expect, tap.plays, last)
    # a scout's segment starts where its node told it to (tap.fast_until, set on waking)
    first_play = int(tap.fast_until) if req.start_file else req.first
    # whole plays: a head slice's play, which goes on after the slice, is not one
    whole = [p for p in tap.plays if first_play <= p.index <= last and (head is None or p.index != head.play)]
    if not whole and not windows and tap.plays:
        raise BadRequest(f"scene has {len(tap.plays)} plays; play {first_play} does not exist")
    video = req.plan.options.is_video
    result: dict[str, Any] = {
        "partials": [],
        "frames": [],
        # a scene without plays (a still, see still.py) renders nothing here
        "firstFrame": _first_frame(tap.plays, whole, head, tail, video),
        "plays": len(whole) + len(windows),
        "lastPlay": max([p.index for p in whole] + [w.play for w in windows], default=-1),
        # stopped at the start of play lastPlay + 1: the scene has it (a lead checks it is planned);
        # a tail stopped inside its play, which goes on
        "stopped": tap.stopped or tail is not None,
        "shortcuts": tap.shortcuts,
        # what the exact fast-forward over each play before its first took, remembered like drawing
        # (not where a planning scout's copy took the planning pass's shortcuts: not what a segment pays)
        # plays of its range found in the play cache (`serve`): fast-forwarded, their partials the cache's
        "served": [{"index": i, "key": k} for i, k in run.keys.served.items()],
        "forwarded": [{"index": p.index, "seconds": p.cpu_seconds} for p in tap.plays if p.index < first_play and not p.planned],
        "slice": {"play": head.play, "first": head.first, **_drawn(head)} if head is not None and head.file is not None else None,
        "tail": {"play": tail.play, **_drawn(tail)} if tail is not None else None,
    }
    if req.last == -1 and not tap.stopped and inside is None:
        # It ran the scene's code to its end: what the stitch takes besides partials, to check a plan
        # made from another version of the scene's files against (store/segments/finish.ts).
        result["ending"] = {**sections_and_sounds(tap), "playSections": [p.section for p in tap.plays]}
    if req.last == -1 and first_play == 0 and not tap.stopped and not windows:
        # Every play was drawn: this run is also the scene's exact plan (a lone worker needs no other).
        result["plan"] = run.describe(True, Path(req.plan.media_dir))
    if video:
        result["partials"] = [
            # A cut play (live_cut.py): its seconds drew only its first frames, not what the play
            # costs; and its key is not sure (a play's random numbers drawn after the cut are not
            # seen), so the play cache does not take it from here.
            {"index": p.index, "path": p.partial, "frames": p.frames, "key": p.key if p.index != cut_play else None, "seconds": p.cpu_seconds if p.index != cut_play else 0}
            for p in whole
            if p.partial is not None
        ]
    else:
        path = run.scene.renderer.file_writer.output_plan.image_frame_path
        # a skipped play's frames were only counted (they are served or drawn in slices elsewhere)
        # (of a play cut while it was drawn, the images before the cut: live_cut.py)
        drawn = (i for p in whole if p.index not in req.skip for i in range(p.image_start, p.image_start + (p.images if p.index != cut_play else cut or 0)))
        images = [*(head.images if head else ()), *drawn, *(tail.images if tail else ())]
        result["frames"] = [{"index": i, "path": str(path(i))} for i in images]
    return result


def _first_frame(plays: list[PlayRecord], whole: list[PlayRecord], head: Window | None, tail: Window | None, video: bool) -> int:
    """The global number (video frame, png image) of the render's first frame."""

    def start(index: int) -> int:  # of play `index`: what the plays before it count
        return sum(p.frames if video else p.images for p in plays if p.index < index)

    if head is not None:
        return start(head.play) + head.first
    if whole:
        return whole[0].frame_start if video else whole[0].image_start
    return start(tail.play) if tail is not None else 0


def _drawn(window: Window) -> dict[str, Any]:
    """A window's frames: its file (video), how many, and its last frame as a poster next to the file."""
    poster = None
    if window.file is not None and window.poster is not None:
        from PIL import Image

        poster = f"{window.file}.png"
        Image.fromarray(window.poster).save(poster)
    return {"path": window.file, "frames": window.drawn, "poster": poster}
