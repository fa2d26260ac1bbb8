"""``cr.explain``: the backward pass narrated step by step, as the lecture writes the chain rule.

Forward pass first (each value and how it was computed), then, in reverse
topological order, each gate: its upstream gradient, its local gradients and
their products; values used several times show their contributions adding up.
Works on tensors too (shapes and summaries instead of numbers). See
``chainrule.viz.rules`` for how custom Functions describe their local gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.autograd.mode import no_grad
from chainrule.errors import BackwardError
from chainrule.tensor import Tensor
from chainrule.viz import grads
from chainrule.viz.format import number, summary
from chainrule.viz.naming import assign_names
from chainrule.viz.rules import rule_for
from chainrule.viz.trace import Op, Trace, Value, trace


class Explanation(str):
    """The narration as text (Markdown: one list item per step); shows as Markdown in Jupyter."""

    def _repr_markdown_(self) -> str:
        return str(self)


def explain(output: Tensor, gradient: Any = None, echo: bool = True, max_items: int = 4) -> Explanation:
    """Narrate the forward and backward pass behind ``output``; print it (``echo``) and return it.

    >>> f = (x + y) * z
    >>> cr.explain(f)      # … ∂f/∂x = ∂f/∂q · ∂q/∂x = -4 · 1 = -4 …
    """
    tr = trace(output)
    if not grads.compute(tr, gradient):
        raise BackwardError(
            "explain: backward() already freed this graph's saved values, so its intermediate gradients "
            "cannot be recomputed; call explain() before backward(), or backward(retain_graph=True)"
        )
    text = Explanation(_Narrator(tr, max_items).text())
    if echo:
        print(text)
    return text


class _Narrator:
    def __init__(self, tr: Trace, max_items: int) -> None:
        self.tr = tr
        self.items = max_items
        self.names = assign_names(tr, intermediates=True)
        self.f = self.names[tr.output]

    def show(self, a: Any) -> str:
        return summary(a, self.items)

    def d(self, v: Value) -> str:
        return f"∂{self.f}/∂{self.names[v]}"

    def operand_names(self, op: Op, values: bool) -> list[str]:
        out = []
        for a in op.operands:
            if isinstance(a, Value):
                out.append(self.show(a.data) if values else self.names[a])
            else:
                out.append(number(a) if isinstance(a, (int, float, np.number)) else "c")
        result = next(iter(op.outputs.values()))
        out.append(self.show(result.data) if values else self.names[result])
        return out

    def text(self) -> str:
        lines = ["**Forward pass**", ""]
        for op in self.tr.ops:
            lines.append(f"- {self.forward_step(op)}")
        out = self.tr.output
        lines += [
            "",
            "**Backward pass** (reverse topological order: each gate multiplies the upstream "
            "gradient by its local gradient)",
            "",
        ]
        if not out.requires_grad:
            return "\n".join(lines + [f"- {self.f} does not require grad: there is nothing to differentiate"])
        lines.append(f"- {self.d(out)} = {self.show(out.grad)}")
        for op in reversed(self.tr.ops):
            lines += self.backward_step(op)
        lines += ["", "**Gradients of the inputs**", ""]
        for v in self.tr.values:
            if v.is_leaf and v.requires_grad and v.grad is not None:
                lines.append(f"- {self.accumulated(v)}")
        return "\n".join(lines) + "\n"

    def forward_step(self, op: Op) -> str:
        rule = rule_for(op.node)
        n = self.operand_names(op, values=False)
        head = f"{n[-1]} = {rule.formula(n)}"
        scalar = all(a.data.size == 1 for a in op.operands if isinstance(a, Value))
        if scalar:
            return f"{head} = {rule.formula(self.operand_names(op, values=True)[:-1] + [''])} = {n_val(self, op)}"
        return f"{head} → {n_val(self, op)}"

    def backward_step(self, op: Op) -> list[str]:
        rule = rule_for(op.node)
        result = next(iter(op.outputs.values()))
        n = self.operand_names(op, values=False)
        pattern = f" — {rule.pattern}" if rule.pattern else ""
        lines = [f"- at `{n[-1]} = {rule.formula(n)}`{pattern}"]
        if len(result.uses) > 1:
            lines.append(f"  - {self.accumulated(result)}")
        upstream = self.show(result.grad)
        first = result is self.tr.output and np.all(result.grad == 1)
        scalar = result.data.size == 1 and all(a.data.size == 1 for a in op.operands if isinstance(a, Value))
        locals_ = self.local_values(op) if scalar else None
        for e in op.edges:
            if e.grad is None:
                continue
            local = rule.local(n, e.slot)
            lv = number(locals_[e.slot]) if locals_ is not None else None
            tag = f" (use {e.value.uses.index(e) + 1} of {len(e.value.uses)})" if len(e.value.uses) > 1 else ""
            target = f"{self.d(e.value)}{tag}"
            got = self.show(e.grad)
            chain = f"{self.d(result)} · ∂{n[-1]}/∂{self.names[e.value]}"
            if lv is None:
                lines.append(f"  - {target} = {chain}, with ∂{n[-1]}/∂{self.names[e.value]} = {local} → {got}")
            elif first:
                lines.append(f"  - {target} = {local} = {got}" if local != lv else f"  - {target} = {got}")
            else:
                where = f"  (∂{n[-1]}/∂{self.names[e.value]} = {local})" if local != lv else ""
                lines.append(f"  - {target} = {chain} = {upstream} · {_paren(lv)} = {got}{where}")
        return lines

    def local_values(self, op: Op) -> list | None:
        """∂out/∂input per slot at this point (scalar graphs): the node's backward with upstream 1."""
        node = op.node
        if getattr(node, "_n_outputs", 1) != 1:
            return None
        result = next(iter(op.outputs.values()))
        with no_grad():
            got = type(node).backward(node, Tensor._make(np.ones_like(result.data)))
        got = got if isinstance(got, tuple) else (got,)
        return [None if g is None else float(np.sum(getattr(g, "data", g))) for g in got]

    def accumulated(self, v: Value) -> str:
        """``∂f/∂x = 3 + 4 = 7`` for a value with several uses (branches add)."""
        parts = [e.grad for e in v.uses if e.grad is not None]
        if len(parts) < 2:
            return f"{self.d(v)} = {self.show(v.grad)}"
        terms = " + ".join(self.show(p) if p.size == 1 else f"({self.show(p)})" for p in parts)
        terms = terms.replace("+ -", "- ")
        why = f"{self.names[v]} is used {len(parts)} times: the branches add"
        return f"{self.d(v)} = {terms} = {self.show(v.grad)} ({why})"


def n_val(nar: _Narrator, op: Op) -> str:
    return nar.show(next(iter(op.outputs.values())).data)


def _paren(text: str) -> str:
    """Bracket a negative factor after a dot: ``-4 · (-1)``."""
    return f"({text})" if text.startswith("-") else text
