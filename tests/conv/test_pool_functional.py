"""max_pool2d, avg_pool2d and adaptive_avg_pool2d against PyTorch: values, gradients (ties and NaN included)."""

import numpy as np
import pytest
from conv_support import F, check_rules, compare, requires_torch, torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.errors import ShapeError

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None)


@st.composite
def pool_problems(draw, dilation=True):
    """(input shape, options) of a valid pooling: padding at most half the kernel, as PyTorch requires."""
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dil = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilation else (1, 1)
    spans = [d * (k - 1) + 1 for d, k in zip(dil, kernel)]
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    size = tuple(draw(st.integers(max(1, s - 2 * p), max(1, s - 2 * p) + 5)) for s, p in zip(spans, padding))
    options = {"kernel_size": kernel, "stride": stride, "padding": padding, "ceil_mode": draw(st.booleans())}
    if dilation:
        options["dilation"] = dil
    return (draw(st.integers(1, 2)), draw(st.integers(1, 2))) + size, options


def _values(seed, shape, ties):
    """Random inputs; with ``ties``, small integers, so that windows often hold equal maxima."""
    rng = np.random.default_rng(seed)
    return rng.integers(-2, 3, shape).astype(float) if ties else rng.standard_normal(shape)


@requires_torch
@SETTINGS
@given(problem=pool_problems(), ties=st.booleans(), seed=st.integers(0, 2**16))
def test_max_pool2d_matches_torch(problem, ties, seed):
    shape, options = problem
    compare("max_pool2d", lambda m, x: F(m).max_pool2d(x, **options), [_values(seed, shape, ties)])


@requires_torch
@SETTINGS
@given(problem=pool_problems(dilation=False), include=st.booleans(), divisor=st.sampled_from([None, 3]),
       seed=st.integers(0, 2**16))  # fmt: skip
def test_avg_pool2d_matches_torch(problem, include, divisor, seed):
    shape, options = problem
    options = dict(options, count_include_pad=include, divisor_override=divisor)
    compare("avg_pool2d", lambda m, x: F(m).avg_pool2d(x, **options), [_values(seed, shape, False)])


@requires_torch
@pytest.mark.parametrize("size, out", [
    ((6, 8), (3, 4)), ((7, 5), (3, 2)), ((5, 5), 1), ((4, 9), (None, 4)), ((3, 2), (5, 4)),
], ids=str)  # fmt: skip
def test_adaptive_avg_pool2d_matches_torch(size, out):
    compare("adaptive_avg_pool2d", lambda m, x: F(m).adaptive_avg_pool2d(x, out), [_values(0, (2, 3) + size, False)])


@requires_torch
def test_max_pool2d_return_indices_match_torch():
    x = _values(1, (2, 3, 7, 6), True)
    ours = F(cr).max_pool2d(cr.tensor(x), 3, stride=2, padding=1, return_indices=True)
    theirs = F(torch).max_pool2d(torch.tensor(x), 3, stride=2, padding=1, return_indices=True)
    np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())
    assert ours[1].dtype == cr.int64


@requires_torch
@pytest.mark.parametrize("fill", [np.nan, -np.inf, np.inf], ids=str)
def test_max_pool2d_nan_and_infinite_windows_match_torch(fill):
    """A window with NaN pools to NaN and sends its gradient to its last NaN; one of −inf (padding beside
    it) to its first element inside the input, as in PyTorch."""
    x = _values(2, (1, 2, 6, 6), True)
    x[0, 0, 1, 1] = x[0, 0, 0, 1] = x[0, 1, 4:, 3:] = fill
    x[0, 1, 0, 0] = x[0, 1, 0, 1] = x[0, 1, 1, 0] = x[0, 1, 1, 1] = fill
    for options in ({"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}):
        xs = [cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)]
        outs = [F(m).max_pool2d(t, **options) for m, t in zip((cr, torch), xs)]
        g = np.arange(outs[1].numel(), dtype=float).reshape(tuple(outs[1].shape)) + 1
        outs[0].backward(cr.tensor(g))
        outs[1].backward(torch.tensor(g))
        np.testing.assert_array_equal(outs[0].detach().numpy(), outs[1].detach().numpy())
        np.testing.assert_array_equal(xs[0].grad.numpy(), xs[1].grad.numpy())


@pytest.mark.parametrize("name, f", [
    ("max_pool2d overlapping", lambda x: F(cr).max_pool2d(x, 3, stride=1, padding=1)),
    ("max_pool2d", lambda x: F(cr).max_pool2d(x, 2, ceil_mode=True)),
    ("avg_pool2d", lambda x: F(cr).avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ("adaptive_avg_pool2d", lambda x: F(cr).adaptive_avg_pool2d(x, (2, 3))),
])  # fmt: skip
def test_pools_pass_gradcheck_and_gradgradcheck(name, f):
    x = np.random.default_rng(3).permutation(2 * 2 * 5 * 5).reshape(2, 2, 5, 5) / 7.0  # distinct: no ties
    check_rules(f, [x], uninformative=name.startswith("max"))  # max-pooling's second derivative is 0


def test_max_pool2d_of_float32_keeps_float32_and_unbatched_shapes():
    x = cr.rand(3, 8, 8, requires_grad=True)
    out, index = F(cr).max_pool2d(x, 2, return_indices=True)
    out.sum().backward()
    assert out.shape == index.shape == (3, 4, 4) and out.dtype == x.grad.dtype == cr.float32
    assert float(x.grad.sum()) == 48.0  # one element per window


def test_bad_pooling_arguments_are_named():
    x = cr.zeros(1, 1, 6, 6)
    with pytest.raises(ValueError, match=r"max_pool2d: padding \(2, 2\) should be at most half"):
        F(cr).max_pool2d(x, 3, padding=2)
    with pytest.raises(ValueError, match="avg_pool2d: divisor_override must be a positive int"):
        F(cr).avg_pool2d(x, 2, divisor_override=0)
    with pytest.raises(ShapeError, match=r"max_pool2d: input must be \(N, C, H, W\)"):
        F(cr).max_pool2d(cr.zeros(6, 6), 2)
    with pytest.raises(TypeError, match="avg_pool2d: kernel_size must be an int or a pair of ints"):
        F(cr).avg_pool2d(x, 2.0)
    with pytest.raises(ShapeError, match="max_pool2d: the input's spatial size"):
        F(cr).max_pool2d(x, 7)
