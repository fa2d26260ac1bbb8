"""Gradients for the drawing: one per edge (each use of a value), summed per value.

Runs the chain rule itself, node by node in reverse topological order, by calling
each node's own ``backward`` under ``no_grad`` (nothing is freed or accumulated
into ``.grad``), so every intermediate gradient and every per-use contribution is
known. When ``backward()`` already freed a node's saved values, the gradients
that depend on it are unavailable; leaves then show their ``.grad``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.autograd.engine import unbroadcast
from chainrule.autograd.mode import no_grad
from chainrule.errors import BackwardError
from chainrule.tensor import Tensor
from chainrule.viz.trace import Op, Trace


def compute(tr: Trace, gradient: Any = None) -> bool:
    """Fill ``edge.grad`` and ``value.grad`` on ``tr``; return False if some were unavailable.

    ``gradient`` is the upstream gradient at the output (default ones: the
    gradient of ``output.sum()``, i.e. 1 for a scalar output).
    """
    out = tr.output
    if not out.requires_grad:
        return True
    seed = np.ones_like(out.data) if gradient is None else np.asarray(getattr(gradient, "_data", gradient))
    if seed.shape != out.data.shape:
        raise ValueError(f"draw: gradient of shape {seed.shape} given for an output of shape {out.data.shape}")
    out.grad = seed.astype(out.data.dtype, copy=False)
    complete = True
    with no_grad():
        for op in reversed(tr.ops):
            complete = _run(op) and complete
    for v in tr.values:
        if v.unknown:
            v.grad = None
            for edge in v.uses:
                edge.grad = None
            if v.is_leaf and v.leaf_tensor.grad is not None:
                v.grad = np.asarray(v.leaf_tensor.grad._data)  # what backward() left there
    return complete


def _run(op: Op) -> bool:
    """Apply ``op``'s backward to its outputs' gradients and record each input edge's share."""
    node = op.node
    grads = []
    for nr in range(getattr(node, "_n_outputs", 1)):
        v = op.outputs.get(nr)
        if v is not None and v.unknown:
            return _unknown(op)
        if v is None:  # an output of a multi-output node that nothing downstream used
            shape, dtype = node._out_meta[nr]
            grads.append(Tensor._make(np.zeros(shape, dtype)))
            continue
        if v.grad is None:
            v.grad = np.zeros_like(v.data)
        grads.append(Tensor._make(v.grad))
    try:
        result = type(node).backward(node, *grads)
    except BackwardError:
        return _unknown(op)
    if not isinstance(result, tuple):
        result = (result,)
    for edge in op.edges:
        g = result[edge.slot] if edge.slot < len(result) else None
        v = edge.value
        if g is None or not v.requires_grad:
            continue
        g = g if isinstance(g, Tensor) else Tensor._make(np.asarray(g))
        if g.shape != v.data.shape:
            g = unbroadcast(g, v.data.shape)
            edge.broadcast = True
        edge.grad = np.asarray(g._data)
        v.grad = edge.grad.copy() if v.grad is None else v.grad + edge.grad
    return True


def _unknown(op: Op) -> bool:
    """Mark everything below ``op`` as unavailable (its saved values were freed)."""
    for edge in op.edges:
        if edge.value.requires_grad:
            edge.value.unknown = True
    return False


def local_values(op: Op) -> list:
    """∂out/∂input per operand slot, as numbers (a scalar op): its backward with upstream 1; None where none."""
    node = op.node
    result = op.outputs[min(op.outputs)]
    with no_grad():
        got = type(node).backward(node, Tensor._make(np.ones_like(result.data)))
    got = got if isinstance(got, tuple) else (got,)
    values = [None if g is None else float(np.sum(getattr(g, "_data", g))) for g in got]
    return values + [None] * (len(op.operands) - len(values))
