"""Feeds a scene's state into a digest for a play's key (play_key.py), exactly and fast.

manim's own key serialises the state to JSON through a memoizer that looks up every value,
and that cost about 50 ms a play on the benchmark scene: several percent of a render. This
walk feeds the same content straight into a digest: atoms as tagged, length-delimited text,
arrays as their raw bytes (dtype and shape first), and an object met again as a reference to
its first visit, so shared and cyclic structure is part of the key too. What it refuses to
key (a function without source, a method of the scene, an object whose repr names a memory
address) raises Unhashable, as before.
"""

from __future__ import annotations

import hashlib
import inspect
import re
from array import array
from functools import cache, partial
from pathlib import PurePath
from types import FunctionType, MappingProxyType, MethodType, ModuleType
from typing import Any, Callable

import numpy as np

# A repr naming a memory address: content the key cannot see, different in every process.
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
# Run-dependent or derived state that manim's own key leaves out (manim.utils.hashing).
_FILTERED = frozenset({"original_id", "background", "pixel_array", "pixel_array_to_cairo_context"})
# An SVG's index of its groups by element id: cairo numbers those ids per process ("surface2"
# when the camera made a surface first); the groups themselves are walked as submobjects.
_INDEXES = frozenset({"id_to_vgroup_dict"})


@cache
def _slot_names(kind: type) -> tuple[str, ...]:
    """The slot attributes of ``kind``'s instances (values a __dict__ does not hold)."""
    names: list[str] = []
    for klass in kind.__mro__:
        declared = klass.__dict__.get("__slots__", ())
        names += [declared] if isinstance(declared, str) else [n for n in declared if n not in ("__dict__", "__weakref__")]
    return tuple(names)


class Unhashable(Exception):
    """The play's state holds something the key cannot capture reliably."""


