"""A play shared at the boundary of two nodes' shares: one draws its first frames as the tail of its
share (asked through the stop file), the next its last frames as the head of its own, then goes on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import SCENES, assert_same_frames, cli_png_frames, collect_frames, driver, scene_req

UPDATERS = SCENES / "updaters.py"


def _share(base: dict[str, Any], media: Path, first: int, end: str, head: tuple[int, int] | None = None, **extra: Any) -> dict[str, Any]:
    """An open-ended render from play `first`, its stop file saying `end`; `head`: (frame, play's
    frames) of a head slice in play `first`. Video frames of its windows go to files in `media`."""
    media.mkdir(parents=True, exist_ok=True)
    stop = media / "stop"
    stop.write_text(end)
    req: dict[str, Any] = {**base, "from": first, "to": -1, "stopFile": str(stop), **extra}
    video = base["options"].get("format") != "png-sequence"
    if video:
        req["tailFile"] = str(media / "tail.bin")
    if head is not None:
        slice_file = {"file": str(media / "head.bin")} if video else {}
        req["slice"] = {"first": head[0], "end": head[1], "playFrames": head[1], **slice_file}
    return driver("render", req)


def _encode(scene: str, media: Path, index: int, slices: list[str]) -> bytes:
    req = {**scene_req(UPDATERS, scene, media / "enc", format="mp4"), "outDir": str(media / "encoded"), "index": index, "slices": slices}
    return Path(driver("encode-play", req)["path"]).read_bytes()


def _bytes(partials: list[dict[str, Any]]) -> dict[int, bytes]:
    return {p["index"]: Path(p["path"]).read_bytes() for p in partials}


# DtRotate: a dt updater on every play; WaitUntil: plays that end on a condition (wait_until)
@pytest.mark.parametrize("scene", ["DtRotate", "WaitUntil"])
def test_three_nodes_sharing_two_plays_make_a_full_renders_partials(scene: str, media: Path) -> None:
    """A: play 0, the tail of play 1; B: the head of play 1 (the play in its skip list, as if cached:
    its window is still drawn), play 2, the tail of play 3; C: the head of play 3. Every partial,
    and the shared plays' encoded from tail + head, is a full render's byte for byte."""
    plan = driver("plan", scene_req(UPDATERS, scene, media / "plan", format="mp4"))
    frames = [p["frames"] for p in plan["plays"]]
    assert len(frames) == 4
    k1, k3 = frames[1] // 2, frames[3] - 2
    full = driver("render", {**scene_req(UPDATERS, scene, media / "full", format="mp4"), "from": 0, "to": 3})
    want = _bytes(full["partials"])

    a = _share(scene_req(UPDATERS, scene, media / "a", format="mp4"), media / "a", 0, f"1 final tail {k1}")
    assert _bytes(a["partials"]) == {0: want[0]}
    assert a["tail"]["play"] == 1 and a["tail"]["frames"] == k1 and Path(a["tail"]["poster"]).is_file()
    assert (a["lastPlay"], a["stopped"], a["slice"]) == (1, True, None)

    b = _share(scene_req(UPDATERS, scene, media / "b", format="mp4"), media / "b", 1, f"3 final tail {k3}", (k1, frames[1]), skip=[1])
    assert b["slice"]["frames"] == frames[1] - k1 and _bytes(b["partials"]) == {2: want[2]}
    assert (b["tail"]["play"], b["tail"]["frames"], b["lastPlay"], b["stopped"]) == (3, k3, 3, True)

    c = _share(scene_req(UPDATERS, scene, media / "c", format="mp4"), media / "c", 3, "3 final", (k3, frames[3]))
    assert c["slice"]["frames"] == frames[3] - k3 and c["partials"] == [] and c["tail"] is None and c["lastPlay"] == 3

    assert _encode(scene, media, 1, [a["tail"]["path"], b["slice"]["path"]]) == want[1]
    assert _encode(scene, media, 3, [b["tail"]["path"], c["slice"]["path"]]) == want[3]


def test_a_head_goes_on_with_whole_plays_and_skips_cached_ones(media: Path) -> None:
    """A head slice of play 0 that goes on to the end, skipping play 2 (cached): play 1 and play 3
    (after a fast-forwarded play 2) are a full render's, and so is play 0 from slice 0..K + head."""
    plan = driver("plan", scene_req(UPDATERS, "DtRotate", media / "plan", format="mp4"))
    n, k = plan["plays"][0]["frames"], 3
    full = driver("render", {**scene_req(UPDATERS, "DtRotate", media / "full", format="mp4"), "from": 0, "to": 3})
    want = _bytes(full["partials"])
    first = {**scene_req(UPDATERS, "DtRotate", media / "s", format="mp4"), "from": 0, "to": 0,
             "slice": {"first": 0, "end": k, "playFrames": n, "file": str(media / "first.bin")}}
    assert driver("render", first)["slice"]["frames"] == k
    head = _share(scene_req(UPDATERS, "DtRotate", media / "h", format="mp4"), media, 0, "3 final", (k, n), skip=[2])
    assert _bytes(head["partials"]) == {1: want[1], 3: want[3]}
    assert [p["frames"] for p in head["partials"]] == [plan["plays"][1]["frames"], plan["plays"][3]["frames"]]
    assert all(p["key"] is None and p["seconds"] > 0 for p in head["partials"])
    assert (head["plays"], head["lastPlay"], head["stopped"], head["tail"]) == (4, 3, False, None)
    assert head["firstFrame"] == k
    assert _encode("DtRotate", media, 0, [str(media / "first.bin"), head["slice"]["path"]]) == want[0]


