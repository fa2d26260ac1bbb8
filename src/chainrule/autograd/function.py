"""Function: one recorded operation, the forward()/backward() node of the graph.

``MyOp.apply(*inputs)`` runs ``forward`` without recording and, when an input requires grad,
returns outputs whose ``grad_fn`` is the node (an instance of ``MyOp`` that also served as
``ctx``). The engine later calls ``MyOp.backward(ctx, *grad_outputs)``, which returns one gradient
(or None) per input, in the *output's* shape: the engine sums broadcast gradients back.

Built-in ops are ``Primitive``s: the same node, with ``forward`` on backend arrays. Both kinds are
recorded by ``graph.record`` with edges from ``graph.edge``, and keep saved values in one form.
"""

from __future__ import annotations

from typing import Any

from chainrule import backend
from chainrule.autograd import graph
from chainrule.autograd.mode import state
from chainrule.errors import ChainruleError, ShapeError
from chainrule.ops import views
from chainrule.tensor import Tensor, as_operand

where_created = graph.where_created


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
    edges: tuple  # per input: (node, output_nr) where its gradient goes, or None (see ``graph``)
    _order: int  # when it was recorded, counting down (see graph.ORDER)
    # Defaults for recorded nodes; instances override only what differs.
    _saved: tuple | None = ()  # saved values (graph.saved); None once a backward pass freed them
    _retained: dict | None = None
    _n_outputs = 1
    _out_meta: tuple | None = None
    _trace: str | None = None

    @staticmethod
    def forward(ctx: Function, *args: Any, **kwargs: Any) -> Any:
        """The op's outputs from its inputs (a static method each subclass defines); save what backward needs on
        ``ctx``."""
        raise NotImplementedError("Function subclasses must define a static forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: Function, *grad_outputs: Tensor) -> Any:
        """One gradient (or None) per input of forward, from the gradients of its outputs; a static method each
        subclass defines."""
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
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on the inputs and record the node when an input requires grad."""
        ctx = object.__new__(cls)
        ctx.inputs = args
        wants = [isinstance(a, Tensor) and a.requires_grad for a in args]  # (a view reads its base's history)
        record = state.grad_enabled and any(wants)
        ctx.edges = tuple(graph.edge(a) if w and record else None for a, w in zip(args, wants))
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
        fixed = ctx.__dict__.get("_non_differentiable", ())
        results = tuple(
            Tensor._make(o._data, record and o.dtype.kind in "fc" and id(o) not in fixed,
                         ctx if record and id(o) not in fixed else None, i)  # fmt: skip
            for i, o in enumerate(outs)
        )
        if record:
            graph.record(ctx, ctx.edges)
            ctx._n_outputs = len(results)
            ctx._out_meta = tuple((r.shape, r.dtype) for r in results)
        if state.anomaly:
            graph.check_forward(ctx, [r._data for r in results])
        return results[0] if single else results

    # ----------------------------------------------------------- ctx API
    @property
    def needs_input_grad(self) -> tuple:
        """Whether each input takes a gradient (read by backward rules; derived from ``edges``)."""
        return tuple(e is not None for e in self.edges)

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep tensors for ``backward``; modifying them in place afterwards is detected."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward takes Tensors or None, got {type(t).__name__}")
        self._saved = tuple(None if t is None else graph.saved(t, t._vc) for t in tensors)

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        """Outputs of ``forward`` that take no gradient (indices, masks): they come out not requiring grad,
        and ``backward`` gets zeros for them, as in PyTorch."""
        for t in outputs:
            if not isinstance(t, Tensor):
                raise TypeError(f"mark_non_differentiable takes the Tensors forward returns, got {type(t).__name__}")
        self._non_differentiable = {id(t) for t in outputs}

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward``, checked for in-place modification."""
        if self._saved is None:
            raise graph.freed_error(self)
        return tuple(None if e is None else graph.read_saved(self, e) for e in self._saved)

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
        """``(node, output_nr)`` per input (``AccumulateGrad`` for a leaf, ``(None, 0)`` for a constant), as PyTorch."""
        return tuple((None, 0) if e is None else e for e in self.edges)

    def __repr__(self) -> str:
        return f"<{self.name}>"


class Primitive(Function):
    """A built-in op: ``forward`` maps backend arrays to an array, beside one backward formula.

    The formula is either ``rule`` or ``backward`` (see CONTRIBUTING.md):

    - ``rule(ctx, g, *saved)``, written with what arrays and Tensors share (``+ - * / @``, ``.T``,
      ``.reshape``, comparisons ...). ``saved`` holds the operands (``saves_inputs``), then the output
      (``saves_output``). The op then has both of the engine's rules from that one formula:
      ``backward`` runs it on Tensors (recorded, for higher derivatives) and ``array_backward`` on
      arrays (a plain first-order pass, without wrapping).
    - ``backward(ctx, g)``, written with Tensor ops, reading ``ctx.saved_inputs`` and
      ``ctx.saved_output``, where the formula needs what only Tensors have. An ``array_backward``
      beside it is a measured fast path (benchmarks/README.md lists them), computed by the same
      helpers.

    Saved values are guarded against in-place modification and against use after the graph is
    freed; ``unread_inputs`` lists the operands (by position) the formula never reads, which may
    change. Non-Tensor positional operands (Python numbers) stay constants; keyword arguments are
    parameters (axis, shape, ...).
    """

    #: The backward formula on arrays and Tensors alike (see the class docstring), or None.
    rule: Any = None
    saves_inputs = False
    unread_inputs: tuple = ()
    #: Two operands, each read only for the other's gradient (d(ab)/da = b): a change to one operand
    #: matters only when the other requires grad (as PyTorch saves ``self`` only when ``other`` needs it).
    product_rule = False
    saves_output = False
    #: The output may share the first operand's memory (reshape, permute, basic indexing, expand): when
    #: it does, it becomes a view of that operand's base, sharing its version counter (``ops.views``).
    is_view = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "rule" in cls.__dict__:  # one formula, both rules
            cls.backward = staticmethod(_tensor_rule)
            cls.array_backward = staticmethod(_array_rule(cls.rule, cls.saves_inputs, cls.saves_output))

    @classmethod
    def apply(cls, *operands: Any, **params: Any) -> Tensor:
        # The hottest code in chainrule: one plain loop gathers the arrays and, in case the
        # node is recorded, where each operand's gradient goes.
        arrays = []
        edges = []
        wants_grad = False
        for a in operands:
            if isinstance(a, Tensor):
                if a._view is not None:  # a view whose base may have a new history
                    a._sync_view()
                arrays.append(a._data)
                if a._rg:
                    wants_grad = True
                    edges.append((a._grad_fn, a._output_nr) if a._grad_fn is not None else graph.edge(a))
                    continue
            elif type(a) in _SCALARS:
                arrays.append(a)
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
            graph.check_forward(ctx, [out])
        recorded = wants_grad and state.grad_enabled and out.dtype.kind in "fc"
        result = Tensor._make(out, True, ctx) if recorded else Tensor._make(out)
        if cls.is_view:
            views.link(result, operands[0])
        if recorded:
            graph.record(ctx, edges)
            if cls.saves_inputs or cls.saves_output:
                ctx._saved = cls._saved_values(operands, edges, result)
        return result

    @classmethod
    def _saved_values(cls, operands: tuple, edges: list, result: Tensor) -> list:
        """The inputs the rule reads (``saves_inputs``, less what it never reads), then the output (``saves_output``).

        Each entry in ``graph.saved``'s form, written out: this runs for every recorded op.
        """
        entries = []
        if cls.saves_inputs:
            for a in operands:
                entries.append((a, a._vc, a._vc.value) if isinstance(a, Tensor) else None)
            for i in cls.unread_inputs:
                entries[i] = None
            if cls.product_rule:  # an operand is read only for the other's gradient
                if edges[1] is None:
                    entries[0] = None
                if edges[0] is None:
                    entries[1] = None
        if cls.saves_output:
            entries.append((result._data, result._vc, result._vc.value))
        return entries

    @classmethod
    def describe_error(cls, exc: Exception, operands: tuple) -> Exception:
        """Turn a NumPy error into one that names the op and the operand shapes."""
        shapes = ", ".join(str(a.shape) if isinstance(a, Tensor) else repr(a) for a in operands)
        return ShapeError(f"{cls.__name__.lower()}: operands of shapes {shapes}: {exc}")

    @property
    def saved_inputs(self) -> tuple:
        """The op's operands, checked for in-place modification since the forward pass."""
        saved = self._saved
        if saved is None:
            raise graph.freed_error(self)
        if type(self).saves_inputs:
            for entry in saved[: len(self.inputs)]:
                if entry is not None:
                    graph.read_saved(self, entry)
        return self.inputs

    @property
    def saved_input_arrays(self) -> list:
        """The operands' arrays (Python numbers stay numbers), checked like ``saved_inputs``."""
        saved = self._saved
        if saved is None:
            raise graph.freed_error(self)
        if not type(self).saves_inputs:  # nothing saved to check
            return [a._data if isinstance(a, Tensor) else a for a in self.inputs]
        arrays = []
        for a, entry in zip(self.inputs, saved):  # one loop: first-order rules read this on every step
            if entry is None:  # a number, or an operand the rule does not read
                arrays.append(a._data if isinstance(a, Tensor) else a)
            else:
                value, counter, version = entry
                if counter.value != version:
                    raise graph.modified_error(self, value.shape, version, counter.value)
                arrays.append(value._data)
        return arrays

    @property
    def saved_output(self) -> Tensor:
        """The op's output, still attached to this node so second derivatives flow through it."""
        return Tensor._make(self.saved_output_array, True, self)

    @property
    def saved_output_array(self) -> Any:
        """The op's output array, for first-order rules that need no graph; checked like ``saved_output``."""
        saved = self._saved
        if saved is None:
            raise graph.freed_error(self)
        return graph.read_saved(self, saved[-1])


_SCALARS = backend.SCALAR_TYPES
_NDARRAY = backend.ndarray


def _tensor_rule(ctx: Primitive, g: Tensor) -> tuple:
    """``rule`` on Tensors: every op it uses is recorded, so its result can be differentiated again."""
    saved = ctx.saved_inputs if type(ctx).saves_inputs else ()
    if type(ctx).saves_output:
        saved = (*saved, ctx.saved_output)
    return type(ctx).rule(ctx, g, *saved)


def _array_rule(rule: Any, inputs: bool, output: bool) -> Any:
    """``rule`` on arrays, for a first-order pass: made once per op class, for what the op saves (this runs
    for every node of every backward pass)."""
    if output and inputs:
        return lambda ctx, g: rule(ctx, g, *ctx.saved_input_arrays, ctx.saved_output_array)
    if output:
        return lambda ctx, g: rule(ctx, g, ctx.saved_output_array)
    if inputs:
        return lambda ctx, g: rule(ctx, g, *ctx.saved_input_arrays)
    return lambda ctx, g: rule(ctx, g)
