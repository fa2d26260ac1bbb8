"""Checkpoints: ``save``/``load`` nested dicts of tensors and plain metadata, safely.

Format: one ``.npz`` archive (NumPy only) holding each array under a short key
plus a ``__meta__`` entry, the JSON description of the tree in which arrays
appear as ``{"__tensor__": key}``. Loading uses ``allow_pickle=False`` and JSON,
so a checkpoint can never run code. Writes are atomic: a temporary file in the
same folder, flushed and fsynced, then renamed over the target.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import IO, Any

import numpy as np

from chainrule.errors import ChainruleError
from chainrule.files import atomic_write
from chainrule.tensor import Tensor

__all__ = ["CheckpointError", "load", "save"]

FORMAT = "chainrule-checkpoint"
VERSION = 1
_META = "__meta__"
_SCALARS = (bool, int, float, str, type(None))


class CheckpointError(ChainruleError, ValueError):
    """A checkpoint that cannot be read (truncated, corrupted, not a checkpoint) or an object that cannot be saved."""


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` — dicts, lists, tuples of Tensors, arrays, numbers, strings, bools, None — to ``path``.

    >>> cr.save({"model": net.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}, "ckpt.npz")
    """
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(obj, arrays, "obj")
    meta = json.dumps({"format": FORMAT, "version": VERSION, "tree": tree})
    arrays[_META] = np.frombuffer(meta.encode("utf-8"), dtype=np.uint8)
    atomic_write(path, lambda f: _write_payload(f, arrays))


def load(path: str | os.PathLike) -> Any:
    """Read a checkpoint written by :func:`save`; tensors come back as Tensors (requires_grad=False)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load: no checkpoint file at {path}")
    with open(path, "rb") as f:
        if f.read(4) != b"PK\x03\x04":
            raise CheckpointError(f"load: {path} is not a chainrule checkpoint (not an .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if _META not in archive.files:
                raise CheckpointError(f"load: {path} is an .npz archive without chainrule metadata (not a checkpoint)")
            meta = json.loads(archive[_META].tobytes().decode("utf-8"))
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise CheckpointError(f"load: {path} is not a chainrule checkpoint (format {meta.get('format')!r})")
            if meta.get("version") != VERSION:
                version = meta.get("version")
                raise CheckpointError(f"load: {path} has checkpoint version {version!r}; chainrule reads {VERSION}")
            return _decode(meta["tree"], archive, path)
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"load: {path} is truncated or corrupted ({type(exc).__name__}: {exc})") from None


def _write_payload(f: IO[bytes], arrays: dict) -> None:
    np.savez(f, **arrays)


# ------------------------------------------------------------------ tree <-> JSON
def _encode(obj: Any, arrays: dict, where: str) -> Any:
    if isinstance(obj, Tensor | np.ndarray):
        data = obj.data if isinstance(obj, Tensor) else obj
        if data.dtype.hasobject:
            raise CheckpointError(f"save: {where} is an array of Python objects, which cannot be saved without pickle")
        key = f"a{len(arrays)}"
        arrays[key] = np.ascontiguousarray(data)
        return {"__tensor__" if isinstance(obj, Tensor) else "__ndarray__": key}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, _SCALARS):
        return obj
    if isinstance(obj, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in obj):
            return {k: _encode(v, arrays, f"{where}[{k!r}]") for k, v in obj.items()}
        for k in obj:
            if not isinstance(k, _SCALARS):
                raise CheckpointError(
                    f"save: {where} has a key of type {type(k).__name__}; keys must be str, int, float, bool or None"
                )
        return {"__dict__": [[k, _encode(v, arrays, f"{where}[{k!r}]")] for k, v in obj.items()]}
    if isinstance(obj, list | tuple):
        items = [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]
        return {"__tuple__": items} if isinstance(obj, tuple) else items
    hint = " (save module.state_dict() instead)" if hasattr(obj, "state_dict") else ""
    raise CheckpointError(
        f"save: {where} is a {type(obj).__name__}; checkpoints hold dicts, lists, tuples, Tensors, arrays, "
        f"numbers, strings, bools and None{hint}"
    )


def _decode(node: Any, archive: Any, path: Path) -> Any:
    if isinstance(node, list):
        return [_decode(v, archive, path) for v in node]
    if not isinstance(node, dict):
        return node
    if "__tensor__" in node or "__ndarray__" in node:
        key = node.get("__tensor__", node.get("__ndarray__"))
        if key not in archive.files:
            raise CheckpointError(f"load: {path} is corrupted: array {key!r} named in its metadata is missing")
        data = archive[key]
        return Tensor._make(data) if "__tensor__" in node else data
    if "__tuple__" in node:
        return tuple(_decode(v, archive, path) for v in node["__tuple__"])
    if "__dict__" in node:
        return {k: _decode(v, archive, path) for k, v in node["__dict__"]}
    return {k: _decode(v, archive, path) for k, v in node.items()}
