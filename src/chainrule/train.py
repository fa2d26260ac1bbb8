"""``fit``: the training loop the CLI and the examples share.

Epochs of shuffled mini-batches, a metrics history, checkpoints (after the first
epoch, then every ``checkpoint_seconds``, after the last epoch and on Ctrl-C, so a
tiny dataset's run is not spent writing files) and an exact resume: the checkpoint
holds the model, the optimizer state and the shuffling stream's position at the start of the next epoch (plus, after
Ctrl-C, how many batches of the current epoch were done), so a resumed run ends
with exactly the parameters of an uninterrupted one. The loss of every mini-batch is
kept too (``FitResult.batch_losses``): the noisy per-iteration curve of the lectures. Ctrl-C (SIGINT) stops after
the current batch, saves a checkpoint and returns with ``interrupted=True``.

In a job of several processes (``mpiexec -n N``, after ``chainrule.distributed.init()``) every process draws the
same shuffled order, forms the same global batches and trains on its share of each (every N-th sample), so the
steps are one process's steps, to float round-off; see :func:`fit`.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import importlib.util
import io
import itertools
import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.autograd.mode import no_grad
from chainrule.backend import xp
from chainrule.data.dataset import TensorDataset
from chainrule.data.loader import DataLoader
from chainrule.data.sampler import BatchSampler, RandomSampler, Sampler
from chainrule.distributed import comm
from chainrule.files import write_bytes
from chainrule.io import CheckpointError, load, save
from chainrule.random import Generator
from chainrule.tensor import Tensor

__all__ = [
    "CHECKPOINT", "FitResult", "History", "METRICS", "evaluate", "fit", "load_checkpoint_model", "predict",
    "read_run_checkpoint", "restore",
]  # fmt: skip

CHECKPOINT = "checkpoint.npz"
METRICS = ("metrics.csv", "metrics.json")
FIELDS = ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "seconds")
# How a history row's numbers are shown (as fit's epoch lines show them); None (no test set) shows as "–".
_SHOWN = {"epoch": "{}", "train_loss": "{:.4f}", "train_acc": "{:.2%}", "test_loss": "{:.4f}", "test_acc": "{:.2%}",
          "seconds": "{:.2f}"}  # fmt: skip


class History(list):
    """``fit``'s per-epoch rows (dicts with FIELDS): a plain list that Jupyter shows as a table."""

    def _repr_html_(self) -> str:
        from chainrule.report.page import note, table  # imported here: chainrule.report imports this module

        if not self:
            return note("no epoch finished yet")
        rows = [["–" if row[k] is None else escape(_SHOWN[k].format(row[k])) for k in FIELDS] for row in self]
        return table([escape(k.replace("_", " ")) for k in FIELDS], rows, "history")


@dataclass
class FitResult:
    """What ``fit`` did: the per-epoch ``history`` (dicts with FIELDS), completed ``epochs``, ``interrupted``,
    and ``batch_losses``: the loss of every mini-batch in training order, one per optimizer step (resumed runs
    included), so ``len(batch_losses)`` is the number of steps taken. Jupyter shows it as a table."""

    history: list = field(default_factory=History)
    epochs: int = 0
    interrupted: bool = False
    batch_losses: list = field(default_factory=list)

    @property
    def final(self) -> dict:
        """The last epoch's row of the history ({} when no epoch finished)."""
        return self.history[-1] if self.history else {}

    def _repr_html_(self) -> str:
        steps = len(self.batch_losses)
        line = f"fit: {self.epochs} epoch(s), {steps} step(s)" + (", interrupted by Ctrl-C" if self.interrupted else "")
        return f"<p>{escape(line)}</p>\n" + History(self.history)._repr_html_()


