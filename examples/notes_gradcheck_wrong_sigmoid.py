"""The Q&A thread's sigmoid neuron (pt-backprop-intuition-qa.txt) with w = [2, −3, −3], x = [−1, −2]: the
asker's code, its two slips, and gradcheck catching the wrong gradient.

The asker writes ``activation = 1 / 1 + math.exp(-product)`` — by Python's precedence that is 1 + e^{−1} ≈ 1.37,
not σ(1) ≈ 0.73 — and then multiplies the local gradients by ``activation`` (σ) where the chain rule needs
dσ/dx = (1 − σ)σ. The Romanian notes (ro-computational-graphs-gradient.txt) give the right numbers for this
neuron: the product is 1.0, σ(1.0) = 0.73 and the local gradient (1 − 0.73)·0.73 = 0.2.

The asker's rule is written as a chainrule Function; ``cr.gradcheck`` compares it with central differences and
fails, naming the input and the element; the rule (1 − σ)σ passes, and its gradients are the lecture's.

    python examples/notes_gradcheck_wrong_sigmoid.py
"""

from __future__ import annotations

import math
import sys

from notes_check import NotesCheck

import chainrule as cr

W, X = [2.0, -3.0, -3.0], [-1.0, -2.0]


class AskersSigmoid(cr.Function):
    """σ with the asker's backward: the upstream gradient times σ itself (the activation)."""

    @staticmethod
    def forward(ctx, t):
        out = 1 / (1 + (-t).exp())
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (activation,) = ctx.saved_tensors
        return grad * activation  # should be grad * (1 - activation) * activation


class Sigmoid(AskersSigmoid):
    """σ with the lecture's backward: dσ/dx = (1 − σ)σ."""

    @staticmethod
    def backward(ctx, grad):
        (activation,) = ctx.saved_tensors
        return grad * (1 - activation) * activation


def neuron(sigmoid: type[cr.Function]):
    """f(w, x) = σ(w0·x0 + w1·x1 + w2) with ``sigmoid``'s backward rule."""
    return lambda w, x: sigmoid.apply(w[0] * x[0] + w[1] * x[1] + w[2])


def main(argv: list[str] | None = None) -> int:
    product = W[0] * X[0] + W[1] * X[1] + W[2]
    check = NotesCheck("the asker's forward pass")
    check.row("product = w0·x0 + w1·x1 + w2", product, "1.0")
    check.row("the asker's 1 / 1 + exp(-product) (≠ σ!)", 1 / 1 + math.exp(-product), "1.37")
    w = cr.tensor(W, dtype=cr.float64, requires_grad=True, name="w")
    x = cr.tensor(X, dtype=cr.float64, requires_grad=True, name="x")
    out = neuron(Sigmoid)(w, x)
    check.row("σ(product)", out.item(), "0.73")
    check.row("local gradient (1 − σ)σ", (1 - out.item()) * out.item(), "0.2")

    check.section("gradcheck: backward against central differences (float64)")
    report = cr.gradcheck_report(neuron(AskersSigmoid), [w, x])
    print("   the asker's rule, grad · σ:\n" + "\n".join(f"     {line}" for line in str(report).splitlines()))
    wrong = sum(c.failed for c in report.checks)
    check.claim(
        "gradcheck fails the asker's rule", report.status == "FAILED", f"{wrong} failing (5 elements × 2 passes)"
    )
    try:
        cr.gradcheck(neuron(AskersSigmoid), [w, x])
        caught = "no error raised"
    except cr.GradcheckError as exc:
        caught = str(exc).splitlines()[0]
    print(f"   cr.gradcheck raises: {caught}")
    check.claim("... and cr.gradcheck raises GradcheckError", caught != "no error raised", "")
    check.claim("the rule (1 − σ)σ passes", cr.gradcheck(neuron(Sigmoid), [w, x]), "")

    check.section("the gradients the right rule gives (the lecture's figure)")
    neuron(Sigmoid)(w, x).backward()
    check.row("∂f/∂w", w.grad.tolist(), ["-0.20", "-0.39", "0.20"])
    check.row("∂f/∂x", x.grad.tolist(), ["0.39", "-0.59"])
    wrong_w, wrong_x = cr.tensor(W, dtype=cr.float64, requires_grad=True), cr.tensor(X, dtype=cr.float64,
                                                                                       requires_grad=True)  # fmt: skip
    neuron(AskersSigmoid)(wrong_w, wrong_x).backward()
    print(f"   (the asker's rule would give ∂f/∂w = {[round(v, 2) for v in wrong_w.grad.tolist()]}, "
          f"∂f/∂x = {[round(v, 2) for v in wrong_x.grad.tolist()]}: each 0.73/0.2 ≈ 3.7 times too large)")  # fmt: skip
    return check.finish()


if __name__ == "__main__":
    sys.exit(main())
