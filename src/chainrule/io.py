"""Checkpoints: ``save``/``load`` nested dicts of tensors and plain metadata, safely.

Format: one ``.npz`` archive (NumPy only) holding each array under a short key
plus a ``__meta__`` entry, the JSON description of the tree in which arrays
appear as ``{"__tensor__": key}``. Loading reads JSON and raw array bytes, never
pickle, so a checkpoint can never run code. Writes are atomic: a temporary file in
the same folder, flushed and fsynced, then renamed over the target.

A file is untrusted input: ``load`` checks every member's declared size against
the file before reading it, refuses compressed members (chainrule never writes
them; NumPy would inflate them without a limit), and refuses metadata nested
deeper than ``MAX_DEPTH``, so a damaged or crafted file costs memory and time in
proportion to its length and ends in a :class:`CheckpointError`.

``save_safetensors``/``load_safetensors`` write and read a flat dict of tensors (a
``state_dict``) in the `safetensors <https://huggingface.co/docs/safetensors>`_
format — a JSON header and raw little-endian bytes, never code — which
``safetensors.torch.load_file`` and other frameworks read as it is. They need the
``safetensors`` package (``pip install 'chainrule[io]'``).
"""

from __future__ import annotations

import json
import os
import struct
import zipfile
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import IO, Any

import numpy as np

from chainrule.device import available
from chainrule.errors import ChainruleError
from chainrule.files import atomic_target, atomic_write
from chainrule.npyfile import NpyError, read_npy
from chainrule.tensor import Tensor
from chainrule.untrusted import check_nesting

__all__ = ["CheckpointError", "MAX_DEPTH", "load", "load_safetensors", "save", "save_safetensors"]

FORMAT = "chainrule-checkpoint"
VERSION = 1
#: the deepest nesting of lists and dicts in a checkpoint's JSON metadata (a ``fit`` checkpoint uses 9)
MAX_DEPTH = 100
_META = "__meta__"
_SCALARS = (bool, int, float, str, type(None))
_MARKERS = ("__tensor__", "__ndarray__", "__tuple__", "__dict__")
#: what the zip and JSON readers raise on a damaged file (RuntimeError: zipfile's "encrypted")
_DAMAGE = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError,
           ValueError, KeyError, UnicodeDecodeError, struct.error, OverflowError)  # fmt: skip


class CheckpointError(ChainruleError, ValueError):
    """A checkpoint that cannot be read (truncated, corrupted, not a checkpoint) or an object that cannot be saved."""


def save(obj: Any, path: str | os.PathLike | IO[bytes]) -> None:
    """Write ``obj`` — dicts, lists, tuples of Tensors, arrays, numbers, strings, bools, None — to ``path``.

    A path is written atomically; a binary file object (``io.BytesIO``, ``open(p, "wb")``) is written
    as given, its atomicity the caller's.

    >>> cr.save({"model": net.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}, "ckpt.npz")
    """
    if not hasattr(path, "write") and Path(path).suffix == ".safetensors":
        raise CheckpointError(f"save: {path} names a .safetensors file, but save writes chainrule's .npz format; "
                              "write a state_dict with chainrule.io.save_safetensors(tensors, path)")  # fmt: skip
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(obj, arrays, "obj", 1)
    meta = json.dumps({"format": FORMAT, "version": VERSION, "tree": tree})
    if check_nesting(meta, MAX_DEPTH) is not None:
        raise CheckpointError(f"save: obj is nested deeper than a checkpoint may be ({MAX_DEPTH} levels of JSON)")
    arrays[_META] = np.frombuffer(meta.encode("utf-8"), dtype=np.uint8)
    if hasattr(path, "write"):
        _write_payload(path, arrays)
    else:
        atomic_write(path, lambda f: _write_payload(f, arrays))


def load(path: str | os.PathLike | IO[bytes], map_location: Any = None, weights_only: bool | None = None) -> Any:
    """Read a checkpoint written by :func:`save` (a path or a binary file object); tensors come back as
    Tensors (requires_grad=False).

    PyTorch's ``map_location`` is accepted: "cpu" (or a device, a dict or a function naming it) is
    where chainrule's tensors always are; another device is a clear error. ``weights_only`` is accepted
    and changes nothing: loading never runs code, whatever it says.
    Raises FileNotFoundError when there is no file, CheckpointError (naming the file and the problem) for
    anything else that is not an intact checkpoint.
    """
    _check_map_location(map_location)
    if hasattr(path, "read"):
        return _load_from(path, Path(str(getattr(path, "name", "<file object>"))))
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load: no checkpoint file at {path}")
    try:
        with open(path, "rb") as f:
            return _load_from(f, path)
    except PermissionError as exc:
        raise CheckpointError(f"load: cannot read {path}: {exc.strerror}") from None


