"""backend.reduce_rows: row reductions of a batch, column-wise for short rows, equal to NumPy's."""

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
