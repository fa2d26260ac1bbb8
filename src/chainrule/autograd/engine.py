"""The backward pass: walk the graph in reverse topological order, applying the chain rule.

Iterative throughout (no recursion), so a chain of 100,000 ops is fine. Each node
runs once, after every consumer of its outputs has sent its gradient; gradients
arriving at the same value from several consumers are added ("branches add").
"""

from __future__ import annotations

from collections.abc import Sequence
from heapq import heappop, heappush
from typing import Any

from chainrule import backend
from chainrule.autograd.function import Function, where_created
from chainrule.autograd.mode import state
from chainrule.backend import xp
from chainrule.errors import AnomalyError, BackwardError, ShapeError
from chainrule.tensor import Tensor


def backward(
    outputs: Sequence[Tensor],
    grad_outputs: Sequence[Any],
    retain_graph: bool = False,
    create_graph: bool = False,
    inputs: Sequence[Tensor] | None = None,
    allow_unused: bool = False,
) -> list | None:
    """Run the backward pass from ``outputs``.

    Without ``inputs`` the gradients accumulate into the leaves' ``.grad``.
    With ``inputs`` they are returned instead (one per input, None if unused
    and ``allow_unused``), and no ``.grad`` is touched. A first-order pass
    (``create_graph=False``) moves gradients between nodes as plain backend
    arrays and uses a node's ``array_backward`` rule where it has one; with
    ``create_graph=True`` they are Tensors and every rule is recorded.
    """
    roots = _seed(outputs, grad_outputs, create_graph)
    capture = _Capture(inputs) if inputs is not None else None
    sink = _Pass(create_graph, capture)
    to_leaf = sink.accumulate if capture is None else sink.capture_leaf  # a local: on sink, a ref. cycle
    kind = Tensor if create_graph else _NDARRAY  # what a gradient is in this pass
    plain = not create_graph and (capture is None or not capture.inner)  # array rules may run directly
    previous = state.grad_enabled, state.anomaly
    anomaly = state.anomaly
    state.grad_enabled = create_graph
    state.anomaly = False  # ops inside backward rules are checked as gradients, not as forwards
    try:
        pending: dict = {}  # node -> its gradient so far (a list of them for a node with several outputs)
        ready: list = []  # heap of (order, node) of the pending nodes: the most recently recorded first
        for t, g in roots:
            sink.handed_out.add(id(g))  # the caller may hold this array: a leaf's .grad gets a copy
            if t.grad_fn is None:
                to_leaf(t, g)
                continue
            if t.grad_fn not in pending:
                heappush(ready, (t.grad_fn._order, t.grad_fn))
            _add_to(pending, t.grad_fn, t._output_nr, g)
        # A node runs once every consumer of its outputs has run: consumers were recorded later,
        # so taking the pending nodes newest first guarantees it without counting edges. (Not in
        # ``pending`` therefore means not reached yet: every node pushed later is older.)
        while ready:  # the hot loop: rare cases are delegated to ``sink``
            node = heappop(ready)[1]
            inputs = node.inputs
            grads = pending.pop(node)
            rule = node.array_backward if plain else None
            exact = False  # whether the rule promises its gradients' shapes and dtypes
            if grads is None:  # reached, but only by None: nothing to compute, yet it is freed below
                results = (None,) * len(inputs)
            elif rule is not None and node._n_outputs == 1 and not node._retained:
                results = rule(node, grads)
                if type(results) is not tuple or len(results) != len(inputs):
                    results = _checked(node, results)
                exact = node.exact_array_grads
            else:
                results = sink.run(node, sink.prepare(node, grads))
            if not retain_graph:  # free what the node saved; a later read of it is refused
                node._saved = None
            for inp, edge, g in zip(inputs, node.edges, results):
                if edge is None:
                    continue
                if g is None:  # no gradient, but the node must still run to free what it saved
                    if type(edge) is tuple and edge[0] not in pending:
                        heappush(ready, (edge[0]._order, edge[0]))
                        pending[edge[0]] = None
                    continue
                # A gradient bound for a leaf's .grad is always checked; one passed between nodes is
                # trusted when its rule promises exact gradients. NumPy shares dtype objects, so ``is``
                # is the cheap test; ``conform`` compares properly.
                leaf = type(edge) is not tuple
                if (anomaly or type(g) is not kind or (leaf or not exact)
                        and (g.shape != inp.data.shape or g.dtype is not inp.data.dtype)):  # fmt: skip
                    g = sink.conform(node, inp, g, anomaly)
                if leaf:
                    to_leaf(edge, g)
                    continue
                nxt = edge[0]
                if nxt not in pending:
                    heappush(ready, (nxt._order, nxt))
                    if nxt._n_outputs == 1:  # the first gradient to reach it
                        pending[nxt] = g
                        continue
                _add_to(pending, nxt, edge[1], g)
    finally:
        state.grad_enabled, state.anomaly = previous
    return capture.results(allow_unused) if capture is not None else None


