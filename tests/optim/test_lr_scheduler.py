"""Learning-rate schedules: closed forms per group, the steps the optimizer takes with them, PyTorch's trajectories."""

import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn, optim

BASES = (0.1, 0.02)  # two groups with their own base rates: each must follow its own
EPOCHS = 12  # past T_max, where the cosine rises again
CASES = [
    ("StepLR", dict(step_size=3, gamma=0.5), lambda base, e: base * 0.5 ** (e // 3)),
    ("ExponentialLR", dict(gamma=0.9), lambda base, e: base * 0.9**e),
    ("CosineAnnealingLR", dict(T_max=5, eta_min=0.01),
     lambda base, e: 0.01 + (base - 0.01) * (1 + math.cos(math.pi * e / 5)) / 2),
]  # fmt: skip
IDS = [name for name, _, _ in CASES]


def _setup(name, kwargs):
    ps = [nn.Parameter(cr.zeros(2, dtype=cr.float64)) for _ in BASES]
    opt = optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(ps, BASES, strict=True)], lr=1.0)
    return ps, opt, getattr(optim.lr_scheduler, name)(opt, **kwargs)


def _epoch(ps, opt, sched):
    """One step at gradient 1 (each parameter moves by minus its group's rate), then the scheduler's step."""
    for p in ps:
        p.grad = cr.ones(2, dtype=cr.float64)
    opt.step()
    sched.step()


@pytest.mark.parametrize("name, kwargs, lr_at", CASES, ids=IDS)
def test_closed_form_rates_are_the_ones_the_steps_use(name, kwargs, lr_at):
    """Epoch e runs at lr_at(base, e) in every group, so after k epochs p = −Σ_{e<k} lr_at(base, e)."""
    ps, opt, sched = _setup(name, kwargs)
    for epoch in range(EPOCHS):
        expected = [lr_at(base, epoch) for base in BASES]
        assert sched.get_last_lr() == pytest.approx(expected, rel=1e-12)
        assert [group["lr"] for group in opt.param_groups] == pytest.approx(expected, rel=1e-12)
        _epoch(ps, opt, sched)
        for p, base in zip(ps, BASES, strict=True):
            np.testing.assert_allclose(p.data, -sum(lr_at(base, e) for e in range(epoch + 1)), rtol=1e-12)


@pytest.mark.parametrize("name, kwargs, lr_at", CASES, ids=IDS)
def test_trajectories_match_torch(name, kwargs, lr_at):
    torch = pytest.importorskip("torch")
    tps = [torch.nn.Parameter(torch.zeros(2, dtype=torch.float64)) for _ in BASES]
    topt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(tps, BASES, strict=True)], lr=1.0)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    ps, opt, sched = _setup(name, kwargs)
    for epoch in range(EPOCHS):
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12), f"epoch {epoch}"
        _epoch(ps, opt, sched)
        for tp in tps:
            tp.grad = torch.ones(2, dtype=torch.float64)
        topt.step()
        tsched.step()
        for p, tp in zip(ps, tps, strict=True):
            np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-12, err_msg=f"epoch {epoch}")


@pytest.mark.parametrize("name, kwargs, lr_at", CASES, ids=IDS)
def test_state_dict_resumes_the_schedule(name, kwargs, lr_at):
    ps, opt, sched = _setup(name, kwargs)
    for _ in range(4):
        _epoch(ps, opt, sched)
    ps2, opt2, sched2 = _setup(name, kwargs)
    opt2.load_state_dict(opt.state_dict())
    sched2.load_state_dict(sched.state_dict())
    for epoch in range(4, EPOCHS):
        assert sched2.get_last_lr() == pytest.approx([lr_at(base, epoch) for base in BASES], rel=1e-12)
        assert [group["lr"] for group in opt2.param_groups] == pytest.approx(sched2.get_last_lr(), rel=0)
        _epoch(ps2, opt2, sched2)


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda opt: optim.lr_scheduler.StepLR(opt, step_size=0), ValueError, "step_size must be a positive int"),
        (lambda opt: optim.lr_scheduler.CosineAnnealingLR(opt, T_max=0), ValueError, "T_max must be positive"),
        (lambda opt: optim.lr_scheduler.ExponentialLR(object(), gamma=0.5), TypeError, "expected an Optimizer"),
    ],
)
def test_bad_arguments(make, error, words):
    with pytest.raises(error, match=words):
        make(optim.SGD([nn.Parameter(cr.zeros(1))], lr=0.1))
