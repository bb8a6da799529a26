"""Helpers: run the driver and the real manim CLI as separate processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
# tests that check a module directly import it from here
sys.path.insert(0, str(ROOT / "driver"))
PY = str(ROOT / ".venv" / "bin" / "python")
# `python -m manim`: a copied venv's `manim` script names the Python it was installed with
MANIM = [PY, "-m", "manim"]
SCENES = Path(__file__).resolve().parent / "scenes"
RES = [160, 90]


def env() -> dict[str, str]:
    e = dict(os.environ)
    e.update(PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1", PYTHONPATH=str(ROOT / "driver"))
    return e


def driver(cmd: str, req: dict[str, Any], check: bool = True, extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    e = env()
    if extra_env is not None:
        e.update(extra_env)
        e = {k: v for k, v in e.items() if v != "<unset>"}
    proc = subprocess.run(
        [PY, "-m", "nn_driver", cmd], input=json.dumps(req), capture_output=True, text=True, env=e, timeout=600
    )
    lines = proc.stdout.strip().splitlines()
    assert lines, f"no stdout; stderr:\n{proc.stderr}"
    result = json.loads(lines[-1])
    assert len(lines) == 1, f"stdout must hold only the JSON line: {proc.stdout!r}"
    if check:
        assert result["ok"], f"{result}\n{proc.stderr}"
        assert proc.returncode == 0
    else:
        assert (proc.returncode == 0) == result["ok"]
    return result


def manim_cli(file: Path, scene: str, media: Path, *args: str) -> None:
    cmd = [*MANIM, "render", str(file.name), scene, "-ql", "-r", "160,90", "--media_dir", str(media), "--disable_caching", *args]
    proc = subprocess.run(cmd, cwd=file.parent, capture_output=True, text=True, env=env(), timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def cli_png_frames(file: Path, scene: str, media: Path, *args: str) -> list[Path]:
    manim_cli(file, scene, media, "--format", "png-sequence", *args)
    folder = media / "images" / file.stem / scene
    return sorted(folder.glob("*.png"))


def pixels(path: str | Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGBA"))


def collect_frames(frames: dict[int, str], res: dict[str, Any]) -> None:
    """Adds a segment's PNG frames by their global number; no two segments may draw the same one."""
    for f in res["frames"]:
        assert f["index"] not in frames
        frames[f["index"]] = f["path"]


def assert_same_frames(expected: list[Path], frames: dict[int, str], scene: str) -> None:
    """Every frame of a full CLI render, pixel for pixel, and no other."""
    assert sorted(frames) == list(range(len(expected)))
    for i, path in enumerate(expected):
        assert np.array_equal(pixels(path), pixels(frames[i])), f"{scene}: frame {i} differs"


def scene_req(file: Path, scene: str, media: Path, **options: Any) -> dict[str, Any]:
    opts = {"quality": "l", "resolution": RES, **options}
    return {"file": str(file), "cwd": str(file.parent), "scene": scene, "mediaDir": str(media), "options": opts}


def split(n: int, parts: int) -> list[tuple[int, int]]:
    """Contiguous play ranges covering 0..n-1."""
    parts = max(1, min(parts, n))
    bounds = [round(i * n / parts) for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1] - 1) for i in range(parts)]


def framemd5(path: str | Path) -> list[str]:
    proc = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "framemd5", "-"], capture_output=True, text=True, check=True
    )
    return [line for line in proc.stdout.splitlines() if not line.startswith("#")]


@pytest.fixture
def media(tmp_path: Path) -> Path:
    return tmp_path


class Server:
    """A warm ``serve`` driver: each request still runs in its own forked process."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [PY, "-m", "nn_driver", "serve"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env(),
        )
        self.count = 0

    def ask(self, cmd: str, req: dict[str, Any], check: bool = True) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.count += 1
        self.proc.stdin.write(json.dumps({"id": self.count, "cmd": cmd, **req}) + "\n")
        self.proc.stdin.flush()
        res = json.loads(self.proc.stdout.readline())
        assert res["id"] == self.count
        if check:
            assert res["ok"], res
        return res

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def cache_files(plan: dict[str, Any], plan_media: Path) -> list[dict[str, str]]:
    return [{"path": f, "source": str(plan_media / f)} for f in plan["texFiles"]]
