"""The processes of one training job: who this one is (``rank``), how many they are (``world_size``), and
the collectives that keep them in step (``all_reduce``, ``broadcast``, ``barrier``), over MPI.

mpi4py is imported by :func:`init`, never by ``import chainrule``. A process started without ``mpiexec``
is rank 0 of 1, with or without mpi4py, and every collective hands its input back unchanged.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from chainrule.backend import xp
from chainrule.errors import ChainruleError
from chainrule.tensor import Tensor

INSTALL_HINT = "pip install 'chainrule[mpi]'"
#: variables by which MPI launchers tell each process how many were started (MPICH and Intel MPI, Open MPI,
#: MVAPICH); read only to catch a job whose processes cannot see each other
_LAUNCHER_SIZE = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")

#: seconds between writing why a process stops the job and ``MPI_Abort``, for mpiexec to forward it
_ABORT_GRACE_S = 0.5

class DistributedError(ChainruleError, RuntimeError):
    """The processes of a job cannot work together as asked."""


class DistributedUnavailableError(DistributedError, ImportError):
    """mpi4py, its MPI library or ``mpiexec`` is missing where several processes need it."""


class ReduceOp:
    """PyTorch's names for the reductions (``dist.all_reduce(t, op=dist.ReduceOp.SUM)``); the strings work too."""

    SUM, AVG, MAX, MIN = "sum", "mean", "max", "min"


class _World:
    """This process's place in the job; ``comm`` and ``MPI`` stay None for a job of one."""

    initialized = False
    rank, size = 0, 1
    comm: Any = None
    MPI: Any = None


_world = _World()


def init() -> None:
    """Join the other processes that ``mpiexec`` started (a second call does nothing).

    Imports mpi4py when it is installed (which initializes MPI). With more than one process it also
    makes an uncaught exception in any of them print its traceback and stop them all (``MPI_Abort``),
    instead of leaving the others waiting forever in their next collective.
    """
    if _world.initialized:
        return
    launched = launcher_size()
    try:
        from mpi4py import MPI
    except (ImportError, RuntimeError, OSError) as e:  # no mpi4py, or no MPI library behind it
        if launched > 1:
            raise DistributedUnavailableError(
                f"chainrule.distributed.init: this is one of {launched} processes started by mpiexec, but mpi4py "
                f"cannot be imported ({e}); install it with: {INSTALL_HINT}"
            ) from None
        _world.initialized = True
        return
    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    if launched > 1 and size == 1:
        raise DistributedError(
            f"chainrule.distributed.init: mpiexec started {launched} processes but each one sees an MPI job of 1: "
            f"that mpiexec belongs to another MPI library than mpi4py's ({MPI.Get_library_version().splitlines()[0]}"
            f"); launch with the mpiexec beside this Python ({Path(sys.executable).parent / 'mpiexec'})"
        )
    _world.comm, _world.MPI, _world.rank, _world.size, _world.initialized = comm, MPI, rank, size, True
    if size > 1:
        sys.excepthook = _aborting_hook(sys.excepthook)


def is_available() -> bool:
    """Whether mpi4py is installed (without importing it)."""
    import importlib.util

    return importlib.util.find_spec("mpi4py") is not None


def is_initialized() -> bool:
    """Whether :func:`init` has run in this process."""
    return _world.initialized


def rank() -> int:
    """This process's number in the job, 0 to ``world_size() - 1`` (0 in a job of one)."""
    _check_initialized("rank")
    return _world.rank


def world_size() -> int:
    """How many processes the job has (1 when started without ``mpiexec``)."""
    _check_initialized("world_size")
    return _world.size


def is_main_process() -> bool:
    """True on rank 0, the one process that writes checkpoints, metrics and reports."""
    return rank() == 0


get_rank, get_world_size = rank, world_size  # PyTorch's names


def barrier() -> None:
    """Wait until every process has come here."""
    if world_size() > 1:
        _world.comm.Barrier()


