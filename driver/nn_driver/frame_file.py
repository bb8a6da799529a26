"""A slice file: one play's frames, lossless, in the order they were drawn.

A frame goes in already converted to the pixel format of the play's encoder when PyAV's ndarray
conversion covers that format (yuv420p, manim's default): the conversion is the one the encoder
makes itself (the same libswscale call), so the encoded bytes do not change, and the node that
encodes the play, the scene's serial step, has less to do. Each frame is then compressed with
zstd, fast at both ends on manim's flat colours.

A file may reach its reader a piece at a time while the play is still drawn (the encoder's node
appends each piece as it lands, src/store/slices.ts): a reader that follows it waits at its end for
more, until a record of length 0, which ends a file so streamed.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MAGIC = b"NNSLICE2"
_HEADER = struct.Struct("<8sII16s")  # magic, width, height, pixel format of the frames
_FRAME = struct.Struct("<I")  # compressed length; 0 ends a streamed file
END = _FRAME.pack(0)
# Formats whose frames PyAV turns into arrays and back exactly (and whose planes need even sizes).
_CONVERTED = {"yuv420p"}


def stored_format(encoder_format: str, width: int, height: int) -> str:
    """The pixel format a slice keeps its frames in: the encoder's where it can, else RGBA."""
    return encoder_format if encoder_format in _CONVERTED and width % 2 == 0 and height % 2 == 0 else "rgba"


class FrameWriter:
    def __init__(self, path: str | Path, width: int, height: int, encoder_format: str) -> None:
        import zstandard

        self.format = stored_format(encoder_format, width, height)
        self._zstd = zstandard.ZstdCompressor(level=1)
        self._out = open(path, "wb")
        self._out.write(_HEADER.pack(MAGIC, width, height, self.format.encode()))

    def write(self, rgba: Any) -> None:
        data = memoryview(rgba).cast("B") if self.format == "rgba" else _convert(rgba, self.format)
        packed = self._zstd.compress(data)
        self._out.write(_FRAME.pack(len(packed)))
        self._out.write(packed)
        self._out.flush()  # whole frames on disk at once: the node streams them as they come

    def close(self) -> None:
        self._out.close()


def _convert(rgba: Any, pixel_format: str) -> Any:
    import av

    return av.VideoFrame.from_ndarray(rgba, format="rgba").reformat(format=pixel_format).to_ndarray()


def _reader(f: Any, follow: bool) -> Any:
    """Reads n bytes; following, it waits at the file's end for them to be appended."""

    def read(n: int) -> bytes:
        data = f.read(n)
        while follow and len(data) < n:
            time.sleep(0.01)
            data += f.read(n - len(data))
        return data

    return read


def read_frames(path: str | Path, width: int, height: int, follow: bool = False) -> Iterator[Any]:
    """The frames of a slice file, in order, as PyAV video frames ready for the encoder. Following,
    the file is still written: its end is the record of length 0 (the node ends the request if it
    never comes)."""
    import av
    import numpy as np
    import zstandard

    unzstd = zstandard.ZstdDecompressor()
    with open(path, "rb") as f:
        read = _reader(f, follow)
        magic, w, h, fmt = _HEADER.unpack(read(_HEADER.size))
        pixel_format = fmt.rstrip(b"\0").decode()
        if magic != MAGIC or (w, h) != (width, height):
            raise ValueError(f"{path}: not a slice of {width}x{height} frames")
        # yuv420p: its planes one under the other, as PyAV's arrays hold them
        shape = (height, width, 4) if pixel_format == "rgba" else (height * 3 // 2, width)
        size = shape[0] * shape[1] * (shape[2] if len(shape) == 3 else 1)
        while (head := read(_FRAME.size)) and head != END:
            (length,) = _FRAME.unpack(head)
            frame = unzstd.decompress(read(length), max_output_size=size)
            if len(frame) != size:
                raise ValueError(f"{path}: a frame of {len(frame)} bytes, not {size}")
            yield av.VideoFrame.from_ndarray(np.frombuffer(frame, np.uint8).reshape(shape), format=pixel_format)
