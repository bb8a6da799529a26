"""smoke: a real render of one tiny scene per feature, to prove this machine's render stack.

Each feature (images, SVG, Text, MathTex, a 3D scene) is its own scene, rendered to
mp4 at 128x72 in a temporary folder; a failure in one does not hide the others. The
scenes are built here, so the check needs no file of the user's.
"""

from __future__ import annotations

import tempfile
import traceback
from pathlib import Path
from time import perf_counter
from typing import Any, Callable

from .config_setup import apply_config
from .options import RenderOptions

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
    '<path d="M5 0 L10 5 L5 10 L0 5 Z" fill="#3fa7d6"/></svg>'
)


def _features(folder: Path) -> dict[str, Callable[[], int]]:
    import numpy as np
    from PIL import Image
    from manim import (
        BLUE, DEGREES, FadeIn, ImageMobject, MathTex, Scene, Surface, SVGMobject, Text, ThreeDScene, Write,
    )

    png = folder / "dot.png"
    Image.fromarray(np.full((8, 8, 4), 200, dtype=np.uint8)).save(png)
    svg = folder / "kite.svg"
    svg.write_text(SVG)

    def scene(build: Callable[[Scene], None], base: type = Scene) -> Callable[[], int]:
        cls = type("Smoke", (base,), {"construct": lambda self: build(self)})

        def render() -> int:
            s = cls()
            s.render()
            return s.renderer.file_writer.movie_file_path.stat().st_size  # the mp4 is there

        return render

    def surface(s: Any) -> None:
        s.set_camera_orientation(phi=60 * DEGREES, theta=30 * DEGREES)
        s.play(FadeIn(Surface(lambda u, v: np.array([u, v, u * v / 4]), u_range=[-1, 1], v_range=[-1, 1], resolution=(4, 4), fill_color=BLUE)), run_time=0.4)

    return {
        # manim's ImageMobject goes through Image.fromarray(..., mode="RGBA"): Pillow 13 refuses it
        "images": scene(lambda s: s.play(FadeIn(ImageMobject(str(png))), run_time=0.4)),
        "SVG": scene(lambda s: s.play(FadeIn(SVGMobject(str(svg))), run_time=0.4)),
        "Text": scene(lambda s: s.play(Write(Text("Aa")), run_time=0.4)),
        "MathTex": scene(lambda s: s.play(Write(MathTex(r"\int x\,dx")), run_time=0.4)),
        "3D scene": scene(surface, ThreeDScene),
    }


def smoke() -> dict[str, Any]:
    results = []
    with tempfile.TemporaryDirectory(prefix="nn-smoke-") as tmp:
        folder = Path(tmp)
        apply_config(RenderOptions(quality="l", fps=5, resolution=(128, 72)), str(folder / "media"), tmp, str(folder / "smoke.py"))
        for name, render in _features(folder).items():
            began = perf_counter()
            try:
                size = render()
                results.append({"feature": name, "ok": True, "seconds": round(perf_counter() - began, 2), "bytes": size})
            except Exception as exc:
                last = traceback.format_exception_only(type(exc), exc)[-1].strip()
                results.append({"feature": name, "ok": False, "error": last})
    return {"features": results}
