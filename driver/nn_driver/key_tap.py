"""Keys every play of a run for the farm's play cache (play_key.py), where the key is sure.

A key is taken when the play's animations are compiled and not yet begun, on a state that
is the one a full render has there (SceneTap.exact: not after an impure play took the
skip path). Once the play has run, a play that consumed random numbers gets the
random-number state it started with in its key too. Keying is timed: the planner's
re-render cost is mostly the scene's Python, and this is part of it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from time import perf_counter
from typing import TYPE_CHECKING, Any

from .play_key import Unhashable, random_digest, state_key

if TYPE_CHECKING:
    from manim import Scene

    from .fast_forward import SceneTap


@dataclass
class KeyTap:
    scene: Scene
    tap: SceneTap
    seconds: float = 0.0  # spent keying, for the driver's timings
    reasons: dict[int, str] = field(default_factory=dict)  # why a play has no key
    _key: str | None = None
    _random: str = ""

    def install(self) -> None:
        scene = self.scene
        renderer = scene.renderer
        orig_begin = scene.begin_animations
        orig_play = renderer.play

        def begin_animations() -> None:
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
            orig_begin()

        def play(s: Scene, *args: Any, **kwargs: Any) -> None:
            self._key = None
            orig_play(s, *args, **kwargs)
            record = self.tap.plays[-1]
            key = self._key
            if key is not None and random_digest() != self._random:
                # its frames depend on the random numbers it drew: the same only from the same state
                key = hashlib.sha256(f"{key}:{self._random}".encode()).hexdigest()
            record.key = key

        scene.begin_animations = begin_animations  # type: ignore[method-assign]
        renderer.play = play  # type: ignore[method-assign]
