"""Data-parallel SGD steps over MPI: 2 processes against 1 on the same global batch.

The 784-1024-1024-10 ReLU network at global batch 512, float32, written as a user writes it
(``nn.Sequential``, ``DistributedDataParallel``, ``optim.SGD``): each step is forward, cross-entropy,
backward, the gradients averaged across the processes (7.45 MB: the two large weight matrices
each reduced in its own array, the four small tensors in one flat bucket), the update.
Every configuration runs in fresh processes, the configurations alternating round by round; the
table shows medians over the rounds and the median of the paired rounds' speed-ups. Per step,
"averaging" is ``average_gradients`` (the gradients halved, the small ones copied into the bucket
and back, the three Allreduce calls), "Allreduce" the calls alone, waits for the slower process
included, and "bare" the same calls with both processes ready (after a barrier).

    python benchmarks/distributed_step.py            # 7 rounds, about a minute
    python benchmarks/distributed_step.py --quick    # 3 rounds
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
from machine import describe

import chainrule as cr
import chainrule.distributed as dist
from chainrule import nn
from chainrule.nn.functional import cross_entropy

SIZES, GLOBAL_BATCH, LR = (784, 1024, 1024, 10), 512, 0.1
CONFIGS = {  # name: (processes, BLAS threads per process, gradients averaged)
    "1 process, 1 thread": (1, 1, True),
    "2 processes, 1 thread each": (2, 1, True),
    "2 processes, no Allreduce": (2, 1, False),  # the machine's ceiling: the same work without communication
    "1 process, 2 threads": (1, 2, True),
}
BASELINE, PARALLEL, CEILING = "1 process, 1 thread", "2 processes, 1 thread each", "2 processes, no Allreduce"


def worker(steps: int, average: bool) -> None:
    """Time ``steps`` steps after two of warm-up; rank 0 prints one JSON line of seconds per step.

    Without ``average`` each process updates its model with its own gradients: wrong training, timed only.
    """
    dist.init()
    rank, size = dist.rank(), dist.world_size()
    rng = np.random.default_rng(0)
    x = rng.random((GLOBAL_BATCH, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], GLOBAL_BATCH)
    share = GLOBAL_BATCH // size
    xb, yb = cr.tensor(x[rank * share : (rank + 1) * share]), cr.tensor(y[rank * share : (rank + 1) * share])
    layers: list[nn.Module] = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        layers += [nn.Linear(n_in, n_out, dtype="float32", generator=cr.Generator(n_in + n_out)), nn.ReLU()]
    model = dist.DistributedDataParallel(nn.Sequential(*layers[:-1]))
    optimizer = cr.optim.SGD(model.parameters(), lr=LR)

    averaging = [0.0]  # seconds in average_gradients: copies in and out, and the Allreduce

    def step() -> float:
        optimizer.zero_grad()
        loss = cross_entropy(model(xb), yb)
        loss.backward()
        if average:
            start = time.perf_counter()
            model.average_gradients()
            averaging[0] += time.perf_counter() - start
        optimizer.step()
        return loss.item()

    first_loss = dist.all_reduce(step(), "mean")  # the mean over the shares: the 1-process loss
    step()
    dist.barrier()
    spent_before, averaging[0] = model.reducer.allreduce_seconds, 0.0
    start = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = (time.perf_counter() - start) / steps
    in_allreduce, in_averaging = (model.reducer.allreduce_seconds - spent_before) / steps, averaging[0] / steps
    bare = bare_allreduce(model.reducer) if size > 1 else 0.0
    if dist.is_main_process():
        nbytes = sum(p.detach().numpy().nbytes for p in model.reducer.params)
        result = {"step": seconds, "averaging": in_averaging, "allreduce": in_allreduce, "bare": bare}
        print(json.dumps({**result, "first_loss": first_loss, "bytes": nbytes}))


def bare_allreduce(reducer: dist.GradientReducer, repeats: int = 10) -> float:
    """Median seconds in the Allreduce calls of one averaging with both processes ready (no waiting)."""
    times = []
    for _ in range(repeats):
        dist.barrier()
        before = reducer.allreduce_seconds
        reducer.average()
        times.append(reducer.allreduce_seconds - before)
    return statistics.median(times)


def launch(config: str, steps: int) -> dict:
    processes, threads, average = CONFIGS[config]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads)}
    command = [sys.executable, __file__, "--worker", "--steps", str(steps)] + ([] if average else ["--no-average"])
    if processes > 1:
        command = dist.mpiexec_command(processes, command)
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    if out.returncode:
        raise SystemExit(f"{config} failed (exit status {out.returncode}):\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds (noisier)")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per process per round")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-average", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.steps, average=not args.no_average)
        return
    rounds = 3 if args.quick else 7
    print(f"{describe()}; MPI from mpi4py; median of {rounds} rounds of {args.steps} steps")
    results: dict = {name: [] for name in CONFIGS}
    speedups, efficiencies = [], []
    for r in range(rounds):
        order = list(CONFIGS) if r % 2 == 0 else list(reversed(CONFIGS))
        got = {name: launch(name, args.steps) for name in order}
        for name, result in got.items():
            results[name].append(result)
        speedups.append(got[BASELINE]["step"] / got[PARALLEL]["step"])
        efficiencies.append(got[CEILING]["step"] / got[PARALLEL]["step"])
    base = statistics.median(r["step"] for r in results[BASELINE])
    print(f"{'configuration':<28}{'ms/step':>9}{'samples/s':>11}{'vs 1×1':>8}{'averaging ms':>14}{'Allreduce':>11}"
          f"{'bare':>7}{'first loss':>12}")  # fmt: skip
    for name, rows in results.items():
        ms = statistics.median(r["step"] for r in rows) * 1e3
        spent = [statistics.median(r[key] for r in rows) * 1e3 for key in ("averaging", "allreduce", "bare")]
        comm_cols = f"{spent[0]:>14.2f}{spent[1]:>11.2f}{spent[2]:>7.2f}" if name == PARALLEL else " " * 32
        print(f"{name:<28}{ms:>9.1f}{GLOBAL_BATCH / ms * 1e3:>11.0f}{base * 1e3 / ms:>8.2f}{comm_cols}"
              f"{rows[0]['first_loss']:>12.6f}")  # fmt: skip
    mb = results[PARALLEL][0]["bytes"] / 1e6
    bare = statistics.median(r["bare"] for r in results[PARALLEL])
    print(f"2 processes against 1 (1 thread each), median of the rounds: {statistics.median(speedups):.2f}× "
          f"(rounds: {' '.join(f'{s:.2f}' for s in speedups)}); against the same 2 processes without the Allreduce: "
          f"{statistics.median(efficiencies):.2f}; Allreduce of {mb:.2f} MB: {mb / bare / 1e3:.2f} GB/s")  # fmt: skip


if __name__ == "__main__":
    main()
