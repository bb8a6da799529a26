"""The file writer's side of the fast-forward: no encoding while a play is fast-forwarded.

A fast-forwarded play writes no partial movie file and no frames (a png sequence still counts
the frame a full render writes there, so a segment's frames get their global numbers). Sounds
and sections are recorded for the plan and the stitcher instead of being mixed here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from .records import SectionRecord, SoundRecord


def _bundle_relative(path: Path) -> str:
    """A sound inside the scene's project (the working directory) is recorded relative to it: the
    stitch runs on another machine, with the project in another folder."""
    try:
        return str(path.relative_to(Path.cwd().absolute()))
    except ValueError:
        return str(path)


class WriterState(Protocol):
    """What the writer patches read and record (SceneTap is one)."""

    fast: bool
    sections: list[SectionRecord]
    sounds: list[SoundRecord]


def patch_writer(writer: Any, renderer: Any, state: WriterState) -> None:
    """Patches one scene's SceneFileWriter (instance attributes: nothing global changes)."""
    orig_add_partial = writer.add_partial_movie_file
    orig_begin = writer.begin_animation
    orig_end = writer.end_animation
    orig_write_frame = writer.write_frame
    orig_next_section = writer.next_section
    assets_dir: Path = writer.settings.assets_dir

    def add_partial_movie_file(hash_animation: str | None) -> None:
        # a fast-forwarded play has no file, like a skipped one (keeps indices aligned)
        orig_add_partial(None if state.fast else hash_animation)

    def begin_animation(allow_write: bool = False, **kwargs: Any) -> None:
        orig_begin(allow_write and not state.fast, **kwargs)

    def end_animation(allow_write: bool = False) -> None:
        orig_end(allow_write and not state.fast)

    def write_frame(pixels: Any, *, repeat: int = 1) -> None:
        if state.fast:
            # count the png a full render would have written here, so the
            # segment's frames get their global numbers
            if writer.output_spec.is_image_sequence:
                writer.frame_count += 1
            return
        orig_write_frame(pixels, repeat=repeat)

    def add_sound(sound_file: Any, time: float | None = None, gain: float | None = None, **kwargs: Any) -> None:
        # Manager.add_sound already dropped sounds of skipped plays, as manim does;
        # the stitcher mixes the recorded sounds once
        from manim.utils.sounds import get_full_sound_file_path

        path = get_full_sound_file_path(sound_file, assets_dir)
        state.sounds.append(
            SoundRecord(
                float(time if time is not None else renderer.time),
                _bundle_relative(Path(path).absolute()),
                None if gain is None else float(gain),
                kwargs.get("gain_to_background"),
            )
        )

    def next_section(name: str, type_: str, skip_animations: bool) -> None:
        # same rule as SceneFileWriter.finish_last_section for video output:
        # a section without plays is dropped
        if state.sections and state.sections[-1].plays == 0:
            state.sections.pop()
        state.sections.append(SectionRecord(name, str(type_), bool(skip_animations)))
        orig_next_section(name, type_, skip_animations)

    writer.add_partial_movie_file = add_partial_movie_file
    writer.begin_animation = begin_animation
    writer.end_animation = end_animation
    writer.write_frame = write_frame
    writer.add_sound = add_sound
    writer.next_section = next_section
