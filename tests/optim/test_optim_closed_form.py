"""Optimizers against their first three steps derived by hand: no PyTorch needed.

The gradients are fixed arrays set as ``p.grad``, so each expected parameter value is a formula in
g₁, g₂, g₃ written out here from the optimizer's definition, in unrolled (non-recursive) form:
an exponential average started at zero is (1 − β)·Σᵢ β^(t−i)·xᵢ, a momentum buffer a power series in μ.
"""

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn, optim

P0 = np.array([1.0, -2.0, 0.5])
#: the first coordinate's gradient shrinks (1.0, 0.1, 0.05): AMSGrad's running maximum then differs from v_t
G = [np.array([0.5, -1.0, 0.02]), np.array([-0.3, 0.1, 0.05]), np.array([0.2, 0.05, -0.04])]


def trajectory(make, grads=G) -> list:
    """The parameter after each step of ``make([p])``, starting at P0 and given the gradients in turn."""
    p = nn.Parameter(cr.tensor(P0, dtype=cr.float64))
    opt = make([p])
    path = []
    for g in grads:
        p.grad = cr.tensor(g, dtype=cr.float64)
        opt.step()
        path.append(p._data.copy())
    return path


def assert_path(got: list, expected: list) -> None:
    assert len(got) == len(expected)
    for t, (a, b) in enumerate(zip(got, expected, strict=True), 1):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15, err_msg=f"after step {t}")


def ema(xs: list, beta: float) -> np.ndarray:
    """(1 − β)·Σᵢ β^(t−i)·xᵢ over x₁…x_t: an exponential average started at zero, unrolled."""
    t = len(xs)
    return (1 - beta) * sum(beta ** (t - i) * x for i, x in enumerate(xs, 1))


# ------------------------------------------------------------------ SGD
def sgd_path(lr: float, momentum: float = 0.0, dampening: float = 0.0, nesterov: bool = False) -> list:
    """b₁ = g₁ (undamped), b_t = μ^(t−1)·g₁ + (1 − τ)·Σ_{i=2..t} μ^(t−i)·g_i.

    Each step is lr·b_t (Nesterov: lr·(g_t + μ·b_t)); without momentum, lr·g_t.
    """
    steps = []
    for t in range(1, 4):
        g = G[t - 1]
        b = momentum ** (t - 1) * G[0] + (1 - dampening) * sum(momentum ** (t - i) * G[i - 1] for i in range(2, t + 1))
        d = g if not momentum else (g + momentum * b if nesterov else b)
        steps.append(lr * d)
    return list(P0 - np.cumsum(steps, axis=0))


SGD_CASES = [
    dict(lr=0.1),
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.1, momentum=0.9, dampening=0.3),
    dict(lr=0.1, momentum=0.5, nesterov=True),
]


@pytest.mark.parametrize("kwargs", SGD_CASES, ids=str)
def test_sgd_three_steps(kwargs):
    assert_path(trajectory(lambda ps: optim.SGD(ps, **kwargs)), sgd_path(**kwargs))


def test_sgd_default_learning_rate_is_torchs():
    assert_path(trajectory(optim.SGD), sgd_path(1e-3))


def test_sgd_weight_decay_shrinks_then_steps():
    lr, wd = 0.1, 0.2
    k = 1 - lr * wd  # p_t = k·p_{t−1} − lr·g_t, unrolled
    g1, g2, g3 = G
    expected = [k * P0 - lr * g1, k**2 * P0 - lr * (k * g1 + g2), k**3 * P0 - lr * (k**2 * g1 + k * g2 + g3)]
    assert_path(trajectory(lambda ps: optim.SGD(ps, lr=lr, weight_decay=wd)), expected)


def test_sgd_momentum_with_weight_decay_two_steps():
    lr, mu, tau, wd = 0.1, 0.9, 0.25, 0.2
    g1, g2, _ = G
    d1 = g1 + wd * P0  # the decayed gradient is what enters the buffer
    p1 = P0 - lr * d1
    p2 = p1 - lr * (mu * d1 + (1 - tau) * (g2 + wd * p1))
    got = trajectory(lambda ps: optim.SGD(ps, lr=lr, momentum=mu, dampening=tau, weight_decay=wd), G[:2])
    assert_path(got, [p1, p2])


