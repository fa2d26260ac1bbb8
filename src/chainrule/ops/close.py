"""``allclose``: whether two tensors agree within tolerances, as ``torch.allclose`` (a Python bool)."""

from __future__ import annotations

from typing import Any

from chainrule.backend import xp
from chainrule.errors import DTypeError, ShapeError
from chainrule.tensor import Tensor, as_operand


def allclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True when |a − b| ≤ atol + rtol·|b| everywhere (they broadcast); NaNs count as equal only with
    ``equal_nan``. Like PyTorch, tensors of different dtypes are an error rather than compared."""
    a, b = as_operand(a, "allclose"), as_operand(b, "allclose")
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.dtype != b.dtype:
        raise DTypeError(f"allclose: the tensors have different dtypes, {a.dtype} and {b.dtype}; convert one "
                         "with .to(other.dtype)")  # fmt: skip
    raw = [x._data if isinstance(x, Tensor) else x for x in (a, b)]
    try:
        return bool(xp.allclose(raw[0], raw[1], rtol=rtol, atol=atol, equal_nan=equal_nan))
    except ValueError as exc:
        raise ShapeError(f"allclose: shapes {xp.shape(raw[0])} and {xp.shape(raw[1])} do not broadcast") from exc
