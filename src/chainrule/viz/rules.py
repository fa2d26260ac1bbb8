"""How the narration writes each op: its formula, its local gradients and its gate pattern.

Custom ``Function`` subclasses can describe themselves with optional class members:
``explain_formula(names) -> str`` (e.g. ``"x³"``), ``explain_grad(names, i) -> str``
(the local gradient ∂out/∂input_i in terms of the input names, e.g. ``"3·x²"``) and
``explain_pattern`` (a sentence naming the gate's pattern). ``names`` holds the
inputs' names (numbers for constants) and the output's name last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

ADD = "add gate: distributes the upstream gradient unchanged to every input"
MUL = "multiply gate: swaps its inputs (each gets the upstream gradient times the other input)"
MAX = "max gate: routes the upstream gradient to the larger input (the other gets 0)"


@dataclass(frozen=True)
class Rule:
    formula: Callable[[list], str]
    local: Callable[[list, int], str]
    pattern: str | None = None


ROUTE_POSITIVE = "relu gate: routes the upstream gradient where its input is positive (0 elsewhere)"
MIN = "min gate: routes the upstream gradient to the smaller input (the other gets 0)"


def _pow_local(n: list, i: int) -> str:
    return f"{n[1]}·{n[0]}^({n[1]}-1)" if i == 0 else f"{n[2]}·ln {n[0]}"


def _matmul_local(n: list, i: int) -> str:
    return f"(upstream) @ {n[1]}ᵀ" if i == 0 else f"{n[0]}ᵀ @ (upstream)"


def _call(fn: str) -> Rule:
    return Rule(lambda n: f"{fn}({n[0]})", lambda n, i: f"{fn}'({n[0]})")


RULES: dict[str, Rule] = {
    "Add": Rule(lambda n: f"{n[0]} + {n[1]}", lambda n, i: "1", ADD),
    "Sub": Rule(lambda n: f"{n[0]} - {n[1]}", lambda n, i: "1" if i == 0 else "-1", ADD + ", negated for the second"),
    "Mul": Rule(lambda n: f"{n[0]} · {n[1]}", lambda n, i: n[1 - i], MUL),
    "Div": Rule(lambda n: f"{n[0]} / {n[1]}", lambda n, i: f"1/{n[1]}" if i == 0 else f"-{n[0]}/{n[1]}²"),
    "Neg": Rule(lambda n: f"-{n[0]}", lambda n, i: "-1"),
    "Pow": Rule(lambda n: f"{n[0]}^{n[1]}", _pow_local),
    "Exp": Rule(lambda n: f"exp({n[0]})", lambda n, i: f"exp({n[0]})"),
    "Log": Rule(lambda n: f"log({n[0]})", lambda n, i: f"1/{n[0]}"),
    "Sqrt": Rule(lambda n: f"√{n[0]}", lambda n, i: f"1/(2·{n[1]})"),
    "Sin": Rule(lambda n: f"sin({n[0]})", lambda n, i: f"cos({n[0]})"),
    "Cos": Rule(lambda n: f"cos({n[0]})", lambda n, i: f"-sin({n[0]})"),
    "Tanh": Rule(lambda n: f"tanh({n[0]})", lambda n, i: f"1 - {n[1]}²"),
    "Sigmoid": Rule(lambda n: f"σ({n[0]})", lambda n, i: f"{n[1]}·(1 - {n[1]})"),
    "Relu": Rule(lambda n: f"relu({n[0]})", lambda n, i: f"1 if {n[0]} > 0 else 0", ROUTE_POSITIVE),
    "Abs": Rule(lambda n: f"|{n[0]}|", lambda n, i: f"sign({n[0]})"),
    "Maximum": Rule(lambda n: f"max({n[0]}, {n[1]})", lambda n, i: f"1 if {n[i]} is the larger else 0", MAX),
    "Minimum": Rule(lambda n: f"min({n[0]}, {n[1]})", lambda n, i: f"1 if {n[i]} is the smaller else 0", MIN),
    "Max": Rule(lambda n: f"max({n[0]})", lambda n, i: "1 at the maximum, 0 elsewhere", MAX),
    "Min": Rule(lambda n: f"min({n[0]})", lambda n, i: "1 at the minimum, 0 elsewhere", MIN),
    "Sum": Rule(lambda n: f"Σ {n[0]}", lambda n, i: "1 (for every element)", ADD),
    "Mean": Rule(lambda n: f"mean({n[0]})", lambda n, i: "1/n (for every element)"),
    "MatMul": Rule(lambda n: f"{n[0]} @ {n[1]}", _matmul_local, MUL),
}


def rule_for(node: object) -> Rule:
    """The rule of a node: its class's own ``explain_*`` members, a built-in rule, or a generic one."""
    cls = type(node)
    base = RULES.get(cls.__name__) if cls.__module__.startswith("chainrule.") else None
    if base is None:
        symbol = getattr(node, "symbol", cls.__name__)
        base = _call(symbol)
    formula = getattr(cls, "explain_formula", None)
    local = getattr(cls, "explain_grad", None)
    return Rule(formula or base.formula, local or base.local, getattr(cls, "explain_pattern", None) or base.pattern)
