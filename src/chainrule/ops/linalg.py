"""Matrix product with NumPy's rules: 1-D operands are promoted, batch dims broadcast."""

from __future__ import annotations

from chainrule.autograd.function import Primitive
from chainrule.backend import xp
from chainrule.errors import ShapeError


class MatMul(Primitive):
    """``a @ b``. Gradients: dA = dC @ Bᵀ, dB = Aᵀ @ dC (batch dims summed by the engine)."""

    label = "matmul"
    saves_inputs = True

    @staticmethod
    def forward(ctx, a, b):
        if xp.ndim(a) == 0 or xp.ndim(b) == 0:
            raise ShapeError(
                f"matmul: {xp.shape(a)} @ {xp.shape(b)}: both operands need at least one "
                "dimension (use * for scalars)"
            )
        k_a = a.shape[-1]
        k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if k_a != k_b:
            raise ShapeError(f"matmul: {a.shape} @ {b.shape}: inner sizes {k_a} and {k_b} differ")
        return xp.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_inputs
        need_a, need_b = ctx.needs_input_grad
        # Promote 1-D operands to matrices (as matmul does) so one rule covers every case.
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = g2.unsqueeze(-2)
        if b.ndim == 1:
            g2 = g2.unsqueeze(-1)
        grad_a = grad_b = None
        if need_a:
            grad_a = g2 @ b2.mT
            if a.ndim == 1:
                grad_a = grad_a.squeeze(-2)
        if need_b:
            grad_b = a2.mT @ g2
            if b.ndim == 1:
                grad_b = grad_b.squeeze(-1)
        return grad_a, grad_b
