"""Shared by the lecture-notes examples: chainrule's numbers printed beside the notes', and an exit status.

A number the notes print is given as the notes print it (a string such as ``"5.27"``): it agrees when
chainrule's value rounds to it, i.e. lies within half a unit of its last digit. A number the notes only
define (a formula evaluated by hand here) is given as a float with an explicit tolerance.

    check = NotesCheck("SVM loss")
    check.row("mean loss L", 5.2667, "5.27")
    sys.exit(check.finish())
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class NotesCheck:
    """Rows of (what, chainrule, notes, agrees?); ``finish()`` prints the verdict and returns the exit status."""

    def __init__(self, title: str, reference: str = "notes") -> None:
        self.failures: list[str] = []
        self.section(title, reference)

    def section(self, title: str, reference: str = "notes") -> None:
        """A heading; the rows after it belong to it. ``reference`` names the right-hand column: "notes" for
        numbers the notes print, "by hand" for the notes' formulas evaluated without chainrule."""
        print(f"\n== {title}")
        print(f"   {'':44s} {'chainrule':>14s}   {reference:>14s}")

    def row(self, what: str, ours: float | Sequence[float], notes: str | float | Sequence, tol: float | None = None,
            digits: int | None = None) -> bool:  # fmt: skip
        """One number (or a short vector) of chainrule against the notes'; True when they agree."""
        ours_a = np.atleast_1d(np.asarray(ours, dtype=np.float64))
        if isinstance(notes, str) or (isinstance(notes, Sequence) and notes and isinstance(notes[0], str)):
            texts = [notes] if isinstance(notes, str) else list(notes)
            want = np.array([float(t) for t in texts])
            places = [len(t.split(".")[1]) if "." in t else 0 for t in texts]  # each number's own last digit
            tols = np.array([0.5 * 10.0**-p + 1e-12 for p in places]) if tol is None else np.full(len(texts), tol)
            style = "f"  # as many decimals as the notes print
        else:
            want = np.atleast_1d(np.asarray(notes, dtype=np.float64))
            places = [6] * want.size
            tols = np.full(want.size, 1e-9 if tol is None else tol)
            style = "g"  # significant digits: these may be tiny (3e-48) or large
        if digits is not None:
            places = [digits] * want.size
        ok = ours_a.shape == want.shape and bool(np.all(np.abs(ours_a - want) <= tols))
        if ours_a.size > 3 and ours_a.shape == want.shape:  # a vector or matrix: how far apart, not every number
            shown = [f"{ours_a.size} values", f"max |Δ| {np.abs(ours_a - want).max():.1e}"]
        else:
            shown = [_fmt(ours_a, places, style), _fmt(want, places, style)]
        print(f"   {what:44s} {shown[0]:>14s}   {shown[1]:>14s}   {'ok' if ok else 'DIFFERS'}")
        tol = float(tols.max())
        if not ok:
            self.failures.append(f"{what}: chainrule {shown[0]}, notes {shown[1]} (tolerance {tol:g})")
        return ok

    def claim(self, what: str, holds: bool, detail: str = "") -> bool:
        """A statement of the notes that is checked rather than read off a number."""
        print(f"   {what:44s} {detail:>31s}   {'ok' if holds else 'DOES NOT HOLD'}")
        if not holds:
            self.failures.append(f"{what}: {detail}")
        return holds

    def finish(self) -> int:
        """Print the verdict; 0 when every row agreed, 1 otherwise (the script's exit status)."""
        if self.failures:
            print("\nDISAGREES with the notes:\n  " + "\n  ".join(self.failures))
            return 1
        print("\nall numbers agree with the notes")
        return 0


def _fmt(values: np.ndarray, places: list, style: str) -> str:
    places = places if len(places) == len(values) else [max(places)] * len(values)
    text = ", ".join(f"{v:.{p}{style}}" for v, p in zip(values, places))
    return text if len(values) == 1 else f"[{text}]"
