"""gradcheck_report and gradcheck: the gradients of both backward passes against central differences."""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chainrule.autograd.functional import grad as autograd_grad
from chainrule.autograd.mode import enable_grad
from chainrule.check.numeric import Probe, as_float64, as_inputs, differences, forward_probe, to_arrays
from chainrule.check.report import GRAPH, PLAIN, GradcheckReport
from chainrule.check.verdict import check_input
from chainrule.errors import GradcheckError
from chainrule.tensor import Tensor

#: ``full=True`` refuses a Jacobian with more entries (output size × total input size) than this.
FULL_JACOBIAN_LIMIT = 4096
SEED = 1234  # of the projection v of a non-scalar output


def projection(shape: tuple, seed: int = SEED) -> np.ndarray:
    """The fixed weight v of a non-scalar output: |v| uniform in [0.5, 1.5], random signs, reproducible from ``seed``.

    No entry is near 0, so every entry of the Jacobian takes part in vᵀJ.
    """
    return _projection(tuple(int(n) for n in shape), int(seed)).copy()


@functools.lru_cache(maxsize=64)
def _projection(shape: tuple, seed: int) -> np.ndarray:
    magnitude = np.random.default_rng(seed).uniform(0.5, 1.5, size=shape)
    return magnitude * np.random.default_rng(seed + 1).choice([-1.0, 1.0], size=shape)


def gradcheck_report(
    f: Callable[..., Tensor],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    worst: int = 5,
    *,
    full: bool = False,
    seed: int = SEED,
) -> GradcheckReport:
    """Compare analytic and numerical gradients of ``f`` for every input that requires grad.

    The analytic gradient is computed twice: by a plain ``backward()`` (which uses an op's
    array rule where it has one) and by ``backward(create_graph=True)`` (its Tensor rule);
    each is compared with central differences in float64. What is compared:

    * a scalar output: the partial derivatives ∂f/∂xᵢ themselves;
    * otherwise vᵀJ, the gradient of ``sum(v * f)``, v = ``projection(out.shape, seed)``;
    * ``full=True``: every Jacobian entry, up to ``FULL_JACOBIAN_LIMIT`` (4096) of them.

    Each element is "ok", "MISMATCH" (``|a − n| > atol + rtol·|n|``), "NaN/Inf" (a failure,
    with a hint), "both ≈ 0" (both within atol of 0: passes, no relative error) or "kink"
    (a relu, abs, max, clip ... changed branch within ±eps: neither passes nor fails).
    ``status`` is "FAILED" if any element failed, "not informative" if none was compared
    meaningfully (all ≈ 0 or at kinks), else "passed".

    Each input is rated from its worst relative error |a − n| / max(|a|, |n|) on CS231n's
    scale: > 1e-2 "wrong", > 1e-4 "suspicious", > 1e-7 "good", else "excellent"; NaN/Inf is
    "wrong", a failed input reads no better than "suspicious" and a passed one no worse.

    >>> w = cr.tensor([2.0, -3.0, -3.0], dtype=cr.float64, requires_grad=True)
    >>> x = cr.tensor([-1.0, -2.0], dtype=cr.float64, requires_grad=True)
    >>> print(cr.gradcheck_report(lambda w, x: (w[0] * x[0] + w[1] * x[1] + w[2]).sigmoid(), [w, x]))
    """
    check_tolerances(eps, atol, rtol, worst)
    xs = as_inputs(inputs)
    which = requiring_grad(xs)
    labels = {i: None for i in which}
    return build_report(f, forward_probe(f), xs, which, labels, eps, atol, rtol, worst, full, seed)


def gradcheck(
    f: Callable[..., Tensor],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    *,
    allow_uninformative: bool = False,
) -> bool:
    """True when both backward passes agree with central differences and the check was informative.

    On disagreement (including a NaN or Inf on either side) raises :class:`GradcheckError`
    naming the backward pass, the input, the worst element, both values and the errors, or
    returns False with ``raise_exception=False``. A check that compared nothing meaningfully
    (every gradient within atol of 0, or at a kink) is *not informative* and is treated the
    same way, unless ``allow_uninformative=True``. See :func:`gradcheck_report` for the details.
    """
    report = gradcheck_report(f, inputs, eps=eps, atol=atol, rtol=rtol, worst=1)
    return conclude(report, raise_exception, allow_uninformative)


