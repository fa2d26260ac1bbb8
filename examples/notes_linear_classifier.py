"""The essay's linear classifier for MNIST (ro-perceptron-to-backprop-essay.txt, 2.2 "Distingerea între
clase"): 784 inputs, one unit per digit (10), the activation f(z) = z, and the answer the unit with the largest
a. Trained here with the essay's cost c = ½‖a − t‖² against one-hot targets and plain mini-batch SGD (α = 10).

Checked: the output is exactly z = W x + b (no activation), the prediction is its argmax, the network has
784·10 weights and 10 biases, and it learns far above chance (10%).

    python examples/notes_linear_classifier.py [--epochs 3] [--train-size 4000]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from notes_check import NotesCheck
from notes_data import mnist, one_hot

import chainrule as cr
from chainrule import nn, optim
from chainrule.data import DataLoader, TensorDataset


def train(net: nn.Module, split, epochs: int, lr: float, batch_size: int, log=print) -> list[float]:
    """Mini-batch SGD on ½‖a − t‖² (summed over the 10 outputs, averaged over the batch); test accuracy per epoch."""
    targets = cr.tensor(one_hot(split.y_train))
    loader = DataLoader(TensorDataset(split.x_train, targets), batch_size=batch_size, shuffle=True,
                        generator=cr.Generator(1))  # fmt: skip
    opt = optim.SGD(net.parameters(), lr=lr)
    accuracies = []
    for epoch in range(1, epochs + 1):
        for xb, tb in loader:
            cost = 0.5 * ((net(xb) - tb) ** 2).sum(dim=1).mean()
            opt.zero_grad()
            cost.backward()
            opt.step()
        with cr.no_grad():
            accuracies.append(float((net(split.x_test).argmax(axis=1).numpy() == split.y_test.numpy()).mean()))
        log(f"   epoch {epoch}: test accuracy {accuracies[-1]:.1%}")
    return accuracies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--train-size", type=int, default=None, help="a class-balanced part of the 4,000 images")
    parser.add_argument("--lr", type=float, default=0.01, help="SGD step (default 0.01; 0.1 diverges)")
    args = parser.parse_args(argv)
    split = mnist(args.train_size)
    cr.manual_seed(0)
    net = nn.Linear(784, 10)
    nn.init.zeros_(net.weight)
    nn.init.zeros_(net.bias)
    check = NotesCheck(f"linear classifier 784 → 10, f(z) = z, on {len(split.y_train)} MNIST images")
    check.row("weights 784·10 + biases 10", sum(p.numel() for p in net.parameters()), "7850")
    accuracies = train(net, split, args.epochs, args.lr, batch_size=10)
    with cr.no_grad():
        a = net(split.x_test).numpy()
    weight, bias = net.weight.detach().numpy().astype(np.float64), net.bias.detach().numpy()
    by_hand = split.x_test.numpy().astype(np.float64) @ weight.T + bias
    check.row("a − (W x + b), largest: f(z) = z", np.abs(a - by_hand).max(), 0.0, tol=1e-4)
    predicted = net(split.x_test).argmax(axis=1).numpy()
    check.claim("answer = the unit with the largest a", bool((predicted == a.argmax(axis=1)).all()), "")
    check.claim("learns: test accuracy far above 10%", accuracies[-1] > 0.6, f"{accuracies[-1]:.1%}")
    return check.finish()


if __name__ == "__main__":
    sys.exit(main())
