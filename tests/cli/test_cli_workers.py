"""``chainrule train --workers N`` and ``mpiexec -n N chainrule train``: one process's run, on several; rank 0
alone prints and writes; Ctrl-C stops every process at the same batch; errors are one line, never a hang."""

import json
import signal
import sys
import time

import numpy as np
import pytest
from cli_support import SMALL, assert_same_weights, run_main, weights

import chainrule as cr
import chainrule.distributed as dist
from chainrule.cli.workers import without_workers
from helpers import processes

needs_mpi = pytest.mark.skipif(not dist.is_available(), reason=f"mpi4py is not installed ({dist.INSTALL_HINT})")
#: 200 MNIST images in batches of 9 (shares of 5 and 4), the last batch of 2 (1 and 1)
RECIPE = ["--train-size", "200", "--batch-size", "9", "--hidden", "16", "--activation", "relu", "--optimizer", "adam",
          "--lr", "0.01", "--epochs", "2"]  # fmt: skip
#: float32 round-off: the batch's gradient is summed in two halves, then added (measured: 1.2e-7 at most)
TOLERANCE = 1e-6


@needs_mpi
def test_two_workers_train_as_one_process(tmp_path, capsys):
    code, _, err = run_main(capsys, "train", *RECIPE, "--out", str(tmp_path / "one"), "--quiet")
    assert code == 0, err
    code, out, err, _ = processes.run(processes.chainrule("train", *RECIPE, "--out", str(tmp_path / "two"),
                                                          "--workers", "2"))  # fmt: skip
    assert code == 0, out + err
    assert "batch 9 over 2 processes" in out
    assert sum(line.startswith("epoch ") for line in out.splitlines()) == 2  # rank 0 alone prints
    assert out.count("final test accuracy") == 1
    for (name, one), two in zip(weights(tmp_path / "one").items(), weights(tmp_path / "two").values(), strict=True):
        assert one.dtype == two.dtype == np.float32
        np.testing.assert_allclose(two, one, rtol=0, atol=TOLERANCE, err_msg=name)
    one, two = (json.loads((tmp_path / run / "metrics.json").read_text()) for run in ("one", "two"))
    assert two[-1]["test_acc"] > 0.7  # it learnt
    for a, b in zip(one, two, strict=True):
        assert (a["train_acc"], a["test_acc"]) == (b["train_acc"], b["test_acc"])
        assert abs(a["train_loss"] - b["train_loss"]) < TOLERANCE and abs(a["test_loss"] - b["test_loss"]) < TOLERANCE
    losses = [cr.load(tmp_path / run / "checkpoint.npz")["batch_losses"] for run in ("one", "two")]
    assert len(losses[0]) == len(losses[1]) == 2 * 23
    np.testing.assert_allclose(losses[1], losses[0], rtol=0, atol=TOLERANCE)
    assert json.loads((tmp_path / "two" / "config.json").read_text())["workers"] == 2
    assert (tmp_path / "two" / "report.html").is_file()


@needs_mpi
def test_ctrl_c_stops_every_worker_and_the_run_resumes_on_one(tmp_path, capsys):
    """SIGINT to ``--workers 2``: both ranks stop after the same batch (exit 130, a checkpoint); resumed by one
    process, the run ends with the parameters of an uninterrupted one (bitwise: a batch of 1 is one rank's)."""
    out = tmp_path / "stopped"
    job = processes.start(processes.chainrule("train", *SMALL, "--epochs", "30", "--out", str(out), "--workers", "2"))
    start = time.perf_counter()
    for line in job.stdout:
        if line.startswith("epoch  1/30"):
            break
    job.send_signal(signal.SIGINT)
    code, rest, err, seconds = processes.finish(job, timeout=30)
    assert code == 130, rest + err
    assert "stopped by Ctrl-C after" in err and f"chainrule train --resume {out}" in err
    assert seconds < 10
    epochs = cr.load(out / "checkpoint.npz")["epoch"] + 2  # it stopped in the middle of an epoch, or after one
    assert epochs < 30 and json.loads((out / "config.json").read_text())["workers"] == 2
    code, _, err = run_main(capsys, "train", "--resume", str(out), "--epochs", str(epochs), "--quiet")
    assert code == 0, err
    assert json.loads((out / "config.json").read_text())["workers"] == 1
    code, _, err = run_main(capsys, "train", *SMALL, "--epochs", str(epochs), "--out", str(tmp_path / "whole"),
                            "--quiet")  # fmt: skip
    assert code == 0, err
    assert_same_weights(weights(out), weights(tmp_path / "whole"))
    assert time.perf_counter() - start < 60


@needs_mpi
def test_an_error_of_every_rank_is_printed_once():
    """Under mpiexec directly: a --workers that is not the job's size is refused by both ranks, said once."""
    command = dist.mpiexec_command(2, processes.chainrule("train", "--workers", "3", "--epochs", "1"))
    code, out, err, seconds = processes.run(command, timeout=60)
    assert code == 2, out + err
    assert err.count("error:") == 1 and "chainrule train: error: --workers 3 in a job of 2 processes" in err
    assert out == "" and seconds < 30


@needs_mpi
def test_an_error_of_rank_0_alone_stops_both(tmp_path):
    """Only rank 0 writes the run folder: its refusal of a used one is printed once, and rank 1 stops too."""
    out = tmp_path / "used"
    out.mkdir()
    (out / "config.json").write_text("{}")
    code, stdout, err, seconds = processes.run(processes.chainrule("train", "--epochs", "1", "--out", str(out),
                                                                   "--workers", "2"), timeout=60)  # fmt: skip
    assert code == 4, stdout + err
    assert err.count("error:") == 1 and f"--out {out} already holds a run (config.json)" in err
    assert seconds < 30


def test_workers_without_mpi_is_one_line_naming_the_extra(capsys, monkeypatch):
    monkeypatch.setattr(dist.comm, "is_available", lambda: False)
    code, out, err = run_main(capsys, "train", "--workers", "2")
    assert code == 6 and out == ""
    assert err.strip().splitlines() == [
        "chainrule train: error: --workers 2: running 2 processes needs mpi4py and MPI; install them with: "
        "pip install 'chainrule[mpi]'"
    ]


def test_one_process_imports_no_mpi(tmp_path):
    script = (f"import sys; from chainrule.cli.main import main; code = main(['train', '--data', 'xor', '--epochs', "
              f"'2', '--quiet', '--out', {str(tmp_path / 'run')!r}]); assert 'mpi4py' not in sys.modules; "
              "sys.exit(code)")  # fmt: skip
    code, out, err, _ = processes.run([sys.executable, "-c", script])
    assert code == 0, out + err


@pytest.mark.parametrize(
    ("argv", "kept"),
    [
        (["--workers", "2", "--epochs", "3"], ["--epochs", "3"]),
        (["--epochs", "3", "--workers=4"], ["--epochs", "3"]),
        (["--wo", "2", "--weight-decay", "0.1", "--w", "x"], ["--weight-decay", "0.1", "--w", "x"]),
        (["--out", "a", "--", "--workers"], ["--out", "a", "--", "--workers"]),
    ],
)
def test_the_workers_get_the_command_line_without_workers(argv, kept):
    assert without_workers(argv) == kept
