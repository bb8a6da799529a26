"""What a run records about a scene: its plays, sections and sounds.

The fast-forward tap fills these while a scene runs (fast_forward.py); a plan is
made of them (describe.py) and the stitcher takes sections and sounds back in the
same shape (protocol.py, stitch.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from manim import Scene

    from .encode_play import EncodeSamples


@dataclass
class PlayRecord:
    index: int
    run_time: float
    frames: int  # video frames written (a frozen wait repeats one frame)
    images: int  # png-sequence files written (a frozen wait writes one)
    frame_start: int
    image_start: int
    frozen: bool
    section: int
    skipped: bool
    time_based: bool
    wait_until: bool
    fast_forwarded: bool
    start_time: float
    partial: str | None
    pure: bool
    mobjects: int  # mobjects with points on screen after the play
    points: int  # their bezier points: with mobjects, what a frame costs to draw
    step_seconds: float  # one frame's step in the middle of the play, else its skip-path step, timed (0 when not taken)
    draw_seconds: float  # rasterising a frame in its middle (else its last), timed in a planning pass or by a scout (0 when not)
    # In CPU time, what the cost model weighs: on a capped or busy machine the wall clock stretches
    # unevenly, and a TeX compile (other processes, shared through the farm's TeX cache) is left out.
    code_seconds: float  # the scene's own code since the previous play (building mobjects), timed
    seconds: float  # the play itself in this run, timed (in a plan: starting its animations, one step)
    key: str | None = None  # its play-cache key, when sure (key_tap.py)
    # encoding that frame alone, timed at the end of a planning pass for the costliest plays (0 when not)
    encode_seconds: float = 0.0
    # the share of pixels a frame in its middle changes, in a planning pass (middle.py)
    motion: float = 0.0
    # taken by a planning pass's shortcut and timings: its seconds are not what a segment pays
    planned: bool = False

    @property
    def cpu_seconds(self) -> float:
        """What it took in this run, the code before it included: drawing it in a render (animations,
        frames, encoding: remembered costs), fast-forwarding over it in a scout (cutting/forwarded.ts)."""
        return self.code_seconds + self.seconds


@dataclass
class SectionRecord:
    name: str
    type: str
    skip: bool
    plays: int = 0


@dataclass(frozen=True)
class SoundRecord:
    time: float
    file: str
    gain: float | None
    gain_to_background: float | None


def drawing_load(scene: Scene) -> tuple[int, int]:
    """(mobjects with points, bezier points) on screen: the Python and Cairo cost of one frame."""
    counts = [len(getattr(m, "points", ())) for m in scene.get_mobject_family_members()]
    return sum(1 for n in counts if n), sum(counts)


class SceneRecord(Protocol):
    """A scene's run as recorded play by play (SceneTap is one)."""

    plays: list[PlayRecord]
    sounds: list[SoundRecord]
    frames: int
    images: int
    encode_samples: EncodeSamples

    def finished_sections(self) -> list[SectionRecord]: ...
