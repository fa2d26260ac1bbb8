"""``GradcheckReport``: the verdicts of a gradient check as data, and the one way they are written out.

``element_cells`` and ``GradcheckReport.summary`` are also what ``chainrule gradcheck``
and the training report print, so every view shows the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np

from chainrule.check.verdict import NOT_INFORMATIVE, SCALE, ElementCheck, InputCheck

PLAIN = "backward()"
GRAPH = "backward(create_graph=True)"
RULES = {PLAIN: "array rules where an op has them", GRAPH: "Tensor rules, the ones higher derivatives use"}
CELLS = ("analytic", "numerical", "abs err", "rel err", "result")


def element_cells(e: ElementCheck) -> list[str]:
    """The analytic value, numerical value, errors and result of one element, as printed everywhere."""
    rel = "–" if e.rel_error is None else f"{e.rel_error:.2e}"
    return [f"{e.analytic:.6g}", f"{e.numerical:.6g}", f"{e.abs_error:.2e}", rel, e.result]


def format_rel(value: float | None) -> str:
    return "–" if value is None else f"{value:.2e}"


@dataclass
class GradcheckReport:
    """A gradient check's verdicts; ``print(report)`` shows a table, ``to_dict()`` gives the data.

    ``inputs`` holds one :class:`InputCheck` per input from a plain ``backward()`` (which
    uses the ops' array rules), ``tensor_rules`` the same from ``backward(create_graph=True)``
    (the ops' Tensor rules). ``status`` is "passed", "FAILED" or "not informative".
    """

    inputs: list
    tensor_rules: list
    atol: float
    rtol: float
    eps: float
    output_shape: tuple = ()
    mode: str = "scalar"  # "scalar", "projection" (vᵀJ) or "full" (every Jacobian entry)
    seed: int | None = None
    projection: Any = None
    nonfinite_output: tuple | None = None  # the first output element that is NaN/Inf at the inputs
    title: str = "gradcheck"
    what: str = ""
    rules_agree: bool = True  # the Tensor rules' analytic values equal the array rules' (to round-off)

    @property
    def checks(self) -> list[InputCheck]:
        """Every check made: one per input, then one per Tensor-rule comparison."""
        return [*self.inputs, *self.tensor_rules]

    @property
    def failed(self) -> bool:
        """True when any check found an analytic gradient that disagrees with the numerical one."""
        return any(c.failed for c in self.checks)

    @property
    def informative(self) -> bool:
        """True when at least one element was compared meaningfully (not all NaN, infinite or ≈ 0)."""
        return any(c.compared for c in self.checks)

    @property
    def status(self) -> str:
        """"FAILED", "passed" or "not informative" (nothing could be compared)."""
        return "FAILED" if self.failed else "passed" if self.informative else NOT_INFORMATIVE

    @property
    def passed(self) -> bool:
        """True only for an informative check that found no disagreement (a report is truthy exactly then)."""
        return self.status == "passed"

    def __bool__(self) -> bool:
        return self.passed

    @property
    def compared(self) -> int:
        """How many elements were compared meaningfully (of ``elements``), in the plain pass."""
        return sum(c.compared for c in self.inputs)

    @property
    def elements(self) -> int:
        """How many gradient elements the plain pass looked at, over all inputs."""
        return sum(c.elements for c in self.inputs)

    @property
    def rating(self) -> str:
        """The worst input's rating ("not informative" when nothing was compared)."""
        ratings = [c.rating for c in self.checks if c.rating != NOT_INFORMATIVE]
        return max(ratings, key=SCALE.index) if ratings else NOT_INFORMATIVE

    @property
    def max_rel_error(self) -> float | None:
        """The largest relative error of any check (NaN counts as largest); None when none was computed."""
        values = [c.max_rel_error for c in self.checks if c.max_rel_error is not None]
        return max(values, key=lambda v: np.inf if np.isnan(v) else v) if values else None

    def summary(self) -> str:
        """One line: the verdict, how much was compared meaningfully, the worst error and its rating."""
        zeros, kinks = sum(c.zeros for c in self.inputs), sum(c.kinks for c in self.inputs)
        lost = sum(c.unresolved for c in self.inputs)
        line = (
            f"{self.title} {self.status}: {self.compared} of {self.elements} gradient element(s) compared "
            f"meaningfully ({zeros} both ≈ 0, {kinks} at kinks{f', {lost} with eps < spacing' if lost else ''})"
        )
        if self.informative or self.failed:
            line += f", max rel error {format_rel(self.max_rel_error)} ({self.rating})"
        return line + f"; eps={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g}"

    def describe_numbers(self) -> str:
        """What the analytic and numerical numbers are: partial derivatives, vᵀJ, or Jacobian entries."""
        if self.what:
            return self.what
        if self.mode == "scalar":
            return "the output is a scalar: the numbers are its partial derivatives ∂f/∂x"
        if self.mode == "full":
            return f"every Jacobian entry ∂f[output]/∂x[index] (output shape {self.output_shape})"
        return (
            f"the output has shape {self.output_shape}: the numbers are vᵀJ, the gradient of sum(v * f), "
            f"v = chainrule.check.projection({self.output_shape}, seed={self.seed}) (full=True shows every "
            "Jacobian entry)"
        )

    def remarks(self) -> list[str]:
        """Lines that explain the verdict: a NaN/Inf output, a check that is not informative, the two passes."""
        lines = []
        if self.nonfinite_output is not None:
            lines.append(f"f is NaN/Inf at output element {self.nonfinite_output}: the inputs are outside its domain")
        if self.status == NOT_INFORMATIVE:
            lines.append(
                "not informative: every gradient is ≈ 0 (within atol), at a kink or at an input where eps is below "
                "the float spacing, so a wrong backward would pass too; check at another point"
            )
        if any(c.unresolved for c in self.inputs):
            lines.append(f"eps={self.eps:g} is below the float spacing at some inputs (x ± eps rounds to x): they "
                         "were not compared; use a larger eps there (above |x|·2.2e-16)")  # fmt: skip
        if self.rules_agree:
            lines.append(f"{GRAPH} ({RULES[GRAPH]}): the same analytic values, so the same verdicts")
        return lines

    def passes(self) -> list[tuple[str, list]]:
        """The backward passes whose tables are worth showing: one when both gave the same gradients."""
        return [(PLAIN, self.inputs)] if self.rules_agree else [(PLAIN, self.inputs), (GRAPH, self.tensor_rules)]

    def __str__(self) -> str:
        lines = [self.summary(), self.describe_numbers()]
        for rule, checks in self.passes():
            lines.append(f"{rule} ({RULES[rule]}):")
            lines += [line for c in checks for line in _input_lines(c, self.mode == "full")]
        return "\n".join(lines + self.remarks())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        """How Jupyter shows the report: the lines of ``str(report)``, each input's elements as a table."""
        from chainrule.report.page import note, table  # imported here: chainrule.report imports this module

        full = self.mode == "full"
        parts = [f"<p><strong>{escape(self.summary())}</strong></p>", note(self.describe_numbers())]
        for rule, checks in self.passes():
            parts.append(f"<p><code>{escape(rule)}</code> ({escape(RULES[rule])}):</p>")
            for c in checks:
                header = (["output"] if full else []) + ["index", *CELLS]
                rows = [[escape(cell) for cell in _element_row(e, full)] for e in c.worst]
                parts += [f"<p>{escape(_input_summary(c))}</p>", table(map(escape, header), rows, "gradcheck")]
        return "\n".join(parts + [note(line) for line in self.remarks()])

    def to_dict(self) -> dict:
        """The report as plain JSON-ready values: status, rating, errors and each input's check."""
        return {
            "status": self.status,
            "passed": self.passed,
            "informative": self.informative,
            "compared": self.compared,
            "elements": self.elements,
            "atol": self.atol,
            "rtol": self.rtol,
            "eps": self.eps,
            "mode": self.mode,
            "seed": self.seed,
            "output_shape": list(self.output_shape),
            "rules_agree": self.rules_agree,
            "inputs": [_check_dict(c) for c in self.inputs],
            "tensor_rules": [_check_dict(c) for c in self.tensor_rules],
        }


def _input_summary(c: InputCheck) -> str:
    return (
        f"{c.label} shape {c.shape}: max rel error {format_rel(c.max_rel_error)} ({c.rating}), "
        f"{c.compared} of {c.elements} compared meaningfully, {c.failed} failing, {c.zeros} both ≈ 0, "
        f"{c.kinks} at kinks" + (f", {c.unresolved} with eps < spacing" if c.unresolved else "")
    )


def _element_row(e: ElementCheck, full: bool) -> list[str]:
    """One row of the HTML table: where (the output element too for a full Jacobian), the cells, the note."""
    *cells, result = element_cells(e)
    where = [str(e.output), str(e.index)] if full else [str(e.index)]
    return [*where, *cells, f"{result} ({e.note})" if e.note else result]


def _input_lines(c: InputCheck, full: bool) -> list[str]:
    lines = [_input_summary(c)]
    head = (f"{'output':<12}" if full else "") + f"{'index':<14}"
    lines.append("  " + head + "".join(f"{h:>14}" for h in CELLS[:2]) + "".join(f"{h:>11}" for h in CELLS[2:4])
                 + "  result")  # fmt: skip
    for e in c.worst:
        a, n, abs_err, rel, result = element_cells(e)
        where = (f"{str(e.output):<12}" if full else "") + f"{str(e.index):<14}"
        note = f"  ({e.note})" if e.note else ""
        lines.append(f"  {where}{a:>14}{n:>14}{abs_err:>11}{rel:>11}  {result}{note}")
    return lines


def _check_dict(c: InputCheck) -> dict:
    return {
        "position": c.position,
        "name": c.name,
        "label": c.label,
        "rule": c.rule,
        "shape": list(c.shape),
        "elements": c.elements,
        "compared": c.compared,
        "max_rel_error": c.max_rel_error,
        "rating": c.rating,
        "failed": c.failed,
        "nonfinite": c.nonfinite,
        "zeros": c.zeros,
        "kinks": c.kinks,
        "unresolved": c.unresolved,
        "worst": [vars(e) for e in c.worst],
    }
