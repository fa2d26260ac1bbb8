"""Optimizers: validation, state, and every one of 20 steps against PyTorch (float64, to 1e-12)."""

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn, optim

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.1)),
    ("Adam", dict(lr=1e-2)),
    ("Adam", dict(lr=1e-2, betas=(0.8, 0.99), weight_decay=1e-2, amsgrad=True)),
    ("AdamW", dict(lr=1e-2)),
    ("AdamW", dict(lr=1e-2, weight_decay=0.1, amsgrad=True)),
    ("RMSprop", dict(lr=1e-2)),
    ("RMSprop", dict(lr=1e-2, momentum=0.9, centered=True, weight_decay=1e-3)),
    ("SGD", dict(lr=0.1, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5, weight_decay=0.05)),
    ("SGD", dict()),
    ("Adam", dict(lr=1e-2, eps=1e-3, weight_decay=0.1)),
    ("Adam", dict()),
    ("AdamW", dict(lr=1e-2, betas=(0.5, 0.9), weight_decay=0.5)),
    ("RMSprop", dict(lr=1e-2, centered=True)),
    ("RMSprop", dict(lr=1e-2, alpha=0.9, eps=1e-3, momentum=0.5)),
    ("RMSprop", dict(lr=1e-2, weight_decay=0.1)),
]
#: per-group settings unlike the defaults, the weight's and the bias's different
GROUPS = {
    "SGD": ([dict(momentum=0.9, dampening=0.2), dict(lr=0.01, weight_decay=0.1)], dict(lr=0.05)),
    "Adam": ([dict(amsgrad=True), dict(betas=(0.5, 0.9), weight_decay=0.1)], dict(lr=1e-2)),
    "AdamW": ([dict(weight_decay=0.5), dict(lr=0.05, eps=1e-3)], dict(lr=1e-2)),
    "RMSprop": ([dict(centered=True), dict(momentum=0.5, alpha=0.9)], dict(lr=1e-2)),
}
DATA = np.random.default_rng(0)
X = DATA.normal(size=(16, 4))
Y = DATA.integers(0, 3, 16)
W0, B0 = DATA.normal(size=(3, 4)) * 0.5, DATA.normal(size=3) * 0.1


def _layer():
    layer = nn.Linear(4, 3, dtype=cr.float64)
    layer.load_state_dict({"weight": W0, "bias": B0})
    return layer


def _step(opt, layer):
    opt.zero_grad()
    nn.functional.cross_entropy(layer(cr.tensor(X)), Y).backward()
    opt.step()


def _train_ours(name, kwargs, steps=20):
    layer = _layer()
    opt = getattr(optim, name)(layer.parameters(), **kwargs)
    for _ in range(steps):
        _step(opt, layer)
    return layer, opt


def _assert_steps_match_torch(make_ours, make_theirs, steps=20):
    """Both optimizers train the same float64 layer; the weights agree to 1e-12 after every step."""
    torch = pytest.importorskip("torch")
    tl = torch.nn.Linear(4, 3).double()
    with torch.no_grad():
        tl.weight.copy_(torch.tensor(W0))
        tl.bias.copy_(torch.tensor(B0))
    layer = _layer()
    opt, topt = make_ours(layer.weight, layer.bias), make_theirs(torch, tl.weight, tl.bias)
    for step in range(1, steps + 1):
        _step(opt, layer)
        topt.zero_grad()
        torch.nn.functional.cross_entropy(tl(torch.tensor(X)), torch.tensor(Y)).backward()
        topt.step()
        for ours, theirs in ((layer.weight, tl.weight), (layer.bias, tl.bias)):
            np.testing.assert_allclose(ours._data, theirs.detach().numpy(), atol=1e-12, rtol=0, err_msg=f"step {step}")
    assert np.abs(layer.weight._data - W0).max() > 1e-3  # the steps did move the weights


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_every_step_matches_torch(name, kwargs):
    _assert_steps_match_torch(
        lambda w, b: getattr(optim, name)([w, b], **kwargs),
        lambda torch, w, b: getattr(torch.optim, name)([w, b], **kwargs),
    )


@pytest.mark.parametrize("name", GROUPS)
def test_parameter_groups_match_torch(name):
    (weight_group, bias_group), defaults = GROUPS[name]

    def groups(w, b):
        return [{"params": [w], **weight_group}, {"params": [b], **bias_group}]

    _assert_steps_match_torch(
        lambda w, b: getattr(optim, name)(groups(w, b), **defaults),
        lambda torch, w, b: getattr(torch.optim, name)(groups(w, b), **defaults),
    )


