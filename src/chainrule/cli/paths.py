"""Paths from the command line: probed without a traceback, shown on one line whatever their length or bytes.

``Path.exists()`` and friends raise OSError for anything but "not found" (a name over 255 bytes, a folder that
cannot be searched): :func:`kind` turns that into the command's own error, naming the path and the reason.
"""

from __future__ import annotations

import argparse
import os
import stat
from collections.abc import Callable
from pathlib import Path

from chainrule.cli.errors import CLIError

#: the longest path shown in full in a message; a longer one keeps its start and end
SHOWN_CHARS = 120


def shown(path: str | os.PathLike) -> str:
    """``path`` as text for a message: bytes that are not UTF-8 as ``\\xNN``, over SHOWN_CHARS characters cut."""
    text = os.fsdecode(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if len(text) <= SHOWN_CHARS:
        return text
    return f"{text[:SHOWN_CHARS // 2]}…{text[-SHOWN_CHARS // 3:]} ({len(text)} characters)"


def reason(exc: OSError) -> str:
    """An OSError's words without the path it repeats: ``File name too long``, ``Permission denied``."""
    return exc.strerror or str(exc)


def kind(path: Path, error: Callable[[str], CLIError]) -> str | None:
    """``"file"``, ``"folder"``, ``"other"`` (a device, a socket…) or None when nothing is at ``path``; any other
    OSError raises ``error(<its reason>)``."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise error(reason(exc)) from None
    return "folder" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "other"


def folder_argument(text: str) -> Path:
    """An argparse type for a folder: a non-empty path (``--out ""`` would be the current folder)."""
    if not text:
        raise argparse.ArgumentTypeError("expected a folder, got an empty path")
    return Path(text)
