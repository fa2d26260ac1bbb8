"""The verdict: one function decides, for every compared element, whether it agrees, and rates the agreement.

Everything that shows a gradient check (``GradcheckReport``, ``chainrule gradcheck``,
the training report) formats what ``judge`` computed here, so the same point gets
the same verdict and the same numbers wherever it is shown.

An element is one entry of an analytic gradient compared with its central difference:

* ``NaN/Inf``: either value is not finite: a failure, with a hint;
* ``kink``: a kinked op (relu, abs, max, clip ...) changed branch within ±eps: the
  finite difference is not a derivative there, so it neither passes nor fails;
* ``eps < spacing``: eps is below the float spacing at x (x ± eps rounds to x, e.g. x=1e20 with
  eps=1e-6): no difference can be taken, so it neither passes nor fails;
* ``both ≈ 0``: both within ``atol`` of zero: passes, but says nothing (no relative error);
* ``ok`` / ``MISMATCH``: ``|analytic − numerical| <= atol + rtol·|numerical|`` or not.

The last two are *compared meaningfully*. A check that compares nothing meaningfully
is *not informative*: a wrong backward would pass it just as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Relative error above each bound, worst first (CS231n's reading of a gradient check).
RATINGS = ((1e-2, "wrong"), (1e-4, "suspicious"), (1e-7, "good"), (0.0, "excellent"))
SCALE = ("excellent", "good", "suspicious", "wrong")
NOT_INFORMATIVE = "not informative"

# Element statuses, ordered by how much they matter when listing the worst elements.
ZERO, UNRESOLVED, KINK, PASS, FAIL, NONFINITE = range(6)
RESULTS = {ZERO: "both ≈ 0", UNRESOLVED: "eps < spacing", KINK: "kink", PASS: "ok", FAIL: "MISMATCH",
           NONFINITE: "NaN/Inf"}  # fmt: skip
KINK_NOTE = "the branch changes within ±eps: the difference quotient is no derivative here"
UNRESOLVED_NOTE = ("eps is below the float spacing at this input, so x + eps and x - eps are x itself and no "
                   "difference can be taken; use an eps above |x|·2.2e-16")  # fmt: skip


@dataclass
class ElementCheck:
    """One compared entry: where it is, both values, the errors, and the verdict (``result``).

    ``index`` is the element of the input; ``output`` the element of the output for a
    full Jacobian (None when the numbers are vᵀJ or the output is a scalar).
    ``rel_error`` is None where both values are ≈ 0 (a ratio of round-off means nothing).
    """

    index: tuple
    analytic: float
    numerical: float
    abs_error: float
    rel_error: float | None
    result: str
    note: str = ""
    output: tuple | None = None

    @property
    def kink(self) -> bool:
        """Whether a kinked op changed branch within ±eps here, so that the element neither passes nor fails."""
        return self.result == RESULTS[KINK]

    @property
    def failed(self) -> bool:
        """Whether the element broke the tolerances or is not finite (a MISMATCH or NaN/Inf)."""
        return self.result in (RESULTS[FAIL], RESULTS[NONFINITE])


@dataclass
class InputCheck:
    """One input's comparison under one backward pass (``rule``): counts, worst error, rating, worst elements."""

    position: int
    name: str | None
    shape: tuple
    rule: str
    elements: int
    compared: int
    failed: int
    nonfinite: int
    zeros: int
    kinks: int
    max_rel_error: float | None
    worst: list = field(default_factory=list)
    label_text: str | None = None
    unresolved: int = 0  # elements where eps is below the float spacing (x ± eps == x)

    @property
    def rating(self) -> str:
        """The worst relative error rated on the ``RATINGS`` scale, consistent with the verdict (see :func:`rate`)."""
        return rate(self.max_rel_error, self.failed > 0, self.nonfinite > 0)

    @property
    def informative(self) -> bool:
        """Whether any element was compared meaningfully; a check that compared none would pass a wrong backward."""
        return self.compared > 0

    @property
    def label(self) -> str:
        """How reports name this input: ``label_text`` if given, else "input 0 (name)"."""
        if self.label_text:
            return self.label_text
        return f"input {self.position}" + (f" ({self.name})" if self.name else "")


def rate(max_rel_error: float | None, failed: bool, nonfinite: bool = False) -> str:
    """The rating of a worst relative error, kept consistent with the verdict.

    NaN/Inf is "wrong"; nothing compared is "not informative". Otherwise the scale
    of ``RATINGS``, except that a failed check reads no better than "suspicious" (it
    broke the tolerances however small its error) and a passed one no worse (its
    large relative error is on values that passed within atol).
    """
    if nonfinite:
        return "wrong"
    if max_rel_error is None:
        return NOT_INFORMATIVE
    name = next((name for bound, name in RATINGS if max_rel_error > bound), "excellent")
    level, middle = SCALE.index(name), SCALE.index("suspicious")
    return SCALE[max(level, middle) if failed else min(level, middle)]


