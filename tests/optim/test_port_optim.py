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


def _train(lib, make, steps=5, freeze=True):
    """Train (the first layer's weight frozen if ``freeze``); the parameters afterwards as arrays."""
    model = _mlp(lib)
    model[0].weight.requires_grad_(not freeze)
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


def _heavy_ball(lib, through_data):
    """A momentum optimizer as a PyTorch user writes one, in ``lib`` (chainrule or torch)."""

    class HeavyBall(lib.optim.Optimizer):
        def __init__(self, params, lr=0.1, momentum=0.9):
            super().__init__(params, dict(lr=lr, momentum=momentum))

        @lib.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if len(state) == 0:
                        state["buf"] = lib.zeros_like(p)
                        state["count"] = 0
                    state["buf"].mul_(group["momentum"]).add_(p.grad)
                    state["count"] += 1
                    if through_data:
                        p.data.add_(state["buf"] * -group["lr"])
                    else:
                        p.add_(state["buf"], alpha=-group["lr"])

    return HeavyBall


@requires_torch
@pytest.mark.parametrize("through_data", [False, True])
def test_a_custom_optimizer_written_the_pytorch_way_follows_torch(through_data):
    ours = _train(cr, lambda ps: _heavy_ball(cr, through_data)(ps, lr=0.1))
    theirs = _train(torch, lambda ps: _heavy_ball(torch, through_data)(ps, lr=0.1))
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_a_custom_optimizers_tensor_state_stays_tensors_through_a_checkpoint(tmp_path):
    p = cr.zeros(3, requires_grad=True)
    opt = _heavy_ball(cr, False)([p])
    p.grad = cr.ones(3)
    opt.step()
    cr.save(opt.state_dict(), tmp_path / "opt.npz")
    fresh = _heavy_ball(cr, False)([p])
    fresh.load_state_dict(cr.load(tmp_path / "opt.npz"))
    assert isinstance(fresh.state[p]["buf"], cr.Tensor) and fresh.state[p]["count"] == 1
    np.testing.assert_array_equal(fresh.state[p]["buf"].numpy(), opt.state[p]["buf"].numpy())
    fresh.step()
    assert fresh.state[p]["count"] == 2


@pytest.mark.parametrize("name, key", [("Adam", "exp_avg"), ("SGD", "momentum_buffer"), ("RMSprop", "square_avg")])
def test_built_in_state_is_tensors_the_step_updates_in_place(name, key):
    p = cr.zeros(2, requires_grad=True)
    opt = getattr(optim, name)([p], lr=0.1, **({"momentum": 0.9} if name == "SGD" else {}))
    p.grad = cr.ones(2)
    opt.step()
    buf = opt.state[p][key]
    assert isinstance(buf, cr.Tensor) and not buf.requires_grad
    before = buf.numpy().copy()
    opt.step()
    assert opt.state[p][key] is buf and not np.array_equal(buf.numpy(), before)


def test_a_checkpoint_with_ndarray_state_still_loads():
    """What state_dict() held before its buffers were Tensors: ndarrays (and numbers) in the file."""
    p = cr.zeros(2, requires_grad=True)
    opt = optim.Adam([p])
    opt.load_state_dict({"state": {0: {"step": 3, "exp_avg": np.ones(2), "exp_avg_sq": np.ones(2)}},
                         "param_groups": [{**opt.defaults, "params": [0]}]})  # fmt: skip
    assert isinstance(opt.state[p]["exp_avg"], cr.Tensor) and opt.state[p]["exp_avg"].dtype == cr.float32
    p.grad = cr.ones(2)
    opt.step()
    assert opt.state[p]["step"] == 4


TRAJECTORIES = [
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.5, eps=1e-6)),
    ("Adagrad", dict(lr=0.1, maximize=True, foreach=False, fused=None)),
    ("SGD", dict(lr=0.1, maximize=True)),
    ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.1, maximize=True, foreach=True)),
    ("Adam", dict(lr=1e-2, weight_decay=0.1, maximize=True, fused=False)),
    ("AdamW", dict(lr=1e-2, amsgrad=True, maximize=True)),
    ("RMSprop", dict(lr=1e-2, momentum=0.5, centered=True, maximize=True, foreach=None)),
]


@requires_torch
@pytest.mark.parametrize("name, kwargs", TRAJECTORIES, ids=lambda c: str(c))
def test_trajectories_as_torch(name, kwargs):
    ours = _train(cr, lambda ps: getattr(optim, name)(ps, **kwargs), freeze=False)
    theirs = _train(torch, lambda ps: getattr(torch.optim, name)(ps, **kwargs), freeze=False)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda ps: optim.Adagrad(ps, lr_decay=-1), "invalid lr_decay"),
        (lambda ps: optim.SGD(ps, foreach=True, fused=True), "cannot be `True` together"),
        (lambda ps: optim.Adam(ps, fused="yes"), "invalid fused"),
        (lambda ps: optim.RMSprop(ps, maximize=1), "invalid maximize"),
    ],
)
def test_bad_settings(make, words):
    with pytest.raises(ValueError, match=words):
        make([cr.zeros(2, requires_grad=True)])


@requires_torch
@pytest.mark.parametrize("name, kwargs", [("Adagrad", {}), ("SGD", dict(lr=0.1, momentum=0.9)), ("AdamW", {})])
def test_repr_as_torch(name, kwargs):
    """The same text, less the settings chainrule does not have (differentiable, capturable, ...)."""
    ours = getattr(optim, name)([cr.zeros(1)], **kwargs)
    ours.add_param_group({"params": [cr.zeros(1)], "lr": 0.5})
    theirs = getattr(torch.optim, name)([torch.zeros(1)], **kwargs)
    theirs.add_param_group({"params": [torch.zeros(1)], "lr": 0.5})
    extra = {"differentiable", "capturable", "decoupled_weight_decay"}
    torch_text = "\n".join(line for line in repr(theirs).splitlines() if line.split(":")[0].strip() not in extra)
    assert repr(ours) == torch_text
