"""Import a user's scene file by path and find its Scene classes."""

from __future__ import annotations

import importlib.util
import itertools
import os
import re
import sys
import types
from typing import TYPE_CHECKING

from .errors import SceneError, SceneNotFound

if TYPE_CHECKING:
    from manim import Scene

_counter = itertools.count()


def load_module(file: str) -> types.ModuleType:
    """Execute ``file`` as a fresh module under a unique name.

    A unique name keeps a warm server from ever reusing a stale module, and
    the file's folder goes on sys.path so it can import its siblings as the
    manim CLI allows.
    """
    stem = re.sub(r"\W", "_", os.path.splitext(os.path.basename(file))[0])
    name = f"nn_user_{os.getpid()}_{next(_counter)}_{stem}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise SceneNotFound(f"cannot import {file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    folder = os.path.dirname(file)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:  # user code: report it with the user's line
        raise SceneError(exc) from exc
    return module


def scene_classes(module: types.ModuleType) -> list[type[Scene]]:
    """Scene subclasses defined by the module, in definition order.

    Same predicate as manim's get_scene_classes_from_module, but keeping the
    module's definition order instead of inspect.getmembers' alphabetical one.
    """
    from manim import Scene

    return [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, Scene)
        and obj is not Scene
        and obj.__module__.startswith(module.__name__)
    ]


def find_scene(module: types.ModuleType, name: str) -> type[Scene]:
    classes = scene_classes(module)
    for cls in classes:
        if cls.__name__ == name:
            return cls
    names = ", ".join(c.__name__ for c in classes) or "none"
    raise SceneNotFound(f"scene {name!r} not found in {module.__file__} (scenes: {names})")
