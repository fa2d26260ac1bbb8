"""One line naming the machine a benchmark ran on, printed above its table."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

import chainrule as cr

# Benchmarks run as the chainrule command does, with glibc's malloc tuned (CHAINRULE_MALLOC=default declines).
cr.backend.keep_freed_memory()


def describe() -> str:
    """CPU model and count, NumPy version, and whether malloc is tuned (see backend.keep_freed_memory)."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "unknown CPU")
    except OSError:
        cpu = "unknown CPU"
    return f"{cpu}, {os.cpu_count()} CPUs; NumPy {np.__version__}; malloc tuned: {cr.backend.MALLOC_TUNED}"
