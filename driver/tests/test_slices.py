"""Slices of a play: frames drawn on several nodes, the play's partial encoded once, all exact."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import PY, SCENES, assert_same_frames, env, cli_png_frames, collect_frames, driver, framemd5, manim_cli, scene_req
from nn_driver.frame_file import END

UPDATERS = SCENES / "updaters.py"
ZOO = SCENES / "zoo.py"


def _longest(plan: dict[str, Any]) -> dict[str, Any]:
    plays = [p for p in plan["plays"] if not p["frozen"] and not p["skipped"]]
    return max(plays, key=lambda p: p["frames"])


def _bounds(frames: int, parts: int) -> list[tuple[int, int]]:
    cuts = sorted({round(i * frames / parts) for i in range(parts + 1)})
    return list(zip(cuts, cuts[1:]))


def _slice_req(base: dict[str, Any], play: dict[str, Any], a: int, b: int, stop: Path, file: Path | None) -> dict[str, Any]:
    stop.write_text(f"{play['index']} final")
    return {
        **base,
        "from": play["index"],
        "to": -1,
        "stopFile": str(stop),
        "slice": {"first": a, "end": b, "playFrames": play["frames"], **({"file": str(file)} if file else {})},
    }


CASES = [(UPDATERS, "DtRotate", {}), (UPDATERS, "Traced", {}), (UPDATERS, "Redraw", {}), (UPDATERS, "SceneTime", {}),
         (UPDATERS, "Randomness", {"seed": 7}), (UPDATERS, "WaitUntil", {}), (ZOO, "Zoo", {})]


@pytest.mark.parametrize("file,scene,opts", CASES, ids=[c[1] for c in CASES])
def test_png_slices_are_a_full_renders_frames(file: Path, scene: str, opts: dict[str, Any], media: Path) -> None:
    args = ("--seed", str(opts["seed"])) if "seed" in opts else ()
    expected = cli_png_frames(file, scene, media / "cli", *args)
    plan = driver("plan", scene_req(file, scene, media / "plan", format="png-sequence", **opts))
    play = _longest(plan)
    frames: dict[int, str] = {}
    # every other play by one segment that fast-forwards over the sliced one
    rest = driver("render", {**scene_req(file, scene, media / "rest", format="png-sequence", **opts), "from": 0, "to": len(plan["plays"]) - 1, "skip": [play["index"]]})
    collect_frames(frames, rest)
    for k, (a, b) in enumerate(_bounds(play["frames"], 3)):
        res = driver("render", _slice_req(scene_req(file, scene, media / f"s{k}", format="png-sequence", **opts), play, a, b, media / f"stop{k}", None))
        assert [f["index"] for f in res["frames"]] == list(range(play["firstImage"] + a, play["firstImage"] + b))
        collect_frames(frames, res)
    assert_same_frames(expected, frames, scene)


def _encoded(file: Path, scene: str, media: Path, play: dict[str, Any], parts: int, landing: bool = False, **opts: Any) -> str:
    """The play's partial encoded from `parts` slices; with `landing`, the encoder starts before any
    slice file is there and each is appended in pieces while it runs, cut anywhere (inside a frame's
    record too), then ended, as a node streams a slice still drawn."""
    slices = []
    for k, (a, b) in enumerate(_bounds(play["frames"], parts)):
        out = media / f"slice{k}.bin"
        res = driver("render", _slice_req(scene_req(file, scene, media / f"s{k}", **opts), play, a, b, media / f"stop{k}", out))
        assert res["slice"]["frames"] == b - a and res["partials"] == []
        assert Path(res["slice"]["poster"]).is_file()
        slices.append(res["slice"]["path"])
    req = {**scene_req(file, scene, media / "enc", **opts), "outDir": str(media / "encoded"), "index": play["index"]}
    if not landing:
        res = driver("encode-play", {**req, "slices": slices})
    else:
        landed = [str(media / f"landed{k}.bin") for k in range(len(slices))]
        proc = subprocess.Popen([PY, "-m", "nn_driver", "encode-play"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env())
        assert proc.stdin is not None
        proc.stdin.write(json.dumps({**req, "slices": landed, "wait": True}))
        proc.stdin.close()
        for path, dest in zip(slices, landed):
            data = Path(path).read_bytes()
            cuts = [0, 7, len(data) // 3, len(data) // 3 + 2, len(data)]
            for a, b in zip(cuts, cuts[1:]):
                time.sleep(0.3)
                assert proc.poll() is None, "the encoder ended before its slices landed"
                with open(dest, "ab") as out:
                    out.write(data[a:b])
            with open(dest, "ab") as out:
                out.write(END)
        assert proc.stdout is not None and proc.wait(timeout=300) == 0
        res = json.loads(proc.stdout.read().strip().splitlines()[-1])
    assert res["frames"] == play["frames"]
    return res["path"]


@pytest.mark.parametrize("file,scene,opts", [c for c in CASES if c[1] in ("DtRotate", "Randomness", "Zoo")], ids=["DtRotate", "Randomness", "Zoo"])
def test_a_sliced_plays_partial_is_the_full_renders_byte_for_byte(file: Path, scene: str, opts: dict[str, Any], media: Path) -> None:
    plan = driver("plan", scene_req(file, scene, media / "plan", format="mp4", **opts))
    play = _longest(plan)
    whole = driver("render", {**scene_req(file, scene, media / "whole", format="mp4", **opts), "from": 0, "to": len(plan["plays"]) - 1})
    partial = next(p["path"] for p in whole["partials"] if p["index"] == play["index"])
    encoded = _encoded(file, scene, media, play, 3, landing=scene == "DtRotate", format="mp4", **opts)
    assert Path(encoded).read_bytes() == Path(partial).read_bytes()


def test_sections_and_sound_across_a_sliced_play_stitch_as_manim(media: Path) -> None:
    file = SCENES / "sections_sounds.py"
    manim_cli(file, "SectionsSounds", media / "cli", "--encoder-option", "threads=1", "--save_sections")
    cli_dir = media / "cli" / "videos" / "sections_sounds" / "90p15"
    opts = {"format": "mp4", "saveSections": True}
    plan = driver("plan", scene_req(file, "SectionsSounds", media / "plan", **opts))
    play = _longest(plan)
    rest = driver("render", {**scene_req(file, "SectionsSounds", media / "rest", **opts), "from": 0, "to": len(plan["plays"]) - 1, "skip": [play["index"]]})
    partials = [*rest["partials"], {"index": play["index"], "path": _encoded(file, "SectionsSounds", media, play, 2, **opts)}]
    req = {**scene_req(file, "SectionsSounds", media / "stitch", **opts), "outDir": str(media / "out"), "partials": partials,
           "plays": plan["plays"], "sections": plan["sections"], "sounds": plan["sounds"]}
    outputs = driver("stitch", req)["outputs"]
    movie = next(o["path"] for o in outputs if o["kind"] == "movie")
    assert framemd5(movie) == framemd5(cli_dir / "SectionsSounds.mp4")
    assert sorted(Path(o["path"]).name for o in outputs if o["kind"] == "section") == sorted(p.name for p in (cli_dir / "sections").glob("*.mp4"))


def test_a_slice_of_a_play_shorter_than_planned_is_a_plan_mismatch(media: Path) -> None:
    plan = driver("plan", scene_req(UPDATERS, "DtRotate", media / "plan", format="mp4"))
    play = dict(_longest(plan))
    real = play["frames"]
    play["frames"] = real + 3
    res = driver("render", _slice_req(scene_req(UPDATERS, "DtRotate", media / "s", format="mp4"), play, real - 1, real + 3, media / "stop", media / "x.bin"), check=False)
    assert not res["ok"] and res["error"]["type"] == "PlanMismatch", res
    assert f"play {play['index']}" in res["error"]["message"]