def _check_map_location(where: Any) -> None:
    """PyTorch's ``map_location``, where every target must be the CPU (a function is not called: it could
    only move tensors to the CPU, where they are)."""
    targets = where.values() if isinstance(where, dict) else () if where is None or callable(where) else (where,)
    for target in targets:
        available(target, "load(map_location=...)")


def _load_from(f: IO[bytes], path: Path) -> Any:
    """The checkpoint in the binary file ``f`` (read from its start); ``path`` names it in errors."""
    try:
        if f.read(4) != b"PK\x03\x04":
            hint = "; read it with chainrule.io.load_safetensors" if path.suffix == ".safetensors" else ""
            raise CheckpointError(f"load: {path} is not a chainrule checkpoint (not an .npz archive){hint}")
        size = f.seek(0, os.SEEK_END)
        with zipfile.ZipFile(f) as archive:
            return _Reader(archive, path, size).load()
    except CheckpointError:
        raise
    except NpyError as exc:
        raise CheckpointError(f"load: {path} is corrupted: {exc}") from None
    except PermissionError:
        raise
    except _DAMAGE as exc:
        raise CheckpointError(f"load: {path} is truncated or corrupted ({type(exc).__name__}: {exc})") from None


def _write_payload(f: IO[bytes], arrays: dict) -> None:
    np.savez(f, **arrays)


# ------------------------------------------------------------------ safetensors
#: NumPy's names of the dtypes both chainrule and safetensors hold (safetensors' bfloat16 and float8 have no NumPy type)
_SAFETENSORS_DTYPES = {"bool": "BOOL", "uint8": "U8", "int8": "I8", "uint16": "U16", "int16": "I16", "uint32": "U32",
                       "int32": "I32", "uint64": "U64", "int64": "I64", "float16": "F16", "float32": "F32",
                       "float64": "F64", "complex64": "C64"}  # fmt: skip


def save_safetensors(
    tensors: Mapping[str, Tensor | np.ndarray], path: str | os.PathLike, metadata: Mapping[str, str] | None = None
) -> None:
    """Write a flat dict of Tensors or arrays (a ``state_dict``) to ``path`` in the safetensors format, atomically.

    As ``safetensors.torch.save_file``: the file loads with ``safetensors.torch.load_file`` (and
    :func:`load_safetensors`); ``metadata`` is an optional dict of strings stored in its header. Tensors that
    share memory (tied weights) are written once each. Needs ``pip install 'chainrule[io]'``.

    >>> chainrule.io.save_safetensors(net.state_dict(), "model.safetensors")
    """
    numpy_format = _safetensors("save_safetensors").numpy
    if not isinstance(tensors, Mapping):
        hint = " (save module.state_dict())" if hasattr(tensors, "state_dict") else ""
        raise CheckpointError(f"save_safetensors: expected a dict of name → Tensor, got {type(tensors).__name__}{hint}")
    arrays = {}
    for key, value in tensors.items():
        if not isinstance(key, str):
            raise CheckpointError(f"save_safetensors: key {key!r} is a {type(key).__name__}; safetensors names are str")
        if not isinstance(value, Tensor | np.ndarray):
            raise CheckpointError(f"save_safetensors: {key!r} is a {type(value).__name__}; a .safetensors file holds "
                                  "only Tensors and arrays (save other values with chainrule.save)")  # fmt: skip
        array = value.detach().numpy() if isinstance(value, Tensor) else value
        if array.dtype.name not in _SAFETENSORS_DTYPES:
            raise CheckpointError(f"save_safetensors: {key!r} has dtype {array.dtype}; safetensors holds "
                                  f"{', '.join(_SAFETENSORS_DTYPES)}")  # fmt: skip
        arrays[key] = np.ascontiguousarray(array).reshape(array.shape)  # it writes raw memory: contiguous only
    if metadata is not None and not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise CheckpointError(f"save_safetensors: metadata must map str to str, got {_short(dict(metadata))}")
    with atomic_target(path) as tmp:
        numpy_format.save_file(arrays, tmp, metadata=None if metadata is None else dict(metadata))