def test_default_hyper_parameters_are_torchs():
    torch = pytest.importorskip("torch")
    p, tp = nn.Parameter(cr.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    for name in ("SGD", "Adam", "AdamW", "RMSprop"):
        ours = getattr(optim, name)([p]).param_groups[0]
        theirs = getattr(torch.optim, name)([tp]).param_groups[0]
        for key in set(ours) - {"params"}:
            assert ours[key] == theirs[key], f"{name} default {key}"


def test_plain_sgd_is_p_minus_lr_grad_in_place():
    p = nn.Parameter(cr.tensor([1.0, -2.0]))
    buffer = p._data
    p.grad = cr.tensor([0.5, 0.5])
    optim.SGD([p], lr=0.1, weight_decay=0.0).step()
    assert p._data is buffer
    np.testing.assert_allclose(p._data, [0.95, -2.05])


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_step_is_an_in_place_write_that_saved_graphs_detect(name):
    p = nn.Parameter(cr.tensor([1.0, -2.0]))
    pending = (p * p).sum()  # saved p for its backward, at p's current version
    p.grad = cr.tensor([0.5, 0.5])
    getattr(optim, name)([p], lr=0.1).step()
    assert cr.is_grad_enabled()
    with pytest.raises(cr.BackwardError, match="modified in place"):
        pending.backward()


def test_step_restores_recording_after_a_failed_update():
    p = nn.Parameter(cr.tensor([1.0, -2.0]))
    p.grad = cr.tensor([0.5, 0.5])
    p._data.flags.writeable = False
    with pytest.raises(ValueError, match="sub_: this tensor is a read-only"):
        optim.SGD([p], lr=0.1).step()
    assert cr.is_grad_enabled()
    np.testing.assert_array_equal(p._data, [1.0, -2.0])


def test_descend_takes_a_tensor_step_once():
    from chainrule.optim.optimizer import descend

    p = nn.Parameter(cr.tensor([1.0, 2.0]))
    with cr.no_grad():  # as in Optimizer.step
        descend(p, cr.tensor([0.5, 0.5]))  # NumPy refuses a Tensor operand; the fallback does the update, once
    np.testing.assert_array_equal(p._data, [0.5, 1.5])
    assert p._version == 1


def test_param_groups_and_zero_grad():
    a, b = nn.Linear(2, 2), nn.Linear(2, 1)
    opt = optim.SGD([{"params": a.parameters()}, {"params": b.parameters(), "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5] and opt.param_groups[1]["momentum"] == 0.9
    b(a(cr.randn(3, 2))).sum().backward()
    opt.step()
    opt.zero_grad()
    assert all(p.grad is None for p in [*a.parameters(), *b.parameters()])
    with pytest.raises(ValueError, match="more than one group"):
        opt.add_param_group({"params": a.weight})


def test_plain_and_momentum_groups_update_alike_and_keep_state_as_torch_does():
    """Plain SGD updates a whole group in one loop; it must agree with the per-parameter update."""
    ps = [nn.Parameter(cr.tensor([1.0, -2.0])) for _ in range(4)]
    opt = optim.SGD([{"params": ps[:2]}, {"params": ps[2:], "momentum": 0.9}], lr=0.1)
    for p in ps[1:]:  # ps[0] has no gradient: left alone, and no state
        p.grad = cr.tensor([0.5, 0.5])
    opt.step()
    np.testing.assert_array_equal(ps[0]._data, [1.0, -2.0])
    for p in ps[1:]:
        np.testing.assert_allclose(p._data, [0.95, -2.05])
    assert {i: list(s) for i, s in opt.state_dict()["state"].items()} == {
        2: ["momentum_buffer"], 3: ["momentum_buffer"]}  # plain SGD keeps no state, as in PyTorch
    assert [p._version for p in ps] == [0, 1, 1, 1]


def test_a_subclass_update_is_called_for_plain_groups_too():
    class ClippedSGD(optim.SGD):
        def update(self, p, grad, state, group):
            super().update(p, np.clip(grad, -1, 1), state, group)

    p = nn.Parameter(cr.tensor([0.0, 0.0]))
    p.grad = cr.tensor([10.0, -10.0])
    ClippedSGD([p], lr=1.0).step()
    np.testing.assert_array_equal(p._data, [-1.0, 1.0])


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda ps: optim.SGD(ps, lr=-1), "invalid lr"),
        (lambda ps: optim.SGD(ps, lr=0.1, nesterov=True), "Nesterov"),
        (lambda ps: optim.Adam(ps, betas=(0.9, 1.0)), "betas"),
        (lambda ps: optim.RMSprop(ps, alpha=-0.1), "invalid alpha"),
        (lambda ps: optim.SGD([], lr=0.1), "empty"),
        (lambda ps: optim.SGD([cr.zeros(2, requires_grad=True) * 2], lr=0.1), "non-leaf"),
    ],
)
def test_bad_hyper_parameters(make, words):
    with pytest.raises(ValueError, match=words):
        make(list(nn.Linear(2, 2).parameters()))


@pytest.mark.parametrize("name, kwargs", [CONFIGS[1], CONFIGS[5], CONFIGS[9]])
def test_state_dict_resumes_exactly(name, kwargs, tmp_path):
    full, _ = _train_ours(name, kwargs, steps=10)
    half, opt = _train_ours(name, kwargs, steps=5)
    cr.save({"model": half.state_dict(), "optim": opt.state_dict()}, tmp_path / "ckpt.npz")
    ckpt = cr.load(tmp_path / "ckpt.npz")
    layer = nn.Linear(4, 3, dtype=cr.float64)
    layer.load_state_dict(ckpt["model"])
    opt2 = getattr(optim, name)(layer.parameters(), **kwargs)
    opt2.load_state_dict(ckpt["optim"])
    for _ in range(5):
        _step(opt2, layer)
    np.testing.assert_allclose(layer.weight._data, full.weight._data, rtol=1e-12)
