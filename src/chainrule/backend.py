"""The array library behind every op (NumPy today).

Ops call ``xp.<function>`` instead of ``numpy.<function>`` so that another array
library with NumPy's API (CuPy) can be dropped in here without rewriting them.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
import warnings
from typing import Any

import numpy

xp = numpy
ndarray = numpy.ndarray
array_scalar = numpy.generic  # what NumPy returns for some 0-d results (a sum of 0-d arrays, say)

float32 = numpy.dtype(numpy.float32)
float64 = numpy.dtype(numpy.float64)
default_float = float32

# Python scalars stay Python scalars inside ops: NumPy treats them as "weak"
# so float32 * 2.0 stays float32 (NEP 50).
SCALAR_TYPES = (int, float, bool)


def is_floating(dtype: Any) -> bool:
    """True for floating-point dtypes, the only ones that carry gradients."""
    return (dtype if isinstance(dtype, numpy.dtype) else numpy.dtype(dtype)).kind == "f"


def as_array(data: Any, dtype: Any = None) -> numpy.ndarray:
    """Convert ``data`` to a backend array; Python floats become the default float."""
    if isinstance(data, numpy.ndarray):
        return data if dtype is None else data.astype(dtype, copy=False)
    arr = numpy.asarray(data, dtype=dtype)
    if dtype is None and arr.dtype == float64 and not _holds_float64(data):
        arr = arr.astype(default_float)
    return arr


def _holds_float64(data: Any) -> bool:
    """Whether ``data`` is (or contains) explicit float64 values rather than Python floats."""
    if isinstance(data, numpy.generic):
        return data.dtype == float64
    if isinstance(data, (list, tuple)) and data:
        return _holds_float64(data[0])
    return False


SHORT_ROW = 32  # rows of at most this many elements, in at least as many rows, reduce column-wise


def reduce_rows(ufunc: numpy.ufunc, a: numpy.ndarray) -> numpy.ndarray:
    """``ufunc.reduce`` over each row of the 2-D array ``a``, kept as a column of shape (rows, 1).

    NumPy runs its inner loop once per row, which is slow for short rows: the max of 256 rows
    of 10 logits takes 12 µs, 4096 rows 180 µs. Those reduce the columns of a transposed copy
    instead (3 µs, 21 µs). Exact for maximum and minimum; a sum adds in another order (of
    32- and 64-bit values only: NumPy sums float16 rows in float32).
    """
    rows, width = a.shape
    if width <= SHORT_ROW <= rows and a.dtype.itemsize >= 4:  # float16 sums accumulate better row by row
        return ufunc.reduce(a.T.copy(), axis=0, keepdims=True).T
    return ufunc.reduce(a, axis=1, keepdims=True)


def add_rows(a: numpy.ndarray) -> numpy.ndarray:
    """The sum of the rows of the 2-D array ``a`` (a bias gradient: one row per sample).

    For float32 and float64 it is a matrix-vector product with ones, which BLAS runs 3–20×
    faster than NumPy's reduction over the first axis (256 rows of 100: 2 µs against 7 µs;
    4096 rows of 4: 3 µs against 60 µs), with rounding errors of the same order.
    """
    if a.dtype == float32 or a.dtype == float64:
        return numpy.matmul(_ones(a.shape[0], a.dtype), a)
    return numpy.add.reduce(a, axis=0)


@functools.lru_cache(maxsize=32)
def _ones(n: int, dtype: numpy.dtype) -> numpy.ndarray:
    ones = numpy.ones(n, dtype)
    ones.flags.writeable = False
    return ones


def all_finite(arr: numpy.ndarray) -> bool:
    """True when ``arr`` holds no NaN or infinity (always true for integer arrays)."""
    if not is_floating(arr.dtype):
        return True
    return bool(numpy.isfinite(arr).all())


def errstate() -> Any:
    """Silence NumPy's floating-point warnings: NaN/Inf propagate like IEEE says."""
    return _Quiet() if _QUIET is not None else numpy.errstate(all="ignore")


def _quiet_setting() -> tuple | None:
    """NumPy 2's error-state context variable and its all-ignore value, where it has them.

    ``numpy.errstate`` builds that value anew on every entry, which costs as much as a small
    ufunc call; the ops that need quiet arithmetic run on every training step, so it is built once.
    """
    try:
        from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj

        return _extobj_contextvar, _make_extobj(all="ignore")
    except (ImportError, TypeError):  # another NumPy: fall back to numpy.errstate
        return None


_QUIET = _quiet_setting()


class _Quiet:
    """``numpy.errstate(all="ignore")`` with the setting made once."""

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = _QUIET[0].set(_QUIET[1])

    def __exit__(self, *exc: object) -> None:
        _QUIET[0].reset(self._token)


# ------------------------------------------------------------------ memory
MMAP_THRESHOLD = 32 << 20  # arrays up to 32 MiB come from the heap, not from fresh mappings
TRIM_THRESHOLD = 256 << 20  # up to 256 MiB of freed heap is kept for reuse, not handed back


def keep_freed_memory() -> bool:
    """Tune glibc's malloc so that freeing and reallocating large arrays every step costs no page faults.

    A training step allocates and frees the same large arrays (activations, gradients) over and
    over. Under glibc's default thresholds, memory freed at the top of the heap is handed back
    to the kernel and the next step's arrays fault in fresh, zeroed pages: about one fault per
    4 KiB, which can cost as much as the arithmetic (benchmarks/README.md has the numbers). The
    price: up to ``TRIM_THRESHOLD`` of freed heap stays mapped for reuse.

    It changes the whole process, so importing chainrule does not do it: call this function, or
    set ``CHAINRULE_MALLOC=tuned`` before importing. The ``chainrule`` command calls it. It does
    nothing (and returns False) off glibc, with ``CHAINRULE_MALLOC=default``, or under a
    ``MALLOC_*`` or ``GLIBC_TUNABLES`` setting of yours. Returns whether malloc is tuned.
    """
    global MALLOC_TUNED
    if os.environ.get("CHAINRULE_MALLOC") == "default" or not sys.platform.startswith("linux"):
        return MALLOC_TUNED
    if "GLIBC_TUNABLES" in os.environ or any(k.startswith("MALLOC_") for k in os.environ):
        return MALLOC_TUNED
    try:
        mallopt = ctypes.CDLL(None).mallopt  # glibc's; musl and others have none
    except (OSError, AttributeError):
        return MALLOC_TUNED
    m_trim_threshold, m_mmap_threshold = -1, -3
    tuned = bool(mallopt(m_mmap_threshold, MMAP_THRESHOLD)) and bool(mallopt(m_trim_threshold, TRIM_THRESHOLD))
    MALLOC_TUNED = MALLOC_TUNED or tuned
    return MALLOC_TUNED


def _malloc_at_import() -> bool:
    """Whether ``CHAINRULE_MALLOC`` asks for tuning at import ("tuned"); other values are named in a warning."""
    choice = os.environ.get("CHAINRULE_MALLOC") or "default"  # set but empty counts as unset
    if choice not in ("tuned", "default"):
        warnings.warn(
            f"CHAINRULE_MALLOC={choice!r} is not understood: 'tuned' tunes glibc's malloc when chainrule is imported, "
            "'default' (or unset, or empty) keeps the C library's settings; keeping them",
            stacklevel=3,
        )
    return choice == "tuned"


MALLOC_TUNED = False  # whether keep_freed_memory() has tuned malloc in this process
if _malloc_at_import():
    keep_freed_memory()
