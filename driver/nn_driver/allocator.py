"""glibc's allocator told to keep the memory a render frees, for the next frame.

Every frame Manim allocates and frees several frame-sized arrays (3.6 MB of RGBA at 720p). By
default glibc serves the largest ones with fresh mappings and hands a heap's free top back to the
kernel once it passes twice the largest block freed so far, so the next frame faults the same
pages in again. In a render of the benchmark scene that was 1.5 million page faults and 3.6 s of
kernel time in 64 s. Blocks up to 64 MiB (a 4K frame is 33 MB) from the heap, up to 256 MiB of free
top kept, and the heap grown 64 MiB at a time: 0.3 million faults and 0.7 s. A render's peak
memory does not grow; what it frees stays its own until it exits.
"""

from __future__ import annotations

import ctypes

MiB = 1024 * 1024
# mallopt's parameter numbers (malloc.h)
M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3


def keep_freed_memory() -> None:
    """Sets glibc's thresholds for this process and the children it forks; elsewhere (another C
    library, another system) nothing changes."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    for param, value in ((M_MMAP_THRESHOLD, 64 * MiB), (M_TRIM_THRESHOLD, 256 * MiB), (M_TOP_PAD, 64 * MiB)):
        mallopt(param, value)
