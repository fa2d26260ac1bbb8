"""Size-0 and 0-d inputs, and a variance with n ≤ correction, behave as in PyTorch.

Where PyTorch gives a result, chainrule gives the same (values, gradients, second derivatives);
where PyTorch raises (the max of no elements), chainrule raises a ShapeError that says why.
"""

import re
import warnings

import numpy as np
import pytest

import chainrule as cr
from helpers.oracle import Case, check_case, compare_with_torch, requires_torch, torch

pytestmark = [  # PyTorch warns of a variance's degrees of freedom <= 0; NumPy of inf − inf in its gradient
    pytest.mark.filterwarnings("ignore:.*degrees of freedom is <= 0:UserWarning"),
    pytest.mark.filterwarnings("ignore::RuntimeWarning"),
]

EMPTY = [(0,), (2, 0), (0, 3)]


def _torch_dims(axis, ndim):
    """PyTorch spells "every axis" as the tuple of them (logsumexp needs it)."""
    return tuple(range(ndim)) if axis is None else axis


def _reduction(method, axis, torch_method=None):
    return Case(
        f"{method}-axis={axis}",
        lambda m, a: getattr(a, method)(axis=axis),
        [],
        torch_f=lambda m, a: getattr(a, torch_method or method)(dim=_torch_dims(axis, a.ndim)),
    )


def _axes(shape):
    return [None, *range(len(shape)), tuple(range(len(shape)))]


EMPTY_CASES = (
    [
        pytest.param(Case(op, lambda m, a, op=op, axis=axis: getattr(a, op)(axis), []), s, id=f"{op}{s}-{axis}")
        for op in ("softmax", "log_softmax")
        for s in EMPTY
        for axis in range(-len(s), len(s))
    ]
    + [
        pytest.param(_reduction(op, axis), s, id=f"{op}{s}-{axis}")
        for op in ("sum", "mean", "var", "logsumexp")
        for s in EMPTY
        for axis in _axes(s)
    ]
    + [  # max and min over axes that have elements, of a tensor that has none: an empty result
        pytest.param(_reduction(op, 0, f"a{op}"), (2, 0), id=f"{op}(2, 0)-0") for op in ("max", "min")
    ]
    + [pytest.param(_reduction(op, 1, f"a{op}"), (0, 3), id=f"{op}(0, 3)-1") for op in ("max", "min")]
)


@requires_torch
@pytest.mark.parametrize("case, shape", EMPTY_CASES)
def test_empty_inputs_match_torch(case, shape):
    compare_with_torch(case, [np.zeros(shape)])


