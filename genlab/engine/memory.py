"""Peak resident memory (RSS) of this process, measured per run.

``ru_maxrss`` only ever grows, so in a process that trains several runs one after another
(``genlab compare``) it would charge every run with the largest one before it. On Linux the
high-water mark ``VmHWM`` can be reset (``/proc/self/clear_refs``), so each run starts its own
measurement; elsewhere the process peak is the best available and is reported as such.
"""

from __future__ import annotations

import re
import resource
import sys
from pathlib import Path

_HWM = re.compile(r"^VmHWM:\s+(\d+)\s+kB", re.MULTILINE)


def reset_peak() -> bool:
    """Start a new peak measurement at the current RSS; False where the OS cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_mb() -> float:
    """Peak RSS in MiB since the last :func:`reset_peak` (or since the process started)."""
    try:
        match = _HWM.search(Path("/proc/self/status").read_text())
    except OSError:
        match = None
    if match:
        return round(int(match.group(1)) / 1024, 1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    per_mb = 2**20 if sys.platform == "darwin" else 2**10  # bytes on macOS, KiB on Linux
    return round(peak / per_mb, 1)
