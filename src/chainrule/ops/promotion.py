"""PyTorch's type promotion where it differs from NumPy's, decided here for every element-wise op.

Categories rank bool < integer < floating. The result takes the highest category among the
operands; within it, tensors with dimensions decide over 0-d tensors (``float32 + 0-d float64``
is float32, ``int32 + 0-d int64`` int32), and a Python float with integer tensors gives the
default float. True division of integers, and float functions (exp, log ...) of integers, give
the default float too. NumPy's own result is kept wherever it already agrees (the common case:
operands of one dtype), so most calls cost one comparison.
"""

from __future__ import annotations

from typing import Any

from chainrule import backend

_ND = backend.ndarray
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def apply(ufunc: Any, a: Any, b: Any, decide: Any = None) -> Any:
    """``ufunc(a, b)`` computed in PyTorch's result dtype (``decide``: :func:`binary` unless given)."""
    dtype = (decide or binary)(a, b)
    return ufunc(a, b) if dtype is None else ufunc(a, b, dtype=dtype, casting="unsafe")


def binary(a: Any, b: Any) -> Any:
    """PyTorch's result dtype of ``a`` op ``b`` (arrays or Python numbers) where NumPy's differs, else None."""
    if type(a) is _ND:
        if type(b) is _ND:
            return None if a.dtype is b.dtype else _arrays(a, b)
        return backend.default_float if type(b) is float and a.dtype.kind in "biu" else None
    if type(b) is _ND and type(a) is float and b.dtype.kind in "biu":
        return backend.default_float
    return None


def _arrays(a: Any, b: Any) -> Any:
    ka, kb = _CATEGORY[a.dtype.kind], _CATEGORY[b.dtype.kind]
    if ka != kb:
        return (a if ka > kb else b).dtype
    if (a.ndim == 0) == (b.ndim == 0):
        return None  # NumPy's promotion within one category is PyTorch's
    return (b if a.ndim == 0 else a).dtype


def true_divide(a: Any, b: Any) -> Any:
    """The dtype of ``a / b``: as :func:`binary`, and the default float for integers (and booleans)."""
    dtype = binary(a, b)
    kinds = (getattr(a, "dtype", None), getattr(b, "dtype", None))
    if (dtype is None or dtype.kind in "biu") and all(d is None or d.kind in "biu" for d in kinds):
        return backend.default_float
    return dtype


def floating(a: Any) -> Any:
    """``a`` itself when floating, else converted to the default float (what float functions of integers give)."""
    return a if a.dtype.kind in "fc" else a.astype(backend.default_float)
