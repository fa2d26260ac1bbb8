"""Learning-rate schedules: closed forms per group, the steps the optimizer takes with them, PyTorch's trajectories."""

import math
import os

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
    ("MultiStepLR", dict(milestones=[2, 5, 5], gamma=0.5),
     lambda base, e: base * 0.5 ** sum(m <= e for m in (2, 5, 5))),
    ("LambdaLR", dict(lr_lambda=lambda e: 1 / (1 + e)), lambda base, e: base / (1 + e)),
    ("LinearLR", dict(start_factor=0.25, end_factor=0.75, total_iters=4),
     lambda base, e: base * (0.25 + 0.5 * min(e, 4) / 4)),
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


S = optim.lr_scheduler
BAD = [
    (lambda opt: S.StepLR(opt, step_size=0), ValueError, "step_size must be a positive int"),
    (lambda opt: S.CosineAnnealingLR(opt, T_max=0), ValueError, "T_max must be positive"),
    (lambda opt: S.ExponentialLR(object(), gamma=0.5), TypeError, "expected an Optimizer, got object"),
    (lambda opt: S.MultiStepLR(opt, milestones=[2.5]), ValueError, "milestones must be epoch numbers"),
    (lambda opt: S.LambdaLR(opt, lr_lambda=[abs, abs]), ValueError, "expected 1 lr_lambdas .*, got 2"),
    (lambda opt: S.LambdaLR(opt, lr_lambda=0.5), TypeError, "lr_lambda must be a function"),
    (lambda opt: S.LinearLR(opt, start_factor=0), ValueError, r"start_factor must be in \(0, 1\], got 0"),
    (lambda opt: S.LinearLR(opt, end_factor=1.5), ValueError, r"end_factor must be in \[0, 1\]"),
    (lambda opt: S.LinearLR(opt, total_iters=0), ValueError, "total_iters must be a positive int"),
    (lambda opt: S.OneCycleLR(opt, max_lr=1.0), ValueError, "give total_steps, or epochs and steps_per_epoch"),
    (lambda opt: S.OneCycleLR(opt, max_lr=1.0, total_steps=0), ValueError, "total_steps must be a positive int"),
    (lambda opt: S.OneCycleLR(opt, 1.0, epochs=2, steps_per_epoch=-1), ValueError, "steps_per_epoch must be"),
    (lambda opt: S.OneCycleLR(opt, 1.0, 10, pct_start=1), ValueError, r"pct_start must be a float in \[0, 1\]"),
    (lambda opt: S.OneCycleLR(opt, 1.0, 10, anneal_strategy="exp"), ValueError, "'cos' or 'linear'"),
    (lambda opt: S.OneCycleLR(opt, [1.0, 2.0], 10), ValueError, "expected 1 values for max_lr"),
    (lambda opt: S.ReduceLROnPlateau(opt, factor=1.0), ValueError, "factor must be < 1.0"),
    (lambda opt: S.ReduceLROnPlateau(opt, mode="low"), ValueError, "mode must be 'min' or 'max'"),
    (lambda opt: S.ReduceLROnPlateau(opt, threshold_mode="pct"), ValueError, "threshold_mode must be 'rel' or 'abs'"),
    (lambda opt: S.ReduceLROnPlateau(opt, min_lr=[0, 0]), ValueError, "expected 1 values for min_lr"),
    (lambda opt: S.SequentialLR(opt, [], []), ValueError, "at least one scheduler"),
    (lambda opt: S.SequentialLR(opt, [S.StepLR(opt, 2), S.StepLR(opt, 3)], []), ValueError, "expected 1 milestone"),
    (lambda opt: S.SequentialLR(opt, [S.ReduceLROnPlateau(opt)], []), ValueError, "cannot be sequenced"),
    (lambda opt: S.SequentialLR(opt, [S.StepLR(optim.SGD([nn.Parameter(cr.zeros(1))]), 2)], []), ValueError,
     "schedules another optimizer"),
    (lambda opt: S.StepLR(opt, 2, last_epoch=3), KeyError, r"param_groups\[0\] has no 'initial_lr'"),
]  # fmt: skip


@pytest.mark.parametrize("make, error, words", BAD)
def test_bad_arguments(make, error, words):
    opt = optim.SGD([nn.Parameter(cr.zeros(1))], lr=0.1)
    with pytest.raises(error, match=words):
        make(opt)


# ---------------------------------------------------------------- long runs against PyTorch, several groups
GROUP_LRS = (0.1, 0.05, 0.3)


def _groups(lib, make_optimizer):
    params = [lib.nn.Parameter(lib.zeros(2, dtype=lib.float64)) for _ in GROUP_LRS]
    return params, make_optimizer(lib)([{"params": [p], "lr": lr} for p, lr in zip(params, GROUP_LRS, strict=True)])


def _sgd(lib):
    return lambda groups: lib.optim.SGD(groups, lr=1.0, momentum=0.9)


def _adam(lib):
    return lambda groups: lib.optim.Adam(groups, lr=1.0)


