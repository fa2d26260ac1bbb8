"""The backward pass: walk the graph in reverse order of recording, applying the chain rule.

Each node runs once, after every consumer of its outputs has sent its gradient; gradients
arriving at the same value from several consumers are added ("branches add"). Iterative
throughout (no recursion), so a chain of 100,000 ops is fine. The rare cases live in
``_Pass`` (rules without an array form, retained and captured gradients, checking what a rule
returned), so ``backward`` itself reads as the chain rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from heapq import heappop, heappush
from typing import Any

from chainrule import backend
from chainrule.autograd.graph import AccumulateGrad, where_created
from chainrule.autograd.mode import state
from chainrule.backend import xp
from chainrule.errors import AnomalyError, BackwardError, ShapeError
from chainrule.ops.shape import SumTo, sum_to_shape
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

    Without ``inputs`` the gradients accumulate into the leaves' ``.grad``. With ``inputs`` they
    are returned instead (one per input, None if unused and ``allow_unused``), and no ``.grad`` is
    touched. A first-order pass (``create_graph=False``) moves gradients between nodes as plain
    backend arrays and uses a node's ``array_backward`` rule where it has one; with
    ``create_graph=True`` they are Tensors and every rule is recorded.
    """
    run = _Pass(create_graph, retain_graph, inputs)
    previous = state.grad_enabled, state.anomaly
    state.grad_enabled = create_graph  # a rule's own ops are recorded only for higher derivatives
    state.anomaly = False  # ... and checked as gradients (in ``_Pass.conform``), not as forwards
    try:
        for t, g in _seed(outputs, grad_outputs, create_graph):
            run.handed_out.add(id(g))  # the caller may hold this array: a leaf's .grad gets a copy
            run.send((t._grad_fn, t._output_nr) if t._grad_fn is not None else (AccumulateGrad(t), 0), g)
        while run.ready:
            node = heappop(run.ready)[1]  # the newest pending node: every consumer of its outputs has run
            grads = run.pending.pop(node)  # the upstream gradient, summed over the branches that sent one
            local = run.chain_rule(node, grads)  # upstream × local gradient, one per input
            if not retain_graph:
                node._saved = None  # a later backward through this node is refused, not wrong
            for inp, edge, g in zip(node.inputs, node.edges, local):
                if edge is not None:
                    run.send(edge, g, node, inp)
    finally:
        state.grad_enabled, state.anomaly = previous
    return run.results(allow_unused)


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
        data = t._data
        if g is None:
            if data.size != 1:
                raise BackwardError(
                    f"backward: gradient can be implied only for one-element outputs, but output {i} "
                    f"has shape {data.shape}; pass gradient= (a tensor of that shape)"
                )
            g = xp.empty(data.shape, data.dtype)
            g.fill(1)  # xp.ones goes through a Python wrapper
        else:
            g = g._data if isinstance(g, Tensor) and not create_graph else g
            if not isinstance(g, Tensor):
                g = backend.as_array(g, data.dtype)
            if g.shape != data.shape:
                raise ShapeError(f"backward: gradient of shape {g.shape} given for an output of shape {data.shape}")
        if create_graph and not isinstance(g, Tensor):
            g = Tensor._make(g)
        roots.append((t, g))
    return roots


