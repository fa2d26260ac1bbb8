"""conv2d, conv1d and conv_transpose2d: values and first and second derivatives against PyTorch, gradcheck.

Random shapes and options come from hypothesis (the same examples every run). The kernels are made to
work one or two samples at a time in half of the examples, so that the seams between chunks are tested.
"""

from contextlib import nullcontext

import numpy as np
import pytest
from conv_support import F, check_rules, compare, requires_torch, small_chunks
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.errors import DTypeError, ShapeError

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True, database=None)


@st.composite
def conv_problems(draw, transposed=False):
    """(x shape, w shape, bias, options) of a valid 2-d convolution, small enough for a float64 HVP."""
    groups = draw(st.integers(1, 2))
    c, o = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    spans = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    if transposed:  # the output, (n − 1)·stride − 2·padding + span + output_padding, must be positive
        low = [max(1, -(-(2 * p - s + 1) // t) + 1) for s, p, t in zip(spans, padding, stride)]
    else:  # the padded input must hold one window
        low = [max(1, s - 2 * p) for s, p in zip(spans, padding)]
    size = tuple(draw(st.integers(n, n + 4)) for n in low)
    if not transposed and draw(st.booleans()) and stride == (1, 1):
        padding = draw(st.sampled_from(["same", "valid"]))
        if padding == "valid":
            size = tuple(max(n, s) for n, s in zip(size, spans))
    options = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    if transposed:
        options["output_padding"] = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
        weight = (c, o // groups) + kernel
    else:
        weight = (o, c // groups) + kernel
    n = draw(st.integers(1, 3))
    return (n, c) + size, weight, draw(st.booleans()), options, draw(st.booleans())


def _arrays(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


@requires_torch
@SETTINGS
@given(problem=conv_problems(), seed=st.integers(0, 2**16))
def test_conv2d_matches_torch_to_second_order(problem, seed):
    x_shape, w_shape, bias, options, chunked = problem
    shapes = [x_shape, w_shape] + ([(w_shape[0],)] if bias else [])
    with small_chunks() if chunked else nullcontext():
        compare("conv2d", lambda m, x, w, *b: F(m).conv2d(x, w, *b, **options), _arrays(seed, *shapes))


@requires_torch
@SETTINGS
@given(problem=conv_problems(transposed=True), seed=st.integers(0, 2**16))
def test_conv_transpose2d_matches_torch_to_second_order(problem, seed):
    x_shape, w_shape, bias, options, chunked = problem
    shapes = [x_shape, w_shape] + ([(w_shape[1] * options["groups"],)] if bias else [])
    with small_chunks() if chunked else nullcontext():
        compare("conv_transpose2d", lambda m, x, w, *b: F(m).conv_transpose2d(x, w, *b, **options),
                _arrays(seed, *shapes))  # fmt: skip


@requires_torch
@pytest.mark.parametrize("options", [
    {}, {"stride": 2, "padding": 1}, {"padding": "same", "dilation": 2}, {"padding": "valid", "groups": 2},
    {"stride": (3,), "dilation": (2,), "padding": (3,)},
], ids=str)  # fmt: skip
def test_conv1d_matches_torch_to_second_order(options):
    x, w, b = _arrays(0, (2, 4, 9), (6, 4 // options.get("groups", 1), 3), (6,))
    compare("conv1d", lambda m, x, w, b: F(m).conv1d(x, w, b, **options), [x, w, b])


@requires_torch
def test_unbatched_images_give_unbatched_results():
    x, w = _arrays(1, (3, 6, 5), (4, 3, 2, 2))
    compare("conv2d", lambda m, x, w: F(m).conv2d(x, w, padding=1), [x, w])
    compare("conv_transpose2d", lambda m, x, w: F(m).conv_transpose2d(x, w.transpose(0, 1), stride=2), [x, w])


@pytest.mark.parametrize("options", [
    {"padding": 1}, {"stride": 2, "dilation": 2, "groups": 2}, {"padding": "same"},
], ids=str)  # fmt: skip
def test_conv2d_passes_gradcheck_and_gradgradcheck(options):
    x, w, b = _arrays(2, (2, 2, 5, 6), (2, 2 // options.get("groups", 1), 3, 2), (2,))
    with small_chunks():
        check_rules(lambda x, w, b: F(cr).conv2d(x, w, b, **options), [x, w, b])


ONE_OUTPUT_PER_GROUP = pytest.mark.parametrize(("channels", "outputs", "groups"), [(3, 3, 3), (3, 6, 3), (3, 1, 1)],
                                               ids=["depthwise", "depthwise x2", "one output"])  # fmt: skip


def _one_output_problem(channels, outputs, groups):
    return _arrays(5, (2, channels, 6, 5), (outputs, channels // groups, 3, 3), (outputs,))


@ONE_OUTPUT_PER_GROUP
def test_one_output_channel_per_group_passes_gradcheck(channels, outputs, groups):
    """O/groups = 1 takes its input gradient by broadcasting instead of a GEMM of inner size 1."""
    with small_chunks():
        check_rules(lambda x, w, b: F(cr).conv2d(x, w, b, padding=1, groups=groups),
                    _one_output_problem(channels, outputs, groups))  # fmt: skip


@requires_torch
@ONE_OUTPUT_PER_GROUP
def test_one_output_channel_per_group_matches_torch(channels, outputs, groups):
    with small_chunks():
        compare("conv2d", lambda m, x, w, b: F(m).conv2d(x, w, b, padding=1, groups=groups),
                _one_output_problem(channels, outputs, groups))  # fmt: skip


def test_conv_transpose2d_passes_gradcheck_and_gradgradcheck():
    x, w = _arrays(3, (2, 2, 3, 4), (2, 3, 3, 2))
    check_rules(lambda x, w: F(cr).conv_transpose2d(x, w, stride=2, padding=1, output_padding=1), [x, w])


@requires_torch
def test_gradient_penalty_matches_torch():
    """create_graph through a conv, as a gradient penalty ‖∂y/∂x‖² does: its value and gradient as PyTorch's."""
    x, w = _arrays(4, (1, 2, 5, 5), (3, 2, 3, 3))

    def penalty(m, x, w):
        y = F(m).conv2d(x, w, padding=1).tanh().sum()
        (gx,) = m.autograd.grad(y, [x], create_graph=True)
        return (gx * gx).sum()

    compare("gradient penalty", penalty, [x, w], twice=False)


def test_float32_stays_float32_and_matches_float64():
    x, w, b = (a.astype(np.float32) for a in _arrays(5, (3, 2, 9, 9), (4, 2, 3, 3), (4,)))
    xs = [cr.tensor(a, requires_grad=True) for a in (x, w, b)]
    out = F(cr).conv2d(*xs, padding=1)
    out.sum().backward()
    assert out.dtype == cr.float32 and all(t.grad.dtype == cr.float32 for t in xs)
    ref = F(cr).conv2d(*(cr.tensor(a, dtype=cr.float64) for a in (x, w, b)), padding=1)
    np.testing.assert_allclose(out.detach().numpy(), ref.numpy(), rtol=1e-5, atol=1e-5)


def test_bad_operands_are_named():
    x = cr.zeros(2, 3, 8, 8)
    with pytest.raises(ShapeError, match=r"conv2d: weight of shape \(4, 2, 3, 3\).*3 channels"):
        F(cr).conv2d(x, cr.zeros(4, 2, 3, 3))
    with pytest.raises(DTypeError, match="conv2d: input, weight and bias must share one dtype"):
        F(cr).conv2d(x, cr.zeros(4, 3, 3, 3, dtype=cr.float64))
    with pytest.raises(ValueError, match="conv2d: padding='same' is not supported for strided"):
        F(cr).conv2d(x, cr.zeros(4, 3, 3, 3), stride=2, padding="same")
    with pytest.raises(ShapeError, match=r"conv2d: the input's spatial size \(8, 8\).*smaller than"):
        F(cr).conv2d(x, cr.zeros(4, 3, 9, 9))
    with pytest.raises(ShapeError, match=r"conv2d: input must be \(N, C, H, W\) or \(C, H, W\), got shape \(3, 8\)"):
        F(cr).conv2d(cr.zeros(3, 8), cr.zeros(4, 3, 3, 3))
    with pytest.raises(ShapeError, match=r"conv2d: bias must be a Tensor of shape \(4,\)"):
        F(cr).conv2d(x, cr.zeros(4, 3, 3, 3), cr.zeros(3))
    with pytest.raises(ValueError, match="conv_transpose2d: output_padding"):
        F(cr).conv_transpose2d(x, cr.zeros(3, 2, 3, 3), stride=2, output_padding=2)

