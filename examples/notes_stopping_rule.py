"""The slides' gradient descent with its stopping rule (ro-losses-gradient-descent-backprop-slides.txt,
"Algorimtul coborârii pe gradient (Python)"):

    def GD(W0, X, goal, learningRate):
        perfGoalNotMet = true
        W = W0
        while perfGoalNotMet:
            gradient = eval_gradient(X, W)
            W_old = W
            W = W - learningRate * gradient
            perfGoalNotMet = sum(abs(W - W_old)) > goal

run as written, with ``eval_gradient`` chainrule's backward() of the slides' softmax loss for a linear classifier
s = W x (x with a constant 1 for the bias) on three overlapping blobs of 2-D points. For each goal: the
iterations it took, the last step's Σ|W − W_old| and the loss. A NumPy replay with the analytic gradient
(pᵢ − onehot(yᵢ)) xᵢᵀ averaged over the points must take the same steps and stop at the same iteration.

    python examples/notes_stopping_rule.py [--goals 1e-2 1e-3 1e-4]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from notes_check import NotesCheck

import chainrule as cr
from chainrule.data import datasets
from chainrule.nn import functional as F

LEARNING_RATE = 0.1
LIMIT = 100_000  # iterations: a guard, never reached here


def gd(w0: np.ndarray, eval_gradient, goal: float, learning_rate: float) -> tuple[np.ndarray, list[float]]:
    """The slides' GD; also returns every step's Σ|W − W_old|."""
    perf_goal_not_met, w, steps = True, w0, []
    while perf_goal_not_met and len(steps) < LIMIT:
        gradient = eval_gradient(w)
        w_old = w
        w = w - learning_rate * gradient
        steps.append(float(np.sum(np.abs(w - w_old))))
        perf_goal_not_met = steps[-1] > goal
    return w, steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--goals", type=float, nargs="+", default=[1e-2, 1e-3, 1e-4])
    args = parser.parse_args(argv)
    x, y, _, _ = datasets.blobs(n=200, centers=3, std=2.5, box=4.0, seed=0)
    xs = np.hstack([x.numpy().astype(np.float64), np.ones((len(y), 1))])
    labels = y.numpy()
    data, target = cr.tensor(xs), y

    def loss_of(w: np.ndarray) -> float:
        return F.cross_entropy(data @ cr.tensor(w).T, target).item()

    def by_chainrule(w: np.ndarray) -> np.ndarray:
        weights = cr.tensor(w, requires_grad=True)
        F.cross_entropy(data @ weights.T, target).backward()
        return weights.grad.numpy()

    def by_hand(w: np.ndarray) -> np.ndarray:
        scores = xs @ w.T
        p = np.exp(scores - scores.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(labels)), labels] -= 1
        return p.T @ xs / len(labels)

    w0 = np.zeros((3, xs.shape[1]))
    runs = []
    for goal in args.goals:
        w, steps = gd(w0, by_chainrule, goal, LEARNING_RATE)
        runs.append((goal, w, steps, *gd(w0, by_hand, goal, LEARNING_RATE)))
    print(f"GD on the softmax loss, W0 = 0, learningRate = {LEARNING_RATE}, 200 points in 3 overlapping blobs")
    print(f"   {'goal':>8s} {'iterations':>11s} {'last Σ|W − W_old|':>18s} {'loss':>9s}")
    results = [(goal, len(steps), loss_of(w)) for goal, w, steps, *_ in runs]
    for (goal, iterations, loss), run in zip(results, runs):
        print(f"   {goal:8.0e} {iterations:11d} {run[2][-1]:18.2e} {loss:9.5f}")
    check = NotesCheck("chainrule's backward() against the analytic gradient, step for step", "by hand")
    for goal, w, steps, w_ref, steps_ref in runs:
        check.row(f"goal {goal:.0e}: iterations", len(steps), len(steps_ref), tol=0)
        check.row(f"goal {goal:.0e}: W reached", w.ravel(), w_ref.ravel(), tol=1e-10)
        check.claim(f"goal {goal:.0e}: stopped at the first step ≤ goal", steps[-1] <= goal < min(steps[:-1]),
                    f"{steps[-1]:.2e} ≤ {goal:.0e}")  # fmt: skip
    more = all(a[1] < b[1] and a[2] >= b[2] for a, b in zip(results, results[1:]))
    check.claim("a smaller goal: more iterations, lower loss", more, "")
    return check.finish()


if __name__ == "__main__":
    sys.exit(main())
