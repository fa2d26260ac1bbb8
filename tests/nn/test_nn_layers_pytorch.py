"""Embedding, LayerNorm, BatchNorm1d and the smooth activation layers as PyTorch has them: init, state_dict keys,
repr, values and gradients; and layers refusing mixed float dtypes."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.nn import functional as F

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed: oracle comparison skipped")


def _load_torchs(ours, theirs):
    """Give our layer the PyTorch layer's state_dict (same keys and shapes), then return both."""
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _run_both(ours, theirs, x, index=False):
    """Outputs and parameter gradients of both layers for the input ``x`` and a fixed upstream gradient."""
    xo, xt = (cr.tensor(x), torch.tensor(x)) if index else (cr.tensor(x, requires_grad=True),
                                                               torch.tensor(x, requires_grad=True))  # fmt: skip
    out_o, out_t = ours(xo), theirs(xt)
    w = np.random.default_rng(9).standard_normal(tuple(out_t.shape)).astype(np.float32)
    (out_o * cr.tensor(w)).sum().backward()
    (out_t * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(out_o.detach().numpy(), out_t.detach().numpy(), rtol=1e-5, atol=1e-6)
    grads_o = [p.grad for p in ours.parameters()] + ([] if index else [xo.grad])
    grads_t = [p.grad for p in theirs.parameters()] + ([] if index else [xt.grad])
    for a, b in zip(grads_o, grads_t, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------ Embedding
@needs_torch
@pytest.mark.parametrize("options", [{}, {"padding_idx": 1}, {"padding_idx": -1}, {"scale_grad_by_freq": True},
                                     {"max_norm": 1.5}, {"max_norm": 2.0, "norm_type": 1.0}])  # fmt: skip
def test_embedding_matches_torch(options):
    ours, theirs = _load_torchs(nn.Embedding(6, 3, **options), torch.nn.Embedding(6, 3, **options))
    assert repr(ours) == repr(theirs)
    _run_both(ours, theirs, np.array([[0, 1, 5], [1, 1, 2]]), index=True)
    # max_norm rescales the looked-up rows of the weight itself, as PyTorch does
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-6)


def test_embedding_init_padding_and_errors():
    emb = nn.Embedding(1000, 8, padding_idx=3)
    w = emb.weight.detach().numpy()
    assert w.dtype == np.float32 and np.all(w[3] == 0) and abs(w.std() - 1) < 0.05 and abs(w.mean()) < 0.05
    assert list(emb.state_dict()) == ["weight"]
    with pytest.raises(IndexError, match=r"index 1000 is out of range for 1000 embeddings"):
        emb(cr.tensor([1000]))
    with pytest.raises(cr.DTypeError, match="indices must be integers"):
        emb(cr.tensor([1.0]))
    with pytest.raises(ValueError, match="padding_idx must be within num_embeddings"):
        nn.Embedding(3, 2, padding_idx=3)
    with pytest.raises(ValueError, match="sparse=True is not supported"):
        nn.Embedding(3, 2, sparse=True)


def test_embedding_from_pretrained_is_frozen_unless_asked():
    table = np.arange(6.0).reshape(3, 2)
    frozen = nn.Embedding.from_pretrained(cr.tensor(table))
    assert not frozen.weight.requires_grad and frozen(cr.tensor([2])).tolist() == [[4.0, 5.0]]
    assert nn.Embedding.from_pretrained(cr.tensor(table), freeze=False).weight.requires_grad


# ------------------------------------------------------------------ LayerNorm
@needs_torch
@pytest.mark.parametrize("shape, normalized, options", [
    ((4, 5), 5, {}), ((2, 3, 4), (3, 4), {}), ((3, 4), 4, {"bias": False}),
    ((3, 4), (4,), {"elementwise_affine": False, "eps": 1e-3}),
])  # fmt: skip
def test_layer_norm_matches_torch(shape, normalized, options):
    ours, theirs = nn.LayerNorm(normalized, **options), torch.nn.LayerNorm(normalized, **options)
    assert repr(ours) == repr(theirs)
    if ours.weight is not None:  # not the initial ones and zeros, so that a mix-up would show
        with torch.no_grad():
            theirs.weight.normal_()
            if theirs.bias is not None:
                theirs.bias.normal_()
    _load_torchs(ours, theirs)
    _run_both(ours, theirs, (np.random.default_rng(1).standard_normal(shape) * 3 + 1).astype(np.float32))


def test_layer_norm_is_twice_differentiable_and_checks_its_input():
    x = cr.tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)
    w, b = (cr.tensor(np.random.default_rng(k).standard_normal(4), requires_grad=True) for k in (3, 4))
    assert cr.gradgradcheck(lambda x, w, b: F.layer_norm(x, (4,), w, b).tanh(), [x, w, b])
    with pytest.raises(cr.ShapeError, match=r"normalized_shape \(5,\) must be the last dimensions.*\(3, 4\)"):
        nn.LayerNorm(5)(cr.ones(3, 4))
    with pytest.raises(cr.DTypeError, match="weight has dtype float32 but the input has float64"):
        nn.LayerNorm(4)(cr.ones(3, 4, dtype=cr.float64))


