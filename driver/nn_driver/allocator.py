"""glibc's allocator told to keep the memory a render frees, for the next frame.

Every frame Manim allocates and frees several frame-sized arrays (3.6 MB of RGBA at 720p). By
default glibc serves the largest ones with fresh mappings and hands a heap's free top back to the
kernel once it passes twice the largest block freed so far, so the next frame faults the same
pages in again. Measured on the benchmark scene at -qm, one core: a driver started by itself went
from 1.5 million faults and 3.6 s of kernel time in a 64-s render to 0.3 million and 0.7 s; a render
child of the warm driver (plays 0-20) from 0.50 million and 1.7 s to 0.12 million and 0.4 s. The
settings: blocks up to 64 MiB (a 4K frame is 33 MB) from the heap, up to 256 MiB of free top kept,
the heap grown 64 MiB at a time. A render's peak resident memory does not grow (its address space,
which limits.memoryMB caps, may by the pad); what it frees stays its own until it exits.
"""

from __future__ import annotations

import ctypes

from .limits import MB

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
    for param, value in ((M_MMAP_THRESHOLD, 64 * MB), (M_TRIM_THRESHOLD, 256 * MB), (M_TOP_PAD, 64 * MB)):
        mallopt(param, value)
