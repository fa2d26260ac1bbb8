"""``fit`` as two processes under ``mpiexec -n 2``: one process's steps and metrics to float64 round-off, the same
on both ranks, rank 0 alone writing; a rank that raises or dies in ``chainrule train`` stops the job in seconds."""

import json
from pathlib import Path

import numpy as np
import pytest

import chainrule.distributed as dist
from helpers import processes
from helpers.scripts import load_script

JOB = Path(__file__).with_name("fit_job.py")
pytestmark = pytest.mark.skipif(not dist.is_available(), reason=f"mpi4py is not installed ({dist.INSTALL_HINT})")
#: float64 round-off of a batch's gradient summed in two parts (measured: 1.1e-15 at most)
TOLERANCE = 1e-13


def run_job(*args: str) -> tuple[int, str, float]:
    """``mpiexec -n 2 python fit_job.py ARGS``: exit status, stdout + stderr, seconds (killed after 60 s)."""
    return processes.mpi_job(JOB, *args)


@pytest.fixture(scope="module")
def job():
    return load_script(JOB, "fit_job")


@pytest.fixture(scope="module")
def parity_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("fit-parity")
    code, output, _ = run_job("parity", str(out))
    assert code == 0, output
    return out


@pytest.mark.parametrize(("batch_size", "optimizer"), [(9, "momentum"), (16, "adam")])
def test_two_processes_fit_as_one(parity_run, job, batch_size, optimizer):
    """Shares of 5 and 4 samples, a last batch of 1 (rank 1's share empty); shares of 8, a last batch of 2 and 2."""
    assert (batch_size, optimizer) in job.CASES
    weights, history, losses = job.train(batch_size, optimizer)  # this process is a job of one
    ranks = [np.load(parity_run / f"{batch_size}-rank{r}.npz") for r in (0, 1)]
    for name, value in weights.items():
        assert np.array_equal(ranks[0][name], ranks[1][name]), f"the ranks differ in {name}"
        np.testing.assert_allclose(ranks[0][name], value, rtol=0, atol=TOLERANCE, err_msg=name)
    for r in (0, 1):
        got = json.loads((parity_run / f"{batch_size}-rank{r}.json").read_text())
        assert len(got["batch_losses"]) == len(losses) == job.EPOCHS * -(-job.SAMPLES // batch_size)
        np.testing.assert_allclose(got["batch_losses"], losses, rtol=0, atol=TOLERANCE)
        for a, b in zip(got["history"], history, strict=True):
            assert (a["epoch"], a["train_acc"], a["test_acc"]) == (b["epoch"], b["train_acc"], b["test_acc"])
            assert abs(a["train_loss"] - b["train_loss"]) < TOLERANCE and abs(a["test_loss"] - b["test_loss"]) < 1e-13
    run = parity_run / f"run-{batch_size}"  # rank 0's writing
    assert sorted(p.name for p in run.iterdir()) == ["checkpoint.npz", "metrics.csv", "metrics.json"]


def test_ranks_that_would_resume_from_different_points_are_refused(tmp_path):
    code, output, _ = run_job("apart", str(tmp_path))
    assert code == 0, output
    for rank in (0, 1):
        assert f"rank {rank} refused: fit: the processes would start from different points of the run" in output
    assert "every process must read the same checkpoint in run_dir" in output


@pytest.mark.parametrize(
    ("how", "says"),
    [
        ("raise", "rank 1 of 2 failed (RuntimeError: the loss of batch 3 failed); stopping all 2 processes"),
        ("die", "Killed (signal 9)"),  # MPICH's mpiexec ends the job, naming the dead process's signal
    ],
)
def test_a_failing_rank_stops_chainrule_train(tmp_path, how, says):
    code, output, seconds = run_job(how, str(tmp_path / "run"))
    assert code != 0, output
    assert says in output
    assert "final test accuracy" not in output  # rank 0 did not carry on alone
    assert seconds < 20, f"the job took {seconds:.1f} s to stop"
