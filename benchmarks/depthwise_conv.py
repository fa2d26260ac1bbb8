"""A depthwise convolution's forward and backward pass: chainrule vs PyTorch, float32, one thread.

conv2d of x (32, 32, 32, 32) with w (32, 1, 3, 3), padding 1, groups 32 (one channel per group), then
the gradients of x and w for a given output gradient. Both run in this process on the same arrays
(their three results' largest difference is printed, relative to the result's largest value). Each
round times a few passes of each, the order alternating; the table gives each one's median time per
pass and chainrule's median ratio over the rounds. chainrule unfolds the input (im2col) and multiplies
per group, where PyTorch has a dedicated depthwise kernel: README's "Deliberate differences" quotes
this ratio.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 .venv/bin/python benchmarks/depthwise_conv.py
    ... benchmarks/depthwise_conv.py --quick      # fewer rounds
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from machine import describe

import chainrule as cr
from chainrule.nn import functional as F

SHAPE, KERNEL = (32, 32, 32, 32), 3


def make_problem(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, the depthwise weight and an output gradient, float32."""
    rng = np.random.default_rng(seed)
    n, c, h, w = SHAPE
    x = rng.standard_normal(SHAPE, dtype=np.float32)
    return x, rng.standard_normal((c, 1, KERNEL, KERNEL), dtype=np.float32), rng.standard_normal(SHAPE, np.float32)


def chainrule_pass(x: np.ndarray, w: np.ndarray, g: np.ndarray) -> Callable[[], tuple]:
    xt, wt, gt = cr.tensor(x, requires_grad=True), cr.tensor(w, requires_grad=True), cr.tensor(g)

    def run() -> tuple:
        xt.grad = wt.grad = None
        out = F.conv2d(xt, wt, padding=KERNEL // 2, groups=SHAPE[1])
        out.backward(gt)
        return out.detach().numpy(), xt.grad.numpy(), wt.grad.numpy()

    return run


def torch_pass(x: np.ndarray, w: np.ndarray, g: np.ndarray) -> Callable[[], tuple]:
    import torch

    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    gt = torch.tensor(g)

    def run() -> tuple:
        xt.grad = wt.grad = None
        out = torch.nn.functional.conv2d(xt, wt, padding=KERNEL // 2, groups=SHAPE[1])
        out.backward(gt)
        return out.detach().numpy(), xt.grad.numpy(), wt.grad.numpy()

    return run


def timed(run: Callable[[], tuple], passes: int) -> float:
    """Seconds per pass over ``passes`` consecutive passes."""
    start = time.perf_counter()
    for _ in range(passes):
        run()
    return (time.perf_counter() - start) / passes


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 rounds instead of 30")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)  # as NumPy's BLAS with OMP_NUM_THREADS=1
    x, w, g = make_problem()
    runs = {"chainrule": chainrule_pass(x, w, g), "PyTorch": torch_pass(x, w, g)}
    results = {name: run() for name, run in runs.items()}  # also the warm-up
    diff = max(float(np.abs(a - b).max() / np.abs(b).max()) for a, b in zip(results["chainrule"], results["PyTorch"]))
    times: dict[str, list[float]] = {name: [] for name in runs}
    ratios = []
    for r in range(5 if args.quick else 30):
        order = list(runs) if r % 2 == 0 else list(reversed(runs))
        this = {name: timed(runs[name], 3) for name in order}
        for name, seconds in this.items():
            times[name].append(seconds)
        ratios.append(this["chainrule"] / this["PyTorch"])
    print(describe())
    print(f"depthwise conv2d {SHAPE}, {KERNEL}x{KERNEL}, forward + backward; largest difference {diff:.1e} "
          "of the largest value")
    summary = {name: statistics.median(t) * 1e3 for name, t in times.items()}
    for name, ms in summary.items():
        print(f"  {name:10s} {ms:7.2f} ms")
    ratio = statistics.median(ratios)
    print(f"  chainrule / PyTorch: {ratio:.2f} (median of {len(ratios)} rounds)")
    return {"ms": summary, "ratio": ratio, "difference": diff}


if __name__ == "__main__":
    main()
