"""Comparisons, logical ops and argmax: boolean/int results that never require grad."""

import numpy as np
import pytest

import chainrule as cr

OPS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


@pytest.mark.parametrize("op", OPS, ids=list(OPS))
@pytest.mark.parametrize("other", [1.0, np.array([1.0, 3.0, 0.0]), "tensor"], ids=["scalar", "array", "tensor"])
def test_comparisons_match_numpy_and_are_not_differentiable(op, other):
    data = np.array([0.0, 1.0, 2.0])
    x = cr.tensor(data, requires_grad=True)
    rhs = cr.tensor([1.0, 3.0, 0.0]) if isinstance(other, str) else other
    result = OPS[op](x, rhs)
    expected = OPS[op](data, np.asarray(getattr(rhs, "data", rhs)))
    assert result.dtype == np.bool_
    np.testing.assert_array_equal(result.numpy(), expected)
    assert not result.requires_grad and result.grad_fn is None


def test_scalar_on_the_left_of_a_comparison():
    x = cr.tensor([0.0, 2.0])
    assert (1.0 < x).tolist() == [False, True]
    assert (1.0 >= x).tolist() == [True, False]


def test_logical_ops_combine_masks():
    x = cr.tensor([-2.0, 0.5, 3.0])
    assert ((x > 0) & (x < 1)).tolist() == [False, True, False]
    assert ((x < 0) | (x > 1)).tolist() == [True, False, True]
    assert (~(x > 0)).tolist() == [True, False, False]


def test_backward_through_a_comparison_is_a_clear_error():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(cr.BackwardError, match="does not require grad"):
        (x > 1).sum().backward()


def test_comparison_shape_mismatch_names_both_shapes():
    with pytest.raises(cr.ShapeError, match=r"lt: shapes \(2,\) and \(3,\)"):
        _ = cr.zeros(2) < cr.zeros(3)


def test_argmax_and_argmin_follow_numpy():
    data = np.array([[1.0, 5.0, 5.0], [7.0, 0.0, 2.0]])
    x = cr.tensor(data, requires_grad=True)
    assert x.argmax().item() == 3
    assert x.argmax(axis=1).tolist() == [1, 0]  # first of the tied maxima
    assert x.argmin(axis=0, keepdims=True).tolist() == [[0, 1, 1]]
    assert x.argmax(axis=1).dtype == np.int64 and not x.argmax().requires_grad


def test_comparison_of_tensors_is_never_a_python_bool_of_identity():
    a, b = cr.tensor([1.0]), cr.tensor([1.0])
    assert bool(a == b)
    assert {a: 1, b: 2}[a] == 1  # hashable by identity, like PyTorch