@pytest.mark.parametrize("scene", ["Traced", "WaitUntil"])
def test_png_tails_and_heads_are_a_full_renders_frames(scene: str, media: Path) -> None:
    """Three png shares cutting plays 1 and 2 (Traced: a traced path and a dt updater)."""
    expected = cli_png_frames(UPDATERS, scene, media / "cli")
    plan = driver("plan", scene_req(UPDATERS, scene, media / "plan", format="png-sequence"))
    plays = plan["plays"]
    k1, k2 = plays[1]["frames"] // 2, 1
    last = len(plays) - 1
    shares = [(0, f"1 final tail {k1}", None), (1, f"2 final tail {k2}", (k1, plays[1]["frames"])), (2, f"{last} final", (k2, plays[2]["frames"]))]
    frames: dict[int, str] = {}
    for s, (first, end, head) in enumerate(shares):
        res = _share(scene_req(UPDATERS, scene, media / f"seg{s}", format="png-sequence"), media, first, end, head)
        start = plays[first]["firstImage"] + (head[0] if head else 0)
        tail = res["tail"]
        stop = plays[tail["play"]]["firstImage"] + tail["frames"] if tail else len(expected)
        assert [f["index"] for f in res["frames"]] == list(range(start, stop)) and res["firstFrame"] == start
        assert res["slice"] is None and (tail is None or (tail["path"], tail["poster"]) == (None, None))
        collect_frames(frames, res)
    assert_same_frames(expected, frames, scene)


@pytest.mark.parametrize("tail,planned", [(6, None), (8, None), (7, 9)], ids=["as-long", "longer", "planned-longer"])
def test_a_tail_of_a_play_shorter_than_planned_is_a_plan_mismatch(tail: int, planned: int | None, media: Path) -> None:
    """DtRotate's play 1 has 6 frames: a tail of as many or more leaves none for the next node."""
    req = scene_req(UPDATERS, "DtRotate", media / "seg", format="mp4")
    if planned is not None:
        req["expect"] = [{"index": 0, "frames": 8}, {"index": 1, "frames": planned}]
    stop = media / "stop"
    stop.write_text(f"1 final tail {tail}")
    res = driver("render", {**req, "from": 0, "to": -1, "stopFile": str(stop), "tailFile": str(media / "t.bin")}, check=False)
    assert not res["ok"] and res["error"]["type"] == "PlanMismatch", res
    assert res["error"]["message"].startswith("play 1 drew 6 frames")


@pytest.mark.parametrize(
    "end,extra,message",
    [
        ("1 final tail 2", {"tailFile": None}, "a video's tail needs the request's tailFile"),
        ("1 final tail 0", {}, "is not 'N final tail K'"),
        ("1 tail 2", {}, "is not 'N final tail K'"),
        ("1 final tail 6", {"expect": [{"index": 1, "frames": 6}]}, "which has 6 in the plan"),
        ("0 final tail 2", {"from": 1}, "before the render's first play"),
    ],
    ids=["no-tail-file", "no-frames", "not-final", "whole-play", "before-first"],
)
def test_a_bad_tail_is_a_bad_request(end: str, extra: dict[str, Any], message: str, media: Path) -> None:
    stop = media / "stop"
    stop.write_text(end)
    req = {**scene_req(UPDATERS, "DtRotate", media / "seg", format="mp4"), "from": 0, "to": -1, "stopFile": str(stop), "tailFile": str(media / "t.bin")}
    res = driver("render", {k: v for k, v in {**req, **extra}.items() if v is not None}, check=False)
    assert not res["ok"] and res["error"]["type"] == "BadRequest", res
    assert message in res["error"]["message"]


def test_a_tail_file_needs_an_open_ended_render(media: Path) -> None:
    req = {**scene_req(UPDATERS, "DtRotate", media / "seg", format="mp4"), "from": 0, "to": 1, "tailFile": str(media / "t.bin")}
    res = driver("render", req, check=False)
    assert res["error"]["type"] == "BadRequest" and "tailFile" in res["error"]["message"]


def test_the_stop_file_grammar() -> None:
    from nn_driver.errors import BadRequest
    from nn_driver.range_files import End, parse_end

    assert parse_end("", "s") is None and parse_end("soon", "s") is None
    assert parse_end("3", "s") == End(3, False) and parse_end("-1 final", "s") == End(-1, True)
    assert parse_end("3 final tail 2\n", "s") == End(3, True, 2)
    for bad in ("3 tail 2", "3 final tail", "3 final tail 0", "3 final tail x", "-1 final tail 2", "3 final tail 2 4"):
        with pytest.raises(BadRequest, match="is not 'N final tail K'"):
            parse_end(bad, "s")
