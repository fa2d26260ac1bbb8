"""Tensors printed as PyTorch prints them: four decimals, or scientific notation when the range needs it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy


def array_text(data: Any, prefix: str) -> str:
    """The values of ``data`` as ``repr(tensor)`` shows them, rows aligned under ``prefix``."""
    if data.dtype.kind != "f" or data.size == 0:
        return numpy.array2string(data, separator=", ", prefix=prefix)
    fmt = _float_format(data)
    width = max(len(fmt(v)) for v in data.ravel()[:10_000])  # numpy summarises larger arrays anyway
    return numpy.array2string(
        data, separator=", ", prefix=prefix, formatter={"float_kind": lambda v: fmt(v).rjust(width)}
    )


def _float_format(data: Any) -> Callable[[Any], str]:
    """PyTorch's choice: integral values as ``3.``, else ``1.5000``, or ``1.5000e+05`` over a wide range."""
    finite = numpy.abs(data[numpy.isfinite(data)])
    nonzero = finite[finite != 0]
    if nonzero.size == 0:
        return _integral
    big, small = float(nonzero.max()), float(nonzero.min())
    if (numpy.floor(finite) == finite).all():
        return (lambda v: _special(v) or f"{v:.4e}") if big > 1e8 else _integral
    if big / small > 1000 or big > 1e8 or small < 1e-4:
        return lambda v: _special(v) or f"{v:.4e}"
    return lambda v: _special(v) or f"{v:.4f}"


def _integral(v: Any) -> str:
    return _special(v) or f"{v:.0f}."


def _special(v: Any) -> str:
    """``nan``, ``inf`` and ``-inf`` as PyTorch writes them (empty for finite values)."""
    return "" if numpy.isfinite(v) else ("nan" if numpy.isnan(v) else ("inf" if v > 0 else "-inf"))
