"""pad (constant, reflect, replicate, circular), unfold and fold against PyTorch; fold is unfold's adjoint."""

import numpy as np
import pytest
from conv_support import F, check_rules, compare, requires_torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.errors import ShapeError


@requires_torch
@pytest.mark.parametrize("shape, pad, mode", [
    ((2, 3, 4, 5), (1, 2, 0, 1), "constant"), ((2, 3, 4), (-1, 2, 3, -2), "constant"), ((4,), (2, 0), "constant"),
    ((2, 3, 4), (1, 2), "reflect"), ((2, 3, 4, 5), (3, 1, 2, 3), "reflect"), ((1, 2, 3, 4, 3), (2,) * 6, "reflect"),
    ((3, 4), (2, 3), "replicate"), ((2, 3, 4, 5), (5, 0, 1, 4), "replicate"), ((2, 3, 4), (2, 3), "circular"),
    ((2, 3, 4, 5), (5, 5, 4, 1), "circular"),
], ids=str)  # fmt: skip
def test_pad_matches_torch_to_second_order(shape, pad, mode):
    value = 0.5 if mode == "constant" else None
    x = np.random.default_rng(0).standard_normal(shape)
    compare(f"pad {mode}", lambda m, x: F(m).pad(x, pad, mode, value) if value else F(m).pad(x, pad, mode), [x])


def test_pad_passes_gradcheck_and_gradgradcheck():
    x = np.random.default_rng(1).standard_normal((2, 3, 4))
    check_rules(lambda x: F(cr).pad(x, (2, 1, -1, 2), value=3.0) * F(cr).pad(x, (3, 0, 1, 0), "reflect"), [x])


def test_bad_padding_is_named():
    x = cr.zeros(2, 3, 4)
    with pytest.raises(ValueError, match="pad: mode 'reflect' needs each width smaller than the dimension"):
        F(cr).pad(x, (4, 0), "reflect")
    with pytest.raises(ShapeError, match="pad: mode 'replicate' pads 1 to 3 dimensions"):
        F(cr).pad(x, (1, 1, 1, 1, 1, 1), "replicate")
    with pytest.raises(ValueError, match="pad: pad must be a tuple of an even number of ints"):
        F(cr).pad(x, (1, 1, 1))
    with pytest.raises(ValueError, match="pad: mode must be one of"):
        F(cr).pad(x, (1, 1), "wrap")


@st.composite
def window_problems(draw):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation, stride, padding = ((draw(st.integers(1, 2)), draw(st.integers(1, 2))) for _ in range(3))
    padding = (padding[0] - 1, padding[1] - 1)
    spans = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    size = tuple(draw(st.integers(max(1, s - 2 * p), max(1, s - 2 * p) + 4)) for s, p in zip(spans, padding))
    options = {"kernel_size": kernel, "dilation": dilation, "padding": padding, "stride": stride}
    return (draw(st.integers(1, 2)), draw(st.integers(1, 3))) + size, options


@requires_torch
@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(problem=window_problems(), seed=st.integers(0, 2**16))
def test_unfold_and_fold_match_torch(problem, seed):
    shape, options = problem
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    compare("unfold", lambda m, x: F(m).unfold(x, **options), [x])
    cols = F(cr).unfold(cr.tensor(x), **options)
    compare("fold", lambda m, c: F(m).fold(c, shape[2:], **options), [rng.standard_normal(cols.shape)])


def test_fold_is_unfold_adjoint_and_both_pass_gradgradcheck():
    x = np.random.default_rng(2).standard_normal((1, 2, 4, 5))
    options = {"kernel_size": (2, 3), "padding": 1, "stride": (2, 1)}
    cols = F(cr).unfold(cr.tensor(x), **options)
    c = np.random.default_rng(3).standard_normal(cols.shape)
    back = F(cr).fold(cr.tensor(c), (4, 5), **options)
    np.testing.assert_allclose(float((cols * cr.tensor(c)).sum()), float((back * cr.tensor(x)).sum()), rtol=1e-12)
    check_rules(lambda x: F(cr).fold(F(cr).unfold(x, **options) ** 2, (4, 5), **options), [x])


def test_fold_refuses_columns_that_do_not_fit():
    with pytest.raises(ShapeError, match=r"fold: input of shape \(1, 12, 8\) does not fit"):
        F(cr).fold(cr.zeros(1, 12, 8), (4, 4), 2)
