"""still: the driver's `--format png` is manim's own last-frame image, pixel for pixel."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from conftest import SCENES, driver, manim_cli, pixels, scene_req

UPDATERS = SCENES / "updaters.py"


def test_still_equals_manim_format_png(media: Path) -> None:
    # a scene with a dt-updater: manim skips every play of a still, and so must the driver
    res = driver("still", scene_req(UPDATERS, "DtRotate", media / "still", format="png", seed=5))
    manim_cli(UPDATERS, "DtRotate", media / "cli", "--format", "png", "--seed", "5")
    (expected,) = (media / "cli" / "images" / "updaters").glob("*.png")
    assert Path(res["path"]).name == expected.name == "DtRotate_ManimCE_v0.22.0.png"
    assert np.array_equal(pixels(res["path"]), pixels(expected))


def test_still_honours_a_play_range(media: Path) -> None:
    res = driver("still", scene_req(UPDATERS, "DtRotate", media / "still", format="png", plays=[0, 1]))
    manim_cli(UPDATERS, "DtRotate", media / "cli", "--format", "png", "-n", "0,1")
    (expected,) = (media / "cli" / "images" / "updaters").glob("*.png")
    assert np.array_equal(pixels(res["path"]), pixels(expected))


def test_plan_and_render_refuse_a_still(media: Path) -> None:
    res = driver("plan", scene_req(UPDATERS, "DtRotate", media, format="png"), check=False)
    assert not res["ok"] and "still command" in res["error"]["message"]
    res = driver("still", scene_req(UPDATERS, "DtRotate", media, format="png-sequence"), check=False)
    assert not res["ok"] and "format png only" in res["error"]["message"]
