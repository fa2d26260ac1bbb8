"""Kill or interrupt a training run, resume it, and end with exactly the parameters of an uninterrupted run."""

import json
import os
import signal
import time

import pytest
from cli_support import SMALL, assert_same_weights, run_main, spawn, weights

import chainrule as cr
from chainrule.cli.recipe import Config, build_loss, build_model, build_optimizer, load_data
from chainrule.train import fit

EPOCHS = 10


def reference(tmp_path):
    """The uninterrupted run of SMALL for EPOCHS epochs (same recipe, in-process)."""
    config = Config(data="spirals", hidden=[16], batch_size=1, lr=0.1, epochs=EPOCHS)
    split = load_data(config)
    model = build_model(config, 2, 3)
    fit(model, build_loss(config, 3), build_optimizer(config, model), (split.x_train, split.y_train), None,
        epochs=EPOCHS, batch_size=1, seed=0, progress=False, log=None)  # fmt: skip
    return {k: p._data.copy() for k, p in model.named_parameters()}


def start_and_signal(out, sig):
    """Start a run, wait until its first checkpoint exists, then send ``sig``; returns the finished process."""
    proc = spawn("train", *SMALL, "--epochs", str(EPOCHS), "--out", str(out))
    deadline = time.monotonic() + 60
    while not (out / "metrics.json").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the run ended before its first checkpoint: {proc.communicate()}")
        time.sleep(0.005)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    return proc


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_resume_after_a_signal_gives_the_uninterrupted_parameters(tmp_path, capsys, sig):
    out = tmp_path / "run"
    proc = start_and_signal(out, sig)
    stderr = proc.stderr.read()
    ckpt = cr.load(out / "checkpoint.npz")
    if ckpt["epoch"] == EPOCHS:
        pytest.skip("the machine finished the run before the signal arrived")
    if sig == signal.SIGINT:
        assert proc.returncode == 130
        assert f"chainrule train --resume {out}" in stderr and "Traceback" not in stderr
    else:
        assert proc.returncode == -signal.SIGKILL
        assert ckpt["batch"] == 0  # a killed run keeps its last complete epoch
    code, stdout, err = run_main(capsys, "train", "--resume", str(out))
    assert code == 0, err
    assert stdout.splitlines()[-1].startswith("final test accuracy:")
    assert [row["epoch"] for row in json.loads((out / "metrics.json").read_text())] == list(range(1, EPOCHS + 1))
    assert_same_weights(weights(out), reference(tmp_path))


def test_resume_can_extend_a_finished_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert run_main(capsys, *["train", *SMALL, "--epochs", "4", "--out", str(out), "--quiet"])[0] == 0
    code, stdout, err = run_main(capsys, "train", "--resume", str(out), "--epochs", str(EPOCHS), "--quiet")
    assert code == 0, err
    assert f"after {EPOCHS} epochs" in stdout
    assert_same_weights(weights(out), reference(tmp_path))


def test_resume_with_fewer_epochs_than_done_is_refused_and_changes_nothing(tmp_path, capsys):
    out = tmp_path / "run"
    assert run_main(capsys, *["train", *SMALL, "--epochs", "4", "--out", str(out), "--quiet"])[0] == 0
    before = {f.name: f.read_bytes() for f in out.iterdir()}
    code, stdout, err = run_main(capsys, "train", "--resume", str(out), "--epochs", "3", "--quiet")
    assert code == 2 and stdout == ""
    assert err == (f"chainrule train: error: --resume {out} --epochs 3: the run has 4 completed epochs and cannot "
                   "go back; give --epochs 4 or more, or --out for a new run\n")  # fmt: skip
    assert {f.name: f.read_bytes() for f in out.iterdir()} == before
    code, stdout, err = run_main(capsys, "train", "--resume", str(out), "--epochs", "4", "--quiet")
    assert code == 0 and "after 4 epochs" in stdout, err  # as many as done: the finished run, reported again


def test_sigint_in_process_stops_mid_epoch_and_resumes_exactly(tmp_path):
    """Ctrl-C during a batch: fit finishes that batch, saves a mid-epoch checkpoint; resume replays the rest."""
    config = Config(data="spirals", hidden=[16], batch_size=8, lr=0.1, optimizer="momentum", epochs=3)
    split = load_data(config)
    train = (split.x_train, split.y_train)

    def run(interrupt_at=None, resume=False):
        model = build_model(config, 2, 3)
        loss = build_loss(config, 3)
        calls = []

        def loss_fn(out, y):
            calls.append(1)
            if len(calls) == interrupt_at:
                os.kill(os.getpid(), signal.SIGINT)
            return loss(out, y)

        result = fit(model, loss_fn, build_optimizer(config, model), train, None, epochs=3, batch_size=8,
                     run_dir=tmp_path, resume=resume, progress=False, log=None)  # fmt: skip
        return result, {k: p._data.copy() for k, p in model.named_parameters()}

    stopped, _ = run(interrupt_at=40)  # 30 batches an epoch: stop in the middle of epoch 2
    assert stopped.interrupted and stopped.epochs == 1
    assert cr.load(tmp_path / "checkpoint.npz")["batch"] == 10
    model = build_model(config, 2, 3)
    fresh = {k: p._data.copy() for k, p in model.named_parameters()}
    with pytest.raises(ValueError, match=r"has 1 completed epoch and 10 batches of the next, more than epochs=1: a "
                                         r"run cannot go back; pass epochs=2 or more"):  # fmt: skip
        fit(model, build_loss(config, 3), build_optimizer(config, model), train, None, epochs=1, batch_size=8,
            run_dir=tmp_path, resume=True, progress=False, log=None)  # fmt: skip
    assert_same_weights({k: p._data for k, p in model.named_parameters()}, fresh)  # refused before loading
    resumed, params = run(resume=True)
    assert not resumed.interrupted and resumed.epochs == 3 and len(resumed.history) == 3
    (tmp_path / "checkpoint.npz").unlink()
    _, uninterrupted = run()
    assert_same_weights(params, uninterrupted)
