"""norm and std: PyTorch's gradients at zero and on ties, its argument forms and its errors."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed: oracle comparison skipped")

INF = float("inf")
POINTS = [[0.0, 0.0, 0.0], [0.0, 3.0, -4.0], [2.0, -2.0, 1.0], [-2.0, 2.0, 0.0]]


def _grad(lib, values, f):
    x = lib.tensor(np.array(values, dtype=np.float64), requires_grad=True)
    f(x).sum().backward()
    return None if x.grad is None else x.grad.numpy()  # p = 0: no gradient at all, in both


@needs_torch
@pytest.mark.parametrize("p", [2, 1, INF, -INF, 3, 1.5, 0.5, 0, "fro"])
@pytest.mark.parametrize("values", POINTS)
def test_norm_gradients_at_zeros_and_ties_match_torch(values, p):
    """At the zero vector, at zero elements, and where |x| ties for the ±inf norm."""
    ours = _grad(cr, values, lambda x: x.norm(p))
    ref = _grad(torch, values, lambda x: x.norm(p))
    assert (ours is None) == (ref is None) == (p == 0)
    if p != 0:
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(cr.tensor(values).norm(p).item(), torch.tensor(values).norm(p).item(), rtol=1e-6)


@needs_torch
def test_norm_over_dims_with_keepdim_matches_torch():
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    for p, dim in [(2, (0, 2)), ("fro", (1, 2)), (1, -1), (INF, 1)]:
        for keepdim in (False, True):
            ours = cr.tensor(x).norm(p, dim, keepdim)
            np.testing.assert_allclose(ours.numpy(), torch.tensor(x).norm(p, dim, keepdim).numpy(), rtol=1e-12)
    assert cr.norm(cr.tensor(x), dim=2).shape == (2, 3)


def test_norm_refuses_what_it_cannot_compute():
    x = cr.ones(2, 3, 4)
    with pytest.raises(ValueError, match="p='nuc' is not supported"):
        x.norm("nuc")
    with pytest.raises(cr.ShapeError, match="p='fro' takes at most 2 dimensions"):
        x.norm("fro", dim=(0, 1, 2))
    with pytest.raises(cr.DTypeError, match="floating-point tensor, got int64"):
        cr.tensor([1, 2]).norm()
    with pytest.raises(cr.ShapeError, match="norm of no elements is undefined"):
        cr.zeros(0, 3).norm(INF, dim=0)
    assert cr.zeros(0, 3).norm(INF, dim=1).shape == (0,)
    assert cr.tensor([3, 4]).norm(dtype=cr.float64).item() == 5.0


@needs_torch
def test_std_and_var_take_torchs_argument_forms():
    x = np.random.default_rng(1).standard_normal((3, 4))
    ours, ref = cr.tensor(x), torch.tensor(x)
    pairs = [
        (ours.std(), ref.std()), (ours.std(False), ref.std(False)), (ours.std(1, False, True), ref.std(1, False, True)),
        (ours.std(dim=0, correction=0), ref.std(dim=0, correction=0)), (cr.std(ours, 1), torch.std(ref, 1)),
        (cr.var(ours, (0, 1), keepdim=True), torch.var(ref, (0, 1), keepdim=True)),
        (ours.std(axis=1, keepdims=True), ref.std(1, keepdim=True)),
        (ours.var(0, False, True), ref.var(0, False, True)), (ours.var(True), ref.var(True)),
    ]  # fmt: skip
    for a, b in pairs:
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
