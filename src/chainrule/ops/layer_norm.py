"""Layer normalisation as one op: each sample normalised over its last dimensions, exact to any order.

y = x̂·w + b with x̂ = (x − μ)/√(σ² + eps), μ and σ² (biased) taken over the normalised axes of
each sample. With g the upstream gradient, ĝ = g·w and means over those axes:

    ∂L/∂x = (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) / √(σ² + eps),   ∂L/∂w = g·x̂,   ∂L/∂b = g

(∂L/∂w and ∂L/∂b in the output's shape: the engine sums them over the batch). The rule recomputes
x̂ from x, on arrays or on Tensors, so ``create_graph=True`` sees how x̂ depends on x.
"""

from __future__ import annotations

from chainrule import backend
from chainrule.autograd.function import Primitive


def _normalised(x, axes: tuple, eps: float) -> tuple:
    """(x̂, 1/√(σ² + eps)) of x (an array or a Tensor) over ``axes``."""
    centred = x - x.mean(axis=axes, keepdims=True)
    invstd = ((centred * centred).mean(axis=axes, keepdims=True) + eps) ** -0.5
    return centred * invstd, invstd


class LayerNorm(Primitive):
    """x normalised over ``axes`` (the trailing ones), scaled by w and shifted by b (numbers when not affine)."""

    label = "layer_norm"
    saves_inputs = True
    unread_inputs = (2,)  # the shift b

    @staticmethod
    def forward(ctx, x, w, b, axes, eps):
        ctx.axes, ctx.eps = axes, eps
        with backend.errstate():  # no elements to normalise over: NaN, quietly (as in PyTorch)
            xhat, _ = _normalised(x, axes, eps)
        return xhat * w + b

    @staticmethod
    def rule(ctx, g, x, w, b):
        need_x, need_w, need_b = ctx.needs_input_grad
        axes = ctx.axes
        xhat, invstd = _normalised(x, axes, ctx.eps)
        gx = None
        if need_x:
            gh = g * w
            gx = (gh - gh.mean(axis=axes, keepdims=True) - xhat * (gh * xhat).mean(axis=axes, keepdims=True)) * invstd
        return gx, (g * xhat if need_w else None), (g if need_b else None)
