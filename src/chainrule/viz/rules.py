"""How the narration writes each op: its formula, its local gradients, its gate pattern, its vector form.

``formula(names)`` and ``local(names, i)`` (∂out/∂input_i) serve scalar graphs, where
the narration multiplies numbers; ``vector(site, i)`` writes ∂L/∂input_i of a tensor
op in vector and matrix form, as the lecture notes do (``W₂ᵀ δ₂``, ``δ ∘ σ(z)(1 - σ(z))``).
The built-in ops' rules live in ``chainrule.viz.op_rules``.

Custom ``Function`` subclasses can describe themselves with optional class members:
``explain_formula(names) -> str`` (e.g. ``"x³"``), ``explain_grad(names, i) -> str``
(the local gradient ∂out/∂input_i in terms of the input names, e.g. ``"3·x²"``) and
``explain_pattern`` (a sentence naming the gate's pattern). ``names`` holds the
inputs' names (numbers for constants) and the output's name last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Site:
    """One op as the vector narration sees it: names and shapes of its operands (output last), its node,
    and the upstream gradient's symbol (None when it is the output's seed 1) and value."""

    names: list[str]
    shapes: list[tuple]
    node: Any
    up: str | None
    up_value: Any = None

    def scalar_up(self) -> float | None:
        """The upstream gradient as a number when it has one element (a scalar loss's seed or scale)."""
        u = self.up_value
        return None if u is None or u.size != 1 else float(u.reshape(-1)[0])


@dataclass(frozen=True)
class Rule:
    formula: Callable[[list], str]
    local: Callable[[list, int], str]
    pattern: str | None = None
    vector: Callable[[Site, int], str] | None = None


def times(up: str | None, expr: str, sign: str = "·") -> str:
    """``up · expr`` (``∘`` for element-wise), or ``expr`` alone when the upstream is the seed 1."""
    return expr if up is None else f"{up} {sign} {expr}"


def hadamard(up: str | None, expr: str) -> str:
    return times(up, expr, "∘")


def upstream(site: Site) -> str:
    """The upstream symbol, 1 when it is the seed."""
    return site.up or "1"


GIVEN_BY = "given by"  # how a local gradient known only to the node's backward is described


def local_clause(out: str, name: str, local: str) -> str:
    """``∂q/∂x = y``, or ``∂q/∂x given by Mul3.backward`` for a node without a written rule."""
    return f"∂{out}/∂{name} {local}" if local.startswith(GIVEN_BY) else f"∂{out}/∂{name} = {local}"


def rule_for(node: object) -> Rule:
    """The rule of a node: its class's own ``explain_*`` members, a built-in rule, or a generic one.

    The generic rule names the node's ``backward`` as the source of the local gradient: the
    narration never invents a derivative (``f'(x)``) it does not know.
    """
    from chainrule.viz.op_rules import RULES

    cls = type(node)
    base = RULES.get(cls.__name__) if cls.__module__.startswith("chainrule.") else None
    if base is None:
        base = generic(getattr(node, "symbol", cls.__name__), cls.__name__)
    formula = getattr(cls, "explain_formula", None)
    local = getattr(cls, "explain_grad", None)
    pattern = getattr(cls, "explain_pattern", None) or base.pattern
    vector = base.vector if local is None else None  # a custom local gradient is narrated as upstream · local
    return Rule(formula or base.formula, local or base.local, pattern, vector)


def generic(symbol: str, cls_name: str) -> Rule:
    """A node without a rule: every input in its formula, the local gradient from its backward."""
    return Rule(
        lambda n: f"{symbol}({', '.join(n[:-1])})",
        lambda n, i: f"{GIVEN_BY} {cls_name}.backward",
    )


def has_builtin_rule(cls: type) -> bool:
    """Whether the narration has a written rule for op class ``cls`` (not the generic one)."""
    from chainrule.viz.op_rules import RULES

    return cls.__name__ in RULES