def load_safetensors(path: str | os.PathLike, device: Any = "cpu") -> dict[str, Tensor]:
    """The tensors in the ``.safetensors`` file at ``path`` by name (requires_grad=False), as
    ``safetensors.torch.load_file``; ``model.load_state_dict(load_safetensors(path))`` restores a model.

    Reading parses a JSON header and copies raw bytes: it never runs code. The header, offsets and sizes are
    checked by safetensors against the file; a damaged file, or a dtype NumPy lacks (bfloat16, float8), is a
    :class:`CheckpointError` naming the file. ``device`` must be the CPU. Needs ``pip install 'chainrule[io]'``.
    """
    available(device, "load_safetensors(device=...)")
    library = _safetensors("load_safetensors")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load_safetensors: no .safetensors file at {path}")
    out = {}
    try:
        with library.safe_open(path, framework="np") as f:
            for key in f.keys():
                dtype = f.get_slice(key).get_dtype()
                if dtype not in _SAFETENSORS_DTYPES.values():
                    raise CheckpointError(f"load_safetensors: {path} holds {key!r} as {dtype}, which NumPy and "
                                          f"chainrule have no dtype for (readable: {', '.join(_SAFETENSORS_DTYPES)})")
                array = f.get_tensor(key)
                out[key] = Tensor._make(array if array.flags.writeable else array.copy())
    except library.SafetensorError as exc:
        raise CheckpointError(f"load_safetensors: {path} is not a valid .safetensors file ({exc})") from None
    except PermissionError as exc:
        raise CheckpointError(f"load_safetensors: cannot read {path}: {exc.strerror}") from None
    return out


def _safetensors(caller: str) -> ModuleType:
    """The safetensors package with its NumPy half imported, or ImportError naming the extra that installs it."""
    try:
        import safetensors
        import safetensors.numpy  # noqa: F401  (sets safetensors.numpy)
    except ImportError:
        raise ImportError(f"{caller} needs the safetensors package: pip install 'chainrule[io]'") from None
    return safetensors


# ------------------------------------------------------------------ tree -> JSON
def _encode(obj: Any, arrays: dict, where: str, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise CheckpointError(f"save: {where} is nested deeper than a checkpoint may be ({MAX_DEPTH} levels)")
    if isinstance(obj, Tensor | np.ndarray):
        data = obj._data if isinstance(obj, Tensor) else obj
        if data.dtype.hasobject:
            raise CheckpointError(f"save: {where} is an array of Python objects, which cannot be saved without pickle")
        key = f"a{len(arrays)}"
        arrays[key] = np.ascontiguousarray(data).reshape(data.shape)  # (ascontiguousarray makes 0-d arrays 1-d)
        return {"__tensor__" if isinstance(obj, Tensor) else "__ndarray__": key}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, _SCALARS):
        return obj
    if isinstance(obj, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in obj):
            return {k: _encode(v, arrays, f"{where}[{k!r}]", depth + 1) for k, v in obj.items()}
        for k in obj:
            if not isinstance(k, _SCALARS):
                raise CheckpointError(
                    f"save: {where} has a key of type {type(k).__name__}; keys must be str, int, float, bool or None"
                )
        return {"__dict__": [[k, _encode(v, arrays, f"{where}[{k!r}]", depth + 1)] for k, v in obj.items()]}
    if isinstance(obj, list | tuple):
        items = [_encode(v, arrays, f"{where}[{i}]", depth + 1) for i, v in enumerate(obj)]
        return {"__tuple__": items} if isinstance(obj, tuple) else items
    hint = " (save module.state_dict() instead)" if hasattr(obj, "state_dict") else ""
    raise CheckpointError(
        f"save: {where} is a {type(obj).__name__}; checkpoints hold dicts, lists, tuples, Tensors, arrays, "
        f"numbers, strings, bools and None{hint}"
    )