def _metric(step):
    """A validation loss that improves, stalls and wobbles: plateaus for ReduceLROnPlateau to find."""
    return 1.0 / (1 + step // 7) + 0.01 * math.sin(step)


RUNS = {
    "StepLR": (_sgd, lambda m, opt: m.StepLR(opt, step_size=7, gamma=0.7)),
    "MultiStepLR": (_sgd, lambda m, opt: m.MultiStepLR(opt, milestones=[30, 80, 80, 150], gamma=0.3)),
    "ExponentialLR": (_sgd, lambda m, opt: m.ExponentialLR(opt, gamma=0.99)),
    "CosineAnnealingLR": (_sgd, lambda m, opt: m.CosineAnnealingLR(opt, T_max=7)),
    "LambdaLR": (_sgd, lambda m, opt: m.LambdaLR(opt, [lambda e: 0.97**e, lambda e: 1 / (1 + e), math.sqrt])),
    "LinearLR": (_sgd, lambda m, opt: m.LinearLR(opt, start_factor=0.1, end_factor=0.9, total_iters=60)),
    "OneCycleLR-sgd": (_sgd, lambda m, opt: m.OneCycleLR(opt, max_lr=[0.5, 1.0, 2.0], total_steps=201)),
    "OneCycleLR-adam-linear": (_adam, lambda m, opt: m.OneCycleLR(
        opt, max_lr=1.0, epochs=4, steps_per_epoch=50, pct_start=0.25, anneal_strategy="linear")),
    "OneCycleLR-three-phase": (_adam, lambda m, opt: m.OneCycleLR(
        opt, max_lr=0.3, total_steps=200, three_phase=True, base_momentum=[0.8, 0.85, 0.7], div_factor=10.0)),
    "ReduceLROnPlateau": (_sgd, lambda m, opt: m.ReduceLROnPlateau(opt, factor=0.5, patience=3, cooldown=2,
                                                                     min_lr=[0.0, 0.01, 0.001])),
    "ReduceLROnPlateau-max-abs": (_sgd, lambda m, opt: m.ReduceLROnPlateau(
        opt, mode="max", factor=0.7, patience=2, threshold=0.05, threshold_mode="abs", eps=1e-3)),
    "SequentialLR": (_sgd, lambda m, opt: m.SequentialLR(opt, [
        m.LinearLR(opt, start_factor=0.1, total_iters=5), m.CosineAnnealingLR(opt, T_max=30, eta_min=0.001),
        m.ExponentialLR(opt, gamma=0.95)], milestones=[5, 40])),
}  # fmt: skip
STEPS = 200


def _run(lib, name, steps=STEPS, stop_at=None, save_to=None):
    """Rates (and momenta) after each step of a scheduled run with gradient 1; with ``stop_at`` the run is
    interrupted there, saved to ``save_to`` (cr.save), rebuilt, restored and continued."""
    make_optimizer, make_scheduler = RUNS[name]
    params, opt = _groups(lib, make_optimizer)
    sched = make_scheduler(lib.optim.lr_scheduler, opt)
    trace = []
    for step in range(steps):
        if step == stop_at:
            state = {"optimizer": opt.state_dict(), "scheduler": sched.state_dict()}
            cr.save({"params": [p.detach() for p in params], **state}, save_to)
            saved = cr.load(save_to)
            params, opt = _groups(lib, make_optimizer)
            with cr.no_grad():
                for p, value in zip(params, saved["params"], strict=True):
                    p.copy_(value)
            sched = make_scheduler(lib.optim.lr_scheduler, opt)  # before the optimizer's state, as PyTorch says
            opt.load_state_dict(saved["optimizer"])
            sched.load_state_dict(saved["scheduler"])
        for p in params:
            p.grad = lib.ones(2, dtype=lib.float64)
        opt.step()
        sched.step(_metric(step)) if "Plateau" in name else sched.step()
        momenta = [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]
        trace.append(sched.get_last_lr() + [g["lr"] for g in opt.param_groups] + momenta)
    return np.array(trace), np.array([p.detach().numpy() for p in params])


@pytest.mark.parametrize("name", list(RUNS))
def test_long_runs_match_torch(name):
    torch = pytest.importorskip("torch")
    ours, our_params = _run(cr, name)
    theirs, their_params = _run(torch, name)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
    np.testing.assert_allclose(our_params, their_params, rtol=1e-10)
    assert len(np.unique(ours[:, 0])) > 3  # the schedule moved


@pytest.mark.parametrize("name", list(RUNS))
def test_state_dict_through_a_checkpoint_resumes_exactly(name, tmp_path):
    whole, whole_params = _run(cr, name)
    resumed, resumed_params = _run(cr, name, stop_at=77, save_to=os.fspath(tmp_path / "ckpt.npz"))
    np.testing.assert_array_equal(resumed, whole)
    np.testing.assert_array_equal(resumed_params, whole_params)


# ---------------------------------------------------------------- the new schedules by hand
def _one_group(lr=1.0, opt=optim.SGD, **kwargs):
    return opt([nn.Parameter(cr.zeros(1, dtype=cr.float64))], lr=lr, **kwargs)


def test_one_cycle_by_hand():
    """10 steps, max_lr 1: from 1/25 up to 1 at step 2 (= 0.3·10 − 1), down to 1/25/10⁴ at step 9; β₁ the other way."""
    opt = _one_group(opt=optim.Adam)
    sched = S.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    lrs, betas = [], []
    for _ in range(10):
        lrs.append(opt.param_groups[0]["lr"])
        betas.append(opt.param_groups[0]["betas"])
        sched.step()
    assert lrs[:3] == pytest.approx([0.04, 0.52, 1.0], rel=1e-15) and lrs[9] == pytest.approx(4e-6, rel=1e-12)
    assert lrs[2] > lrs[3] > lrs[5] > lrs[8] > lrs[9]
    assert [b[0] for b in betas[:3]] == pytest.approx([0.95, 0.9, 0.85]) and betas[9][0] == pytest.approx(0.95)
    assert all(b[1] == 0.999 for b in betas)
    with pytest.raises(ValueError, match="tried to step 11 times; the schedule has 10 steps"):
        sched.step()
    with pytest.raises(ValueError, match="_PlainStep has neither 'momentum' nor 'betas'"):
        S.OneCycleLR(_PlainStep(), max_lr=1.0, total_steps=5)
    S.OneCycleLR(_PlainStep(), max_lr=1.0, total_steps=5, cycle_momentum=False)


class _PlainStep(optim.Optimizer):
    """An optimizer with a rate and no momentum to cycle."""

    def __init__(self):
        super().__init__([nn.Parameter(cr.zeros(1))], {"lr": 0.1})


def test_reduce_on_plateau_by_hand():
    """patience 2, factor 0.5, cooldown 1, improvement = below 0.9 · best: reductions after epochs 7 and 11."""
    opt = _one_group(opt=optim.SGD)
    sched = S.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, threshold=0.1, min_lr=0.3)
    rates = []
    for metric in [10, 9.5, 9.2, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0]:
        sched.step(cr.tensor(metric))  # a 0-d tensor, as a validation loss usually is
        rates.append(sched.get_last_lr()[0])
    assert rates == [1.0] * 6 + [0.5] * 4 + [0.3] * 5  # the second halving stops at min_lr
    assert sched.last_epoch == 15 and sched.best == 8.0


