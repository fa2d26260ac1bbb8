"""The figures the lecture notes describe, regenerated with the notes' own recipes (sigmoid units, plain SGD):

minibatch   the loss of every mini-batch, noisy, falling (slides: "Coborârea pe gradient cu mini-batch"),
            recorded by chainrule.train.fit, beside the per-epoch curves
sigmoid     σ and σ' with the saturated regions |z| > 6 (essay 3.2 and 4.5)
deep_fit    a network of 7 layers (input, 5 sigmoid hidden layers of 16, linear output; the essay counts
            the input as layer 1) fitting f(x) = σ(x) + sin x + cos² x with mini-batches of 10 (essay 4.4)
perceptron  nn.Perceptron learning with its rule from a poor line: f(z) = 1 if z >= 0, class 0 red and
            class 1 green, the weight vector w and a point's signed distance z/‖w‖ (essay 1.2)
descent     gradient descent on the same f from random starting points, axes fixed (essay 4.2)
regions     decision regions of a sigmoid MLP trained with SGD on three spirals: a colour per class,
            a legend, labelled axes

  python examples/notes_figures.py --out pictures/notes                 # all of them (about a minute)
  python examples/notes_figures.py --out pictures/notes --only perceptron --small
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
from notes_data import mnist

import chainrule as cr
from chainrule import nn, optim
from chainrule.data import DataLoader, TensorDataset, datasets
from chainrule.nn import functional as F
from chainrule.train import fit
from chainrule.viz import plots
from chainrule.viz.plots.descent import lecture_function


def lecun(net: nn.Module, seed: int = 0) -> nn.Module:
    """The essay's initialisation: weights from N(0, 1/√in), biases zero."""
    stream = cr.Generator(seed)
    for layer in net:
        if isinstance(layer, nn.Linear):
            nn.init.normal_(layer.weight, 0.0, 1 / math.sqrt(layer.in_features), generator=stream)
            nn.init.zeros_(layer.bias)
    return net


