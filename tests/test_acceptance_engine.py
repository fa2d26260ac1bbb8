"""Issue 2's acceptance points, one readable test each."""

import numpy as np
import pytest

import chainrule as cr


def test_lecture_example_add_then_multiply():
    x = cr.tensor(-2.0, requires_grad=True)
    y = cr.tensor(5.0, requires_grad=True)
    z = cr.tensor(-4.0, requires_grad=True)
    q = x + y
    q.retain_grad()
    f = q * z
    f.backward()
    assert f.item() == -12.0
    assert x.grad.item() == -4.0
    assert y.grad.item() == -4.0
    assert z.grad.item() == 3.0
    assert q.grad.item() == -4.0


def test_quartic_numerical_gradient_agrees_with_analytic_and_backward():
    def f(x):
        return 0.5 * x**4 - 2 * x**2 + x + 5

    points = np.array([-2.0, -0.7, 0.0, 0.3, 1.5])
    (numerical,) = cr.numerical_grad(f, cr.tensor(points, dtype=cr.float64))
    analytic = 2 * points**3 - 4 * points + 1
    np.testing.assert_allclose(numerical, analytic, rtol=1e-7, atol=1e-7)

    x = cr.tensor(points, dtype=cr.float64, requires_grad=True)
    f(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), analytic, rtol=1e-12)


def test_wrong_custom_function_is_caught_by_gradcheck():
    class WrongSigmoid(cr.Function):
        @staticmethod
        def forward(ctx, x):
            out = x.sigmoid()
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, g):
            (out,) = ctx.saved_tensors
            return g * out  # forgot the (1 - out) factor

    x = cr.tensor([0.5, -1.0, 2.0], dtype=cr.float64, requires_grad=True, name="x")
    with pytest.raises(cr.GradcheckError, match=r"input 0 \(x\) of shape \(3,\): 3 of 3 element\(s\).*index \(\d,\)"):
        cr.gradcheck(WrongSigmoid.apply, [x])


def _mlp_loss(m, params, X, Y):
    """4-5-3 tanh MLP, softmax cross-entropy written with plain tensor ops (works for both libraries)."""
    w1, b1, w2, b2 = params
    logits = (X @ w1 + b1).tanh() @ w2 + b2
    log_probs = logits - logits.logsumexp(-1, keepdims=True)
    return -(log_probs * Y).sum() / X.shape[0]


def test_hessian_vector_product_of_a_small_mlp_matches_pytorch():
    rng = np.random.default_rng(0)
    shapes = [(4, 5), (5,), (5, 3), (3,)]
    sizes = [int(np.prod(s)) for s in shapes]
    theta = rng.standard_normal(sum(sizes)) * 0.5
    v = rng.standard_normal(theta.size)
    X = rng.standard_normal((6, 4))
    Y = np.eye(3)[rng.integers(0, 3, 6)]

    def unpack(lib, flat):
        parts, start = [], 0
        for shape, n in zip(shapes, sizes, strict=True):
            parts.append(flat[start : start + n].reshape(shape))
            start += n
        return parts

    Xc, Yc = cr.tensor(X), cr.tensor(Y)
    hv = cr.hvp(lambda t: _mlp_loss(cr, unpack(cr, t), Xc, Yc), cr.tensor(theta), cr.tensor(v))
    assert hv.shape == theta.shape

    # Independent check without torch: central differences of the gradient along v.
    grad = cr.grad(lambda t: _mlp_loss(cr, unpack(cr, t), Xc, Yc))
    eps = 1e-5
    fd = (grad(cr.tensor(theta + eps * v)).numpy() - grad(cr.tensor(theta - eps * v)).numpy()) / (2 * eps)
    np.testing.assert_allclose(hv.numpy(), fd, rtol=1e-5, atol=1e-7)

    torch = pytest.importorskip("torch")
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    _, expected = torch.autograd.functional.hvp(
        lambda t: _mlp_loss(torch, unpack(torch, t), Xt, Yt), torch.tensor(theta), torch.tensor(v)
    )
    np.testing.assert_allclose(hv.numpy(), expected.numpy(), rtol=1e-6, atol=1e-6)


def test_a_chain_of_100000_operations_backpropagates():
    x = cr.tensor(0.5, dtype=cr.float64, requires_grad=True)
    y = x
    for _ in range(50_000):
        y = y * 1.0 + 0.0  # 100,000 nodes
    y.backward()
    assert x.grad.item() == 1.0


def test_a_composite_expression_passes_gradcheck_and_gradgradcheck():
    """Every op alone is checked by the factory in tests/ops (with PyTorch as oracle); here they compose."""
    x = cr.tensor([[0.3, -0.8], [1.1, 0.4]], dtype=cr.float64, requires_grad=True)
    expression = lambda t: (t @ t.T).tanh().softmax(-1).log().mean(axis=0).exp().sum()  # noqa: E731
    assert cr.gradcheck(expression, [x]) and cr.gradgradcheck(expression, [x])
