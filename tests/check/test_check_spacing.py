"""An eps below the float spacing at x (x ± eps == x) takes no difference: such an element is neither passed nor
failed, and a check of nothing else is not informative; a step that rounding changed is divided out as taken."""

import pytest

import chainrule as cr
from chainrule.check import gradcheck_report


def _x(value):
    return cr.tensor(value, dtype=cr.float64, requires_grad=True)


@pytest.mark.parametrize("value, eps", [(1e308, 1e-6), (1e20, 1e-6), (1.0, 1e-320)])
def test_eps_below_the_spacing_is_not_informative(value, eps):
    report = gradcheck_report(lambda x: x * 3, [_x(value)], eps=eps)
    (check,) = report.inputs
    assert (check.unresolved, check.compared, check.failed) == (1, 0, 0)
    assert report.status == "not informative" and not report.failed
    assert check.worst[0].result == "eps < spacing" and "below the float spacing" in check.worst[0].note
    assert any("eps=" in line and "float spacing" in line for line in report.remarks())
    with pytest.raises(cr.GradcheckError, match="below the float spacing"):
        cr.gradcheck(lambda x: x * 3, [_x(value)], eps=eps)


def test_other_inputs_are_still_compared():
    report = gradcheck_report(lambda x, y: x * y, [_x(1e20), _x(1.0)])
    assert [c.unresolved for c in report.inputs] == [1, 0]
    assert report.passed and "1 with eps < spacing" in report.summary()


def test_a_step_changed_by_rounding_is_divided_out():
    x = 2.0**40  # spacing 2.4e-4 above, 1.2e-4 below: x + 1e-4 rounds to x, x - 1e-4 to x - 1.2e-4
    (grad,) = cr.numerical_grad(lambda t: t + 0, _x(x), eps=1e-4)  # exact arithmetic: only the step is off
    assert grad == 1.0  # not 1.2e-4 / 2e-4
