"""The pure-play shortcut: manim's skip path must end where the rendered play ends.

Every play of the zoo starts its own segment, rendered in its own (forked)
process after a fast-forward that took the skip path for each pure play before
it; every frame must equal a full ``manim render --format png-sequence``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SCENES, Server, assert_same_frames, cache_files, cli_png_frames, collect_frames, scene_req

ZOO = SCENES / "zoo.py"


def _segments_equal_cli(server: Server, scene: str, media: Path) -> dict:
    expected = cli_png_frames(ZOO, scene, media / "cli")
    plan = server.ask("plan", scene_req(ZOO, scene, media / "plan", format="png-sequence"))
    plays = plan["plays"]
    assert plan["exact"] is False
    assert sum(p["images"] for p in plays) == len(expected)
    cache = cache_files(plan, media / "plan")
    frames: dict[int, str] = {}
    for a in range(len(plays)):
        expect = [{"index": p["index"], "frames": p["frames"]} for p in plays[: a + 1]]
        req = {**scene_req(ZOO, scene, media / f"seg{a}", format="png-sequence"), "from": a, "to": a, "expect": expect}
        res = server.ask("render", {**req, "cacheFiles": cache})
        # the shortcut really ran: once per pure play drawn through play_internal
        want = sum(1 for p in plays[:a] if p["pure"] and not p["frozen"] and not p["skipped"])
        assert res["shortcuts"] == want
        assert res["firstFrame"] == plays[a]["firstImage"]
        collect_frames(frames, res)
    assert_same_frames(expected, frames, scene)
    return plan


def test_zoo_every_play_a_segment(server: Server, media: Path) -> None:
    plan = _segments_equal_cli(server, "Zoo", media)
    # all but MoveAlongPath (play 9, purity.py) and Wiggle (play 12, test_wiggle_is_not_pure)
    assert [p["index"] for p in plan["plays"] if not p["pure"]] == [9, 12]
    assert len(plan["plays"]) >= 25
    assert [s["name"] for s in plan["sections"]] == ["autocreated", "text"]


def test_clock_after_pure_plays(server: Server, media: Path) -> None:
    plan = _segments_equal_cli(server, "ClockAfterPure", media)
    assert [p["pure"] for p in plan["plays"]] == [True, True, True, False, False]
    # the rendered clock: whole frames per play, not the raw run times
    fps = plan["fps"]
    assert plan["plays"][3]["startTime"] == pytest.approx((6 + 3 + 5) / fps)


def test_wiggle_is_not_pure(server: Server, media: Path) -> None:
    plan = _segments_equal_cli(server, "SheenAfterWiggle", media)
    assert [p["pure"] for p in plan["plays"]] == [False, True]
