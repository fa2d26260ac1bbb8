"""Activations and the softmax family: factory checks, stability at logits of ±1e4, PyTorch agreement."""

import numpy as np
import pytest

import chainrule as cr
from helpers.oracle import UNARY, Case, op_tests, requires_torch, torch

ROWS = [((3,),), ((2, 4),), ((2, 3, 2),)]

CASES = [
    Case("tanh", lambda m, a: a.tanh(), UNARY),
    Case("sigmoid", lambda m, a: a.sigmoid(), UNARY),
    Case("relu", lambda m, a: a.relu(), UNARY, domain="kinkfree"),
    Case("function_forms", lambda m, a: m.tanh(a) * m.sigmoid(a) + m.relu(a), UNARY, domain="kinkfree"),
    Case("softmax_last", lambda m, a: a.softmax(-1), ROWS),
    Case("softmax_first", lambda m, a: a.softmax(0), ROWS),
    Case("log_softmax_last", lambda m, a: a.log_softmax(-1), ROWS),
    Case("log_softmax_first", lambda m, a: m.log_softmax(a, 0), ROWS),
    Case("softmax_function", lambda m, a: m.softmax(a, -1) * 3, ROWS),
]


test_activation_op, test_activation_op_matches_torch = op_tests(CASES)


HUGE = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4 - 1.0, 3.0]])


def _values_and_grad(fn, logits):
    x = cr.tensor(logits, dtype=cr.float64, requires_grad=True)
    out = fn(x)
    weight = cr.tensor(np.arange(out.size, dtype=np.float64).reshape(out.shape), dtype=cr.float64)
    (out * weight).sum().backward()
    return out.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize(
    "fn, expected_row0",
    [
        (lambda x: x.softmax(-1), [1.0, 0.0, 0.0]),
        (lambda x: x.log_softmax(-1), [0.0, -2e4, -1e4]),
        (lambda x: x.logsumexp(-1), None),
    ],
    ids=["softmax", "log_softmax", "logsumexp"],
)
def test_softmax_family_is_stable_at_huge_logits(fn, expected_row0):
    values, grad = _values_and_grad(fn, HUGE)
    assert np.isfinite(values).all() and np.isfinite(grad).all()
    if expected_row0 is not None:
        np.testing.assert_allclose(values[0], expected_row0, atol=1e-9)


@requires_torch
@pytest.mark.parametrize("fn", [lambda x: x.softmax(-1), lambda x: x.log_softmax(-1), lambda x: x.logsumexp(-1)],
                         ids=["softmax", "log_softmax", "logsumexp"])  # fmt: skip
def test_softmax_family_at_huge_logits_matches_torch(fn):
    values, grad = _values_and_grad(fn, HUGE)
    t = torch.tensor(HUGE, requires_grad=True)
    out = fn(t)
    (out * torch.arange(out.numel(), dtype=torch.float64).reshape(out.shape)).sum().backward()
    np.testing.assert_allclose(values, out.detach().numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_logsumexp_of_huge_logits_is_exact():
    row = cr.tensor([1e4, 1e4], dtype=cr.float64).logsumexp()
    assert row.item() == pytest.approx(1e4 + np.log(2.0))


NON_FINITE = np.array([[np.inf, 1.0, 2.0], [-np.inf, -np.inf, -np.inf], [1.0, 2.0, 3.0], [-np.inf, 0.0, 1.0],
                       [np.nan, 1.0, 2.0], [3e38, 3e38, 1.0]], dtype=np.float32)  # fmt: skip


@pytest.mark.filterwarnings("error")  # quietly, as NumPy's own inf/nan arithmetic: no RuntimeWarning
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_non_finite_rows_stay_in_their_rows(dtype):
    """A row whose maximum is ±inf or nan gives inf/−inf/nan for that row only; the other rows are exact.

    logsumexp shifts an infinite maximum by 0 (so [inf, 1, 2] gives inf); cross_entropy is
    log_softmax then the label's entry, as in PyTorch, so any row whose maximum is ±inf or nan
    is nan, while a −inf logit among finite ones is a probability of 0: an infinite loss on its label.
    (The last row's maxima are finite but sum past float32's range: a shortcut that tests all
    maxima at once through their sum would be fooled by that.)
    """
    x = NON_FINITE.astype(dtype)
    lse = cr.tensor(x).logsumexp(axis=1).numpy()
    assert lse[0] == np.inf and lse[1] == -np.inf and np.isnan(lse[4])
    finite = x[[2, 3, 5]].astype(np.float64)
    shift = finite.max(axis=1, keepdims=True)
    expected = (shift + np.log(np.exp(finite - shift).sum(axis=1, keepdims=True)))[:, 0]
    np.testing.assert_allclose(lse[[2, 3, 5]], expected, rtol=1e-6)
    labels = cr.tensor([1, 0, 2, 0, 1, 2])
    losses = cr.nn.functional.cross_entropy(cr.tensor(x), labels, reduction="none").numpy()
    assert losses[3] == np.inf and np.isnan(losses[[0, 1, 4]]).all()
    np.testing.assert_allclose(losses[[2, 5]], expected[[0, 2]] - finite[[0, 2], [2, 2]], rtol=1e-6)
    for reduction, combine in (("mean", np.mean), ("sum", np.sum)):  # reduced: the same as reducing them
        reduced = cr.nn.functional.cross_entropy(cr.tensor(x), labels, reduction=reduction)
        np.testing.assert_equal(reduced.item(), combine(losses))
        rows = cr.tensor(x[[3, 2, 5]])  # an infinite loss among finite ones
        assert cr.nn.functional.cross_entropy(rows, cr.tensor([0, 2, 2]), reduction=reduction).item() == np.inf


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_non_finite_rows_match_torch_row_by_row(dtype):
    x = NON_FINITE.astype(dtype)
    labels = [1, 0, 2, 0, 1, 2]
    lse = cr.tensor(x).logsumexp(axis=1).numpy()
    np.testing.assert_allclose(lse, torch.tensor(x).logsumexp(1).numpy(), rtol=1e-6)
    losses = cr.nn.functional.cross_entropy(cr.tensor(x), cr.tensor(labels), reduction="none").numpy()
    theirs = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(labels), reduction="none")
    np.testing.assert_allclose(losses, theirs.numpy(), rtol=1e-6)


def test_softmax_rows_sum_to_one_in_float32():
    x = cr.randn(4, 10) * 100
    p = x.softmax(-1)
    assert p.dtype == np.float32
    np.testing.assert_allclose(p.sum(-1).numpy(), np.ones(4), rtol=1e-5)


def test_sigmoid_saturates_without_nan():
    x = cr.tensor([-1e4, 0.0, 1e4], requires_grad=True)
    y = x.sigmoid()
    y.sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.25, 0.0])


def test_relu_gradient_at_zero_is_zero_like_pytorch():
    x = cr.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 1.0])


def test_stable_maxima_do_not_overflow_even_when_numpy_raises_on_overflow():
    logits = (np.random.default_rng(0).standard_normal((10000, 10)) * 3 + 8).astype(np.float16)
    old = np.seterr(over="raise")
    try:
        loss = cr.nn.functional.cross_entropy(cr.tensor(logits, requires_grad=True), np.zeros(10000, dtype=np.int64))
    finally:
        np.seterr(**old)
    assert np.isfinite(loss.item())
