"""PyTorch code ported as it is: frozen parameters, custom Optimizer subclasses, maximize, Adagrad, repr."""

import numpy as np
import pytest

import chainrule as cr
from chainrule import optim
from helpers.oracle import requires_torch, torch

RNG = np.random.default_rng(7)
X = RNG.normal(size=(8, 3))
Y = RNG.integers(0, 2, 8)
WEIGHTS = [RNG.normal(size=(4, 3)) * 0.5, RNG.normal(size=4) * 0.1, RNG.normal(size=(2, 4)) * 0.5,
           RNG.normal(size=2) * 0.1]  # fmt: skip

OPTIMIZERS = [
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("Adam", dict(lr=1e-2, weight_decay=0.1)),
    ("AdamW", dict(lr=1e-2)),
    ("RMSprop", dict(lr=1e-2, centered=True)),
]


def _mlp(lib):
    """The same 3-4-2 MLP in chainrule or torch, float64, from WEIGHTS."""
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2)).double()
    with lib.no_grad():
        for p, w in zip(model.parameters(), WEIGHTS, strict=True):
            p.copy_(lib.tensor(w))
    return model


def _train(lib, make, steps=5):
    """Freeze the first layer's weight, train; the parameters afterwards as arrays."""
    model = _mlp(lib)
    model[0].weight.requires_grad_(False)
    opt = make(model.parameters())
    x, y = lib.tensor(X), lib.tensor(Y)
    for _ in range(steps):
        opt.zero_grad()
        lib.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return [np.array(p.detach().numpy()) for p in model.parameters()]


@requires_torch
@pytest.mark.parametrize("name, kwargs", OPTIMIZERS, ids=lambda c: str(c))
def test_fine_tuning_with_a_frozen_layer_as_torch(name, kwargs):
    ours = _train(cr, lambda ps: getattr(optim, name)(ps, **kwargs))
    theirs = _train(torch, lambda ps: getattr(torch.optim, name)(ps, **kwargs))
    np.testing.assert_array_equal(ours[0], WEIGHTS[0])  # the frozen weight is untouched
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_a_frozen_parameter_in_an_added_group_is_skipped_until_it_has_a_grad():
    frozen = cr.ones(2)
    opt = optim.SGD([cr.zeros(1, requires_grad=True)], lr=0.5)
    opt.add_param_group({"params": [frozen]})
    opt.step()
    np.testing.assert_array_equal(frozen.numpy(), [1.0, 1.0])
    frozen.grad = cr.ones(2)  # PyTorch steps any parameter with a gradient, frozen or not
    opt.step()
    np.testing.assert_array_equal(frozen.numpy(), [0.5, 0.5])


def test_a_non_leaf_is_refused_as_in_torch():
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.Adam([cr.ones(2, requires_grad=True) * 2])