def fit(
    model: Any,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    optimizer: Any,
    train: tuple[Tensor, Tensor],
    test: tuple[Tensor, Tensor] | None = None,
    epochs: int = 10,
    batch_size: int = 64,
    seed: int = 0,
    run_dir: str | Path | None = None,
    resume: bool = False,
    progress: bool = True,
    log: Callable[[str], None] | None = print,
    checkpoint_seconds: float = 0.0,
) -> FitResult:
    """Train ``model`` on ``train = (x, y)`` for ``epochs``, evaluating on ``test`` after each epoch.

    Mini-batches of ``batch_size`` are reshuffled every epoch by a stream seeded
    with ``seed``. With ``run_dir`` a checkpoint (``checkpoint.npz``) and the
    metrics (``metrics.csv``, ``metrics.json``) are written after the first epoch,
    then after each epoch that ends ``checkpoint_seconds`` or more after the last
    write (0: every epoch), after the last epoch and on Ctrl-C; a killed run loses
    at most that much work. ``resume=True`` continues from the checkpoint there,
    if any. ``progress`` shows a tqdm bar per epoch when tqdm is installed (in Jupyter a widget where
    ipywidgets is, else text); ``log`` gets one summary line per epoch (None: silent). In Jupyter the
    result shows as a table of the history.

    In a job of N > 1 processes (``chainrule.distributed.init()`` under ``mpiexec -n N``), ``batch_size`` is the
    global batch: every process draws the same order, takes every N-th sample of each batch, and its gradient,
    weighted by its share of the batch, is summed over the processes, so each step is the step of one process
    (for a ``loss_fn`` that is a mean over the batch and a model that treats samples independently: no
    BatchNorm, no dropout) up to float round-off, and so are the metrics (sums over the processes; each
    evaluates its slice of ``test``). The processes agree once per batch whether one of them got Ctrl-C, and
    stop together. Rank 0 alone logs, shows the bar and writes to ``run_dir``; every rank reads it to resume.

    >>> result = fit(net, nn.CrossEntropyLoss(), optim.SGD(net.parameters(), lr=0.5), (x, y), (xt, yt), epochs=30)
    >>> result.final["test_acc"]
    """
    run_dir = None if run_dir is None else Path(run_dir)
    shuffle = Generator(seed)
    state = _State()
    dataset = TensorDataset(*train)
    job = _Job(model, batch_size, len(dataset)) if comm.world_size() > 1 else None
    if job is None:
        loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=shuffle)
    else:
        loader, progress, log = job.loader(dataset, shuffle), progress and job.main, log if job.main else None
    if resume and run_dir is not None and (run_dir / CHECKPOINT).is_file():
        state = restore(run_dir / CHECKPOINT, model, optimizer, shuffle, len(loader), epochs)
    if job is not None:
        job.start(model, state)
    writes = run_dir is not None and (job is None or job.main)
    result = FitResult(state.history, state.epoch, batch_losses=state.batch_losses)
    last_write = None  # when this call last wrote a checkpoint (None: not yet)
    with _sigint_flag() as interrupted:
        stop = interrupted if job is None else threading.Event()  # several processes: set when they agree to stop
        while state.epoch < epochs and not stop.is_set():
            epoch_start = shuffle.get_state()
            desc = f"epoch {state.epoch + 1}"
            finished = _run_epoch(model, loss_fn, optimizer, loader, state, (interrupted, stop), progress, desc, job)
            if finished:
                row = _close_epoch(model, loss_fn, test, state, batch_size, job)
                if log is not None:
                    log(_summary(row, epochs))
            else:
                shuffle.set_state(epoch_start)  # resume replays this epoch's order and skips the done batches
            due = last_write is None or time.perf_counter() - last_write >= checkpoint_seconds
            if writes and (due or stop.is_set() or state.epoch == epochs):
                _checkpoint(run_dir, model, optimizer, shuffle, state)
                last_write = time.perf_counter()
        result.epochs, result.interrupted = state.epoch, stop.is_set()
    return result


@dataclass
class _State:
    epoch: int = 0  # completed epochs
    batch: int = 0  # batches done in the current epoch (non-zero only after Ctrl-C)
    loss_sum: float = 0.0
    correct: int = 0
    seen: int = 0
    seconds: float = 0.0
    history: list = field(default_factory=History)
    batch_losses: list = field(default_factory=list)  # every step's mini-batch loss, kept across epochs


