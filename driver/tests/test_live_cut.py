"""A cut asked inside the play a render is drawing: the rest of the play comes from another node's
frames, and the play's partial movie file is still a full render's, byte for byte."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from nn_driver.live_cut import LiveCut

from conftest import PY, SCENES, assert_same_frames, cli_png_frames, collect_frames, driver, env, scene_req

UPDATERS = SCENES / "updaters.py"
ZOO = SCENES / "zoo.py"


def _longest(plan: dict[str, Any]) -> dict[str, Any]:
    plays = [p for p in plan["plays"] if not p["frozen"] and not p["skipped"]]
    return max(plays, key=lambda p: p["frames"])


def _rest(file: Path, scene: str, media: Path, play: dict[str, Any], at: int, opts: dict[str, Any]) -> dict[str, Any]:
    """The other node's part: the play's frames from `at` on (a head), and no play after it."""
    stop = media / "rest-stop"
    stop.write_text(f"{play['index']} final")
    out = media / "rest.bin" if opts.get("format") != "png-sequence" else None
    slice_ = {"first": at, "end": play["frames"], "playFrames": play["frames"], **({"file": str(out)} if out else {})}
    return driver("render", {**scene_req(file, scene, media / "rest", **opts), "from": play["index"], "to": -1, "stopFile": str(stop), "slice": slice_})


def _cut_req(file: Path, scene: str, media: Path, play: dict[str, Any], opts: dict[str, Any]) -> dict[str, Any]:
    stop = media / "stop"
    stop.write_text(f"{play['index']} final")
    return {**scene_req(file, scene, media / "cut", **opts), "from": 0, "to": -1, "stopFile": str(stop),
            "cutFile": str(media / "cut.txt"), "joinFile": str(media / "join.bin")}


CASES = [(UPDATERS, "DtRotate"), (ZOO, "Zoo")]


@pytest.mark.parametrize("file,scene", CASES, ids=[c[1] for c in CASES])
def test_a_play_cut_while_drawn_is_the_full_renders_file(file: Path, scene: str, media: Path) -> None:
    opts = {"format": "mp4"}
    plan = driver("plan", scene_req(file, scene, media / "plan", **opts))
    play = _longest(plan)
    at = play["frames"] // 2
    whole = driver("render", {**scene_req(file, scene, media / "whole", **opts), "from": 0, "to": play["index"]})
    rest = _rest(file, scene, media, play, at, opts)
    os.rename(rest["slice"]["path"], media / "join.bin")
    # asked before the render reaches the play (from it, after the exact fast-forward): it answers
    # at the play's first drawn frame
    (media / "cut.txt").write_text(f"7 {play['index']} {at} {play['frames'] - 1}")
    res = driver("render", {**_cut_req(file, scene, media, play, opts), "from": play["index"]})
    assert (media / "cut.txt.ack").read_text() == f"7 {at}"
    assert [p["index"] for p in res["partials"]] == [play["index"]]
    mine = res["partials"][0]
    assert mine["frames"] == play["frames"] and mine["seconds"] == 0 and mine["key"] is None
    ref = next(p for p in whole["partials"] if p["index"] == play["index"])
    assert Path(mine["path"]).read_bytes() == Path(ref["path"]).read_bytes()


def test_png_frames_of_a_play_cut_while_drawn_are_a_full_renders(media: Path) -> None:
    opts = {"format": "png-sequence"}
    expected = cli_png_frames(UPDATERS, "DtRotate", media / "cli")
    plan = driver("plan", scene_req(UPDATERS, "DtRotate", media / "plan", **opts))
    play = _longest(plan)
    at = play["frames"] // 3
    (media / "cut.txt").write_text(f"1 {play['index']} {at} {play['frames'] - 1}")
    (media / "join.bin").write_text("")  # the other node writes its images itself
    res = driver("render", {**_cut_req(UPDATERS, "DtRotate", media, play, opts), "from": play["index"]})
    first = play["firstImage"]
    indices = [f["index"] for f in res["frames"]]
    assert first + at - 1 in indices and not any(first + at <= i < first + play["frames"] for i in indices)
    frames: dict[int, str] = {}
    collect_frames(frames, res)
    collect_frames(frames, _rest(UPDATERS, "DtRotate", media, play, at, opts))
    # the plays before and after it, by other renders
    if play["index"] > 0:
        collect_frames(frames, driver("render", {**scene_req(UPDATERS, "DtRotate", media / "before", **opts), "from": 0, "to": play["index"] - 1}))
    if play["index"] + 1 < len(plan["plays"]):
        collect_frames(frames, driver("render", {**scene_req(UPDATERS, "DtRotate", media / "after", **opts), "from": play["index"] + 1, "to": len(plan["plays"]) - 1}))
    assert_same_frames(expected, frames, "DtRotate")


def _running(req: dict[str, Any]) -> subprocess.Popen[str]:
    proc = subprocess.Popen([PY, "-m", "nn_driver", "render"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env())
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(req))
    proc.stdin.close()
    return proc


def _answer(path: Path, timeout: float = 120) -> str:
    until = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < until, "the render never answered the cut"
        time.sleep(0.01)
    return path.read_text()


def test_a_cut_taken_back_before_the_rest_lands_draws_the_play_whole(media: Path) -> None:
    opts = {"format": "mp4"}
    plan = driver("plan", scene_req(ZOO, "Zoo", media / "plan", **opts))
    play = _longest(plan)
    whole = driver("render", {**scene_req(ZOO, "Zoo", media / "whole", **opts), "from": 0, "to": play["index"]})
    (media / "cut.txt").write_text(f"3 {play['index']} 2 {play['frames'] - 1}")
    proc = _running({**_cut_req(ZOO, "Zoo", media, play, opts), "from": play["index"]})
    assert _answer(media / "cut.txt.ack") == "3 2"
    time.sleep(1)  # it waits at frame 2 for the rest, which does not come
    assert proc.poll() is None
    os.remove(media / "cut.txt")
    assert proc.stdout is not None and proc.wait(timeout=300) == 0
    res = json.loads(proc.stdout.read().strip().splitlines()[-1])
    mine = next(p for p in res["partials"] if p["index"] == play["index"])
    ref = next(p for p in whole["partials"] if p["index"] == play["index"])
    assert mine["seconds"] > 0 and Path(mine["path"]).read_bytes() == Path(ref["path"]).read_bytes()


def test_a_cut_in_a_play_it_is_not_drawing_is_refused_and_the_play_drawn_whole(media: Path) -> None:
    opts = {"format": "mp4"}
    plan = driver("plan", scene_req(ZOO, "Zoo", media / "plan", **opts))
    (media / "cut.txt").write_text("5 99 1 2")  # answered at play 0's first drawn frame
    res = driver("render", _cut_req(ZOO, "Zoo", media, _longest(plan), opts))
    assert (media / "cut.txt.ack").read_text() == "5 no"
    assert all(p["seconds"] > 0 for p in res["partials"])


def test_a_cut_is_made_at_the_frame_asked_or_the_one_the_render_is_at_up_to_the_latest(media: Path) -> None:
    cut = LiveCut(str(media / "cut.txt"), str(media / "join.bin"))
    answer = lambda: (media / "cut.txt.ack").read_text()  # noqa: E731
    (media / "cut.txt").write_text("1 4 10 20")
    assert not cut.stops_at(4, 3) and answer() == "1 10"  # asked ahead of the render: where asked
    assert not cut.stops_at(4, 9) and cut.stops_at(4, 10)
    (media / "cut.txt").write_text("2 4 10 20")
    assert cut.stops_at(4, 12) and answer() == "2 12"  # the render is past the frame asked: where it is
    (media / "cut.txt").write_text("3 4 10 20")
    assert not cut.stops_at(4, 21) and answer() == "3 no"  # past the latest frame
    (media / "cut.txt").write_text("4 5 10 20")
    assert not cut.stops_at(4, 1) and answer() == "4 no"  # not the play it draws
    (media / "cut.txt").write_text("5 4 10 20")
    assert not cut.stops_at(4, 2)
    os.remove(media / "cut.txt")  # taken back before the render got there
    assert not cut.stops_at(4, 10)


def test_a_render_cut_inside_a_play_may_not_go_on_past_it(media: Path) -> None:
    opts = {"format": "png-sequence"}
    plan = driver("plan", scene_req(UPDATERS, "DtRotate", media / "plan", **opts))
    (media / "cut.txt").write_text("1 0 2 3")
    (media / "join.bin").write_text("")
    req = {**_cut_req(UPDATERS, "DtRotate", media, plan["plays"][0], opts), "stopFile": str(media / "open-stop")}
    (media / "open-stop").write_text("")  # no end: the node's bug, the scene's state is past the cut's
    res = driver("render", req, check=False)
    assert not res["ok"] and res["error"]["type"] == "BadRequest" and "cut inside play 0" in res["error"]["message"], res
