"""``chainrule train`` as several processes: ``--workers N`` starts ``mpiexec -n N`` with the same command line,
and each process that ``mpiexec`` started joins the job (``chainrule.distributed``) and trains on its share.

A plain ``chainrule train`` never imports mpi4py. In a job, an error while setting up (the settings, the data,
the run folder) is agreed on by all ranks and printed once; a failure during training stops every rank
(``MPI_Abort``) instead of leaving the others waiting.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from chainrule.cli.errors import BROKEN_PIPE, INTERRUPTED, CLIError, MissingPackageError, one_line
from chainrule.distributed import comm

T = TypeVar("T")
#: "1" shows rank 0's progress bar although mpiexec's pipes are not a terminal (``--workers`` sets it when its
#: own stderr is one); "0" hides it
PROGRESS = "CHAINRULE_PROGRESS"
#: the BLAS and OpenMP thread counts ``--workers`` gives each process, unless already set: the cores shared out
THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def launched() -> bool:
    """Whether ``mpiexec`` started this process as one of several (read from the environment; nothing imported)."""
    return comm.launcher_size() > 1


def join() -> tuple[int, int]:
    """(rank, number of processes) after joining the job that ``mpiexec`` started; MissingPackageError without MPI."""
    try:
        comm.init()
    except comm.DistributedUnavailableError as exc:
        raise MissingPackageError(f"several processes need mpi4py and MPI: {_reason(exc)}") from None
    except comm.DistributedError as exc:  # an mpiexec of another MPI library than mpi4py's
        raise MissingPackageError(one_line(exc)) from None
    return comm.rank(), comm.world_size()


def launch(n: int, argv: list[str]) -> int:
    """Run ``chainrule argv`` (without ``--workers``) as ``n`` processes under ``mpiexec``; its exit status.

    mpiexec runs in a session of its own, so that one Ctrl-C reaches it once: this process forwards SIGINT and
    SIGTERM to it (mpiexec hands them to every rank) and waits for the ranks to stop together.
    """
    try:
        command = comm.mpiexec_command(n, [sys.executable, "-m", "chainrule.cli.main", *without_workers(argv)])
    except comm.DistributedUnavailableError as exc:
        raise MissingPackageError(f"--workers {n}: {_reason(exc)}") from None
    env = dict(os.environ)
    for name in THREADS:
        env.setdefault(name, str(max(1, (os.cpu_count() or 1) // n)))
    if sys.stderr.isatty():
        env.setdefault(PROGRESS, "1")
        env.setdefault("COLUMNS", str(shutil.get_terminal_size().columns))  # the bar's width, through the pipes
    try:
        job = subprocess.Popen(command, env=env, start_new_session=True)
    except OSError as exc:
        raise MissingPackageError(f"--workers {n}: cannot run {command[0]}: {exc.strerror or exc}") from None
    forward = {sig: signal.signal(sig, lambda signum, frame: job.send_signal(signum))
               for sig in (signal.SIGINT, signal.SIGTERM)}  # fmt: skip
    try:
        code = job.wait()
    finally:
        for sig, previous in forward.items():
            signal.signal(sig, previous)
    return exit_status(code)


def exit_status(code: int) -> int:
    """The job's exit code as the shell reports it: mpiexec killed by signal N (a negative ``code``; SIGPIPE when the
    reader of the output went away, ``| head``) is 128 + N, e.g. 141, not ``-N`` wrapped to 256 - N."""
    return 128 - code if code < 0 else code


def without_workers(argv: list[str]) -> list[str]:
    """``argv`` without its ``--workers N`` or ``--workers=N`` (or an abbreviation argparse takes, ``--wo N``)."""
    kept, skip = [], False
    for i, arg in enumerate(argv):
        name = arg.split("=", 1)[0]
        if skip:
            skip = False
        elif arg == "--":  # the rest are not options
            return kept + argv[i:]
        elif len(name) >= 4 and "--workers".startswith(name):
            skip = "=" not in arg
        else:
            kept.append(arg)
    return kept


def agree(setup: Callable[[], T], rank: int, size: int) -> T:
    """``setup()`` on every rank, and on all of them its outcome: when it raised a CLIError on some rank, every
    rank stops with the first such rank's exit code and that rank alone prints its error (the others exit
    quietly: the same error, or one caused there). A Ctrl-C meanwhile stops every rank (exit code 130)."""
    interrupted = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: interrupted.append(signum))
    try:
        value, error = setup(), None
    except CLIError as exc:
        value, error = None, exc
    finally:
        signal.signal(signal.SIGINT, previous)
    first, calm = comm.all_reduce(np.array([rank if error else size, 0 if interrupted else 1]), comm.ReduceOp.MIN)
    if first == size and calm:
        return value
    if first == size:
        if rank == 0:
            print("chainrule train: interrupted", file=sys.stderr)
        raise SystemExit(INTERRUPTED)
    code = comm.broadcast(error.code if rank == first else None, src=int(first))
    if rank == first:
        raise error
    raise SystemExit(code)


def as_rank(train: Callable[[], int]) -> int:
    """``train()``'s exit code; a failure in it stops every rank at once (MPI_Abort) with this rank's error."""
    with comm.abort_on_error():  # anything else: its traceback, then MPI_Abort
        try:
            return train()
        except CLIError as exc:  # from this rank only (e.g. rank 0 could not write the run folder)
            comm.abort(one_line(exc), exc.code, details=f"chainrule train: error: {exc}\n")
        except KeyboardInterrupt:  # a second Ctrl-C, before mpiexec stops the job
            comm.abort("interrupted", INTERRUPTED)
        except BrokenPipeError:  # the reader of rank 0's output went away
            comm.abort("its standard output was closed", BROKEN_PIPE)


def _reason(exc: BaseException) -> str:
    """A DistributedUnavailableError's words, ending with the install hint."""
    text = one_line(exc)
    return text if comm.INSTALL_HINT in text else f"{text}; install them with: {comm.INSTALL_HINT}"
