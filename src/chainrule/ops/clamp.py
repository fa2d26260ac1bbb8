"""``clamp`` with tensor bounds: min(max(a, lo), hi) element-wise, the three broadcasting, as ``torch.clamp``.

The gradients are PyTorch's: ``a`` receives it where lo ≤ a ≤ hi; ``lo`` where a < lo (and
lo < hi); ``hi`` where a > hi, or everywhere hi < lo (the output is then hi). (Number bounds
use ``elementwise.Clip``.)
"""

from __future__ import annotations

from typing import Any

from chainrule.autograd.function import Primitive
from chainrule.backend import xp
from chainrule.tensor import Tensor, as_operand


class Clamp(Primitive):
    """a clamped by ``bounds``, one per entry of ``kinds`` ("min", "max" or both, in that order)."""

    label = "clamp"
    saves_inputs = True

    @staticmethod
    def forward(ctx, a, *bounds, kinds):
        ctx.kinds = kinds
        out = a
        for kind, bound in zip(kinds, bounds):
            out = xp.maximum(out, bound) if kind == "min" else xp.minimum(out, bound)
        return out

    @staticmethod
    def rule(ctx, g, a, *bounds):
        kinds, needs = ctx.kinds, ctx.needs_input_grad
        if len(kinds) == 2:
            lo, hi = bounds
            inside, below, above = (a >= lo) & (a <= hi), (a < lo) & (lo < hi), (a > hi) | (hi < lo)
            masks = (inside, below, above)
        elif kinds == ("min",):
            masks = (a >= bounds[0], a < bounds[0])
        else:
            masks = (a <= bounds[0], a > bounds[0])
        return tuple(g * mask if need else None for mask, need in zip(masks, needs))


def clamp(a: Tensor, lo: Any, hi: Any) -> Tensor:
    """``a`` clamped to [lo, hi], either bound a tensor (or array), a number or None (not both None)."""
    kinds = tuple(kind for kind, b in (("min", lo), ("max", hi)) if b is not None)
    bounds = [b if isinstance(b, (int, float)) else as_operand(b, "clamp") for b in (lo, hi) if b is not None]
    operands = [a, *bounds]
    dtype = _promoted([t.dtype for t in operands if isinstance(t, Tensor)])
    operands = [t.to(dtype) if isinstance(t, Tensor) and t.dtype != dtype else t for t in operands]
    return Clamp.apply(*operands, kinds=kinds)


def _promoted(dtypes: list) -> Any:
    """PyTorch's promotion of tensors: the floating ones decide when there are any (NumPy's int64 with float32
    would give float64; PyTorch gives float32)."""
    floating = [d for d in dtypes if d.kind in "fc"]
    return xp.result_type(*(floating or dtypes))
