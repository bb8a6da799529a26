"""The exact fast-forward: per-frame time progression without pixels.

manim's own skip path (``-n``) gives time-based updaters one step of the whole run time and
advances the clock by the raw run time, so a segment starting mid-scene would differ from a full
render. Instead, plays before the segment run manim's normal rendered play path; only rasterising
(update_frame / get_frame, which also covers save_static_frame_data) and encoding (partial movie
files, frame writes) are switched off. The renderer clock still advances in add_frame,
update_mobjects(0) still runs after the play, and the skip state stays what a full render has, so
section skips and add_sound behave as they do in manim.

A pure play (purity.py) may instead take manim's own skip path (one update_to_time(run_time))
with the rendered clock and frame count: the same end state for a fraction of the cost. The cheap
plan takes it for every play: counts, clock, sounds and sections stay exact, updater-driven state
does not (the render checks the plan's counts against its own, see plan_check.py).

The patches are instance attributes on one scene and its renderer (here) and its
file writer (writer_patch.py), so nothing global in manim is changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from time import process_time
from typing import TYPE_CHECKING, Any, Literal

from .describe import describe
from .plan_check import check_play, check_unplanned
from .encode_play import EncodeSamples
from .middle import NO_SAMPLE, MiddleDraws, Sample, frame_count, sample_middle
from .frame_slice import Window, Windows, draw_window_frame
from .live_cut import LiveCut
from .purity import has_time_based_updaters, is_pure
from .range_files import RangeFiles
from .records import PlayRecord, SectionRecord, SoundRecord, drawing_load
from .scout import Scout
from .writer_patch import patch_writer

if TYPE_CHECKING:
    from manim import Scene


class NeedExactPlan(BaseException):
    """A stop_condition play met in a cheap pass: its frame count needs the per-frame progression
    (a BaseException so a user's ``except Exception`` cannot swallow it)."""


# How a fast-forwarded play moves time: "pure" = manim's skip path for pure plays, the
# per-frame progression for the others (exact to the bit, see purity.py); "all" = skip path
# for every play (the cheap plan: counts and clock exact, state after updaters not)
Shortcut = Literal["pure", "all"]


@dataclass
class SceneTap:
    """Patches one scene: plays with index < ``fast_until`` are fast-forwarded. ``expect`` maps
    play index to the plan's frame count; a play that draws another raises PlanMismatch (plan_check.py)."""

    scene: Scene
    fast_until: float
    shortcut: Shortcut = "pure"
    expect: dict[int, int] | None = None
    # Where an open-ended render ends, decided by its node while it runs (range_files.py).
    range_files: RangeFiles = field(default_factory=lambda: RangeFiles(None))
    # A scouting render fast-forwards, leaving a paused copy at each play, until its start is known.
    scout: Scout | None = None
    skip: frozenset[int] = frozenset()  # plays fast-forwarded after fast_until too (cached ones)
    windows: Windows = field(default_factory=Windows)  # slices of plays, drawn alone (frame_slice.py)
    live_cut: LiveCut = field(default_factory=LiveCut)  # a cut asked inside the play being drawn (live_cut.py)
    stopped: bool = False
    # Whether the scene's state is still the one a full render has: not after an impure play took
    # the skip path ("all"). A scout leaves paused copies only of an exact state.
    exact: bool = True
    plays: list[PlayRecord] = field(default_factory=list)
    sections: list[SectionRecord] = field(default_factory=list)
    sounds: list[SoundRecord] = field(default_factory=list)
    frames: int = 0
    images: int = 0
    drawn: int = 0  # frames this render drew itself (not fast-forwarded)
    fast: bool = False
    shortcuts: int = 0  # plays that took the skip path (for tests and logs)
    _pure: bool | None = None
    _step: float = 0.0
    _draw: float = 0.0
    _drawn: Any = None  # the planning pass's drawn frame of the play
    _sample: Sample = NO_SAMPLE  # what the planning pass or a scout sampled in the play's middle (middle.py)
    _middle: MiddleDraws | None = None  # a scout's draws in the middle of a play it steps frame by frame
    encode_samples: EncodeSamples = field(default_factory=EncodeSamples)
    _step_started: float = 0.0
    _ended: float = field(default_factory=process_time)  # when the previous play ended, in this process's CPU time (restarts in a forked child)
    _flip_on_render: bool = False
    _window: Window | None = None  # the window of the play being run

    def install(self) -> None:
        renderer = self.scene.renderer
        writer = renderer.file_writer
        # the writer's constructor already opened the "autocreated" section
        first = writer.sections[-1]
        self.sections.append(SectionRecord(first.name, str(first.type_), first.skip_animations))

        orig_play = renderer.play
        orig_render = renderer.render
        orig_play_internal = self.scene.play_internal
        orig_update_frame = renderer.update_frame
        orig_get_frame = renderer.get_frame
        orig_add_frame = renderer.add_frame
        orig_update_to_time = self.scene.update_to_time

        def play(scene: Scene, *args: Any, **kwargs: Any) -> None:
            began = process_time()
            index = renderer.num_plays
            if self.scout is not None:
                start = self.scout.at_play(index, self.exact)
                if start is not None:
                    self.windows.start_head(start, self.scout.head())
                    began = self._ended = process_time()  # a woken copy was paused: no play's cost
                    self.scout = None
                    self.fast_until = start
                    self.shortcut = "pure"  # a planning scout's copy renders on exactly
            self.range_files.progress(index, self.drawn, self.scout is not None, self.plays)
            self.stopped = self.range_files.stop_before(index)
            if self.stopped:
                from manim.utils.exceptions import EndSceneEarlyException

                check_unplanned(self.expect, index)
                raise EndSceneEarlyException()
            start = (renderer.time, self.frames, self.images, len(self.sections) - 1)
            time_based = has_time_based_updaters(self.scene)
            # a window's play writes no partial movie file: only its window's frames are drawn
            self._window = self.windows.at_play(index, self.range_files.tail(index), self.expect, self.fast_until)
            self.fast = index < self.fast_until or index in self.skip or self._window is not None
            self.live_cut.begin_play(index, self.frames)
            self._pure = None
            self._step, self._draw, self._drawn, self._sample, self._middle = 0.0, 0.0, None, NO_SAMPLE, None
            try:
                orig_play(scene, *args, **kwargs)
            finally:
                self.fast = False
                self._flip_on_render = False
                if self._window is not None:  # its frames complete: a head's node stores them now
                    self._window.close()
                self._window = None
            if self._pure is None:  # a frozen wait: play_internal did not run
                self._pure = is_pure(scene)
            if self._middle is not None:  # a scout's draws in the middle of the play it stepped
                self._sample = self._middle.sample()
            load = drawing_load(scene)
            self.sections[start[3]].plays += 1
            partials = writer.partial_movie_files
            self.plays.append(
                PlayRecord(
                    index=index,
                    run_time=float(scene.duration),
                    frames=self.frames - start[1], images=self.images - start[2],
                    frame_start=start[1], image_start=start[2],
                    frozen=bool(scene.animations) and bool(scene.is_current_animation_frozen_frame()),
                    section=start[3], skipped=bool(renderer.skip_animations),
                    time_based=time_based or has_time_based_updaters(self.scene),
                    wait_until=scene.stop_condition is not None, fast_forwarded=index < self.fast_until,
                    start_time=float(start[0]),
                    partial=partials[index] if index < len(partials) else None,
                    pure=self._pure,
                    mobjects=load[0], points=load[1],
                    step_seconds=self._step, draw_seconds=self._sample.drawing(self._draw),
                    motion=self._sample.motion,
                    planned=self.shortcut == "all",
                    code_seconds=began - self._ended, seconds=process_time() - began - self._sample.seconds,
                )
            )
            self.encode_samples.offer(self.plays[-1], self._drawn, writer)
            self._ended = process_time()
            check_play(self.expect, self.plays[-1])

        def draw_timed() -> float:
            began = process_time()
            orig_update_frame(self.scene, ignore_skipping=True)
            return process_time() - began

        def play_internal(skip_rendering: bool = False) -> None:
            scene = self.scene
            self._pure = is_pure(scene)
            if not self.fast or renderer.skip_animations or self._window is not None:
                # rendered, or skipped by manim itself (a skipped section)
                orig_play_internal(skip_rendering)
                return
            if scene.stop_condition is not None and self.shortcut == "all":
                raise NeedExactPlan()
            take = self.shortcut == "all" or (self.shortcut == "pure" and self._pure)
            if not take or skip_rendering or scene.skip_animation_preview:
                if self.scout is not None and not take:  # stepped frame by frame: its middle frames drawn on the way
                    self._middle = MiddleDraws(frame_count(scene.duration))
                orig_play_internal(skip_rendering)
                return
            self.exact = self.exact and self._pure
            if self.shortcut == "all":  # a frame drawn and stepped in its middle, timed (see the render hook)
                self._sample = sample_middle(scene, writer.output_spec.is_video, draw_timed, orig_get_frame, self._pure)
            elif self.scout is not None:  # its drawing sampled again, at another moment (middle.py)
                self._sample = sample_middle(scene, False, draw_timed, orig_get_frame, True)
            self._skip_path(orig_play_internal)

        def render(scene: Scene, time: float, moving_mobjects: Any = None) -> None:
            if self._flip_on_render:
                # the skip path's one step just ran update_to_time(run_time): from here on
                # the play is a rendered one again (last frame, then update_mobjects(0))
                self._flip_on_render = False
                # A frame's step of the play's animations and updaters, in CPU time (records.py says
                # why): the one timed in its middle (middle.py), else the skip step that just ran.
                self._step = process_time() - self._step_started if self._sample.step is None else self._sample.step
                if self.shortcut == "all":
                    # A planning pass: a frame's Cairo cost, timed in the play's middle (middle.py
                    # says why), else (one frame) its last. Drawing only changes the camera's pixels.
                    self._draw = self._sample.drawing(draw_timed())
                    self._drawn = orig_get_frame()
                renderer.skip_animations = False
                renderer.add_frame(None)
                return
            if self._middle is not None:
                self._middle.frame(draw_timed)
            if self._window is not None:
                draw_window_frame(self._window, self, scene, moving_mobjects, orig_update_frame, orig_get_frame)
                return
            if not self.fast and self.live_cut.stops_at(renderer.num_plays, self.frames) and self.live_cut.joined():
                self.fast = self.live_cut.join(writer, self.frames)  # the patched end_animation leaves the closed file be
            orig_render(scene, time, moving_mobjects)

        def update_to_time(t: float) -> None:
            w = self._window
            # a pure play's frame depends only on its time: frames before the slice need no step; past
            # a cut (live_cut.py) the play's frames are another node's, and the render ends with the play
            if (w is not None and self._pure and w.frame < w.first) or self.live_cut.cut_at is not None:
                self.scene.last_t = t
                return
            orig_update_to_time(t)

        # A window's play draws for real (its static mobjects too: manim draws them once per play,
        # save_static_frame_data, and each frame over them); frames before the slice draw nothing.
        def update_frame(*args: Any, **kwargs: Any) -> None:
            if not self.fast or self._window is not None:
                orig_update_frame(*args, **kwargs)

        def get_frame() -> Any:
            return None if self.fast and self._window is None else orig_get_frame()

        def add_frame(frame: Any, num_frames: int = 1) -> None:
            # mirrors manim: a skipped play adds no frames and no clock time
            if not renderer.skip_animations:
                self.frames += num_frames
                self.images += 1
                if not self.fast:
                    self.drawn += num_frames
                    self.range_files.drawing(renderer.num_plays, self.drawn)
            orig_add_frame(frame, num_frames)

        def scene_finished(scene: Scene) -> None:
            if self.scout is not None:
                from manim import config

                exact = self.shortcut != "all"
                self.scout.at_end(lambda: describe(self, float(renderer.time), exact, Path(config.media_dir)))
            # no combine: stitching the segments is the stitcher's job
            if writer.output_spec.is_video:
                writer.join_all_encode_jobs()

        renderer.play = play  # type: ignore[method-assign]
        renderer.render = render  # type: ignore[method-assign]
        self.scene.play_internal = play_internal  # type: ignore[method-assign]
        renderer.update_frame = update_frame  # type: ignore[method-assign]
        renderer.get_frame = get_frame  # type: ignore[method-assign]
        renderer.add_frame = add_frame  # type: ignore[method-assign]
        renderer.scene_finished = scene_finished  # type: ignore[method-assign]
        if self.windows.head is not None or self.scout is not None or self.live_cut.cut_file:  # a tail has no frames before it to skip
            self.scene.update_to_time = update_to_time  # type: ignore[method-assign]
        patch_writer(writer, renderer, self)

    def _skip_path(self, orig_play_internal: Any) -> None:
        """manim's skip path for one play, with the clock and frame count of a rendered play.

        A rendered play's clock advances one dt per frame in add_frame, frames being np.arange(0,
        run_time, 1/fps) as in get_time_progression; the last update_to_time sees n-1 of them,
        finish() and update_mobjects(0) all n. Same float additions here: n-1 frames, manim's skip
        step (one update_to_time(run_time)), the last frame from the render hook, then the rest of
        manim's play_internal, which runs update_mobjects(0) because the hook cleared skip_animations.
        """
        renderer = self.scene.renderer
        n = frame_count(self.scene.duration)
        for _ in range(n - 1):
            renderer.add_frame(None)
        self.shortcuts += 1
        self._flip_on_render = True
        renderer.skip_animations = True
        self._step_started = process_time()
        try:
            orig_play_internal()
        finally:
            if self._flip_on_render:  # not reached the render hook (an exception)
                self._flip_on_render = False
                renderer.skip_animations = False

    def finished_sections(self) -> list[SectionRecord]:  # a last section without plays is dropped, as manim drops it
        return self.sections[:-1] if len(self.sections) > 1 and self.sections[-1].plays == 0 else list(self.sections)