class StateWalk:
    """One key's walk: everything fed shares the memory of objects already visited."""

    def __init__(self, scene: object, places: list[tuple[str, str]], class_tag: Callable[[type], str]) -> None:
        self.scene = scene
        self.places = places  # (absolute path, placeholder): each job and node keeps files elsewhere
        self.class_tag = class_tag  # a class's name and source (play_key.py decides what counts)
        self.parts: list[str] = []
        self.arrays = hashlib.sha256()  # array bytes go here, in walk order; parts mark where
        self.seen: dict[int, int] = {}
        # keeps every visited object alive, so no id is reused mid-walk (apart from seen: a tuple
        # per visit there cost a fifth of the walk)
        self.alive: list[object] = []
        self.floats = array("d")  # float values go here, in walk order; parts mark where
        self.filtered = self.filtered_attributes = _FILTERED

    def feed(self, obj: Any, *, pixels: bool = True) -> None:
        """Walks ``obj``; ``pixels`` keeps an image's pixel array (its content) in the key."""
        self.filtered = _FILTERED - {"pixel_array"} if pixels else _FILTERED
        self.filtered_attributes = self.filtered | _INDEXES
        self.parts.append("|")
        self._walk(obj)

    def digest(self) -> str:
        text = "\x1f".join(self.parts).encode("utf-8", "surrogatepass")
        return hashlib.sha256(text + self.floats.tobytes() + self.arrays.digest()).hexdigest()

    def _walk(self, obj: Any) -> None:
        kind = type(obj)
        if kind is str:
            self._text(obj)
        elif kind is float:
            self.parts.append("f")
            self.floats.append(obj)
        elif kind is int or kind is bool or obj is None:
            self.parts.append(f"{kind.__name__[0]}{obj!r}")
        elif kind is tuple:  # immutable: equal tuples may or may not be one object, so no reference
            self._sequence(obj, "tuple")
        elif self._visited(obj):
            return
        elif kind is list:
            self._sequence(obj, "list")
        elif kind is dict:
            self._mapping(obj, "dict", self.filtered)
        elif kind is np.ndarray:
            self._array(obj)
        else:
            self._other(obj, kind)

    def _visited(self, obj: object) -> bool:
        """Marks ``obj`` visited; True (and a reference fed) when it was already."""
        first = self.seen.get(id(obj))
        if first is not None:
            self.parts.append(f"@{first}")
            return True
        self.seen[id(obj)] = len(self.seen)
        self.alive.append(obj)
        return False

    def _text(self, text: str) -> None:
        if "/" in text:
            for path, name in self.places:
                text = text.replace(path, name)
        self.parts.append(f"s{len(text)}:{text}")

    def _sequence(self, items: Any, tag: str) -> None:
        parts, walk = self.parts, self._walk
        parts.append(f"[{tag}")
        for item in items:
            if type(item) is float:  # the common case inline: this loop is the key's hot path
                parts.append("f")
                self.floats.append(item)
            else:
                walk(item)
        parts.append("]")

    def _mapping(self, mapping: Any, tag: str, skip: frozenset[str]) -> None:
        parts, walk, floats = self.parts, self._walk, self.floats
        parts.append(f"{{{tag}")
        for key, value in mapping.items():
            if key in skip:
                continue
            # attribute names and flat values inline: this loop is the key's hot path
            if type(key) is str and "/" not in key:
                parts.append(f"s{len(key)}:{key}")
            else:
                walk(key)
            kind = type(value)
            if kind is float:
                parts.append("f")
                floats.append(value)
            elif kind is bool or kind is int or value is None:
                parts.append(f"{kind.__name__[0]}{value!r}")
            else:
                walk(value)
        parts.append("}")

    def _array(self, array: np.ndarray) -> None:
        if array.dtype.hasobject:
            self._sequence(array.tolist(), f"array{array.shape}")
            return
        if array.dtype.names is not None:  # a structured array: manim's own field-wise hash
            from manim.utils.hashing import _hash_ndarray

            self.parts.append(_hash_ndarray(array))
            return
        self.parts.append("a")
        self.arrays.update(f"{array.dtype.str}{array.shape}".encode())
        self.arrays.update(np.ascontiguousarray(array).data)

    def _other(self, obj: Any, kind: type) -> None:
        if obj is self.scene:
            self.parts.append("scene")
        elif isinstance(obj, (FunctionType, MethodType)):
            self._function(obj)
        elif isinstance(obj, type):
            self._text(f"class:{self.class_tag(obj)}")
        elif isinstance(obj, np.ndarray):  # a subclass: its values, under its own name
            self.parts.append(self.class_tag(kind))
            self._array(np.asarray(obj))
        elif isinstance(obj, np.generic):
            self._array(np.asarray(obj))
        elif isinstance(obj, PurePath):  # its slots cache derived values lazily: the path is its content
            self._text(f"{self.class_tag(kind)}:{obj}")
        elif isinstance(obj, partial):  # its function and arguments are C members, not in its __dict__
            self._sequence((obj.func, obj.args, obj.keywords), "partial")
        elif isinstance(obj, (list, tuple, dict)) or hasattr(obj, "__dict__") or _slot_names(kind):
            # the class too: an edited method of a user's mobject or animation draws otherwise
            self._text(self.class_tag(kind))
            if isinstance(obj, dict):
                self._mapping(obj, "items", self.filtered)
            elif isinstance(obj, (list, tuple)):
                self._sequence(obj, "items")
            self._attributes(obj, kind)
        else:
            text = repr(obj)
            if _ADDRESS.search(text):
                raise Unhashable(f"a {kind.__qualname__} has no content the key can read")
            self._text(f"{self.class_tag(kind)}:{text}")

    def _attributes(self, obj: Any, kind: type) -> None:
        state = getattr(obj, "__dict__", None)
        if isinstance(state, MappingProxyType):  # a class-like object: its attributes are code
            self.parts.append("MappingProxy")
        elif state is not None:
            self._mapping(state, "obj", self.filtered_attributes)
        for name in _slot_names(kind):
            if hasattr(obj, name):
                self._walk(getattr(obj, name))
            else:
                self.parts.append("unset")

    def _function(self, fn: Any) -> None:
        if isinstance(fn, MethodType) and fn.__self__ is self.scene:
            raise Unhashable(f"{fn.__qualname__} is a method of the scene: it may read any of its state")
        try:
            source = inspect.getsource(fn)
        except (OSError, TypeError) as exc:
            raise Unhashable(f"no source for {fn.__qualname__}") from exc
        cvars = inspect.getclosurevars(fn)
        names = {**cvars.globals, **cvars.nonlocals}
        if any(v is self.scene for v in names.values()):
            raise Unhashable(f"{fn.__qualname__} reads the scene: it may read any of its state")
        self._text(source)
        # what it reads by name; modules are versioned code (the stack's versions are keyed)
        self._mapping({k: v for k, v in names.items() if not isinstance(v, ModuleType)}, "reads", frozenset())
        if isinstance(fn, MethodType):
            self._walk(fn.__self__)
