"""Which plays may take manim's skip path and still end in the rendered state.

A play is *pure* when nothing but the animations' own interpolation changes
state: no updater anywhere (scene, any mobject on screen, any mobject an
animation holds: starting copies and targets get updated per frame too), no
stop_condition, only manim's own animation classes minus the ones whose
interpolation is path-dependent, and no scene override of the per-frame hooks.
Then the last interpolation (finish() = interpolate(1)) fully determines the
end state, so one update_to_time(run_time) ends where the per-frame progression
ends. tests/test_zoo.py checks this against full renders.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from manim import Animation, Mobject, Scene

# Scene methods run per frame (or per play) that a user override could make stateful
_PER_FRAME_HOOKS = ("update_to_time", "update_mobjects", "update_meshes", "update_self", "play_internal")


def _impure_animation_types() -> tuple[type, ...]:
    # UpdateFromFunc(/AlphaFunc): user callbacks per frame; PhaseFlow integrates
    # over frames; MaintainPositionRelativeTo follows other objects frame by frame;
    # Wiggle restores only the points each frame, so its rotations add up in the
    # sheen direction (a sheen drawn later shows it, tests/test_zoo.py); MoveAlongPath
    # moves by the difference to the current centre, which ends elsewhere in the last
    # bits (no pixel shows it, but a play key does: tests/test_play_key.py)
    from manim.animation.indication import Wiggle
    from manim.animation.movement import MoveAlongPath, PhaseFlow
    from manim.animation.updaters.update import MaintainPositionRelativeTo, UpdateFromFunc

    return (UpdateFromFunc, PhaseFlow, MaintainPositionRelativeTo, Wiggle, MoveAlongPath)


def walk_animations(animations: Iterable[Animation]) -> Iterator[Animation]:
    """The animations and everything nested in them (groups, ChangeSpeed)."""
    from manim import Animation

    stack = list(animations)
    while stack:
        anim = stack.pop()
        yield anim
        stack.extend(a for a in (getattr(anim, "animations", None) or []) if isinstance(a, Animation))
        inner = getattr(anim, "anim", None)
        if isinstance(inner, Animation):
            stack.append(inner)


def _animation_mobjects(anim: Animation) -> list[Mobject]:
    try:
        mobs: Iterable[Any] = anim.get_all_mobjects()
    except AttributeError:  # a Succession member not begun yet has no starting copy
        mobs = [getattr(anim, "mobject", None)]
    return [m for m in mobs if m is not None]


def has_updaters(mobjects: Iterable[Mobject]) -> bool:
    return any(m.updaters for mob in mobjects for m in mob.get_family())


def has_time_based_updaters(scene: Scene) -> bool:
    """Does anything on ``scene`` change with time (a scene updater or a dt-updater)?"""
    if scene.updaters:
        return True
    return any(m.has_time_based_updater() for m in scene.get_mobject_family_members())


def overrides_per_frame_hook(scene: Scene) -> bool:
    """Whether ``scene``'s class overrides a per-frame hook: it may then draw from any state."""
    from manim import Scene

    cls = type(scene)
    return any(getattr(cls, name) is not getattr(Scene, name) for name in _PER_FRAME_HOOKS)


def is_pure(scene: Scene) -> bool:
    """Can the current play of ``scene`` take the skip path without changing the end state?"""
    if overrides_per_frame_hook(scene):
        return False
    if scene.updaters or scene.stop_condition is not None:
        return False
    if has_updaters(scene.mobjects):
        return False
    impure = _impure_animation_types()
    for anim in walk_animations(scene.animations or []):
        # a user-defined animation may keep state between interpolations
        if not type(anim).__module__.startswith("manim.") or isinstance(anim, impure):
            return False
        if has_updaters(_animation_mobjects(anim)):
            return False
    return True
