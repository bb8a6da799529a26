"""A play's cache key: a digest of everything that decides its pixels, or None when unsure.

manim's own play hash (get_hash_from_play_call: camera, animations, on-screen mobjects,
encoder settings) is the start. Its encoder falls back to the bare type name for objects
it cannot read, and a function without source hashes as empty code: two different states
could share a key. This key walks the state itself (state_walk.py), refuses such states
(the play is never served from the cache) and adds what manim's key leaves out: the source
of user-defined classes (an edited interpolate changes the frames, not the state), the
scene clock and scene updaters (updaters may read time), render options and the render
stack's versions. The random-number state joins the key once a play turns out to consume
random numbers (key_tap.py), so unseeded randomness never hits.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from functools import cache
from typing import TYPE_CHECKING

from .purity import overrides_per_frame_hook
from .state_walk import StateWalk, Unhashable

if TYPE_CHECKING:
    from manim import Scene

# What a camera fills in when it draws: caches, not content (a fast-forward never draws; a 3D
# camera derives its rotation matrix from its trackers, which are hashed).
_CAMERA_CACHES = {"display_funcs", "rotation_matrix", "pixel_array", "background", "pixel_array_to_cairo_context"}


@cache
def stack_versions() -> tuple[tuple[str, str], ...]:
    """The render stack a piece was made with: other versions may draw or encode other bytes."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    found = [("python", platform.python_version())]
    for name in ("manim", "av", "numpy", "pycairo", "scipy", "pillow", "manimpango"):
        try:
            found.append((name, version(name)))
        except PackageNotFoundError:
            found.append((name, "-"))
    import cairo

    found.append(("cairo", cairo.cairo_version_string()))
    return tuple(found)


def _class_name(cls: type) -> str:
    # the user's scene module is imported under a per-process name (scene_loader.py)
    module = "user" if (cls.__module__ or "").startswith("nn_user_") else cls.__module__
    return f"{module}.{cls.__qualname__}"


def _is_user_class(klass: type) -> bool:
    """Defined in the user's files: Python's, manim's and other installed code is versioned."""
    import sys

    if (klass.__module__ or "").split(".")[0] in sys.stdlib_module_names | {"builtins"}:
        return False
    try:
        path = inspect.getfile(klass)
    except TypeError:  # built in: no file
        return False
    return not path.startswith((sys.prefix, sys.base_prefix, sys.exec_prefix))


@cache
def _class_source(cls: type) -> str:
    """Source of the user-defined classes in ``cls``'s MRO ("" when it has none)."""
    parts = []
    for klass in filter(_is_user_class, cls.__mro__):
        try:
            parts.append(inspect.getsource(klass))
        except (OSError, TypeError):
            parts.append("?")  # no source: unhashable, remembered as such (see _source_of)
    return "\n".join(parts)


def _source_of(cls: type) -> str:
    source = _class_source(cls)
    if "?" in source.split("\n"):
        raise Unhashable(f"no source for a class of {cls.__qualname__}")
    return source


@cache
def _class_tag(cls: type) -> str:
    """A class as the key sees it: its name and a digest of its user-defined source."""
    return f"{_class_name(cls)}:{hashlib.sha256(_source_of(cls).encode()).hexdigest()}"


def state_key(scene: Scene) -> str:
    """The key of the play ``scene`` is about to start (animations compiled, not begun).

    Raises Unhashable when something in it cannot be captured reliably.
    """
    from manim import config
    from manim._config.video_encoder import video_encoder_fingerprint

    if overrides_per_frame_hook(scene):  # it may draw from state the key misses
        raise Unhashable("the scene overrides a per-frame hook")
    cls = type(scene)
    renderer = scene.renderer
    # Where this run keeps its files (a text's SVG path names them): each job and node has its own.
    places = [(os.path.abspath(p), f"<{name}>") for name, p in (("media", config.media_dir), ("cwd", os.getcwd()))]
    walk = StateWalk(scene, places, _class_tag)
    context = {
        "stack": stack_versions(),
        "encoder": video_encoder_fingerprint(scene.session_spec.video_encoder),
        "format": str(config.format),
        "transparent": bool(config.transparent),
        "size": [int(config.pixel_width), int(config.pixel_height)],
        "fps": repr(float(config.frame_rate)),
        # updaters and user code may read the scene clock; float repr is exact
        "clock": repr(float(renderer.time)),
        "scene": _class_name(cls),
    }
    walk.feed(json.dumps(context, sort_keys=True))
    camera = renderer.camera
    walk.feed(_class_name(type(camera)))
    # an image mobject's pixels are its content; the camera's are the frame drawn last
    walk.feed({k: v for k, v in vars(camera).items() if k not in _CAMERA_CACHES}, pixels=False)
    for anim in sorted(scene.animations or [], key=str):
        walk.feed(anim)
    for mob in scene.mobjects:
        walk.feed(mob)
    walk.feed(list(scene.updaters))
    walk.feed(scene.stop_condition)
    return walk.digest()


def random_digest() -> str:
    """The global random-number state (Python's and numpy's legacy one), as manim seeds them."""
    import random

    import numpy as np

    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    digest = hashlib.sha256(repr(random.getstate()).encode())
    digest.update(f"{kind}:{pos}:{has_gauss}:{gauss!r}".encode())
    digest.update(np.ascontiguousarray(keys).tobytes())
    return digest.hexdigest()
