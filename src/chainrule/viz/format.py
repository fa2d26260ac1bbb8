"""How numbers and tensors print in drawings and narrations: short, like the lecture's figures."""

from __future__ import annotations

from typing import Any

import numpy as np


def number(v: float, decimals: int = 2) -> str:
    """A scalar at 2–4 significant digits: ``-12``, ``0.73``, ``-0.2``, ``1235``, ``1.2e-05``."""
    v = float(v)
    if not np.isfinite(v):
        return str(v)
    if v == round(v) and abs(v) < 1e6:
        return str(int(round(v)))
    a = abs(v)
    if a >= 1e4 or a < 10.0**-decimals:
        return f"{v:.2e}".replace("e-0", "e-").replace("e+0", "e")
    if a >= 100:
        return f"{v:.4g}"
    text = f"{v:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def shape_text(shape: tuple) -> str:
    """``(3, 2)`` as ``3×2``; a 0-d shape as ``scalar``."""
    return "×".join(str(n) for n in shape) if shape else "scalar"


def summary(a: Any, max_items: int = 4, decimals: int = 2) -> str:
    """A value in one short line: the number for scalars; shape plus a few values or min/max/norm."""
    a = np.asarray(a)
    if a.size == 1 and a.ndim == 0:
        return number(a.item(), decimals)
    if a.dtype.kind == "b":
        a = a.astype(np.int64)
    flat = a.reshape(-1)
    head = shape_text(a.shape)
    if flat.size == 0:
        return f"{head} (empty)"
    if flat.size <= max_items:
        return f"{head} [{', '.join(number(x, decimals) for x in flat)}]"
    norm = float(np.sqrt(np.sum(np.square(flat.astype(np.float64)))))
    return f"{head} [{number(flat.min(), decimals)} … {number(flat.max(), decimals)}] ‖{number(norm, decimals)}‖"


def is_scalar(a: Any) -> bool:
    """One element: printed as a bare number."""
    return np.asarray(a).size == 1
