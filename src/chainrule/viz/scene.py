"""What to draw: visible nodes (leaves, gates, collapsed groups, a summary) and labelled edges.

Turns a Trace (with gradients) into a small display graph: ops inside a collapsed
group become one node; beyond ``max_nodes`` gates, everything farther from the
output than the nearest ``max_nodes`` becomes a single summary node, so a graph of
any size draws in bounded time and space.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from chainrule.viz.format import summary
from chainrule.viz.groups import Resolved
from chainrule.viz.naming import assign_names, gate_label
from chainrule.viz.roles import roles
from chainrule.viz.trace import Op, Trace, Value


@dataclass(eq=False)
class Node:
    id: str
    kind: str  # leaf, const, op, group, summary, output
    label: str
    note: str | None = None  # a last line in red: the summed gradient
    cluster: Resolved | None = None
    shapes: str | None = None  # a collapsed group's shapes, in → out, in small print under its label


@dataclass(eq=False)
class Line:
    tail: str
    head: str
    value: str | None = None
    grad: str | None = None


@dataclass(eq=False)
class Scene:
    nodes: list[Node] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    clusters: list[Resolved] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Options:
    values: bool = True
    grads: bool = True
    max_nodes: int = 60
    max_items: int = 4
    params: dict = field(default_factory=dict)  # id(parameter) -> its dotted name in the model


def build(tr: Trace, groups: list[Resolved], collapsed: set, opts: Options) -> Scene:
    """The display graph of ``tr``; groups in ``collapsed`` become single nodes, others clusters.

    Values are named as ``explain`` names them; an intermediate with a role in a network (z₁, h₁, ŷ)
    shows its name with its value. A model's parameter sits in the cluster of the layer that reads it.
    """
    scene = Scene(clusters=[g for g in groups if g not in collapsed and not _inside(g, collapsed)])
    names = assign_names(tr, intermediates=False, params=opts.params)
    shown = {v: names[v] for v in roles(tr) if not v.is_leaf and v is not tr.output}
    unit = _units(tr, groups, collapsed)
    visible = _nearest(tr, unit, opts.max_nodes)
    ids: dict = {}
    hidden_ops = [op for op in tr.ops if unit[op] not in visible]
    if hidden_ops:
        n_leaves = len({id(e.value) for op in hidden_ops for e in op.edges if e.value.is_leaf})
        scene.nodes.append(Node("summary", "summary", f"… {len(hidden_ops)} more ops\n({n_leaves} inputs)"))
        scene.notes.append(f"showing the {len(visible)} gates nearest the output of {len(tr.ops)}")
    for u in visible:
        ids[u] = f"n{len(ids)}"
        if isinstance(u, Op):
            cluster = _cluster_of(u, groups, collapsed)
            out = next(iter(u.outputs.values()), None)
            scene.nodes.append(Node(ids[u], "op", gate_label(u), _sum_note(out, opts), cluster))
        else:
            home = u.parent if u.parent in scene.clusters else None
            scene.nodes.append(Node(ids[u], "group", u.title, None, home, u.shapes))
    merged: dict = {}
    for op in tr.ops:
        head = unit[op]
        if head not in visible:
            continue
        for e in op.edges:
            v = e.value
            tail = unit.get(v.producer) if v.producer else v
            if tail is head:
                continue
            if tail not in visible and not isinstance(tail, Value):
                tail = "summary"
            if isinstance(tail, Value) and tail not in ids:
                ids[tail] = f"n{len(ids)}"
                kind = "leaf" if v.requires_grad else "const"
                home = _home(head, groups, collapsed, scene) if id(v.leaf_tensor) in opts.params else None
                scene.nodes.append(Node(ids[v], kind, names[v], _sum_note(v, opts), home))
            key = (v, head) if isinstance(head, Resolved) or tail == "summary" else e
            if key in merged:
                merged[key][1].append(e.grad)
            else:
                merged[key] = (ids.get(tail, "summary"), [e.grad], v, ids[head])
    for tail_id, grads, v, head_id in merged.values():
        scene.lines.append(_line(tail_id, head_id, v, _total(grads), opts, shown.get(v)))
    out = tr.output
    scene.nodes.append(Node("out", "output", names[out]))
    src = ids.get(unit.get(out.producer)) if out.producer else ids.setdefault(out, "leaf_out")
    if out.is_leaf:
        scene.nodes.insert(0, Node("leaf_out", "leaf" if out.requires_grad else "const", names[out]))
    scene.lines.append(_line(src, "out", out, out.grad, opts))
    return scene


def _units(tr: Trace, groups: list[Resolved], collapsed: set) -> dict:
    """Each op's drawn unit: itself, or the outermost collapsed group holding it."""
    unit: dict = {op: op for op in tr.ops}
    for g in sorted(collapsed, key=lambda r: -len(r.ops)):
        for op in g.ops:
            if unit[op] is op:
                unit[op] = g
    return unit


def _nearest(tr: Trace, unit: dict, limit: int) -> dict:
    """The ``limit`` units closest to the output (breadth-first, against the edges), in order."""
    start = tr.output.producer
    if start is None:
        return {}
    seen = {unit[start]: None}
    queue = deque([unit[start]])
    members: dict = {}
    for op in tr.ops:
        members.setdefault(unit[op], []).append(op)
    while queue and len(seen) < limit:
        u = queue.popleft()
        for op in members[u]:
            for e in op.edges:
                p = e.value.producer
                if p is not None and unit[p] not in seen and len(seen) < limit:
                    seen[unit[p]] = None
                    queue.append(unit[p])
    return seen


def _home(head: object, groups: list[Resolved], collapsed: set, scene: Scene) -> Resolved | None:
    """The drawn cluster around the unit ``head`` (an op, or a collapsed group's node), if any."""
    if isinstance(head, Op):
        return _cluster_of(head, groups, collapsed)
    parent = getattr(head, "parent", None)
    return parent if parent in scene.clusters else None


def _inside(g: Resolved, collapsed: set) -> bool:
    p = g.parent
    while p is not None:
        if p in collapsed:
            return True
        p = p.parent
    return False


def _cluster_of(op: Op, groups: list[Resolved], collapsed: set) -> Resolved | None:
    for g in groups:  # smallest first
        if op in g.ops and g not in collapsed:
            return g
    return None


def _sum_note(v: Value | None, opts: Options) -> str | None:
    """The summed gradient of a value used more than once ("branches add")."""
    if v is None or not opts.grads or v.grad is None or (len(v.uses) < 2 and not v.unknown):
        return None
    return ("Σ " if not v.unknown else ".grad ") + summary(v.grad, opts.max_items)


def _total(grads: list) -> np.ndarray | None:
    if any(g is None for g in grads):
        return None
    return grads[0] if len(grads) == 1 else np.sum(grads, axis=0)


def _line(tail: str, head: str, v: Value, grad: np.ndarray | None, opts: Options, name: str | None = None) -> Line:
    value = summary(v.data, opts.max_items) if opts.values else None
    if value is not None and name:
        value = f"{name} = {value}"
    return Line(tail, head, value, summary(grad, opts.max_items) if opts.grads and grad is not None else None)
