"""Indexing: values, gradients and ``t[key] = v`` with mixed keys, as in PyTorch (the oracle where installed)."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed: oracle comparison skipped")

X = np.arange(24.0).reshape(2, 3, 4) / 7.0

# (key as lists, the shape PyTorch gives: worked out by its rule — ints, slices and None first,
# then the index arrays on what remains, placed first only when a slice separates them)
KEYS = [
    ((0, slice(None), [1, 3]), (3, 2)),  # NumPy alone would give (2, 3)
    ((slice(None), [0, 2], 1), (2, 2)),
    (([1, 0], slice(None), 2), (2, 3)),
    ((1, [0, 2], [1, 3]), (2,)),
    ((Ellipsis, 1, [0, 1, 1]), (2, 3)),
    (([1, 1], slice(None), [0, 3]), (2, 3)),
    ((None, 0, slice(1, 3), [2, 2]), (1, 2, 2)),
    ((slice(None), [[0, 1], [2, 2]]), (2, 2, 2, 4)),
    ((1, slice(None), [True, False, True, True]), (3, 3)),
]


def _key(lib, key):
    return tuple(lib.tensor(np.array(k)) if isinstance(k, list) else k for k in key)


@pytest.mark.parametrize("key, shape", KEYS, ids=[str(k) for k, _ in KEYS])
def test_mixed_keys_take_pytorchs_layout_and_a_checked_gradient(key, shape):
    x = cr.tensor(X, dtype=cr.float64, requires_grad=True)
    assert x[_key(cr, key)].shape == shape
    assert cr.gradcheck(lambda t: t[_key(cr, key)], [x])


@needs_torch
@pytest.mark.parametrize("key, shape", KEYS, ids=[str(k) for k, _ in KEYS])
def test_mixed_keys_match_pytorch(key, shape):
    w = np.random.default_rng(0).standard_normal(shape)
    x, tx = cr.tensor(X, dtype=cr.float64, requires_grad=True), torch.tensor(X, requires_grad=True)
    y, ty = x[_key(cr, key)], tx[_key(torch, key)]
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    (y * cr.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def _set(lib, key, value, record=False):
    t = lib.tensor(X, dtype=lib.float64)
    v = lib.tensor(value, dtype=lib.float64, requires_grad=record)
    t[_key(lib, key)] = v
    return t, v


@pytest.mark.parametrize("key, shape", KEYS, ids=[str(k) for k, _ in KEYS])
@pytest.mark.parametrize("record", [False, True])
def test_setitem_with_mixed_keys_writes_where_indexing_reads(key, shape, record):
    value = np.random.default_rng(1).standard_normal(shape)
    t, v = _set(cr, key, value, record)
    mask = cr.tensor(np.ones(X.shape, bool))
    mask[_key(cr, key)] = False
    np.testing.assert_array_equal(t.detach().numpy()[mask.numpy()], X[mask.numpy()])
    if (~mask.numpy()).sum() == np.prod(shape):  # no position twice: every value reads back where it went
        np.testing.assert_array_equal(t[_key(cr, key)].detach().numpy(), value)
    if record:
        t.sum().backward()
        assert v.grad is not None and v.grad.shape == shape


@needs_torch
@pytest.mark.parametrize("key, shape", KEYS, ids=[str(k) for k, _ in KEYS])
def test_setitem_with_mixed_keys_matches_pytorch(key, shape):
    value = np.random.default_rng(1).standard_normal(shape)
    np.testing.assert_array_equal(_set(cr, key, value)[0].numpy(), _set(torch, key, value)[0].numpy())
