"""Groups: name a sub-graph by the tensors that enter and leave it, to draw it as one gate or a cluster.

A group is ``(inputs, outputs)``: every op between them belongs to it — the
lecture's "sigmoid gate" is ``{"sigmoid": (z, f)}`` for ``f = 1/(1 + exp(-z))``.
``record()`` collects groups as code runs: each ``nn.Module`` call of the models
it is given (with its settings: ``Conv2d 1→8, 5×5, pad 2``), and each call of a
function wrapped by ``gate(name, fn)``. A drawing shows a group as one gate, with
the shapes it takes and gives, unless it is expanded into its ops.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from chainrule.tensor import Tensor
from chainrule.viz.format import shape_text
from chainrule.viz.layers import describe
from chainrule.viz.trace import Op, Trace


@dataclass(eq=False)
class Group:
    """A named sub-graph: the ops from ``inputs`` (exclusive) up to ``outputs``.

    A recorded module call also has its ``path`` in the model (``"0"``, ``"features.conv1"``) and its
    settings in a few words (``detail``: ``"1→8, 5×5, pad 2"``).
    """

    name: str
    inputs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    detail: str = ""
    path: str | None = None


class Recorder:
    """The groups seen while it was active (see :func:`record`); pass it as ``draw(..., groups=rec)``."""

    def __init__(self) -> None:
        self.groups: list[Group] = []
        self.names: dict[int, str] = {}  # id(parameter) -> its dotted name in the model

    def add(self, name: str, args: tuple, result: Any, detail: str = "", path: str | None = None) -> None:
        """Note one call: the tensors it took (``args``) and gave (``result``) bound a group called ``name``."""
        self.groups.append(Group(name, _tensors(args), _tensors(result), detail, path))

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

        def forward(*args: Any, _f: Callable = module.forward, _label: str = label, _m: Any = module,
                    _path: str = path, **kwargs: Any) -> Any:
            result = _f(*args, **kwargs)
            rec.add(_label, args, result, describe(_m), _path)
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
    """A group placed on a trace: its member ops, its enclosing group, and the shapes it takes and gives."""

    name: str
    ops: set
    group: Group | None = None
    parent: Resolved | None = None
    children: list = field(default_factory=list)
    shapes: str | None = None  # "2×1×28×28 → 2×8×28×28"; None where it gives the shapes it takes

    @property
    def title(self) -> str:
        """Its name with its settings: ``0: Conv2d 1→8, 5×5, pad 2``."""
        detail = self.group.detail if self.group is not None else ""
        return f"{self.name} {detail}" if detail else self.name


def resolve(tr: Trace, groups: list[Group]) -> tuple[list[Resolved], dict]:
    """Member ops of each group on ``tr``, their nesting, and each op's innermost group."""
    found = []
    for g in groups:
        ops = _members(tr, g)
        if ops:
            found.append(Resolved(g.name, ops, g, shapes=_shapes(g)))
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


def _shapes(g: Group) -> str | None:
    """``in → out``: the shapes of the tensors the group takes and gives, unless they are the same."""
    shapes = [[shape_text(tuple(t.shape)) for t in ts] for ts in (g.inputs, g.outputs)]
    if not all(shapes) or shapes[0] == shapes[1]:
        return None
    return " → ".join(", ".join(s) for s in shapes)


def drawn_whole(found: list[Resolved], detail: str, expand: Collection[str]) -> set[Resolved]:
    """The groups drawn as one gate: the innermost, unless ``detail="ops"`` or they or a group around
    them are named in ``expand`` (by name, ``"0: Conv2d"``, or by path in the model, ``"0"``)."""
    if detail == "ops":
        return set()

    def expanded(r: Resolved | None) -> bool:
        while r is not None:
            if r.name in expand or (r.group is not None and r.group.path in expand):
                return True
            r = r.parent
        return False

    return {r for r in found if not r.children and not expanded(r)}


def expansion(groups: list[Group], expand: Any) -> set[str]:
    """``expand`` as a set of group names or paths, each checked to name one of ``groups``."""
    if expand is None:
        return set()
    if not isinstance(expand, (str, Collection)):
        raise TypeError(f"draw: expand takes a group's name or path, or a collection of them, got {expand!r} "
                        "(detail='ops' draws every gate)")  # fmt: skip
    names = {expand} if isinstance(expand, str) else set(expand)
    known = {g.name for g in groups} | {g.path for g in groups if g.path is not None}
    unknown = sorted(names - known, key=str)
    if unknown:
        paths = [g.path or g.name for g in groups]
        listed = ", ".join(repr(p) for p in dict.fromkeys(paths)) or "none (pass groups=, e.g. a viz.record() recorder)"
        raise ValueError(f"draw: expand names no group: {', '.join(repr(n) for n in unknown)}; "
                         f"the groups are {listed} (a layer's path in its model, or its full name such as "
                         f"'0: Conv2d')")  # fmt: skip
    return names


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