def all_reduce(value: Any, op: str = ReduceOp.SUM) -> Any:
    """Combine ``value`` over all processes with ``op``: ``"sum"``, ``"mean"``, ``"max"`` or ``"min"``.

    A Tensor or NumPy array is reduced in place and returned (as ``torch.distributed.all_reduce``); a
    number comes back as the combined number. Every process must call it, with the same shape and dtype.

    >>> loss_sum = dist.all_reduce(float(loss) * len(xb))     # the same total on every process
    """
    if op not in (ReduceOp.SUM, ReduceOp.AVG, ReduceOp.MAX, ReduceOp.MIN):
        raise ValueError(f"all_reduce: op must be one of 'sum', 'mean', 'max', 'min' (ReduceOp), got {op!r}")
    if isinstance(value, Tensor | xp.ndarray):
        dtype = value.detach().numpy().dtype if isinstance(value, Tensor) else value.dtype
        if op == ReduceOp.AVG and dtype.kind not in "fc":
            raise TypeError(f"all_reduce: op='mean' needs a floating array to hold the mean, got dtype {dtype}")
        return _in_place(value, lambda buffer: _reduce(buffer, op))
    if not isinstance(value, int | float | xp.integer | xp.floating) or isinstance(value, bool):
        raise TypeError(f"all_reduce: value must be a Tensor, a NumPy array or a number, got {type(value).__name__}")
    as_float = op == ReduceOp.AVG or isinstance(value, float | xp.floating)
    return _in_place(xp.array([value], dtype=xp.float64 if as_float else xp.int64), lambda b: _reduce(b, op))[0].item()


def _reduce(buffer: Any, op: str) -> None:
    MPI = _world.MPI
    mpi_op = {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.MAX: MPI.MAX, ReduceOp.MIN: MPI.MIN}[op]
    _world.comm.Allreduce(MPI.IN_PLACE, buffer, op=mpi_op)
    if op == ReduceOp.AVG:
        buffer /= _world.size


def _in_place(value: Any, collective: Callable[[Any], None]) -> Any:
    """``value`` (a Tensor or an array) after ``collective`` has run on its values in a contiguous buffer.

    An array is used as the buffer when it can be; a Tensor takes the result with ``copy_``, so that its
    version moves on (a graph that saved the old values refuses to backpropagate). In a job of one, nothing runs.
    """
    if world_size() == 1:
        return value
    if isinstance(value, Tensor):
        buffer = value.detach().numpy().copy()
        collective(buffer)
        value.detach().copy_(buffer)
        return value
    buffer = value if value.flags.c_contiguous and value.flags.writeable else xp.ascontiguousarray(value)
    collective(buffer)
    if buffer is not value:
        value[...] = buffer
    return value


def broadcast(value: Any, src: int = 0) -> Any:
    """Rank ``src``'s ``value`` on every process.

    A Tensor or NumPy array (the same shape and dtype everywhere) is overwritten in place and returned,
    as ``torch.distributed.broadcast``; any other picklable object is returned, e.g. a run folder that
    rank 0 chose: ``out = dist.broadcast(out if dist.is_main_process() else None)``.
    """
    size = world_size()
    if not isinstance(src, int) or isinstance(src, bool) or not 0 <= src < size:
        raise ValueError(f"broadcast: src must be a rank from 0 to {size - 1}, got {src!r}")
    if size == 1:
        return value
    if not isinstance(value, Tensor | xp.ndarray):
        return _world.comm.bcast(value, root=src)
    return _in_place(value, lambda buffer: _world.comm.Bcast(buffer, root=src))


@contextmanager
def abort_on_error() -> Iterator[None]:
    """Around a program's body: an exception, or a non-zero ``sys.exit``, in one process stops every process.

    Without it, the other processes would wait forever in their next collective. (``init`` already
    does this for exceptions nobody catches; this also covers a program that turns them into exit codes.)
    """
    try:
        yield
    except SystemExit as e:
        if e.code in (None, 0) or not _world.initialized or _world.size == 1:
            raise
        abort(f"it called sys.exit({e.code!r})", e.code if isinstance(e.code, int) else 1)
    except BaseException as e:
        if not _world.initialized or _world.size == 1:
            raise
        abort(f"{type(e).__name__}: {e}", details="".join(traceback.format_exception(e)))


