"""gather, scatter, scatter_add and masked_fill: PyTorch's values, gradients and errors where the factory cannot go
(repeated indices, a source larger than the index, dtypes, bad indices)."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed: oracle comparison skipped")

X = np.arange(12.0).reshape(3, 4) / 5.0


def leaf(a):
    return cr.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def test_gather_picks_along_the_dimension_and_adds_repeated_gradients():
    x = leaf(X)
    index = cr.tensor([[0, 0, 2], [1, 0, 0]])
    out = x.gather(1, index)
    np.testing.assert_array_equal(out.detach().numpy(), [[X[0, 0], X[0, 0], X[0, 2]], [X[1, 1], X[1, 0], X[1, 0]]])
    out.sum().backward()
    expected = np.zeros_like(X)
    expected[0] = [2, 0, 1, 0]
    expected[1] = [2, 1, 0, 0]
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    assert cr.gradgradcheck(lambda t: t.gather(0, cr.tensor([[2, 0, 1, 1]])) ** 2, [leaf(X)])


@pytest.mark.parametrize("index, error, match", [
    ([[0, 4]], IndexError, r"gather: index 4 is out of bounds for dimension 1 with size 4"),
    ([[0, -1]], IndexError, r"gather: index -1 is out of bounds"),
    ([0, 1], cr.ShapeError, r"as many dimensions as the input.*\(2,\).*\(3, 4\)"),
    ([[0], [1], [2], [0]], cr.ShapeError, r"no larger than the input \(3, 4\) apart from dimension 1"),
    ([[0.0, 1.0]], cr.DTypeError, "integers"),
])  # fmt: skip
def test_gather_refuses_what_pytorch_refuses(index, error, match):
    with pytest.raises(error, match=match):
        cr.tensor(X).gather(1, cr.tensor(index))


def test_scatter_writes_the_last_of_repeated_places_and_sends_every_source_its_gradient():
    base, src = leaf(np.zeros(3)), leaf([1.0, 2.0, 3.0, 4.0])
    out = base.scatter(0, cr.tensor([0, 0, 2, 0]), src)
    np.testing.assert_array_equal(out.detach().numpy(), [4.0, 0.0, 3.0])
    (out * cr.tensor([1.0, 10.0, 100.0], dtype=cr.float64)).sum().backward()
    np.testing.assert_array_equal(base.grad.numpy(), [0.0, 10.0, 0.0])  # written places take nothing back
    np.testing.assert_array_equal(src.grad.numpy(), [1.0, 1.0, 100.0, 1.0])  # as PyTorch: gathered, repeats too


def test_a_source_larger_than_the_index_gets_zero_gradient_where_unread():
    """PyTorch computes this forward but its backward fails ('invalid gradient ... got [2, 2] but expected [3, 3]')."""
    index = cr.tensor([[0, 1], [1, 0]])
    src = leaf(np.arange(9.0).reshape(3, 3))
    out = cr.zeros(2, 3, dtype=cr.float64).scatter(0, index, src)
    np.testing.assert_array_equal(out.detach().numpy(), [[0, 4, 0], [3, 1, 0]])
    assert cr.gradgradcheck(lambda s: cr.zeros(2, 3, dtype=cr.float64).scatter_add(0, index, s) ** 2, [src])
    assert cr.gradcheck(lambda b, s: b.scatter(0, index, s) * 2.0, [leaf(np.ones((2, 3))), src])


def test_scatter_forms_and_errors():
    x = cr.zeros(2, 3)
    np.testing.assert_array_equal(x.scatter(1, cr.tensor([[2], [0]]), 1.5).numpy(), [[0, 0, 1.5], [1.5, 0, 0]])
    np.testing.assert_array_equal(x.scatter(1, cr.tensor([[2], [0]]), value=2).numpy(), [[0, 0, 2], [2, 0, 0]])
    with pytest.raises(cr.DTypeError, match=r"src must have the input's dtype float32, got float64"):
        x.scatter(0, cr.tensor([[0, 1, 0]]), cr.ones(1, 3, dtype=cr.float64))
    with pytest.raises(cr.ShapeError, match=r"no larger than src \(1, 1\)"):
        x.scatter(0, cr.tensor([[0, 1]]), cr.ones(1, 1))
    with pytest.raises(TypeError, match="scatter_add: src must be a tensor"):
        x.scatter_add(0, cr.tensor([[0]]), 1.0)
    with pytest.raises(ValueError, match="reduce= is not supported.*scatter_add"):
        x.scatter(0, cr.tensor([[0]]), 1.0, reduce="add")


@needs_torch
def test_scatter_add_with_repeated_places_matches_torch():
    rng = np.random.default_rng(0)
    a, s = rng.standard_normal((3, 4)), rng.standard_normal((5, 4))
    index = rng.integers(0, 3, size=(5, 4))
    ours = [leaf(a), leaf(s)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (a, s)]
    w = rng.standard_normal((3, 4))
    out = ours[0].scatter_add(0, cr.tensor(index), ours[1])
    ref = theirs[0].scatter_add(0, torch.tensor(index), theirs[1])
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
    (out * cr.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-12)


@needs_torch
def test_masked_fill_takes_the_inputs_dtype_and_broadcasts_as_torch():
    mask = np.array([True, False, True])
    for value in (1.5, 7):
        ours = cr.tensor(np.arange(6).reshape(2, 3)).masked_fill(cr.tensor(mask), value)
        ref = torch.arange(6).reshape(2, 3).masked_fill(torch.tensor(mask), value)
        assert str(ours.dtype) == str(ref.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(ours.numpy(), ref.numpy())
    wide = cr.zeros(3).masked_fill(cr.tensor(np.ones((2, 3), bool)), 1.0)
    assert wide.shape == tuple(torch.zeros(3).masked_fill(torch.ones(2, 3, dtype=torch.bool), 1.0).shape)
    v = cr.tensor(2.0, dtype=cr.float64, requires_grad=True)
    cr.zeros(2, 3).masked_fill(cr.tensor(mask), v).sum().backward()
    assert v.grad.item() == 4.0  # every filled element, as torch.autograd.grad gives


def test_masked_fill_refuses_what_pytorch_refuses():
    x = cr.zeros(2, 3)
    with pytest.raises(cr.DTypeError, match="mask must be boolean, got dtype float32"):
        x.masked_fill(cr.ones(3), 1.0)
    with pytest.raises(cr.ShapeError, match=r"a tensor value must be 0-d, got shape \(1,\)"):
        x.masked_fill(cr.tensor([True, False, True]), cr.tensor([1.0]))
    with pytest.raises(cr.ShapeError, match=r"mask of shape \(2,\) does not broadcast"):
        x.masked_fill(cr.tensor([True, False]), 1.0)