# ------------------------------------------------------------------ BatchNorm1d
@needs_torch
@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5)])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm1d_running_statistics_train_and_eval_match_torch(shape, momentum):
    ours, theirs = nn.BatchNorm1d(3, momentum=momentum), torch.nn.BatchNorm1d(3, momentum=momentum)
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(5)
    for _ in range(3):
        x = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
        np.testing.assert_allclose(ours(cr.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                                   rtol=1e-5, atol=1e-5)  # fmt: skip
    assert list(ours.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-5, err_msg=key)
    ours.eval(), theirs.eval()
    _run_both(ours, theirs, rng.standard_normal(shape).astype(np.float32))
    fresh = nn.BatchNorm1d(3)
    fresh.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert fresh.num_batches_tracked.item() == 3


# ------------------------------------------------------------------ activations
@needs_torch
@pytest.mark.parametrize("name, args", [("GELU", ()), ("GELU", ("tanh",)), ("SiLU", ()), ("ELU", (0.5,)),
                                        ("Softplus", (2.0, 10.0)), ("SiLU", (True,)), ("ELU", (1.0, True))])
def test_activation_layers_match_torch(name, args):
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == []
    x = np.linspace(-4, 4, 9)
    out_o, out_t = ours(cr.tensor(x) * 1.0), theirs(torch.tensor(x) * 1.0)  # (in place: on a non-leaf)
    np.testing.assert_allclose(out_o.numpy(), out_t.numpy(), rtol=1e-10, atol=1e-15)


# ------------------------------------------------------------------ one dtype per layer
@pytest.mark.parametrize("x_dtype, b_dtype, culprit", [
    (cr.float64, cr.float32, "input has dtype float64"), (cr.float32, cr.float64, "bias has dtype float64"),
    (cr.int64, cr.float32, "input has dtype int64"),
])  # fmt: skip
def test_linear_refuses_mixed_dtypes_as_torch(x_dtype, b_dtype, culprit):
    w = cr.ones(4, 3)
    with pytest.raises(cr.DTypeError, match=rf"linear: the {culprit} but the weight has float32.*\.float\(\)"):
        F.linear(cr.ones(2, 3, dtype=x_dtype), w, cr.ones(4, dtype=b_dtype))
    x = cr.ones(2, 3, dtype=x_dtype) + cr.zeros(1, dtype=b_dtype)  # int64 + float32 is float32, as in PyTorch
    if x.dtype != w.dtype:
        with pytest.raises(cr.DTypeError, match="model.to"):
            nn.Sequential(nn.Linear(3, 4, bias=False))(x)


def test_a_float32_model_still_takes_the_fused_path_and_a_float64_model_float64_data():
    model = nn.Linear(3, 2)
    out = model(cr.ones(5, 3))
    assert type(out.grad_fn).__name__ == "Linear" and out.dtype == cr.float32
    assert model.double()(cr.ones(5, 3, dtype=cr.float64)).dtype == cr.float64