def abort(reason: str, code: int = 1, details: str = "") -> NoReturn:
    """Stop every process of the job with exit status ``code`` (``MPI_Abort``), saying why on stderr.

    ``details`` (a traceback, say) is written before the reason, in the same single write.
    """
    sys.stdout.flush()
    sys.stderr.write(
        f"{details}chainrule.distributed: rank {_world.rank} of {_world.size} failed ({reason}); stopping all "
        f"{_world.size} processes (MPI_Abort)\n"
    )
    sys.stderr.flush()
    if _world.comm is None:
        raise SystemExit(code)
    # mpiexec forwards our stderr from a pipe and may tear the job down as soon as it hears of the abort,
    # before it has read what we just wrote: give it a moment, or the reason is lost (seen under load)
    time.sleep(_ABORT_GRACE_S)
    _world.comm.Abort(code)
    raise SystemExit(code)  # not reached: MPI_Abort ends the process


def _aborting_hook(previous: Any) -> Any:
    def hook(kind: type[BaseException], error: BaseException, tb: Any) -> None:
        if previous is sys.__excepthook__:  # the usual traceback, written with the reason in one go
            abort(f"{kind.__name__}: {error}", details="".join(traceback.format_exception(kind, error, tb)))
        previous(kind, error, tb)  # someone else's hook (IPython's, say) prints it their way
        abort(f"{kind.__name__}: {error}")

    return hook


def launcher_size() -> int:
    """How many processes ``mpiexec`` says it started with this one (1 without mpiexec): read from the
    environment, so it answers before :func:`init` and without mpi4py, e.g. to tell a launcher from its workers."""
    for name in _LAUNCHER_SIZE:
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    return 1



def _check_initialized(name: str) -> None:
    """Refuse to answer as a job of one in a process that ``mpiexec`` started with others, before ``init``."""
    if not _world.initialized and launcher_size() > 1:
        raise DistributedError(
            f"chainrule.distributed.{name}: this process is one of {launcher_size()} started by mpiexec; "
            "call chainrule.distributed.init() first"
        )


def mpiexec_command(n: int, command: Sequence[str], hostfile: str | Path | None = None) -> list[str]:
    """The command line that runs ``command`` as ``n`` processes of one job, e.g. for ``subprocess.run``.

    ``hostfile`` lists the machines (one per line, ``host:slots`` for MPICH, ``host slots=N`` for Open
    MPI); without it all ``n`` run here. Raises :class:`DistributedUnavailableError` when mpi4py or
    ``mpiexec`` is missing.

    >>> subprocess.run(dist.mpiexec_command(2, [sys.executable, "train.py"]), check=True)
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"mpiexec_command: n must be a positive int (the number of processes), got {n!r}")
    if not is_available():
        raise DistributedUnavailableError(f"running {n} processes needs mpi4py and MPI; install them with: "
                                          f"{INSTALL_HINT}")  # fmt: skip
    beside = Path(sys.executable).parent / "mpiexec"  # the mpich wheel's, in this environment
    mpiexec = str(beside) if beside.exists() else shutil.which("mpiexec")
    if mpiexec is None:
        raise DistributedUnavailableError(f"running {n} processes needs mpiexec, found neither beside "
                                          f"{sys.executable} nor on PATH; install it with: {INSTALL_HINT}")  # fmt: skip
    hosts: list[str] = []
    if hostfile is not None:
        version = subprocess.run([mpiexec, "--version"], capture_output=True, text=True, timeout=60).stdout
        hosts = ["--hostfile" if "Open MPI" in version else "-f", str(hostfile)]
    return [mpiexec, *hosts, "-n", str(n), *command]