def test_sequential_by_hand():
    """LinearLR from 0.1 to 1 over 4 epochs, then ExponentialLR(0.5) restarted at epoch 4."""
    opt = _one_group(lr=2.0)
    sched = S.SequentialLR(opt, [S.LinearLR(opt, 0.1, total_iters=4), S.ExponentialLR(opt, 0.5)], milestones=[4])
    rates = [sched.get_last_lr()[0]]
    for _ in range(6):
        sched.step()
        rates.append(opt.param_groups[0]["lr"])
    assert rates == pytest.approx([0.2, 0.65, 1.1, 1.55, 2.0, 1.0, 0.5], rel=1e-12)


def test_chained_schedules_compose_as_in_torch():
    """Two schedules on one optimizer each scale the rate the other left (PyTorch's chainable form)."""
    opt = _one_group(lr=1.0)
    warmup, decay = S.LinearLR(opt, start_factor=0.5, total_iters=2), S.MultiStepLR(opt, milestones=[1, 3])
    rates = []
    for _ in range(4):
        warmup.step()
        decay.step()
        rates.append(opt.param_groups[0]["lr"])
    assert rates == pytest.approx([0.075, 0.1, 0.01, 0.01], rel=1e-12)  # 0.5 → 0.75·0.1 → 1·0.1 → ·0.1 at epoch 3
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.zeros(1))
    topt = torch.optim.SGD([p], lr=1.0)
    tw = torch.optim.lr_scheduler.LinearLR(topt, 0.5, total_iters=2)
    td = torch.optim.lr_scheduler.MultiStepLR(topt, [1, 3])
    expected = []
    for _ in range(4):
        topt.step()
        tw.step()
        td.step()
        expected.append(topt.param_groups[0]["lr"])
    assert rates == pytest.approx(expected, rel=1e-12)


def test_deprecated_step_with_epoch_uses_the_closed_form():
    opt = _one_group(lr=1.0)
    sched = S.MultiStepLR(opt, milestones=[2, 4], gamma=0.5)
    with pytest.warns(UserWarning, match="epoch parameter in `scheduler.step\\(\\)`"):
        sched.step(5)
    assert sched.get_last_lr() == [0.25] and sched.last_epoch == 5


def test_lambda_state_dict_keeps_callable_objects_not_functions():
    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, epoch):
            return self.rate**epoch

    decay = Decay()
    opt = optim.SGD([{"params": [nn.Parameter(cr.zeros(1))]}, {"params": [nn.Parameter(cr.zeros(1))]}], lr=1.0)
    sched = S.LambdaLR(opt, [decay, lambda e: 1.0])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"rate": 0.5}, None] and "optimizer" not in state
    decay.rate = 0.9
    sched.load_state_dict(state)
    assert decay.rate == 0.5
