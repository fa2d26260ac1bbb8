"""The essay's weight initialisation (ro-perceptron-to-backprop-essay.txt, 4.5 "Inițializarea weight-urilor"):
weights drawn uniformly from [0, 1] make the sigmoid units saturate — z falls outside [−6, 6], σ(z) is
practically 0 or 1, σ'(z) ≈ 0 and the accuracy does not move — while weights from a normal distribution with
standard deviation 1/√in (in: the inputs of the unit) keep z small and the network learns.

The essay's network and recipe: 784 → 100 → 10, sigmoid on every layer, c = ½‖a − t‖², plain SGD on mini-batches
of α = 10, biases drawn like the weights (the essay folds them into w). Printed per epoch, for each
initialisation: the fraction of hidden and output units (over the training images) with |z| > 6, and the test
accuracy.

    python examples/notes_init_saturation.py [--epochs 3] [--train-size 4000]
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np
from notes_check import NotesCheck
from notes_data import mnist, one_hot

import chainrule as cr
from chainrule import nn, optim
from chainrule.data import DataLoader, TensorDataset

LIMIT = 6.0  # the essay's interval [−6, 6]


def build(init: str, seed: int = 0) -> nn.Sequential:
    """784-100-10 sigmoid network; every weight and bias from U[0, 1] ("uniform") or N(0, 1/√in) ("normal")."""
    net = nn.MLP([784, 100, 10], activation="sigmoid", output_activation="sigmoid")
    stream = cr.Generator(seed)
    for layer in net:
        if isinstance(layer, nn.Linear):
            for p in (layer.weight, layer.bias):
                if init == "uniform":
                    nn.init.uniform_(p, 0.0, 1.0, generator=stream)
                else:
                    nn.init.normal_(p, 0.0, 1 / math.sqrt(layer.in_features), generator=stream)
    return net


def saturated(net: nn.Sequential, x: cr.Tensor) -> tuple[float, float]:
    """Fractions of (hidden, output) pre-activations z with |z| > 6 over the images ``x``."""
    with cr.no_grad():
        z1 = net[0](x)
        z2 = net[2](net[1](z1))
    return float((np.abs(z1.numpy()) > LIMIT).mean()), float((np.abs(z2.numpy()) > LIMIT).mean())


def accuracy(net: nn.Module, split) -> float:
    with cr.no_grad():
        return float((net(split.x_test).argmax(axis=1).numpy() == split.y_test.numpy()).mean())


def run(init: str, split, epochs: int, lr: float) -> list[tuple]:
    """(hidden saturated, output saturated, test accuracy) before training and after each epoch."""
    net = build(init)
    loader = DataLoader(TensorDataset(split.x_train, cr.tensor(one_hot(split.y_train))), batch_size=10,
                        shuffle=True, generator=cr.Generator(1))  # fmt: skip
    opt = optim.SGD(net.parameters(), lr=lr)
    rows = [(*saturated(net, split.x_train), accuracy(net, split))]
    for _ in range(epochs):
        for xb, tb in loader:
            cost = 0.5 * ((net(xb) - tb) ** 2).sum(dim=1).mean()
            opt.zero_grad()
            cost.backward()
            opt.step()
        rows.append((*saturated(net, split.x_train), accuracy(net, split)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--train-size", type=int, default=None, help="a class-balanced part of the 4,000 images")
    parser.add_argument("--lr", type=float, default=3.0, help="SGD step (default 3.0, Nielsen's for this cost)")
    args = parser.parse_args(argv)
    split = mnist(args.train_size)
    results = {init: run(init, split, args.epochs, args.lr) for init in ("uniform", "normal")}
    print(f"{'':8s} {'U[0, 1]: |z| > 6 hidden / output, accuracy':>44s}   {'N(0, 1/√in): the same':>30s}")
    for epoch, (u, n) in enumerate(zip(results["uniform"], results["normal"])):
        print(
            f"epoch {epoch}:   {u[0]:10.1%} / {u[1]:6.1%}   {u[2]:8.1%}        {n[0]:8.1%} / {n[1]:6.1%}   {n[2]:7.1%}"
        )
    print("(late in training, output units with z < −6 are confident 'not this digit': saturation that was learned)")
    uniform, normal = results["uniform"], results["normal"]
    check = NotesCheck(f"784-100-10 sigmoid, ½‖a − t‖², SGD α = 10, {len(split.y_train)} MNIST images")
    check.claim("U[0, 1]: at least half the units saturate", uniform[0][0] >= 0.5, f"{uniform[0][0]:.1%} hidden")
    check.claim("... and the accuracy does not move", max(r[2] for r in uniform) < 0.2,
                f"best {max(r[2] for r in uniform):.1%}")  # fmt: skip
    check.claim("N(0, 1/√in): (almost) none saturate", normal[0][0] < 0.05 and normal[0][1] < 0.05,
                f"{normal[0][0]:.1%} / {normal[0][1]:.1%}")  # fmt: skip
    check.claim("... and it learns in the first epochs", normal[-1][2] > 0.6,
                f"{normal[-1][2]:.1%} after epoch {len(normal) - 1}")  # fmt: skip
    return check.finish()


if __name__ == "__main__":
    sys.exit(main())
