"""Run one scene through manim's own lifecycle with the fast-forward tap."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config_setup import apply_config
from .describe import describe
from .errors import BadRequest, DriverError, SceneError
from .fast_forward import NeedExactPlan, SceneTap, Shortcut
from .frame_slice import Windows
from .live_cut import LiveCut
from .key_tap import KeyTap
from .protocol import PlanRequest
from .range_files import RangeFiles
from .scout import Scout
from .tex_share import share_tex
from .scene_loader import find_scene, load_module

if TYPE_CHECKING:
    from manim import Scene


@dataclass
class SceneRun:
    scene: Scene
    tap: SceneTap
    keys: KeyTap

    def describe(self, exact: bool, media_dir: Path) -> dict[str, Any]:
        """The scene's plan, from this run (describe.py), with the time its play keys took."""
        plan = describe(self.tap, float(self.scene.renderer.time), exact, media_dir)
        for play in plan["plays"]:
            if play["index"] in self.keys.reasons:
                play["uncachable"] = self.keys.reasons[play["index"]]
        return {**plan, "keySeconds": self.keys.seconds}


def prepare_scene(req: PlanRequest) -> type[Scene]:
    """manim's config for ``req`` and the scene's class, imported as the CLI would."""
    os.chdir(req.src.cwd)  # the CLI runs in the user's directory: relative asset paths
    os.makedirs(req.media_dir, exist_ok=True)
    try:
        apply_config(req.options, req.media_dir, req.src.cwd, req.src.file)
    except (ValueError, KeyError, TypeError) as exc:
        raise BadRequest(f"invalid render options: {exc}") from exc
    if req.tex_cache:
        share_tex(req.tex_cache)
    return find_scene(load_module(req.src.file), req.scene)


def run_scene(
    req: PlanRequest,
    fast_until: float,
    upto: int = -1,
    shortcut: Shortcut = "pure",
    expect: dict[int, int] | None = None,
    range_files: RangeFiles | None = None,
    scout: Scout | None = None,
    skip: frozenset[int] = frozenset(),
    windows: Windows | None = None,
    live_cut: LiveCut | None = None,
) -> SceneRun:
    """Construct and render ``req.scene``; plays before ``fast_until`` are fast-forwarded.

    ``upto`` >= 0 stops the scene at the start of play ``upto + 1`` through manim's
    own upto_animation_number (EndSceneEarlyException). ``shortcut``, ``expect`` and
    ``skip`` (plays fast-forwarded wherever they are), ``windows`` (slices of plays) and
    ``live_cut`` (a cut asked while a play is drawn): see SceneTap.
    """
    from manim import config
    from manim.manager import Manager

    scene_cls = prepare_scene(req)
    config.upto_animation_number = upto
    try:
        scene = scene_cls()
        tap = SceneTap(scene, fast_until, shortcut, expect, range_files or RangeFiles(None), scout, skip=skip, windows=windows or Windows(), live_cut=live_cut or LiveCut())
        tap.install()
        keys = KeyTap(scene, tap, active=req.keyed, serve=req.serve, budget=req.draw_frames)
        keys.install()
        Manager(scene)
        scene.render()
    except (DriverError, SceneError, NeedExactPlan):
        raise
    except BaseException as exc:
        raise SceneError(exc) from exc
    return SceneRun(scene, tap, keys)
