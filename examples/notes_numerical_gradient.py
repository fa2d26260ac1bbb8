"""The slides' "Evaluarea gradientului (Python)" (ro-losses-gradient-descent-backprop-slides.txt): the quartic
f(x) = 0.5x⁴ − 2x² + x + 5, its analytic derivative f'(x) = 2x³ − 4x + 1, and the numerical gradient with the
slides' h = 0.001 — their one-sided (f(x + h) − f(x)) / h, the backward one and the central one.

chainrule's backward() must equal the slides' f_prime; ``cr.numerical_grad(..., method="forward")`` must
equal the slides' line ``gradient = (f(x + h) - f(x)) / h``; and the errors must be what Taylor says: the
one-sided quotients are off by about ±h·f''(x)/2 (first order in h), the central one by h²·f'''(x)/6.

    python examples/notes_numerical_gradient.py
"""

from __future__ import annotations

import sys

import numpy as np
from notes_check import NotesCheck

import chainrule as cr

H = 0.001  # the slides' h
POINTS = (-2.0, -1.0, 0.0, 0.5, 1.0, 2.0)  # the slides leave x open


def f(x):
    """The slides' function, as written there (works on floats and on tensors)."""
    y = 0.5 * (x**4) - 2 * (x**2) + x + 5
    return y


def f_prime(x):
    """The slides' analytic gradient."""
    y_prime = 2 * (x**3) - 4 * x + 1
    return y_prime


def main(argv: list[str] | None = None) -> int:
    xs = np.array(POINTS)
    x = cr.tensor(xs, dtype=cr.float64, requires_grad=True)
    f(x).sum().backward()
    backprop = x.grad.numpy()
    slides = np.array([(f(v + H) - f(v)) / H for v in POINTS])  # the slides' line, on plain floats
    forward, backward, central = (cr.numerical_grad(f, xs, eps=H, method=m)[0] for m in ("forward", "backward",
                                                                                          "central"))  # fmt: skip
    analytic = np.array([f_prime(v) for v in POINTS])
    print(f"{'x':>6s} {'f_prime(x)':>12s} {'backward()':>12s} {'(f(x+h)-f(x))/h':>17s} {'one-sided err':>14s}"
          f" {'backward err':>13s} {'central err':>12s}")  # fmt: skip
    for i, v in enumerate(POINTS):
        print(f"{v:6.2f} {analytic[i]:12.6f} {backprop[i]:12.6f} {slides[i]:17.6f} {forward[i] - analytic[i]:14.2e}"
              f" {backward[i] - analytic[i]:13.2e} {central[i] - analytic[i]:12.2e}")  # fmt: skip

    second, third = 6 * xs**2 - 4, 12 * xs
    check = NotesCheck(f"f(x) = 0.5x⁴ − 2x² + x + 5 at x = {', '.join(f'{v:g}' for v in POINTS)}, h = {H}",
                       "by hand")  # fmt: skip
    check.row("backward() − f_prime(x), largest", np.abs(backprop - analytic).max(), 0.0, tol=1e-12)
    check.row("numerical_grad(forward) − slides' line", np.abs(forward - slides).max(), 0.0, tol=1e-9)
    check.row("one-sided error ÷ (h·f''/2 + h²f'''/6)", _ratio(forward - analytic, H * second / 2 + H**2 * third / 6),
              1.0, tol=1e-3)  # fmt: skip
    check.row("backward error ÷ (−h·f''/2 + h²f'''/6)", _ratio(backward - analytic, -H * second / 2 + H**2 * third / 6),
              1.0, tol=1e-3)  # fmt: skip
    check.row("central error, largest (O(h²))", np.abs(central - analytic).max(), 0.0, tol=H**2 * 24 / 6 + 1e-9)
    worst = np.abs(forward - analytic).max()
    check.claim(
        "central beats one-sided where f'' ≠ 0",
        bool(np.all(np.abs(central - analytic) < np.abs(forward - analytic))),
        f"one-sided up to {worst:.1e}",
    )
    return check.finish()


def _ratio(error: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """error / predicted, averaged over the points: 1 when Taylor's leading terms explain the error."""
    return float(np.mean(error / predicted))


if __name__ == "__main__":
    sys.exit(main())