# ------------------------------------------------------------------ archive -> tree
class _Reader:
    """One load: checks the archive's members, reads the metadata, then builds the tree without recursion."""

    def __init__(self, archive: zipfile.ZipFile, path: Path, size: int) -> None:
        self.archive, self.path, self.size = archive, path, size
        self.members = {}
        for info in archive.infolist():
            self._check_member(info)
            self.members[info.filename] = info
        self.used: set = set()
        self.budget = size  # the bytes the referenced members may declare in all: no more than the file holds

    def _check_member(self, info: zipfile.ZipInfo) -> None:
        name = info.filename
        if info.compress_type != zipfile.ZIP_STORED:
            self.fail(f"member {name!r} is compressed (method {info.compress_type}); chainrule writes stored members")
        if info.flag_bits & 0x61:
            self.fail(f"member {name!r} is encrypted or patched (zip flags {info.flag_bits:#x})")
        if info.file_size != info.compress_size or info.header_offset + info.file_size > self.size:
            self.fail(f"member {name!r} declares {info.file_size} bytes, more than the file holds")

    def fail(self, problem: str) -> None:
        raise CheckpointError(f"load: {self.path} is corrupted: {problem}")

    def array(self, key: Any) -> np.ndarray:
        """The member ``key`` as an array, read once, after its declared size was checked against the file."""
        info = self.members.get(f"{key}.npy") if isinstance(key, str) else None
        if info is None:
            self.fail(f"array {key!r} named in its metadata is missing")
        if key in self.used:
            self.fail(f"array {key!r} is named twice in its metadata")
        self.used.add(key)
        self.budget -= info.file_size
        if self.budget < 0:
            self.fail("its members declare more bytes than the file holds (overlapping members)")
        with self.archive.open(info) as member:
            return read_npy(member, info.file_size, info.filename)

    def load(self) -> Any:
        if f"{_META}.npy" not in self.members:
            raise CheckpointError(f"load: {self.path} is an .npz archive without chainrule metadata (not a checkpoint)")
        raw = self.array(_META)
        if raw.dtype != np.uint8 or raw.ndim != 1:
            self.fail(f"its metadata is a {raw.dtype} array of shape {raw.shape}, not JSON bytes")
        text = raw.tobytes().decode("utf-8")
        depth = check_nesting(text, MAX_DEPTH)
        if depth is not None:
            self.fail(f"its metadata is nested more than {MAX_DEPTH} levels deep")
        meta = json.loads(text)
        if not isinstance(meta, dict):
            self.fail(f"its metadata is a JSON {type(meta).__name__}, not an object")
        if meta.get("format") != FORMAT:
            raise CheckpointError(f"load: {self.path} is not a chainrule checkpoint (format {meta.get('format')!r})")
        if meta.get("version") != VERSION:
            version = meta.get("version")
            raise CheckpointError(f"load: {self.path} has checkpoint version {version!r}; chainrule reads {VERSION}")
        if "tree" not in meta:
            self.fail("its metadata has no tree")
        return self.decode(meta["tree"])

    def decode(self, tree: Any) -> Any:
        """The object ``tree`` describes: an explicit stack, so nesting from the file never recurses."""
        root: list = [None]
        stack = [(tree, root, 0)]
        tuples = []  # (container, slot) of lists that become tuples once filled, children before parents
        while stack:
            node, parent, slot = stack.pop()
            value, children = self.node(node)
            parent[slot] = value
            if isinstance(node, dict) and "__tuple__" in node:
                tuples.append((parent, slot))
            stack.extend((child, value, s) for s, child in children)
        for parent, slot in reversed(tuples):
            parent[slot] = tuple(parent[slot])
        return root[0]

    def node(self, node: Any) -> tuple[Any, list]:
        """(the value for ``node``, its children as (slot, child) pairs still to decode into that value)."""
        if isinstance(node, list):
            return [None] * len(node), list(enumerate(node))
        if not isinstance(node, dict):
            return node, []
        marker = next((k for k in _MARKERS if k in node), None)
        if marker is None:
            odd = [k for k in node if k.startswith("__")]
            if odd:
                self.fail(f"its metadata has an unknown entry {odd[0]!r}")
            return dict.fromkeys(node), list(node.items())
        if len(node) != 1:
            self.fail(f"its metadata has a malformed {marker} entry (extra keys {sorted(node)})")
        content = node[marker]
        if marker in ("__tensor__", "__ndarray__"):
            data = self.array(content)
            if marker == "__ndarray__":
                return data, []
            if data.dtype.kind not in "biufc":
                self.fail(f"tensor {content!r} has dtype {data.dtype}, not a number type")
            return Tensor._make(data), []
        if not isinstance(content, list):
            self.fail(f"its metadata has a {marker} entry that is a {type(content).__name__}, not a list")
        if marker == "__tuple__":
            return [None] * len(content), list(enumerate(content))
        for pair in content:
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], _SCALARS)):
                self.fail(f"its metadata has a __dict__ item that is not a [key, value] pair: {_short(pair)}")
        return dict.fromkeys(k for k, _ in content), [(k, v) for k, v in content]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
