"""Atomic file writes: a checkpoint, report or picture appears complete or not at all.

The temporary file is named ``.<stem>.tmp-<host>-<pid>-<random><suffix>`` beside the target. A writer killed
mid-write (kill -9, power loss) leaves it behind; the next write to the same target removes such leftovers whose
process, on this host, no longer runs.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import tempfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

__all__ = ["atomic_target", "atomic_write", "write_bytes"]


@contextlib.contextmanager
def atomic_target(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (same suffix) to write; on success it is synced and renamed onto it.

    If the body raises, ``path`` keeps its previous content and the temporary file is removed. Missing parent
    folders are created. The file gets the permissions a plain ``open()`` would give (0o666 less the umask),
    not the owner-only ones of a temporary file.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {path}: it is a folder; give a file path inside it")
    nearest = next(p for p in path.parents if p.exists())  # "." or "/" at the latest
    if not nearest.is_dir():
        raise NotADirectoryError(f"cannot write {path}: {nearest} is a file, not a folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{_temporary_prefix(path)}{_HOST}-{os.getpid()}-",
                               suffix=path.suffix)  # fmt: skip
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def atomic_write(path: str | os.PathLike, write: Callable[[IO[bytes]], None]) -> Path:
    """Call ``write(file)`` on a binary file that atomically becomes ``path``."""
    with atomic_target(path) as tmp, open(tmp, "wb") as f:
        write(f)
    return Path(path)


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    return atomic_write(path, lambda f: f.write(data))


_HOST = f"{zlib.crc32(socket.gethostname().encode()):08x}"  # temporaries of other hosts are never touched


def _temporary_prefix(path: Path) -> str:
    return f".{path.stem}.tmp-"


def _remove_stale_temporaries(path: Path) -> None:
    """Delete this target's temporary files left by writers on this host that were killed mid-write."""
    pattern = re.compile(re.escape(_temporary_prefix(path)) + rf"{_HOST}-(\d+)-\w+{re.escape(path.suffix)}")
    with contextlib.suppress(OSError), os.scandir(path.parent) as entries:
        for entry in entries:
            found = pattern.fullmatch(entry.name)
            if found and not _running(int(found.group(1))):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's process, or not a pid: leave its file alone
        return True
    return True


def _umask() -> int:
    mask = os.umask(0)  # the only portable way to read it is to set it
    os.umask(mask)
    return mask
