"""What the numbers are: a scalar's partial derivatives, a stated projection vᵀJ, or every Jacobian entry."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.check import FULL_JACOBIAN_LIMIT, projection


def _x(data, **kw):
    return cr.tensor(data, dtype=cr.float64, requires_grad=True, **kw)


def neuron(w, x):
    return (w[0] * x[0] + w[1] * x[1] + w[2]).sigmoid()


def test_the_lecture_neuron_shows_its_partial_derivatives():
    w, x = _x([2.0, -3.0, -3.0], name="w"), _x([-1.0, -2.0], name="x")
    report = cr.gradcheck_report(neuron, [w, x])
    assert report.passed and report.mode == "scalar" and report.projection is None
    s = 1 / (1 + np.exp(-(2.0 * -1.0 + -3.0 * -2.0 - 3.0)))  # σ(1), by hand
    ds = s * (1 - s)
    expected = {"w": [ds * -1.0, ds * -2.0, ds], "x": [ds * 2.0, ds * -3.0]}
    for check in report.inputs:
        by_index = {e.index[0]: e for e in check.worst}
        for i, value in enumerate(expected[check.name]):
            assert by_index[i].analytic == pytest.approx(value, rel=1e-12)
            assert by_index[i].numerical == pytest.approx(value, rel=1e-8)
    text = str(report)
    for shown in ["-0.196612", "-0.393224", "0.196612", "0.393224", "-0.589836"]:
        assert f" {shown} " in text, shown
    assert "partial derivatives" in text


def test_a_non_scalar_output_states_its_reproducible_projection():
    x = _x([[0.3, 1.0], [2.0, -0.5]])
    report = cr.gradcheck_report(lambda t: t.tanh(), [x], worst=4)
    assert report.mode == "projection" and report.seed == 1234
    v = projection((2, 2), 1234)
    np.testing.assert_array_equal(report.projection, v)
    assert np.all(np.abs(v) >= 0.5)  # every Jacobian entry takes part
    expected = v * (1 - np.tanh(x.detach().numpy()) ** 2)  # vᵀJ of an element-wise op, by hand
    for e in report.inputs[0].worst:
        assert e.analytic == pytest.approx(expected[e.index], rel=1e-12)
    assert "vᵀJ" in str(report) and "projection((2, 2), seed=1234)" in str(report)
    other = cr.gradcheck_report(lambda t: t.tanh(), [x], seed=7)
    assert other.seed == 7 and not np.allclose(other.projection, v)


def test_full_gives_every_jacobian_entry():
    a = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
    x = _x([0.2, -0.4, 0.9])
    report = cr.gradcheck_report(lambda t: cr.tensor(a, dtype=cr.float64) @ t, [x], full=True, worst=6)
    assert report.mode == "full" and report.passed
    check = report.inputs[0]
    assert check.elements == 6 and check.compared == 5 and check.zeros == 1  # a[1, 1] = 0
    seen = {(e.output, e.index): e for e in check.worst}
    assert len(seen) == 6
    for (i, j), value in np.ndenumerate(a):
        e = seen[((i,), (j,))]
        assert e.analytic == value and e.numerical == pytest.approx(value, rel=1e-8, abs=1e-9)
    assert "every Jacobian entry" in str(report) and "output" in str(report)


def test_full_refuses_a_large_jacobian():
    x = _x(np.ones(65))
    with pytest.raises(ValueError, match=r"65 output × 65 input elements = 4225 entries, more than FULL_JAC"):
        cr.gradcheck_report(lambda t: t * 2, [x], full=True)
    assert FULL_JACOBIAN_LIMIT == 4096
    assert cr.gradcheck_report(lambda t: t * 2, [_x(np.ones(64))], full=True).passed  # 4096 entries: allowed
