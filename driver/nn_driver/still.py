"""still: ``manim render --format png`` (``-s``): the scene's last frame as one PNG.

Manim takes its skip path for every play of a still render and draws only the
final frame, so a still is cheap and is not cut into segments: it runs here,
through manim's own lifecycle (no fast-forward tap), and comes out as manim
makes it, under manim's name for it.
"""

from __future__ import annotations

import os
from typing import Any

from .config_setup import apply_config
from .errors import BadRequest, DriverError, SceneError
from .protocol import PlanRequest
from .scene_loader import find_scene, load_module
from .tex_share import share_tex


def still(req: PlanRequest) -> dict[str, Any]:
    from manim import config
    from manim.manager import Manager

    if not req.options.is_still:
        raise BadRequest("the still command renders format png only")
    os.chdir(req.src.cwd)
    os.makedirs(req.media_dir, exist_ok=True)
    try:
        apply_config(req.options, req.media_dir, req.src.cwd, req.src.file)
    except (ValueError, KeyError, TypeError) as exc:
        raise BadRequest(f"invalid render options: {exc}") from exc
    if req.options.plays is not None:
        config.from_animation_number, config.upto_animation_number = req.options.plays
    if req.tex_cache:
        share_tex(req.tex_cache)
    scene_cls = find_scene(load_module(req.src.file), req.scene)
    try:
        scene = scene_cls()
        Manager(scene)
        scene.render()
    except DriverError:
        raise
    except BaseException as exc:
        raise SceneError(exc) from exc
    path = scene.renderer.file_writer.image_file_path
    if not path.is_file():
        raise BadRequest(f"manim wrote no image for {req.scene}")
    return {"path": str(path)}
