"""What the planning pass times is what a segment's CPU pays; what a render records is what it took."""

from __future__ import annotations

from pathlib import Path

from conftest import SCENES, driver, scene_req

IDLE = SCENES / "idle_code.py"


def test_plan_times_cpu_and_render_records_wall_time(media: Path) -> None:
    # The cost model weighs plays by CPU time: a wait in the scene's code (a TeX compile in other
    # processes, shared through the farm's cache, or a machine's CPU cap) is no cost of the play.
    plan = driver("plan", scene_req(IDLE, "IdleCode", media / "plan", format="mp4"))
    assert plan["plays"][1]["codeSeconds"] < 0.4, plan["plays"][1]
    # What drawing the play took, remembered for the next render's cut: the wall clock, the wait too.
    render = driver("render", {**scene_req(IDLE, "IdleCode", media / "render", format="mp4"), "from": 0, "to": 1})
    seconds = {p["index"]: p["seconds"] for p in render["partials"]}
    assert seconds[1] >= 0.8, seconds
