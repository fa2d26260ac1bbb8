"""One line naming the machine a benchmark ran on, printed above its table."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

import chainrule as cr


def describe() -> str:
    """CPU model and count, NumPy version, and whether chainrule tuned malloc (see backend.keep_freed_memory)."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "unknown CPU")
    except OSError:
        cpu = "unknown CPU"
    return f"{cpu}, {os.cpu_count()} CPUs; NumPy {np.__version__}; malloc tuned by chainrule: {cr.backend.MALLOC_TUNED}"
