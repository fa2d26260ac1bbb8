"""The image layers as PyTorch has them: state_dict keys and shapes, repr, initialisation, train/eval; a LeNet."""

import math

import numpy as np
import pytest
from conv_support import requires_torch, torch

import chainrule as cr
from chainrule import nn

CASES = [  # (chainrule layer, PyTorch layer, input shape)
    (lambda m: m.Conv2d(1, 8, 5, padding=2), (2, 1, 12, 12)),
    (lambda m: m.Conv2d(4, 6, (3, 2), stride=2, padding="valid", dilation=(1, 2), groups=2, bias=False), (2, 4, 9, 9)),
    (lambda m: m.Conv2d(2, 3, 3, padding="same", padding_mode="reflect"), (2, 2, 6, 7)),
    (lambda m: m.Conv2d(2, 3, 3, padding=(2, 1), padding_mode="circular"), (2, 2, 6, 7)),
    (lambda m: m.Conv1d(3, 4, 3, stride=2, padding=1, padding_mode="replicate"), (2, 3, 10)),
    (lambda m: m.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1), (2, 4, 5, 5)),
    (lambda m: m.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), (2, 3, 7, 7)),
    (lambda m: m.AvgPool2d((2, 3), padding=1, count_include_pad=False), (2, 3, 7, 7)),
    (lambda m: m.AdaptiveAvgPool2d((3, None)), (2, 3, 7, 5)),
    (lambda m: m.BatchNorm2d(3), (4, 3, 5, 5)),
]


@requires_torch
@pytest.mark.parametrize("make, shape", CASES, ids=lambda v: "" if callable(v) else str(v))
def test_layer_matches_torch_given_its_state_dict(make, shape):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    theirs_state = theirs.state_dict()
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs_state.items()]  # fmt: skip
    ours.load_state_dict({k: v.numpy() for k, v in theirs_state.items()})
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    xs = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    outs = ours(xs[0]), theirs(xs[1])
    np.testing.assert_allclose(outs[0].detach().numpy(), outs[1].detach().numpy(), rtol=1e-5, atol=1e-5)
    (outs[0] * outs[0]).sum().backward()
    (outs[1] * outs[1]).sum().backward()
    np.testing.assert_allclose(xs[0].grad.numpy(), xs[1].grad.numpy(), rtol=1e-4, atol=1e-4)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=name)


@pytest.mark.parametrize("layer, fan_in", [
    (nn.Conv2d(6, 64, (3, 5), groups=2), 3 * 15), (nn.Conv1d(4, 32, 7), 28),
    (nn.ConvTranspose2d(8, 12, 3, groups=4), 27),
], ids=str)  # fmt: skip
def test_default_initialisation_is_pytorchs_uniform(layer, fan_in):
    bound = 1 / math.sqrt(fan_in)
    for p in (layer.weight, layer.bias):
        values = p.detach().numpy()
        assert np.abs(values).max() <= bound
        if values.size > 1000:  # U(−b, b) has standard deviation b/√3
            assert abs(values.std() - bound / math.sqrt(3)) < 0.05 * bound
    a, b = nn.Conv2d(3, 4, 3, generator=cr.Generator(5)), nn.Conv2d(3, 4, 3, generator=cr.Generator(5))
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())


def test_dropout2d_drops_whole_channels_in_training_only():
    layer = nn.Dropout2d(0.5, generator=cr.Generator(1))
    x = cr.ones(8, 16, 3, 3)
    out = layer(x).numpy()
    per_channel = out.reshape(8, 16, 9)
    assert set(np.unique(per_channel)) == {0.0, 2.0}
    assert (per_channel.min(axis=2) == per_channel.max(axis=2)).all()  # a channel is kept or dropped whole
    assert 0.3 < (per_channel[:, :, 0] == 0).mean() < 0.7
    layer.eval()
    assert layer(x) is x
    with pytest.raises(ValueError, match=r"Dropout2d: p must be in \[0, 1\]"):
        nn.Dropout2d(1.5)


def _lenet(m):
    return m.Sequential(m.Conv2d(1, 4, 5, padding=2), m.ReLU(), m.MaxPool2d(2), m.Conv2d(4, 6, 5), m.BatchNorm2d(6),
                        m.ReLU(), m.MaxPool2d(2), m.Flatten(), m.Linear(6 * 2 * 2, 10))  # fmt: skip


@requires_torch
def test_a_lenet_trains_like_torchs_for_three_sgd_steps():
    ours, theirs = _lenet(nn), _lenet(torch.nn)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    opts = cr.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9), torch.optim.SGD(theirs.parameters(), lr=0.1,
                                                                                momentum=0.9)  # fmt: skip
    rng = np.random.default_rng(0)
    for _ in range(3):
        x, y = rng.random((8, 1, 16, 16), dtype=np.float32), rng.integers(0, 10, 8)
        losses = []
        for net, opt, lib in ((ours, opts[0], cr), (theirs, opts[1], torch)):
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(net(lib.tensor(x)), lib.tensor(y))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert losses[0] == pytest.approx(losses[1], rel=1e-5)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-4, atol=1e-5, err_msg=key)
