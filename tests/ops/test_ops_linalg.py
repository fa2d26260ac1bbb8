"""matmul with NumPy's rules: 1-D operands promoted then squeezed, batch dims broadcast."""

import numpy as np
import pytest

import chainrule as cr
from helpers.oracle import Case, op_tests

SHAPES = [
    ((2, 3), (3, 4)),  # matrix @ matrix
    ((3,), (3,)),  # vector @ vector -> 0-d
    ((3,), (3, 2)),  # vector @ matrix
    ((2, 3), (3,)),  # matrix @ vector
    ((4, 2, 3), (3, 2)),  # batch @ matrix
    ((3,), (4, 3, 2)),  # vector @ batch
    ((4, 2, 3), (3,)),  # batch @ vector
    ((2, 1, 2, 3), (3, 3, 1)),  # broadcast batch dims
]

CASES = [
    Case("matmul_operator", lambda m, a, b: a @ b, SHAPES),
    Case("matmul_function", lambda m, a, b: m.matmul(a, b).tanh(), SHAPES[:3]),
]


test_matmul, test_matmul_matches_torch = op_tests(CASES)


def test_matmul_with_numpy_arrays_on_either_side():
    w = cr.tensor(np.eye(2) * 2.0, requires_grad=True)
    x = np.array([[1.0, 2.0]])
    (x @ w).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [[1.0, 1.0], [2.0, 2.0]])
    np.testing.assert_allclose((w @ x.T).detach().numpy(), [[2.0], [4.0]])


def test_matmul_shape_mismatch_names_both_shapes_and_inner_sizes():
    with pytest.raises(cr.ShapeError, match=r"matmul: \(64, 784\) @ \(100, 784\): inner sizes 784 and 100 differ"):
        cr.zeros(64, 784) @ cr.zeros(100, 784)


def test_matmul_batch_mismatch_is_a_shape_error():
    with pytest.raises(cr.ShapeError, match=r"matmul.*\(2, 2, 3\).*\(3, 3, 2\)"):
        cr.zeros(2, 2, 3) @ cr.zeros(3, 3, 2)


def test_matmul_of_a_scalar_is_refused():
    with pytest.raises(cr.ShapeError, match="matmul: .*at least one dimension"):
        cr.tensor(2.0) @ cr.zeros(2)


def test_transposed_operands_must_be_matrices():
    from chainrule.ops.linalg import MatMul

    with pytest.raises(cr.ShapeError, match="transposed"):
        MatMul.apply(cr.ones(3), cr.ones(3, 3), ta=True)


def test_first_and_second_order_gradients_agree_for_transposed_products():
    from chainrule.ops.linalg import MatMul

    a = cr.randn(4, 3, dtype=cr.float64, requires_grad=True)
    b = cr.randn(5, 3, dtype=cr.float64, requires_grad=True)
    for ta, tb, x, y in [
        (False, True, a, b),
        (True, False, a.detach().T.clone().requires_grad_(), b.detach().T.clone().requires_grad_()),
    ]:
        f = lambda x, y, ta=ta, tb=tb: MatMul.apply(x, y, ta=ta, tb=tb).tanh()  # noqa: E731
        assert cr.gradcheck(f, [x, y])
        assert cr.gradgradcheck(f, [x, y])
