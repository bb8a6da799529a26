"""The driver refuses the render options the API refuses: both read one definition."""

from __future__ import annotations

import pytest

from nn_driver.errors import BadRequest
from nn_driver.options import parse_options


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"transparent": True, "format": "mp4"}, "format: mp4 has no alpha channel"),
        ({"saveSections": True, "format": "png-sequence"}, "saveSections: saveSections needs a video format"),
        ({"quality": "z"}, "quality:"),
        ({"fps": True}, "fps:"),
        ({"seed": -1}, "seed:"),
        ({"resolution": [640]}, "resolution:"),
        ({"frameRate": 30}, "frameRate"),
    ],
)
def test_refused(raw: dict, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        parse_options(raw)


def test_defaults_and_transparent_mov() -> None:
    assert parse_options({}).format == "mp4"
    opts = parse_options({"transparent": True, "fps": 24, "resolution": [640, 360], "saveSections": True})
    assert (opts.format, opts.fps, opts.resolution, opts.save_sections) == ("mov", 24.0, (640, 360), True)
