"""Names and gate labels shared by drawings and narrations."""

from __future__ import annotations

import numbers

from chainrule.viz.format import number
from chainrule.viz.trace import Op, Trace, Value

_LEAVES = "abcdeghkmn"
_INNER = "qrstuvpw"
_COMMUTATIVE = {"+", "*"}


def assign_names(tr: Trace, intermediates: bool) -> dict[Value, str]:
    """A name per value: its tensor's ``name``, else the output is ``f``, then letters q, r, s …

    Leaves always get a name; intermediates only when ``intermediates`` (the narration).
    """
    names: dict = {v: v.name for v in tr.values if v.name}
    taken = set(names.values())
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
