"""Vanishing gradients in a deep sigmoid network: the backpropagated error δ⁽ˡ⁾ = σ'(z⁽ˡ⁾) ⊙ (δ⁽ˡ⁺¹⁾ w⁽ˡ⁺¹⁾)
(the essay's vector formula, ro-perceptron-to-backprop-essay.txt 4.3) is multiplied at every layer by σ'(z) ≤ 1/4
(the slides' σ' = (1 − σ)σ is largest at 0), so with weights of the essay's N(0, 1/√in) it shrinks by roughly 4×
per layer on its way back to the input: the first layers learn slowest.

Printed for 784 → 30 ×6 → 10 (sigmoid everywhere, c = ½‖a − t‖², 200 MNIST images): each layer's ‖∂c/∂b⁽ˡ⁾‖ =
‖δ⁽ˡ⁾‖ (δ averaged over the batch) and ‖∂c/∂w⁽ˡ⁾‖, and the ratio to the layer above.

    python examples/notes_vanishing_gradients.py [--hidden 6] [--width 30]
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np
from notes_check import NotesCheck
from notes_data import mnist, one_hot

import chainrule as cr
from chainrule import nn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=6, help="hidden layers (default 6)")
    parser.add_argument("--width", type=int, default=30, help="units per hidden layer (default 30)")
    parser.add_argument("--images", type=int, default=200)
    args = parser.parse_args(argv)
    split = mnist(args.images)
    x, t = split.x_train, cr.tensor(one_hot(split.y_train))
    net = nn.MLP([784] + [args.width] * args.hidden + [10], activation="sigmoid", output_activation="sigmoid")
    stream = cr.Generator(0)
    layers = [m for m in net if isinstance(m, nn.Linear)]
    for layer in layers:
        nn.init.normal_(layer.weight, 0.0, 1 / math.sqrt(layer.in_features), generator=stream)
        nn.init.zeros_(layer.bias)
    cost = 0.5 * ((net(x) - t) ** 2).sum(dim=1).mean()
    cost.backward()
    deltas = [float(np.linalg.norm(layer.bias.grad.numpy())) for layer in layers]
    weights = [float(np.linalg.norm(layer.weight.grad.numpy())) for layer in layers]
    print(f"{'layer':>6s} {'shape':>10s} {'‖δ‖ = ‖∂c/∂b‖':>15s} {'‖∂c/∂w‖':>10s} {'÷ layer above':>14s}")
    for i, layer in enumerate(layers):
        ratio = f"{deltas[i] / deltas[i + 1]:14.3f}" if i + 1 < len(layers) else f"{'':14s}"
        shape = f"{layer.out_features}×{layer.in_features}"
        print(f"{i + 1:6d} {shape:>10s} {deltas[i]:15.2e} {weights[i]:10.2e} {ratio}")
    ratios = [a / b for a, b in zip(deltas[:-1], deltas[1:])]

    zero = cr.tensor(0.0, dtype=cr.float64, requires_grad=True)
    (slope,) = cr.autograd.grad(zero.sigmoid(), zero)
    check = NotesCheck(f"{len(layers)} sigmoid layers, N(0, 1/√in) weights, {len(split.y_train)} images", "by hand")
    check.row("σ'(0) = (1 − σ(0))σ(0), the largest σ'", slope.item(), "0.25")
    check.claim("δ shrinks at every layer going back", all(r < 1 for r in ratios), f"ratios {min(ratios):.2f}–"
                f"{max(ratios):.2f}")  # fmt: skip
    check.claim("first layer's ‖δ‖ ≪ last layer's", deltas[0] < 0.01 * deltas[-1],
                f"{deltas[0] / deltas[-1]:.1e} of it")  # fmt: skip
    return check.finish()


if __name__ == "__main__":
    sys.exit(main())
