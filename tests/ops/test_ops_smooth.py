"""The smooth activations (GELU, SiLU, ELU, Softplus): PyTorch's values and gradients at extremes and thresholds."""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.nn import functional as F

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed: oracle comparison skipped")


EXTREMES = np.array([-1e4, -50.0, -20.0, -8.5, -1.0, -1e-8, 0.0, 1e-8, 0.7, 10.0, 19.9, 20.1, 50.0, 1e4])
ACTIVATIONS = {
    "gelu": lambda m, x: F_(m).gelu(x), "gelu_tanh": lambda m, x: F_(m).gelu(x, approximate="tanh"),
    "silu": lambda m, x: F_(m).silu(x), "elu": lambda m, x: F_(m).elu(x, 0.7),
    "softplus": lambda m, x: F_(m).softplus(x), "softplus_beta": lambda m, x: F_(m).softplus(x, 2.0, 5.0),
}  # fmt: skip


def F_(m):
    return F if m is cr else torch.nn.functional


@needs_torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_match_torch_at_extremes(name, dtype):
    f = ACTIVATIONS[name]
    ours = cr.tensor(EXTREMES.astype(dtype), requires_grad=True)
    ref = torch.tensor(EXTREMES.astype(dtype), requires_grad=True)
    out, expected = f(cr, ours), f(torch, ref)
    assert out.dtype == getattr(cr, dtype)
    tol = 1e-12 if dtype == "float64" else 2e-6
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=tol, atol=tol)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), ref.grad.numpy(), rtol=tol, atol=tol)


def test_gelu_refuses_an_unknown_approximation_and_inplace_writes_back():
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh', got 'foo'"):
        F.gelu(cr.ones(2), approximate="foo")
    x = cr.tensor([-1.0, 2.0])
    out = F.elu(x, inplace=True)
    assert out is x and x.tolist() == pytest.approx([math.expm1(-1.0), 2.0])
    leaf = cr.tensor([1.0], requires_grad=True)
    with pytest.raises(cr.BackwardError, match="leaf tensor"):
        F.silu(leaf, inplace=True)