def sgd_epoch(net: nn.Module, loader: DataLoader, opt: optim.Optimizer, loss_fn) -> float:
    total = 0.0
    for xb, yb in loader:
        loss = loss_fn(net(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
    return total / len(loader)


def frames_at(epochs: int, count: int) -> set[int]:
    """About ``count`` epochs to capture, denser early (where training changes most), the last included."""
    return set(np.unique(np.geomspace(1, epochs, count).astype(int)).tolist()) | {epochs}


def minibatch(out: Path, small: bool) -> None:
    split = mnist(1000 if small else None)
    epochs, batch = (2, 50) if small else (5, 64)
    net = lecun(nn.MLP([784, 100, 10], activation="sigmoid"))
    result = fit(net, nn.CrossEntropyLoss(), optim.SGD(net.parameters(), lr=0.5), (split.x_train, split.y_train),
                 (split.x_test, split.y_test), epochs=epochs, batch_size=batch, progress=False, log=None)  # fmt: skip
    steps = -(-len(split.y_train) // batch)
    title = f"loss of each mini-batch of {batch}\n784-100-10 sigmoid, SGD lr 0.5, {len(split.y_train)} MNIST images"
    plots.save(plots.plot_batch_loss(result.batch_losses, steps, title=title), out / "minibatch_loss.png")
    rows = [
        {k: row[k] for k in ("epoch", "train_loss", "test_loss", "train_acc", "test_acc")} for row in result.history
    ]
    plots.save(plots.plot_history(rows, title="the same run, per epoch"), out / "minibatch_epochs.png")
    print(f"minibatch: {len(result.batch_losses)} iterations, loss {result.batch_losses[0]:.2f} → "
          f"{result.batch_losses[-1]:.2f}, test accuracy {result.final['test_acc']:.1%}")  # fmt: skip


def sigmoid(out: Path, small: bool) -> None:
    plots.save(plots.plot_sigmoid(), out / "sigmoid.png")
    print("sigmoid: σ and σ' with |z| > 6 shaded")


def target(x: np.ndarray) -> np.ndarray:
    """The essay's f(x) = σ(x) + sin x + cos² x, computed by chainrule."""
    return lecture_function(cr.tensor(x, dtype=cr.float64)).numpy()


def deep_fit(out: Path, small: bool) -> None:
    epochs = 40 if small else 1500
    rng = np.random.default_rng(0)
    xs = np.sort(rng.uniform(-6, 6, 200)).astype(np.float32)
    x, y = cr.tensor(xs[:, None]), cr.tensor(target(xs).astype(np.float32)[:, None])
    cr.manual_seed(0)
    net = lecun(nn.MLP([1, 16, 16, 16, 16, 16, 1], activation="sigmoid"))
    loader = DataLoader(TensorDataset(x, y), batch_size=10, shuffle=True, generator=cr.Generator(1))
    opt = optim.SGD(net.parameters(), lr=0.3)
    half_mse = lambda out, t: 0.5 * ((out - t) ** 2).mean()  # noqa: E731
    rec = plots.CurveRecorder(xs, y.numpy(), target=target)
    name = "7 layers (5 sigmoid hidden × 16), SGD lr 0.3, α = 10"
    rec.capture(net, f"{name}\nepoch 0")
    shown = frames_at(epochs, 8 if small else 45)
    for epoch in range(1, epochs + 1):
        sgd_epoch(net, loader, opt, half_mse)
        if epoch in shown:
            with cr.no_grad():
                cost = half_mse(net(x), y).item()
            rec.capture(net, f"{name}\nepoch {epoch}: ½MSE {cost:.4f}")
    rec.save_gif(out / "deep_fit.gif")
    plots.save(rec.plot(), out / "deep_fit.png")
    print(f"deep_fit: {len(rec.frames)} frames, ½MSE after {epochs} epochs {cost:.4f}")


def perceptron(out: Path, small: bool) -> None:
    x, y, _, _ = datasets.linearly_separable(n=40, seed=1)
    xs, ys = x.numpy(), y.numpy()
    p = nn.Perceptron(2, lr=0.5)
    p.weight.data[:] = [0.2, -1.0]  # a poor start: most points on the wrong side
    p.bias.data[:] = 0.4
    rec = plots.PerceptronRecorder(x, y)
    rec.capture(p, label="start: a poor line")
    updates, most = 0, 3 if small else 1000
    for epoch in range(1, 50):
        mistakes = 0
        for i in range(len(ys)):
            if p(xs[i]).item() != ys[i] and updates < most:
                rec.capture(p, i, f"epoch {epoch}: point {i} (class {ys[i]}) is on the wrong side")
                p.step(xs[i], ys[i])
                rec.capture(p, i, f"epoch {epoch}: w ← w + lr·(y − ŷ)·x, b ← b + lr·(y − ŷ)")
                mistakes, updates = mistakes + 1, updates + 1
        if not mistakes or updates == most:
            break
    rec.capture(p, label=f"after {updates} updates: every point on its side" if not mistakes else "stopped early")
    rec.save_gif(out / "perceptron.gif", fps=2)
    plots.save(rec.plot(0), out / "perceptron_start.png")
    plots.save(rec.plot(), out / "perceptron.png")
    print(f"perceptron: {updates} updates over {epoch} epoch(s), {len(rec.frames)} frames")


def descent(out: Path, small: bool) -> None:
    starts = np.sort(np.random.default_rng(3).uniform(-6, 6, 5)).round(2).tolist()  # the essay: random starts
    steps = 6 if small else 25
    plots.animate_descent(out / "descent.gif", starts=starts, lr=0.5, steps=steps)
    plots.save(plots.plot_descent(starts=starts, lr=0.5, steps=steps), out / "descent.png")
    print(f"descent: starts {starts}, {steps} steps of lr 0.5")


def regions(out: Path, small: bool) -> None:
    x, y, x_test, y_test = datasets.spirals(n=40 if small else 100, classes=3, noise=0.15)
    epochs = 20 if small else 300
    net = lecun(nn.MLP([2, 32, 32, 3], activation="sigmoid"))
    loader = DataLoader(TensorDataset(x, y), batch_size=10, shuffle=True, generator=cr.Generator(1))
    opt = optim.SGD(net.parameters(), lr=0.5)
    rec = plots.RegionRecorder(x, y, resolution=100)
    shown = frames_at(epochs, 6 if small else 20)
    for epoch in range(1, epochs + 1):
        sgd_epoch(net, loader, opt, F.cross_entropy)
        if epoch in shown:
            rec.capture(net, f"sigmoid MLP 2-32-32-3, SGD lr 0.5\nepoch {epoch}")
    rec.save_gif(out / "regions.gif")
    with cr.no_grad():
        accuracy = float((net(x_test).argmax(axis=1).numpy() == y_test.numpy()).mean())
    title = f"three spirals: sigmoid MLP 2-32-32-3, SGD\ntest accuracy {accuracy:.0%}"
    plots.save(plots.plot_regions(net, x, y, title), out / "regions.png")
    print(f"regions: test accuracy {accuracy:.1%} after {epochs} epochs")


FIGURES = {f.__name__: f for f in (minibatch, sigmoid, deep_fit, perceptron, descent, regions)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)  # fmt: skip
    parser.add_argument("--out", type=Path, default=Path("pictures/notes"))
    parser.add_argument("--only", choices=sorted(FIGURES), action="append", help="this figure only (repeatable)")
    parser.add_argument("--small", action="store_true", help="few epochs and frames: a quick check")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.only or FIGURES:
        FIGURES[name](args.out, args.small)
    print(f"pictures in {args.out}")


if __name__ == "__main__":
    main()
