"""The verdict: ratings follow the measured error, values ≈ 0 are not compared, a vacuous check is not informative."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.check import rate
from chainrule.check.verdict import FAIL, KINK, NONFINITE, PASS, ZERO, judge


def _x(data):
    return cr.tensor(data, dtype=cr.float64, requires_grad=True)


class ScaledSquare(cr.Function):
    """scale·x² with a backward off by ``factor``."""

    scale, factor = 1.0, 1.0

    @classmethod
    def forward(cls, ctx, x):
        ctx.save_for_backward(x)
        return x * x * cls.scale

    @classmethod
    def backward(cls, ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x * cls.scale * cls.factor


@pytest.mark.parametrize(
    "rel, failed, nonfinite, rating",
    [
        (0.5, True, False, "wrong"),
        (1e-3, True, False, "suspicious"),
        (1e-9, True, False, "suspicious"),  # failed: never better than suspicious, however small the error
        (1e-3, False, False, "suspicious"),
        (1e-5, False, False, "good"),
        (1e-9, False, False, "excellent"),
        (0.0, False, False, "excellent"),
        (0.5, False, False, "suspicious"),  # passed within atol: never "wrong"
        (float("nan"), True, True, "wrong"),
        (None, False, False, "not informative"),
    ],
)
def test_rating_comes_from_the_error_and_agrees_with_the_verdict(rel, failed, nonfinite, rating):
    assert rate(rel, failed, nonfinite) == rating


def test_judge_classifies_every_element():
    a = np.array([1.0, 1.0, 3e-6, 0.0, 1.0, np.nan, 5.0])
    n = np.array([1.0 + 1e-9, 1.5, -4e-6, 0.0, 3.0, 1.0, np.inf])
    kinks = np.array([False, False, False, False, True, False, False])
    status, abs_err, rel = judge(a, n, kinks, atol=1e-5, rtol=1e-3)
    assert status.tolist() == [PASS, FAIL, ZERO, ZERO, KINK, NONFINITE, NONFINITE]
    assert rel[1] == pytest.approx(0.5 / 1.5) and abs_err[2] == pytest.approx(7e-6)
    assert np.isnan(rel[5]) and np.isnan(rel[6])


def test_a_failed_check_with_a_tiny_error_is_not_rated_excellent():
    report = cr.gradcheck_report(lambda t: t.exp().sum(), [_x([0.1, 0.2])], atol=0.0, rtol=0.0)
    assert report.status == "FAILED"  # round-off alone breaks zero tolerances
    assert report.max_rel_error < 1e-7 and report.rating == "suspicious" and report.inputs[0].rating == "suspicious"


def test_every_failing_report_reads_worse_than_good():
    ScaledSquare.factor = 1.5
    reports = [
        cr.gradcheck_report(ScaledSquare.apply, [_x([1.0, 2.0])]),
        cr.gradcheck_report(lambda t: t.log(), [_x([-1.0])]),
        cr.gradcheck_report(lambda t: t.exp(), [_x([1.0])], atol=0.0, rtol=0.0),
    ]
    ScaledSquare.factor = 1.0
    for report in reports:
        assert report.failed and report.rating in ("suspicious", "wrong"), str(report)
        assert f"({report.rating})" in report.summary()


def test_values_both_near_zero_pass_without_a_relative_error():
    ScaledSquare.scale, ScaledSquare.factor = 5e-7, 1.5  # analytic 1.5e-6·x·v, numerical 1e-6·x·v: a ratio of 1.5
    try:
        report = cr.gradcheck_report(ScaledSquare.apply, [_x([1.0, 2.0, 3.0])])
    finally:
        ScaledSquare.scale, ScaledSquare.factor = 1.0, 1.0
    check = report.inputs[0]
    assert check.zeros == 3 and check.compared == 0 and check.max_rel_error is None
    for e in check.worst:
        assert e.result == "both ≈ 0" and e.rel_error is None and not e.failed
        assert cr.check.element_cells(e)[3:] == ["–", "both ≈ 0"]  # what the table, CLI and report print
    assert report.status == "not informative"


def test_the_summary_counts_what_was_compared_meaningfully():
    report = cr.gradcheck_report(lambda t: t.relu(), [_x([-1.0, 2.0, 0.0, 3.0])])
    assert report.passed and report.compared == 2 and report.elements == 4
    assert report.summary().startswith(
        "gradcheck passed: 2 of 4 gradient element(s) compared meaningfully (1 both ≈ 0, 1 at kinks)"
    )


@pytest.mark.parametrize(
    "f, at",
    [
        (lambda t: t * t, [0.0, 0.0]),  # every gradient exactly 0
        (lambda t: (t * 0).sum(), [1.0, 2.0]),
        (lambda t: t.relu(), [-1.0, -2.0]),
        (lambda t: t * 2, np.zeros((0, 3))),  # nothing to compare
        (lambda t: t.max(), [3.0, 3.0, 1.0]),  # a tie (kinks) and a zero
    ],
    ids=["square-at-0", "times-0", "relu-negative", "empty", "max-tie"],
)
def test_a_vacuous_check_is_not_informative(f, at):
    x = _x(at)
    report = cr.gradcheck_report(f, [x])
    assert report.status == "not informative" and not report.passed and not report and not report.failed
    assert report.compared == 0 and report.rating == "not informative"
    with pytest.raises(cr.GradcheckError, match="gradcheck not informative: none of .* compared meaningfully"):
        cr.gradcheck(f, [x])
    assert cr.gradcheck(f, [x], raise_exception=False) is False
    assert cr.gradcheck(f, [x], allow_uninformative=True) is True
    assert "not informative" in str(report)


def test_a_wrong_backward_where_the_gradient_is_zero_is_not_passed():
    ScaledSquare.factor = 3.0  # wrong, but 2·x·3 = 0 at x = 0 just as the truth
    try:
        assert cr.gradcheck(ScaledSquare.apply, [_x([0.0, 0.0])], raise_exception=False) is False
        assert cr.gradcheck(ScaledSquare.apply, [_x([0.5, 0.0])], raise_exception=False) is False  # seen at 0.5
    finally:
        ScaledSquare.factor = 1.0


def test_one_informative_input_makes_the_check_informative():
    report = cr.gradcheck_report(lambda a, b: a * b, [_x([1.0, 2.0]), _x([0.0, 0.0])])
    assert report.passed
    assert [c.informative for c in report.inputs] == [False, True]  # a's gradient is b = 0; b's is a
    assert "0 of 2 compared meaningfully" in str(report)
