"""A scene without plays gives manim's still PNG; the doctor's smoke render proves the stack."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import SCENES, driver, manim_cli, pixels, scene_req

STILL = SCENES / "still.py"


def test_still_equals_manim_default_format(media: Path) -> None:
    manim_cli(STILL, "Diagram", media / "cli")  # no --format: manim's auto
    expected = media / "cli" / "images" / "still" / "Diagram_ManimCE_v0.22.0.png"
    # the plan has no plays; a render of the scene neither fails nor draws
    plan = driver("plan", scene_req(STILL, "Diagram", media / "plan"))
    assert plan["plays"] == [] and plan["totalFrames"] == 0
    stop = media / "stop"
    stop.write_text("-1 final")
    lead = driver("render", {**scene_req(STILL, "Diagram", media / "lead"), "from": 0, "to": -1, "stopFile": str(stop)})
    assert lead["partials"] == [] and lead["lastPlay"] == -1 and lead["plan"]["plays"] == []
    res = driver("still", scene_req(STILL, "Diagram", media / "still"))
    assert np.array_equal(pixels(res["path"]), pixels(expected))


def test_smoke_renders_every_feature() -> None:
    res = driver("smoke", {})
    assert [f["feature"] for f in res["features"]] == ["images", "SVG", "Text", "MathTex", "3D scene"]
    for f in res["features"]:
        assert f["ok"], f
        assert f["bytes"] > 0
