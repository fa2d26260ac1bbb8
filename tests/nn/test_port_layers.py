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


IN_PLACE = {  # the same spelling in both libraries (m is chainrule or torch)
    "F.relu(inplace)": lambda m: lambda h: m.nn.functional.relu(h, inplace=True),
    "F.relu_": lambda m: m.nn.functional.relu_,
    "F.leaky_relu(inplace)": lambda m: lambda h: m.nn.functional.leaky_relu(h, 0.2, inplace=True),
    "F.leaky_relu_": lambda m: lambda h: m.nn.functional.leaky_relu_(h, 0.2),
    "ReLU(inplace)": lambda m: m.nn.ReLU(inplace=True),
    "LeakyReLU(inplace)": lambda m: m.nn.LeakyReLU(0.1, inplace=True),
    "Dropout(inplace)": lambda m: m.nn.Dropout(0.0, inplace=True).eval(),
}


@requires_torch
@pytest.mark.parametrize("name", IN_PLACE)
def test_in_place_activations_match_torch(name):
    _in_place_pair(IN_PLACE[name](cr), IN_PLACE[name](torch))


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


# ------------------------------------------------------------------ losses and vector functions, against torch
RNG = np.random.default_rng(0)
A, B = RNG.standard_normal((3, 4)) * 2, RNG.standard_normal((3, 4)) * 2  # differences away from the kinks
P, T, W = RNG.uniform(0.1, 0.9, (3, 4)), RNG.uniform(0.0, 1.0, (3, 4)), RNG.uniform(0.5, 2.0, (4,))

LOSSES = [  # (name, ours(F, input, target, reduction), torch's, input, target)
    ("l1_loss", lambda f, x, t, r: f.l1_loss(x, t, reduction=r), None, A, B),
    ("smooth_l1_loss", lambda f, x, t, r: f.smooth_l1_loss(x, t, reduction=r, beta=0.7), None, A, B),
    ("smooth_l1_loss[beta=0]", lambda f, x, t, r: f.smooth_l1_loss(x, t, reduction=r, beta=0.0), None, A, B),
    ("huber_loss", lambda f, x, t, r: f.huber_loss(x, t, reduction=r, delta=1.5), None, A, B),
    ("binary_cross_entropy[weight]", lambda f, x, t, r: f.binary_cross_entropy(x, t, W_[f], reduction=r), None, P, T),
]  # fmt: skip
W_ = {}  # the weight in each library, keyed by its functional module


def _torch_f():
    return torch.nn.functional


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name, loss, _, x, t", LOSSES, ids=[c[0] for c in LOSSES])
def test_losses_gradcheck(name, loss, _, x, t, reduction):
    W_[F] = cr.tensor(W)
    target = cr.tensor(t)
    assert cr.gradcheck(lambda a: loss(F, a, target, reduction).sum(), [cr.tensor(x, requires_grad=True)])


@requires_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name, loss, _, x, t", LOSSES, ids=[c[0] for c in LOSSES])
def test_losses_match_torch(name, loss, _, x, t, reduction):
    W_[F], W_[_torch_f()] = cr.tensor(W), torch.tensor(W)
    a, ta = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = loss(F, a, cr.tensor(t), reduction), loss(_torch_f(), ta, torch.tensor(t), reduction)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-10)


@requires_torch
def test_loss_modules_match_torch():
    x, t = cr.tensor(A), cr.tensor(B)
    tx, tt = torch.tensor(A), torch.tensor(B)
    pairs = [(nn.L1Loss(), torch.nn.L1Loss()),
             (nn.SmoothL1Loss("sum", 0.5), torch.nn.SmoothL1Loss(reduction="sum", beta=0.5)),
             (nn.HuberLoss("none", 2.0), torch.nn.HuberLoss(reduction="none", delta=2.0))]  # fmt: skip
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours(x, t).numpy(), theirs(tx, tt).numpy(), rtol=1e-12)
        assert repr(ours).split("(")[0] == repr(theirs).split("(")[0]
    bce, tbce = nn.BCELoss(cr.tensor(W)), torch.nn.BCELoss(torch.tensor(W))
    np.testing.assert_allclose(bce(cr.tensor(P), cr.tensor(T)).numpy(), tbce(torch.tensor(P), torch.tensor(T)).numpy())
    assert list(bce.state_dict()) == list(tbce.state_dict()) == ["weight"]
    assert nn.BCELoss("sum").reduction == "sum"  # the earlier BCELoss(reduction) form
    with pytest.raises(ValueError, match="beta must be non-negative"):
        F.smooth_l1_loss(x, t, beta=-1.0)
    with pytest.raises(ValueError, match="delta must be positive"):
        F.huber_loss(x, t, delta=0.0)


