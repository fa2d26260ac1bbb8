"""``cr.explain``: the backward pass narrated step by step, as the lecture writes the chain rule.

Forward pass first (each value and how it was computed), then, in reverse
topological order, each gate: its upstream gradient, its local gradients and
their products; values used several times show their contributions adding up.
Scalar graphs show the numbers (``-0.53 · 0.37 = -0.2``; ``≈`` where the printed
digits do not reproduce the result); tensor graphs the vector and matrix forms of
the notes (``∂L/∂W₂ = Σₙ δ₂ h₁ᵀ``, ``δ₁ = ∂L/∂h₁ ∘ σ(z₁)(1 - σ(z₁))``) with each
result's shape and summary. Values are named as ``draw`` names them (``viz.naming``).
See ``chainrule.viz.rules`` for how custom Functions describe their local gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.errors import BackwardError
from chainrule.tensor import Tensor
from chainrule.viz import arith, grads
from chainrule.viz.format import number, summary
from chainrule.viz.naming import assign_names, parameter_names
from chainrule.viz.op_rules import combined
from chainrule.viz.roles import roles
from chainrule.viz.rules import GIVEN_BY, Site, local_clause, rule_for
from chainrule.viz.trace import Op, Trace, Value, trace


class Explanation(str):
    """The narration as text (Markdown: one list item per step); shows as Markdown in Jupyter."""

    def _repr_markdown_(self) -> str:
        return str(self)


def explain(
    output: Tensor, gradient: Any = None, echo: bool | None = None, max_items: int = 4, model: Any = None
) -> Explanation:
    """Narrate the forward and backward pass behind ``output``; print it (``echo``) and return it.

    ``echo`` defaults to printing, except in a Jupyter notebook, where the returned Markdown is shown
    once, as the cell's result.

    ``model`` (an nn.Module) names its parameters by their dotted names (``0.weight``), as
    ``draw(..., model=model)`` and ``draw(..., groups=viz.record(model))`` do.

    >>> f = (x + y) * z
    >>> cr.explain(f)      # … ∂f/∂x = ∂f/∂q · ∂q/∂x = -4 · 1 = -4 …
    >>> cr.explain(loss, model=net)   # … ∂L/∂0.weight = Σₙ δ₁·xᵀ (summed over the 8 samples) → …
    """
    params = parameter_names(model)
    tr = trace(output)
    if not grads.compute(tr, gradient):
        raise BackwardError(
            "explain: backward() already freed this graph's saved values, so its intermediate gradients "
            "cannot be recomputed; call explain() before backward(), or backward(retain_graph=True)"
        )
    text = Explanation(_Narrator(tr, max_items, params).text())
    if echo if echo is not None else not _in_notebook():
        print(text)
    return text


def _in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (which displays a cell's result itself)."""
    import builtins

    shell = getattr(builtins, "get_ipython", None)
    return shell is not None and type(shell()).__name__ == "ZMQInteractiveShell"


