"""still: the scene's last frame as one PNG, as manim saves it.

Two cases take this path: ``--format png`` / ``-s`` (manim skips every play and
draws only the final frame, so a still is cheap and never cut into segments),
and a scene without plays under manim's default format (``auto``), for which
``Scene.scene_finished`` saves the same PNG. Either way it runs through manim's
own lifecycle with the scene's config (no fast-forward tap) and comes out under
manim's name for it.
"""

from __future__ import annotations

from typing import Any

from .errors import BadRequest, DriverError, SceneError
from .protocol import StillRequest
from .render import install_cache_files
from .runner import prepare_scene


def still(req: StillRequest) -> dict[str, Any]:
    from manim import config
    from manim.manager import Manager

    if req.plan.options.format == "png-sequence":
        raise BadRequest("the still command renders format png only, or a scene without plays under a video format")
    scene_cls = prepare_scene(req.plan)
    install_cache_files(req.plan.media_dir, req.cache_files)
    config.format = "png"
    config.save_sections = False  # manim's still has no sections either
    if req.plan.options.plays is not None:
        config.from_animation_number, config.upto_animation_number = req.plan.options.plays
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
        raise BadRequest(f"manim wrote no image for {req.plan.scene}")
    return {"path": str(path)}
