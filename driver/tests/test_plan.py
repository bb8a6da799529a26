"""plan: counts and times equal to what a real manim render writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SCENES, cli_png_frames, driver, scene_req

UPDATERS = SCENES / "updaters.py"


def test_list_in_definition_order() -> None:
    res = driver("list", {"file": str(UPDATERS), "cwd": str(SCENES)})
    assert res["scenes"] == [
        "DtRotate", "Traced", "Redraw", "SceneTime", "Randomness", "WaitUntil", "ShortPlay", "Frozen"
    ]


@pytest.mark.parametrize("scene", ["Frozen", "WaitUntil", "ShortPlay"])
def test_plan_frames_match_png_sequence(scene: str, media: Path) -> None:
    plan = driver("plan", scene_req(UPDATERS, scene, media / "plan", format="png-sequence"))
    files = cli_png_frames(UPDATERS, scene, media / "cli")
    # png-sequence writes one file per written frame; a frozen wait writes one file
    assert sum(p["images"] for p in plan["plays"]) == len(files) == plan["totalImages"]
    assert plan["totalFrames"] == sum(p["frames"] for p in plan["plays"])
    fps = plan["fps"]
    for p in plan["plays"]:
        if p["frozen"]:
            assert p["images"] == 1
            assert p["frames"] == int(p["runTime"] / (1 / fps))
        elif not p["waitUntil"]:
            assert p["frames"] == p["images"] == len(__import__("numpy").arange(0, p["runTime"], 1 / fps))


def test_plan_play_details() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        plan = driver("plan", scene_req(UPDATERS, "Frozen", Path(tmp), format="png-sequence"))
    plays = plan["plays"]
    assert [p["index"] for p in plays] == list(range(6))
    assert [p["frozen"] for p in plays] == [False, True, True, False, False, True]
    assert [p["frames"] for p in plays] == [5, 7, 4, 5, 5, 3]
    assert plays[3]["timeBased"] and not plays[1]["timeBased"]
    assert plan["exact"] is False  # the cheap pass: no stop_condition
    # a dt updater on the triangle from play 3 on; cleared before play 4
    assert [p["pure"] for p in plays] == [True, True, True, False, True, True]
    assert (plan["fps"], plan["width"], plan["height"]) == (15.0, 160, 90)


def test_plan_wait_until_cut_short(media: Path) -> None:
    plan = driver("plan", scene_req(UPDATERS, "WaitUntil", media, format="png-sequence"))
    # a stop_condition's frame count needs the per-frame progression: the exact pass
    assert plan["exact"] is True
    assert [p["pure"] for p in plan["plays"]] == [False] * 4
    first = plan["plays"][0]
    assert first["waitUntil"] and first["timeBased"]
    assert first["runTime"] == 3
    # the dot moves 3 units/s from x=-2, checked after each frame: well under 3 s
    assert 8 <= first["frames"] <= 12


def test_plan_sections_and_sounds(media: Path) -> None:
    file = SCENES / "sections_sounds.py"
    plan = driver("plan", scene_req(file, "SectionsSounds", media / "plan", format="mp4"))
    assert plan["sections"] == [
        {"name": "intro", "type": "default.normal", "skip": False},
        {"name": "skipped", "type": "default.normal", "skip": True},
        {"name": "outro", "type": "default.normal", "skip": False},
    ]
    assert [p["section"] for p in plan["plays"]] == [0, 0, 1, 2, 2]
    assert [p["skipped"] for p in plan["plays"]] == [False, False, True, False, False]
    assert [p["frames"] for p in plan["plays"]] == [6, 3, 0, 8, 3]
    # relative to the project (the request's cwd): the stitch runs elsewhere, in another folder
    click = "click.wav"
    sounds = [(round(s["time"], 9), s["file"], s["gain"]) for s in plan["sounds"]]
    # 0.4 s play (6 frames) + 0.2 s frozen wait (3 frames) + skipped 0.4 s (raw run time)
    # + 0.5 s play (8 frames = 0.5333 s) + offset 0.1; sounds added while skipping are dropped
    assert sounds == [(0.0, click, None), (round(1.0 + 8 / 15 + 0.1, 9), click, -3.0)]
    files = cli_png_frames(file, "SectionsSounds", media / "cli")
    assert len(files) == sum(p["images"] for p in plan["plays"])


def test_plan_lists_tex_files(media: Path) -> None:
    showcase = Path(__file__).resolve().parents[2] / "examples" / "showcase.py"
    scenes = driver("list", {"file": str(showcase), "cwd": str(showcase.parent)})["scenes"]
    assert len(scenes) >= 3
    plan = driver("plan", scene_req(showcase, "Formulas", media, format="mp4"))
    # relative to the plan's media dir, and still there for the caller to read
    files = plan["texFiles"]
    assert files and all(f.split("/")[0] in ("Tex", "texts") and f.endswith(".svg") for f in files)
    assert all((media / f).is_file() for f in files)


def test_plan_weighs_how_much_each_frame_changes(media: Path) -> None:
    # What encoding a frame costs hangs on how much of it changes (x264 skips what did not): the
    # plan gives the cost model the share of pixels a frame in the middle of each play changes.
    plan = driver("plan", scene_req(SCENES / "sampled.py", "Motion", media, format="mp4"))
    big, dot, still = (p["motion"] for p in plan["plays"])
    assert not plan["plays"][2]["frozen"]
    assert big > 0.2
    assert 0 < dot < big / 10
    assert still == 0