class _Narrator:
    def __init__(self, tr: Trace, max_items: int, params: dict) -> None:
        self.tr = tr
        self.items = max_items
        self.names = assign_names(tr, intermediates=True, params=params)
        self.f = self.names[tr.output]
        role = roles(tr)
        self.delta = {v: "δ" + r[1:] for v, r in role.items() if r[0] == "z" and self.names[v] == r}

    def show(self, a: Any) -> str:
        return summary(a, self.items)

    def d(self, v: Value) -> str:
        return f"∂{self.f}/∂{self.names[v]}"

    def symbol(self, v: Value) -> str:
        """How the gradient of ``v`` is written when it flows on: δₖ for a layer's z, else ∂f/∂v."""
        return self.delta.get(v) or self.d(v)

    def target(self, v: Value) -> str:
        return f"{self.delta[v]} = {self.d(v)}" if v in self.delta else self.d(v)

    def outputs(self, op: Op) -> list[Value]:
        return [op.outputs[k] for k in sorted(op.outputs)]

    def names_of(self, op: Op) -> list[str]:
        """The operands' names (numbers for constants) and the output's name last."""
        out = []
        for a in op.operands:
            if isinstance(a, Value):
                out.append(self.names[a])
            else:
                out.append(number(a) if isinstance(a, (int, float, np.number)) else "c")
        outs = [self.names[v] for v in self.outputs(op)]
        return out + [outs[0] if len(outs) == 1 else f"({', '.join(outs)})"]

    def is_scalar(self, op: Op) -> bool:
        values = [a for a in op.operands if isinstance(a, Value)] + self.outputs(op)
        return len(op.outputs) == 1 and all(v.data.size == 1 for v in values)

    def site(self, op: Op) -> Site:
        """The op as a rule sees it; the upstream is None where it is the output's seed of ones."""
        result = self.outputs(op)[0]
        seed = result is self.tr.output and result.grad is not None and bool(np.all(result.grad == 1))
        shapes = [a.data.shape if isinstance(a, Value) else () for a in op.operands] + [result.data.shape]
        return Site(self.names_of(op), shapes, op.node, None if seed else self.symbol(result), result.grad)

    def text(self) -> str:
        lines = ["**Forward pass**", ""]
        batch = self.batch_note()
        if batch:
            lines += [batch, ""]
        lines += [f"- {self.forward_step(op)}" for op in self.tr.ops]
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

    def batch_note(self) -> str | None:
        """For networks: formulas are per sample, in the notes' column-vector form."""
        layer = next((op for op in self.tr.ops if type(op.node).__name__ == "Linear"), None)
        if layer is None:
            return None
        shape = layer.operands[0].data.shape if isinstance(layer.operands[0], Value) else ()
        rows = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
        return (
            f"The batch holds {rows} sample{'s' if rows != 1 else ''}, one per row; each formula is written for "
            "one sample with column vectors, as the notes write a layer: z = W a + b."
        )

    def forward_step(self, op: Op) -> str:
        rule = rule_for(op.node)
        n = self.names_of(op)
        head = f"{n[-1]} = {rule.formula(n)}"
        if not self.is_scalar(op):
            return f"{head} → {', '.join(self.show(v.data) for v in self.outputs(op))}"
        kind = type(op.node).__name__
        values = [self.show(a.data) if isinstance(a, Value) else x for a, x in zip(op.operands, n)]
        if kind in arith.RECOMPUTE:  # negative operands of arithmetic in brackets: 2 · (-1), -(-3)
            values_shown = [arith.operand(t) if i or kind == "Neg" else t for i, t in enumerate(values)]
        else:
            values_shown = values
        result = self.show(self.outputs(op)[0].data)
        substituted = rule.formula(values_shown + [""])
        if substituted == result:
            return f"{head} = {result}"
        return f"{head} = {substituted} {arith.forward_relation(kind, values, result)} {result}"

    def backward_step(self, op: Op) -> list[str]:
        rule = rule_for(op.node)
        n = self.names_of(op)
        pattern = f" — {rule.pattern}" if rule.pattern else ""
        lines = [f"- at `{n[-1]} = {rule.formula(n)}`{pattern}"]
        for result in self.outputs(op):
            if len(result.uses) > 1:
                lines.append(f"  - {self.accumulated(result)}")
        scalar = self.is_scalar(op)
        locals_ = grads.local_values(op) if scalar else None
        for e in op.edges:
            if e.grad is None:
                continue
            tag = f" (use {e.value.uses.index(e) + 1} of {len(e.value.uses)})" if len(e.value.uses) > 1 else ""
            if locals_ is not None:
                lines.append(f"  - {self.scalar_link(op, e, n, locals_[e.slot], tag)}")
            else:
                lines.append(f"  - {self.target(e.value)}{tag} = {self.tensor_link(op, e, n)}")
        return lines

    def scalar_link(self, op: Op, e: Any, n: list, local_value: float | None, tag: str) -> str:
        """``∂f/∂x = ∂f/∂q · ∂q/∂x = -4 · 1 = -4``: the numbers of one link of the chain."""
        rule = rule_for(op.node)
        result = self.outputs(op)[0]
        local = rule.local(n, e.slot)
        lv = number(local_value) if local_value is not None else local
        got = self.show(e.grad)
        target = f"{self.target(e.value)}{tag}"
        where = f"  ({local_clause(n[-1], self.names[e.value], local)})" if local != lv else ""
        if result is self.tr.output and np.all(result.grad == 1):
            if where and not local.startswith(GIVEN_BY):
                return f"{target} = {local} = {got}"
            return f"{target} = {got}{where}"
        chain = f"{self.symbol(result)} · ∂{n[-1]}/∂{self.names[e.value]}"
        return f"{target} = {chain} = {arith.product([self.show(result.grad), lv], got)}{where}"

    def tensor_link(self, op: Op, e: Any, n: list) -> str:
        """The vector form of one link (``W₂ᵀ δ₂ → 8×4 […]``), with what it amounts to where known."""
        rule = rule_for(op.node)
        note = None
        if rule.vector is not None:
            expr = rule.vector(self.site(op), e.slot)
            expr, note = expr if isinstance(expr, tuple) else (expr, None)
        else:
            outs = self.outputs(op)
            expr = " + ".join(f"{self.symbol(o)} · ∂{self.names[o]}/∂{self.names[e.value]}" for o in outs)
            if len(outs) == 1:
                expr += f", with {local_clause(n[-1], self.names[e.value], rule.local(n, e.slot))}"
        if e.broadcast:
            expr += ", summed over the broadcast axes"
        together = self.combined(op)
        if together:
            expr, note = f"{expr} = {together[0]}", together[1]
        return f"{expr} → {self.show(e.grad)}" + (f" ({note})" if note else "")

    def combined(self, op: Op) -> tuple[str, str] | None:
        """An activation whose only reader is the loss: what the two give together (δ = ŷ - y), and a note."""
        if len(op.outputs) != 1:
            return None
        uses = self.outputs(op)[0].uses
        if len(uses) != 1 or uses[0].slot != 0:
            return None
        return combined(self.site(op), self.site(uses[0].op))

    def accumulated(self, v: Value) -> str:
        """``∂f/∂x = 3 + 4 = 7`` for a value with several uses (branches add)."""
        parts = [e.grad for e in v.uses if e.grad is not None]
        if len(parts) < 2:
            return f"{self.d(v)} = {self.show(v.grad)}"
        why = f"{self.names[v]} is used {len(parts)} times: the branches add"
        if v.grad.size == 1:
            return f"{self.d(v)} = {arith.total([self.show(p) for p in parts], self.show(v.grad))} ({why})"
        terms = " + ".join(f"({self.show(p)})" for p in parts)
        return f"{self.d(v)} = {terms} → {self.show(v.grad)} ({why})"