class _Job:
    """``fit``'s part in a job of several processes: this rank's share of each global batch, the whole batch's
    gradient (each rank's weighted by its share, summed over the ranks) and the batch's numbers summed over them."""

    def __init__(self, model: Any, batch_size: int, samples: int) -> None:
        from chainrule.distributed import GradientReducer

        self.rank, self.size, self.main = comm.rank(), comm.world_size(), comm.is_main_process()
        self.batch_size, self.samples = batch_size, samples
        self.reducer = GradientReducer(model.parameters())

    def loader(self, dataset: TensorDataset, shuffle: Generator) -> DataLoader:
        """The batches of one process's loader (the same draws from ``shuffle``), each cut to this rank's share."""
        batches = BatchSampler(RandomSampler(dataset, generator=shuffle), self.batch_size, drop_last=False)
        return DataLoader(dataset, batch_sampler=_Share(batches, self.rank, self.size))

    def start(self, model: Any, state: _State) -> None:
        """Every rank from rank 0's parameters (one seed already gives one model, but nothing then can drift), and
        from the same point of the run: a rank that did not find the checkpoint to resume from is an error."""
        from chainrule.distributed import DistributedError, broadcast_parameters

        here = [state.epoch, state.batch]
        highest = comm.all_reduce(np.array(here + [-state.epoch, -state.batch]), comm.ReduceOp.MAX).tolist()
        if highest[:2] != [-v for v in highest[2:]]:
            raise DistributedError(
                f"fit: the processes would start from different points of the run (rank {self.rank}: epoch "
                f"{here[0]}, batch {here[1]}): every process must read the same checkpoint in run_dir"
            )
        broadcast_parameters(model)

    def batch_samples(self, batch: int) -> int:
        """How many samples the global batch number ``batch`` of an epoch has (the last one may have fewer)."""
        return min(self.batch_size, self.samples - batch * self.batch_size)

    def weight(self, n: int, batch: int) -> float:
        """The factor of this rank's mean loss over its ``n`` samples of batch ``batch``: its share of the batch,
        times the number of ranks that the reducer divides the sum by (1 when the shares are equal)."""
        return n * self.size / self.batch_samples(batch)

    def sums(self, *values: float) -> list[float]:
        """``values`` summed over the ranks, in one message."""
        return comm.all_reduce(np.array(values, dtype=np.float64), comm.ReduceOp.SUM).tolist()

    def test_slice(self, n: int) -> slice:
        """This rank's contiguous part of a test set of ``n`` samples."""
        return slice(self.rank * n // self.size, (self.rank + 1) * n // self.size)


class _Share(Sampler):
    """Every ``size``-th index of each batch of ``batches``, from position ``rank``: one rank's part of it."""

    def __init__(self, batches: BatchSampler, rank: int, size: int) -> None:
        self.batches, self.rank, self.size = batches, rank, size

    def __iter__(self) -> Iterator[Any]:
        for batch in self.batches.batches():
            yield batch[self.rank :: self.size]

    def __len__(self) -> int:
        return len(self.batches)


def _run_epoch(model, loss_fn, optimizer, loader, state: _State, flags, progress: bool, desc: str,
               job: _Job | None) -> bool:  # fmt: skip
    """Train over the rest of one epoch's batches; False when stopped by Ctrl-C before the end.

    ``flags`` are (set by Ctrl-C here, set to stop): one Event in one process; in a job, the second is set
    when the ranks' sum of the first says that one of them got Ctrl-C, so that all stop after the same batch.
    """
    interrupted, stop = flags
    model.train()
    batches = itertools.islice(iter(loader), state.batch, None)
    total = job.samples if job else len(loader.dataset)
    done = min(state.batch * (job.batch_size if job else loader.batch_size), total)
    start = time.perf_counter()
    with _bar(progress, total, done, desc) as bar:
        for xb, yb in batches:
            optimizer.zero_grad()
            n = len(yb)
            if job is None:
                out = model(xb)
                loss = loss_fn(out, yb)
                loss.backward()
            elif n:  # a rank may have no share of a last batch smaller than the job
                out = model(xb)
                loss = loss_fn(out, yb)
                weight = job.weight(n, state.batch)
                (loss if weight == 1 else loss * weight).backward()
            if job is not None:
                job.reducer.average()
            optimizer.step()
            value, correct = (float(loss.item()), int((out._data.argmax(axis=1) == yb._data).sum())) if n else (0, 0)
            if job is not None:
                loss_sum, correct, stops = job.sums(value * n, correct, interrupted.is_set())
                n = job.batch_samples(state.batch)
                value, correct = loss_sum / n, int(correct)
                if stops:
                    stop.set()
            state.batch_losses.append(value)
            state.loss_sum += value * n
            state.correct += correct
            state.seen += n
            state.batch += 1
            bar.update(n)
            bar.set_postfix_str(f"loss {state.loss_sum / state.seen:.4f}", refresh=False)
            if stop.is_set():
                break
    state.seconds += time.perf_counter() - start
    return state.batch == len(loader)


def _close_epoch(model, loss_fn, test, state: _State, batch_size: int, job: _Job | None) -> dict:
    start = time.perf_counter()
    test_loss = test_acc = None
    if test:
        x, y = test
        part = slice(None) if job is None else job.test_slice(len(x))
        total, correct = _evaluate_sums(model, loss_fn, x[part], y[part], max(batch_size, 1000))
        if job is not None:
            total, correct = job.sums(total, correct)
        test_loss, test_acc = total / max(len(x), 1), correct / max(len(x), 1)
    state.seconds += time.perf_counter() - start
    row = {
        "epoch": state.epoch + 1,
        "train_loss": state.loss_sum / max(state.seen, 1),
        "train_acc": state.correct / max(state.seen, 1),
        "test_loss": test_loss,
        "test_acc": test_acc,
        "seconds": round(state.seconds, 4),
    }
    state.history.append(row)
    state.epoch += 1
    state.batch, state.loss_sum, state.correct, state.seen, state.seconds = 0, 0.0, 0, 0, 0.0
    return row


def _summary(row: dict, epochs: int) -> str:
    width = len(str(epochs))
    text = f"epoch {row['epoch']:>{width}}/{epochs}  train loss {row['train_loss']:.4f}"
    if row["test_loss"] is not None:
        text += f"  test loss {row['test_loss']:.4f}  test acc {row['test_acc']:.2%}"
    return text + f"  {row['seconds']:.2f}s"


def predict(model: Any, x: Tensor, batch_size: int = 1000) -> Any:
    """The model's outputs on ``x`` (eval mode, no graph), as one array, computed ``batch_size`` rows at a time."""
    model.eval()
    with no_grad():
        return xp.concatenate([model(x[i : i + batch_size])._data for i in range(0, len(x), batch_size)])


def evaluate(model: Any, loss_fn: Callable, x: Tensor, y: Tensor, batch_size: int = 1000) -> tuple[float, float]:
    """(mean loss, accuracy) of ``model`` on ``(x, y)``; accuracy compares the output's argmax with the labels."""
    total, correct = _evaluate_sums(model, loss_fn, x, y, batch_size)
    return total / max(len(x), 1), correct / max(len(x), 1)


def _evaluate_sums(model: Any, loss_fn: Callable, x: Tensor, y: Tensor, batch_size: int) -> tuple[float, int]:
    """(the sum of the samples' losses, the number classified right) on ``(x, y)``, in eval mode."""
    model.eval()
    total, correct = 0.0, 0
    with no_grad():
        for i in range(0, len(x), batch_size):
            out, yb = model(x[i : i + batch_size]), y[i : i + batch_size]
            total += float(loss_fn(out, yb).item()) * len(yb)
            correct += int((out._data.argmax(axis=1) == yb._data).sum())
    return total, correct


# ------------------------------------------------------------------ checkpoints
def _checkpoint(run_dir: Path, model, optimizer, shuffle: Generator, state: _State) -> None:
    """The checkpoint first, then the metrics: both are atomic, and the checkpoint is what resume trusts."""
    partial = {"loss_sum": state.loss_sum, "correct": state.correct, "seen": state.seen, "seconds": state.seconds}
    save(
        {
            "format": "chainrule-run", "epoch": state.epoch, "batch": state.batch, "partial": partial,
            "model": model.state_dict(), "optimizer": optimizer.state_dict(), "shuffle": shuffle.get_state(),
            "history": state.history, "batch_losses": np.asarray(state.batch_losses, dtype=np.float64),
        },
        run_dir / CHECKPOINT,
    )  # fmt: skip
    write_metrics(run_dir, state.history)


def restore(path: str | Path, model: Any, optimizer: Any, shuffle: Generator, batches: int,
            epochs: int | None = None) -> _State:  # fmt: skip
    """Load a ``fit`` checkpoint into ``model``, ``optimizer`` and ``shuffle``; the training state to go on from.

    Everything is checked first (``batches`` is the number of mini-batches in an epoch; ``epochs``, if given,
    how many the run is to have: a checkpoint already past them is refused): on a problem a CheckpointError,
    StateDictError or ValueError names it and model, optimizer and stream are as before.
    """
    ckpt = read_run_checkpoint(path, batches)
    if epochs is not None and started_epochs(ckpt["epoch"], ckpt["batch"]) > epochs:
        raise ValueError(f"fit: the checkpoint {path} has {progress_words(ckpt['epoch'], ckpt['batch'])}, more "
                         f"than epochs={epochs}: a run cannot go back; pass "
                         f"epochs={started_epochs(ckpt['epoch'], ckpt['batch'])} or more")  # fmt: skip
    scratch = Generator(0)
    try:
        scratch.set_state(ckpt["shuffle"])
    except (TypeError, ValueError, KeyError, OverflowError) as exc:
        raise CheckpointError(f"{path}: its shuffling stream's state is damaged ({exc})") from None
    before = {k: v._data.copy() for k, v in model.state_dict().items()}
    model.load_state_dict(ckpt["model"])
    try:
        optimizer.load_state_dict(ckpt["optimizer"])
    except BaseException:
        model.load_state_dict(before)
        raise
    shuffle.set_state(scratch.get_state())
    losses = ckpt.get("batch_losses", np.zeros(0)).tolist()  # absent from checkpoints written before it was kept
    history = History(ckpt["history"])
    return _State(ckpt["epoch"], ckpt["batch"], history=history, batch_losses=losses, **ckpt["partial"])


def started_epochs(epoch: int, batch: int) -> int:
    """The epochs a run has begun: ``epoch`` completed ones, and the next if ``batch`` of its batches are done."""
    return epoch + (batch > 0)


def progress_words(epoch: int, batch: int) -> str:
    """How far a run went: ``20 completed epochs``, ``4 completed epochs and 3 batches of the next``."""
    words = f"{epoch} completed epoch{'s' if epoch != 1 else ''}"
    return words + (f" and {batch} batch{'es' if batch != 1 else ''} of the next" if batch else "")


def load_checkpoint_model(path: str | Path, model: Any) -> dict:
    """Load the model weights of a ``fit`` checkpoint into ``model``; returns the checkpoint (for its history)."""
    ckpt = read_run_checkpoint(path)
    model.load_state_dict(ckpt["model"])
    return ckpt


def read_run_checkpoint(path: str | Path, batches: int | None = None) -> dict:
    """The checkpoint ``fit`` wrote at ``path``, its every entry checked (CheckpointError names what is wrong).

    With ``batches`` (mini-batches in an epoch) the position inside the epoch must lie before its end.
    """
    ckpt = load(path)
    problem = _run_problem(ckpt, batches)
    if problem:
        raise CheckpointError(f"{path}: {problem}")
    return ckpt


_PARTIAL = {"loss_sum": float, "correct": int, "seen": int, "seconds": float}


def _run_problem(ckpt: Any, batches: int | None) -> str | None:
    """What makes ``ckpt`` not a checkpoint ``fit`` can go on from, or None."""
    if not isinstance(ckpt, dict) or ckpt.get("format") != "chainrule-run":
        return "a checkpoint, but not one written by chainrule.train.fit"
    for key, kind in {"model": dict, "optimizer": dict, "shuffle": dict, "partial": dict, "history": list}.items():
        if not isinstance(ckpt.get(key), kind):
            return f"its {key!r} is {_kind(ckpt.get(key))}; expected a {kind.__name__}"
    epoch, batch = ckpt.get("epoch"), ckpt.get("batch")
    if not _count(epoch) or not _count(batch):
        return f"its epoch and batch must be integers >= 0, got {epoch!r:.20} and {batch!r:.20}"
    if batches is not None and batch >= batches:
        return f"it is at batch {batch} of an epoch of {batches} batches (past the end)"
    partial = ckpt["partial"]
    if set(partial) != set(_PARTIAL) or not all(_number(partial[k], kind) for k, kind in _PARTIAL.items()):
        return f"its 'partial' must hold the numbers {', '.join(_PARTIAL)}"
    losses = ckpt.get("batch_losses", np.zeros(0))
    if not isinstance(losses, np.ndarray) or losses.ndim != 1 or losses.dtype != np.float64:
        found = f"a {losses.dtype} array of shape {losses.shape}" if isinstance(losses, np.ndarray) else _kind(losses)
        return f"its 'batch_losses' is {found}; expected a 1-D float64 array (one loss per step)"
    history = ckpt["history"]
    if len(history) != epoch:
        return f"it is at epoch {epoch} but its history has {len(history)} rows"
    for i, row in enumerate(history):
        if not isinstance(row, dict) or set(row) != set(FIELDS) or row["epoch"] != i + 1 or not all(
            row[k] is None or _number(row[k], float) for k in FIELDS
        ):
            return f"row {i} of its history is not {{{', '.join(FIELDS)}}} with numbers for epoch {i + 1}"
    return None


def _count(value: Any) -> bool:
    return type(value) is int and value >= 0


def _number(value: Any, kind: type) -> bool:
    """A count (``kind`` int) or any int or float, NaN included: a diverged run's loss (``kind`` float)."""
    if kind is int:
        return _count(value)
    return isinstance(value, int | float) and not isinstance(value, bool)


def _kind(value: Any) -> str:
    return "missing" if value is None else f"of type {type(value).__name__}"


def write_metrics(run_dir: str | Path, history: list) -> None:
    """``metrics.json`` (a list of per-epoch dicts) and ``metrics.csv`` (one row per epoch), atomically."""
    run_dir = Path(run_dir)
    text = io.StringIO()
    writer = csv.DictWriter(text, FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(history)
    write_bytes(run_dir / METRICS[0], text.getvalue().encode())
    write_bytes(run_dir / METRICS[1], json.dumps(history, indent=1).encode())


# ------------------------------------------------------------------ Ctrl-C and progress
@contextlib.contextmanager
def _sigint_flag() -> Iterator[threading.Event]:
    """While active, the first Ctrl-C sets the flag (training stops after the batch); a second one aborts."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        pass


def _bar_class() -> Callable[..., Any] | None:
    """The bar ``tqdm.auto`` picks, without its warning when ipywidgets is missing; None without tqdm.

    In a Jupyter kernel with ipywidgets: tqdm's notebook widget. Elsewhere its text bar, in a kernel on stdout
    (beside the epoch lines; Jupyter shows stderr as an error) and in a terminal on stderr.
    """
    try:
        from tqdm import std
    except ImportError:
        return None
    from chainrule.viz.explain import _in_notebook

    if not _in_notebook():
        return std.tqdm
    if importlib.util.find_spec("ipywidgets") is not None:
        from tqdm import notebook

        if notebook.IProgress is not None:  # None: an ipywidgets too old or broken to import its widgets
            return notebook.tqdm
    return functools.partial(std.tqdm, file=sys.stdout)


@contextlib.contextmanager
def _bar(progress: bool, total: int, initial: int, desc: str) -> Iterator[Any]:
    """A tqdm bar counting samples (so its rate is the throughput), cleared at the end; a no-op without tqdm."""
    tqdm = _bar_class() if progress else None
    if tqdm is None:
        yield _NoBar()
        return
    with tqdm(total=total, initial=initial, desc=desc, unit="sample", unit_scale=True, leave=False,
              dynamic_ncols=True) as bar:  # fmt: skip
        yield bar
