"""batch_norm and BatchNorm1d/2d against PyTorch: values and derivatives, running statistics, train and eval."""

import numpy as np
import pytest
from conv_support import F, check_rules, compare, requires_torch, torch

import chainrule as cr
from chainrule import nn
from chainrule.errors import ShapeError


@requires_torch
@pytest.mark.parametrize("shape", [(4, 3, 2, 5), (5, 2), (3, 2, 4)], ids=str)
def test_batch_norm_training_matches_torch_to_second_order(shape):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(shape) * 2 + 1, rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    compare("batch_norm", lambda m, x, w, b: F(m).batch_norm(x, None, None, w, b, training=True), [x, w, b])
    compare("batch_norm, no affine", lambda m, x: F(m).batch_norm(x, None, None, training=True, eps=1e-3), [x])


@requires_torch
def test_batch_norm_eval_matches_torch_to_second_order():
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((3, 4, 2, 2)), rng.standard_normal(4), rng.standard_normal(4)
    mean, var = rng.standard_normal(4), rng.uniform(0.5, 2, 4)

    def f(m, x, w, b):
        stats = [m.tensor(mean), m.tensor(var)] if m is cr else [torch.tensor(mean), torch.tensor(var)]
        return F(m).batch_norm(x, *stats, w, b, training=False)

    compare("batch_norm eval", f, [x, w, b])


def test_batch_norm_passes_gradcheck_and_gradgradcheck():
    x = np.random.default_rng(2).standard_normal((3, 2, 2, 3))
    check_rules(lambda x, w: F(cr).batch_norm(x, None, None, w, None, training=True).tanh(), [x, np.ones(2) * 1.5])


@requires_torch
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm2d_tracks_running_statistics_like_torch(momentum):
    ours, theirs = nn.BatchNorm2d(3, momentum=momentum), torch.nn.BatchNorm2d(3, momentum=momentum)
    rng = np.random.default_rng(3)
    for _ in range(3):
        x = (rng.standard_normal((4, 3, 5, 5)) * 3 + 2).astype(np.float32)
        np.testing.assert_allclose(ours(cr.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                                   rtol=1e-5, atol=1e-5)  # fmt: skip
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-5, err_msg=key)
    ours.eval(), theirs.eval()
    x = rng.standard_normal((2, 3, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(ours(cr.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)  # fmt: skip
    assert ours.num_batches_tracked.item() == 3 and ours.num_batches_tracked.dtype == cr.int64


@requires_torch
def test_batchnorm_without_running_statistics_or_affine_matches_torch():
    layers = [(nn.BatchNorm1d, {"affine": False}), (nn.BatchNorm2d, {"track_running_stats": False}),
              (nn.BatchNorm2d, {"bias": False})]
    for make, options in layers:
        ours, theirs = make(4, **options), getattr(torch.nn, make.__name__)(4, **options)
        x = np.random.default_rng(4).standard_normal((3, 4, 2, 2) if isinstance(ours, nn.BatchNorm2d) else (3, 4))
        for train in (True, False):
            ours.train(train), theirs.train(train)
            got = ours(cr.tensor(x, dtype=cr.float32)).detach().numpy()
            np.testing.assert_allclose(got, theirs(torch.tensor(x, dtype=torch.float32)).detach().numpy(), atol=1e-5)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert repr(ours) == repr(theirs)


def test_batch_norm_refuses_what_it_cannot_normalise():
    with pytest.raises(ValueError, match="batch_norm: expected more than 1 value per channel when training"):
        F(cr).batch_norm(cr.zeros(1, 3), None, None, training=True)
    with pytest.raises(ShapeError, match=r"batch_norm: weight must be a Tensor of shape \(3,\)"):
        F(cr).batch_norm(cr.zeros(2, 3), None, None, cr.ones(4), training=True)
    with pytest.raises(ShapeError, match=r"BatchNorm2d: expected 4D input \(N, C, H, W\), got 2D input"):
        nn.BatchNorm2d(3)(cr.zeros(2, 3))
    with pytest.raises(ValueError, match="batch_norm: evaluation mode"):
        F(cr).batch_norm(cr.zeros(2, 3), None, None)
