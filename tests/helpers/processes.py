"""Commands the tests run in child processes, under a time limit: a job that hangs fails its test, killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence

import pytest

#: one BLAS thread per process: the machine's cores are shared by the job's processes
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def run(command: Sequence[str], timeout: float = 60) -> tuple[int, str, str, float]:
    """``command`` in a session of its own: (exit status, stdout, stderr, seconds); all of it killed at ``timeout``."""
    job = start(command)
    return finish(job, timeout)


def start(command: Sequence[str]) -> subprocess.Popen:
    env = {**os.environ, **ONE_THREAD, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(list(command), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)  # fmt: skip


def finish(job: subprocess.Popen, timeout: float, start: float | None = None) -> tuple[int, str, str, float]:
    """Wait for ``job`` (started at ``start``, default now): (exit status, stdout, stderr, seconds)."""
    start = time.perf_counter() if start is None else start
    try:
        out, err = job.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(job.pid, signal.SIGKILL)
        out, err = job.communicate()
        pytest.fail(f"{' '.join(job.args)} hung: killed after {timeout} s\n{out}\n{err}")
    return job.returncode, out, err, time.perf_counter() - start


def chainrule(*argv: str) -> list[str]:
    """The ``chainrule`` command line (the console script's code) with this Python."""
    return [sys.executable, "-m", "chainrule.cli.main", *argv]


def mpi_job(script, *args: str, timeout: float = 60) -> tuple[int, str, float]:
    """``mpiexec -n 2 python SCRIPT ARGS``: exit status, stdout + stderr, seconds (all of it killed at ``timeout``)."""
    import chainrule.distributed as dist

    code, out, err, seconds = run(dist.mpiexec_command(2, [sys.executable, str(script), *args]), timeout=timeout)
    return code, out + err, seconds
