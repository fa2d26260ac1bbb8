"""t, mm, bmm, repeat, tile, split and chunk: PyTorch's shapes, views and errors."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed: oracle comparison skipped")


def test_t_mm_and_bmm_refuse_what_torch_refuses():
    with pytest.raises(cr.ShapeError, match=r"t: expects a tensor with at most 2 dimensions, got shape \(2, 3, 4\)"):
        cr.ones(2, 3, 4).t()
    assert cr.ones(3).t().shape == (3,)
    with pytest.raises(cr.ShapeError, match="mm: mat2 must be a matrix"):
        cr.ones(2, 3).mm(cr.ones(3))
    with pytest.raises(cr.ShapeError, match=r"mm: shapes \(2, 3\) and \(4, 2\) cannot be multiplied"):
        cr.mm(cr.ones(2, 3), cr.ones(4, 2))
    with pytest.raises(cr.DTypeError, match="same dtype, got float32 and float64"):
        cr.ones(2, 3).mm(cr.ones(3, 2, dtype=cr.float64))
    with pytest.raises(cr.ShapeError, match="bmm: batch sizes differ"):
        cr.ones(2, 2, 3).bmm(cr.ones(1, 3, 2))
    with pytest.raises(cr.ShapeError, match="bmm: batch1 must be a 3-d tensor"):
        cr.ones(2, 3).bmm(cr.ones(3, 2))


def test_t_is_a_view_and_mm_is_one_matmul():
    x = cr.zeros(2, 3)
    x.t()[0, 1] = 5.0
    assert x[1, 0].item() == 5.0
    a = cr.tensor(np.ones((2, 3)), requires_grad=True)
    assert type(a.mm(cr.ones(3, 4, dtype=cr.float64)).grad_fn).__name__ == "MatMul"


@needs_torch
@pytest.mark.parametrize("shape, sizes", [((3,), (2,)), ((3,), (2, 2)), ((2, 3), (1, 2)), ((), ()), ((), (2, 3)),
                                          ((2, 1), (0, 3))])  # fmt: skip
def test_repeat_and_tile_shapes_and_values_as_torch(shape, sizes):
    x = np.arange(float(np.prod(shape))).reshape(shape)
    np.testing.assert_array_equal(cr.tensor(x).repeat(sizes).numpy(), torch.tensor(x).repeat(sizes).numpy())
    np.testing.assert_array_equal(cr.tensor(x).tile(sizes[-1:]).numpy(), torch.tensor(x).tile(sizes[-1:]).numpy())


def test_repeat_errors():
    with pytest.raises(cr.ShapeError, match=r"repeat: got 1 repeat count\(s\) \(2,\) for a tensor of shape \(2, 3\)"):
        cr.ones(2, 3).repeat(2)
    with pytest.raises(ValueError, match="non-negative"):
        cr.ones(3).repeat(-1)


@needs_torch
@pytest.mark.parametrize("n, arg", [(5, 2), (5, [2, 0, 3]), (0, 0), (0, 2), (6, 4)])
def test_split_and_chunk_pieces_as_torch(n, arg):
    x = np.arange(float(n))
    ours = [p.shape for p in cr.tensor(x).split(arg)]
    assert ours == [tuple(p.shape) for p in torch.tensor(x).split(arg)]
    if isinstance(arg, int) and arg:
        assert [p.shape for p in cr.chunk(cr.tensor(x), arg)] == [tuple(p.shape) for p in torch.tensor(x).chunk(arg)]


def test_split_pieces_are_views_and_errors_name_the_sizes():
    x = cr.zeros(2, 5)
    first, second = x.split([2, 3], dim=1)
    second[0, 0] = 1.0
    assert x[0, 2].item() == 1.0
    with pytest.raises(cr.ShapeError, match=r"section sizes \[2, 2\] must be non-negative and add up to 5"):
        x.split([2, 2], 1)
    with pytest.raises(ValueError, match="split_size must be positive"):
        x.split(0, 1)
    with pytest.raises(ValueError, match="chunks must be a positive int"):
        x.chunk(0)
    with pytest.raises(cr.ShapeError, match="at least one dimension"):
        cr.tensor(3.0).chunk(2)
