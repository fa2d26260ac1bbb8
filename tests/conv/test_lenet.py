"""The LeNet example in a fast form, and the benchmark's three steps (NumPy by hand, chainrule, PyTorch) agreeing."""

import re
from pathlib import Path

import numpy as np
import pytest
from conv_support import requires_torch

import chainrule as cr
from helpers.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]


def load(folder: str, name: str):
    return load_script(ROOT / folder / f"{name}.py")


def test_lenet_example_learns_in_one_epoch_the_same_way_every_run(capsys):
    """One epoch over the 4,000 training images already gives ≥ 90% (all 15: 97.4–97.8% over seeds 0–2)."""
    example = load("examples", "lenet_mnist")
    first = example.main(["--epochs", "1"])
    printed = capsys.readouterr().out
    assert "train x(4000, 1, 28, 28)" in printed
    assert first >= 0.90
    assert example.main(["--epochs", "1"]) == first
    assert re.findall(r"loss \d\.\d{4}", capsys.readouterr().out) == re.findall(r"loss \d\.\d{4}", printed)


def test_to_images_gives_convolution_layers_their_shape():
    from chainrule.data.transforms import to_images

    x = cr.arange(2 * 12, dtype=cr.float32).reshape(2, 12)
    assert to_images(x, (3, 4)).shape == (2, 1, 3, 4)
    assert to_images(np.zeros((5, 784))).shape == (5, 1, 28, 28)
    assert to_images(np.zeros((5, 6, 7))).shape == (5, 1, 6, 7)
    with pytest.raises(ValueError, match=r"to_images: expected .* got shape \(2, 12\)"):
        to_images(x)


@requires_torch
def test_benchmark_steps_compute_the_same_numbers():
    import torch

    bench = load("benchmarks", "lenet_step")
    weights, x, y = bench.make_problem(16, seed=3)
    hand = bench.LeNet([w.copy() for w in weights], bench.LR)
    net = bench.chainrule_net()
    net.load_state_dict(dict(zip(net.state_dict(), weights)))
    params = list(net.parameters())
    torch_step = bench.torch_runner(torch, weights, x, y)
    for _ in range(3):
        losses = hand.step(x, y), bench.chainrule_step(net, params, cr.tensor(x), cr.tensor(y)), torch_step()
        assert losses[0] == pytest.approx(losses[2], rel=1e-5) and losses[1] == pytest.approx(losses[2], rel=1e-5)
    final = [hand.conv1.w, hand.conv1.b, hand.conv2.w, hand.conv2.b, hand.w3, hand.b3]
    for mine, p in zip(final, params):
        np.testing.assert_allclose(mine, p.detach().numpy(), rtol=1e-4, atol=1e-6)


@requires_torch
def test_depthwise_benchmark_times_the_same_numbers():
    """benchmarks/depthwise_conv.py: both passes give the convolution and both gradients, alike to float32."""
    bench = load("benchmarks", "depthwise_conv")
    x, w, g = bench.make_problem(seed=1)
    mine, theirs = bench.chainrule_pass(x, w, g)(), bench.torch_pass(x, w, g)()
    assert [a.shape for a in mine] == [bench.SHAPE, bench.SHAPE, w.shape]  # y, dx, dw
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5 * np.abs(b).max())
