"""Helpers for reading files chainrule does not trust: bounded reads and a nesting check before a parser recurses."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

__all__ = ["check_nesting", "read_bounded"]

_STEPS = np.zeros(256, dtype=np.int8)  # +1 for an opening bracket, -1 for a closing one
_STEPS[[ord(c) for c in "[{("]], _STEPS[[ord(c) for c in "]})"]] = 1, -1
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"' + r"|'(?:[^'\\]|\\.)*'")


def check_nesting(text: str, limit: int) -> int | None:
    """None when brackets in ``text`` (outside quoted strings) nest at most ``limit`` deep, else the depth found.

    Linear in ``len(text)`` and free of recursion, so it can run before a recursive parser (``json``,
    ``ast.literal_eval``) sees the text. ``check_nesting('{"a": [1, [2]]}', 2)`` → 3.
    """
    codes = np.frombuffer(_STRINGS.sub("", text).encode("utf-8", "replace"), dtype=np.uint8)
    deepest = int(np.cumsum(_STEPS[codes], dtype=np.int32).max(initial=0))
    return deepest if deepest > limit else None


def read_bounded(path: str | os.PathLike, limit: int) -> bytes:
    """The bytes of ``path``, or ValueError when it holds more than ``limit`` (checked before reading)."""
    with open(Path(path), "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > limit:
            raise ValueError(f"{path} is {size} bytes; the limit is {limit}")
        data = f.read(limit + 1)
    if len(data) > limit:  # it grew while we read it
        raise ValueError(f"{path} is more than {limit} bytes")
    return data