@pytest.mark.parametrize("case, shape", EMPTY_CASES)
def test_empty_inputs_give_results_quietly(case, shape):
    """No NumPy warning, and the gradient of the input's (empty) shape; see the expectations below."""
    x = cr.zeros(*shape, dtype=cr.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = case.f(cr, x)
        (g,) = cr.autograd.grad(out, [x], grad_outputs=cr.ones_like(out), allow_unused=True)
    assert g is None or g.shape == shape


def test_what_empty_inputs_give():
    x = cr.zeros(2, 0, dtype=cr.float64)
    assert x.softmax(1).shape == (2, 0) and x.log_softmax(0).shape == (2, 0)
    np.testing.assert_array_equal(x.logsumexp(axis=1).numpy(), [-np.inf, -np.inf])  # log of an empty sum
    assert x.logsumexp().item() == -np.inf and x.logsumexp(axis=0).shape == (0,)
    assert cr.zeros(0).logsumexp().item() == -np.inf
    np.testing.assert_array_equal(x.sum(axis=1).numpy(), [0.0, 0.0])
    assert np.isnan(x.mean(axis=1).numpy()).all() and np.isnan(x.mean().item())
    assert np.isnan(x.var(axis=1).numpy()).all() and x.var(axis=0).shape == (0,)
    assert x.max(axis=0).shape == (0,) and x.min(axis=0).shape == (0,)


@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize(
    "shape, axis, where",
    [((0,), None, ""), ((0,), 0, "axis 0 of "), ((2, 0), 1, "axis 1 of "), ((2, 0), None, ""),
     ((0, 3), (0, 1), "axis (0, 1) of "), ((0, 3), -2, "axis 0 of ")],
)  # fmt: skip
def test_max_and_min_of_no_elements_are_shape_errors(op, shape, axis, where):
    x = cr.zeros(*shape, requires_grad=True)
    with pytest.raises(cr.ShapeError, match=re.escape(f"{op}: {where}a tensor of shape {shape} has no elements")):
        getattr(x, op)(axis=axis)


@requires_torch
@pytest.mark.parametrize("op", ["amax", "amin"])
@pytest.mark.parametrize("shape, axis", [((0,), None), ((0,), 0), ((2, 0), 1), ((2, 0), None), ((0, 3), (0, 1))])
def test_torch_raises_for_the_max_and_min_of_no_elements_too(op, shape, axis):
    with pytest.raises((IndexError, RuntimeError), match="non-zero size|numel\\(\\) == 0"):
        getattr(torch.zeros(shape), op)(dim=_torch_dims(axis, len(shape)))


def _zero_d(op: str, axis: int, torch_op: str | None = None) -> Case:
    """``op`` over axis 0 or -1 of a 0-d tensor (PyTorch: ``amax``/``amin`` for max/min)."""
    return Case(
        f"{op}-axis={axis}",
        lambda m, a: getattr(a, op)(axis=axis),
        [],
        twice=op != "var",  # with one element and correction 1, PyTorch's second derivative differs (README)
        torch_f=lambda m, a: getattr(a, torch_op or op)(axis),
    )


ZERO_D = [
    _zero_d(op, axis, {"max": "amax", "min": "amin"}.get(op))
    for axis in (0, -1)
    for op in ("sum", "mean", "var", "logsumexp", "softmax", "log_softmax", "max", "min")
]


@pytest.mark.parametrize("case", [c for c in ZERO_D if not c.name.startswith("var")], ids=str)
def test_zero_d_reductions_over_axis_0_or_minus_1(case):
    """gradcheck and gradgradcheck in float64 (+ a: softmax of one element is 1, a gradient of 0 alone)."""
    check_case(Case(case.name, lambda m, a: case.f(m, a) + a, []), ((),))


@requires_torch
@pytest.mark.parametrize("case", ZERO_D, ids=str)
def test_zero_d_reductions_match_torch(case):
    compare_with_torch(case, [np.array(1.5)])


def _var_and_grad(values, axis=None, correction=1):
    x = cr.tensor(values, dtype=cr.float64, requires_grad=True)
    v = x.var(axis=axis, correction=correction)
    (g,) = cr.autograd.grad(v, [x], grad_outputs=cr.ones_like(v))
    return v.detach().numpy(), g.numpy()


@pytest.mark.parametrize(
    "values, axis, correction",
    [([3.0], None, 1), (3.0, 0, 1), (3.0, None, 1), ([[1.0], [2.0]], 1, 1), ([2.0, 2.0], None, 2), ([[1.0, 1]], 1, 5)],
)
def test_variance_of_too_few_elements_is_nan_with_nan_gradients(values, axis, correction):
    """n ≤ correction and every element equal to the mean: 0 / 0, never a ZeroDivisionError."""
    v, g = _var_and_grad(values, axis, correction)
    assert np.isnan(v).all() and np.isnan(g).all()


def test_variance_with_spread_and_n_equal_to_correction_is_inf_with_signed_gradients():
    """Σ(x − mean)² / 0 = inf; each gradient 2(x − mean)/0 is ±inf, pointing the way the variance grows."""
    for axis in (None, 0):
        v, g = _var_and_grad([1.0, 2.0, 6.0], axis=axis, correction=3)
        assert v == np.inf
        np.testing.assert_array_equal(g, [-np.inf, -np.inf, np.inf])


@requires_torch
@pytest.mark.parametrize(
    "values, axis, correction",
    [([3.0], None, 1), ([[1.0], [2.0]], 1, 1), ([[1.0, 2.0, 6.0]], 1, 3), ([[1.0, 1.0]], 1, 2), ([1.0, 1.0], None, 2)],
)
def test_variance_of_too_few_elements_matches_torch(values, axis, correction):
    """The same values and gradients; over all elements PyTorch's second derivative is 0, chainrule's NaN."""
    case = Case("var", lambda m, a: a.var(axis, correction=correction), [], twice=axis is not None)
    compare_with_torch(case, [np.array(values)])
