"""Gradients as functions: ``autograd.grad`` and ``autograd.backward`` (PyTorch), ``grad`` (JAX-style), ``jacobian``,
``hvp``."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from chainrule import backend
from chainrule.autograd import engine
from chainrule.autograd.mode import enable_grad, state
from chainrule.backend import xp
from chainrule.errors import BackwardError
from chainrule.tensor import Tensor


def _as_list(x: Any) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple:
    """Gradients of ``outputs`` w.r.t. ``inputs``, returned (no ``.grad`` is touched).

    Like ``torch.autograd.grad``: ``grad_outputs`` are the upstream gradients
    (needed for outputs with more than one element); ``create_graph=True`` makes
    the results differentiable for higher-order derivatives.
    """
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    for i, t in enumerate(ins):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise BackwardError(f"grad: input {i} must be a Tensor that requires grad")
    gouts = [None] * len(outs) if grad_outputs is None else _as_list(grad_outputs)
    retain = create_graph if retain_graph is None else retain_graph
    result = engine.backward(outs, gouts, retain, create_graph, inputs=ins, allow_unused=allow_unused)
    return tuple(result)


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Tensor | Sequence[Tensor] | None = None,
) -> None:
    """Accumulate the gradients of ``tensors`` into the leaves' ``.grad`` (``torch.autograd.backward``).

    ``grad_tensors`` are the upstream gradients (needed for tensors with more than one element). With
    ``inputs``, only those tensors' ``.grad`` receive their gradient (leaves or not); the rest are untouched.
    """
    outs = _as_list(tensors)
    gouts = [None] * len(outs) if grad_tensors is None else _as_list(grad_tensors)
    if len(gouts) != len(outs):
        raise ValueError(f"backward: {len(outs)} tensor(s) but {len(gouts)} grad_tensors; give one per tensor")
    retain = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        engine.backward(outs, gouts, retain, create_graph)
        return
    ins = _as_list(inputs)
    if not ins:
        raise ValueError("backward: inputs= must name at least one tensor (or be left out)")
    for i, t in enumerate(ins):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise BackwardError(f"backward: inputs[{i}] must be a Tensor that requires grad")
    found = engine.backward(outs, gouts, retain, create_graph, inputs=ins, allow_unused=True)
    for t, g in zip(ins, found):
        if g is not None and not _retains_grad(t):
            t.grad = g if t.grad is None else t.grad + g


def _retains_grad(t: Tensor) -> bool:
    """Whether a backward pass fills ``t.grad`` anyway: a non-leaf after ``retain_grad()``."""
    node = t.grad_fn
    ref = None if node is None or not node._retained else node._retained.get(t._output_nr)
    return ref is not None and ref() is t


def grad_of(f: Callable[..., Tensor], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """``grad(f)`` in JAX's sense: a function returning df/d(args[argnums]) of a scalar ``f``.

    >>> df = cr.grad(lambda x: (x ** 3).sum())
    >>> df(cr.tensor([2.0]))   # 3x² = 12

    Nest it for higher derivatives: ``cr.grad(cr.grad(f))``.
    """
    if isinstance(f, Tensor):
        raise TypeError(
            "cr.grad(f) takes a function and returns its gradient function (JAX-style); for the gradient of a "
            "tensor y with respect to x, call cr.autograd.grad(y, x) (PyTorch-style) or y.backward()"
        )
    if not callable(f):
        raise TypeError(f"cr.grad: expected a function, got {type(f).__name__}")
    many = isinstance(argnums, (tuple, list))
    nums = list(argnums) if many else [argnums]

    @functools.wraps(f)
    def gradient(*args: Any) -> Any:
        args = list(args)
        outer = state.grad_enabled and any(isinstance(args[i], Tensor) and args[i].requires_grad for i in nums)
        for i in nums:
            a = args[i]
            if not (isinstance(a, Tensor) and a.requires_grad and outer):
                a = a.detach() if isinstance(a, Tensor) else Tensor(a)
                if not backend.is_floating(a.dtype):
                    a = a.astype(backend.default_float)
                args[i] = a.requires_grad_(True)
        with enable_grad():
            out = f(*args)
            if not isinstance(out, Tensor) or out.size != 1:
                shape = out.shape if isinstance(out, Tensor) else type(out).__name__
                raise BackwardError(f"grad: f must return a one-element Tensor, got {shape}")
            if out.requires_grad:
                grads = grad(out, [args[i] for i in nums], create_graph=outer, allow_unused=True)
            else:  # f does not depend on its arguments here (a constant gradient, differentiated again)
                grads = (None,) * len(nums)
        grads = tuple(xp_zeros_like(args[i]) if g is None else g for i, g in zip(nums, grads))
        return grads if many else grads[0]

    return gradient


def xp_zeros_like(t: Tensor) -> Tensor:
    return Tensor._make(xp.zeros(t.shape, t.dtype))


def jacobian(f: Callable[..., Tensor], x: Tensor) -> Tensor:
    """The dense Jacobian d f(x) / dx, of shape ``f(x).shape + x.shape``.

    One backward pass per output element: fine for small problems, and the
    reason nobody builds it for large ones (an elementwise op on 4096 values
    has a 4096×4096 Jacobian that is almost all zeros; backward never forms it).
    """
    x = (x.detach() if isinstance(x, Tensor) else Tensor(x)).requires_grad_(True)
    with enable_grad():
        y = f(x)
    if not isinstance(y, Tensor):
        raise TypeError(f"jacobian: f must return a Tensor, got {type(y).__name__}")
    rows = xp.zeros((y.size, x.size), dtype=y.dtype if backend.is_floating(y.dtype) else x.dtype)
    if y.requires_grad:
        for k in range(y.size):
            seed = xp.zeros(y.size, dtype=y.dtype)
            seed[k] = 1
            (g,) = grad(y, x, grad_outputs=Tensor._make(seed.reshape(y.shape)), retain_graph=True, allow_unused=True)
            if g is not None:
                rows[k] = g._data.reshape(-1)
    return Tensor._make(rows.reshape(y.shape + x.shape))


def hvp(f: Callable[..., Tensor], x: Tensor, v: Any) -> Tensor:
    """The Hessian of a scalar ``f`` at ``x`` times the vector ``v`` (double backward, no Hessian built)."""
    x = (x.detach() if isinstance(x, Tensor) else Tensor(x)).requires_grad_(True)
    v = v if isinstance(v, Tensor) else Tensor(v, dtype=x.dtype)
    if v.shape != x.shape:
        raise ValueError(f"hvp: v has shape {v.shape} but x has shape {x.shape}")
    with enable_grad():
        out = f(x)
        if not (isinstance(out, Tensor) and out.requires_grad):
            return xp_zeros_like(x)  # f is constant in x
        (g,) = grad(out, x, create_graph=True, allow_unused=True)
        if g is None or not g.requires_grad:
            return xp_zeros_like(x)  # f is linear in x: its gradient is constant
        (hv,) = grad((g * v).sum(), x, allow_unused=True)
    return xp_zeros_like(x) if hv is None else hv