def judge(
    analytic: np.ndarray,
    numerical: np.ndarray,
    kinks: np.ndarray,
    atol: float,
    rtol: float,
    unresolved: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Status code, absolute and relative error of every element (arrays of the inputs' shape).

    ``kinks`` marks the elements (broadcast against the others) where the numerical value
    straddles a branch change, ``unresolved`` those where eps is below the float spacing (no
    difference was taken). The relative error is ``|a − n| / max(|a|, |n|)``; NaN where a
    value is not finite.
    """
    a, n = np.asarray(analytic, dtype=np.float64), np.asarray(numerical, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        finite = np.isfinite(a) & np.isfinite(n)
        abs_err = np.abs(a - n)
        scale = np.maximum(np.abs(a), np.abs(n))
        rel = np.where(finite, abs_err / np.where(scale > 0, scale, 1.0), np.nan)
        zero = finite & (np.abs(a) <= atol) & (np.abs(n) <= atol)
        within = abs_err <= atol + rtol * np.abs(n)
    lost = np.broadcast_to(False if unresolved is None else unresolved, a.shape)
    status = np.select([~finite, lost, np.broadcast_to(kinks, a.shape), zero, within],
                       [NONFINITE, UNRESOLVED, KINK, ZERO, PASS], FAIL)  # fmt: skip
    return status, abs_err, rel


def check_input(
    position: int,
    name: str | None,
    shape: tuple,
    rule: str,
    analytic: np.ndarray,
    numerical: np.ndarray,
    kinks: np.ndarray,
    atol: float,
    rtol: float,
    worst: int,
    output_shape: tuple | None,
    output_finite: bool,
    label: str | None = None,
    unresolved: np.ndarray | None = None,
) -> InputCheck:
    """Judge one input's ``(rows, size)`` analytic and numerical gradients and keep the ``worst`` elements.

    Rows are output elements when ``output_shape`` is given (a full Jacobian), else one projected row;
    ``unresolved`` marks the elements (``(size,)``) where eps is below the float spacing.
    """
    lost = None if unresolved is None else unresolved[None, :]
    status, abs_err, rel = judge(analytic, numerical, kinks[None, :], atol, rtol, lost)
    meaningful = (status == PASS) | (status == FAIL) | (status == NONFINITE)
    severity = np.where(np.isnan(rel), np.inf, rel)
    order = np.lexsort((-severity.reshape(-1), -status.reshape(-1)))[:worst]
    size = status.shape[1]
    rows = [
        _element(j // size, j % size, shape, output_shape, analytic, numerical, status, abs_err, rel, output_finite)
        for j in order
    ]
    rels = rel[meaningful]
    return InputCheck(
        position, name, tuple(shape), rule, status.size, int(meaningful.sum()),
        int(((status == FAIL) | (status == NONFINITE)).sum()), int((status == NONFINITE).sum()),
        int((status == ZERO).sum()), int((status == KINK).sum()),
        float(np.max(rels)) if rels.size else None, rows, label, int((status == UNRESOLVED).sum()),
    )  # fmt: skip


def _element(row, col, shape, output_shape, analytic, numerical, status, abs_err, rel, output_finite) -> ElementCheck:
    code = int(status[row, col])
    a, n = float(analytic[row, col]), float(numerical[row, col])
    note = {KINK: KINK_NOTE, UNRESOLVED: UNRESOLVED_NOTE}.get(code, "")
    if code == NONFINITE:
        note = hint(a, n, output_finite)
    return ElementCheck(
        tuple(int(i) for i in np.unravel_index(col, shape)),
        a,
        n,
        float(abs_err[row, col]),
        None if code == ZERO else float(rel[row, col]),
        RESULTS[code],
        note,
        None if output_shape is None else tuple(int(i) for i in np.unravel_index(row, output_shape)),
    )


def hint(analytic: float, numerical: float, output_finite: bool) -> str:
    """Why a value is NaN or Inf, and what to try."""
    if not output_finite:
        return "f itself is NaN/Inf at these inputs: they are outside the function's domain or at a pole"
    if not np.isfinite(numerical):
        return (
            "f is NaN/Inf at x ± eps: a pole or the edge of the function's domain is within eps of x, "
            "or eps is too large (f overflows); try a point further inside the domain or a smaller eps"
        )
    return (
        "the backward gives NaN/Inf where f is finite: a pole of the derivative (e.g. sqrt at 0) "
        "or a point outside the derivative's domain"
    )
