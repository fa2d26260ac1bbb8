"""One SGD step of a LeNet: chainrule vs hand-written NumPy vs PyTorch, float32, one thread.

conv 1→8 5×5 padding 2, ReLU, max-pool 2; conv 8→16 5×5, ReLU, max-pool 2; linear 400→10;
softmax cross-entropy; SGD update in place. The three run in this process on the same data and
weights (they print the same first loss). Each round runs the three in turn, the order rotating,
each for several consecutive steps; the table gives each one's median time per step and
chainrule's median ratio to the others over the rounds ("best": the ratio of the fastest rounds).
Memory: the peak bytes allocated during a step beyond what was allocated before it (tracemalloc for
NumPy and chainrule; PyTorch's own memory timeline), beside one layer's unfolded input (im2col).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 .venv/bin/python benchmarks/lenet_step.py
    ... benchmarks/lenet_step.py --quick      # fewer rounds
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
from lenet_numpy import LeNet
from machine import describe
from mlp_step import backward_and_update

import chainrule as cr
from chainrule import nn

BATCHES = (64, 256)
LR = 0.01


def make_problem(batch: int, seed: int = 0) -> tuple:
    """Weights drawn as PyTorch's defaults (U(±1/√fan_in)), images in [0, 1), labels."""
    rng = np.random.default_rng(seed)
    shapes = [(8, 1, 5, 5), (8,), (16, 8, 5, 5), (16,), (10, 400), (10,)]
    fans = [25, 25, 200, 200, 400, 400]
    params = [rng.uniform(-1, 1, s).astype(np.float32) / np.float32(math.sqrt(f)) for s, f in zip(shapes, fans)]
    return params, rng.random((batch, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, batch)


def unfolded_bytes(batch: int) -> int:
    """Bytes of the larger layer's unfolded input (im2col of the whole batch), float32."""
    return 4 * batch * max(1 * 25 * 28 * 28, 8 * 25 * 10 * 10)


# ------------------------------------------------------------------ chainrule
def chainrule_net() -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(1, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 10))  # fmt: skip


def chainrule_step(net: nn.Module, params: list, x: cr.Tensor, y: cr.Tensor) -> float:
    return backward_and_update(cr, nn.functional.cross_entropy(net(x), y), params, LR)


# ------------------------------------------------------------------ PyTorch eager
def torch_runner(torch, weights: list, x: np.ndarray, y: np.ndarray):
    m = torch.nn
    net = m.Sequential(m.Conv2d(1, 8, 5, padding=2), m.ReLU(), m.MaxPool2d(2), m.Conv2d(8, 16, 5), m.ReLU(),
                       m.MaxPool2d(2), m.Flatten(), m.Linear(400, 10))  # fmt: skip
    params = list(net.parameters())
    with torch.no_grad():
        for p, w in zip(params, weights):
            p.copy_(torch.from_numpy(w))
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)

    def step() -> float:
        return backward_and_update(torch, m.functional.cross_entropy(net(tx), ty), params, LR)

    return step


def torch_peak(torch, step) -> float | None:
    """PyTorch's peak bytes during one step from its profiler's memory timeline (None where unavailable)."""
    try:
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CPU], profile_memory=True, record_shapes=True, with_stack=True) as p:
            step()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "timeline.json"
            p.export_memory_timeline(str(path), device="cpu")
            _, sizes = json.loads(path.read_text())
        totals = [sum(s) for s in sizes]
        return max(totals) - totals[0]
    except Exception:  # a profiler without the timeline: the column stays empty
        return None


def traced_peak(step) -> int:
    """Peak bytes NumPy allocated during ``step()`` beyond what was allocated before it."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        step()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


# ------------------------------------------------------------------ the rounds
def bench(batch: int, rounds: int, steps: int) -> dict:
    weights, x, y = make_problem(batch)
    hand = LeNet([w.copy() for w in weights], LR)
    net = chainrule_net()
    net.load_state_dict(dict(zip(net.state_dict(), weights)))
    params = list(net.parameters())
    cx, cy = cr.tensor(x), cr.tensor(y)
    runners = {"numpy": lambda: hand.step(x, y), "chainrule": lambda: chainrule_step(net, params, cx, cy)}
    try:
        import torch

        torch.set_num_threads(1)
        runners["pytorch"] = torch_runner(torch, weights, x, y)
    except ImportError:
        torch = None
    first = {name: run() for name, run in runners.items()}  # warm-up; the same first loss
    memory = {name: traced_peak(run) for name, run in runners.items() if name != "pytorch"}
    if torch is not None:
        memory["pytorch"] = torch_peak(torch, runners["pytorch"])
    times: dict = {name: [] for name in runners}
    names = list(runners)
    for r in range(rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:
            start = time.perf_counter()
            for _ in range(steps):
                runners[name]()
            times[name].append((time.perf_counter() - start) / steps)
    ratios = {other: statistics.median(c / o for c, o in zip(times["chainrule"], times[other]))
              for other in names if other != "chainrule"}  # fmt: skip
    best = {other: min(times["chainrule"]) / min(times[other]) for other in ratios}
    return {"ms": {n: 1e3 * statistics.median(t) for n, t in times.items()}, "ratio": ratios, "best": best,
            "first": first, "memory": memory}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds (noisier)")
    args = parser.parse_args()
    rounds = 5 if args.quick else 21
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)  # BLAS on one thread, whatever the environment says
    except ImportError:
        pass
    print(f"{describe()}; one thread; median of {rounds} rounds")
    print(f"{'batch':>5}{'numpy ms':>10}{'chainrule ms':>14}{'pytorch ms':>12}{'cr/np':>7}{'best':>6}{'cr/pt':>7}"
          f"{'best':>6}   peak MB np/cr/pt  (unfolded layer)   first losses")  # fmt: skip
    for batch in BATCHES:
        r = bench(batch, rounds, max(2, 640 // batch))
        ms, mem = r["ms"], r["memory"]
        pt = f"{ms['pytorch']:>12.2f}" if "pytorch" in ms else " " * 12
        vs_pt = f"{r['ratio']['pytorch']:>7.2f}{r['best']['pytorch']:>6.2f}" if "pytorch" in ms else " " * 13
        peaks = "/".join("-" if mem.get(k) is None else f"{mem[k] / 1e6:.1f}" for k in ("numpy", "chainrule",
                                                                                          "pytorch"))  # fmt: skip
        losses = "/".join(f"{v:.5f}" for v in r["first"].values())
        unfolded = unfolded_bytes(batch) / 1e6
        print(f"{batch:>5}{ms['numpy']:>10.2f}{ms['chainrule']:>14.2f}{pt}{r['ratio']['numpy']:>7.2f}"
              f"{r['best']['numpy']:>6.2f}{vs_pt}   {peaks:>16}  ({unfolded:.1f})   {losses}")  # fmt: skip


if __name__ == "__main__":
    main()
