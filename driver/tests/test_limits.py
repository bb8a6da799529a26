"""Render limits: a scene that loops, hogs memory or writes too much fails with the limit named,
and the warm server (and the next scene) carry on."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from conftest import SCENES, Server, scene_req

HOGS = SCENES / "hogs.py"


def limited(scene: str, media: Path, **limits: float) -> dict:
    return {**scene_req(HOGS, scene, media, format="png-sequence"), "limits": limits}


def assert_limit(res: dict, words: str) -> None:
    assert res["ok"] is False, res
    assert res["error"]["type"] == "LimitExceeded", res["error"]
    assert words in res["error"]["message"], res["error"]["message"]


def test_loops_hit_the_wall_time_limit_and_the_server_goes_on(server: Server, media: Path) -> None:
    for i, scene in enumerate(["LoopInConstruct", "LoopInUpdater"]):
        res = server.ask("render", {**limited(scene, media / str(i), wallSeconds=3), "from": 0, "to": 3}, check=False)
        assert_limit(res, "the segment exceeded its wall-time limit of 3 s")
    ok = server.ask("render", {**limited("Fine", media / "ok", wallSeconds=60), "from": 0, "to": 0})
    assert ok["frames"]


def test_a_loop_at_import_time_hits_the_limit_when_the_file_is_loaded(media: Path) -> None:
    os.environ["NN_TEST_LOOP_AT_IMPORT"] = "1"
    try:
        s = Server()  # the environment is read in the forked child, at import
    finally:
        del os.environ["NN_TEST_LOOP_AT_IMPORT"]
    try:
        res = s.ask("list", {"file": str(HOGS), "cwd": str(HOGS.parent), "limits": {"wallSeconds": 2}}, check=False)
        assert_limit(res, "loading the scene file exceeded its wall-time limit of 2 s")
    finally:
        s.close()


def test_a_memory_hog_fails_with_the_memory_limit_named(server: Server, media: Path) -> None:
    res = server.ask("plan", limited("MemoryHog", media, memoryMB=2048), check=False)
    assert_limit(res, "the scene used more than 2048 MB of memory")
    assert "hogs.py" in res["error"]["traceback"]
    assert server.ask("plan", limited("Fine", media / "ok", memoryMB=2048))["plays"]


def test_a_file_past_the_size_limit_fails_with_the_limit_named(server: Server, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(HOGS, project / "hogs.py")
    req = {**scene_req(project / "hogs.py", "BigFile", tmp_path / "media", format="png-sequence"), "limits": {"fileMB": 16}}
    assert_limit(server.ask("plan", req, check=False), "the render wrote a file larger than 16 MB")
    assert (project / "big.bin").stat().st_size <= 16 * 1024 * 1024


def test_what_a_killed_scene_started_dies_with_it(server: Server, tmp_path: Path) -> None:
    pid_file = tmp_path / "sleep.pid"
    os.environ["NN_TEST_PID_FILE"] = str(pid_file)
    s = Server()
    del os.environ["NN_TEST_PID_FILE"]
    try:
        res = s.ask("plan", limited("SpawnsAndLoops", tmp_path / "m", wallSeconds=3), check=False)
        assert_limit(res, "wall-time limit")
        pid = int(pid_file.read_text())
        deadline = time.monotonic() + 10
        while Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split(") ")[1][:1]:
            assert time.monotonic() < deadline, "the scene's subprocess outlived it"
            time.sleep(0.1)
    finally:
        s.close()
