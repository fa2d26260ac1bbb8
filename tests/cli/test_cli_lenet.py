"""``chainrule train --model lenet`` / ``--conv``: the LeNet of examples/lenet_mnist.py on image datasets, recorded
in config.json, resumed exactly and evaluated; refused clearly where it cannot work."""

import json

import numpy as np
import pytest
from cli_support import assert_same_weights, run_main, weights
from test_cli_errors import refused

TINY = ["--train-size", "40", "--epochs", "1", "--quiet"]


def test_lenet_on_the_mnist_sample(tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, err = run_main(capsys, "train", "--model", "lenet", "--train-size", "40", "--epochs", "1",
                                 "--out", str(out))  # fmt: skip
    assert code == 0, err
    assert ("model: lenet 1x28x28 (conv 5x5 8, pool 2, conv 5x5 16, pool 2) 400-10 relu, he init, cross-entropy "
            "loss, momentum lr 0.05, batch 64") in stdout  # fmt: skip
    config = json.loads((out / "config.json").read_text())
    assert {k: config[k] for k in ("model", "conv", "hidden", "activation", "optimizer", "init", "epochs")} == {
        "model": "lenet", "conv": [8, 16], "hidden": [], "activation": "relu", "optimizer": "momentum",
        "init": "he", "epochs": 1}  # fmt: skip
    shapes = {k: tuple(v.shape) for k, v in weights(out).items()}
    assert shapes == {"0.weight": (8, 1, 5, 5), "0.bias": (8,), "3.weight": (16, 8, 5, 5), "3.bias": (16,),
                      "7.weight": (10, 400), "7.bias": (10,)}  # fmt: skip


def test_conv_alone_asks_for_lenet_and_hidden_layers_follow_the_convolutions(tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, err = run_main(capsys, "train", "--data", "digits", "--conv", "4,6,8", "--hidden", "12", *TINY[:4],
                                 "--out", str(out))  # fmt: skip
    assert code == 0, err
    assert "model: lenet 1x8x8 (conv 3x3 4, pool 2, conv 3x3 6, pool 2, conv 3x3 8, pool 2) 8-12-10 relu" in stdout
    assert json.loads((out / "config.json").read_text())["model"] == "lenet"


def test_resume_ends_with_the_weights_of_an_uninterrupted_run(tmp_path, capsys):
    argv = ["train", "--data", "digits", "--conv", "4", "--train-size", "60", "--batch-size", "16", "--quiet"]
    assert run_main(capsys, *argv, "--epochs", "2", "--out", str(tmp_path / "whole"))[0] == 0
    assert run_main(capsys, *argv, "--epochs", "1", "--out", str(tmp_path / "half"))[0] == 0
    code, _, err = run_main(capsys, "train", "--resume", str(tmp_path / "half"), "--epochs", "2", "--quiet")
    assert code == 0, err
    assert_same_weights(weights(tmp_path / "whole"), weights(tmp_path / "half"))


def test_eval_of_a_lenet_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert run_main(capsys, "train", "--data", "digits", "--conv", "4", *TINY, "--out", str(out))[0] == 0
    code, stdout, err = run_main(capsys, "eval", str(out))
    assert code == 0, err
    acc = json.loads((out / "metrics.json").read_text())[-1]["test_acc"]
    assert "(1 epochs on digits), test set of digits: " in stdout and f"accuracy {acc:.2%}" in stdout
    refused(capsys, 2, "--data mnist-sample does not fit the run's model, trained on digits: load_state_dict",
            "eval", str(out), "--data", "mnist-sample")  # fmt: skip
    refused(capsys, 2, "--data moons does not fit the run's model, trained on digits: --model lenet needs images",
            "eval", str(out), "--data", "moons")  # fmt: skip


def test_lenet_on_images_of_ones_own(tmp_path, capsys):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "rgb.npz", x=rng.random((30, 3, 16, 12)), y=np.arange(30) % 3)
    code, stdout, err = run_main(capsys, "train", "--data", str(tmp_path / "rgb.npz"), "--conv", "4", *TINY[2:],
                                 "--out", str(tmp_path / "run"))  # fmt: skip
    assert code == 0, err


@pytest.mark.parametrize("argv, message", [
    (["--data", "moons", "--model", "lenet"], "--model lenet needs images; --data moons has 2 features per sample "
                                              "(images: mnist-sample, mnist, digits, or a .npz file whose x is"),
    (["--conv", "8,16,32"], "--conv 8,16,32: 28x28 images allow 2 convolutions (5x5, each followed by a 2x2 "
                            "max-pool); convolution 3 would get 5x5 maps, too small to convolve and pool"),
    (["--data", "digits", "--conv", "1,1,1,1"], "--conv 1,1,1,1: 8x8 images allow 3 convolutions (3x3"),
    (["--model", "mlp", "--conv", "8"], "--conv sets the channels of --model lenet's convolutions; --model mlp has "
                                        "none"),
    (["--conv", "8,x"], "argument --conv: expected a positive integer, got 'x'"),
    (["--conv", "0"], "argument --conv: must be a positive integer (>= 1), got 0"),
    (["--model", "cnn"], "argument --model: invalid choice: 'cnn' (choose from 'mlp', 'lenet')"),
])  # fmt: skip
def test_refused_where_it_cannot_work(tmp_path, capsys, argv, message):
    refused(capsys, 2, message, "train", *argv, "--out", str(tmp_path / "run"))
    assert not (tmp_path / "run").exists()


def test_a_config_of_lenet_without_convolutions_is_damaged(tmp_path, capsys):
    out = tmp_path / "run"
    assert run_main(capsys, "train", "--data", "digits", "--conv", "4", *TINY, "--out", str(out))[0] == 0
    config = json.loads((out / "config.json").read_text())
    (out / "config.json").write_text(json.dumps({**config, "conv": []}))
    refused(capsys, 4, 'config.json is damaged: "model" lenet needs at least one convolution ("conv" is empty)',
            "train", "--resume", str(out))  # fmt: skip
