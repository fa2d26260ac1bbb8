"""Type promotion as PyTorch's: categories, 0-d tensors, Python numbers, integer division and float functions."""

import numpy as np
import pytest

import chainrule as cr
from helpers.oracle import requires_torch, torch

DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"]
SHAPES = [((2,), (2,)), ((2,), ()), ((), (2,)), ((), ())]
OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b,
       "max": lambda a, b: a.maximum(b), "%": lambda a, b: a % b}  # fmt: skip


def _run(m, f, *operands):
    try:
        return f(*operands)
    except RuntimeError:  # e.g. torch refuses '-' on booleans
        return None


@requires_torch
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_binary_dtypes_match_torch(op, shapes):
    for da in DTYPES:
        for db in DTYPES:
            a, b = np.ones(shapes[0], da), np.full(shapes[1], 2, db)
            theirs = _run(torch, OPS[op], torch.tensor(a), torch.tensor(b))
            if theirs is None:
                continue
            ours = OPS[op](cr.tensor(a), cr.tensor(b))
            assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), (da, db)
            np.testing.assert_allclose(ours.numpy().astype(float), theirs.numpy().astype(float), rtol=1e-3)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("number", [2, 2.5, True])
def test_python_numbers_match_torch(dtype, number):
    for f in (lambda a: a + number, lambda a: number * a, lambda a: a / number):
        ours, theirs = f(cr.ones(3, dtype=getattr(cr, dtype if dtype != "bool" else "bool"))), _run(
            torch, f, torch.ones(3, dtype=getattr(torch, dtype)))  # fmt: skip
        if theirs is not None:
            assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")


@requires_torch
@pytest.mark.parametrize("fn", ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "log1p", "expm1"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "float64"])
def test_float_functions_of_integers_give_the_default_float(fn, dtype):
    ours = getattr(cr.ones(3, dtype=getattr(cr, dtype)), fn)()
    theirs = getattr(torch.ones(3, dtype=getattr(torch, dtype)), fn)()
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")


def test_gradients_keep_each_inputs_dtype():
    x = cr.ones(3, requires_grad=True)  # float32
    s = cr.tensor(2.0, dtype=cr.float64, requires_grad=True)
    out = x * s + x / s
    assert out.dtype == cr.float32
    out.sum().backward()
    assert x.grad.dtype == cr.float32 and s.grad.dtype == cr.float64
    np.testing.assert_allclose(s.grad.item(), 3 * (1 - 1 / 4))


def test_integer_images_scaled_into_a_linear_layer():
    x = cr.randint(0, 256, (4, 6)) / 255.0
    assert x.dtype == cr.float32 and cr.nn.Linear(6, 2)(x).shape == (4, 2)
