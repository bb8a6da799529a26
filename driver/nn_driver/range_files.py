"""How an open-ended render and its node agree on where it ends, through two small files.

The render writes the play it is about to start (and the frames it has drawn) to the
progress file, marked "scouting" while it is a scout fast-forwarding to a start it does not know. The node writes the last play to draw to the stop file: "N" is an end
the node may still move (it claims the next segment and this render goes on without a
new set-up or fast-forward), "N final" is the end. No stop file: no end yet (a lead
segment while the scene is being planned).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from time import monotonic, sleep

# How long a render at a tentative end waits for the node's decision before it stops.
# The node answers in well under a second; a render that stopped anyway hands back the rest.
DECISION_SECONDS = 30.0


@dataclass
class RangeFiles:
    stop_file: str | None
    progress_file: str | None = None

    def progress(self, index: int, drawn: int, scouting: bool = False) -> None:
        if not self.progress_file:
            return
        tmp = f"{self.progress_file}.tmp"
        with open(tmp, "w") as f:
            f.write(f"{index} {drawn}{' scouting' if scouting else ''}")
        os.replace(tmp, self.progress_file)  # never a half-written file for the node to read

    def _read(self) -> tuple[int | None, bool]:
        try:
            with open(self.stop_file or "") as f:
                words = f.read().split()
        except FileNotFoundError:
            return None, False
        if not words or not words[0].lstrip("-").isdigit():
            return None, False
        return int(words[0]), "final" in words[1:]

    def stop_before(self, index: int) -> bool:
        """Whether play ``index`` is past the end; at a tentative end, waits for the node."""
        if not self.stop_file:
            return False
        deadline = monotonic() + DECISION_SECONDS
        while True:
            end, final = self._read()
            if end is None or index <= end:
                return False
            if final or monotonic() > deadline:
                return True
            sleep(0.005)
