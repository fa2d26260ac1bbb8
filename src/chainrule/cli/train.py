"""``chainrule train``: train an MLP or a LeNet on a dataset, with progress, checkpoints, resume and report.html."""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chainrule.cli import recipe, workers
from chainrule.cli.errors import INTERRUPTED, OK, RunFolderError, UsageError, one_line
from chainrule.cli.options import HelpFormatter, argparse_type, metavar
from chainrule.cli.paths import folder_argument, kind, reason, shown
from chainrule.cli.recipe import RULES, Config
from chainrule.cli.rundir import (
    CONFIG,
    REPORT,
    check_run_files,
    default_out,
    merge_resume,
    prepare,
    read_config,
    save_config,
)
from chainrule.distributed import comm
from chainrule.errors import ChainruleError
from chainrule.nn.module import Module
from chainrule.optim.optimizer import Optimizer
from chainrule.random import Generator
from chainrule.train import CHECKPOINT, fit, progress_words, restore, started_epochs

#: a checkpoint after the first epoch, then once this many seconds have passed, and after the last epoch
CHECKPOINT_SECONDS = 2.0
EXAMPLES = """\
examples:
  chainrule train                                   # 784-100-10 sigmoid net on the shipped MNIST sample
  chainrule train --data moons --hidden 16 --hidden 16 --activation relu --epochs 100
  chainrule train --data mnist --mnist-root ~/data/mnist --optimizer adam --epochs 5
  chainrule train --out runs/a --epochs 10 && chainrule train --resume runs/a --epochs 20
  chainrule train --data xor                        # 2-4-2 sigmoid net, batch 1, 500 epochs: 100%%
  chainrule train --hidden 0                        # the linear classifier 784 -> 10
  chainrule train --output sigmoid --loss half-mse  # the essay's network: sigmoid outputs, cost 1/2 ||a - t||^2
  chainrule train --init uniform --epochs 3         # weights from U[0, 1]: saturated sigmoid units
  chainrule train --train-size 1000                 # 100 images of each digit, drawn with --seed
  chainrule train --data mine.npz --hidden 64 --optimizer adam   # your own data (see --data FILE below)
  chainrule train --model lenet                     # LeNet: conv 8, pool, conv 16, pool, linear; 15 epochs
  chainrule train --data digits --conv 16,32        # two 3x3 convolution blocks on the 8x8 digits
  chainrule train --workers 2                       # 2 processes under mpiexec, one process's results
  mpiexec -f hostfile -n 4 chainrule train          # 4 processes on the machines of an MPICH hostfile

--data FILE: a .npz with arrays x (N, D) features, or images (N, H, W) or
(N, C, H, W), and y (N,) integer labels 0..C-1, optionally x_test and y_test; or a
.csv of numbers separated by commas, one sample per line, the label in the last
column, an optional header line. Without test arrays a stratified fifth is held
out as the test set (seed 0), as for the built-in datasets.

The run folder holds config.json, checkpoint.npz (after the first epoch, then at most
every %(every)gs and after the last), metrics.csv, metrics.json and report.html. Ctrl-C
stops after saving a checkpoint; --resume continues a stopped or killed run from its
last checkpoint, and with --epochs N trains a finished one on to N epochs.
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    d = Config()
    others = {**recipe.MODEL_DEFAULTS, **recipe.DATASET_DEFAULTS}  # lenet's defaults, xor's ...
    special = {key: "".join(f"; {name}: {_shown(v[key])}" for name, v in others.items() if key in v)
               for key in recipe.GENERAL_DEFAULTS}  # fmt: skip
    p = commands.add_parser(
        "train", help="train a network on a dataset", description=__doc__.split(":", 1)[1].strip(),
        epilog=EXAMPLES % {"every": CHECKPOINT_SECONDS}, formatter_class=HelpFormatter,
        argument_default=argparse.SUPPRESS,
    )  # fmt: skip
    lrs = ", ".join(f"{k} {v:g}" for k, v in recipe.DEFAULT_LR.items())
    helps = {
        "data": ("DATA", f"dataset: {', '.join(recipe.DATASETS)}, or a .npz or .csv file of your own (see below) "
                         f"(default: {d.data})"),
        "mnist_root": ("DIR", "folder with the four MNIST IDX files (for --data mnist)"),
        "model": (None, "mlp: fully connected layers; lenet: convolution blocks (conv, activation, 2x2 max-pool) on "
                        f"images, then the fully connected layers (default: {d.model})"),
        "conv": ("C1,C2,...", "lenet's convolutions: their channels, one block each (implies --model lenet); 5x5 "
                              "kernels, the first padded by 2 (LeNet-5), on images of 16 pixels a side or more, 3x3 "
                              f"padded by 1 on smaller ones (lenet's default: "
                              f"{','.join(map(str, recipe.MODEL_DEFAULTS['lenet']['conv']))})"),
        "hidden": ("N", "hidden layer size; repeat for more layers; 0: none, the linear classifier "
                        f"(default: {_shown(d.hidden)}{special['hidden']})"),
        "activation": (None, f"hidden activation (default: {d.activation}{special['activation']})"),
        "output": (None, "after the last layer: nothing (scores) or sigmoid units, for --loss mse or half-mse "
                         f"(default: {d.output})"),
        "loss": (None, "loss on the outputs; mse: mean of (a - t)^2 over all outputs (PyTorch's); half-mse: the "
                       f"essay's 1/2 ||a - t||^2 per sample, batch mean (default: {d.loss})"),
        "optimizer": (None, f"sgd, sgd with momentum {recipe.MOMENTUM}, or adam (default: {d.optimizer}"
                            f"{special['optimizer']})"),
        "lr": ("LR", f"learning rate > 0 (default: {lrs})"),
        "batch_size": ("N", f"mini-batch size (default: {d.batch_size}{special['batch_size']})"),
        "epochs": ("N", f"epochs (default: {d.epochs}{special['epochs']})"),
        "weight_decay": ("L2", "L2 weight decay (default: 0)"),
        "init": (None, f"weight initialisation; uniform: U[0, 1], the notes' saturating example (default: {d.init}"
                       f"{special['init']})"),
        "seed": ("SEED", "seed of initialisation, shuffling and --train-size (default: 0)"),
        "train_size": ("N", "train on N samples drawn class-balanced with --seed (default: all)"),
        "workers": ("N", "train as N processes under mpiexec, each on its share of every batch (--batch-size is "
                         f"the whole batch), with the same results; needs {comm.INSTALL_HINT} (default: 1)"),
    }
    for key, (name, text) in helps.items():  # every setting's values are checked by its rule in recipe.RULES
        p.add_argument(recipe.option(key), type=argparse_type(RULES[key]), metavar=metavar(RULES[key]) or name,
                       action="append" if key == "hidden" else None, help=text)  # fmt: skip
    p.add_argument("--out", type=folder_argument, metavar="DIR", help="run folder (default: runs/<timestamp>)")
    p.add_argument("--resume", type=folder_argument, metavar="DIR",
                   help="continue the run in DIR from its last checkpoint")  # fmt: skip
    p.add_argument("--force", action="store_true", help="overwrite the run already in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bars or per-epoch lines, only the result")
    p.set_defaults(run=run)


@dataclass
class _Run:
    """A run ready to train: its settings, data, model, loss, optimizer and folder, and who prints."""

    config: Config
    split: recipe.Data
    model: Module
    loss_fn: Callable
    optimizer: Optimizer
    out: Path
    resumed: bool
    header: str  # the data, the model and the run folder, in three lines
    say: Callable[[str], None] | None  # None: nothing printed before the result (--quiet, or not rank 0)
    progress: bool
    main: bool  # this process prints the result and writes the report (rank 0)


def run(args: argparse.Namespace) -> int:
    n = getattr(args, "workers", None)
    if not workers.launched():
        if n is not None and n > 1:
            return workers.launch(n, args.argv)
        return _train(_prepare(args, 0, 1, None))
    rank, size = workers.join()
    default = comm.broadcast(default_out() if rank == 0 else None)  # one folder name, whatever the clocks say
    prepared = workers.agree(lambda: _prepare(args, rank, size, default), rank, size)
    return workers.as_rank(lambda: _train(prepared))


def _prepare(args: argparse.Namespace, rank: int, size: int, default: Path | None) -> _Run:
    """The run the command line asks for, as process ``rank`` of ``size``; rank 0 writes the run folder."""
    given = {k: getattr(args, k) for k in Config.keys() if hasattr(args, k)}
    out, resume = getattr(args, "out", None), getattr(args, "resume", None)
    quiet, main = getattr(args, "quiet", False), rank == 0
    if size > 1 and given.get("workers", size) != size:
        raise UsageError(f"--workers {given['workers']} in a job of {size} processes that mpiexec started: give "
                         f"--workers {size} or leave it out")  # fmt: skip
    given["workers"] = size
    if resume is not None:
        if out is not None and out.resolve() != resume.resolve():
            raise UsageError("give either --out (a new run) or --resume (an existing run), not both")
        saved = read_config(resume)
        changed = saved.epochs != given.get("epochs", saved.epochs) or saved.workers != size
        out, config = resume, merge_resume(saved, given, resume)
    else:
        try:
            config = Config(**recipe.check_settings(given))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        out = out or default or default_out()
    split = recipe.load_data(config)
    n_inputs, n_classes = recipe.sizes(split)
    try:
        recipe.check_model(config, split)
        recipe.check_train_size(config, len(split.y_train))
        split = recipe.balanced_subset(split, config.train_size, config.seed)
        recipe.check_fits(config, n_inputs, n_classes, len(split.y_train), split.image)
    except ValueError as exc:
        raise (UsageError(str(exc)) if resume is None else RunFolderError(f"--resume {out}: {CONFIG}: {exc}")) from None
    split = recipe.inputs(config, split)
    model = recipe.build_model(config, n_inputs, n_classes, split.image)
    loss_fn = recipe.build_loss(config, n_classes)
    optimizer = recipe.build_optimizer(config, model)
    if resume is None:
        if main:
            prepare(out, getattr(args, "force", False))
            save_config(out, config)
    else:
        _check_checkpoint(out, model, optimizer, -(-len(split.y_train) // config.batch_size), config.epochs)
        if changed and main:
            save_config(out, config)  # only once the checkpoint is known good: nothing is half-changed
    say = None if quiet or not main else (lambda line: print(line, flush=True))
    header = (
        f"data: {shown(config.data)}, {len(split.y_train)} train / {len(split.y_test)} test samples, "
        f"{n_classes} classes\n"
        f"model: {recipe.describe(config, n_inputs, n_classes, split.image)} {config.activation}"
        f"{', sigmoid outputs' if config.output == 'sigmoid' else ''}, {config.init} init, "
        f"{config.loss} loss, {config.optimizer} lr {config.lr:g}, batch {config.batch_size}"
        f"{f' over {size} processes' if size > 1 else ''}\nrun folder: {shown(out)}"
    )
    visible = sys.stderr.isatty() if size == 1 else os.environ.get(workers.PROGRESS) == "1"
    return _Run(config, split, model, loss_fn, optimizer, out, resume is not None, header, say, not quiet and visible,
                main)  # fmt: skip


def _train(run: _Run) -> int:
    """Train the prepared run; the main process then writes the report and prints the result."""
    config, split, out = run.config, run.split, run.out
    if run.say is not None:
        run.say(run.header)
    start = time.perf_counter()
    try:
        result = fit(
            run.model, run.loss_fn, run.optimizer, (split.x_train, split.y_train), (split.x_test, split.y_test),
            epochs=config.epochs, batch_size=config.batch_size, seed=config.seed, run_dir=out, resume=run.resumed,
            progress=run.progress, log=run.say, checkpoint_seconds=CHECKPOINT_SECONDS,
        )  # fmt: skip
    except (ChainruleError, ValueError) as exc:  # a damaged checkpoint or one from another model
        if not run.resumed:
            raise
        raise RunFolderError(f"--resume {out}: cannot continue from its checkpoint: {one_line(exc)}") from None
    except BrokenPipeError:
        raise  # the reader of our output went away (``| head``): not the run folder's fault
    except OSError as exc:
        raise RunFolderError(f"cannot write the run folder {shown(out)}: {reason(exc)}") from None
    if not run.main:
        return INTERRUPTED if result.interrupted else OK
    report = _write_report(out, config, split, run.model, run.loss_fn, result.history, result.batch_losses)
    final = result.final
    if result.interrupted:
        print(f"stopped by Ctrl-C after {result.epochs} epoch(s); checkpoint saved. Continue with: "
              f"chainrule train --resume {shown(out)}", file=sys.stderr)  # fmt: skip
    if final:
        acc = final["test_acc"]
        print(f"final test accuracy: {acc:.2%} after {result.epochs} epochs "
              f"({time.perf_counter() - start:.1f}s); report: {shown(report)}")  # fmt: skip
        hint = diverged_hint(result.history) or (None if result.interrupted else chance_hint(acc, split.y_test))
        if hint:
            print(hint, file=sys.stderr)
    return INTERRUPTED if result.interrupted else OK


def diverged_hint(history: list[dict]) -> str | None:
    """A hint when the loss became NaN or infinite in some epoch: the steps were too large."""
    row = next((row for row in history if not (math.isfinite(row["train_loss"]) and math.isfinite(row["test_loss"]))),
               None)  # fmt: skip
    if row is None:
        return None
    value = next(v for v in (row["train_loss"], row["test_loss"]) if not math.isfinite(v))
    return (f"hint: the loss became {'NaN' if math.isnan(value) else 'infinite'} at epoch {row['epoch']}: the "
            "learning rate is probably too large (or --weight-decay); try a smaller --lr.")  # fmt: skip


def chance_hint(accuracy: float, labels) -> str | None:
    """A hint when ``accuracy`` is no better than always answering the most common class of ``labels``."""
    counts = np.bincount(np.asarray(labels.numpy()))
    chance = counts.max() / max(counts.sum(), 1)
    if accuracy > chance:
        return None
    return (f"hint: {accuracy:.2%} is chance level (always answering the most common class scores {chance:.2%}): "
            "the network has not learnt. Try more --epochs, a larger --lr, a smaller --batch-size, another "
            "--init or --optimizer adam.")  # fmt: skip


def _shown(hidden) -> str:
    """A default as --help shows it: ``100``, ``4``, ``8 8`` (repeated --hidden), ``none``, or a value."""
    if isinstance(hidden, list):
        return " ".join(map(str, hidden)) or "none"
    return str(hidden)


def _write_report(out: Path, config: Config, split, model, loss_fn, history: list, batch_losses) -> Path:
    from chainrule.report import write_report

    try:
        return write_report(out / REPORT, config.to_dict(), split, model, loss_fn, history,
                            image_shape=split.image[1:] if split.image and split.image[0] == 1 else None,
                            batch_losses=batch_losses)  # fmt: skip
    except OSError as exc:
        raise RunFolderError(f"cannot write {shown(out / REPORT)}: {reason(exc)}; the checkpoint is saved, "
                             f"chainrule train --resume {shown(out)} writes the report again") from None


def _check_checkpoint(out: Path, model, optimizer, batches: int, epochs: int) -> None:
    """Refuse a damaged checkpoint, or one past ``--epochs``, or a run file that is not a file, before anything in
    the run folder changes (fit loads the checkpoint again, then trains)."""

    def unusable(why: str) -> RunFolderError:
        return RunFolderError(f"--resume {shown(out)}: {why}")

    found = kind(out / CHECKPOINT, unusable)
    if found not in (None, "file"):
        raise RunFolderError(f"--resume {shown(out)}: its {CHECKPOINT} is not a file")
    check_run_files(out, unusable)
    if found:
        try:
            state = restore(out / CHECKPOINT, model, optimizer, Generator(0), batches)
        except (ChainruleError, ValueError) as exc:
            raise RunFolderError(f"--resume {out}: cannot continue from its checkpoint: {one_line(exc)}") from None
        if started_epochs(state.epoch, state.batch) > epochs:
            raise UsageError(f"--resume {out} --epochs {epochs}: the run has {progress_words(state.epoch, state.batch)}"
                             f" and cannot go back; give --epochs {started_epochs(state.epoch, state.batch)} or more, "
                             "or --out for a new run")  # fmt: skip
