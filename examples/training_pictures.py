"""Training pictures: the perceptron learning with its rule, decision regions over training of tanh MLPs
trained with Adam on XOR / moons / spirals (not the notes' recipe: notes_figures.py draws those with sigmoid
units and plain SGD), loss and accuracy curves, gradient descent in 1-D, MNIST weights and confusion.

    python examples/training_pictures.py --out pictures/training     (--small for a quick run)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import chainrule as cr
from chainrule import nn, optim
from chainrule.data import datasets
from chainrule.viz import plots


def perceptron(out: Path, epochs: int) -> None:
    """nn.Perceptron's rule w ← w + (y − ŷ)·x on linearly separable points, from a poor line: a frame per epoch
    until no point is misclassified (notes_figures.py draws every update)."""
    x, y, _, _ = datasets.linearly_separable(n=60, seed=1, test_fraction=0.2)
    p = nn.Perceptron(2)
    p.weight.data[:] = [0.2, -1.0]
    p.bias.data[:] = 0.4
    rec = plots.PerceptronRecorder(x, y)
    rec.capture(p, label="perceptron: the start")
    for epoch in range(1, epochs + 1):
        mistakes = p.epoch(x, y)
        if not mistakes:
            break
        rec.capture(p, label=f"perceptron: after epoch {epoch} ({mistakes} updates)")
    plots.save(rec.plot(), out / "perceptron.png")
    rec.save_gif(out / "perceptron.gif", fps=1)


def train_mlp(name: str, split: datasets.Split, out: Path, epochs: int, hidden: int) -> dict:
    """Full-batch Adam on a small tanh MLP; regions captured along the way, history returned."""
    x, y, x_test, y_test = split
    cr.manual_seed(0)
    net = nn.MLP([2, hidden, hidden, split.num_classes], activation="tanh")
    opt = optim.Adam(net.parameters(), lr=0.05)
    rec = plots.RegionRecorder(x, y, resolution=80)
    history = []
    for epoch in range(1, epochs + 1):
        loss = nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if epoch % max(1, epochs // 12) == 0 or epoch == epochs:
            with cr.no_grad():
                acc = float((net(x).argmax(axis=1) == y).float().mean().item())
                test_loss = float(nn.functional.cross_entropy(net(x_test), y_test).item())
                test_acc = float((net(x_test).argmax(axis=1) == y_test).float().mean().item())
            history.append(
                {"epoch": epoch, "loss": loss.item(), "test_loss": test_loss, "acc": acc, "test_acc": test_acc}
            )
            rec.capture(net, f"{name}: tanh MLP (Adam), epoch {epoch}")
    plots.save(plots.plot_regions(net, x, y, f"{name}: tanh MLP (Adam) decision regions"), out / f"{name}_regions.png")
    rec.save_gif(out / f"{name}_regions.gif")
    plots.save(plots.plot_history(history, title=name), out / f"{name}_history.png")
    return history


def descent(out: Path, steps: int) -> None:
    for lr, tag in ((0.5, "good"), (3.0, "too_large")):
        plots.save(plots.plot_descent(lr=lr, steps=steps), out / f"descent_lr_{tag}.png")
        plots.animate_descent(out / f"descent_lr_{tag}.gif", lr=lr, steps=steps)


def mnist(out: Path, epochs: int, hidden: int) -> None:
    """A sigmoid MLP on the shipped MNIST sample: first-layer weights and the test confusion matrix."""
    x, y, x_test, y_test = datasets.mnist_sample()
    cr.manual_seed(0)
    net = nn.MLP([784, hidden, 10], activation="sigmoid")
    opt = optim.Adam(net.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    for _ in range(epochs):
        order = rng.permutation(len(x))  # shuffled mini-batches: the sample may be stored class by class
        for i in range(0, len(x), 200):
            batch = order[i : i + 200]
            loss = nn.functional.cross_entropy(net(x[batch]), y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
    plots.save(plots.plot_weights(net[0].weight.detach(), max_units=hidden), out / "mnist_weights.png")
    with cr.no_grad():
        pred = net(x_test).argmax(axis=1)
    plots.save(plots.plot_confusion(y_test, pred), out / "mnist_confusion.png")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("pictures/training"))
    parser.add_argument("--small", action="store_true", help="few epochs and small data: a quick check")
    args = parser.parse_args(argv)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    small = args.small
    perceptron(out, 3 if small else 10)
    n = 60 if small else 300
    for name, split in (
        ("xor", datasets.xor(n_per_corner=n // 4, noise=0.2)),
        ("moons", datasets.moons(n=n, noise=0.15)),
        ("spirals", datasets.spirals(n=n // 3, classes=3, noise=0.15)),
    ):
        train_mlp(name, split, out, 24 if small else 400, 8 if small else 32)
    descent(out, 6 if small else 20)
    mnist(out, 1 if small else 5, 16 if small else 64)
    print(f"wrote {len(list(out.iterdir()))} pictures to {out}")


if __name__ == "__main__":
    main()
