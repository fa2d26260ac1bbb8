"""Layers and functions as a PyTorch user writes them: ``inplace=``, the functional losses and helpers."""

from __future__ import annotations

import numpy as np
import pytest
from tests.helpers.oracle import requires_torch, torch

import chainrule as cr
from chainrule import nn
from chainrule.nn import functional as F

X = np.array([[-1.5, 0.5, 2.0], [0.25, -0.75, 1.0]])


def _in_place_pair(ours, theirs):
    """Gradients of a leaf through ``2·a`` written over in place, in chainrule and torch."""
    a, ta = cr.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    h, th = a * 2, ta * 2
    out, tout = ours(h), theirs(th)
    assert out is h  # the input itself, updated
    np.testing.assert_allclose(h.detach().numpy(), th.detach().numpy(), rtol=1e-12)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-12)


@requires_torch
@pytest.mark.parametrize("ours, theirs", [
    (lambda h: F.relu(h, inplace=True), lambda h: torch.nn.functional.relu(h, inplace=True)),
    (F.relu_, torch.nn.functional.relu_),
    (lambda h: F.leaky_relu(h, 0.2, inplace=True), lambda h: torch.nn.functional.leaky_relu(h, 0.2, inplace=True)),
    (lambda h: F.leaky_relu_(h, 0.2), lambda h: torch.nn.functional.leaky_relu_(h, 0.2)),
    (nn.ReLU(inplace=True), torch.nn.ReLU(inplace=True)),
    (nn.LeakyReLU(0.1, inplace=True), torch.nn.LeakyReLU(0.1, inplace=True)),
    (nn.Dropout(0.0, inplace=True).eval(), torch.nn.Dropout(0.0, inplace=True).eval()),
])  # fmt: skip
def test_in_place_activations_match_torch(ours, theirs):
    _in_place_pair(ours, theirs)


@pytest.mark.parametrize("make, shape", [(nn.Dropout, (4, 5)), (nn.Dropout2d, (2, 3, 2, 2))])
def test_in_place_dropout_is_the_same_draw_written_back(make, shape):
    x = cr.randn(*shape, requires_grad=True)
    plain = make(0.5, generator=cr.Generator(3))(x * 1.0)
    h = x * 1.0
    out = make(0.5, inplace=True, generator=cr.Generator(3))(h)
    assert out is h
    np.testing.assert_array_equal(out.detach().numpy(), plain.detach().numpy())
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), (plain.detach().numpy() != 0) * 2.0)
    assert "inplace=True" in repr(make(0.5, inplace=True)) and "inplace" not in repr(nn.ReLU())


def test_in_place_on_a_leaf_that_requires_grad_is_refused():
    with pytest.raises(cr.BackwardError):
        F.relu(cr.tensor(X, requires_grad=True), inplace=True)


def test_an_integer_input_to_linear_is_told_to_convert_the_input_not_the_model():
    with pytest.raises(cr.DTypeError, match=r"input has dtype int64 .*\.float\(\) or \.to\(cr\.float32\)") as error:
        nn.Linear(3, 2)(cr.ones(2, 3, dtype=cr.int64))
    assert "model.to" not in str(error.value)
    with pytest.raises(cr.DTypeError, match=r"model\.to\(cr\.float64\)"):
        nn.Linear(3, 2)(cr.ones(2, 3, dtype=cr.float64))
