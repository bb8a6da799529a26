"""Keys every play of a run for the farm's play cache (play_key.py), where the key is sure.

A key is taken when the play's animations are compiled and not yet begun, on a state that
is the one a full render has there (SceneTap.exact: not after an impure play took the
skip path). Once the play has run, a play that consumed random numbers gets the
random-number state it started with in its key too. Keying is timed: the planner's
re-render cost is mostly the scene's Python, and this is part of it.

With ``serve`` (the keys the cache holds) a run re-renders in one pass: a play whose key
is cached is fast-forwarded, a missing one is drawn while fewer than ``budget`` frames
have been drawn, and after that only keyed (the farm's segments draw the rest). A render
of a range of plays serves the same way inside its range.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from time import perf_counter
from typing import TYPE_CHECKING, Any

from .play_key import random_digest, state_key
from .state_walk import Unhashable

if TYPE_CHECKING:
    from manim import Scene

    from .fast_forward import SceneTap


@dataclass
class KeyTap:
    scene: Scene
    tap: SceneTap
    seconds: float = 0.0  # spent keying, for the driver's timings
    reasons: dict[int, str] = field(default_factory=dict)  # why a play has no key
    active: bool = True  # keying costs a few percent of a render: only for jobs that use the cache
    serve: frozenset[str] | None = None
    budget: float = 0.0
    served: dict[int, str] = field(default_factory=dict)  # play -> the key it was found under
    _key: str | None = None
    _random: str = ""

    def install(self) -> None:
        scene = self.scene
        renderer = scene.renderer
        orig_compile = scene.compile_animation_data
        orig_play = renderer.play

        def compile_animation_data(*args: Any, **kwargs: Any) -> None:
            orig_compile(*args, **kwargs)
            # a cheap planning pass ("all") is inexact after its first impure play anyway
            if not self.active or self.tap.shortcut == "all":
                return
            began = perf_counter()
            self._key = None
            self._random = random_digest()
            index = renderer.num_plays
            if not self.tap.exact:
                self.reasons[index] = "the state before it was fast-forwarded inexactly"
            else:
                try:
                    self._key = state_key(scene)
                except Unhashable as exc:
                    self.reasons[index] = str(exc)
                except (TypeError, ValueError, RecursionError) as exc:  # manim's encoder on odd state
                    self.reasons[index] = f"{type(exc).__name__}: {exc}"
            self.seconds += perf_counter() - began
            if self.serve is not None:
                self._choose(index)


        def play(s: Scene, *args: Any, **kwargs: Any) -> None:
            self._key = None
            orig_play(s, *args, **kwargs)
            record = self.tap.plays[-1]
            key = self._key
            if key is not None and random_digest() != self._random:
                # its frames depend on the random numbers it drew: the same only from the same state
                key = hashlib.sha256(f"{key}:{self._random}".encode()).hexdigest()
            record.key = key

        scene.compile_animation_data = compile_animation_data  # type: ignore[method-assign]
        renderer.play = play  # type: ignore[method-assign]

    def _choose(self, index: int) -> None:
        """Serving: fast-forward a cached play this run would draw, draw a missing one while the
        budget lasts (a render's plays outside its range are fast-forwarded anyway)."""
        assert self.serve is not None
        if self.tap.fast:
            return
        key = self._key
        # a play that draws random numbers was stored under its key mixed with the random state
        mixed = key and hashlib.sha256(f"{key}:{self._random}".encode()).hexdigest()
        found = key if key in self.serve else mixed if mixed in self.serve else None
        if found is not None:
            self.served[index] = found
            self.tap.fast = True
        else:
            self.tap.fast = self.tap.drawn >= self.budget
