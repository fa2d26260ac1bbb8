"""Reductions over None, an int, a negative int or a tuple of axes, with and without keepdims."""

import numpy as np
import pytest

import chainrule as cr
from helpers.oracle import Case, op_tests, requires_torch, torch

SHAPES = [((),), ((4,),), ((2, 3, 2),)]
AXES = [None, 0, -1, (0, 2)]


def _cases(name, method, torch_method=None, domain="real", twice=True, shapes=SHAPES):
    cases = []
    for axis in AXES:
        for keepdims in (False, True):
            usable = [s for s in shapes if axis is None or len(s[0]) == 3 or (axis in (0, -1) and len(s[0]))]
            kw = dict(axis=axis, keepdims=keepdims)
            tm = torch_method or method
            cases.append(
                Case(
                    f"{name}-axis={axis}-keep={keepdims}",
                    lambda m, a, kw=kw: getattr(a, method)(**kw),
                    usable,
                    domain=domain,
                    twice=twice,
                    torch_f=lambda m, a, kw=kw, tm=tm: getattr(a, tm)(**_torch_kw(kw, a.ndim)),
                )
            )
    return cases


def _torch_kw(kw, ndim):
    """PyTorch spells ``axis=None`` as every dim (0 for a 0-d tensor)."""
    axis = (tuple(range(ndim)) or 0) if kw["axis"] is None else kw["axis"]
    return {"dim": axis, "keepdim": kw["keepdims"]}


CASES = (
    _cases("sum", "sum")
    + _cases("mean", "mean")
    + _cases("max", "max", "amax", domain="kinkfree")
    + _cases("min", "min", "amin", domain="kinkfree")
    + _cases("logsumexp", "logsumexp")
    + _cases("var", "var", shapes=SHAPES[1:])
)


test_reduction, test_reduction_matches_torch = op_tests(CASES)


def test_function_forms_of_reductions():
    x = cr.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert cr.sum(x).item() == 10.0
    assert cr.mean(x, axis=0).tolist() == [2.0, 3.0]
    assert cr.sum([1.0, 2.0]).item() == 3.0
    np.testing.assert_allclose(cr.logsumexp(x, axis=1).numpy(), np.log(np.exp(x.numpy()).sum(1)), rtol=1e-6)


TIES = np.array([[3.0, 1.0, 3.0], [2.0, 2.0, 2.0]])


def _tied_grad(op):
    x = cr.tensor(TIES * (1 if op == "max" else -1), dtype=cr.float64, requires_grad=True)
    getattr(x, op)(axis=1).sum().backward()
    return x.grad.numpy()


@pytest.mark.parametrize("op", ["max", "min"])
def test_ties_split_the_gradient_evenly_like_torch_amax(op):
    np.testing.assert_allclose(_tied_grad(op), [[0.5, 0.0, 0.5], [1 / 3, 1 / 3, 1 / 3]])


@requires_torch
@pytest.mark.parametrize("op, torch_op", [("max", "amax"), ("min", "amin")])
def test_ties_split_the_gradient_as_torch_amax_does(op, torch_op):
    t = torch.tensor(TIES * (1 if op == "max" else -1), requires_grad=True)
    getattr(t, torch_op)(dim=1).sum().backward()
    np.testing.assert_allclose(_tied_grad(op), t.grad.numpy())


def test_var_uses_bessel_correction_by_default_and_accepts_correction():
    data = np.array([1.0, 2.0, 4.0])
    assert cr.tensor(data).var().item() == pytest.approx(np.var(data, ddof=1))
    assert cr.tensor(data).var(correction=0).item() == pytest.approx(np.var(data))


def test_mean_of_int_tensor_is_float():
    assert cr.tensor([1, 2]).mean().dtype == np.float32


def test_max_of_empty_tensor_is_a_clear_error():
    with pytest.raises(cr.ShapeError, match="max"):
        cr.zeros(0).max()


@pytest.mark.parametrize("axis", [2, -3, (0, 0), 1.5])
def test_bad_axis_is_a_clear_error(axis):
    with pytest.raises((IndexError, ValueError, TypeError), match="sum: .*axis"):
        cr.zeros(2, 3).sum(axis=axis)
