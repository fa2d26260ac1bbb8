"""no_grad / enable_grad / set_grad_enabled as context managers and decorators; detect_anomaly."""

import numpy as np
import pytest

import chainrule as cr


def test_no_grad_records_nothing():
    x = cr.tensor([1.0], requires_grad=True)
    with cr.no_grad():
        y = x * 2
        assert not cr.is_grad_enabled()
    assert cr.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_no_grad_as_a_decorator():
    @cr.no_grad()
    def evaluate(t):
        return t * 2

    x = cr.tensor([1.0], requires_grad=True)
    assert not evaluate(x).requires_grad
    assert cr.is_grad_enabled()
    assert evaluate.__name__ == "evaluate"


def test_enable_grad_inside_no_grad_as_context_and_decorator():
    x = cr.tensor([1.0], requires_grad=True)

    @cr.enable_grad()
    def train_step(t):
        return t * 2

    with cr.no_grad():
        with cr.enable_grad():
            y = x * 2
        assert y.requires_grad
        assert train_step(x).requires_grad
        assert not (x * 2).requires_grad


def test_modes_are_restored_after_an_exception():
    with pytest.raises(RuntimeError):
        with cr.no_grad():
            raise RuntimeError("boom")
    assert cr.is_grad_enabled()


def test_nested_no_grad_restores_the_outer_state():
    with cr.no_grad():
        with cr.no_grad():
            pass
        assert not cr.is_grad_enabled()
    assert cr.is_grad_enabled()


def test_set_grad_enabled():
    x = cr.tensor([1.0], requires_grad=True)
    with cr.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    with cr.set_grad_enabled(True):
        assert (x * 2).requires_grad


def test_detect_anomaly_names_the_forward_op_shapes_and_the_user_line():
    x = cr.tensor([1.0, 0.0], requires_grad=True)
    with pytest.raises(cr.AnomalyError) as info:
        with cr.detect_anomaly():
            y = x * 2
            z = y.log() * 0 + 1  # log(0) = -inf: the first anomaly is in Log's forward
            z.sum()
    message = str(info.value)
    assert message.startswith("Log returned NaN or Inf in its forward output of shape (2,)")
    assert "inputs of shapes: (2,)" in message
    assert "test_autograd_mode.py" in message and "y.log()" in message


def test_detect_anomaly_names_the_backward_op():
    x = cr.tensor([0.0, 4.0], requires_grad=True)
    with cr.detect_anomaly():
        y = x.sqrt()  # finite forward; the gradient 1 / (2 sqrt(0)) is inf
        with pytest.raises(cr.AnomalyError) as info:
            y.sum().backward()
    message = str(info.value)
    assert "Sqrt.backward produced NaN or Inf in the gradient of an input of shape (2,)" in message
    assert "test_autograd_mode.py" in message and "x.sqrt()" in message


def test_detect_anomaly_checks_the_gradients_of_rules_that_promise_exact_ones():
    """Fused linear and sigmoid skip the engine's shape/dtype check, but not the anomaly check."""
    x, w, b = (cr.tensor(np.ones(s), requires_grad=True) for s in [(2, 3), (4, 3), (4,)])
    with cr.detect_anomaly():
        y = cr.nn.functional.linear(x, w, b).sigmoid()
        with pytest.raises(cr.AnomalyError, match=r"Sigmoid.backward produced NaN or Inf.*shape \(2, 4\)"):
            y.backward(cr.tensor(np.full((2, 4), np.nan)))


def test_detect_anomaly_stops_the_backward_pass_at_the_first_bad_gradient():
    x = cr.tensor([0.0, 4.0], requires_grad=True)
    with cr.detect_anomaly():
        y = x.sqrt()
        with pytest.raises(cr.AnomalyError, match=r"NaN or Inf.*shape \(2,\)"):
            y.sum().backward()
    assert x.grad is None


def test_without_detect_anomaly_nan_and_inf_just_propagate():
    x = cr.tensor([0.0, -1.0, 1.0], requires_grad=True)
    y = x.log()
    y.sum().backward()
    assert np.isneginf(y._data[0]) and np.isnan(y._data[1]) and y._data[2] == 0.0
    assert np.isposinf(x.grad._data[0]) and x.grad._data[2] == 1.0


def test_detect_anomaly_is_off_after_the_block():
    with cr.detect_anomaly():
        pass
    cr.tensor([0.0]).log()  # no error


def test_one_no_grad_instance_can_be_nested_in_itself():
    switch = cr.no_grad()
    with switch:
        with switch:
            assert not cr.is_grad_enabled()
        assert not cr.is_grad_enabled()
    assert cr.is_grad_enabled()