# ------------------------------------------------------------------ Adam, AdamW, AMSGrad
def adam_path(lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False, amsgrad=False) -> list:
    """m̂_t = ema(g, β₁)/(1 − β₁ᵗ), v̂_t = ema(g², β₂)/(1 − β₂ᵗ), p ← p − lr·m̂_t/(√v̂_t + eps).

    L2 decay adds wd·p to g; decoupled (AdamW) first scales p by (1 − lr·wd). AMSGrad, as PyTorch, takes
    the running maximum of the raw v_s (s ≤ t) and divides it by (1 − β₂ᵗ) of the current step.
    """
    b1, b2 = betas
    p, gs, vs, path = P0, [], [], []
    for t, g in enumerate(G, 1):
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        gs.append(g)
        vs.append(ema([x * x for x in gs], b2))
        m_hat = ema(gs, b1) / (1 - b1**t)
        v_hat = (np.max(vs, axis=0) if amsgrad else vs[-1]) / (1 - b2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        path.append(p)
    return path


def test_adam_first_two_steps_by_hand():
    """Step 1 is lr·g/(|g| + eps) whatever the betas; step 2 uses the normalised averages of g and g²."""
    lr, b1, b2, eps = 0.1, 0.8, 0.9, 1e-2
    g1, g2, _ = G
    p1 = P0 - lr * g1 / (np.abs(g1) + eps)
    m_hat = (b1 * g1 + g2) / (1 + b1)
    v_hat = (b2 * g1**2 + g2**2) / (1 + b2)
    p2 = p1 - lr * m_hat / (np.sqrt(v_hat) + eps)
    assert_path(trajectory(lambda ps: optim.Adam(ps, lr=lr, betas=(b1, b2), eps=eps), G[:2]), [p1, p2])


ADAM_CASES = [
    ("Adam", dict(lr=0.1, betas=(0.8, 0.9), eps=1e-2)),
    ("Adam", dict(lr=0.1, betas=(0.8, 0.9), eps=1e-2, amsgrad=True)),
    ("Adam", dict(lr=0.1, betas=(0.5, 0.7), eps=1e-3, weight_decay=0.3)),
    ("AdamW", dict(lr=0.1, betas=(0.8, 0.9), eps=1e-2, weight_decay=0.3)),
    ("AdamW", dict(lr=0.1, betas=(0.8, 0.9), eps=1e-2, weight_decay=0.3, amsgrad=True)),
    ("Adam", dict(lr=1e-3)),  # the defaults: betas (0.9, 0.999), eps 1e-8, no decay
]


@pytest.mark.parametrize("name, kwargs", ADAM_CASES, ids=[f"{n}-{k}" for n, k in ADAM_CASES])
def test_adam_three_steps(name, kwargs):
    got = trajectory(lambda ps: getattr(optim, name)(ps, **kwargs))
    assert_path(got, adam_path(**kwargs, decoupled=name == "AdamW"))


def test_amsgrad_and_decoupling_change_the_path():
    """The cases above would not tell the variants apart if these gradients made them agree."""
    plain = adam_path(0.1, (0.8, 0.9), 1e-2)
    assert np.abs(adam_path(0.1, (0.8, 0.9), 1e-2, amsgrad=True)[2] - plain[2]).max() > 1e-3
    coupled, decoupled = (adam_path(0.1, (0.8, 0.9), 1e-2, 0.3, d) for d in (False, True))
    assert np.abs(coupled[2] - decoupled[2]).max() > 1e-3


def test_adamw_default_weight_decay_is_torchs():
    assert_path(trajectory(optim.AdamW), adam_path(1e-3, weight_decay=1e-2, decoupled=True))


# ------------------------------------------------------------------ RMSprop
def rmsprop_path(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False) -> list:
    """s_t = ema(g², α) with no bias correction; centred: s_t − ema(g, α)²; d = g/(√s + eps);
    with momentum b_t = μ·b_{t−1} + d_t; p ← p − lr·b_t."""
    p, gs, b, path = P0, [], 0.0, []
    for g in G:
        g = g + weight_decay * p
        gs.append(g)
        s = ema([x * x for x in gs], alpha) - (ema(gs, alpha) ** 2 if centered else 0.0)
        b = momentum * b + g / (np.sqrt(s) + eps)
        p = p - lr * b
        path.append(p)
    return path


RMSPROP_CASES = [
    dict(lr=0.1, alpha=0.9, eps=1e-2),
    dict(lr=0.1, alpha=0.9, eps=1e-2, centered=True),
    dict(lr=0.1, alpha=0.8, eps=1e-3, momentum=0.7),
    dict(lr=0.1, alpha=0.9, eps=1e-2, momentum=0.5, centered=True, weight_decay=0.3),
    dict(),  # the defaults: lr 1e-2, alpha 0.99, eps 1e-8
]


@pytest.mark.parametrize("kwargs", RMSPROP_CASES, ids=str)
def test_rmsprop_three_steps(kwargs):
    assert_path(trajectory(lambda ps: optim.RMSprop(ps, **kwargs)), rmsprop_path(**kwargs))


def test_rmsprop_first_step_by_hand():
    """s₁ = (1 − α)·g₁², so the first step is lr·g₁/(√(1 − α)·|g₁| + eps): no bias correction."""
    lr, alpha, eps = 0.1, 0.9, 1e-2
    expected = P0 - lr * G[0] / (np.sqrt(1 - alpha) * np.abs(G[0]) + eps)
    assert_path(trajectory(lambda ps: optim.RMSprop(ps, lr=lr, alpha=alpha, eps=eps), G[:1]), [expected])


# ------------------------------------------------------------------ groups
def test_each_group_follows_its_own_hyper_parameters():
    """Two groups of one optimizer each take the path of their own settings, not the defaults'."""
    ps = [nn.Parameter(cr.tensor(P0, dtype=cr.float64)) for _ in range(2)]
    opt = optim.SGD([{"params": [ps[0]], "momentum": 0.9, "dampening": 0.3}, {"params": [ps[1]], "lr": 0.05}], lr=0.1)
    paths: list = [[], []]
    for g in G:
        for p in ps:
            p.grad = cr.tensor(g, dtype=cr.float64)
        opt.step()
        for p, path in zip(ps, paths, strict=True):
            path.append(p._data.copy())
    assert_path(paths[0], sgd_path(0.1, momentum=0.9, dampening=0.3))
    assert_path(paths[1], sgd_path(0.05))
