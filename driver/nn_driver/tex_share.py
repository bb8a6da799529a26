"""LaTeX runs once in the cluster: a formula's SVG made by any render is used by every other one.

The node keeps the cluster's SVGs in a folder (its copy of the tex_cache table). Before running
LaTeX, a render looks there; what it compiles itself it puts in the folder's outbox, from where
the node shares it with every other node. A render that plans a scene runs far ahead of the ones
drawing it, so by the time they reach a formula its SVG is usually there.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any


def _publish(svg: Path, cache_dir: str) -> None:
    outbox = os.path.join(cache_dir, "outbox", "Tex")
    os.makedirs(outbox, exist_ok=True)
    tmp = os.path.join(outbox, f".{svg.name}.{os.getpid()}")
    shutil.copyfile(svg, tmp)
    os.replace(tmp, os.path.join(outbox, svg.name))  # the node never reads half a file


def share_tex(cache_dir: str) -> None:
    """Patches this process's manim (a forked child per request) to use and fill ``cache_dir``."""
    from manim import config
    from manim.mobject.text import tex_mobject
    from manim.utils import tex_file_writing

    compile_svg = tex_mobject.tex_to_svg_file

    def tex_to_svg_file(expression: str, environment: str | None = None, tex_template: Any = None) -> Path:
        template = tex_template if tex_template is not None else config["tex_template"]
        # manim's own name for it: a hash of the whole .tex source, template included
        svg = tex_file_writing.generate_tex_file(expression, environment, template).with_suffix(".svg")
        shared = os.path.join(cache_dir, "Tex", svg.name)
        if not svg.exists() and os.path.exists(shared):
            shutil.copyfile(shared, svg)
            return svg
        made = not svg.exists()
        result = compile_svg(expression, environment, tex_template)
        if made:
            _publish(Path(result), cache_dir)
        return result

    tex_mobject.tex_to_svg_file = tex_to_svg_file  # type: ignore[assignment]
