"""stitch: combine partial movie files with manim's own SceneFileWriter.

The writer is built exactly as a render builds it (a Scene of the same name,
same config), then given the partial files per section and the recorded sounds,
and its finish() does the concat remux, audio mux, GIF and section output.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from .config_setup import scene_writer
from .errors import BadRequest
from .stitch_request import StitchPlay, StitchRequest
from .records import SectionRecord


def _move(src: Path, dst: Path) -> str:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(src), str(dst))
    return str(dst)


def stitch(req: StitchRequest) -> dict[str, Any]:
    if not req.options.is_video:
        return {"outputs": []}  # png frames are already numbered globally
    from manim.scene.section import DefaultSectionType

    writer = scene_writer(req.scene, req.options, req.media_dir, req.cwd, req.file)

    plays = req.plays or [StitchPlay(i, 0, False) for i in sorted(req.partials)]
    sections = req.sections or [SectionRecord("autocreated", DefaultSectionType.NORMAL, False)]
    for s_index, section in enumerate(sections):
        writer.next_section(section.name, section.type, section.skip)
        for play in plays:
            if play.section != s_index:
                continue
            path = req.partials.get(play.index)
            if path is None and not play.skipped:
                raise BadRequest(f"no partial movie file for play {play.index}")
            # what SceneFileWriter.add_partial_movie_file does, with a given path
            writer.partial_movie_files.append(path)
            writer.sections[-1].partial_movie_files.append(path)
    for sound in req.sounds:
        kwargs = {} if sound.gain_to_background is None else {"gain_to_background": sound.gain_to_background}
        writer.add_sound(sound.file, sound.time, sound.gain, **kwargs)
    writer.finish()

    out = Path(req.out_dir)
    outputs: list[dict[str, str]] = []
    movie = writer.movie_file_path
    if movie.is_file():
        outputs.append({"kind": "movie", "path": _move(movie, out / movie.name)})
    if req.options.save_sections:
        sections_dir = writer.sections_output_dir
        for section in writer.sections:
            if section.video is not None and (sections_dir / section.video).is_file():
                dst = out / "sections" / section.video
                outputs.append({"kind": "section", "path": _move(sections_dir / section.video, dst)})
        index = writer.output_plan.section_index
        if index is not None and index.is_file():
            # section videos stay next to the index: its "video" paths are relative to it
            outputs.append({"kind": "sectionsIndex", "path": _move(index, out / "sections" / index.name)})
    return {"outputs": outputs}
