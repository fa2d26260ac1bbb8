"""Names and gate labels shared by drawings and narrations: one function names every value for both."""

from __future__ import annotations

import numbers
from typing import Any

from chainrule.viz.format import number
from chainrule.viz.roles import roles
from chainrule.viz.trace import Op, Trace, Value

_LEAVES = "abcdeghkmn"
_INNER = "qrstuvpw"
_COMMUTATIVE = {"+", "*"}


def parameter_names(model: Any = None, groups: Any = None) -> dict[int, str]:
    """``{id(parameter): dotted name}`` from a model's ``named_parameters()`` and a ``viz.record()`` Recorder."""
    found = dict(getattr(groups, "names", None) or {})
    if model is not None:
        if not hasattr(model, "named_parameters"):
            kind = type(model).__name__
            raise TypeError(f"draw/explain: model must be an nn.Module (with named_parameters), got {kind}")
        found.update({id(p): name for name, p in model.named_parameters()})
    return found


def assign_names(tr: Trace, intermediates: bool, params: dict[int, str] | None = None) -> dict[Value, str]:
    """A name per value, the same for ``draw`` and ``explain``.

    In order: the tensor's ``name``; a parameter's dotted name in its model (``params``);
    its role in a network (x, W₁, b₁, z₁, h₁, ŷ, y, L: ``viz.roles``); ``f`` for the output;
    then letters (a, b, … for leaves, q, r, … for intermediates). Leaves, the output and
    values with a role always get a name; other intermediates only when ``intermediates``.
    """
    names: dict = {v: v.name for v in tr.values if v.name}
    if params:
        for v in tr.values:
            if v not in names and v.is_leaf and id(v.leaf_tensor) in params:
                names[v] = params[id(v.leaf_tensor)]
    taken = set(names.values())
    for v, role in roles(tr).items():
        if v not in names:
            names[v] = _fresh(role, taken)
    if tr.output not in names:
        names[tr.output] = _fresh("f", taken)
    leaves, inner = iter(_LEAVES), iter(_INNER)
    for v in tr.values:
        if v not in names and (v.is_leaf or intermediates):
            names[v] = _fresh(next(leaves, "a") if v.is_leaf else next(inner, "v"), taken)
    return names


def _fresh(base: str, taken: set) -> str:
    name, k = base, 1
    while name in taken:
        k += 1
        name = f"{base}{k}"
    taken.add(name)
    return name


def gate_label(op: Op) -> str:
    """The gate's text: its ``label`` with scalar constants folded in (``+1``, ``*-1``, ``1/x``, ``**2``)."""
    node = op.node
    symbol = node.symbol
    if symbol == "-x":
        return "*-1"  # the lecture draws negation as a multiply-by-constant gate
    if len(op.operands) != 2:
        return symbol
    consts = [(i, c) for i, c in enumerate(op.operands) if not isinstance(c, Value)]
    if len(consts) != 1 or not isinstance(consts[0][1], numbers.Real) or isinstance(consts[0][1], bool):
        return symbol
    i, c = consts[0]
    if symbol in _COMMUTATIVE or i == 1:
        return f"{symbol}{number(c)}"
    return f"{number(c)}{symbol}x"
