"""cumsum, cumprod and prod: PyTorch's dtypes, and gradients (first and second order) where inputs are 0."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed: oracle comparison skipped")

WITH_ZEROS = [
    [2.0, 0.0, 3.0, -1.5],  # one zero
    [0.0, 2.0, 0.0, 3.0],  # the first of two zeros leads
    [1.5, -2.0, 0.5, 0.0],  # a zero last
    [0.0, 0.0, 0.0, 0.0],
]


def _derivatives(lib, f, values, seed=3):
    """f's value, vector-Jacobian product and its derivative along a direction (a Hessian-vector product)."""
    rng = np.random.default_rng(seed)
    x = lib.tensor(np.array(values, dtype=np.float64), requires_grad=True)
    out = f(x)
    w = lib.tensor(rng.standard_normal(tuple(out.shape)))
    (g,) = lib.autograd.grad(out, [x], w, create_graph=True)
    (h,) = lib.autograd.grad((g * lib.tensor(rng.standard_normal(tuple(x.shape)))).sum(), [x], allow_unused=True)
    h = np.zeros(np.shape(values)) if h is None else h.detach().numpy()
    return out.detach().numpy(), g.detach().numpy(), h


@needs_torch
@pytest.mark.parametrize("values", WITH_ZEROS + [[[2.0, 0.0, 1.0], [0.0, 3.0, 0.0]]])
@pytest.mark.parametrize("name, dim", [("cumprod", -1), ("cumprod", 0), ("prod", None), ("prod", 0), ("prod", -1)])
def test_products_with_zeros_match_torch_to_second_order(values, name, dim):
    def f(x):
        return getattr(x, name)() if dim is None else getattr(x, name)(dim)

    for a, b in zip(_derivatives(cr, f, values), _derivatives(torch, f, values), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("values", WITH_ZEROS)
def test_cumprod_with_zeros_passes_gradgradcheck(values):
    """The first-order rule with zeros (O(n)) and the recorded one (O(n²)) agree, and both with differences."""
    x = cr.tensor(np.array(values), dtype=cr.float64, requires_grad=True)
    zeros = int(np.sum(np.array(values) == 0))
    assert cr.gradgradcheck(lambda t: t.cumprod(0), [x], allow_uninformative=zeros == len(values))
    assert cr.gradgradcheck(lambda t: t.prod(), [x], allow_uninformative=zeros > 1)  # its gradient is then 0


def test_a_first_order_cumprod_gradient_with_zeros_is_plain():
    x = cr.tensor([2.0, 0.0, 3.0, 4.0], dtype=cr.float64, requires_grad=True)
    x.cumprod(0).sum().backward()
    # ∂/∂x0 = 1 + 0 + ... = 1; ∂/∂x1 (the zero) = 2 + 2·3 + 2·3·4; after the zero: 0
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 32.0, 0.0, 0.0])


@needs_torch
@pytest.mark.parametrize("dtype", ["bool", "int32", "int64", "float32"])
def test_scan_and_product_dtypes_as_torch(dtype):
    values = np.array([[1, 0, 1], [1, 1, 0]]).astype(dtype)
    ours, ref = cr.tensor(values), torch.tensor(values)
    for a, b in [(ours.cumsum(1), ref.cumsum(1)), (ours.cumprod(0), ref.cumprod(0)), (ours.prod(), ref.prod()),
                 (ours.prod(1, keepdim=True), ref.prod(1, keepdim=True)),
                 (ours.cumsum(0, dtype=cr.float64), ref.cumsum(0, dtype=torch.float64))]:  # fmt: skip
        assert str(a.dtype) == str(b.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_scans_of_0d_tensors_and_argument_errors():
    x = cr.tensor(3.0, requires_grad=True)
    x.cumsum(0).backward()
    assert x.cumprod(0).item() == 3.0 and x.grad.item() == 1.0
    with pytest.raises(TypeError, match="cumsum: missing the dimension"):
        cr.ones(3).cumsum()
    with pytest.raises(TypeError, match="prod: dim must be one int"):
        cr.ones(2, 3).prod((0, 1))
    with pytest.raises(IndexError, match="cumprod: axis 2 is out of range"):
        cr.ones(2, 3).cumprod(2)
    np.testing.assert_array_equal(cr.ones(2, 3).cumsum(axis=1).numpy(), [[1, 2, 3]] * 2)  # NumPy's spelling too
