"""info: versions of everything that can change pixels, and a hash of them."""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
from importlib.metadata import version
from typing import Any


def info() -> dict[str, Any]:
    import av
    import cairo
    import manim
    import manimpango
    import numpy

    result = {
        "python": platform.python_version(),
        "manim": manim.__version__,
        "av": av.__version__,
        "pycairo": version("pycairo"),
        "cairo": cairo.cairo_version_string(),
        "numpy": numpy.__version__,
        "manimpango": manimpango.__version__,
        "pillow": version("pillow"),
        "latex": shutil.which("latex") is not None,
        "dvisvgm": shutil.which("dvisvgm") is not None,
    }
    pixel_keys = ("manim", "av", "pycairo", "cairo", "numpy", "manimpango", "pillow")
    blob = json.dumps({k: result[k] for k in pixel_keys}, sort_keys=True)
    result["stack"] = hashlib.sha256(blob.encode()).hexdigest()[:16]
    return result
