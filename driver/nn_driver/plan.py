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
A plan for the play cache (``keyed``) is the exact pass: its keys must see a render's
state to the bit, which a pure play's skip path ends in (purity.py; tests/test_play_key.py).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .fast_forward import NeedExactPlan
from .protocol import PlanRequest
from .runner import SceneRun, run_scene


def _run(req: PlanRequest) -> tuple[SceneRun, bool]:
    if not req.exact and not req.keyed:
        try:
            return run_scene(req, fast_until=math.inf, shortcut="all"), False
        except NeedExactPlan:
            pass
    # pure plays still take the skip path: that is exact (purity.py)
    return run_scene(req, fast_until=math.inf, shortcut="pure"), True


def plan(req: PlanRequest) -> dict[str, Any]:
    if req.serve is not None:
        return _serve(req)
    run, exact = _run(req)
    return run.describe(exact, Path(req.media_dir))


def _serve(req: PlanRequest) -> dict[str, Any]:
    """A one-pass re-render: the exact plan, drawing the plays the cache misses (key_tap.py)."""
    run = run_scene(req, fast_until=0, shortcut="pure")
    described = run.describe(True, Path(req.media_dir))
    drawn = [p for p in run.tap.plays if p.partial is not None]
    for play in described["plays"]:
        play["cached"] = play["index"] in run.keys.served
        play["drawn"] = any(p.index == play["index"] for p in drawn)
    described["partials"] = [
        {"index": p.index, "path": p.partial, "frames": p.frames, "key": p.key, "seconds": p.cpu_seconds} for p in drawn
    ]
    return described