VECTORS = [  # (name, f(F, x1, x2), shapes)
    ("normalize", lambda f, a, b: f.normalize(a), [(3, 4)]),
    ("normalize[p=1,dim=0]", lambda f, a, b: f.normalize(a, p=1.0, dim=0), [(3, 4)]),
    ("cosine_similarity", lambda f, a, b: f.cosine_similarity(a, b), [(3, 4), (3, 4)]),
    ("cosine_similarity[broadcast,dim=0]", lambda f, a, b: f.cosine_similarity(a, b, dim=0), [(1, 4), (3, 4)]),
    ("cosine_similarity[1-d]", lambda f, a, b: f.cosine_similarity(a, b, dim=0), [(4,), (4,)]),
]  # fmt: skip


@pytest.mark.parametrize("name, f, shapes", VECTORS, ids=[c[0] for c in VECTORS])
def test_vector_functions_gradcheck_and_match_torch(name, f, shapes):
    xs = [RNG.standard_normal(s) for s in shapes] + [None] * (2 - len(shapes))
    ours = [None if x is None else cr.tensor(x, requires_grad=True) for x in xs]
    assert cr.gradcheck(lambda *a: f(F, *a, *([None] * (2 - len(a)))), [t for t in ours if t is not None])
    if torch is None:
        pytest.skip("torch is not installed: nothing to compare with")
    theirs = [None if x is None else torch.tensor(x, requires_grad=True) for x in xs]
    out, tout = f(F, *ours), f(_torch_f(), *theirs)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    (out * out.detach().exp()).sum().backward()
    (tout * tout.detach().exp()).sum().backward()
    for a, ta in zip(ours, theirs, strict=True):
        if a is not None:
            np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-14)


@requires_torch
def test_one_hot_and_unflatten_match_torch():
    labels = np.array([[0, 3], [2, 1]])
    assert F.one_hot(cr.tensor(labels)).tolist() == _torch_f().one_hot(torch.tensor(labels)).tolist()
    assert F.one_hot(cr.tensor(labels), 5).dtype == np.int64
    x = RNG.standard_normal((2, 12))
    ours, theirs = nn.Unflatten(1, (3, 4)), torch.nn.Unflatten(1, (3, 4))
    assert repr(ours) == repr(theirs)
    np.testing.assert_array_equal(ours(cr.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy())
    assert nn.Unflatten(-1, (2, -1))(cr.tensor(x)).shape == (2, 2, 6)
    with pytest.raises(cr.ShapeError, match="does not fit dimension 1 of size 10"):
        ours(cr.ones(2, 10))


@requires_torch
def test_parameter_dict_as_torch():
    ours = nn.ParameterDict({"b": cr.ones(2), "a": nn.Parameter(cr.zeros(3))})
    theirs = torch.nn.ParameterDict({"b": torch.ones(2), "a": torch.nn.Parameter(torch.zeros(3))})
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["a", "b"]  # a dict's keys sorted, as torch
    assert isinstance(ours["b"], nn.Parameter) and ours["b"].requires_grad
    assert "(a): Parameter containing: [float32 of size 3]" in repr(ours)
    ours["b"] = cr.full((2,), 5.0)
    assert list(ours.keys()) == ["a", "b"] and ours["b"].sum().item() == 10.0 and len(list(ours.parameters())) == 2
    assert ours.pop("a").shape == (3,) and "a" not in ours and list(ours.state_dict()) == ["b"]
    ours.update([("c", cr.ones(1))])
    assert [k for k, _ in ours.items()] == ["b", "c"] and ours.get("z") is None
    ours.clear()
    assert len(ours) == 0 and list(ours.parameters()) == []


def test_trunc_normal_and_orthogonal_init():
    t = cr.zeros(2000)
    nn.init.trunc_normal_(t, mean=1.0, std=2.0, a=0.0, b=3.0, generator=cr.Generator(0))
    assert 0.0 <= t.min().item() and t.max().item() <= 3.0 and 1.2 < t.mean().item() < 1.8
    for shape in [(3, 5), (5, 3), (4, 2, 3)]:
        w = cr.zeros(*shape, dtype=cr.float64)
        nn.init.orthogonal_(w, gain=2.0, generator=cr.Generator(1))
        flat = w.numpy().reshape(shape[0], -1)
        small = flat @ flat.T if shape[0] <= flat.shape[1] else flat.T @ flat
        np.testing.assert_allclose(small, 4 * np.eye(len(small)), atol=1e-12)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        nn.init.orthogonal_(cr.zeros(3))
