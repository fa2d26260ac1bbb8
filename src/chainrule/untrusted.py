"""Helpers for reading files chainrule does not trust: bounded reads and a nesting check before a parser recurses."""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["check_nesting", "read_bounded"]

# A quoted string (one left open runs to the end, so no search ever fails and rescans: linear time), or a bracket.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*(?:"|\\?\Z)' + r"|'(?:[^'\\]|\\.)*(?:'|\\?\Z)" + r"|[\[\]{}()]", re.DOTALL)
_OPENING, _CLOSING = frozenset("[{("), frozenset("]})")


def check_nesting(text: str, limit: int) -> int | None:
    """None when brackets in ``text`` (outside quoted strings) nest at most ``limit`` deep, else the depth found.

    One pass without recursion and in constant memory, stopping as soon as ``limit`` is passed, so it can run
    before a recursive parser (``json``, ``ast.literal_eval``) sees the text.
    ``check_nesting('{"a": [1, [2]]}', 2)`` → 3.
    """
    depth = 0
    for token in _TOKENS.finditer(text):
        bracket = token.group()
        if bracket in _OPENING:
            depth += 1
            if depth > limit:
                return depth
        elif bracket in _CLOSING:
            depth -= 1
    return None


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
