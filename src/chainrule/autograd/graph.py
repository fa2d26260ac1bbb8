"""What every recorded node shares: edges, the accumulator nodes at leaves, saved values, creation traces.

An *edge* says where a gradient goes: ``(node, output_nr)``, the node that made a value and which of
its outputs the value was. A leaf that requires grad is reached through its ``AccumulateGrad`` node,
as in PyTorch, so every edge has that one form; ``None`` marks an input that takes no gradient.

A *saved value* is ``(value, counter, version)``: what a node keeps for its backward, the version
counter of the memory it lives in, and the count when it was saved. Reading it back checks that
nothing modified it in place since; a node's ``_saved`` is a tuple of them, or None once a backward
pass freed it.
"""

from __future__ import annotations

import itertools
import traceback
import weakref
from typing import Any

from chainrule import backend
from chainrule.autograd.mode import state
from chainrule.errors import AnomalyError, BackwardError

_PACKAGE_DIR = __file__.rsplit("/autograd/", 1)[0]

#: Recorded nodes count down, so a newer node sorts first: every consumer of a value was recorded
#: after the value's node, and the backward pass runs the pending node with the lowest count.
ORDER = itertools.count(-1, -1)


class AccumulateGrad:
    """The end of the chain at a leaf that requires grad: what reaches it is added into the leaf's ``.grad``.

    One per leaf, kept by the leaf; it refers back to the leaf weakly, so no reference cycle is made.
    """

    __slots__ = ("_variable",)
    inputs = edges = ()
    _n_outputs = 1
    _retained = None

    def __init__(self, variable: Any) -> None:
        self._variable = weakref.ref(variable)

    @property
    def variable(self) -> Any:
        """The leaf tensor (None once it is gone)."""
        return self._variable()

    @property
    def name(self) -> str:
        return "AccumulateGrad"

    @property
    def next_functions(self) -> tuple:
        return ()

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


def edge(t: Any) -> tuple:
    """Where ``t``'s gradient goes: the node that made it, or its leaf's accumulator (made on first use)."""
    node = t._grad_fn
    if node is not None:
        return node, t._output_nr
    node = t._acc
    if node is None:
        node = t._acc = AccumulateGrad(t)
    return node, 0


def record(node: Any, edges: Any) -> None:
    """Make ``node`` part of the graph: where its inputs' gradients go, and when it was recorded."""
    node.edges = edges
    node._order = next(ORDER)
    if state.anomaly:
        node._trace = creation_trace()


def saved(value: Any, counter: Any) -> tuple:
    """A saved value: ``value`` with its memory's version counter and the version it has now."""
    return value, counter, counter.value


def read_saved(node: Any, entry: tuple) -> Any:
    """The value of a saved entry, refused if its memory was modified in place since it was saved."""
    value, counter, version = entry
    if counter.value != version:
        raise modified_error(node, value.shape, version, counter.value)
    return value


def freed_error(node: Any) -> BackwardError:
    """The error for reading what a node saved after a backward pass freed it."""
    return BackwardError(
        f"{node.name}: trying to backward through the graph a second time, but its saved "
        "values were freed after the first backward(). Pass retain_graph=True to the first "
        "backward() (or autograd.grad) if you need to go through the graph again."
    )


def modified_error(node: Any, shape: tuple, saved_at: int, now: int) -> BackwardError:
    return BackwardError(
        f"{node.name}: a tensor of shape {tuple(shape)} that it saved for backward was modified "
        f"in place (saved at version {saved_at}, now at version {now}), so its gradient would be "
        "wrong. Use .clone() before the in-place operation, or do it after backward()."
    )


def creation_trace() -> str:
    """The user's part of the current stack, for anomaly messages."""
    frames = [f for f in traceback.extract_stack()[:-2] if not f.filename.startswith(_PACKAGE_DIR)]
    return "".join(traceback.format_list(frames[-6:])) or "  (no user frame)\n"


def where_created(node: Any) -> str:
    """The recorded creation traceback of ``node`` (only recorded under ``detect_anomaly``)."""
    return getattr(node, "_trace", None) or "  (run under cr.detect_anomaly() to record where ops are created)\n"


def check_forward(node: Any, outputs: list) -> None:
    """Under ``detect_anomaly``: raise when a forward output holds NaN/Inf."""
    for out in outputs:
        if not backend.all_finite(backend.xp.asarray(out)):
            shapes = ", ".join(str(a.shape) for a in node.inputs if hasattr(a, "_grad_fn"))
            trace = getattr(node, "_trace", None) or creation_trace()
            raise AnomalyError(
                f"{node.name} returned NaN or Inf in its forward output of shape "
                f"{tuple(backend.xp.shape(out))} (inputs of shapes: {shapes or 'none'}). "
                f"It was created at:\n{trace}"
            )
