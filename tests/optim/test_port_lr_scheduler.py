"""ConstantLR, CosineAnnealingWarmRestarts and ChainedScheduler: the rates PyTorch's give, to the last bit."""

import pytest

import chainrule as cr
from chainrule import optim
from helpers.oracle import requires_torch, torch

BASES = (0.1, 0.02)
EPOCHS = 25


def _optimizer(lib):
    groups = [{"params": [lib.zeros(1, requires_grad=True)], "lr": lr} for lr in BASES]
    return lib.optim.SGD(groups, lr=1.0)


def _constant(lib, opt):
    return lib.optim.lr_scheduler.ConstantLR(opt, factor=0.25, total_iters=4)


def _restarts(lib, opt):
    return lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.001)


def _restarts_plain(lib, opt):
    return lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=4)


def _chained(lib, opt):
    s = lib.optim.lr_scheduler
    return s.ChainedScheduler([s.ConstantLR(opt, factor=0.5, total_iters=3), s.ExponentialLR(opt, gamma=0.9),
                               s.CosineAnnealingWarmRestarts(opt, T_0=5)])  # fmt: skip


def _sequential_restarts(lib, opt):
    s = lib.optim.lr_scheduler
    warmup = s.ConstantLR(opt, factor=0.1, total_iters=2)
    return s.SequentialLR(opt, [warmup, s.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2)], milestones=[4])


MAKERS = [_constant, _restarts, _restarts_plain, _chained, _sequential_restarts]


def _rates(lib, make, epochs=EPOCHS):
    opt = _optimizer(lib)
    sched = make(lib, opt)
    rates = []
    for _ in range(epochs):
        rates.append(sched.get_last_lr())
        opt.step()
        sched.step()
    return rates


@requires_torch
@pytest.mark.parametrize("make", MAKERS, ids=lambda f: f.__name__)
def test_rates_as_torch(make):
    assert _rates(cr, make) == _rates(torch, make)


@requires_torch
@pytest.mark.parametrize("epochs", [[0.5, 1.25, 2.9, 3.0, 7.5, 20.0, 1.0], [0, 3, 9, 21, 2]])
def test_warm_restarts_stepped_to_an_epoch_as_torch(epochs):
    rates = []
    for lib in (cr, torch):
        opt = _optimizer(lib)
        sched = _restarts(lib, opt)
        rates.append([(sched.step(e), sched.get_last_lr())[1] for e in epochs])
    assert rates[0] == rates[1]


@pytest.mark.parametrize("make", MAKERS, ids=lambda f: f.__name__)
def test_state_dict_resumes(make):
    opt = _optimizer(cr)
    sched = make(cr, opt)
    for _ in range(7):
        opt.step()
        sched.step()
    opt2 = _optimizer(cr)
    sched2 = make(cr, opt2)
    opt2.load_state_dict(opt.state_dict())
    sched2.load_state_dict(sched.state_dict())
    for _ in range(9):
        sched.step()
        sched2.step()
        assert sched2.get_last_lr() == sched.get_last_lr()


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda o: optim.lr_scheduler.ConstantLR(o, factor=1.5), ValueError, "between 0 and 1"),
        (lambda o: optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "positive integer T_0"),
        (lambda o: optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=1.5), ValueError, "T_mult"),
        (lambda o: optim.lr_scheduler.ChainedScheduler([]), ValueError, "at least one"),
        (lambda o: optim.lr_scheduler.ChainedScheduler([optim.lr_scheduler.ReduceLROnPlateau(o)]), ValueError,
         "ReduceLROnPlateau"),
        (lambda o: optim.lr_scheduler.ChainedScheduler([optim.lr_scheduler.ConstantLR(_optimizer(cr))], o),
         ValueError, "another optimizer"),
    ],
)
def test_bad_arguments(make, error, words):
    with pytest.raises(error, match=words):
        make(_optimizer(cr))
