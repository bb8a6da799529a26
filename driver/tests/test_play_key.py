"""Play keys: the same play gets the same key in a plan and in any render, on any process."""

from __future__ import annotations

from pathlib import Path

from conftest import SCENES, driver, scene_req

UPDATERS = SCENES / "updaters.py"


def _plan_keys(scene: str, media: Path, **options: object) -> list[str | None]:
    plan = driver("plan", {**scene_req(UPDATERS, scene, media, **options), "keyed": True})
    return [p["key"] for p in plan["plays"]]


def test_plan_and_segment_renders_agree(media: Path) -> None:
    for scene in ("Traced", "Frozen"):
        planned = _plan_keys(scene, media / f"{scene}-plan")
        assert all(planned), planned
        rendered: dict[int, str] = {}
        for a, b in ((0, 1), (2, len(planned) - 1)):
            req = {**scene_req(UPDATERS, scene, media / f"{scene}-{a}"), "from": a, "to": b, "keyed": True}
            rendered.update({p["index"]: p["key"] for p in driver("render", req)["partials"]})
        assert [rendered.get(i) for i in range(len(planned))] == planned, scene


def test_skip_path_keys_equal_drawn_ones(media: Path) -> None:
    """The exact pass takes manim's skip path for pure plays: the keys it gives equal those of a
    render that draws every play, on scenes of many animation kinds (so the cache hits)."""
    zoo = SCENES / "zoo.py"
    for file, scene in ((zoo, "Zoo"), (zoo, "ClockAfterPure"), (UPDATERS, "Frozen")):
        plan = driver("plan", {**scene_req(file, scene, media / f"{scene}-plan", seed=3), "keyed": True})
        assert any(p["pure"] for p in plan["plays"]), scene
        req = {**scene_req(file, scene, media / f"{scene}-all", seed=3), "from": 0, "to": len(plan["plays"]) - 1, "keyed": True}
        drawn = {p["index"]: p["key"] for p in driver("render", req)["partials"]}
        assert [p["key"] for p in plan["plays"]] == [drawn.get(i) for i in range(len(plan["plays"]))], scene


def test_random_updaters_key_on_the_seed_and_clock_readers_have_no_key(media: Path) -> None:
    seven = _plan_keys("Randomness", media / "a", seed=7)
    assert seven == _plan_keys("Randomness", media / "b", seed=7)
    assert not set(seven) & set(_plan_keys("Randomness", media / "c", seed=8))
    plan = driver("plan", {**scene_req(UPDATERS, "SceneTime", media / "d"), "keyed": True})
    assert all(p["key"] is None and "reads the scene" in p["uncachable"] for p in plan["plays"])


EDITED = '''
from functools import partial
from manim import *

STEP = {step}


def drift(mob, dt, dx):
    mob.shift(RIGHT * dx * dt)


class Edited(Scene):
    def construct(self):
        self.play(Create(VGroup(*[Square(0.2 + i / 10) for i in range(12)])))
        dot = Dot()
        dot.add_updater(partial(drift, dx=STEP))
        self.add(dot)
        self.wait(0.5)
'''


def test_an_edit_only_a_partial_holds_changes_that_plays_key_alone(tmp_path: Path, media: Path) -> None:
    """A value reached only through an updater's functools.partial (in its slots, not a __dict__)
    is content: editing it re-keys the plays it draws, and the play before it keeps its key."""
    keys = []
    for step in (0.5, 0.75):
        scene = tmp_path / "edited.py"
        scene.write_text(EDITED.format(step=step))
        plan = driver("plan", {**scene_req(scene, "Edited", media / str(step)), "keyed": True})
        keys.append([p["key"] for p in plan["plays"]])
    (first_before, wait_before), (first_after, wait_after) = keys
    assert first_before and wait_before and first_after and wait_after
    assert first_before == first_after
    assert wait_before != wait_after
