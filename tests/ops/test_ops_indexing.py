"""Indexing: values, gradients and ``t[key] = v`` with mixed keys, as in PyTorch (the oracle where installed)."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

try:
    import torch
except ImportError:
    torch = None

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
def test_mixed_keys_take_pytorchs_layout_and_gradient(key, shape):
    x = cr.tensor(X, dtype=cr.float64, requires_grad=True)
    y = x[_key(cr, key)]
    assert y.shape == shape
    w = np.random.default_rng(0).standard_normal(shape)
    (y * cr.tensor(w)).sum().backward()
    assert cr.gradcheck(lambda t: t[_key(cr, key)], [cr.tensor(X, dtype=cr.float64, requires_grad=True)])
    if torch is not None:
        tx = torch.tensor(X, requires_grad=True)
        ty = tx[_key(torch, key)]
        np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
        (ty * torch.tensor(w)).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("key, shape", KEYS, ids=[str(k) for k, _ in KEYS])
@pytest.mark.parametrize("record", [False, True])
def test_setitem_with_mixed_keys_writes_where_indexing_reads(key, shape, record):
    value = np.random.default_rng(1).standard_normal(shape)
    v = cr.tensor(value, dtype=cr.float64, requires_grad=record)
    t = cr.tensor(X, dtype=cr.float64)
    t[_key(cr, key)] = v
    mask = cr.tensor(np.ones(X.shape, bool))
    mask[_key(cr, key)] = False
    np.testing.assert_array_equal(t.detach().numpy()[mask.numpy()], X[mask.numpy()])
    if (~mask.numpy()).sum() == np.prod(shape):  # no position twice: every value reads back where it went
        np.testing.assert_array_equal(t[_key(cr, key)].detach().numpy(), value)
    if record:
        t.sum().backward()
        assert v.grad is not None and v.grad.shape == shape
    if torch is not None:
        tt = torch.tensor(X)
        tt[_key(torch, key)] = torch.tensor(value)
        np.testing.assert_array_equal(t.detach().numpy(), tt.numpy())
