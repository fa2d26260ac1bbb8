"""gradcheck checks what runs: the array rules (plain backward) and the Tensor rules (create_graph=True),
each against central differences; gradgradcheck checks second derivatives against differences of the gradient.

The mutations break one rule of a built-in op at a time and must be caught.
"""

import pytest

import chainrule as cr
from chainrule.ops.activation import Tanh


def _x(data):
    return cr.tensor(data, dtype=cr.float64, requires_grad=True)


def tanh(t):
    return t.tanh()


X = [0.3, -1.2, 0.8]


def flipped_tensor_rule(ctx, g):
    out = ctx.saved_output
    return (-(g * (1 - out * out)),)


def flipped_array_rule(ctx, g):
    y = ctx.saved_output_array
    return (-(g * (1 - y * y)),)


def half_second_derivative(ctx, g):
    out = ctx.saved_output
    return (g * (1 - out.detach() * out),)  # the right first derivative; its own derivative is halved


def test_the_unbroken_op_passes_both():
    assert cr.gradcheck(tanh, [_x(X)]) and cr.gradgradcheck(tanh, [_x(X)])
    assert cr.gradcheck_report(tanh, [_x(X)]).rules_agree


def test_a_wrong_tensor_rule_fails_gradcheck(monkeypatch):
    monkeypatch.setattr(Tanh, "backward", staticmethod(flipped_tensor_rule))
    report = cr.gradcheck_report(tanh, [_x(X)])
    assert report.failed and not report.rules_agree
    assert report.inputs[0].failed == 0 and report.tensor_rules[0].failed == 3  # only the Tensor rule is wrong
    assert "backward(create_graph=True)" in str(report).split("backward() (")[1]  # both tables are shown
    with pytest.raises(cr.GradcheckError, match=r"3 of 3 element\(s\) disagree with backward\(create_graph=True\)\."):
        cr.gradcheck(tanh, [_x(X)])
    assert cr.gradgradcheck(tanh, [_x(X)], raise_exception=False) is False


def test_a_wrong_array_rule_fails_gradcheck(monkeypatch):
    monkeypatch.setattr(Tanh, "array_backward", staticmethod(flipped_array_rule))
    report = cr.gradcheck_report(tanh, [_x(X)])
    assert report.inputs[0].failed == 3 and report.tensor_rules[0].failed == 0
    with pytest.raises(cr.GradcheckError, match=r"3 of 3 element\(s\) disagree with backward\(\)\."):
        cr.gradcheck(tanh, [_x(X)])


def test_gradgradcheck_compares_second_derivatives_with_differences_of_the_gradient(monkeypatch):
    monkeypatch.setattr(Tanh, "backward", staticmethod(half_second_derivative))
    assert cr.gradcheck(tanh, [_x(X)])  # first derivatives are right in both passes
    report = cr.check.gradgradcheck_report(tanh, [_x(X)])
    assert report.title == "gradgradcheck" and report.failed
    x_check, u_check = report.inputs
    assert x_check.failed == 3 and x_check.rating == "wrong"
    assert u_check.label == "the output gradient u" and u_check.failed == 0  # d/du of uᵀJ is J: right
    with pytest.raises(cr.GradcheckError, match="gradgradcheck failed for input 0"):
        cr.gradgradcheck(tanh, [_x(X)])


def test_gradgradcheck_of_a_linear_op_is_informative_through_the_output_gradient():
    report = cr.check.gradgradcheck_report(lambda a, b: (a + b).sum(axis=0), [_x([[1.0, 2.0]]), _x([3.0, 4.0])])
    assert report.passed
    assert [c.compared for c in report.inputs] == [0, 0, 2]  # the Hessian is 0; J is checked through u
    assert cr.gradgradcheck(lambda a, b: (a + b).sum(axis=0), [_x([[1.0, 2.0]]), _x([3.0, 4.0])])


def test_gradgradcheck_fails_when_the_first_derivative_is_wrong_in_both_passes():
    class WrongCube(cr.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 4 * x**2  # wrong, and consistently so: its own derivative matches it

    with pytest.raises(cr.GradcheckError, match=r"^gradcheck failed"):
        cr.gradgradcheck(WrongCube.apply, [_x([0.5, -1.0])])
