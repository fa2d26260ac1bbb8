"""Read the graph the engine recorded: values (tensors), ops (nodes) and one edge per use.

Only reads what the engine keeps (``t.grad_fn``, ``node.inputs``, ``_output_nr``):
every intermediate tensor is reachable as an entry of its consumer's ``inputs``,
so the forward values are known even after ``backward()`` freed the saved buffers.
The walk is iterative, so arbitrarily deep graphs cannot hit the recursion limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chainrule.autograd.function import Function
from chainrule.tensor import Tensor


@dataclass(eq=False)
class Value:
    """One tensor of the graph: a leaf, or output ``nr`` of an op."""

    data: np.ndarray
    name: str | None
    requires_grad: bool
    producer: Op | None = None
    nr: int = 0
    leaf_tensor: Tensor | None = None
    uses: list[Edge] = field(default_factory=list)
    grad: np.ndarray | None = None
    unknown: bool = False  # its gradient could not be recomputed (buffers freed)

    @property
    def is_leaf(self) -> bool:
        return self.producer is None


@dataclass(eq=False)
class Op:
    """One recorded node; ``operands`` holds a Value or a Python constant per input slot."""

    node: Function
    operands: list = field(default_factory=list)
    outputs: dict = field(default_factory=dict)
    index: int = 0
    edges: list[Edge] = field(default_factory=list)


@dataclass(eq=False)
class Edge:
    """One use of ``value`` as input ``slot`` of ``op``; ``grad`` is this use's gradient contribution
    (``broadcast``: the op's rule gave it in a larger shape, summed back to the value's)."""

    value: Value
    op: Op
    slot: int
    grad: np.ndarray | None = None
    broadcast: bool = False


@dataclass(eq=False)
class Trace:
    """The whole graph behind ``output``: ops in topological order (inputs before their consumers)."""

    output: Value
    ops: list[Op]
    values: list[Value]
    output_tensor: Tensor

    def value_of(self, t: Tensor) -> Value | None:
        """The Value a tensor stands for, or None when it is not part of this graph."""
        return self._keys.get(value_key(t))

    _keys: dict = field(default_factory=dict)


def value_key(t: Tensor) -> Any:
    """Identity of a value: the leaf object itself, or (producing node, output index)."""
    return ("leaf", id(t)) if t.grad_fn is None else (t.grad_fn, t._output_nr)


def topological(root: Function | None) -> list[Function]:
    """Nodes reachable from ``root``, each after all the nodes that feed it (iterative DFS)."""
    if root is None:
        return []
    order: list = []
    seen: set = set()
    stack: list = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for a in reversed(node.inputs):  # reversed: the first operand's sub-graph comes first
            if isinstance(a, Tensor) and a.grad_fn is not None and a.grad_fn not in seen:
                stack.append((a.grad_fn, False))
    return order


def trace(output: Tensor) -> Trace:
    """Build the Trace of everything ``output`` was computed from."""
    if not isinstance(output, Tensor):
        raise TypeError(f"draw/explain: expected a Tensor, got {type(output).__name__}")
    keys: dict = {}
    values: list[Value] = []

    def value(t: Tensor, producer: Op | None) -> Value:
        key = value_key(t)
        v = keys.get(key)
        if v is None:
            v = Value(np.asarray(t._data), t.name, t.requires_grad, producer, t._output_nr)
            v.leaf_tensor = t if producer is None else None
            keys[key] = v
            values.append(v)
        elif v.name is None and t.name is not None:
            v.name = t.name
        return v

    ops = [Op(node, index=i) for i, node in enumerate(topological(output.grad_fn))]
    by_node = {op.node: op for op in ops}
    for op in ops:
        for slot, a in enumerate(op.node.inputs):
            if not isinstance(a, Tensor):
                op.operands.append(a)
                continue
            v = value(a, by_node.get(a.grad_fn))
            if v.producer is not None:
                v.producer.outputs[v.nr] = v
            edge = Edge(v, op, slot)
            v.uses.append(edge)
            op.edges.append(edge)
            op.operands.append(v)
    out = value(output, by_node.get(output.grad_fn))
    out.data = np.asarray(output._data)
    if out.producer is not None:
        out.producer.outputs[out.nr] = out
    return Trace(out, ops, values, output, keys)
