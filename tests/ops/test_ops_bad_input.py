"""User mistakes give one clear typed error; NaN and Inf propagate quietly."""

import warnings

import numpy as np
import pytest

import chainrule as cr


@pytest.mark.parametrize(
    "op, name",
    [
        (lambda a, b: a + b, "add"),
        (lambda a, b: a * b, "mul"),
        (lambda a, b: a - b, "sub"),
        (lambda a, b: a / b, "div"),
        (lambda a, b: cr.maximum(a, b), "maximum"),
        (lambda a, b: a**b, "pow"),
    ],
)
def test_broadcast_mismatch_names_the_op_and_both_shapes(op, name):
    with pytest.raises(cr.ShapeError, match=rf"{name}: operands of shapes \(2, 3\), \(4,\)"):
        op(cr.ones(2, 3, requires_grad=True), cr.ones(4))


@pytest.mark.parametrize("bad", ["a", None, object(), {"x": 1}], ids=["str", "None", "object", "dict"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_unsupported_operand_types_name_the_type(bad, side):
    x = cr.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match=type(bad).__name__):
        _ = x * bad if side == "right" else bad * x


def test_unsupported_type_in_function_forms():
    with pytest.raises(TypeError, match="exp: unsupported operand type str"):
        cr.exp("1.0")


def test_where_needs_a_boolean_condition():
    with pytest.raises(TypeError, match="where: the condition must be boolean, got dtype float32"):
        cr.where(cr.ones(2), cr.ones(2), cr.zeros(2))


def test_clip_needs_a_bound():
    with pytest.raises(ValueError, match="clip needs at least one of min and max"):
        cr.ones(2).clip()


@pytest.mark.parametrize(
    "expression",
    [
        lambda x: x.log(),  # log 0 and log of a negative
        lambda x: 1 / x,  # division by zero
        lambda x: x.sqrt(),
        lambda x: (x * 1000).exp(),  # overflow
        lambda x: x**-1,
        lambda x: (x * 1e5).sigmoid(),  # float32 exp overflow inside
        lambda x: (x * 1e5).softmax(-1),
        lambda x: x.log().log_softmax(-1),  # -inf and nan logits
        lambda x: x.log().logsumexp(),
        lambda x: x + float("nan"),
    ],
    ids=["log", "div", "sqrt", "exp", "pow", "sigmoid", "softmax", "log_softmax", "logsumexp", "nan"],
)
def test_nan_and_inf_propagate_without_runtime_warnings(expression):
    x = cr.tensor([0.0, -1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any RuntimeWarning would raise here
        y = expression(x)
        y.sum().backward()
    assert y.shape == (3,) or y.shape == ()
    assert x.grad.shape == (3,)


def test_nan_inputs_give_nan_results_like_numpy():
    x = cr.tensor([float("nan"), 1.0], requires_grad=True)
    y = (x * 2).exp().sum()
    y.backward()
    assert np.isnan(y.item()) and np.isnan(x.grad._data[0]) and x.grad._data[1] == pytest.approx(2 * np.exp(2.0))


def test_differentiating_an_int_tensor_is_a_clear_error():
    with pytest.raises(cr.DTypeError, match="only floating-point tensors can require gradients"):
        cr.arange(3).requires_grad_()
    with pytest.raises(cr.BackwardError, match="grad: input 0 must be a Tensor that requires grad"):
        cr.autograd.grad(cr.arange(3).sum(), cr.arange(3))