def conclude(report: GradcheckReport, raise_exception: bool, allow_uninformative: bool) -> bool:
    """gradcheck's answer from a report: True, False or a GradcheckError that says what went wrong and where."""
    if report.passed or (allow_uninformative and not report.failed):
        return True
    if not raise_exception:
        return False
    raise GradcheckError(failure_message(report))


def failure_message(report: GradcheckReport) -> str:
    """The first failure of a report (pass, input, worst element, values, errors, hint), or why it says nothing."""
    name = report.title
    if not report.failed:
        zeros, kinks = sum(c.zeros for c in report.inputs), sum(c.kinks for c in report.inputs)
        lost = sum(c.unresolved for c in report.inputs)
        return (
            f"{name} not informative: none of {report.elements} gradient element(s) was compared meaningfully "
            f"({zeros} both within atol={report.atol:g} of 0, {kinks} at kinks"
            f"{f', {lost} with eps={report.eps:g} below the float spacing at x' if lost else ''}), so a wrong "
            "backward would pass as well. Check at another point"
            f"{' or with a larger eps' if lost else ''}, or pass allow_uninformative=True to accept this."
        )
    c = next(c for c in report.checks if c.failed)
    e = c.worst[0]
    where = f"index {e.index}" + ("" if e.output is None else f" of output element {e.output}")
    what = (
        "are NaN or Inf"
        if c.nonfinite == c.failed
        else "disagree" + (f" ({c.nonfinite} NaN or Inf)" if c.nonfinite else "")
    )
    text = (
        f"{name} failed for {c.label} of shape {c.shape}: {c.failed} of {c.elements} element(s) {what} with "
        f"{c.rule}. Worst at {where}: analytic {e.analytic:.6g}, numerical {e.numerical:.6g}, abs error "
        f"{e.abs_error:.3g}, rel error {e.rel_error:.3g} (allowed: atol={report.atol:g} + "
        f"rtol={report.rtol:g}·|numerical|). {report.describe_numbers()}."
    )
    return text + (f" Hint: {e.note}." if e.note else "")


def build_report(
    analytic_fn: Callable[..., Tensor],
    probe: Probe,
    xs: list,
    which: list,
    labels: dict,
    eps: float,
    atol: float,
    rtol: float,
    worst: int,
    full: bool,
    seed: int,
) -> GradcheckReport:
    """Run ``analytic_fn`` once, both backward passes, and the differences of ``probe``; judge every element."""
    with enable_grad(), np.errstate(all="ignore"):
        out = analytic_fn(*xs)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: f must return a Tensor, got {type(out).__name__}")
    shape, size = tuple(out.shape), int(out.size)
    mode = "scalar" if size == 1 else "full" if full and size else "projection"
    weight = None if mode != "projection" else projection(shape, seed)
    if mode == "full":
        _check_full_size(size, [xs[i] for i in which])
    seeds = [weight] if weight is not None else list(np.eye(size).reshape(size, *shape))
    rows = len(seeds)

    def reduce(value: np.ndarray) -> np.ndarray:
        return np.array([(value * weight).sum()]) if weight is not None else value.reshape(-1)

    targets = [xs[i] for i in which]
    plain = _analytic(out, targets, seeds, create_graph=False)
    graph = _analytic(out, targets, seeds, create_graph=True)
    numeric, kinks, unresolved = differences(probe, to_arrays(xs), which, eps, reduce, rows, kinks=True)
    value = as_float64(out)
    bad = np.flatnonzero(~np.isfinite(value))
    nonfinite_output = tuple(int(i) for i in np.unravel_index(bad[0], shape)) if bad.size else None
    output_shape = shape if mode == "full" else None

    common = {"atol": atol, "rtol": rtol, "worst": worst, "output_shape": output_shape,
              "output_finite": nonfinite_output is None}  # fmt: skip

    def judge_all(analytic: list, rule: str) -> list:
        return [
            check_input(i, getattr(xs[i], "name", None), tuple(xs[i].shape), rule, a, numeric[i], kinks[i],
                        label=labels[i], unresolved=unresolved[i], **common)
            for i, a in zip(which, analytic)
        ]  # fmt: skip

    agree = _same(plain, graph, out.dtype, atol)
    return GradcheckReport(
        judge_all(plain, PLAIN), judge_all(graph, GRAPH), atol, rtol, eps, shape, mode,
        seed if mode == "projection" else None, weight, nonfinite_output, rules_agree=agree,
    )  # fmt: skip


