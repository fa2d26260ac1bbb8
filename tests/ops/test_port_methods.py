"""PyTorch's Tensor methods and functions that chainrule composes from its ops: values and gradients vs torch."""

import numpy as np
import pytest

import chainrule as cr
from helpers.oracle import BINARY, UNARY, Case, op_tests, requires_torch, torch

MATRIX = [((3, 4),), ((2, 3, 4),)]
VECTORS = [((3,), (3,))]


def _inplace(name, *args):
    return lambda m, a: getattr(a * 1, name)(*args) * a  # on a non-leaf, then used again


CASES = [
    Case("add_alpha", lambda m, a, b: a.add(b, alpha=2.5) + a.add(b), BINARY),
    Case("sub_alpha", lambda m, a, b: a.sub(b, alpha=-0.5) * a.mul(b), BINARY),
    Case("div_neg", lambda m, a, b: a.div(b).neg(), BINARY, domain="kinkfree"),
    Case("negative", lambda m, a: a.negative() * a, UNARY),
    Case("square", lambda m, a: a.square() + m.square(a), UNARY),
    Case("rsqrt", lambda m, a: a.rsqrt() + m.rsqrt(a), UNARY, domain="positive"),
    Case("reciprocal", lambda m, a: a.reciprocal(), UNARY, domain="kinkfree"),
    Case("log1p", lambda m, a: a.log1p() + m.log1p(a * 1e-3), UNARY, domain="unit"),
    Case("expm1", lambda m, a: a.expm1() + m.expm1(a * 1e-3), UNARY),
    Case("clamp_min_max", lambda m, a: a.clamp_min(-0.3) * a.clamp_max(0.4), UNARY, domain="kinkfree"),
    Case("pow_fn", lambda m, a, b: m.pow(a, b) + m.pow(a, 2), BINARY, domain="positive"),
    Case("flip", lambda m, a: a.flip(0) * m.flip(a, (-1,)), MATRIX),
    Case("unbind", lambda m, a: m.stack(a.unbind(1)[::-1]) * 2, MATRIX),
    Case("index_select", lambda m, a: a.index_select(1, m.tensor([2, 0, 2])), MATRIX),
    Case("diagonal", lambda m, a: a.diagonal() * 2 + m.diagonal(a, 1).sum(), MATRIX),
    Case("diagonal_dims", lambda m, a: a.diagonal(-1, 2, 0), [((3, 2, 4),)]),
    Case("dot_outer", lambda m, a, b: a.dot(b) * a.outer(b), VECTORS),
    Case("einsum_mm", lambda m, a, b: m.einsum("ij,jk->ik", a, b), [((2, 3), (3, 4))]),
    Case("einsum_implicit", lambda m, a, b: m.einsum("ij,kj", a, b), [((2, 3), (4, 3))]),
    Case("einsum_batch", lambda m, a, b: m.einsum("bij,bjk->bik", a, b), [((2, 2, 3), (2, 3, 4))]),
    Case("einsum_sums", lambda m, a, b: m.einsum("ij,k->j", a, b), [((2, 3), (4,))]),
    Case("einsum_one", lambda m, a: m.einsum("ij->", a) + m.einsum("ij->ji", a).sum(0), [((2, 3),)]),
    Case("einsum_0d", lambda m, a, b: m.einsum(",j->j", a, b), [((), (3,))]),
    Case("var_mean", lambda m, a: m.var_mean(a, 1)[0] * m.var_mean(a, 1, keepdim=True)[1].sum(), MATRIX),
    Case("std_mean", lambda m, a: m.std_mean(a)[0] + m.std_mean(a, correction=0)[1], MATRIX),
    Case("sum_mean_dtype", lambda m, a: a.sum(dtype=m.float64) + a.mean(dim=0, dtype=m.float64), MATRIX),
    Case("exp_", _inplace("exp_"), UNARY),
    Case("sigmoid_tanh_", lambda m, a: (a * 1).sigmoid_() * (a * 1).tanh_() * a, UNARY),
    Case("pow_", _inplace("pow_", 3), UNARY),
    Case("log_sqrt_", lambda m, a: (a * 1).sqrt_() * (a * 1).log_() * a, UNARY, domain="positive"),
    Case("relu_neg_", lambda m, a: (a * 1).relu_() * (a * 1).neg_() * a, UNARY, domain="kinkfree"),
    Case("masked_fill_", lambda m, a: (a * 1).masked_fill_(a > 0, 2.0) * a, UNARY, domain="kinkfree"),
    Case("shape_fns", lambda m, a: m.unsqueeze(m.transpose(m.reshape(a, (4, 3)), 0, 1), 0).squeeze(0), [((3, 4),)]),
]

