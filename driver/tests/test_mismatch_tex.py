"""render checks the plan it was given; TeX scenes render from the plan's SVGs alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import ROOT, SCENES, cache_files, cli_png_frames, driver, pixels, scene_req

MISMATCH = SCENES / "mismatch.py"
TEX = SCENES / "tex.py"


def _expect(plan: dict, upto: int) -> list[dict[str, int]]:
    return [{"index": p["index"], "frames": p["frames"]} for p in plan["plays"] if p["index"] <= upto]


def test_frames_mismatch_fails(media: Path) -> None:
    plan = driver("plan", scene_req(MISMATCH, "RunTimeFromState", media / "plan", format="png-sequence"))
    assert plan["exact"] is False
    assert plan["plays"][1]["frames"] == 30  # run time 2 * 1.0: the skip path's dot position
    req = {**scene_req(MISMATCH, "RunTimeFromState", media / "seg", format="png-sequence"), "from": 1, "to": 2}
    res = driver("render", {**req, "expect": _expect(plan, 2)}, check=False)
    assert res["ok"] is False and res["error"]["type"] == "PlanMismatch"
    assert res["error"]["message"].startswith("play 1 drew 28 frames, the plan said 30:")
    # without a plan to check against, the render itself is exact
    assert driver("render", req)["ok"]


def test_play_count_mismatch_fails(media: Path) -> None:
    plan = driver("plan", scene_req(MISMATCH, "PlaysFromState", media / "plan", format="png-sequence"))
    assert len(plan["plays"]) == 2  # the rendered progression makes 3
    req = {**scene_req(MISMATCH, "PlaysFromState", media / "seg", format="png-sequence"), "from": 1, "to": 1}
    res = driver("render", {**req, "expect": _expect(plan, 1)}, check=False)
    assert res["error"]["type"] == "PlanMismatch", res
    # play 1 is the extra wait here (3 frames), not the planned play (5 frames)
    assert "play 1 drew 3 frames, the plan said 5" in res["error"]["message"]
    req = {**scene_req(MISMATCH, "PlaysFromState", media / "seg2", format="png-sequence"), "from": 2, "to": 2}
    # fast-forwarded plays are checked as well
    res = driver("render", {**req, "expect": _expect(plan, 2)}, check=False)
    assert "play 1 drew 3 frames, the plan said 5" in res["error"]["message"]
    # a play past the plan's last one
    res = driver("render", {**req, "expect": [{"index": 0, "frames": 15}, {"index": 1, "frames": 3}]}, check=False)
    assert res["error"]["type"] == "PlanMismatch" and "play 2 is not in the plan" in res["error"]["message"]


def test_exact_plan_matches_the_render(media: Path) -> None:
    # the farm's repair of a wrong cheap plan: the scene planned again with "exact"
    plan = driver("plan", {**scene_req(MISMATCH, "RunTimeFromState", media / "plan", format="png-sequence"), "exact": True})
    assert plan["exact"] is True
    assert plan["plays"][1]["frames"] == 28
    req = {**scene_req(MISMATCH, "RunTimeFromState", media / "seg", format="png-sequence"), "from": 1, "to": 2}
    assert driver("render", {**req, "expect": _expect(plan, 2)})["ok"]


def test_segment_end_before_an_unplanned_play_fails(media: Path) -> None:
    # a render told to stop after the plan's last play finds the scene has another one
    plan = driver("plan", scene_req(MISMATCH, "PlaysFromState", media / "plan", format="png-sequence"))
    stop = media / "stop"
    stop.write_text("1 final")
    req = {**scene_req(MISMATCH, "PlaysFromState", media / "seg", format="png-sequence"), "from": 0, "to": -1, "stopFile": str(stop)}
    expect = [{"index": 0, "frames": 15}, {"index": 1, "frames": 3}]  # right up to play 1, which ends the plan
    res = driver("render", {**req, "expect": expect}, check=False)
    assert res["error"]["type"] == "PlanMismatch" and "play 2 is not in the plan" in res["error"]["message"], res
    assert len(plan["plays"]) == 2


def test_tex_without_latex(media: Path) -> None:
    expected = cli_png_frames(TEX, "Formula", media / "cli")
    plan = driver("plan", scene_req(TEX, "Formula", media / "plan", format="png-sequence"))
    kinds = {f.split("/")[0] for f in plan["texFiles"]}
    assert kinds == {"Tex", "texts"}
    no_latex = {"PATH": f"/usr/bin/false-dir:{ROOT / '.venv' / 'bin'}"}
    req = {**scene_req(TEX, "Formula", media / "seg", format="png-sequence"), "from": 1, "to": 2}
    # the control: without the SVGs this PATH cannot render the scene
    res = driver("render", {**req, "mediaDir": str(media / "nocache")}, check=False, extra_env=no_latex)
    assert res["ok"] is False and res["error"]["type"] == "SceneError"
    res = driver(
        "render", {**req, "cacheFiles": cache_files(plan, media / "plan"), "expect": _expect(plan, 2)},
        extra_env=no_latex,
    )
    first = plan["plays"][1]["firstImage"]
    assert [f["index"] for f in res["frames"]] == list(range(first, len(expected)))
    for f in res["frames"]:
        assert np.array_equal(pixels(expected[f["index"]]), pixels(f["path"])), f"frame {f['index']} differs"


def test_bad_cache_files(media: Path) -> None:
    req = {**scene_req(TEX, "Formula", media, format="png-sequence"), "from": 0, "to": 0}
    for bad in ({"path": "../x.svg", "source": str(TEX)}, {"path": "/abs.svg", "source": str(TEX)},
                {"path": "Tex/a.svg", "source": "/nonexistent/a.svg"}):
        res = driver("render", {**req, "cacheFiles": [bad]}, check=False)
        assert res["error"]["type"] == "BadRequest", res
