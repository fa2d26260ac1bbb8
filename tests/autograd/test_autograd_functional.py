"""autograd.grad (PyTorch-style), cr.grad (JAX-style), jacobian and hvp."""

import numpy as np
import pytest

import chainrule as cr


def _x(data):
    return cr.tensor(data, dtype=cr.float64, requires_grad=True)


def test_autograd_grad_returns_gradients_without_touching_dot_grad():
    x, y = _x([1.0, 2.0]), _x(3.0)
    (gx, gy) = cr.autograd.grad((x * y).sum(), [x, y])
    assert gx.tolist() == [3.0, 3.0] and gy.item() == 3.0
    assert x.grad is None and y.grad is None


def test_autograd_grad_of_an_intermediate_and_grad_outputs():
    x = _x([1.0, 2.0])
    h = x * 2
    out = h * h
    (gh,) = cr.autograd.grad(out, h, grad_outputs=cr.tensor([1.0, 0.5], dtype=cr.float64))
    assert gh.tolist() == [4.0, 4.0]


def test_autograd_grad_unused_input():
    x, unused = _x(1.0), _x(2.0)
    with pytest.raises(cr.BackwardError, match="input 1 .*not used.*allow_unused=True"):
        cr.autograd.grad(x * 2, [x, unused])
    assert cr.autograd.grad(x * 2, [x, unused], allow_unused=True)[1] is None


def test_autograd_grad_create_graph_for_second_derivatives():
    x = _x(2.0)
    (g,) = cr.autograd.grad(x**4, x, create_graph=True)
    (gg,) = cr.autograd.grad(g, x)
    assert g.item() == 32.0 and gg.item() == 48.0


def test_jax_style_grad_and_nesting():
    f = lambda t: (t**3).sum()  # noqa: E731
    assert cr.grad(f)(cr.tensor([2.0])).tolist() == [12.0]
    assert cr.grad(cr.grad(lambda t: t**3))(cr.tensor(2.0, dtype=cr.float64)).item() == pytest.approx(12.0)
    df = cr.grad(lambda a, b: (a * b).sum(), argnums=(0, 1))
    ga, gb = df(cr.tensor([1.0, 2.0]), cr.tensor([3.0, 4.0]))
    assert ga.tolist() == [3.0, 4.0] and gb.tolist() == [1.0, 2.0]


def test_jax_style_grad_needs_a_scalar():
    with pytest.raises(cr.BackwardError, match="one-element"):
        cr.grad(lambda t: t * 2)(cr.tensor([1.0, 2.0]))


def test_jacobian_is_dense_and_correct():
    x = cr.tensor([1.0, 2.0, 3.0], dtype=cr.float64)
    J = cr.jacobian(lambda t: t * t, x)
    np.testing.assert_allclose(J.numpy(), np.diag([2.0, 4.0, 6.0]))
    A = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(cr.jacobian(lambda t: cr.tensor(A) @ t, x).numpy(), A)


def test_hvp_of_a_quadratic_is_the_matrix_times_v():
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    f = lambda t: 0.5 * (t * (cr.tensor(A) @ t)).sum()  # noqa: E731
    hv = cr.hvp(f, cr.tensor([0.3, -0.2], dtype=cr.float64), cr.tensor([1.0, 2.0], dtype=cr.float64))
    np.testing.assert_allclose(hv.numpy(), A @ [1.0, 2.0])


def test_hvp_shape_mismatch():
    with pytest.raises(ValueError, match=r"hvp: v has shape \(3,\) but x has shape \(2,\)"):
        cr.hvp(lambda t: t.sum(), cr.zeros(2), cr.zeros(3))


def test_a_constant_gradient_differentiated_again_is_zero():
    x = cr.tensor(2.0)
    assert cr.grad(cr.grad(lambda x: 3 * x))(x).item() == 0.0
    assert cr.grad(cr.grad(lambda x: 3 * x))(cr.tensor(2.0, requires_grad=True)).item() == 0.0
    assert cr.grad(cr.grad(cr.grad(lambda x: x * x)))(x).item() == 0.0  # d/dx of the constant 2


def test_hvp_of_a_linear_or_constant_function_is_zeros():
    x, v = cr.tensor([1.0, 2.0]), cr.tensor([1.0, -1.0])
    np.testing.assert_array_equal(cr.hvp(lambda x: (3 * x).sum(), x, v).numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(cr.hvp(lambda x: cr.tensor(5.0), x, v).numpy(), [0.0, 0.0])
    # and a quadratic still gives H v: f = x0² x1 … H = [[2 x1, 2 x0], [2 x0, 0]]
    hv = cr.hvp(lambda x: x[0] ** 2 * x[1], cr.tensor([1.0, 2.0], dtype=cr.float64), cr.tensor([1.0, -1.0]))
    np.testing.assert_allclose(hv.numpy(), [2 * 2.0 - 2 * 1.0, 2 * 1.0])
