"""render: segments after an exact fast-forward equal a single manim render."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import SCENES, assert_same_frames, cli_png_frames, collect_frames, driver, framemd5, manim_cli, scene_req, split

UPDATERS = SCENES / "updaters.py"
CASES = [
    ("DtRotate", 3, ()),
    ("Traced", 3, ()),
    ("Redraw", 3, ()),
    ("SceneTime", 2, ()),
    ("Randomness", 3, ("--seed", "7")),
    ("WaitUntil", 3, ()),
    ("ShortPlay", 3, ()),
    ("Frozen", 3, ()),
]


def _seed(args: tuple[str, ...]) -> dict[str, int]:
    return {"seed": int(args[1])} if args else {}


@pytest.mark.parametrize("scene,parts,args", CASES, ids=[c[0] for c in CASES])
def test_png_segments_pixel_identical(scene: str, parts: int, args: tuple[str, ...], media: Path) -> None:
    expected = cli_png_frames(UPDATERS, scene, media / "cli", *args)
    plan = driver("plan", scene_req(UPDATERS, scene, media / "plan", format="png-sequence", **_seed(args)))
    n = len(plan["plays"])
    frames: dict[int, str] = {}
    for k, (a, b) in enumerate(split(n, parts)):
        res = driver("render", {**scene_req(UPDATERS, scene, media / f"seg{k}", format="png-sequence", **_seed(args)), "from": a, "to": b})
        assert res["firstFrame"] == plan["plays"][a]["firstImage"]
        collect_frames(frames, res)
    assert_same_frames(expected, frames, scene)


def _stitched(file: Path, scene: str, media: Path, parts: int, **options: object) -> list[dict[str, str]]:
    plan = driver("plan", scene_req(file, scene, media / "plan", **options))
    partials = []
    for k, (a, b) in enumerate(split(len(plan["plays"]), parts)):
        res = driver("render", {**scene_req(file, scene, media / f"seg{k}", **options), "from": a, "to": b})
        partials += res["partials"]
    assert [p["index"] for p in partials] == [p["index"] for p in plan["plays"] if not p["skipped"]]
    for p in partials:
        assert p["frames"] == plan["plays"][p["index"]]["frames"]
    req = {
        **scene_req(file, scene, media / "stitch", **options),
        "outDir": str(media / "out"),
        "partials": partials,
        "plays": plan["plays"],
        "sections": plan["sections"],
        "sounds": plan["sounds"],
    }
    return driver("stitch", req)["outputs"]


@pytest.mark.parametrize("scene", ["DtRotate", "WaitUntil", "Frozen"])
def test_mp4_stitch_equals_cli(scene: str, media: Path) -> None:
    manim_cli(UPDATERS, scene, media / "cli", "--encoder-option", "threads=1")
    expected = media / "cli" / "videos" / "updaters" / "90p15" / f"{scene}.mp4"
    outputs = _stitched(UPDATERS, scene, media, 3, format="mp4")
    movie = [o["path"] for o in outputs if o["kind"] == "movie"]
    assert len(movie) == 1 and movie[0].endswith(f"{scene}.mp4")
    got, want = framemd5(movie[0]), framemd5(expected)
    assert len(got) == len(want)
    assert got == want


def test_sections_and_sound_stitch_equals_cli(media: Path) -> None:
    file = SCENES / "sections_sounds.py"
    manim_cli(file, "SectionsSounds", media / "cli", "--encoder-option", "threads=1", "--save_sections")
    cli_dir = media / "cli" / "videos" / "sections_sounds" / "90p15"
    outputs = _stitched(file, "SectionsSounds", media, 2, format="mp4", saveSections=True)
    by_kind: dict[str, list[str]] = {}
    for o in outputs:
        by_kind.setdefault(o["kind"], []).append(o["path"])
    # framemd5 covers every stream: video frames and the mixed audio
    assert framemd5(by_kind["movie"][0]) == framemd5(cli_dir / "SectionsSounds.mp4")
    sections = sorted(Path(p).name for p in by_kind["section"])
    assert sections == sorted(p.name for p in (cli_dir / "sections").glob("*.mp4"))
    for name in sections:
        got = next(p for p in by_kind["section"] if Path(p).name == name)
        assert framemd5(got) == framemd5(cli_dir / "sections" / name)
    index = Path(by_kind["sectionsIndex"][0])
    assert index.read_text() == (cli_dir / "sections" / "SectionsSounds.json").read_text()


def test_a_render_to_the_scene_end_reports_its_sections_and_sounds(media: Path) -> None:
    """What a plan made from an earlier version of the files is checked against (finish.ts)."""
    file = SCENES / "sections_sounds.py"
    plan = driver("plan", scene_req(file, "SectionsSounds", media / "plan"))
    last = len(plan["plays"]) - 1

    def render_to(end: int, name: str) -> dict[str, object]:
        # as the node runs a segment: open-ended, its end in the stop file
        stop = media / f"{name}.stop"
        stop.write_text(f"{end} final")
        req = {"from": last if end == last else 0, "to": -1, "stopFile": str(stop), "progressFile": str(media / f"{name}.progress")}
        return driver("render", {**scene_req(file, "SectionsSounds", media / name), **req})

    assert render_to(last, "end")["ending"] == {
        "sections": plan["sections"],
        "sounds": plan["sounds"],
        "playSections": [p["section"] for p in plan["plays"]],
    }
    assert len(plan["sections"]) > 1 and plan["sounds"]
    # one stopped before the scene's end has not seen all of them
    assert "ending" not in render_to(last - 1, "before")


def test_gif_stitch_equals_cli(media: Path) -> None:
    manim_cli(UPDATERS, "Frozen", media / "cli", "--encoder-option", "threads=1", "--format", "gif")
    expected = next((media / "cli" / "videos" / "updaters" / "90p15").glob("Frozen*.gif"))
    outputs = _stitched(UPDATERS, "Frozen", media, 2, format="gif")
    movie = next(o["path"] for o in outputs if o["kind"] == "movie")
    assert Path(movie).name == expected.name
    assert framemd5(movie) == framemd5(expected)


def _write_whole(path: Path, text: str) -> None:
    """As the node writes range files: whole, then renamed (the render polls them)."""
    import os

    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def test_open_ended_render_goes_on_while_its_node_moves_the_end(media: Path) -> None:
    """The node moves a tentative end on (it took the next segment), then makes it final."""
    import json
    import subprocess
    import time

    from conftest import PY, env

    stop, progress = media / "stop", media / "progress"
    stop.write_text("1")  # tentative: the render waits at play 2 for the node's answer
    req = {**scene_req(UPDATERS, "DtRotate", media / "seg"), "from": 1, "to": -1, "stopFile": str(stop), "progressFile": str(progress)}
    proc = subprocess.Popen([PY, "-m", "nn_driver", "render"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env())
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(req))
    proc.stdin.close()
    seen: list[int] = []
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        text = progress.read_text() if progress.exists() else ""
        play = int(text.split()[0]) if text else -1
        if play not in seen and play >= 0:
            seen.append(play)
        if play == 2 and stop.read_text() == "1":
            _write_whole(stop, "2")  # moved on by one play
        if play == 3:
            _write_whole(stop, "2 final")
        time.sleep(0.01)
    assert proc.stdout is not None
    result = json.loads(proc.stdout.read().strip().splitlines()[-1])
    assert result["ok"], result
    assert result["lastPlay"] == 2
    assert [p["index"] for p in result["partials"]] == [1, 2]
    assert 2 in seen and 3 in seen  # it reported each play it reached, the one it stopped at too


def _start_scout(scene: str, media: Path, **extra: str) -> subprocess.Popen[str]:
    """A scouting render of ``scene`` (from play 0, open-ended) with its range files in ``media``."""
    import json

    from conftest import PY, env

    req = {
        **scene_req(UPDATERS, scene, media / "scout"),
        "from": 0,
        "to": -1,
        "startFile": str(media / "start"),
        "stopFile": str(media / "stop"),
        "progressFile": str(media / "progress"),
        **extra,
    }
    proc = subprocess.Popen([PY, "-m", "nn_driver", "render"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env())
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps(req))
    proc.stdin.close()
    return proc


@pytest.mark.parametrize("scene", ["Traced", "Frozen"])
def test_scout_hands_over_to_the_copy_it_left_at_its_start(media: Path, scene: str) -> None:
    """A scout fast-forwards through the scene leaving paused copies, and says what each play took
    it and what a frame in its middle took to draw (in a play with updaters, drawn as it steps; in
    one without, stepped to and drawn); given its start at the end, the copy there renders exactly
    what a render of that range renders."""
    import json
    import time

    start, stop, progress = media / "start", media / "stop", media / "progress"
    proc = _start_scout(scene, media)
    assert proc.stdout is not None
    planned = driver("plan", scene_req(UPDATERS, scene, media / "plan"))["plays"]
    plays = len(planned)
    deadline = time.monotonic() + 120
    while not (progress.exists() and int(progress.read_text().split()[0]) == plays - 1) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # past the last play: waiting for its start
    assert proc.poll() is None
    # at the last play it reports what its fast-forward took over each play before it (CPU seconds)
    words = progress.read_text().split()
    assert words[2] == "scouting"
    forwarded = [float(s) for s in words[3].split(",")]
    assert len(forwarded) == plays - 1 and all(s > 0 for s in forwarded), words
    # and what a frame in each play's middle took to draw (a frozen wait's one frame: none)
    draws = [float(s) for s in words[4].split(",")]
    assert len(draws) == plays - 1 and all(s > 0 for s, p in zip(draws, planned, strict=False) if not p["frozen"]), words
    _write_whole(stop, "2 final")
    _write_whole(start, "1")
    result = json.loads(proc.stdout.read().strip().splitlines()[-1])
    assert result["ok"], result
    assert [p["index"] for p in result["partials"]] == [1, 2]
    ref = driver("render", {**scene_req(UPDATERS, scene, media / "ref"), "from": 1, "to": 2})
    for ours, theirs in zip(result["partials"], ref["partials"], strict=True):
        assert framemd5(ours["path"]) == framemd5(theirs["path"])


def test_a_scout_told_to_start_inside_a_play_draws_its_last_frames_then_goes_on(media: Path) -> None:
    """A start of "P head K of N" (the share after a cut inside play P): the woken copy draws play
    P's frames K.. into its head file and plays after it whole; with the first K frames encoded
    before them, play P is the full render's, and so are the plays after it."""
    import json
    import time

    start, stop, progress = media / "start", media / "stop", media / "progress"
    plays = driver("plan", scene_req(UPDATERS, "Traced", media / "plan"))["plays"]
    n, k = plays[1]["frames"], plays[1]["frames"] // 3
    proc = _start_scout("Traced", media, headFile=str(media / "head.bin"))
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    while not (progress.exists() and int(progress.read_text().split()[0]) == len(plays) - 1) and time.monotonic() < deadline:
        time.sleep(0.05)
    _write_whole(stop, "2 final")
    _write_whole(start, f"1 head {k} of {n}")
    result = json.loads(proc.stdout.read().strip().splitlines()[-1])
    assert result["ok"], result
    assert [p["index"] for p in result["partials"]] == [2]
    assert (result["slice"]["play"], result["slice"]["first"], result["slice"]["frames"]) == (1, k, n - k)
    ref = driver("render", {**scene_req(UPDATERS, "Traced", media / "ref"), "from": 1, "to": 2})
    assert framemd5(result["partials"][0]["path"]) == framemd5(ref["partials"][1]["path"])
    first = {**scene_req(UPDATERS, "Traced", media / "first"), "from": 1, "to": 1, "slice": {"first": 0, "end": k, "playFrames": n, "file": str(media / "first.bin")}}
    driver("render", first)
    encode = {**scene_req(UPDATERS, "Traced", media / "enc"), "outDir": str(media / "encoded"), "index": 1, "slices": [str(media / "first.bin"), result["slice"]["path"]]}
    assert framemd5(driver("encode-play", encode)["path"]) == framemd5(ref["partials"][0]["path"])


