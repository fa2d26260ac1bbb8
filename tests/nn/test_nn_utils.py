"""nn.utils: clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters (PyTorch as oracle)."""

import math
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.nn import utils

try:
    import torch
except ImportError:  # the hand-computed checks still run; the comparisons with torch skip
    torch = None

requires_torch = pytest.mark.skipif(torch is None, reason="torch is not installed: nothing to compare with")
NORMS = [2.0, 1.0, 3.0, 0.5, 0.0, math.inf, -math.inf, -1.0]


def _with_grads(*grads, dtype=cr.float64):
    params = []
    for g in grads:
        p = nn.Parameter(cr.zeros(*np.shape(g), dtype=dtype))
        p.grad = cr.tensor(g, dtype=dtype)
        params.append(p)
    return params


def _grad(p):
    return p.grad.numpy().tolist()


@pytest.mark.parametrize(
    "norm_type, total", [(2.0, 13.0), (1.0, 19.0), (math.inf, 12.0), ("inf", 12.0), (0, 2.0), (-math.inf, 3.0)]
)
def test_total_norm_by_hand(norm_type, total):
    """Gradients [3, 4] and [[12]]: ‖·‖₂ = √(9 + 16 + 144) = 13, ‖·‖₁ = 19, max 12, min 3.

    The total is the norm of the per-gradient norms: for order 0, of the counts [2, 1], so 2 (as in PyTorch).
    """
    params = _with_grads([3.0, 4.0], [[12.0]])
    out = utils.clip_grad_norm_(params, max_norm=1e9, norm_type=norm_type)
    assert isinstance(out, cr.Tensor) and out.ndim == 0 and out.dtype == cr.float64 and out.item() == total
    assert _grad(params[0]) == [3.0, 4.0] and _grad(params[1]) == [[12.0]]  # under max_norm: scaled by exactly 1


def test_clipping_scales_every_gradient_by_max_norm_over_total():
    params = _with_grads([3.0, 4.0], [[12.0]])
    params.append(nn.Parameter(cr.ones(2, dtype=cr.float64)))  # no gradient: skipped, not an error
    total = utils.clip_grad_norm_(iter(params), max_norm=6.5)
    scale = 6.5 / (13.0 + 1e-6)
    assert total.item() == 13.0 and params[2].grad is None
    np.testing.assert_allclose(_grad(params[0]), [3 * scale, 4 * scale], rtol=1e-15)
    np.testing.assert_allclose(_grad(params[1]), [[12 * scale]], rtol=1e-15)
    single = _with_grads([0.0, -2.0])[0]  # one Tensor instead of an iterable
    assert utils.clip_grad_norm_(single, 1.0).item() == 2.0
    np.testing.assert_allclose(_grad(single), [0.0, -2.0 / (2 + 1e-6)], rtol=1e-15)


def test_float32_gradients_give_a_float32_total():
    params = _with_grads([3.0, 4.0], dtype=cr.float32)
    total = utils.clip_grad_norm_(params, 1.0)
    assert total.dtype == cr.float32 and params[0].grad.dtype == cr.float32
    np.testing.assert_allclose(_grad(params[0]), [0.6, 0.8], rtol=1e-6)


def test_no_gradients_give_a_zero_total_and_an_empty_generator_warns():
    assert utils.clip_grad_norm_([nn.Parameter(cr.ones(2))], 1.0).item() == 0.0
    with pytest.warns(UserWarning, match="empty generator"):
        out = utils.clip_grad_norm_((p for p in []), 1.0)
    assert out.item() == 0.0 and out.dtype == cr.float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        utils.clip_grad_norm_([], 1.0)  # an empty list is not a mistake worth a warning (as in PyTorch)


def test_nonfinite_total_raises_only_when_asked():
    params = _with_grads([1.0, math.nan], [2.0])
    with pytest.raises(RuntimeError, match="total norm of order 2.0 .* is nan.*error_if_nonfinite=False"):
        utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert _grad(params[1]) == [2.0]  # nothing scaled before the error
    assert math.isnan(utils.clip_grad_norm_(params, 1.0).item())
    assert math.isnan(_grad(params[1])[0])  # scaled by NaN, as PyTorch does
    with pytest.raises(ValueError, match="inf norm of an empty array"):
        utils.clip_grad_norm_(_with_grads(np.zeros(0)), 1.0, norm_type=math.inf)


def test_clip_grad_value_by_hand():
    params = _with_grads([-3.0, 0.5, 2.0], [[7.0]])
    assert utils.clip_grad_value_(params, 1) is None
    assert _grad(params[0]) == [-1.0, 0.5, 1.0] and _grad(params[1]) == [[1.0]]


