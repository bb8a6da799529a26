"""What the planning pass times and what a render records are both CPU time: the model's units."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SCENES, driver, scene_req

IDLE = SCENES / "idle_code.py"


def test_plan_and_render_time_cpu_not_waits(media: Path) -> None:
    # The cost model weighs plays by CPU time: a wait in the scene's code (a TeX compile in other
    # processes, shared through the farm's cache, or a machine's CPU cap) is no cost of the play.
    plan = driver("plan", scene_req(IDLE, "IdleCode", media / "plan", format="mp4"))
    assert plan["plays"][1]["codeSeconds"] < 0.4, plan["plays"][1]
    # What drawing the play took, remembered for the next render's cut, in the same units as the
    # fast-forward it is weighed against: on a capped machine the wall clock would stretch drawing
    # alone (2.2 times on the lab's 0.45 CPU), and a later render's cut would give the share that
    # fast-forwards far too much.
    render = driver("render", {**scene_req(IDLE, "IdleCode", media / "render", format="mp4"), "from": 0, "to": 1})
    seconds = {p["index"]: p["seconds"] for p in render["partials"]}
    assert 0 < seconds[1] < 0.6, seconds


def test_plan_times_a_frame_step_not_a_one_off(media: Path) -> None:
    # A play's step stands for each of its frames' Python: an updater's one-off on its first call
    # (0.3 s here) would make every later segment's fast-forward over the play look 30 frames of it.
    plan = driver("plan", scene_req(SCENES / "sampled.py", "OneOff", media, format="mp4"))
    assert plan["plays"][0]["stepSeconds"] < 0.05, plan["plays"][0]


def test_plan_times_a_frame_step_once_its_first_uses_are_past(media: Path) -> None:
    # A scene's first play with updaters often meets first uses on several frames running (a live
    # readout builds each digit's glyph once): what a render's fast-forward pays per frame is the
    # step after them.
    plan = driver("plan", scene_req(SCENES / "sampled.py", "Warming", media, format="mp4"))
    assert plan["plays"][0]["stepSeconds"] < 0.01, plan["plays"][0]


@pytest.mark.parametrize("fmt", ["mp4", "png-sequence"])
def test_plan_times_a_frame_drawn_not_a_first_draw_one_off(media: Path, fmt: str) -> None:
    # A play's drawn frame stands for each of its frames: the first drawing of a new mobject (0.3 s
    # here) would make the play look 30 frames of it to the cutter, which gives its share too little.
    plan = driver("plan", scene_req(SCENES / "sampled.py", "FirstDraw", media, format=fmt))
    assert plan["plays"][0]["drawSeconds"] < 0.05, plan["plays"][0]
