"""A NaN or Inf on either side is a failure, reported with the element and a hint; eps must be usable."""

import numpy as np
import pytest

import chainrule as cr


def _x(data):
    return cr.tensor(data, dtype=cr.float64, requires_grad=True)


@pytest.mark.parametrize(
    "f, at, analytic, numerical, hint",
    [
        (lambda t: t**0.5, [0.0], np.inf, np.nan, "edge of the function's domain is within eps"),
        (lambda t: t.sqrt(), [4.0, 0.0], np.inf, np.nan, "edge of the function's domain is within eps"),
        (lambda t: t.log(), [-1.0], -1.0, np.nan, "f itself is NaN/Inf at these inputs"),
        (lambda t: 1 / t, [0.0], -np.inf, 1e12, "f itself is NaN/Inf"),  # (1/eps + 1/eps) / 2eps
    ],
    ids=["pow-half-at-0", "sqrt-at-0", "log-at-minus-1", "reciprocal-at-0"],
)
def test_nan_or_inf_fails_with_the_index_and_a_hint(f, at, analytic, numerical, hint):
    x = _x(at)
    report = cr.gradcheck_report(f, [x])
    assert report.status == "FAILED" and report.rating == "wrong"
    check = report.inputs[0]
    assert check.nonfinite == 1 and check.rating == "wrong"
    e = check.worst[0]
    assert e.result == "NaN/Inf" and e.index == (len(at) - 1,) and hint in e.note
    assert np.isnan(e.numerical) == np.isnan(numerical)
    assert np.isinf(e.analytic) == np.isinf(analytic)
    message = r"1 of \d element\(s\) are NaN or Inf with backward\(\)\. Worst at index"
    with pytest.raises(cr.GradcheckError, match=message) as info:
        cr.gradcheck(f, [x])
    assert f"index ({len(at) - 1},)" in str(info.value) and hint in str(info.value)


def test_an_eps_too_large_says_so():
    report = cr.gradcheck_report(lambda t: t * t, [_x([1.0])], eps=1e200)  # (1 ± 1e200)² overflows
    assert report.status == "FAILED"
    assert "eps is too large" in report.inputs[0].worst[0].note


def test_a_nan_analytic_gradient_where_f_is_finite_fails():
    class NanBackward(cr.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * cr.tensor([2.0, np.nan], dtype=cr.float64)

    report = cr.gradcheck_report(NanBackward.apply, [_x([1.0, 2.0])])
    assert report.failed and report.inputs[0].failed == 1
    e = report.inputs[0].worst[0]
    assert e.index == (1,) and np.isnan(e.analytic) and e.numerical == pytest.approx(2 * report.projection[1])
    assert "the backward gives NaN/Inf where f is finite" in e.note


class WrongDouble(cr.Function):
    """2x, with a backward that is 10% off."""

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * 2.2


def test_a_wrong_backward_fails_even_when_an_output_element_is_nan():
    x = _x([1.0, 2.0])
    f = lambda t: cr.stack([WrongDouble.apply(t).sum(), (t[0] - 5.0).log()])  # noqa: E731
    assert cr.gradcheck(f, [x], raise_exception=False) is False
    report = cr.gradcheck_report(f, [x])
    assert report.nonfinite_output == (1,) and "f is NaN/Inf at output element (1,)" in str(report)
    full = cr.gradcheck_report(f, [x], full=True, worst=4)  # the finite row still shows the wrong backward
    rows = {(e.output, e.index): e.result for e in full.inputs[0].worst}
    assert rows[((0,), (0,))] == "MISMATCH" and rows[((1,), (0,))] == "NaN/Inf"


@pytest.mark.parametrize("eps", [float("inf"), float("nan"), 0.0, -1e-6])
def test_eps_must_be_finite_and_positive(eps):
    with pytest.raises(ValueError, match="eps must be a finite number > 0"):
        cr.gradcheck(lambda t: t * t, [_x([1.0])], eps=eps)


@pytest.mark.parametrize("atol, rtol", [(-1.0, 1e-3), (1e-5, float("inf")), (float("nan"), 1e-3)])
def test_tolerances_must_be_finite_and_not_negative(atol, rtol):
    with pytest.raises(ValueError, match="atol and rtol must be finite numbers >= 0"):
        cr.gradcheck(lambda t: t * t, [_x([1.0])], atol=atol, rtol=rtol)