def _checked(node: Function, results: Any) -> tuple:
    """A rule's results as a tuple of one gradient (or None) per input, or a BackwardError."""
    if type(results) is not tuple:
        results = (results,)
    if len(results) != len(node.inputs):
        raise BackwardError(
            f"{node.name}.backward returned {len(results)} gradient(s), but forward took "
            f"{len(node.inputs)} input(s); return one gradient (or None) per input"
        )
    return results


def _seed(outputs: Sequence[Tensor], grad_outputs: Sequence[Any], create_graph: bool) -> list:
    """Pair each output with its upstream gradient (a Tensor with ``create_graph``, else an array), checked."""
    if len(outputs) != len(grad_outputs):
        raise ValueError(f"backward: {len(outputs)} outputs but {len(grad_outputs)} gradients")
    roots = []
    for i, (t, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(t, Tensor):
            raise TypeError(f"backward: output {i} is a {type(t).__name__}, not a Tensor")
        if not t.requires_grad:  # (a view first reads its base's history)
            raise BackwardError(
                f"backward: output {i} (shape {t.shape}) does not require grad and has no grad_fn: "
                "no input it depends on has requires_grad=True (or it was computed under no_grad)"
            )
        data = t.data
        if g is None:
            if data.size != 1:
                raise BackwardError(
                    f"backward: gradient can be implied only for one-element outputs, but output {i} "
                    f"has shape {data.shape}; pass gradient= (a tensor of that shape)"
                )
            g = xp.empty(data.shape, data.dtype)
            g.fill(1)  # xp.ones goes through a Python wrapper
        else:
            g = g.data if isinstance(g, Tensor) and not create_graph else g
            if not isinstance(g, Tensor):
                g = backend.as_array(g, data.dtype)
            if g.shape != data.shape:
                raise ShapeError(f"backward: gradient of shape {g.shape} given for an output of shape {data.shape}")
        if create_graph and not isinstance(g, Tensor):
            g = Tensor._make(g)
        roots.append((t, g))
    return roots


def _add_to(pending: dict, node: Function, index: int, grad: Tensor) -> None:
    """Accumulate ``grad`` for output ``index`` of ``node``: the sum itself, or a list of sums for several outputs."""
    if node._n_outputs == 1:
        old = pending.get(node)
        pending[node] = grad if old is None else _plus(old, grad)
        return
    slots = pending.get(node)
    if slots is None:
        slots = pending[node] = [None] * node._n_outputs
    old = slots[index]
    slots[index] = grad if old is None else _plus(old, grad)


class _Capture:
    """Collects the gradients of the tensors given to ``autograd.grad``."""

    def __init__(self, inputs: Sequence[Tensor]) -> None:
        self.inputs = list(inputs)
        self.leaves = {id(t): i for i, t in enumerate(self.inputs) if t.grad_fn is None}
        self.inner = {(t.grad_fn, t._output_nr): i for i, t in enumerate(self.inputs) if t.grad_fn is not None}
        self.grads: list = [None] * len(self.inputs)

    def add(self, i: int, grad: Any) -> None:
        old = self.grads[i]
        self.grads[i] = grad if old is None else _plus(old, grad)

    def results(self, allow_unused: bool) -> list:
        for i, (t, g) in enumerate(zip(self.inputs, self.grads)):
            if g is None and not allow_unused:
                raise BackwardError(
                    f"grad: input {i} (shape {t.shape}) was not used to compute the outputs; "
                    "pass allow_unused=True to get None for it"
                )
        return [Tensor._make(g) if type(g) is _NDARRAY else g for g in self.grads]


class _Pass:
    """State of one backward pass: rules without an array form, leaves, retained tensors and captures.

    Gradients are Tensors when the pass records (``create_graph``), else backend arrays.
    """

    def __init__(self, create_graph: bool, capture: _Capture | None) -> None:
        self.create_graph = create_graph
        self.capture = capture
        self.handed_out: set = set()

    def run(self, node: Function, grads: Sequence[Any]) -> tuple:
        """Call the node's Tensor rule ``backward`` (in a first-order pass, on arrays wrapped and unwrapped)."""
        if self.create_graph:
            results = node.backward(node, *grads)
        else:
            results = node.backward(node, *[None if g is None else Tensor._make(g) for g in grads])
        results = _checked(node, results)
        if self.create_graph:
            return results
        for r in results:  # arrays from the user's rule may live on there: a leaf's .grad gets a copy
            if isinstance(r, Tensor):
                self.handed_out.add(id(r.data))
        return tuple(r.data if isinstance(r, Tensor) else r for r in results)

    def prepare(self, node: Function, grads: Any) -> list:
        """Before a rule runs: zero-fill missing output gradients, keep retained ones, capture."""
        if node._n_outputs == 1:
            grads = [grads]
        else:
            grads = [self._wrap(xp.zeros(shape, dtype)) if g is None else g
                     for g, (shape, dtype) in zip(grads, node._out_meta)]  # fmt: skip
        if node._retained:
            for nr, ref in node._retained.items():
                t = ref()
                if t is not None and grads[nr] is not None:
                    self.accumulate(t, grads[nr])
        if self.capture is not None:
            for nr, g in enumerate(grads):
                i = self.capture.inner.get((node, nr))
                if i is not None:
                    self.capture.add(i, g)
        return grads

    def conform(self, node: Function, inp: Tensor, g: Any, anomaly: bool) -> Any:
        """Check a returned gradient and bring it to the input's shape and dtype."""
        if type(g) is _NDARRAY and g.dtype == inp.data.dtype and not (anomaly or self.create_graph):
            try:  # the common case first: an array rule's gradient for a broadcast operand (a bias, say)
                return unbroadcast(g, inp.data.shape)
            except ShapeError:
                pass  # explained below
        if isinstance(g, Tensor):
            g = g if self.create_graph else g.data
        elif isinstance(g, (backend.ndarray, backend.array_scalar, float, int)):
            g = self._wrap(g if type(g) is _NDARRAY else backend.as_array(g, inp.dtype))
        else:
            raise BackwardError(f"{node.name}.backward returned a {type(g).__name__}; return Tensors or None")
        if g.shape != inp.data.shape:
            try:
                g = unbroadcast(g, inp.data.shape)
            except ShapeError:
                raise BackwardError(
                    f"{node.name}.backward returned a gradient of shape {tuple(g.shape)} for an input of shape "
                    f"{inp.shape}; it must have the input's shape or broadcast to the output's"
                ) from None
        if g.dtype != inp.data.dtype:
            g = g.astype(inp.data.dtype)
        if anomaly and not backend.all_finite(g.data if self.create_graph else g):
            raise AnomalyError(
                f"{node.name}.backward produced NaN or Inf in the gradient of an input of shape "
                f"{inp.shape}. The op was created at:\n{where_created(node)}"
            )
        return g

    def _wrap(self, g: Any) -> Any:
        return Tensor._make(g) if self.create_graph and type(g) is not Tensor else g

    def capture_leaf(self, leaf: Tensor, g: Any) -> None:
        i = self.capture.leaves.get(id(leaf))
        if i is not None:
            self.capture.add(i, g)

    def accumulate(self, t: Tensor, g: Any) -> None:
        """Add ``g`` into ``t.grad``, owning the array so later in-place updates stay private."""
        if self.create_graph:
            t.grad = g if t.grad is None else t.grad + g
        elif t.grad is None:
            if g.base is not None or id(g) in self.handed_out:  # a view, or given to another leaf
                g = g.copy()
            self.handed_out.add(id(g))
            t.grad = Tensor._make(g)
        else:  # the grad tensor's values change: a node that saved it must see a new version (as in PyTorch)
            t.grad.data = _plus(t.grad.data, g)
            t.grad._vc.bump()


_NDARRAY = backend.ndarray


def _plus(a: Any, b: Any) -> Any:
    """``a + b`` for two gradients; arrays stay arrays (NumPy turns a sum of 0-d arrays into a scalar)."""
    total = a + b
    return xp.asarray(total) if isinstance(total, backend.array_scalar) else total


def unbroadcast(grad: Any, shape: tuple) -> Any:
    """Sum a gradient of a broadcast result (a Tensor, or an array in a first-order pass) back to ``shape``.

    The single place where broadcasting is undone: every op's backward returns
    gradients in its output's shape and the engine calls this once per input.
    """
    if grad.shape == shape:
        return grad
    if grad.ndim >= len(shape):
        out = sum_to_shape(grad, shape) if type(grad) is _NDARRAY else SumTo.apply(grad, shape=shape)
        # A shape that does not broadcast to the gradient's comes out of the sum with the wrong shape.
        if out.shape == shape:
            return out
    raise ShapeError(f"a gradient of shape {tuple(grad.shape)} cannot be summed back to an input of shape {shape}")


from chainrule.ops.shape import SumTo, sum_to_shape  # noqa: E402  (ops import the engine's Tensor)
