"""encode-play: one sliced play's partial movie file, from its slices' frames in order.

With ``wait`` the slices may not exist yet: each is encoded as its frames come, the node appending
them to its file as they land in the store (frame_file.py: the file is followed to its end
record), so encoding overlaps the drawing of the slice and of those after it.

The file is opened and encoded as manim's VideoSegmentEncoder does it, with the settings the
scene's writer resolves (container, codec, pixel format, quality, its pinned encoder threads), and
fed the frames a full render feeds it, already in the encoder's pixel format where a slice keeps
them so (frame_file.py): it is the file a full render writes for the play.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from .config_setup import scene_writer
from .errors import BadRequest
from .frame_file import read_frames
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
    wait: bool = False


def parse_encode(req: dict[str, Any]) -> EncodeRequest:
    cwd = abs_path_field(req, "cwd")
    media_dir = abs_path_field(req, "mediaDir")
    out_dir = abs_path_field(req, "outDir")
    assert cwd is not None and media_dir is not None and out_dir is not None
    index = get_field(req, "index", int)
    slices = req.get("slices")
    if not isinstance(slices, list) or not slices or not all(isinstance(p, str) and Path(p).is_absolute() for p in slices):
        raise BadRequest("field 'slices' must be a non-empty list of absolute paths")
    wait = bool(req.get("wait", False))
    for path in slices if not wait else ():
        if not Path(path).is_file():
            raise BadRequest(f"slice file not found: {path}")
    options = parse_options(req.get("options"))
    if not options.is_video:
        raise BadRequest("only a video's plays are encoded from slices")
    return EncodeRequest(cwd, get_field(req, "scene", str), abs_path_field(req, "file", required=False), options, media_dir, slices, out_dir, index, wait)


def _landed(path: str) -> str:
    """The slice file, once it is there (the node ends the request if it never comes)."""
    while not Path(path).is_file():
        time.sleep(0.02)
    return path


def _open(target: Any, spec: Any) -> tuple[Any, Any]:
    """A container and video stream as manim's VideoSegmentEncoder opens them for `spec`."""
    import av

    container = av.open(target, mode="w", format=spec.container_format)
    stream = container.add_stream(spec.codec, rate=spec.frame_rate, options=dict(spec.options))
    stream.pix_fmt, stream.width, stream.height = spec.pixel_format, spec.width, spec.height
    return container, stream


class PlayEncoder:
    """One play's partial movie file, from frames in order (manim's VideoSegmentEncoder takes only
    RGBA arrays; this takes PyAV frames, converted or not)."""

    def __init__(self, target: Path, spec: Any) -> None:
        self.target = target
        target.parent.mkdir(parents=True, exist_ok=True)
        self._container, self._stream = _open(str(target), spec)
        self._time_base = Fraction(spec.frame_rate.denominator, spec.frame_rate.numerator)
        self.frames = 0

    def write(self, frame: Any) -> None:
        frame.pts = self.frames
        frame.time_base = self._time_base
        self.frames += 1
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def finish(self) -> None:
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()

    def abort(self) -> None:
        self._container.close()
        self.target.unlink(missing_ok=True)


class EncodeSamples:
    """A planning pass's drawn frames of its costliest plays, each encoded alone at the end of the
    pass: what the encoder of a sliced play pays per frame (the cutter slices only plays that alone
    would bound a scene's wall time, so the costliest few suffice; timing every play would slow
    the pass). A lone frame is a key frame, which costs about what the play's frames cost on average
    when they change much from one to the next (measured: 53-62 ms against 54-69), and more when
    they change little: the estimate errs long, never short. Each frame is timed twice and the
    cheaper kept: the first encode in a warm driver's forked child pays x264's set-up in that
    process (34-39 ms a 720p frame of examples/bench_play.py, against 15-20 for the second, and
    12-15 a frame in the play's whole stream), and the estimate sizes a sliced play's slices. PNG
    frames and plays under two seconds, which are never sliced, are not sampled."""

    KEEP = 3

    def __init__(self) -> None:
        self._samples: list[tuple[float, Any, Any, Any]] = []  # cost, play record, pixels, spec

    def offer(self, play: Any, pixels: Any, writer: Any) -> None:
        spec = writer.video_encoder
        if spec is None or play.run_time < 2 or pixels is None:
            return
        self._samples.append((play.frames * play.draw_seconds, play, pixels, spec))
        self._samples.sort(key=lambda s: -s[0])
        del self._samples[self.KEEP :]

    def time(self) -> None:
        """Sets each sampled play's encode_seconds (once: the samples go)."""
        for _, play, pixels, spec in self._samples:
            play.encode_seconds = min(_timed_encode(spec, pixels) for _ in range(2))
        self._samples.clear()


def _timed_encode(spec: Any, pixels: Any) -> float:
    import io

    import av

    began = time.process_time()  # CPU time: see the step's timing in fast_forward.py
    container, stream = _open(io.BytesIO(), spec)
    frame = av.VideoFrame.from_ndarray(pixels, format="rgba")
    frame.pts = 0
    for packet in [*stream.encode(frame), *stream.encode()]:
        container.mux(packet)
    container.close()
    return time.process_time() - began


def encode_play(req: EncodeRequest) -> dict[str, Any]:
    spec = scene_writer(req.scene, req.options, req.media_dir, req.cwd, req.file).video_encoder
    out = Path(req.out_dir) / f"{req.index}.{spec.container_format}"
    encoder = PlayEncoder(out, spec)
    try:
        for path in req.slices:
            for frame in read_frames(_landed(path), spec.width, spec.height, follow=req.wait):
                encoder.write(frame)
    except BaseException:
        encoder.abort()
        raise
    encoder.finish()
    return {"path": str(out), "frames": encoder.frames}
