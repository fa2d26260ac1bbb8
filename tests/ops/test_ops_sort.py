"""sort, topk, nonzero and allclose: PyTorch's ties, NaN order, result types and errors."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed: oracle comparison skipped")

nan = float("nan")
ROWS = [[1.0, 2.0, 2.0, 2.0, 1.0], [1.0, 2.0, nan, 2.0, 1.0], [3.0, -1.0, 0.0, nan, nan]]


@needs_torch
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("row", ROWS)
def test_sort_orders_ties_and_nan_as_torch(row, descending):
    ours = cr.tensor(row).sort(descending=descending)
    ref = torch.tensor(row).sort(descending=descending, stable=True)
    np.testing.assert_array_equal(ours.values.numpy(), ref.values.numpy())
    np.testing.assert_array_equal(ours.indices.numpy(), ref.indices.numpy())
    assert ours.indices.dtype == cr.int64 and type(ours).__name__ == "sort"


def test_sort_sends_each_gradient_back_to_where_the_value_came_from():
    x = cr.tensor([[3.0, 1.0, 2.0], [0.5, 0.7, -1.0]], dtype=cr.float64, requires_grad=True)
    values, indices = x.sort(dim=1, descending=True)
    w = cr.tensor([[1.0, 10.0, 100.0]] * 2, dtype=cr.float64)
    (values * w).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 100.0, 10.0], [10.0, 1.0, 100.0]])
    np.testing.assert_array_equal(indices.numpy(), [[0, 2, 1], [1, 0, 2]])
    assert values.requires_grad and not indices.requires_grad


@needs_torch
def test_topk_returns_torchs_values_and_the_earliest_of_equal_ones():
    """PyTorch does not specify which of equal values topk picks (on this row it gives [1, 3]): chainrule takes
    the earliest, in sorted order, so its values are PyTorch's and its indices point at equal values."""
    row = [1.0, 2.0, 2.0, 2.0, 1.0]
    ours, ref = cr.tensor(row).topk(2), torch.tensor(row).topk(2)
    np.testing.assert_array_equal(ours.values.numpy(), ref.values.numpy())
    np.testing.assert_array_equal(ours.indices.numpy(), [1, 2])
    smallest = cr.tensor(row).topk(2, largest=False)
    np.testing.assert_array_equal(smallest.indices.numpy(), [0, 4])
    with_nan = [3.0, 1.0, nan, 5.0, 4.0, 0.0]
    np.testing.assert_array_equal(cr.tensor(with_nan).topk(3).indices.numpy(), torch.tensor(with_nan).topk(3).indices)
    assert type(ours).__name__ == "topk"


def test_topk_checks_k_and_takes_0d_tensors():
    with pytest.raises(cr.ShapeError, match=r"topk: k must be an int in \[0, 3\].*got 4"):
        cr.tensor([3.0, 1.0, 2.0]).topk(4)
    assert cr.tensor([3.0, 1.0, 2.0]).topk(0).values.shape == (0,)
    scalar = cr.tensor(3.0).topk(1)
    assert scalar.values.item() == 3.0 and scalar.indices.shape == ()


@needs_torch
@pytest.mark.parametrize("values", [[[1, 0], [0, 2]], 5.0, 0.0, [], [[0.0, 0.0]]])
def test_nonzero_as_torch(values):
    ours, ref = cr.tensor(values), torch.tensor(values)
    np.testing.assert_array_equal(ours.nonzero().numpy(), ref.nonzero().numpy())
    assert ours.nonzero().shape == tuple(ref.nonzero().shape) and ours.nonzero().dtype == cr.int64
    for a, b in zip(cr.nonzero(ours, as_tuple=True), ref.nonzero(as_tuple=True), strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_allclose_is_a_bool_that_refuses_mixed_dtypes():
    a = cr.tensor([1.0, 2.0])
    assert a.allclose(cr.tensor([1.0, 2.0 + 1e-6])) is True
    assert cr.allclose(a, cr.tensor([1.0, 2.1])) is False
    assert cr.allclose(cr.tensor([nan]), cr.tensor([nan]), equal_nan=True)
    assert not cr.allclose(cr.tensor([nan]), cr.tensor([nan]))
    assert cr.allclose(a, cr.ones(3, 2) * cr.tensor([1.0, 2.0]))  # broadcasting, as torch
    with pytest.raises(cr.DTypeError, match="different dtypes, float32 and float64"):
        cr.allclose(a, cr.tensor([1.0, 2.0], dtype=cr.float64))
    with pytest.raises(cr.ShapeError, match="do not broadcast"):
        cr.allclose(a, cr.ones(3))
