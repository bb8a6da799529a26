"""encode-play: one sliced play's partial movie file, from its slices' frames in order.

The encoder is manim's own VideoSegmentEncoder with the settings the scene's writer resolves
(codec, pixel format, quality, its pinned encoder threads), fed the frames a full render feeds it,
so the file is the one a full render writes for the play (frame_slice.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config_setup import scene_writer
from .errors import BadRequest
from .frame_slice import read_frames
from .options import RenderOptions, parse_options
from .protocol import abs_path_field, get_field


@dataclass(frozen=True)
class EncodeRequest:
    cwd: str
    scene: str
    file: str | None
    options: RenderOptions
    media_dir: str
    slices: list[str]
    out_dir: str
    index: int  # the play: the file is named as the render names partials, <index>.<container>


def parse_encode(req: dict[str, Any]) -> EncodeRequest:
    cwd = abs_path_field(req, "cwd")
    media_dir = abs_path_field(req, "mediaDir")
    out_dir = abs_path_field(req, "outDir")
    assert cwd is not None and media_dir is not None and out_dir is not None
    index = get_field(req, "index", int)
    slices = req.get("slices")
    if not isinstance(slices, list) or not slices or not all(isinstance(p, str) and Path(p).is_absolute() for p in slices):
        raise BadRequest("field 'slices' must be a non-empty list of absolute paths")
    for path in slices:
        if not Path(path).is_file():
            raise BadRequest(f"slice file not found: {path}")
    options = parse_options(req.get("options"))
    if not options.is_video:
        raise BadRequest("only a video's plays are encoded from slices")
    return EncodeRequest(cwd, get_field(req, "scene", str), abs_path_field(req, "file", required=False), options, media_dir, slices, out_dir, index)


def encode_play(req: EncodeRequest) -> dict[str, Any]:
    import numpy as np
    from manim.scene.video_segment_encoder import VideoSegmentEncoder

    spec = scene_writer(req.scene, req.options, req.media_dir, req.cwd, req.file).video_encoder
    out = Path(req.out_dir) / f"{req.index}.{spec.container_format}"
    encoder = VideoSegmentEncoder(target=out, spec=spec)
    frames = 0
    try:
        for path in req.slices:
            for raw in read_frames(path, spec.width, spec.height):
                encoder.write_frame(np.frombuffer(raw, np.uint8).reshape(spec.height, spec.width, 4))
                frames += 1
    except BaseException:
        encoder.abort()
        raise
    encoder.finish()
    return {"path": str(out), "frames": frames}
