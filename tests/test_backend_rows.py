"""backend.reduce_rows and add_rows: the reductions of a batch, done faster than NumPy's, with its results."""

import numpy as np
import pytest

import chainrule as cr
from chainrule import backend
from helpers.oracle import torch

# Short rows in many rows take the transposed path; the others, NumPy's own reduce.
SHAPES = [(64, 10), (32, 32), (4096, 2), (31, 10), (64, 33), (1, 5), (0, 4), (5, 0)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_reduce_rows_equals_numpys_reduce(shape, dtype):
    a = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    if a.size:
        a[0, 0] = np.nan  # propagates in either layout
    for ufunc in (np.maximum, np.minimum, np.add):
        if ufunc is not np.add and shape[1] == 0:
            continue  # no identity: NumPy refuses empty rows for max and min
        got = backend.reduce_rows(ufunc, a)
        expected = ufunc.reduce(a, axis=1, keepdims=True)
        assert got.shape == expected.shape == (shape[0], 1) and got.dtype == a.dtype
        if ufunc is np.add:  # the same terms, added in another order
            eps = np.finfo(dtype).eps  # up to 33 terms of about 1: rounding of ~50 eps in absolute terms
            np.testing.assert_allclose(got, expected, rtol=50 * eps, atol=50 * eps * np.nanmax(np.abs(a), initial=1))
        else:
            np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("shape", [(64, 10), (32, 32), (200, 3)])
def test_softmax_family_and_cross_entropy_on_batches_of_short_rows(shape):
    """The shapes of a training batch of logits, which take the column-wise path, against float64
    references (and PyTorch where installed), values and gradients."""
    rng = np.random.default_rng(1)
    logits = rng.standard_normal(shape) * 5
    labels = rng.integers(0, shape[1], shape[0])
    x = cr.tensor(logits, dtype=cr.float64, requires_grad=True)
    weight = rng.standard_normal(shape)
    shift = logits.max(axis=1, keepdims=True)
    lse = shift + np.log(np.exp(logits - shift).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(x.logsumexp(axis=1, keepdims=True).detach().numpy(), lse, rtol=1e-12)
    np.testing.assert_allclose(x.log_softmax(-1).detach().numpy(), logits - lse, rtol=1e-12, atol=1e-12)
    probs = np.exp(logits - lse)
    np.testing.assert_allclose(x.softmax(1).detach().numpy(), probs, rtol=1e-12, atol=1e-15)
    loss = cr.nn.functional.cross_entropy(x, cr.tensor(labels))
    rows = np.arange(shape[0])
    assert loss.item() == pytest.approx(float(np.mean(lse[:, 0] - logits[rows, labels])), rel=1e-12)
    loss.backward()
    onehot = np.zeros(shape)
    onehot[rows, labels] = 1
    np.testing.assert_allclose(x.grad.numpy(), (probs - onehot) / shape[0], rtol=1e-10, atol=1e-15)
    if torch is not None:
        t = torch.tensor(logits, requires_grad=True)
        (t.softmax(1) * torch.tensor(weight)).sum().backward()
        x.grad = None
        (x.softmax(1) * cr.tensor(weight)).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("shape", [(256, 100), (4096, 4), (1, 7), (7, 1), (0, 3), (3, 0)])
@pytest.mark.parametrize("layout", ["C", "F", "strided"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_add_rows_equals_numpys_sum_over_rows(shape, layout, dtype):
    a = (np.random.default_rng(2).standard_normal((shape[0], 2 * shape[1])) * 10).astype(dtype)
    a = {"C": a[:, : shape[1]].copy(), "F": np.asfortranarray(a[:, : shape[1]]), "strided": a[:, ::2]}[layout]
    got = backend.add_rows(a)
    expected = np.add.reduce(a, axis=0)
    assert got.shape == (shape[1],) and got.dtype == a.dtype
    if dtype == np.int64:
        np.testing.assert_array_equal(got, expected)
    else:  # the same terms in another order: an error of a few ulps of the sum of magnitudes
        bound = 8 * np.finfo(dtype).eps * np.abs(a).sum(axis=0)
        assert (np.abs(got - expected) <= bound).all()


@pytest.mark.filterwarnings("ignore:invalid value")  # inf − inf warns here as in NumPy's own sum
def test_add_rows_propagates_nan_and_inf():
    a = np.ones((64, 3), np.float32)
    a[5, 0], a[9, 1], a[10, 2], a[11, 2] = np.nan, np.inf, np.inf, -np.inf
    got = backend.add_rows(a)
    assert np.isnan(got[0]) and got[1] == np.inf and np.isnan(got[2])


def test_bias_gradient_of_a_large_batch_matches_torch():
    """Through the engine: the gradient of a broadcast bias is the sum of the rows of the upstream gradient."""
    g = np.random.default_rng(3).standard_normal((512, 20))
    b = cr.tensor(np.zeros(20), dtype=cr.float64, requires_grad=True)
    x = cr.tensor(np.ones((512, 20)), dtype=cr.float64)
    (x + b).backward(cr.tensor(g))
    np.testing.assert_allclose(b.grad.numpy(), g.sum(axis=0), rtol=1e-12, atol=1e-12)
    if torch is not None:
        tb = torch.zeros(20, dtype=torch.float64, requires_grad=True)
        (torch.ones(512, 20, dtype=torch.float64) + tb).backward(torch.tensor(g))
        np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_float16_row_sums_keep_numpys_accuracy():
    """Half-precision rows are not transposed: NumPy's own row loop accumulates them in float32."""
    a = np.random.default_rng(4).random((4096, 10)).astype(np.float16)
    np.testing.assert_array_equal(backend.reduce_rows(np.add, a), np.add.reduce(a, axis=1, keepdims=True))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_softmax_family_and_cross_entropy_of_an_empty_batch(reduction):
    """No rows: empty results (a mean over nothing is nan), as in NumPy and PyTorch, and empty gradients."""
    x = cr.zeros(0, 5, requires_grad=True)
    for out in (x.softmax(1), x.log_softmax(-1), x.logsumexp(axis=1, keepdims=True)):
        assert out.shape[0] == 0
    loss = cr.nn.functional.cross_entropy(x, np.zeros(0, np.int64), reduction=reduction)
    expected = {"mean": np.nan, "sum": 0.0, "none": np.zeros(0)}[reduction]
    np.testing.assert_array_equal(loss.detach().numpy(), expected)
    loss.backward(cr.ones_like(loss))
    assert x.grad.shape == (0, 5)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32, np.uint64, np.int32, np.int64])
def test_cross_entropy_takes_labels_of_every_integer_type(dtype):
    x = cr.tensor(np.random.default_rng(5).standard_normal((40, 3)), requires_grad=True)
    labels = np.arange(40) % 3
    loss = cr.nn.functional.cross_entropy(x, labels.astype(dtype))
    loss.backward()
    y = cr.tensor(x.detach().numpy(), requires_grad=True)
    reference = cr.nn.functional.cross_entropy(y, labels)
    reference.backward()
    assert loss.item() == reference.item()
    np.testing.assert_array_equal(x.grad.numpy(), y.grad.numpy())
