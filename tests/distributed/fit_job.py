"""What test_fit_distributed.py runs under ``mpiexec -n 2`` (and, imported, as one process).

    python fit_job.py parity OUT             # fit() on float64 data, shares of unequal size, an empty one
    python fit_job.py apart OUT              # rank 1 resumes from a folder without the checkpoint
    python fit_job.py raise|die OUT          # chainrule train, rank 1's loss failing at its third batch
"""

from __future__ import annotations

import json
import os
import signal
import sys

import numpy as np

import chainrule as cr
import chainrule.distributed as dist
from chainrule import nn
from chainrule.cli import recipe
from chainrule.cli.main import main
from chainrule.train import fit

#: (batch size, optimizer): 100 samples in batches of 9 leave a last batch of 1 (shares 1 and 0), the others
#: shares of 5 and 4; batches of 16 leave one of 4 (2 and 2)
CASES = [(9, "momentum"), (16, "adam")]
SAMPLES, EPOCHS = 100, 3


def data(seed: int = 1) -> tuple[tuple, tuple]:
    """(train, test) of random float64 points and labels in 3 classes (37 test points: slices of 18 and 19)."""
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal((SAMPLES + 37, 5)), rng.integers(0, 3, SAMPLES + 37)
    return (cr.tensor(x[:SAMPLES]), cr.tensor(y[:SAMPLES])), (cr.tensor(x[SAMPLES:]), cr.tensor(y[SAMPLES:]))


def train(batch_size: int, optimizer: str, run_dir: str | None = None, epochs: int = EPOCHS,
          resume: bool = False) -> tuple[dict, list, list]:  # fmt: skip
    """(final parameters, history, batch losses) of fit on ``data()``, as this process's part of the job."""
    g = cr.Generator(3)
    net = nn.Sequential(nn.Linear(5, 12, dtype="float64", generator=g), nn.Tanh(),
                        nn.Linear(12, 3, dtype="float64", generator=g))  # fmt: skip
    params = net.parameters()
    opt = cr.optim.SGD(params, lr=0.2, momentum=0.9) if optimizer == "momentum" else cr.optim.Adam(params, lr=0.02)
    train_set, test_set = data()
    result = fit(net, nn.CrossEntropyLoss(), opt, train_set, test_set, epochs=epochs, batch_size=batch_size, seed=5,
                 run_dir=run_dir, resume=resume, progress=False, log=None)  # fmt: skip
    weights = {name: p.detach().numpy().copy() for name, p in net.named_parameters()}
    return weights, list(result.history), list(result.batch_losses)


def parity(out: str) -> None:
    dist.init()
    for batch_size, optimizer in CASES:
        weights, history, losses = train(batch_size, optimizer, os.path.join(out, f"run-{batch_size}"))
        np.savez(os.path.join(out, f"{batch_size}-rank{dist.rank()}.npz"), **weights)
        with open(os.path.join(out, f"{batch_size}-rank{dist.rank()}.json"), "w") as f:
            json.dump({"history": history, "batch_losses": losses}, f)


def apart(out: str) -> None:
    """A run that rank 1 resumes from another folder than rank 0's (one without the checkpoint): refused by both."""
    dist.init()
    train(16, "adam", out, epochs=1)
    try:
        train(16, "adam", out if dist.rank() == 0 else os.path.join(out, "elsewhere"), epochs=2, resume=True)
    except dist.DistributedError as exc:
        print(f"rank {dist.rank()} refused: {exc}", flush=True)


def fail(how: str, out: str) -> None:
    """``chainrule train`` on 2 ranks, whose rank 1 raises (or is killed) in its loss at its third batch."""
    build_loss = recipe.build_loss
    calls = []

    def failing(config: recipe.Config, n_classes: int):
        loss = build_loss(config, n_classes)

        def loss_fn(output, labels):
            calls.append(1)
            if dist.rank() == 1 and len(calls) == 3:
                if how == "raise":
                    raise RuntimeError("the loss of batch 3 failed")
                os.kill(os.getpid(), signal.SIGKILL)
            return loss(output, labels)

        return loss_fn

    recipe.build_loss = failing
    sys.exit(main(["train", "--data", "spirals", "--hidden", "8", "--epochs", "50", "--out", out, "--quiet"]))


if __name__ == "__main__":
    if sys.argv[1] == "parity":
        parity(sys.argv[2])
    elif sys.argv[1] == "apart":
        apart(sys.argv[2])
    else:
        fail(sys.argv[1], sys.argv[2])