def _same(plain: list, graph: list, dtype: Any, atol: float) -> bool:
    """Whether both passes gave the same gradients, up to the round-off of ``dtype``'s arithmetic."""
    rtol = 64 * float(np.finfo(dtype).eps) if np.issubdtype(dtype, np.floating) else 0.0
    return all(np.allclose(a, b, rtol=rtol, atol=1e-3 * atol, equal_nan=True) for a, b in zip(plain, graph))


def _analytic(out: Tensor, inputs: list, seeds: list, create_graph: bool) -> list:
    """``(rows, size)`` analytic gradients per input: one backward pass per output gradient in ``seeds``."""
    rows: list = [[] for _ in inputs]
    for s in seeds:
        grads = [None] * len(inputs)
        if out.requires_grad:
            with enable_grad(), np.errstate(all="ignore"):
                grads = autograd_grad(out, inputs, grad_outputs=Tensor._make(np.asarray(s, dtype=out.dtype)),
                                      retain_graph=True, create_graph=create_graph, allow_unused=True)  # fmt: skip
        for r, x, g in zip(rows, inputs, grads):
            r.append(np.zeros(int(np.prod(x.shape))) if g is None else as_float64(g).reshape(-1))
    return [np.stack(r) for r in rows]


def requiring_grad(xs: list) -> list:
    """The positions of the inputs that require grad (at least one), warning about those not in float64."""
    which = [i for i, x in enumerate(xs) if isinstance(x, Tensor) and x.requires_grad]
    if not which:
        raise ValueError("gradcheck: no input requires grad; pass tensors made with requires_grad=True")
    for i in which:
        if xs[i].dtype != np.float64:
            warnings.warn(
                f"gradcheck: input {i} is {xs[i].dtype}, not float64: expect round-off to dominate; "
                "check with .double() inputs",
                stacklevel=4,
            )
    return which


def check_tolerances(eps: float, atol: float, rtol: float, worst: int) -> None:
    """Refuse an eps that is not a finite positive number and tolerances that are not finite and >= 0."""
    if not (math.isfinite(eps) and eps > 0):
        raise ValueError(f"gradcheck: eps must be a finite number > 0 (e.g. 1e-6), got {eps}")
    if not (math.isfinite(atol) and atol >= 0 and math.isfinite(rtol) and rtol >= 0):
        raise ValueError(f"gradcheck: atol and rtol must be finite numbers >= 0, got atol={atol}, rtol={rtol}")
    if worst < 0:
        raise ValueError(f"gradcheck: worst must be >= 0, got {worst}")


def _check_full_size(size: int, inputs: Sequence[Tensor]) -> None:
    entries = size * sum(int(np.prod(x.shape)) for x in inputs)
    if entries > FULL_JACOBIAN_LIMIT:
        raise ValueError(
            f"gradcheck_report(full=True): the Jacobian has {size} output × "
            f"{sum(int(np.prod(x.shape)) for x in inputs)} input elements = {entries} entries, more than "
            f"FULL_JACOBIAN_LIMIT = {FULL_JACOBIAN_LIMIT}; check smaller inputs, or use full=False (vᵀJ)"
        )
