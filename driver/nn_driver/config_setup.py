"""Apply render options to manim's global config, with determinism pinned.

Must run before the Scene is constructed: Scene.__init__ resolves the output
plan, encoder settings and camera size from the global config.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .errors import BadRequest
from .options import QUALITY_FLAGS, RenderOptions


def require_hashseed() -> None:
    # set iteration order (and so mobject order in some places) depends on it
    if os.environ.get("PYTHONHASHSEED") in (None, "", "random"):
        raise BadRequest("PYTHONHASHSEED must be set to a fixed value in the environment")


def quiet_manim() -> None:
    """Keep manim's logger at WARNING and its progress bars off."""
    from manim import config

    config.verbosity = "WARNING"
    config.progress_bar = "none"


def apply_config(options: RenderOptions, media_dir: str, cwd: str, input_file: str | None) -> None:
    from manim import config

    cfg = Path(cwd) / "manim.cfg"
    if cfg.is_file():
        # the CLI reads the project's manim.cfg from the working directory
        config.digest_file(cfg)
    config.renderer = "cairo"  # OpenGL pixels depend on the GPU and driver
    config.quality = QUALITY_FLAGS[options.quality]
    if options.resolution is not None:
        config.pixel_width, config.pixel_height = options.resolution
    if options.fps is not None:
        config.frame_rate = float(options.fps)
    # manim's default format (auto) is mp4, or mov when transparent, and a PNG for a scene without
    # plays: an explicit mp4 refuses such a scene
    default = "mov" if options.transparent else "mp4"
    config.format = "auto" if options.format == default else options.format
    config.transparent = options.transparent
    if options.seed is not None:
        config.seed = options.seed
    config.save_sections = options.save_sections
    config.preview = False
    config.show_in_file_browser = False
    config.dry_run = False
    config.from_animation_number = 0
    config.upto_animation_number = -1
    # no hashing cost, and a cache hit would take the (inexact) skip path
    config.disable_caching = True
    config.notify_outdated_version = False
    # x264 slice threading depends on the CPU count and changes the bytes
    config.video_encoder_options = {"threads": "1"}
    config.max_inflight_encoders = 1
    config.media_dir = media_dir
    # fixed cache layout, whatever manim.cfg says: plan reports the SVGs as
    # "Tex/…" and "texts/…" and render's cacheFiles put them back there
    config.tex_dir = "{media_dir}/Tex"
    config.text_dir = "{media_dir}/texts"
    if input_file is not None:
        config.input_file = input_file
    quiet_manim()


def scene_writer(scene: str, options: RenderOptions, media_dir: str, cwd: str, input_file: str | None) -> Any:
    """The SceneFileWriter a render of ``scene`` builds (a bare Scene of the same name, same config):
    the stitch combines with it, and sliced plays are encoded with its encoder settings."""
    from manim import Scene

    os.chdir(cwd)
    os.makedirs(media_dir, exist_ok=True)
    apply_config(options, media_dir, cwd, input_file)
    return type(scene, (Scene,), {})().renderer.file_writer
