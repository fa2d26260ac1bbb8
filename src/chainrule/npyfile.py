"""Reading one ``.npy`` member of an untrusted archive in memory bounded by the member's size.

``numpy.lib.format.read_array`` allocates the array its header declares before it
reads a byte, so a forged header asks for any amount of memory. Here the header is
parsed first (``ast.literal_eval``, never pickle), its nesting bounded, and its
shape × itemsize compared with the bytes the member holds before anything is
allocated.
"""

from __future__ import annotations

import ast
import math
from typing import IO

import numpy as np

from chainrule.untrusted import check_nesting

__all__ = ["NpyError", "read_npy"]

_MAGIC = b"\x93NUMPY"
_MAX_HEADER = 10_000  # numpy's own limit for safe loading
_HEADER_DEPTH = 8  # a plain dtype's header is a dict holding a tuple: depth 2
_CHUNK = 1 << 24


class NpyError(ValueError):
    """A member that is not a plain ``.npy`` array of the size it declares."""


def read_npy(f: IO[bytes], size: int, name: str) -> np.ndarray:
    """The array in the ``size`` bytes of ``f`` (a ``.npy`` image), refusing any header that does not add up."""
    head = f.read(10)
    if len(head) < 10 or head[:6] != _MAGIC:
        raise NpyError(f"member {name!r} is not a .npy array (no NumPy magic)")
    major, length, start = head[6], int.from_bytes(head[8:10], "little"), 10
    if major == 2:
        length, start = int.from_bytes(head[8:10] + f.read(2), "little"), 12
    elif major != 1:
        raise NpyError(f"member {name!r} has .npy format version {major}; chainrule writes 1 or 2")
    if length > _MAX_HEADER:
        raise NpyError(f"member {name!r} has a {length}-byte header; the limit is {_MAX_HEADER}")
    header = f.read(length).decode("latin1")
    if len(header) < length:
        raise NpyError(f"member {name!r} is truncated inside its header")
    shape, fortran, dtype = _parse_header(header, name)
    count = math.prod(shape)
    nbytes = count * dtype.itemsize
    held = size - start - length
    if nbytes != held:
        raise NpyError(f"member {name!r} declares shape {shape} of {dtype} ({nbytes} bytes) but holds {held} bytes")
    buf = np.empty(nbytes, dtype=np.uint8)
    view = memoryview(buf)
    done = 0
    while done < nbytes:
        got = f.readinto(view[done : done + _CHUNK])
        if not got:
            raise NpyError(f"member {name!r} is truncated: {done} of {nbytes} bytes")
        done += got
    if f.read(1):
        raise NpyError(f"member {name!r} holds more bytes than its header declares")
    return buf.view(dtype).reshape(shape, order="F" if fortran else "C")


def _parse_header(header: str, name: str) -> tuple[tuple, bool, np.dtype]:
    if check_nesting(header, _HEADER_DEPTH) is not None:
        raise NpyError(f"member {name!r} has a header nested too deeply")
    try:
        d = ast.literal_eval(header)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise NpyError(f"member {name!r} has a header that is not a Python literal") from None
    if not isinstance(d, dict) or set(d) != {"descr", "fortran_order", "shape"}:
        raise NpyError(f"member {name!r} has a header without exactly descr, fortran_order and shape")
    shape, fortran, descr = d["shape"], d["fortran_order"], d["descr"]
    if not isinstance(shape, tuple) or not all(type(n) is int and n >= 0 for n in shape):
        raise NpyError(f"member {name!r} has shape {shape!r}; a shape is a tuple of integers >= 0")
    if not isinstance(fortran, bool) or not isinstance(descr, str):
        raise NpyError(f"member {name!r} has fortran_order {fortran!r} and descr {descr!r}; chainrule writes "
                       "a bool and a plain dtype")  # fmt: skip
    try:
        dtype = np.dtype(descr)
    except (TypeError, ValueError, OverflowError):
        raise NpyError(f"member {name!r} has an unknown dtype {descr!r}") from None
    if dtype.hasobject or dtype.names is not None or dtype.subdtype is not None or dtype.itemsize == 0:
        raise NpyError(f"member {name!r} has dtype {dtype}; chainrule reads plain arrays, never Python objects")
    return shape, fortran, dtype
