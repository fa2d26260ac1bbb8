"""clamp/clip with tensor bounds: PyTorch's values, dtypes and gradients (to the bounds too), and broadcasting."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed: oracle comparison skipped")

X = [-2.0, 0.5, 3.0, 1.0, 0.0]
LO = [-1.0, 0.5, 0.0, 2.0, -1.0]  # a tie with x, and lo > hi at index 3
HI = [1.0, 2.0, 2.0, 0.0, 0.0]  # a tie with x at index 4


def _grads(lib, bounds):
    xs = [lib.tensor(np.array(v), requires_grad=True) for v in (X, *[b for b in bounds.values() if b is not None])]
    kw = dict(zip(bounds, iter(xs[1:])))
    y = lib.clamp(xs[0], **{k: kw.get(k) for k in bounds})
    y.backward(lib.tensor(np.arange(1.0, 6.0)))
    return [y.detach().numpy()] + [x.grad.numpy() for x in xs]


@needs_torch
@pytest.mark.parametrize("bounds", [{"min": LO, "max": HI}, {"min": LO}, {"max": HI}], ids=["both", "min", "max"])
def test_values_and_gradients_of_input_and_bounds_match_torch(bounds):
    """PyTorch sends the gradient to a tensor bound where the bound is the value taken (lo > hi: to hi)."""
    for a, b in zip(_grads(cr, bounds), _grads(torch, bounds), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_broadcast_input_takes_its_summed_gradient():
    """PyTorch's backward fails here ("output with shape [1] doesn't match the broadcast shape [2]")."""
    x = cr.tensor([0.3], dtype=cr.float64, requires_grad=True)
    lo = cr.tensor([[0.0, 0.5], [0.1, 0.2]], dtype=cr.float64, requires_grad=True)
    hi = cr.tensor(1.0, dtype=cr.float64, requires_grad=True)
    out = x.clamp(lo, hi)
    assert out.shape == (2, 2)
    out.sum().backward()
    assert x.grad.tolist() == [3.0] and lo.grad.tolist() == [[0.0, 1.0], [0.0, 0.0]] and hi.grad.item() == 0.0
    assert cr.gradgradcheck(lambda a, b: a.clamp(b, 0.9) ** 2, [cr.tensor([0.3, 0.6], dtype=cr.float64,
                            requires_grad=True), lo * 1.0])  # fmt: skip


@needs_torch
def test_dtypes_promote_as_torch_and_numbers_mix_with_tensors():
    for x, lo in [(np.ones(2, np.float32), np.zeros(2)), (np.ones(2, np.int64), np.zeros(2, np.float32))]:
        ours, ref = cr.clamp(cr.tensor(x), cr.tensor(lo)), torch.clamp(torch.tensor(x), torch.tensor(lo))
        assert str(ours.dtype) == str(ref.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(cr.tensor([0.0, 5.0]).clip(cr.tensor(1.0), 3).numpy(), [1.0, 3.0])
    with pytest.raises(ValueError, match="at least one of min and max"):
        cr.clamp(cr.ones(2))
