"""Matrix product with NumPy's rules: 1-D operands are promoted, batch dims broadcast."""

from __future__ import annotations

import math

from chainrule.autograd.function import Primitive
from chainrule.backend import xp
from chainrule.errors import ShapeError
from chainrule.ops.shape import SumTo, sum_to_shape
from chainrule.tensor import Tensor


class MatMul(Primitive):
    """``op(a) @ op(b)`` where ``op`` transposes the last two axes when ``ta``/``tb`` is set.

    Users write ``a @ b``; the flags let the backward rules (dA = dC @ Bᵀ,
    dB = Aᵀ @ dC) be single matmuls on views instead of transpose-then-multiply.
    Batch dimensions broadcast; the engine sums their gradients back.
    """

    label = "matmul"
    saves_inputs = True
    ta = tb = False

    @staticmethod
    def forward(ctx, a, b, ta=False, tb=False):
        if ta or tb:
            ctx.ta, ctx.tb = ta, tb
        try:  # the product first: checking costs more than multiplying small matrices
            return xp.matmul(a.swapaxes(-1, -2) if ta else a, b.swapaxes(-1, -2) if tb else b)
        except (ValueError, AttributeError):
            pass  # explained below, with the shapes
        a, b = xp.asarray(a), xp.asarray(b)  # free for arrays; Python numbers are refused below
        if a.ndim == 0 or b.ndim == 0:
            raise ShapeError(
                f"matmul: {xp.shape(a)} @ {xp.shape(b)}: both operands need at least one "
                "dimension (use * for scalars)"
            )
        if (ta and a.ndim < 2) or (tb and b.ndim < 2):
            raise ShapeError(
                f"matmul: only operands with 2 or more dimensions can be read transposed, got {a.shape}, {b.shape}"
            )
        return _product(a, b, ta, tb)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_inputs
        if a.ndim == 1 or b.ndim == 1:
            return _vector_backward(a, b, g, *ctx.needs_input_grad)
        return _gradients(ctx, g, a, b, _tensor_product)

    @staticmethod
    def array_backward(ctx, g):
        a, b = ctx.saved_input_arrays
        if a.ndim == 2 == b.ndim:
            if not (ctx.ta or ctx.tb):  # the layer's case, spelled out: dA = g @ Bᵀ, dB = Aᵀ @ g
                edge_a, edge_b = ctx.edges
                return (None if edge_a is None else g @ b.T), (None if edge_b is None else a.T @ g)
            return _gradients(ctx, g, a, b, _matrix_product)
        if a.ndim == 1 or b.ndim == 1:  # rare: the Tensor rule, unwrapped
            return tuple(None if r is None else r._data for r in MatMul.backward(ctx, Tensor._make(g)))
        return _gradients(ctx, g, a, b, _product)


class Linear(Primitive):
    """``x @ wᵀ + b`` as one node (PyTorch's addmm): x of shape (..., in), w (out, in), b (out,) or (1,).

    ``nn.functional.linear`` uses it when the three share a dtype, w is a matrix and b a vector:
    one node instead of a matmul and an add (sizes that do not fit fail in the forward, named).
    The bias gradient is g summed back to b's shape, by the same helper the engine uses to undo
    broadcasting; with one dtype throughout, every gradient has its input's shape and dtype.
    Its backward reads x only for w's gradient and w only for x's, so modifying in place before it
    runs is refused only for the one a needed gradient reads; b, as in PyTorch, may change.
    """

    label = "linear"
    saves_inputs = True
    unread_inputs = (2,)  # the bias
    product_rule = True  # x is read for w's gradient, w for x's
    exact_array_grads = True

    @staticmethod
    def forward(ctx, x, w, b):
        out = xp.matmul(x, w.T)
        out += b  # out is fresh and of b's dtype: no second array
        return out

    @staticmethod
    def backward(ctx, g):
        x, w, b = ctx.saved_inputs
        edge_x, edge_w, edge_b = ctx.edges
        gx = MatMul.apply(g, w) if edge_x is not None else None
        gw = MatMul.apply(_rows(g), _rows(x), ta=True) if edge_w is not None else None
        return gx, gw, (SumTo.apply(g, shape=b.shape) if edge_b is not None else None)

    @staticmethod
    def array_backward(ctx, g):
        x, w, b = ctx.saved_input_arrays
        edge_x, edge_w, edge_b = ctx.edges
        gx = g @ w if edge_x is not None else None
        gw = None
        if edge_w is not None:
            gw = g.T @ x if g.ndim == 2 else _rows(g).T @ _rows(x)
        return gx, gw, (sum_to_shape(g, b.shape) if edge_b is not None else None)

    @classmethod
    def describe_error(cls, exc: Exception, operands: tuple) -> Exception:
        """Name which of the sizes does not fit (the weight is (out_features, in_features))."""
        x, w, b = (tuple(a.shape) if isinstance(a, Tensor) else None for a in operands)
        if w is None or b is None or len(w) != 2 or len(b) != 1:  # not as nn.functional.linear calls it
            return super().describe_error(exc, operands)
        if not x:
            problem = "the input must have at least one dimension"
        elif x[-1] != w[1]:
            problem = f"the input's last size {x[-1]} must equal the weight's in_features {w[1]}"
        elif b[0] not in (1, w[0]):
            problem = f"the bias must have out_features = {w[0]} elements (or 1)"
        else:
            return super().describe_error(exc, operands)
        return ShapeError(f"linear: input {x}, weight {w} (out_features, in_features), bias {b}: {problem}")


def _rows(a):
    """``a`` (array or Tensor) as one row per sample, whatever its leading axes (a vector: one row)."""
    return a.reshape(math.prod(a.shape[:-1]), a.shape[-1])


def _gradients(ctx, g, a, b, product) -> tuple:
    """d op(a) = g @ op(b)ᵀ and d op(b) = op(a)ᵀ @ g, each transposed back when its flag is set."""
    edge_a, edge_b = ctx.edges
    ta, tb = ctx.ta, ctx.tb
    grad_a = grad_b = None
    if edge_a is not None:
        grad_a = product(b, g, tb, True) if ta else product(g, b, False, not tb)
    if edge_b is not None:
        grad_b = product(g, a, True, ta) if tb else product(a, g, not ta, False)
    return grad_a, grad_b


def _product(a, b, ta: bool, tb: bool):
    """``op(a) @ op(b)`` on arrays, with the inner sizes checked."""
    if ta:
        a = a.swapaxes(-1, -2)
    if tb:
        b = b.swapaxes(-1, -2)
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise ShapeError(f"matmul: {a.shape} @ {b.shape}: inner sizes {k_a} and {k_b} differ")
    return xp.matmul(a, b)


def _matrix_product(a, b, ta: bool, tb: bool):
    """A first-order gradient product of two matrices (whose sizes the forward pass checked)."""
    return (a.T if ta else a) @ (b.T if tb else b)


def _tensor_product(x: Tensor, y: Tensor, tx: bool, ty: bool) -> Tensor:
    """The same product as a recorded op, so that create_graph=True can differentiate it."""
    return MatMul.apply(x, y, ta=tx, tb=ty)


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
