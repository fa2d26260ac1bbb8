"""``chainrule train``: the run folder, its files, the printed lines, --quiet, --force; runs replayed in NumPy."""

import csv
import json

import numpy as np
from cli_support import SMALL, run_main, weights

import chainrule as cr
from chainrule.cli.recipe import Config, build_loss, build_model, build_optimizer, load_data, sizes
from chainrule.cli.rundir import read_config
from chainrule.train import fit
from helpers import numpy_mlp as ref


def assert_run_replays(out):
    """The run folder's metrics and final weights equal a hand-written NumPy replay of its recipe
    (config.json), from the same initial weights over batches shuffled by default_rng(seed)."""
    config = read_config(out)
    split = load_data(config)
    start = [p._data.copy() for p in build_model(config, *sizes(split)).parameters()]
    expected, reference = ref.recipe_fit(config, start, *(t.numpy() for t in split))
    history = json.loads((out / "metrics.json").read_text())
    ref.assert_history_close(history, expected, len(split.y_train), len(split.y_test))
    for (name, got), want in zip(weights(out).items(), reference.params, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5, err_msg=name)


def test_train_writes_run_folder(tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, stderr = run_main(capsys, "train", "--data", "xor", "--epochs", "3", "--hidden", "4",
                                    "--out", str(out))  # fmt: skip
    assert code == 0, stderr
    assert {p.name for p in out.iterdir()} == {"config.json", "checkpoint.npz", "metrics.csv", "metrics.json",
                                               "report.html"}  # fmt: skip
    config = json.loads((out / "config.json").read_text())
    assert config["data"] == "xor" and config["hidden"] == [4] and config["epochs"] == 3 and config["lr"] == 0.5
    history = json.loads((out / "metrics.json").read_text())
    assert [row["epoch"] for row in history] == [1, 2, 3]
    rows = list(csv.DictReader((out / "metrics.csv").open()))
    assert [float(r["test_acc"]) for r in rows] == [row["test_acc"] for row in history]
    lines = stdout.splitlines()
    assert sum(line.startswith("epoch ") for line in lines) == 3
    assert "train loss" in lines[-2] and "test loss" in lines[-2] and "test acc" in lines[-2]
    assert lines[-1].startswith(f"final test accuracy: {history[-1]['test_acc']:.2%} after 3 epochs")
    assert cr.load(out / "checkpoint.npz")["epoch"] == 3
    assert_run_replays(out)


def test_cli_run_equals_fit_with_the_same_recipe(tmp_path, capsys):
    out = tmp_path / "run"
    code, _, err = run_main(capsys, "train", *SMALL, "--epochs", "2", "--seed", "3", "--out", str(out), "--quiet")
    assert code == 0, err
    config = Config(data="spirals", hidden=[16], batch_size=1, lr=0.1, epochs=2, seed=3)
    split = load_data(config)
    model = build_model(config, 2, 3)
    fit(model, build_loss(config, 3), build_optimizer(config, model), (split.x_train, split.y_train), None,
        epochs=2, batch_size=1, seed=3, progress=False, log=None)  # fmt: skip
    saved = weights(out)
    for name, p in model.named_parameters():
        assert np.array_equal(saved[name], p._data)
    assert_run_replays(out)  # 480 steps of one sample each


def test_quiet_prints_only_the_result(tmp_path, capsys):
    code, stdout, stderr = run_main(capsys, "train", "--data", "xor", "--epochs", "2", "--quiet", "--out",
                                    str(tmp_path / "q"))  # fmt: skip
    assert code == 0
    assert stdout.splitlines()[0].startswith("final test accuracy:") and len(stdout.splitlines()) == 1
    assert not [line for line in stderr.splitlines() if line.startswith("epoch")]  # no per-epoch lines
    assert_run_replays(tmp_path / "q")


def test_force_overwrites_a_previous_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert run_main(capsys, "train", "--data", "xor", "--epochs", "2", "--out", str(out))[0] == 0
    code, _, err = run_main(capsys, "train", "--data", "xor", "--epochs", "1", "--out", str(out), "--force")
    assert code == 0, err
    assert len(json.loads((out / "metrics.json").read_text())) == 1
    assert_run_replays(out)  # the folder holds the new one-epoch run, from the initial weights


def test_every_option_is_accepted(tmp_path, capsys):
    code, _, err = run_main(
        capsys, "train", "--data", "moons", "--hidden", "8", "--hidden", "6", "--activation", "relu", "--loss", "svm",
        "--optimizer", "adam", "--lr", "0.01", "--batch-size", "32", "--epochs", "2", "--weight-decay", "1e-4",
        "--init", "he", "--seed", "7", "--out", str(tmp_path / "all"), "--quiet",
    )  # fmt: skip
    assert code == 0, err
    config = json.loads((tmp_path / "all" / "config.json").read_text())
    assert config["hidden"] == [8, 6] and config["optimizer"] == "adam" and config["init"] == "he"
    model = weights(tmp_path / "all")
    assert [v.shape for v in model.values()] == [(8, 2), (8,), (6, 8), (6,), (2, 6), (2,)]
    assert_run_replays(tmp_path / "all")  # ReLU, the SVM loss, Adam with weight decay


def test_mse_and_momentum_train(tmp_path, capsys):
    out = tmp_path / "m"
    code, _, err = run_main(capsys, "train", "--data", "linearly-separable", "--loss", "mse", "--optimizer", "momentum",
                            "--epochs", "15", "--hidden", "8", "--activation", "tanh", "--init", "xavier",
                            "--out", str(out), "--quiet")  # fmt: skip
    assert code == 0, err
    assert json.loads((out / "metrics.json").read_text())[-1]["test_acc"] > 0.75  # chance is 0.5
    assert_run_replays(out)  # tanh, MSE on one-hot targets, momentum 0.9
