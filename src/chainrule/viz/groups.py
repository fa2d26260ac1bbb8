"""Groups: name a sub-graph by the tensors that enter and leave it, to draw it as one gate or a cluster.

A group is ``(inputs, outputs)``: every op between them belongs to it — the
lecture's "sigmoid gate" is ``{"sigmoid": (z, f)}`` for ``f = 1/(1 + exp(-z))``.
``record()`` collects groups as code runs: each ``nn.Module`` call of the models
it is given, and each call of a function wrapped by ``gate(name, fn)``.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from chainrule.tensor import Tensor
from chainrule.viz.trace import Op, Trace


@dataclass(eq=False)
class Group:
    """A named sub-graph: the ops from ``inputs`` (exclusive) up to ``outputs``."""

    name: str
    inputs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)


class Recorder:
    """The groups seen while it was active (see :func:`record`); pass it as ``draw(..., groups=rec)``."""

    def __init__(self) -> None:
        self.groups: list[Group] = []
        self.names: dict[int, str] = {}  # id(parameter) -> its dotted name in the model

    def add(self, name: str, args: tuple, result: Any) -> None:
        self.groups.append(Group(name, _tensors(args), _tensors(result)))

    def __iter__(self) -> Iterator[Group]:
        return iter(self.groups)

    def __len__(self) -> int:
        return len(self.groups)


_active: list[Recorder] = []


@contextlib.contextmanager
def record(*models: Any) -> Iterator[Recorder]:
    """Record each call of the models' sub-modules (and of ``gate`` functions) as a group.

    >>> with viz.record(model) as rec:
    ...     loss = loss_fn(model(x), y)
    >>> cr.draw(loss, groups=rec)         # one node per layer, clusters for containers
    """
    rec = Recorder()
    for m in models:
        rec.names.update({id(p): n for n, p in getattr(m, "named_parameters", dict)()})
    wrapped = [w for m in models for w in _wrap_modules(m, rec)]
    _active.append(rec)
    try:
        yield rec
    finally:
        _active.remove(rec)
        for module in wrapped:
            del module.__dict__["forward"]


def gate(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``fn`` so that each call made inside ``record()`` becomes a group called ``name``.

    >>> sigmoid = viz.gate("sigmoid", lambda z: 1 / (1 + (-z).exp()))
    """

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        for rec in _active:
            rec.add(name, args, result)
        return result

    return call


def _wrap_modules(model: Any, rec: Recorder) -> list:
    """Shadow each sub-module's ``forward`` (instance attribute) with a recording one."""
    named = model.named_modules() if hasattr(model, "named_modules") else [("", model)]
    wrapped = []
    for path, module in named:
        if "forward" in module.__dict__:
            continue
        label = f"{path}: {type(module).__name__}" if path else type(module).__name__
        original = module.forward

        def forward(*args: Any, _f: Callable = original, _label: str = label, **kwargs: Any) -> Any:
            result = _f(*args, **kwargs)
            rec.add(_label, args, result)
            return result

        module.__dict__["forward"] = forward
        wrapped.append(module)
    return wrapped


def _tensors(x: Any) -> list:
    if isinstance(x, Tensor):
        return [x]
    if isinstance(x, (tuple, list)):
        return [t for item in x for t in _tensors(item)]
    if isinstance(x, dict):
        return [t for item in x.values() for t in _tensors(item)]
    return []


def as_groups(spec: Any) -> list[Group]:
    """Accept a Recorder, a list of Groups, or ``{name: (inputs, outputs)}``."""
    if spec is None:
        return []
    if isinstance(spec, dict):
        return [Group(name, _tensors(io[0]), _tensors(io[1])) for name, io in spec.items()]
    groups = list(spec)
    for g in groups:
        if not isinstance(g, Group):
            raise TypeError(f"draw: groups must be a dict name -> (inputs, outputs), Groups or a Recorder, got {g!r}")
    return groups


@dataclass(eq=False)
class Resolved:
    """A group placed on a trace: its member ops and its enclosing group."""

    name: str
    ops: set
    parent: Resolved | None = None
    children: list = field(default_factory=list)


def resolve(tr: Trace, groups: list[Group]) -> tuple[list[Resolved], dict]:
    """Member ops of each group on ``tr``, their nesting, and each op's innermost group."""
    found = []
    for g in groups:
        ops = _members(tr, g)
        if ops:
            found.append(Resolved(g.name, ops))
    found.sort(key=lambda r: len(r.ops))
    innermost: dict = {}
    for i, r in enumerate(found):
        for op in r.ops:
            innermost.setdefault(op, r)
        for bigger in found[i + 1 :]:
            if r.ops <= bigger.ops:
                r.parent = bigger
                bigger.children.append(r)
                break
    return found, innermost


def _members(tr: Trace, g: Group) -> set[Op]:
    """Ops reachable backwards from the group's outputs without crossing its inputs."""
    stop = {id(v) for v in (tr.value_of(t) for t in g.inputs) if v is not None}
    stack = [v.producer for v in (tr.value_of(t) for t in g.outputs) if v is not None and v.producer]
    ops: set = set()
    while stack:
        op = stack.pop()
        if op in ops:
            continue
        ops.add(op)
        for e in op.edges:
            if id(e.value) not in stop and e.value.producer is not None:
                stack.append(e.value.producer)
    return ops
