"""Corners where chainrule once differed from PyTorch: max(dim) and amax gradients, x[[]], cat of 0-d tensors."""

import numpy as np
import pytest

import chainrule as cr

nan = np.nan


def _grad(f, values):
    x = cr.tensor(np.array(values, dtype=np.float64), requires_grad=True)
    f(x).sum().backward()
    return x.grad.numpy()


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_over_dim_sends_the_gradient_to_the_index_it_returns(op):
    """torch.max(x, dim): all of it to the first extreme element (the index returned), NaN first."""
    sign = 1.0 if op == "max" else -1.0
    rows = np.array([[3.0, 1.0, 3.0], [1.0, nan, nan]]) * sign
    np.testing.assert_array_equal(_grad(lambda x: getattr(x, op)(1).values, rows), [[1, 0, 0], [0, 1, 0]])


@pytest.mark.parametrize("op", ["amax", "amin"])
def test_amax_of_every_element_with_a_nan_gives_nan_gradients(op):
    """torch.amax(x) (no dim) is torch.amax over every dim: a NaN result gives NaN gradients."""
    assert np.isnan(_grad(lambda x: getattr(x, op)(), [1.0, nan, 3.0])).all()


def test_an_empty_list_selects_nothing():
    """x[[]] is an empty selection in PyTorch and NumPy (shape (0, 3)), with a zero gradient."""
    x = cr.zeros(2, 3, dtype=cr.float64, requires_grad=True)
    y = x[[]]
    assert y.shape == (0, 3)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 3)))


def test_concatenating_0d_tensors_says_why_not():
    """PyTorch: 'zero-dimensional tensor (at position 0) cannot be concatenated'."""
    with pytest.raises(cr.ShapeError, match="zero-dimensional|0-d|at least one dimension"):
        cr.cat([cr.tensor(1.0), cr.tensor(2.0)])
