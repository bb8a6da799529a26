"""A render's plays against the plan it was given: a different frame count or play means a wrong plan."""

from __future__ import annotations

from .errors import plan_mismatch
from .records import PlayRecord


def check_unplanned(expect: dict[int, int] | None, index: int) -> None:
    """A play past the plan's last (also one a segment's end stops before): the plan missed plays."""
    if expect and index > max(expect):
        raise plan_mismatch(f"play {index} is not in the plan")


def check_play(expect: dict[int, int] | None, play: PlayRecord) -> None:
    if expect is None:
        return
    want = expect.get(play.index)
    if want is None:
        check_unplanned(expect, play.index)
        return  # the caller checks only some plays
    if play.frames != want:
        raise plan_mismatch(f"play {play.index} drew {play.frames} frames, the plan said {want}")


def check_expected(expect: dict[int, int] | None, plays: list[PlayRecord], upto: int) -> None:
    """After the run: every planned play up to ``upto`` ran, with the planned frames."""
    if expect is None:
        return
    for play in plays:
        check_play(expect, play)
    ran = {p.index for p in plays}
    missing = sorted(i for i in expect if i <= upto and i not in ran)
    if missing:
        raise plan_mismatch(f"play {missing[0]} never ran (the scene made {len(plays)} plays), the plan has it")