@requires_torch
@pytest.mark.parametrize("norm_type", NORMS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_clip_grad_norm_matches_torch(norm_type, dtype):
    rng = np.random.default_rng(NORMS.index(norm_type))
    arrays = [rng.normal(size=s).astype(dtype) for s in [(3, 4), (5,), (), (2, 1, 3)]]
    arrays[1][2] = 0.0  # a zero for the 0-"norm" and the negative orders
    for max_norm in (0.1, 1e6):
        ours = _with_grads(*arrays, dtype=getattr(cr, dtype))
        theirs = [torch.nn.Parameter(torch.zeros(a.shape, dtype=getattr(torch, dtype))) for a in arrays]
        for p, a in zip(theirs, arrays, strict=True):
            p.grad = torch.tensor(a)
        total = utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
        expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
        rtol = 1e-12 if dtype == "float64" else 2e-6
        np.testing.assert_allclose(total.item(), expected.item(), rtol=rtol)
        assert total.dtype == getattr(cr, dtype)
        for p, q in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=rtol, atol=0)


@requires_torch
def test_clip_grad_value_matches_torch():
    a = np.random.default_rng(0).normal(size=(4, 5))
    ours = _with_grads(a)
    theirs = torch.nn.Parameter(torch.zeros(4, 5, dtype=torch.float64))
    theirs.grad = torch.tensor(a)
    utils.clip_grad_value_(ours, 0.5)
    torch.nn.utils.clip_grad_value_(theirs, 0.5)
    np.testing.assert_array_equal(ours[0].grad.numpy(), theirs.grad.numpy())


def test_parameters_to_vector_is_ordered_and_differentiable():
    """v = [a.ravel(), b.ravel()]; ∂(c·v)/∂a = c[:2] reshaped as a, ∂/∂b = c[2:] reshaped as b."""
    a = nn.Parameter(cr.tensor([1.0, 2.0]))
    b = nn.Parameter(cr.tensor([[3.0], [4.0], [5.0]]))
    vec = utils.parameters_to_vector([a, b])
    assert vec.shape == (5,) and vec.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    (vec * cr.tensor([10.0, 20.0, 30.0, 40.0, 50.0])).sum().backward()
    assert a.grad.tolist() == [10.0, 20.0] and b.grad.tolist() == [[30.0], [40.0], [50.0]]
    with pytest.raises(ValueError, match="no parameters"):
        utils.parameters_to_vector([])


def test_vector_to_parameters_copies_slices_in_place():
    net = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    weights = list(net.parameters())
    vec = cr.arange(float(sum(p.numel() for p in weights)) + 2, dtype=cr.float64)  # two extra: left unused
    utils.vector_to_parameters(vec, net.parameters())
    assert list(net.parameters()) == weights  # the same Parameter objects, new values, their own dtype
    assert net[0].weight.tolist() == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]] and net[0].weight.dtype == cr.float32
    assert net[0].bias.tolist() == [6.0, 7.0, 8.0] and net[1].bias.tolist() == [12.0]
    again = utils.parameters_to_vector(net.parameters())
    assert again.tolist() == vec.tolist()[:13]


@pytest.mark.parametrize(
    "vec, error, words",
    [
        ([1.0] * 3, TypeError, "expected a Tensor, got list"),
        (cr.zeros(1, 3), cr.ShapeError, r"1-D vector, got shape \(1, 3\)"),
        (cr.zeros(2), cr.ShapeError, r"has 2 elements; parameters of shapes \[\(3,\)\] need 3"),
    ],
)
def test_vector_to_parameters_refuses(vec, error, words):
    p = nn.Parameter(cr.ones(3))
    with pytest.raises(error, match=words):
        utils.vector_to_parameters(vec, [p])
    assert p.tolist() == [1.0, 1.0, 1.0]


@requires_torch
def test_flat_vectors_match_torch():
    ours = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    v_ours = utils.parameters_to_vector(ours.parameters())
    v_theirs = torch.nn.utils.parameters_to_vector(theirs.parameters())
    np.testing.assert_array_equal(v_ours.detach().numpy(), v_theirs.detach().numpy())
    new = np.random.default_rng(1).normal(size=v_ours.shape[0]).astype(np.float32)
    utils.vector_to_parameters(cr.tensor(new), ours.parameters())
    torch.nn.utils.vector_to_parameters(torch.tensor(new), theirs.parameters())
    for (k, a), b in zip(ours.state_dict().items(), theirs.state_dict().values(), strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