class _Pass:
    """One backward pass: the pending nodes and their gradients, and where gradients end.

    Gradients are Tensors when the pass records (``create_graph``), else backend arrays.
    """

    def __init__(self, create_graph: bool, retain_graph: bool, inputs: Sequence[Tensor] | None) -> None:
        self.create_graph = create_graph
        self.kind = Tensor if create_graph else _NDARRAY  # what a gradient is in this pass
        self.anomaly = state.anomaly
        self.pending: dict = {}  # node -> its gradient so far (a list of them for a node with several outputs)
        self.ready: list = []  # heap of (order, node) of the pending nodes: the most recently recorded first
        self.handed_out: set = set()  # ids of arrays that someone else may hold
        self.capture = None if inputs is None else _Capture(inputs)
        # Array rules may run directly unless autograd.grad asked for an intermediate's gradient.
        self.array_rules = not create_graph and (self.capture is None or not self.capture.inner)
        self.exact = False  # whether the rule that ran last promises its gradients' shapes and dtypes

    # ------------------------------------------------------------ the chain rule at one node
    def chain_rule(self, node: Any, grads: Any) -> tuple:
        """The node's rule applied to its upstream gradient(s): one gradient (or None) per input."""
        self.exact = False  # whether the rule that runs promises its gradients' shapes and dtypes
        if grads is None:  # reached only by None: nothing to compute, yet it runs to be freed
            return (None,) * len(node.inputs)
        rule = node.array_backward if self.array_rules else None
        if rule is not None and node._n_outputs == 1 and not node._retained:
            results = rule(node, grads)
            if type(results) is not tuple or len(results) != len(node.inputs):
                results = _checked(node, results)
            self.exact = node.exact_array_grads
            return results
        grads = self._prepare(node, grads)
        if self.create_graph:
            return _checked(node, node.backward(node, *grads))
        results = _checked(node, node.backward(node, *[None if g is None else Tensor._make(g) for g in grads]))
        for r in results:  # arrays from the user's rule may live on there: a leaf's .grad gets a copy
            if isinstance(r, Tensor):
                self.handed_out.add(id(r._data))
        return tuple(r._data if isinstance(r, Tensor) else r for r in results)

    def _prepare(self, node: Any, grads: Any) -> list:
        """Before a Tensor rule runs: zero-fill missing output gradients, keep retained ones, capture."""
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

    # ------------------------------------------------------------ sending a gradient along an edge
    def send(self, edge: tuple, g: Any, node: Any = None, inp: Any = None) -> None:
        """Deliver ``g`` along ``edge`` (from ``node``'s input ``inp``): into a leaf, or to a pending node."""
        target, nr = edge
        leaf = type(target) is AccumulateGrad
        if g is not None and node is not None:
            # A gradient bound for a leaf's .grad is always checked; one passed between nodes is trusted
            # when its rule promises exact gradients. NumPy shares dtype objects, so ``is`` is the cheap test.
            if (self.anomaly or type(g) is not self.kind or (leaf or not self.exact)
                    and (g.shape != inp._data.shape or g.dtype is not inp._data.dtype)):  # fmt: skip
                g = self.conform(node, inp, g)
        if leaf:
            t = target.variable
            if g is not None and t is not None:
                self.leaf(t, g)
            return
        if target not in self.pending:  # the first gradient to reach it, or None: it must still run, to be freed
            heappush(self.ready, (target._order, target))
            self.pending[target] = g if target._n_outputs == 1 else None
            if target._n_outputs == 1:
                return
        if g is not None:
            self._add(target, nr, g)

    def _add(self, node: Any, nr: int, g: Any) -> None:
        """Accumulate ``g`` for output ``nr`` of ``node``: the sum itself, or a list of sums for several outputs."""
        if node._n_outputs == 1:
            old = self.pending[node]
            self.pending[node] = g if old is None else _plus(old, g)
            return
        slots = self.pending[node]
        if slots is None:
            slots = self.pending[node] = [None] * node._n_outputs
        old = slots[nr]
        slots[nr] = g if old is None else _plus(old, g)

    def conform(self, node: Any, inp: Tensor, g: Any) -> Any:
        """Check a returned gradient and bring it to the input's shape and dtype."""
        create_graph = self.create_graph
        if type(g) is _NDARRAY and g.dtype == inp._data.dtype and not (self.anomaly or create_graph):
            try:  # the common case first: an array rule's gradient for a broadcast operand (a bias, say)
                return unbroadcast(g, inp._data.shape)
            except ShapeError:
                pass  # explained below
        if isinstance(g, Tensor):
            g = g if create_graph else g._data
        elif isinstance(g, (backend.ndarray, backend.array_scalar, float, int)):
            g = self._wrap(g if type(g) is _NDARRAY else backend.as_array(g, inp.dtype))
        else:
            raise BackwardError(f"{node.name}.backward returned a {type(g).__name__}; return Tensors or None")
        if g.shape != inp._data.shape:
            try:
                g = unbroadcast(g, inp._data.shape)
            except ShapeError:
                raise BackwardError(
                    f"{node.name}.backward returned a gradient of shape {tuple(g.shape)} for an input of shape "
                    f"{inp.shape}; it must have the input's shape or broadcast to the output's"
                ) from None
        if g.dtype != inp._data.dtype:
            g = g.astype(inp._data.dtype)
        if self.anomaly and not backend.all_finite(g._data if create_graph else g):
            raise AnomalyError(
                f"{node.name}.backward produced NaN or Inf in the gradient of an input of shape "
                f"{inp.shape}. The op was created at:\n{where_created(node)}"
            )
        return g

    def _wrap(self, g: Any) -> Any:
        return Tensor._make(g) if self.create_graph and type(g) is not Tensor else g

    # ------------------------------------------------------------ where gradients end
    def leaf(self, t: Tensor, g: Any) -> None:
        """A leaf's gradient: captured for ``autograd.grad``, or accumulated into ``.grad``."""
        if self.capture is None:
            self.accumulate(t, g)
            return
        i = self.capture.leaves.get(id(t))
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
            t.grad._data = _plus(t.grad._data, g)
            t.grad._vc.bump()

    def results(self, allow_unused: bool) -> list | None:
        return None if self.capture is None else self.capture.results(allow_unused)


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


def _checked(node: Any, results: Any) -> tuple:
    """A rule's results as a tuple of one gradient (or None) per input, or a BackwardError."""
    if type(results) is not tuple:
        results = (results,)
    if len(results) != len(node.inputs):
        raise BackwardError(
            f"{node.name}.backward returned {len(results)} gradient(s), but forward took "
            f"{len(node.inputs)} input(s); return one gradient (or None) per input"
        )
    return results


_NDARRAY = backend.ndarray


def _plus(a: Any, b: Any) -> Any:
    """``a + b`` for two gradients; arrays stay arrays (NumPy turns a sum of 0-d arrays into a scalar)."""
    total = a + b
    return xp.asarray(total) if isinstance(total, backend.array_scalar) else total


def unbroadcast(grad: Any, shape: tuple) -> Any:
    """Sum a gradient of a broadcast result (a Tensor, or an array in a first-order pass) back to ``shape``.

    The single place where broadcasting is undone: every op's backward returns gradients in its
    output's shape and the engine calls this once per input.
    """
    if grad.shape == shape:
        return grad
    if grad.ndim >= len(shape):
        out = sum_to_shape(grad, shape) if type(grad) is _NDARRAY else SumTo.apply(grad, shape=shape)
        # A shape that does not broadcast to the gradient's comes out of the sum with the wrong shape.
        if out.shape == shape:
            return out
    raise ShapeError(f"a gradient of shape {tuple(grad.shape)} cannot be summed back to an input of shape {shape}")
