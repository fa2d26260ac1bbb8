"""One SGD training step of an MLP: chainrule vs hand-written NumPy (vs PyTorch eager when installed).

Each step: forward, softmax cross-entropy, backward, in-place parameter update.
All three run in this process on the same float32 data and weights; the table
shows the median time per step, chainrule's median ratio to NumPy over paired
rounds ("ratio") and the ratio of the two fastest rounds ("best", the machine at
its least disturbed), and the minor page faults per step.

    python benchmarks/mlp_step.py            # the three configurations of issue 2
    python benchmarks/mlp_step.py --quick    # fewer rounds
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import numpy as np
from machine import describe

import chainrule as cr
from chainrule.nn.functional import cross_entropy

CONFIGS = [  # (sizes, activation, batch, target ratio)
    ((784, 100, 10), "sigmoid", 64, 1.25),
    ((784, 100, 10), "sigmoid", 256, 1.10),
    ((784, 1024, 1024, 10), "relu", 512, 1.10),
]
LR = 0.1


def make_problem(sizes: tuple, batch: int, seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    weights = [
        (rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)).astype(np.float32)
        for n_in, n_out in zip(sizes[:-1], sizes[1:])
    ]
    biases = [np.zeros(n, dtype=np.float32) for n in sizes[1:]]
    x = rng.random((batch, sizes[0]), dtype=np.float32)
    y = rng.integers(0, sizes[-1], batch)
    return weights, biases, x, y


# ------------------------------------------------------------------ hand-written NumPy
def numpy_step(weights: list, biases: list, x: np.ndarray, y: np.ndarray, activation: str) -> float:
    n = x.shape[0]
    hs = [x]
    for W, b in zip(weights[:-1], biases[:-1]):
        z = hs[-1] @ W + b
        hs.append(1 / (1 + np.exp(-z)) if activation == "sigmoid" else np.maximum(z, 0))
    logits = hs[-1] @ weights[-1] + biases[-1]
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(s[:, 0]) - shifted[np.arange(n), y]))
    d = e / s
    d[np.arange(n), y] -= 1
    d /= n
    for i in range(len(weights) - 1, -1, -1):
        dW = hs[i].T @ d
        db = d.sum(axis=0)
        if i:
            dh = d @ weights[i].T
            h = hs[i]
            d = dh * h * (1 - h) if activation == "sigmoid" else dh * (h > 0)
        weights[i] -= LR * dW
        biases[i] -= LR * db
    return loss


# ------------------------------------------------------------------ chainrule
def chainrule_step(params: list, x: cr.Tensor, y: cr.Tensor, activation: str) -> float:
    h = x
    pairs = list(zip(params[::2], params[1::2]))
    for W, b in pairs[:-1]:
        z = h @ W + b
        h = z.sigmoid() if activation == "sigmoid" else z.relu()
    W, b = pairs[-1]
    return backward_and_update(cr, cross_entropy(h @ W + b, y), params)


def backward_and_update(lib, loss, params: list, lr: float = LR) -> float:
    """The end of every framework step here: clear the gradients, backward, SGD in place (``lib``: chainrule,
    another copy of it, or torch)."""
    for p in params:
        p.grad = None
    loss.backward()
    with lib.no_grad():
        for p in params:
            p.sub_(p.grad, alpha=lr)
    return loss.item()


# ------------------------------------------------------------------ PyTorch eager
def torch_step(torch, params: list, x, y, activation: str) -> float:
    h = x
    pairs = list(zip(params[::2], params[1::2]))
    for W, b in pairs[:-1]:
        z = h @ W + b
        h = torch.sigmoid(z) if activation == "sigmoid" else torch.relu(z)
    W, b = pairs[-1]
    return backward_and_update(torch, torch.nn.functional.cross_entropy(h @ W + b, y), params)


def bench(sizes: tuple, activation: str, batch: int, rounds: int, steps: int) -> dict:
    """Per runner: median and fastest round's seconds per step, median page faults; chainrule's median paired ratio."""
    weights, biases, x, y = make_problem(sizes, batch)
    np_w, np_b = [w.copy() for w in weights], [b.copy() for b in biases]
    cr_params = [cr.tensor(a, requires_grad=True) for pair in zip(weights, biases) for a in pair]
    cr_x, cr_y = cr.tensor(x), cr.tensor(y)  # each framework gets the labels as its own tensor
    runners = {
        "numpy": lambda: numpy_step(np_w, np_b, x, y, activation),
        "chainrule": lambda: chainrule_step(cr_params, cr_x, cr_y, activation),
    }
    try:
        import torch

        t_params = [torch.tensor(a, requires_grad=True) for pair in zip(weights, biases) for a in pair]
        t_x, t_y = torch.tensor(x), torch.tensor(y)
        runners["pytorch"] = lambda: torch_step(torch, t_params, t_x, t_y, activation)
    except ImportError:
        pass
    first_losses = {name: run() for name, run in runners.items()}  # warm-up; the same first loss
    times: dict = {name: [] for name in runners}
    faults: dict = {name: [] for name in runners}

    def measure(name: str) -> float:
        f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        start = time.perf_counter()
        for _ in range(steps):
            runners[name]()
        seconds = (time.perf_counter() - start) / steps
        times[name].append(seconds)
        faults[name].append((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / steps)
        return seconds

    # NumPy and chainrule in adjacent rounds, the order alternating, so that each pair sees the same
    # machine (a shared machine's speed drifts): the ratio is the median of the pairs' ratios.
    # PyTorch runs in its own rounds afterwards: its OpenMP threads keep spinning after each call
    # and would slow whatever runs next.
    ratios = []
    for r in range(rounds):
        pair = ("numpy", "chainrule") if r % 2 == 0 else ("chainrule", "numpy")
        spent = {name: measure(name) for name in pair}
        ratios.append(spent["chainrule"] / spent["numpy"])
    for _ in range(rounds if "pytorch" in runners else 0):
        measure("pytorch")
    return {
        "seconds": {name: statistics.median(ts) for name, ts in times.items()},
        "best": {name: min(ts) for name, ts in times.items()},
        "faults": {name: statistics.median(fs) for name, fs in faults.items()},
        "ratio": statistics.median(ratios),
        "first_losses": first_losses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds (noisier)")
    args = parser.parse_args()
    rounds = 5 if args.quick else 21
    print(f"{describe()}; median of {rounds} rounds")
    print(f"{'network':<22}{'batch':>6}{'numpy ms':>10}{'chainrule ms':>14}{'ratio':>7}{'best':>6}{'target':>8}"
          f"{'pytorch ms':>12}{'ratio':>7}{'faults np/cr/pt':>18}")  # fmt: skip
    for sizes, activation, batch, target in CONFIGS:
        steps = max(20, int(50 * 64 / batch)) if len(sizes) == 3 else 3  # rounds of about 10 ms or more
        r = bench(sizes, activation, batch, rounds, steps)
        ms, f = r["seconds"], r["faults"]
        torch_cols = f"{ms['pytorch'] * 1e3:>12.3f}{ms['pytorch'] / ms['numpy']:>7.2f}" if "pytorch" in ms else " " * 19
        name = "-".join(map(str, sizes)) + f" {activation}"
        fault_cols = "/".join(f"{f[k]:.0f}" for k in ("numpy", "chainrule", "pytorch") if k in f)
        best = r["best"]["chainrule"] / r["best"]["numpy"]
        print(f"{name:<22}{batch:>6}{ms['numpy'] * 1e3:>10.3f}{ms['chainrule'] * 1e3:>14.3f}{r['ratio']:>7.2f}"
              f"{best:>6.2f}{'≤' + str(target):>8}{torch_cols}{fault_cols:>18}")  # fmt: skip


if __name__ == "__main__":
    main()
