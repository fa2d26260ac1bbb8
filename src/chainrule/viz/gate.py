"""``draw_gate``: one gate with its local gradients, the lecture's picture of a node in backpropagation.

The gate f receives x and y in the forward pass (green) and computes z; it knows its
local gradients ∂z/∂x and ∂z/∂y at once. In the backward pass the upstream gradient
∂L/∂z arrives (red) and leaves towards each input multiplied by that input's local
gradient: ∂L/∂x = ∂L/∂z · ∂z/∂x. Without an argument the picture is the symbolic
one of the notes; given a tensor, it is the gate that computed it, with its numbers.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from chainrule.tensor import Tensor
from chainrule.viz import arith, grads
from chainrule.viz.dot import GRAD_COLOR, VALUE_COLOR
from chainrule.viz.format import number, summary
from chainrule.viz.render import Graph
from chainrule.viz.rules import Site, rule_for
from chainrule.viz.trace import Value, trace

LOCAL_COLOR = "#8d6e00"  # the gate's own colour: its local gradients are neither values nor upstream gradients
_INPUT_NAMES = "xyuvw"


@dataclass
class Port:
    """One input of the gate: its name, its value, its local gradient and the gradient sent back to it."""

    name: str
    value: str
    local: str
    back: str


def draw_gate(output: Tensor | None = None, upstream: Any = None, title: str | None = None, dpi: int = 150) -> Graph:
    """The gate that computed ``output`` with its local gradients (or, without ``output``, the notes' symbolic f).

    ``upstream`` is ∂L/∂z arriving at the gate (default 1, i.e. ones: the gate is the last one).

    >>> cr.viz.draw_gate().save("gate.svg")                       # x, y → f → z, with ∂z/∂x and ∂z/∂y
    >>> q, z = cr.tensor(3.0, name="q", requires_grad=True), cr.tensor(-4.0, name="z", requires_grad=True)
    >>> cr.viz.draw_gate(q * z, upstream=2.0).save("mul.png")     # ∂L/∂q = 2 · z = 2 · (-4) = -8
    """
    if output is None:
        symbol, ports, out = _symbolic()
    else:
        symbol, ports, out = _numeric(output, upstream)
    return Graph(_dot(symbol, ports, out, title), dpi)


def _symbolic() -> tuple[str, list[Port], Port]:
    ports = [Port(n, n, f"∂z/∂{n}", f"∂L/∂{n} = ∂L/∂z · ∂z/∂{n}") for n in ("x", "y")]
    return "f", ports, Port("z", "z", "", "∂L/∂z")


def _numeric(output: Tensor, upstream: Any) -> tuple[str, list[Port], Port]:
    if not isinstance(output, Tensor):
        raise TypeError(f"draw_gate: expected a Tensor, got {type(output).__name__}")
    if output.grad_fn is None:
        raise ValueError("draw_gate: this tensor was not computed by a gate (it is a leaf, or no input requires grad)")
    tr = trace(output)
    if upstream is not None and not isinstance(upstream, Tensor):
        upstream = Tensor(upstream, dtype=output.dtype)
    if not grads.compute(tr, upstream):
        raise ValueError("draw_gate: backward() already freed this gate's saved values; draw it before backward()")
    op = tr.output.producer
    result = tr.output
    names = [_name(a, i) for i, a in enumerate(op.operands)]
    names.append(output.name or next(n for n in ("z", "f", "q", "out") if n not in names))
    rule = rule_for(op.node)
    up = summary(result.grad)
    out = Port(names[-1], summary(result.data), "", f"∂L/∂{names[-1]} = {up}")
    scalar = result.data.size == 1 and all(a.data.size == 1 for a in op.operands if isinstance(a, Value))
    local = grads.local_values(op) if scalar else None
    site = Site(names, [getattr(a, "data", a).shape if isinstance(a, Value) else () for a in op.operands]
                + [result.data.shape], op.node, f"∂L/∂{names[-1]}", result.grad)
    ports = []
    for e in op.edges:
        name = names[e.slot]
        formula = rule.local(names, e.slot)
        d = f"∂L/∂{name}"
        if e.grad is None:
            back = f"{d}: none (no grad)"
        elif local is not None and local[e.slot] is not None:
            lv = number(local[e.slot])
            formula = formula if formula == lv else f"{formula} = {lv}"
            back = f"{d} = {arith.product([up, lv], summary(e.grad))}"
        else:
            vector = rule.vector(site, e.slot) if rule.vector else f"∂L/∂{names[-1]} · ∂{names[-1]}/∂{name}"
            back = f"{d} = {vector[0] if isinstance(vector, tuple) else vector} → {summary(e.grad)}"
        ports.append(Port(name, summary(e.value.data), f"∂{names[-1]}/∂{name} = {formula}", back))
    return op.node.symbol, ports, out


def _name(a: Any, i: int) -> str:
    if isinstance(a, Value):
        return a.name or _INPUT_NAMES[i % len(_INPUT_NAMES)]
    return number(a) if isinstance(a, int | float) else "c"


def _dot(symbol: str, ports: list[Port], out: Port, title: str | None) -> str:
    """Inputs left, the gate (its local gradients inside) in the middle, the output right; forward edges green
    above, backward edges red below, each labelled."""
    locals_ = "".join(
        f'<tr><td><font point-size="11" color="{LOCAL_COLOR}">{html.escape(p.local)}</font></td></tr>'
        for p in ports if p.local
    )
    gate = (f'<table border="0" cellborder="0" cellspacing="2"><tr><td><font point-size="20">{html.escape(symbol)}'
            f"</font></td></tr>{locals_}</table>")
    lines = [
        "digraph gate {",
        '  graph [rankdir=LR, nodesep=0.5, ranksep=1.6, fontname="Helvetica", fontsize=12];',
        '  node [fontname="Helvetica", fontsize=14];',
        '  edge [fontname="Helvetica", fontsize=12, arrowsize=0.7];',
        f'  gate [shape=ellipse, style=filled, fillcolor="#fff8e1", color="{LOCAL_COLOR}", label=<{gate}>];',
        f"  out [shape=plaintext, label=<{html.escape(out.name)}>];",
    ]
    if title:
        lines.append(f"  label=<{html.escape(title)}>; labelloc=b;")
    for i, p in enumerate(ports):
        lines += [
            f"  in{i} [shape=plaintext, label=<{html.escape(p.name)}>];",
            f"  in{i} -> gate [{_style(VALUE_COLOR, '' if p.value == p.name else p.value)}];",
            f"  in{i} -> gate [dir=back, style=dashed, {_style(GRAD_COLOR, p.back)}];",
        ]
    lines += [
        f"  gate -> out [{_style(VALUE_COLOR, '' if out.value == out.name else out.value)}];",
        f"  gate -> out [dir=back, style=dashed, {_style(GRAD_COLOR, out.back)}];",
        "}",
    ]
    return "\n".join(lines) + "\n"


def _style(color: str, label: str) -> str:
    return f'color="{color}", fontcolor="{color}", label=<{html.escape(label)}>'
