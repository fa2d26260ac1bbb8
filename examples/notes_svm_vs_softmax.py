"""The slides' "Softmax vs. SVM" question (ro-losses-gradient-descent-backprop-slides.txt): scores
[10, −2, 3], [10, 9, 9] and [10, −100, −100] with the correct class y_i = 0. What does each loss say, and what
happens when the scores move a little?

The slides leave the answer to the reader; here it is worked by hand (plain Python ``math`` on the slides'
formulas) and by chainrule, which must agree: the SVM loss is 0 for all three (each margin is met), while the
softmax loss is positive for all three and changes with every small move of the scores. [10, 9, 9] sits exactly
on the SVM margin: raise a wrong score a little and the SVM loss becomes positive.

    python examples/notes_svm_vs_softmax.py
"""

from __future__ import annotations

import math
import sys

from notes_check import NotesCheck

import chainrule as cr
from chainrule.nn import functional as F

SCORES = [[10.0, -2.0, 3.0], [10.0, 9.0, 9.0], [10.0, -100.0, -100.0]]
NUDGE = 0.1  # the small change: every wrong class's score raised by this much


def svm_by_hand(s: list, y: int = 0) -> float:
    return sum(max(0.0, s[j] - s[y] + 1) for j in range(len(s)) if j != y)


def softmax_by_hand(s: list, y: int = 0) -> float:
    """−log(e^{s_y} / Σ_j e^{s_j}) = log(1 + Σ_{j≠y} e^{s_j − s_y}), with log1p so that 2e^{−110} survives."""
    return math.log1p(sum(math.exp(s[j] - s[y]) for j in range(len(s)) if j != y))


def losses(scores: list) -> tuple:
    """chainrule's SVM and softmax losses per row, and their gradients with respect to the scores."""
    s = cr.tensor(scores, dtype=cr.float64, requires_grad=True)
    labels = cr.zeros(len(scores), dtype=cr.int64)
    svm = F.multiclass_svm_loss(s, labels, reduction="none")
    (svm_grad,) = cr.autograd.grad(svm.sum(), s)
    softmax = F.cross_entropy(s, labels, reduction="none")
    (softmax_grad,) = cr.autograd.grad(softmax.sum(), s)
    return svm.tolist(), softmax.tolist(), svm_grad.numpy(), softmax_grad.numpy()


def main(argv: list[str] | None = None) -> int:
    nudged = [[s[0]] + [v + NUDGE for v in s[1:]] for s in SCORES]
    svm, softmax, svm_grad, softmax_grad = losses(SCORES)
    svm2, softmax2, _, _ = losses(nudged)
    exact = [softmax_by_hand(s) for s in SCORES]
    exact2 = [softmax_by_hand(s) for s in nudged]
    check = NotesCheck("SVM against softmax, y_i = 0 (by hand: the slides' formulas in plain Python)", "by hand")
    for i, s in enumerate(SCORES):
        name = "[" + ", ".join(f"{v:g}" for v in s) + "]"
        check.row(f"{name}: SVM loss", svm[i], svm_by_hand(s), tol=1e-12)
        check.row(f"{name}: softmax loss", softmax[i], exact[i], tol=1e-12 * max(1.0, exact[i]))
        check.row(f"  wrong scores + {NUDGE:g}: SVM loss", svm2[i], svm_by_hand(nudged[i]), tol=1e-12)
        check.row(f"  wrong scores + {NUDGE:g}: softmax loss", softmax2[i], exact2[i], tol=1e-12 * max(1.0, exact2[i]))
    check.claim("SVM: 0 for all three (every margin met)", all(v == 0 for v in svm), f"{svm}")
    check.claim("softmax: > 0 for all three (by hand)", all(v > 0 for v in exact), f"least {min(exact):.2g}")
    print("   (2e^-110 is below float64's resolution next to the e^10 of the sum: chainrule's loss rounds to 0,")
    print("    as PyTorch's does; its gradient p − onehot keeps the e^-110 terms)")
    moved = [i for i in range(3) if svm2[i] != svm[i]]
    check.claim("a small move changes SVM only at [10, 9, 9]", moved == [1], f"changed rows {moved}")
    check.claim("... and every softmax loss (by hand)", all(a != b for a, b in zip(exact, exact2)), "")
    check.claim("SVM's gradient is 0: nothing left to learn", not svm_grad.any(), "")
    check.claim("softmax's gradient p − onehot is not", bool(abs(softmax_grad).sum(axis=1).all()), "")
    return check.finish()


if __name__ == "__main__":
    sys.exit(main())