def test_planning_scout_plans_then_renders_its_share_from_an_exact_copy(media: Path) -> None:
    """The planning pass as a scout: it writes the plan (what the plan command says), with copies
    left only while its state is exact (before the first play with updaters); the copy nearest
    its start renders exactly what a render of that range renders."""
    import json
    import time

    start, stop, plan_file = media / "start", media / "stop", media / "plan.json"
    proc = _start_scout("Frozen", media, planFile=str(plan_file))
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    while not plan_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    plan = json.loads(plan_file.read_text())
    ref_plan = driver("plan", scene_req(UPDATERS, "Frozen", media / "plan"))
    assert [(p["index"], p["frames"]) for p in plan["plays"]] == [(p["index"], p["frames"]) for p in ref_plan["plays"]]
    assert plan["totalFrames"] == ref_plan["totalFrames"]
    assert plan["reach"] == 3  # play 3 is the first with an updater: its copy is the last exact one
    assert proc.poll() is None  # waiting for its start
    _write_whole(stop, "5 final")
    _write_whole(start, "4")  # the copy at play 3 fast-forwards over it, per frame
    result = json.loads(proc.stdout.read().strip().splitlines()[-1])
    assert result["ok"], result
    assert [p["index"] for p in result["partials"]] == [4, 5]
    ref = driver("render", {**scene_req(UPDATERS, "Frozen", media / "ref"), "from": 4, "to": 5})
    for ours, theirs in zip(result["partials"], ref["partials"], strict=True):
        assert framemd5(ours["path"]) == framemd5(theirs["path"])


def test_a_render_reports_the_frames_it_draws_inside_a_long_play(media: Path) -> None:
    """A lead the scene is cut for while it draws a long play counts as that far into it."""
    import json
    import time

    from conftest import PY, env

    progress = media / "progress"
    # a lead: open-ended, its stop file not written yet
    req = {**scene_req(SCENES / "long_play.py", "LongPlay", media / "seg"), "from": 0, "to": -1, "stopFile": str(media / "stop"), "progressFile": str(progress)}
    proc = subprocess.Popen([PY, "-m", "nn_driver", "render"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env())
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(req))
    proc.stdin.close()
    seen: set[tuple[int, int]] = set()
    while proc.poll() is None:
        text = progress.read_text() if progress.exists() else ""
        if text:
            play, drawn = text.split()[:2]
            seen.add((int(play), int(drawn)))
        time.sleep(0.02)
    assert proc.stdout is not None
    result = json.loads(proc.stdout.read().strip().splitlines()[-1])
    assert result["ok"], result
    frames = result["partials"][0]["frames"]
    inside = sorted(d for p, d in seen if p == 0 and 0 < d < frames)
    assert len(inside) >= 2, (seen, frames)  # more than once, as it went
