"""numerical_grad, gradcheck, gradgradcheck and gradcheck_report: messages, reports, kinks.

More in tests/check/: NaN/Inf, the verdict and ratings, partial derivatives and projections,
both backward rules, the training report's check.
"""

import warnings

import numpy as np
import pytest

import chainrule as cr


def _x(data, **kw):
    return cr.tensor(data, dtype=cr.float64, requires_grad=True, **kw)


class WrongSquare(cr.Function):
    """x² with a backward that is wrong in element 2 only."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        wrong = np.array([1.0, 1.0, 1.5, 1.0])
        return g * 2 * x * cr.tensor(wrong, dtype=cr.float64)


def test_numerical_grad_central_differences_in_float64():
    x = cr.tensor([1.0, -2.0, 0.5])  # float32 input: the differences are still taken in float64
    (g,) = cr.numerical_grad(lambda t: (t**3).sum(), x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 3 * np.array([1.0, -2.0, 0.5]) ** 2, rtol=1e-8)


def test_numerical_grad_of_several_inputs_and_a_grad_output():
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    ga, gb = cr.numerical_grad(lambda x, y: x * y, [a, b], grad_output=np.array([1.0, 10.0]))
    np.testing.assert_allclose(ga, [3.0, 40.0], rtol=1e-8)
    np.testing.assert_allclose(gb, [1.0, 20.0], rtol=1e-8)


def test_gradcheck_passes_on_a_correct_function():
    assert cr.gradcheck(lambda a, b: (a * b).tanh(), [_x([0.3, -1.2]), _x([[2.0], [0.5]])])
    assert cr.gradgradcheck(lambda a, b: (a * b).tanh(), [_x([0.3, -1.2]), _x([[2.0], [0.5]])])


def test_wrong_backward_is_caught_with_a_message_pointing_at_the_element():
    x = _x([1.0, 2.0, 3.0, 4.0], name="w")
    with pytest.raises(cr.GradcheckError) as info:
        cr.gradcheck(WrongSquare.apply, [x])
    message = str(info.value)
    assert "input 0 (w) of shape (4,): 1 of 4 element(s) disagree with backward()." in message
    assert "1 of 4 element(s)" in message
    assert "index (2,)" in message
    v = cr.check.projection((4,), seed=1234)[2]  # the output is not a scalar: the numbers are vᵀJ
    assert f"analytic {9 * v:.6g}" in message and f"numerical {6 * v:.6g}" in message
    assert "abs error" in message and "rel error" in message and "seed=1234" in message


def test_raise_exception_false_returns_false():
    assert cr.gradcheck(WrongSquare.apply, [_x([1.0, 2.0, 3.0, 4.0])], raise_exception=False) is False


def test_gradgradcheck_catches_a_detached_second_derivative():
    class CubeWithFlatBackward(cr.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x.detach() ** 2  # right value, but detached: no second derivative

    x = _x([0.5, -1.5])
    assert cr.gradcheck(CubeWithFlatBackward.apply, [x])
    assert cr.gradgradcheck(CubeWithFlatBackward.apply, [x], raise_exception=False) is False


def test_float32_inputs_warn():
    with pytest.warns(UserWarning, match="input 0 is float32, not float64"):
        cr.gradcheck(lambda t: t * 2, [cr.tensor([1.0, 2.0], requires_grad=True)], atol=1e-2)


def test_no_input_requiring_grad_is_a_clear_error():
    with pytest.raises(ValueError, match="no input requires grad"):
        cr.gradcheck(lambda t: t * 2, [cr.tensor([1.0], dtype=cr.float64)])


def test_f_must_return_a_tensor():
    with pytest.raises(TypeError, match="f must return a Tensor, got float"):
        cr.gradcheck(lambda t: 1.0, [_x([1.0])])


def test_report_is_a_table_and_data():
    report = cr.gradcheck_report(WrongSquare.apply, [_x([1.0, 2.0, 3.0, 4.0], name="w")], worst=2)
    assert not report.passed and not report and report.status == "FAILED"
    data = report.to_dict()
    assert data["status"] == "FAILED" and data["mode"] == "projection" and data["seed"] == 1234
    (entry,) = data["inputs"]
    assert entry["name"] == "w" and entry["shape"] == [4] and entry["failed"] == 1 and entry["compared"] == 4
    assert entry["rating"] == "wrong" and entry["max_rel_error"] > 1e-2
    assert entry["worst"][0]["index"] == (2,) and entry["worst"][0]["result"] == "MISMATCH"
    assert len(entry["worst"]) == 2
    assert data["tensor_rules"][0]["failed"] == 1  # the same rule serves both passes here
    text = str(report)
    assert text.startswith("gradcheck FAILED: 4 of 4 gradient element(s) compared meaningfully")
    assert "input 0 (w)" in text and "(wrong)" in text and "MISMATCH" in text
    assert "index" in text and "analytic" in text and "numerical" in text and "rel err" in text


def test_a_smooth_float64_check_is_rated_excellent_or_good():
    report = cr.gradcheck_report(lambda t: t.exp().sum(), [_x([0.1, 0.2])])
    assert report.passed and report.inputs[0].rating in ("excellent", "good")


@pytest.mark.parametrize(
    "f, at",
    [
        (lambda t: t.relu(), [0.0, 1.0, -1.0]),
        (lambda t: t.abs(), [0.0, 2.0]),
        (lambda t: cr.maximum(t, 0.5), [0.5, 1.0]),
        (lambda t: cr.minimum(t, t * 0 + 0.5), [0.5, 0.2]),
        (lambda t: t.clip(-1.0, 1.0), [1.0, -1.0, 0.0]),
        (lambda t: t.max() + t.sum(), [3.0, 3.0, 1.0]),
        (lambda t: t.min(axis=0), [[1.0, 2.0], [1.0 + 1e-7, 5.0]]),
        (lambda t: t.relu(), [3e-7, 1.0]),  # within eps of the kink
    ],
    ids=["relu", "abs", "maximum", "minimum", "clip", "max-tie", "min-near-tie", "relu-near-zero"],
)
def test_kinks_are_reported_as_kinks_not_failures(f, at):
    x = _x(at)
    report = cr.gradcheck_report(f, [x])
    check = report.inputs[0]
    assert report.passed, str(report)
    assert check.kinks >= 1 and check.compared >= 1
    assert any(e.kink for e in check.worst)
    assert "kink" in str(report)
    assert cr.gradcheck(f, [x])


def test_a_check_at_kinks_only_is_not_informative():
    report = cr.gradcheck_report(lambda t: t.max(), [_x([3.0, 3.0, 1.0])])
    assert report.status == "not informative" and not report.failed
    assert report.inputs[0].kinks == 2 and report.inputs[0].zeros == 1


def test_a_real_bug_next_to_a_kink_still_fails():
    class BadRelu(cr.Function):
        @staticmethod
        def forward(ctx, x):
            return x.relu()

        @staticmethod
        def backward(ctx, g):
            return g * 2.0  # wrong everywhere, and this op declares no branches

    assert cr.gradcheck(BadRelu.apply, [_x([0.0, 1.0])], raise_exception=False) is False


def test_gradcheck_does_not_touch_the_inputs_grad_or_values():
    x = _x([1.0, 2.0])
    cr.gradcheck(lambda t: t**2, [x])
    cr.gradgradcheck(lambda t: t**3, [x])
    assert x.grad is None and x.tolist() == [1.0, 2.0]


def test_no_warnings_from_a_float64_check():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cr.gradcheck(lambda t: t.log(), [_x([1.0, 2.0])])
        cr.gradcheck(lambda t: t.log(), [_x([-1.0, 2.0])], raise_exception=False)  # NaN: reported, not warned
