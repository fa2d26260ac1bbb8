"""What the distributed tests run under ``mpiexec -n 2`` (and the single-process reference, imported).

    python mpi_job.py parity OUT        # 20 steps of SGD and of Adam, float64 and float32; collectives
    python mpi_job.py raise|exit|die    # rank 1 fails at its third step while rank 0 carries on
"""

from __future__ import annotations

import contextlib
import json
import os
import sys

import numpy as np

import chainrule as cr
import chainrule.distributed as dist
from chainrule import nn
from chainrule.data import DataLoader, TensorDataset
from chainrule.nn.functional import cross_entropy

GLOBAL_BATCH, SAMPLES, STEPS = 16, 96, 20
CASES = [(opt, dtype) for opt in ("sgd", "adam") for dtype in ("float64", "float32")]


def make_model(dtype: str, seed: int) -> nn.Module:
    g = cr.Generator(seed)
    return nn.Sequential(
        nn.Linear(5, 12, dtype=dtype, generator=g), nn.Tanh(), nn.Linear(12, 3, dtype=dtype, generator=g)
    )


def train(opt: str, dtype: str) -> dict[str, np.ndarray]:
    """20 steps at global batch 16 over the job's processes; returns the final parameters.

    Every rank builds its model from its own seed: only ``DistributedDataParallel``'s broadcast makes them one.
    """
    rng = np.random.default_rng(1)
    x = cr.tensor(rng.standard_normal((SAMPLES, 5)).astype(dtype))
    dataset = TensorDataset(x, cr.tensor(rng.integers(0, 3, SAMPLES)))
    net = make_model(dtype, seed=dist.rank())
    model = dist.DistributedDataParallel(net, bucket_cap_mb=200 / 2**20)  # weights in their arrays, biases packed
    params = net.parameters()
    optimizer = cr.optim.SGD(params, lr=0.3, momentum=0.9) if opt == "sgd" else cr.optim.Adam(params, lr=0.05)
    sampler = dist.DistributedSampler(dataset, seed=7)
    loader = DataLoader(dataset, batch_size=GLOBAL_BATCH // dist.world_size(), sampler=sampler)
    step, epoch = 0, 0
    while step < STEPS:
        sampler.set_epoch(epoch)
        for xb, yb in loader:
            if step == STEPS:
                break
            optimizer.zero_grad()
            cross_entropy(model(xb), yb).backward()
            model.average_gradients()
            optimizer.step()
            step += 1
        epoch += 1
    return {name: p.detach().numpy().copy() for name, p in net.named_parameters()}


def collectives() -> dict:
    """The collectives' answers on this rank (rank r contributes r + 1 where it has a choice)."""
    r = dist.rank()
    array = np.array([1.0, 2.0]) * (r + 1)
    tensor = cr.tensor([r + 1.0, 10.0 * (r + 1)])
    uneven = np.arange(6.0).reshape(2, 3).T * (r + 1)  # not contiguous: reduced through a copy
    unused = nn.Linear(2, 2, dtype="float64")  # a parameter with a gradient on rank 0 only
    (unused.bias.sum() * (r + 1) + (unused.weight.sum() if r == 0 else 0)).backward()
    dist.average_gradients(unused)
    sizes = [(20, "float64"), (30, "float32"), (5, "float64"), (100, "float32"), (50, "float64")]
    mixed = [cr.zeros(n, dtype=dtype, requires_grad=True) for n, dtype in sizes]
    for k, p in enumerate(mixed[:3]):
        p.grad = cr.full(p.shape, (r + 1.0) * (k + 1), dtype=p.dtype)
    if r == 0:
        mixed[3].grad = cr.full((100,), 4.0, dtype="float32")
    # 200 bytes: [0, 2] (float64) and [1] copied into flat buckets; 3 and 4 (400 bytes) reduced in their arrays
    reducer = dist.GradientReducer(mixed, bucket_cap_mb=200 / 2**20)
    reducer.average()
    dist.barrier()
    return {
        "sum": dist.all_reduce(r + 1), "mean": dist.all_reduce(r + 1, "mean"), "max": dist.all_reduce(r + 1.5, "max"),
        "min": dist.all_reduce(r + 1, dist.ReduceOp.MIN),
        "array": dist.all_reduce(array, "mean").tolist(), "tensor": dist.all_reduce(tensor).tolist(),
        "tensor_version": tensor._version,  # moved on: a graph that saved the old values would refuse
        "uneven": dist.all_reduce(uneven).tolist(),
        "broadcast": dist.broadcast({"from": r}),
        "broadcast_array": dist.broadcast(np.full(3, r + 1.0), src=1).tolist(),
        "metrics": dist.reduce_metrics({"loss": r + 1.0, "n": 2.0 * (r + 1)}),
        "metrics_sum": dist.reduce_metrics({"loss": r + 1.0}, "sum"),
        "unused_weight_grad": unused.weight.grad.tolist(), "unused_bias_grad": unused.bias.grad.tolist(),
        "buckets": [len(reducer.buckets), reducer.allreduce_calls],
        "mixed": [None if p.grad is None else (str(p.grad.dtype), sorted(set(p.grad.tolist()))) for p in mixed],
        "shard": list(dist.DistributedSampler(range(11), seed=3)),
    }  # fmt: skip


def parity(out: str) -> None:
    dist.init()
    for opt, dtype in CASES:
        np.savez(os.path.join(out, f"{opt}-{dtype}-rank{dist.rank()}.npz"), **train(opt, dtype))
    with open(os.path.join(out, f"collectives-rank{dist.rank()}.json"), "w") as f:
        json.dump({"world_size": dist.world_size(), **collectives()}, f)


def fail(how: str) -> None:
    """Rank 1 fails at its third step while rank 0 goes on into the next Allreduce.

    The exception is left to ``init``'s hook; ``sys.exit`` needs ``abort_on_error``; a dead process, MPICH's mpiexec.
    """
    dist.init()
    net = make_model("float64", seed=0)
    model = dist.DistributedDataParallel(net)
    x, y = cr.randn(8, 5, dtype="float64"), cr.randint(0, 3, (8,))
    with dist.abort_on_error() if how == "exit" else contextlib.nullcontext():
        for step in range(1000):
            if dist.rank() == 1 and step == 2:
                if how == "raise":
                    raise ValueError("the data of step 2 is broken")
                if how == "exit":
                    sys.exit(3)
                os._exit(4)  # "die": no Python clean-up at all
            net.zero_grad()
            cross_entropy(model(x), y).backward()
            model.average_gradients()
    print("rank", dist.rank(), "finished: the failure went unnoticed")


if __name__ == "__main__":
    if sys.argv[1] == "parity":
        parity(sys.argv[2])
    else:
        fail(sys.argv[1])
