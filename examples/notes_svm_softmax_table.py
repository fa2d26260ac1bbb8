"""The slides' cat/car/frog table (ro-losses-gradient-descent-backprop-slides.txt, "Funcția de pierdere pentru SVM
multi-clasă" and "Clasificatorul Softmax"): the multiclass SVM losses 2.9, 0 and 12.9, their mean 5.27, and the
softmax loss 2.04 of the cat image with its unnormalised and normalised probabilities.

    python examples/notes_svm_softmax_table.py          # exits 1 if a number disagrees with the slides
"""

from __future__ import annotations

import sys

from notes_check import NotesCheck

import chainrule as cr
from chainrule.nn import functional as F

CLASSES = ("cat", "car", "frog")
# The slides' table has one column per training image (a cat, a car, a frog) and one row per class score.
SCORES = [[3.2, 5.1, -1.7],  # the cat image: cat, car, frog scores
          [1.3, 4.9, 2.0],   # the car image
          [2.2, 2.5, -3.1]]  # the frog image  # fmt: skip
LABELS = [0, 1, 2]


def main(argv: list[str] | None = None) -> int:
    scores = cr.tensor(SCORES, dtype=cr.float64, requires_grad=True)
    labels = cr.tensor(LABELS)
    check = NotesCheck("multiclass SVM: L_i = Σ_{j≠y_i} max(0, s_j − s_{y_i} + 1)")
    svm = F.multiclass_svm_loss(scores, labels, reduction="none")
    for i, (image, notes) in enumerate(zip(CLASSES, ("2.9", "0", "12.9"))):
        s, y = SCORES[i], LABELS[i]
        terms = " + ".join(f"max(0, {s[j]:g} − {_paren(s[y])} + 1)" for j in range(3) if j != y)
        print(f"   {image} image: {terms}")
        check.row(f"L for the {image} image", svm[i].item(), notes)
    check.row("L = (2.9 + 0 + 12.9) / 3", F.multiclass_svm_loss(scores, labels).item(), "5.27")

    check.section("softmax: L_i = −log(e^{s_{y_i}} / Σ_j e^{s_j}), the cat image")
    cat = scores[0]
    # The extracted text of the slides keeps only the cat scores; the slide's figure (CS231n's) prints the
    # numbers below, which the issue quotes as "softmax gives 2.04, with its probabilities".
    check.row("unnormalised probabilities e^s", cat.exp().tolist(), ["24.5", "164.0", "0.18"])
    probabilities = F.softmax(cat, dim=0)
    check.row("probabilities (normalised)", probabilities.tolist(), ["0.13", "0.87", "0.00"])
    loss = F.cross_entropy(scores[:1], labels[:1])
    check.row("L = −log(0.13)", loss.item(), "2.04")
    print(
        "   (the car and frog images, not worked in the slides:",
        ", ".join(f"{v:.2f}" for v in F.cross_entropy(scores, labels, reduction="none").tolist()[1:]) + ")",
    )
    return check.finish()


def _paren(v: float) -> str:
    return f"({v:g})" if v < 0 else f"{v:g}"


if __name__ == "__main__":
    sys.exit(main())
