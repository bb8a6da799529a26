"""Errors point at the user's line; the warm server survives its children."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import PY, SCENES, driver, env, scene_req


def test_scene_error_points_at_user_line(media: Path) -> None:
    res = driver("plan", scene_req(SCENES / "broken.py", "Broken", media, format="png-sequence"), check=False)
    assert res["ok"] is False
    err = res["error"]
    assert err["type"] == "SceneError"
    assert "NameError" in err["message"] and "undefined_name_here" in err["message"]
    assert err["file"] == str(SCENES / "broken.py")
    assert err["line"] == 8
    assert "Traceback" in err["traceback"]


def test_machine_faults_are_told_apart_from_scene_errors(media: Path, tmp_path: Path) -> None:
    """A package missing on this node, memory or disk run out: another node may render it."""
    (tmp_path / "local_helper.py").write_text("import nn_not_installed_anywhere\n")
    (tmp_path / "local_ok.py").write_text("x = 1\n")
    cases = {
        "import nn_not_installed_anywhere": "MachineFault",
        "raise MemoryError()": "MachineFault",
        "import errno; raise OSError(errno.ENOSPC, 'No space left on device')": "MachineFault",
        # the project's own module, wrongly used, is the scene's fault
        "from local_ok import nope": "SceneError",
        "raise ValueError('mine')": "SceneError",
    }
    for i, (line, kind) in enumerate(cases.items()):
        file = tmp_path / f"s{i}.py"
        file.write_text(f"from manim import *\n\nclass S(Scene):\n    def construct(self):\n        {line}\n")
        res = driver("plan", scene_req(file, "S", media / str(i), format="png-sequence"), check=False)
        assert res["error"]["type"] == kind, (line, res["error"])
    (tmp_path / "own.py").write_text("from manim import *\nimport local_helper\n\nclass S(Scene):\n    def construct(self):\n        pass\n")
    res = driver("plan", scene_req(tmp_path / "own.py", "S", media / "own", format="png-sequence"), check=False)
    assert res["error"]["type"] == "MachineFault"  # local_helper imports a package this node lacks


def test_bad_requests(media: Path) -> None:
    res = driver("plan", {"file": "relative.py"}, check=False)
    assert res["error"]["type"] == "BadRequest"
    res = driver("plan", scene_req(SCENES / "broken.py", "Nope", media), check=False)
    assert res["error"]["type"] == "SceneNotFound"
    req = scene_req(SCENES / "broken.py", "Broken", media)
    res = driver("plan", req, check=False, extra_env={"PYTHONHASHSEED": "<unset>"})
    assert res["error"]["type"] == "BadRequest" and "PYTHONHASHSEED" in res["error"]["message"]


def test_serve_sequence_and_crash(media: Path) -> None:
    proc = subprocess.Popen(
        [PY, "-m", "nn_driver", "serve"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env(),
    )
    assert proc.stdin is not None and proc.stdout is not None

    def ask(rid: str, cmd: str, req: dict) -> dict:
        proc.stdin.write(json.dumps({"id": rid, "cmd": cmd, **req}) + "\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())

    try:
        upd = SCENES / "updaters.py"
        a = ask("a", "plan", scene_req(upd, "Frozen", media / "a", format="png-sequence"))
        b = ask("b", "render", {**scene_req(upd, "DtRotate", media / "b", format="png-sequence"), "from": 1, "to": 2})
        assert a["id"] == "a" and a["ok"] and len(a["plays"]) == 6
        assert b["id"] == "b" and b["ok"] and b["frames"]
        c = ask("c", "plan", scene_req(SCENES / "crash.py", "Segfault", media / "c", format="png-sequence"))
        assert c["id"] == "c" and c["ok"] is False and c["error"]["type"] == "WorkerCrashed"
        assert "SIGSEGV" in c["error"]["message"]
        d = ask("d", "plan", scene_req(SCENES / "crash.py", "HardExit", media / "d", format="png-sequence"))
        assert d["ok"] is False and d["error"]["type"] == "WorkerCrashed"
        e = ask("e", "plan", scene_req(SCENES / "broken.py", "Broken", media / "e", format="png-sequence"))
        assert e["error"]["type"] == "SceneError" and e["error"]["line"] == 8
        f = ask("f", "plan", scene_req(upd, "Frozen", media / "f", format="png-sequence"))
        # the same plan again, but for the timings (measurements, not part of the scene)
        def untimed(plays: list[dict]) -> list[dict]:
            return [{k: v for k, v in p.items() if k not in ("stepSeconds", "drawSeconds", "codeSeconds", "seconds")} for p in plays]

        assert f["ok"] and untimed(f["plays"]) == untimed(a["plays"])
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_serve_runs_requests_side_by_side_and_cancels_one(media: Path) -> None:
    """One server for all of a node's slots: a request that never ends does not hold up the next,
    replies come by id as requests end, and a cancel is answered once the request's child is gone."""
    proc = subprocess.Popen(
        [PY, "-m", "nn_driver", "serve"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env(),
    )
    assert proc.stdin is not None and proc.stdout is not None

    def send(obj: dict) -> None:
        proc.stdin.write(json.dumps(obj) + "\n")
        proc.stdin.flush()

    hogs = SCENES / "hogs.py"
    try:
        send({"id": "loop", "cmd": "plan", **scene_req(hogs, "LoopInConstruct", media / "loop", format="png-sequence")})
        send({"id": "fine", "cmd": "plan", **scene_req(hogs, "Fine", media / "fine", format="png-sequence")})
        fine = json.loads(proc.stdout.readline())
        assert fine["id"] == "fine" and fine["ok"] and len(fine["plays"]) == 1
        # the looping request's child is still there (its own process group) until it is cancelled
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) == 1
        send({"cancel": "loop"})
        # the answer comes once the child is dead: the node deletes the request's folders next
        cancelled = json.loads(proc.stdout.readline())
        assert cancelled["id"] == "loop" and not cancelled["ok"] and cancelled["error"]["type"] == "Cancelled"
        assert subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True).returncode != 0
        # the server goes on: the next line is the next request's
        send({"id": "after", "cmd": "plan", **scene_req(hogs, "Fine", media / "after", format="png-sequence")})
        after = json.loads(proc.stdout.readline())
        assert after["id"] == "after" and after["ok"]
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
