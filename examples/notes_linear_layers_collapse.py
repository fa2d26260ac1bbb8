"""The essay's exercise (ro-perceptron-to-backprop-essay.txt, 3.1 "Nevoia de mai multe layere"): with f(z) = z
everywhere, a network with hidden layers is still a linear function of its input — a linear combination of
linear combinations is linear — so it collapses to one layer; a sigmoid between the layers stops that.

Layers z₁ = W₁x + b₁, z₂ = W₂z₁ + b₂, z₃ = W₃z₂ + b₃ equal one layer W x + b with W = W₃W₂W₁ and
b = W₃(W₂b₁ + b₂) + b₃, checked on MNIST images in float64. With σ after the hidden layer the slides' 3-4-1
network computes XOR, for which the best single linear layer (least squares) can only answer 0.5 everywhere.

    python examples/notes_linear_layers_collapse.py [--sizes 784 100 50 10]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import xor_lecture
from notes_check import NotesCheck
from notes_data import mnist

import chainrule as cr
from chainrule import nn


def collapse(layers: list) -> tuple[np.ndarray, np.ndarray]:
    """The single (W, b) that a stack of nn.Linear layers without activations computes."""
    w, b = np.eye(layers[0].in_features), np.zeros(layers[0].in_features)
    for layer in layers:
        weight, bias = layer.weight.detach().numpy(), layer.bias.detach().numpy()
        w, b = weight @ w, weight @ b + bias
    return w, b


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[784, 100, 50, 10])
    parser.add_argument("--images", type=int, default=1000, help="test images to compare on")
    args = parser.parse_args(argv)
    x = mnist(test_size=args.images).x_test.double()
    cr.manual_seed(0)
    linear = nn.MLP(args.sizes, activation=nn.Identity).double()  # f(z) = z between the layers
    layers = [m for m in linear if isinstance(m, nn.Linear)]
    w, b = collapse(layers)
    with cr.no_grad():
        stacked = linear(x).numpy()
    one = x.numpy() @ w.T + b
    sizes = " → ".join(map(str, args.sizes))
    check = NotesCheck(f"{sizes} with f(z) = z, on {len(one)} MNIST images", "by hand")
    check.row("stack − one layer W x + b, largest", np.abs(stacked - one).max(), 0.0, tol=1e-10)
    check.row(f"one layer's W: shape {w.shape[0]}×{w.shape[1]}", w.shape, (args.sizes[-1], args.sizes[0]))

    check.section("XOR: σ between the layers computes what no single linear layer can", "by hand")
    inputs, targets = xor_lecture.X.numpy(), xor_lecture.Y.numpy()  # the slides' 4 points, bias column included
    best, *_ = np.linalg.lstsq(inputs, targets, rcond=None)  # the best single linear layer for ½‖Y − ŷ‖²
    cr.manual_seed(1)
    linear = nn.Sequential(nn.Linear(3, 4, bias=False), nn.Identity(), nn.Linear(4, 1, bias=False)).double()
    for layer in (linear[0], linear[2]):
        nn.init.uniform_(layer.weight, -1.0, 1.0)  # as the slides start
    xor_lecture.train(linear, lr=0.1)  # the slides' step of 1 diverges without the sigmoids
    with cr.no_grad():
        out = linear(xor_lecture.X).numpy().ravel()
    check.row("3-4-1 with f(z) = z, trained: outputs", out, (inputs @ best).ravel(), tol=1e-6)
    print(f"   (the least-squares best single layer: {np.round((inputs @ best).ravel(), 6).tolist()})")
    check.claim("... so it cannot tell XOR's classes apart", bool(np.ptp(out) < 1e-6), "all 0.5")
    net = xor_lecture.build()
    xor_lecture.train(net)  # the slides' 3-4-1 sigmoid network, 5,000 full-batch steps of size 1
    with cr.no_grad():
        out = net(xor_lecture.X).numpy().ravel()
    print(f"   3-4-1 sigmoid network after the slides' 5,000 steps: {np.round(out, 3).tolist()}")
    check.claim("the sigmoid network rounds to XOR", out.round().tolist() == targets.ravel().tolist(), "[0, 1, 1, 0]")
    return check.finish()


if __name__ == "__main__":
    sys.exit(main())
