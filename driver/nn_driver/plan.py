"""plan: what a full render would write, play by play, without drawing.

The cheap pass takes manim's skip path for every play (one update_to_time per
play) while keeping the rendered clock and frame counts (fast_forward.py), so it
costs a few percent of a render. Only a stop_condition play (wait_until) has a
frame count that needs the per-frame progression: then the scene is planned
again with the exact pass ("exact": true).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .fast_forward import NeedExactPlan
from .protocol import PlanRequest
from .runner import SceneRun, run_scene


def _run(req: PlanRequest) -> tuple[SceneRun, bool]:
    try:
        return run_scene(req, fast_until=math.inf, shortcut="all"), False
    except NeedExactPlan:
        # pure plays still take the skip path: that is exact (purity.py)
        return run_scene(req, fast_until=math.inf, shortcut="pure"), True


def plan(req: PlanRequest) -> dict[str, Any]:
    run, exact = _run(req)
    return run.describe(exact, Path(req.media_dir))
