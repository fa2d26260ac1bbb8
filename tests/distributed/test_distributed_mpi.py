"""Two processes under ``mpiexec -n 2`` (on this machine): the same training as one process, the
collectives' answers, and a failing process that stops the job within seconds instead of hanging."""

import json
from pathlib import Path

import numpy as np
import pytest

import chainrule.distributed as dist
from helpers import processes
from helpers.scripts import load_script

JOB = Path(__file__).with_name("mpi_job.py")
BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "distributed_step.py"
pytestmark = pytest.mark.skipif(not dist.is_available(), reason=f"mpi4py is not installed ({dist.INSTALL_HINT})")


def run_job(*args: str, timeout: float = 60, script: Path = JOB) -> tuple[int, str, float]:
    """``mpiexec -n 2 python SCRIPT ARGS``: exit status, stdout + stderr, seconds; the job killed at ``timeout``."""
    return processes.mpi_job(script, *args, timeout=timeout)


@pytest.fixture(scope="module")
def parity_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("parity")
    code, output, _ = run_job("parity", str(out))
    assert code == 0, output
    return out


@pytest.fixture(scope="module")
def job():
    return load_script(JOB, "mpi_job")


@pytest.mark.parametrize(("opt", "dtype"), [("sgd", "float64"), ("sgd", "float32"), ("adam", "float64"),
                                            ("adam", "float32")])  # fmt: skip
def test_two_processes_take_the_steps_of_one(parity_run, job, opt, dtype):
    """2 ranks × batch 8 = 1 process × batch 16, after 20 steps (each rank started from its own random model)."""
    reference = job.train(opt, dtype)  # this process is a job of one
    initial = dict(job.make_model(dtype, seed=0).named_parameters())
    tol = 1e-10 if dtype == "float64" else 2e-6
    for rank in (0, 1):
        got = np.load(parity_run / f"{opt}-{dtype}-rank{rank}.npz")
        assert sorted(got) == sorted(reference)
        for name, value in reference.items():
            assert got[name].dtype == value.dtype
            np.testing.assert_allclose(got[name], value, rtol=0, atol=tol, err_msg=f"rank {rank}: {name}")
    moved = max(np.abs(reference[k] - initial[k].detach().numpy()).max() for k in reference)
    assert moved > 0.05  # the steps did change the model


def test_collectives(parity_run):
    results = [json.loads((parity_run / f"collectives-rank{r}.json").read_text()) for r in (0, 1)]
    for got in results:
        assert got["world_size"] == 2
        assert (got["sum"], got["mean"], got["max"], got["min"]) == (3, 1.5, 2.5, 1)
        assert type(got["sum"]) is int and type(got["mean"]) is float
        assert got["array"] == [1.5, 3.0] and got["tensor"] == [3.0, 30.0] and got["tensor_version"] == 1
        assert got["uneven"] == (np.arange(6.0).reshape(2, 3).T * 3).tolist()
        assert got["broadcast"] == {"from": 0} and got["broadcast_array"] == [2.0, 2.0, 2.0]
        assert got["metrics"] == {"loss": 1.5, "n": 3.0} and got["metrics_sum"] == {"loss": 3.0}
        # used on both ranks: the mean; on rank 0 only: its gradient over 2, given to rank 1 too (PyTorch's DDP)
        assert got["unused_bias_grad"] == [1.5, 1.5] and got["unused_weight_grad"] == [[0.5, 0.5], [0.5, 0.5]]
        # flat buckets of one dtype and at most 200 bytes: the float64 tensors (160 + 40 bytes), the float32 one;
        # then the two tensors of 400 bytes, each in its own array: one with a gradient on rank 0, one with none
        assert got["buckets"] == [2, 4]
        assert got["mixed"] == [["float64", [1.5]], ["float32", [3.0]], ["float64", [4.5]], ["float32", [2.0]], None]
    shards = [got["shard"] for got in results]
    assert sorted(shards[0] + shards[1]) == sorted([*range(11), shards[0][0]])  # 11 indices, the first repeated to pad


@pytest.mark.parametrize(
    ("how", "says"),
    [
        ("raise", "rank 1 of 2 failed (ValueError: the data of step 2 is broken); stopping all 2 processes"),
        ("exit", "rank 1 of 2 failed (it called sys.exit(3)); stopping all 2 processes"),
        ("die", ""),  # nothing left to speak: mpiexec ends the job with the dead process's status
    ],
)
def test_a_failing_process_stops_the_job(how, says):
    code, output, seconds = run_job(how, timeout=30)
    assert code != 0, output
    assert says in output
    assert "finished" not in output  # rank 0 did not carry on alone
    assert seconds < 10, f"the job took {seconds:.1f} s to stop"


def test_the_benchmark_runs():
    """benchmarks/distributed_step.py's two processes, one timed step: the line its table is made from."""
    code, output, _ = run_job("--worker", "--steps", "1", script=BENCHMARK)
    assert code == 0, output
    result = json.loads(output.strip().splitlines()[-1])
    assert result["bytes"] == 4 * (784 * 1024 + 1024 + 1024 * 1024 + 1024 + 1024 * 10 + 10)  # 7.45 MB of gradients
    assert result["allreduce"] > 0 and result["averaging"] >= result["allreduce"] and result["bare"] > 0
    assert abs(result["first_loss"] - 2.302446) < 1e-5  # the mean over both halves: one process's loss
