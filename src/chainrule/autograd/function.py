"""Function: one recorded operation, the forward()/backward() node of the graph.

``MyOp.apply(*inputs)`` runs ``forward`` without recording and, when an input
requires grad, returns outputs whose ``grad_fn`` is the node (an instance of
``MyOp`` that also served as ``ctx``). The engine later calls
``MyOp.backward(ctx, *grad_outputs)``, which returns one gradient (or None) per
input, in the *output's* shape: the engine sums broadcast gradients back.
"""

from __future__ import annotations

import itertools
import traceback
from typing import Any

from chainrule import backend
from chainrule.autograd.mode import state
from chainrule.errors import AnomalyError, BackwardError, ChainruleError, ShapeError
from chainrule.ops import views
from chainrule.tensor import Tensor, as_operand

_PACKAGE_DIR = __file__.rsplit("/autograd/", 1)[0]


class Function:
    """Base class of every operation, built-in or user-defined (like ``torch.autograd.Function``).

    Example::

        class Cube(cr.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return grad * 3 * x ** 2

        y = Cube.apply(x)
    """

    #: Text used for this op in drawings and traces (defaults to the class name).
    label: str | None = None

    inputs: tuple
    needs_input_grad: tuple
    edges: tuple
    _order: int  # when it was recorded, counting down (see _ORDER)
    # Defaults for recorded nodes; instances override only what differs.
    _saved: tuple | None = ()  # None once a backward pass freed it
    _versions: tuple = ()
    _retained: dict | None = None
    _n_outputs = 1
    _out_meta: tuple | None = None
    _trace: str | None = None

    @staticmethod
    def forward(ctx: Function, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("Function subclasses must define a static forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: Function, *grad_outputs: Tensor) -> Any:
        raise NotImplementedError("Function subclasses must define a static backward(ctx, *grad_outputs)")

    #: Optional first-order form of ``backward`` on backend arrays (gradient in, one array or None
    #: per input out). A pass without ``create_graph`` uses it to skip wrapping arrays in Tensors.
    array_backward: Any = None
    #: The op guarantees that ``array_backward`` gives every gradient its input's shape and dtype,
    #: so the engine skips checking the gradients it passes on to other nodes (it still checks that
    #: each is an array, every gradient bound for a leaf's ``.grad``, and everything under
    #: ``detect_anomaly``). Only for ops that hold it by construction, as their tests show; a
    #: subclass that redefines ``forward`` or ``array_backward`` makes no promise unless it says so.
    exact_array_grads = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "backward" in cls.__dict__ and "array_backward" not in cls.__dict__:
            cls.array_backward = None  # a new Tensor rule: an inherited array form would contradict it
        if ("array_backward" in cls.__dict__ or "forward" in cls.__dict__) and "exact_array_grads" not in cls.__dict__:
            cls.exact_array_grads = False  # a promise about the inherited op, not about this one

    # ----------------------------------------------------------- recording
    @classmethod
    def _new_node(cls, inputs: tuple, needs: tuple) -> Function:
        node = object.__new__(cls)
        node.inputs = inputs
        node.needs_input_grad = needs
        if state.anomaly:
            node._trace = _creation_trace()
        return node

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on the inputs and record the node when an input requires grad."""
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)  # (a view reads its base's history)
        record = state.grad_enabled and any(needs)
        ctx = cls._new_node(args, needs)
        previous = state.grad_enabled
        state.grad_enabled = False
        try:
            raw = cls.forward(ctx, *args, **kwargs)
        finally:
            state.grad_enabled = previous
        single = not isinstance(raw, tuple)
        outs = (raw,) if single else raw
        for o in outs:
            if not isinstance(o, Tensor):
                raise TypeError(f"{cls.__name__}.forward must return Tensors, got {type(o).__name__}")
        results = tuple(
            Tensor._make(o.data, record and o.dtype.kind in "fc", ctx if record else None, i)
            for i, o in enumerate(outs)
        )
        if record:
            ctx.edges = edges_of(args)
            ctx._order = next(_ORDER)
            ctx._n_outputs = len(results)
            ctx._out_meta = tuple((r.shape, r.dtype) for r in results)
        if state.anomaly:
            check_forward(ctx, [r.data for r in results])
        return results[0] if single else results

    # ----------------------------------------------------------- ctx API
    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep tensors for ``backward``; modifying them in place afterwards is detected."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward takes Tensors or None, got {type(t).__name__}")
        self._saved = tensors
        self._versions = tuple(None if t is None else t._vc.value for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward``, checked for in-place modification."""
        if self._saved is None:
            raise self._freed_error()
        for t, v in zip(self._saved, self._versions):
            if t is not None and t._vc.value != v:
                raise _modified_error(self, t.shape, v, t._vc.value)
        return self._saved

    def _freed_error(self) -> BackwardError:
        """The error for reading what a node saved after a backward pass freed it."""
        return BackwardError(
            f"{self.name}: trying to backward through the graph a second time, but its saved "
            "values were freed after the first backward(). Pass retain_graph=True to the first "
            "backward() (or autograd.grad) if you need to go through the graph again."
        )

    # ----------------------------------------------------------- description
    @property
    def name(self) -> str:
        """The op's name for messages, e.g. ``Mul`` (its class name)."""
        return type(self).__name__

    @property
    def symbol(self) -> str:
        """The op's short label for drawings, e.g. ``*`` (``label``, else the class name)."""
        return self.label or type(self).__name__

    @property
    def next_functions(self) -> tuple:
        """``(grad_fn, output_nr)`` per input (``(None, 0)`` for leaves and constants), like PyTorch."""
        return tuple(e if type(e) is tuple else (None, 0) for e in self.edges)

    def __repr__(self) -> str:
        return f"<{self.name}>"


class Primitive(Function):
    """A built-in op: ``forward`` maps backend arrays to an array; ``backward`` uses Tensor ops.

    Set ``saves_inputs`` to read the input Tensors back in ``backward`` as
    ``ctx.saved_inputs`` and ``saves_output`` for ``ctx.saved_output``; both are
    guarded against in-place modification and against use after the graph is freed.
    ``unread_inputs`` lists the operands (by position) that ``backward`` does not read: they may change.
    Non-Tensor positional operands (Python numbers) stay constants; keyword
    arguments are parameters (axis, shape, ...).
    """

    saves_inputs = False
    unread_inputs: tuple = ()
    #: Two operands, each read only for the other's gradient (d(ab)/da = b): a change to one operand
    #: matters only when the other requires grad (as PyTorch saves ``self`` only when ``other`` needs it).
    product_rule = False
    saves_output = False
    #: The output may share the first operand's memory (reshape, permute, basic indexing, expand): when
    #: it does, it becomes a view of that operand's base, sharing its version counter (``ops.views``).
    is_view = False

    @classmethod
    def apply(cls, *operands: Any, **params: Any) -> Tensor:
        # The hottest code in chainrule: one plain loop gathers the arrays and, in case the
        # node is recorded, where each operand's gradient goes.
        arrays = []
        edges = []
        versions = []  # kept by ops that save their inputs
        wants_grad = False
        for a in operands:
            if isinstance(a, Tensor):
                if a._view is not None:  # a view whose base may have a new history
                    a._sync_view()
                arrays.append(a.data)
                versions.append(a._vc.value)
                if a._rg:
                    wants_grad = True
                    edges.append(a if a._grad_fn is None else (a._grad_fn, a._output_nr))
                    continue
            elif type(a) in _SCALARS:
                arrays.append(a)
                versions.append(None)
            else:  # an array-like, or a number of a subclass (t.size): made plain, then applied again
                return cls.apply(*(as_operand(a, cls.__name__) for a in operands), **params)
            edges.append(None)
        ctx = object.__new__(cls)
        ctx.inputs = operands
        try:
            out = cls.forward(ctx, *arrays, **params)
        except ChainruleError:
            raise
        except (ValueError, IndexError) as exc:
            raise cls.describe_error(exc, operands) from exc
        if type(out) is not _NDARRAY:
            out = backend.xp.asarray(out)
        if state.anomaly:
            check_forward(ctx, [out])
        if not (wants_grad and state.grad_enabled and out.dtype.kind in "fc"):
            result = Tensor._make(out)
            if cls.is_view:
                views.link(result, operands[0])
            return result
        ctx.edges = edges
        ctx._order = next(_ORDER)
        result = Tensor._make(out, True, ctx)
        if cls.is_view:
            views.link(result, operands[0])
        if cls.saves_inputs:
            ctx._versions = versions
            for i in cls.unread_inputs:
                versions[i] = None
            if cls.product_rule:  # an operand is read only for the other's gradient: a constant other reads none
                if edges[1] is None:
                    versions[0] = None
                if edges[0] is None:
                    versions[1] = None
        if cls.saves_output:
            ctx._saved = (out, result._vc, result._vc.value)
        if state.anomaly:
            ctx._trace = _creation_trace()
        return result

    @classmethod
    def describe_error(cls, exc: Exception, operands: tuple) -> Exception:
        """Turn a NumPy error into one that names the op and the operand shapes."""
        shapes = ", ".join(str(a.shape) if isinstance(a, Tensor) else repr(a) for a in operands)
        return ShapeError(f"{cls.__name__.lower()}: operands of shapes {shapes}: {exc}")

    @property
    def needs_input_grad(self) -> list:
        """Whether each operand requires grad (read by backward rules; derived from ``edges``)."""
        return [e is not None for e in self.edges]

    @property
    def saved_inputs(self) -> tuple:
        """The op's operands, checked for in-place modification since the forward pass."""
        if self._saved is None:
            raise self._freed_error()
        for a, v in zip(self.inputs, self._versions):
            if v is not None and a._vc.value != v:
                raise _modified_error(self, a.shape, v, a._vc.value)
        return self.inputs

    @property
    def saved_input_arrays(self) -> list:
        """The operands' arrays (Python numbers stay numbers), checked like ``saved_inputs``."""
        if self._saved is None:
            raise self._freed_error()
        if not self._versions:  # an op that does not set saves_inputs: nothing to check
            return [a.data if isinstance(a, Tensor) else a for a in self.inputs]
        arrays = []
        for a, v in zip(self.inputs, self._versions):  # one loop: first-order rules read this on every step
            if v is None:  # a number, or an operand the rule does not read
                arrays.append(a.data if isinstance(a, Tensor) else a)
            elif a._vc.value != v:
                raise _modified_error(self, a.shape, v, a._vc.value)
            else:
                arrays.append(a.data)
        return arrays

    @property
    def saved_output(self) -> Tensor:
        """The op's output, still attached to this node so second derivatives flow through it."""
        return Tensor._make(self.saved_output_array, True, self)

    @property
    def saved_output_array(self) -> Any:
        """The op's output array, for first-order rules that need no graph; checked like ``saved_output``."""
        if self._saved is None:
            raise self._freed_error()
        data, vc, version = self._saved
        if vc.value != version:
            raise _modified_error(self, data.shape, version, vc.value)
        return data


_SCALARS = backend.SCALAR_TYPES
_NDARRAY = backend.ndarray
#: Recorded nodes count down, so a newer node sorts first: every consumer of a value was
#: recorded after the value's node, and the backward pass runs the pending node with the lowest.
_ORDER = itertools.count(-1, -1)


def edges_of(operands: tuple) -> tuple:
    """Where each operand's gradient goes, frozen when the op is recorded.

    ``(node, output_nr)`` for an op's output, the Tensor itself for a leaf that
    requires grad, None for constants. Freezing matters: an in-place op later
    gives the same Tensor object a new history, but this op consumed the old one.
    """
    return tuple(
        (a if a._grad_fn is None else (a._grad_fn, a._output_nr)) if isinstance(a, Tensor) and a.requires_grad else None
        for a in operands
    )


def _modified_error(node: Function, shape: tuple, saved: int, now: int) -> BackwardError:
    return BackwardError(
        f"{node.name}: a tensor of shape {tuple(shape)} that it saved for backward was modified "
        f"in place (saved at version {saved}, now at version {now}), so its gradient would be "
        "wrong. Use .clone() before the in-place operation, or do it after backward()."
    )


def _creation_trace() -> str:
    """The user's part of the current stack, for anomaly messages."""
    frames = [f for f in traceback.extract_stack()[:-2] if not f.filename.startswith(_PACKAGE_DIR)]
    return "".join(traceback.format_list(frames[-6:])) or "  (no user frame)\n"


def where_created(node: Function) -> str:
    """The recorded creation traceback of ``node`` (only recorded under ``detect_anomaly``)."""
    return node._trace or "  (run under cr.detect_anomaly() to record where ops are created)\n"


def check_forward(node: Function, outputs: list) -> None:
    """Under ``detect_anomaly``: raise when a forward output holds NaN/Inf."""
    for out in outputs:
        if not backend.all_finite(backend.xp.asarray(out)):
            shapes = ", ".join(
                str(a.shape) for a in node.inputs if isinstance(a, Tensor)
            )
            trace = node._trace if getattr(node, "_trace", None) else _creation_trace()
            raise AnomalyError(
                f"{node.name} returned NaN or Inf in its forward output of shape "
                f"{tuple(backend.xp.shape(out))} (inputs of shapes: {shapes or 'none'}). "
                f"It was created at:\n{trace}"
            )
