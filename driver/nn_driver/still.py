"""still: the one image of a scene without plays.

For such a scene manim's default format (``auto``) falls back to a PNG of its
last frame: ``Scene.scene_finished`` draws the frame once and saves it. Format
``png`` (manim's last-frame still) takes the same path for a scene without plays,
so this is that render with the scene's own config, nothing patched.
"""

from __future__ import annotations

from typing import Any

from .errors import DriverError, SceneError
from .protocol import StillRequest
from .render import install_cache_files
from .runner import prepare_scene


def still(req: StillRequest) -> dict[str, Any]:
    from manim import config

    scene_cls = prepare_scene(req.plan)
    install_cache_files(req.plan.media_dir, req.cache_files)
    config.format = "png"
    config.save_sections = False  # manim's fallback PNG has no sections either
    try:
        scene = scene_cls()
        scene.render()
    except DriverError:
        raise
    except BaseException as exc:
        raise SceneError(exc) from exc
    return {"path": str(scene.renderer.file_writer.image_file_path)}
