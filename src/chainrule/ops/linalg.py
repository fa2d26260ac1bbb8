"""Matrix product with NumPy's rules: 1-D operands are promoted, batch dims broadcast."""

from __future__ import annotations

from chainrule.autograd.function import Primitive
from chainrule.backend import xp
from chainrule.errors import ShapeError


def _mT(a):
    return a.swapaxes(-1, -2)


class MatMul(Primitive):
    """``op(a) @ op(b)`` where ``op`` transposes the last two axes when ``ta``/``tb`` is set.

    Users write ``a @ b``; the flags let the backward rules (dA = dC @ Bᵀ,
    dB = Aᵀ @ dC) be single matmuls on views instead of transpose-then-multiply.
    Batch dimensions broadcast; the engine sums their gradients back.
    """

    label = "matmul"
    saves_inputs = True

    @staticmethod
    def forward(ctx, a, b, ta=False, tb=False):
        if xp.ndim(a) == 0 or xp.ndim(b) == 0:
            raise ShapeError(
                f"matmul: {xp.shape(a)} @ {xp.shape(b)}: both operands need at least one "
                "dimension (use * for scalars)"
            )
        ctx.ta, ctx.tb = ta, tb
        if ta:
            a = _mT(a)
        if tb:
            b = _mT(b)
        k_a = a.shape[-1]
        k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if k_a != k_b:
            raise ShapeError(f"matmul: {a.shape} @ {b.shape}: inner sizes {k_a} and {k_b} differ")
        return xp.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_inputs
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 1 or b.ndim == 1:
            return _vector_backward(a, b, g, need_a, need_b)
        ta, tb = ctx.ta, ctx.tb
        grad_a = grad_b = None
        if need_a:  # d op(a) = g @ op(b)ᵀ, transposed back when ta
            grad_a = MatMul.apply(b, g, ta=tb, tb=True) if ta else MatMul.apply(g, b, tb=not tb)
        if need_b:  # d op(b) = op(a)ᵀ @ g, transposed back when tb
            grad_b = MatMul.apply(g, a, ta=True, tb=ta) if tb else MatMul.apply(a, g, ta=not ta)
        return grad_a, grad_b


def _vector_backward(a, b, g, need_a, need_b) -> tuple:
    """Gradients when an operand is 1-D: promote it to a matrix as matmul does, then drop the axis."""
    a2 = a.unsqueeze(0) if a.ndim == 1 else a
    b2 = b.unsqueeze(-1) if b.ndim == 1 else b
    g2 = g.unsqueeze(-1) if b.ndim == 1 else g  # b's axis first: vector @ vector (0-d g) gives (1, 1)
    if a.ndim == 1:
        g2 = g2.unsqueeze(-2)
    grad_a = grad_b = None
    if need_a:
        grad_a = MatMul.apply(g2, b2, tb=True)
        if a.ndim == 1:
            grad_a = grad_a.squeeze(-2)
    if need_b:
        grad_b = MatMul.apply(a2, g2, ta=True)
        if b.ndim == 1:
            grad_b = grad_b.squeeze(-1)
    return grad_a, grad_b