test_port_method, test_port_method_matches_torch = op_tests(CASES)

X = np.array([[1.5, -2.5, 0.0, np.nan], [np.inf, -np.inf, 2.5, 0.125]])
B = X > 0
VALUE_CASES = {
    "isnan": lambda m, x: m.isnan(x) | x.isnan(),
    "isinf_isfinite": lambda m, x: m.stack([m.isinf(x), x.isfinite(), m.isfinite(x)]),
    "round": lambda m, x: m.stack([x.round(), m.round(x, decimals=1), x.round(decimals=2)]),
    "sign": lambda m, x: m.stack([x.sign(), m.sign(x)]),
    "argsort": lambda m, x: m.stack([m.argsort(x[1]), x[1].argsort(descending=True)]),
    "count_nonzero": lambda m, x: m.stack([m.count_nonzero(x), x.count_nonzero(dim=1).sum()]),
    "all_any": lambda m, x: m.stack([m.all(x > -9, 1), m.any(x > 2, dim=1), x.isnan().any(1)]),
    "logical": lambda m, x: m.logical_or(m.logical_not(x > 0), m.logical_and(x < 2, x > -3)),
    "where_one_arg": lambda m, x: m.stack(m.where(x > 0)),
    "div_rounding": lambda m, x: m.stack([x.div(-2, rounding_mode="floor"), x.div(-2, rounding_mode="trunc")]),
    "new_factories": lambda m, x: m.stack([x.new_zeros(4), x.new_ones((4,)), x.new_full((4,), 3.0),
                                           x.new_tensor([1, 2, 3, 4])]),  # fmt: skip
    "type_as": lambda m, x: m.zeros(2, dtype=m.int32).type_as(x),
}


@requires_torch
@pytest.mark.parametrize("name", VALUE_CASES)
def test_values_match_torch(name):
    ours, theirs = (VALUE_CASES[name](m, m.tensor(X)) for m in (cr, torch))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.").replace("bool", "bool")


def test_small_methods():
    x = cr.tensor(X)
    assert x.contiguous() is x and x.is_floating_point() and not cr.arange(3).is_floating_point()
    assert cr.numel(x) == 8 and x.new_empty(2, 3).shape == (2, 3) and x.new_zeros(2, dtype=cr.int64).dtype == cr.int64
    assert x.new_zeros(2, requires_grad=True).requires_grad
    with pytest.raises(TypeError, match="condition alone"):
        cr.where(x > 0, x)
    with pytest.raises(ValueError, match="einsum"):
        cr.einsum("ii->i", x)
    with pytest.raises(IndexError, match="index_select"):
        x.index_select(0, cr.tensor([[0]]))


def test_in_place_outside_the_graph_keeps_the_dtype():
    t = cr.tensor([1.0, 2.0])
    assert t.exp_() is t and t.dtype == cr.float32
    np.testing.assert_allclose(t.numpy(), np.exp([1.0, 2.0]), rtol=1e-6)
    with pytest.raises(cr.DTypeError, match="exp_"):
        cr.tensor([1, 2]).exp_()
