"""``chainrule train`` speaks the lecture notes' recipes: the linear classifier (--hidden 0), the essay's sigmoid
outputs with ½‖a − t‖² (--output sigmoid --loss half-mse), saturating U[0, 1] weights (--init uniform), XOR
defaults that learn (and a hint at chance level), sparse checkpoints on tiny datasets, a class-balanced
--train-size."""

import json
import time

import numpy as np
import pytest
from cli_support import assert_same_weights, run_main, weights
from test_cli_train import assert_run_replays

import chainrule as cr
from chainrule import nn, train
from chainrule.cli.main import build_parser
from chainrule.cli.recipe import Config, balanced_subset, build_loss, build_model, build_optimizer, load_data, sizes
from chainrule.data import datasets


def config_of(out):
    return json.loads((out / "config.json").read_text())


# ------------------------------------------------------------------ --hidden 0
def test_hidden_0_trains_the_linear_classifier(tmp_path, capsys):
    out = tmp_path / "lin"
    code, stdout, err = run_main(capsys, "train", "--data", "linearly-separable", "--hidden", "0", "--epochs", "10",
                                 "--batch-size", "8", "--out", str(out))  # fmt: skip
    assert code == 0, err
    assert "model: 2-2 sigmoid" in stdout
    assert config_of(out)["hidden"] == []
    assert {k: v.shape for k, v in weights(out).items()} == {"0.weight": (2, 2), "0.bias": (2,)}
    assert_run_replays(out)  # a NumPy replay of one affine layer, softmax cross-entropy and SGD
    assert json.loads((out / "metrics.json").read_text())[-1]["test_acc"] >= 0.85  # chance: 0.5
    code, _, err = run_main(capsys, "train", "--resume", str(out), "--epochs", "11", "--quiet")
    assert code == 0, err  # config.json's [] is read back by the same rule


def test_hidden_0_on_the_mnist_sample_is_784_to_10():
    model = build_model(Config(hidden=[]), 784, 10)
    assert [type(m).__name__ for m in model] == ["Linear"] and model[0].weight.shape == (10, 784)


# ------------------------------------------------------------------ --output sigmoid --loss half-mse
def test_half_mse_is_the_essays_cost_and_its_gradient_is_a_minus_t():
    rng = np.random.default_rng(0)
    scores = cr.tensor(rng.standard_normal((5, 3)), requires_grad=True)
    labels = np.array([0, 2, 1, 1, 0])
    model_out = cr.sigmoid(scores)
    model_out.retain_grad()
    loss = build_loss(Config(loss="half-mse", output="sigmoid"), 3)(model_out, cr.tensor(labels))
    loss.backward()
    a, t = model_out._data, np.eye(3)[labels]
    assert float(loss.item()) == pytest.approx(np.mean([0.5 * np.sum((a[i] - t[i]) ** 2) for i in range(5)]))
    np.testing.assert_allclose(model_out.grad._data, (a - t) / 5, rtol=1e-12)
    mse = build_loss(Config(loss="mse"), 3)(model_out, cr.tensor(labels))
    assert float(mse.item()) == pytest.approx(np.mean((a - t) ** 2))  # mse stays PyTorch's mean over all outputs


def test_the_essays_network_trains_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "essay"
    code, stdout, err = run_main(capsys, "train", "--data", "moons", "--hidden", "8", "--output", "sigmoid",
                                 "--loss", "half-mse", "--lr", "4", "--epochs", "30", "--batch-size", "16",
                                 "--out", str(out))  # fmt: skip
    assert code == 0, err
    assert "2-8-2 sigmoid, sigmoid outputs" in stdout and "half-mse loss" in stdout
    assert config_of(out)["output"] == "sigmoid"
    model = build_model(Config(**{k: v for k, v in config_of(out).items() if k != "chainrule"}), 2, 2)
    assert isinstance(model[-1], nn.Sigmoid)
    assert json.loads((out / "metrics.json").read_text())[-1]["test_acc"] > 0.8


# ------------------------------------------------------------------ --init uniform
def saturated_fraction(init: str) -> float:
    """Fraction of the 100 hidden sigmoid units of the MNIST net whose σ'(z) < 0.01 on 500 sample images."""
    model = build_model(Config(init=init), 784, 10)
    z = model[0](datasets.mnist_sample().x_train[::8])._data
    s = 1 / (1 + np.exp(-z))
    return float(np.mean(s * (1 - s) < 0.01))


def test_uniform_init_draws_from_0_1_and_saturates_the_sigmoid_units():
    w = build_model(Config(init="uniform"), 784, 10)[0].weight._data
    assert w.min() >= 0 and w.max() < 1 and abs(w.mean() - 0.5) < 0.01
    assert saturated_fraction("uniform") > 0.95
    assert saturated_fraction("lecun") < 0.05


# ------------------------------------------------------------------ XOR defaults and the chance hint
def test_xor_defaults_learn_and_are_stated(tmp_path, capsys):
    out = tmp_path / "xor"
    code, stdout, err = run_main(capsys, "train", "--data", "xor", "--quiet", "--out", str(out))
    assert code == 0, err
    assert stdout.startswith("final test accuracy: 100.00% after 500 epochs") and "hint" not in err
    saved = config_of(out)
    assert (saved["hidden"], saved["batch_size"], saved["epochs"]) == ([4], 1, 500)
    text = " ".join(build_parser().commands["train"].format_help().split())  # as one line, however wrapped
    assert "(default: 100; lenet: none; xor: 4)" in text and "(default: 64; xor: 1)" in text
    assert "(default: 30; lenet: 15; xor: 500)" in text


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_xor_defaults_learn_for_other_seeds(seed):
    config = Config(data="xor", seed=seed)
    split = load_data(config)
    model = build_model(config, *sizes(split))
    result = train.fit(model, build_loss(config, 2), build_optimizer(config, model), (split.x_train, split.y_train),
                       (split.x_test, split.y_test), epochs=config.epochs, batch_size=config.batch_size, seed=seed,
                       progress=False, log=None)  # fmt: skip
    assert result.final["test_acc"] == 1.0


def test_a_run_at_chance_level_ends_with_a_hint(tmp_path, capsys):
    code, stdout, err = run_main(capsys, "train", "--data", "xor", "--hidden", "100", "--batch-size", "64",
                                 "--epochs", "30", "--quiet", "--out", str(tmp_path / "r"))  # fmt: skip
    assert code == 0 and stdout.startswith("final test accuracy: 50.00%")
    assert err.startswith("hint: 50.00% is chance level (always answering the most common class scores 50.00%)")
    assert "--epochs" in err and "--lr" in err


def test_saturated_uniform_init_ends_with_a_hint(tmp_path, capsys):
    code, stdout, err = run_main(capsys, "train", "--init", "uniform", "--epochs", "1", "--train-size", "500",
                                 "--quiet", "--out", str(tmp_path / "r"))  # fmt: skip
    assert code == 0 and stdout.startswith("final test accuracy: 10.00%")
    assert "hint: 10.00% is chance level" in err and "--init" in err


# ------------------------------------------------------------------ checkpoint cadence
def counted_checkpoints(monkeypatch) -> list:
    """Record the epoch of every checkpoint fit writes."""
    written, real = [], train._checkpoint

    def spy(run_dir, model, optimizer, shuffle, state):
        written.append(state.epoch)
        real(run_dir, model, optimizer, shuffle, state)

    monkeypatch.setattr(train, "_checkpoint", spy)
    return written


def xor_fit(run_dir, epochs, checkpoint_seconds, resume=False):
    config = Config(data="xor")
    split = load_data(config)
    model = build_model(config, 2, 2)
    train.fit(model, build_loss(config, 2), build_optimizer(config, model), (split.x_train, split.y_train), None,
              epochs=epochs, batch_size=1, seed=0, run_dir=run_dir, resume=resume, progress=False, log=None,
              checkpoint_seconds=checkpoint_seconds)  # fmt: skip
    return {k: p._data.copy() for k, p in model.named_parameters()}


def test_checkpoints_after_the_first_and_last_epoch_and_when_due(tmp_path, monkeypatch):
    written = counted_checkpoints(monkeypatch)
    xor_fit(tmp_path / "a", 40, checkpoint_seconds=1e9)
    assert written == [1, 40]
    written.clear()
    xor_fit(tmp_path / "b", 5, checkpoint_seconds=0.0)
    assert written == [1, 2, 3, 4, 5]  # 0: every epoch, as before


def test_a_sparse_checkpoint_resumes_bit_exactly(tmp_path):
    uninterrupted = xor_fit(tmp_path / "a", 40, checkpoint_seconds=1e9)
    early = xor_fit(tmp_path / "d", 1, checkpoint_seconds=1e9)  # the checkpoint a run killed after epoch 1 keeps
    assert cr.load(tmp_path / "d" / "checkpoint.npz")["epoch"] == 1
    assert not all(np.array_equal(early[k], uninterrupted[k]) for k in early)
    assert_same_weights(xor_fit(tmp_path / "d", 40, checkpoint_seconds=1e9, resume=True), uninterrupted)


def test_a_long_xor_run_is_not_spent_writing_checkpoints(tmp_path, capsys, monkeypatch):
    written = counted_checkpoints(monkeypatch)
    start = time.perf_counter()
    code, _, err = run_main(capsys, "train", "--data", "xor", "--epochs", "1500", "--quiet", "--out", str(tmp_path))
    seconds = time.perf_counter() - start
    assert code == 0, err
    assert written[0] == 1 and written[-1] == 1500
    assert len(written) <= 2 + seconds / 2  # one every 2 s at most, besides the first and the last


# ------------------------------------------------------------------ --train-size
def test_train_size_draws_each_class_equally_with_the_seed():
    split = datasets.mnist_sample()
    part = balanced_subset(split, 1000, seed=0)
    assert np.bincount(part.y_train.numpy(), minlength=10).tolist() == [100] * 10
    assert part.x_test is split.x_test
    x, y = split.x_train.numpy(), split.y_train.numpy()
    rows = {r.tobytes(): label for r, label in zip(x, y)}
    assert all(rows[r.tobytes()] == label for r, label in zip(part.x_train.numpy(), part.y_train.numpy()))
    again, other = balanced_subset(split, 1000, seed=0), balanced_subset(split, 1000, seed=1)
    assert np.array_equal(again.x_train.numpy(), part.x_train.numpy())
    assert not np.array_equal(other.x_train.numpy(), part.x_train.numpy())
    assert balanced_subset(split, None, 0) is split


def test_train_size_takes_all_of_a_small_class_and_fills_with_the_others():
    x = cr.tensor(np.arange(12, dtype=np.float32)[:, None])
    y = cr.tensor(np.array([0, 0] + [1] * 10))
    part = balanced_subset(datasets.Split(x, y, x, y, 2, "toy"), 7, seed=3)
    assert sorted(part.y_train.numpy().tolist()) == [0, 0, 1, 1, 1, 1, 1]


def test_train_size_1000_on_the_command_line_learns(tmp_path, capsys):
    out = tmp_path / "r"
    code, stdout, err = run_main(capsys, "train", "--train-size", "1000", "--out", str(out))
    assert code == 0, err
    assert "1000 train / 1000 test samples" in stdout
    assert config_of(out)["train_size"] == 1000
    assert json.loads((out / "metrics.json").read_text())[-1]["test_acc"] > 0.8  # the first 1,000: 28.5%


def test_a_config_from_before_output_and_train_size_resumes(tmp_path, capsys):
    out = tmp_path / "old"
    assert run_main(capsys, "train", "--data", "xor", "--epochs", "2", "--quiet", "--out", str(out))[0] == 0
    saved = config_of(out)
    del saved["output"], saved["train_size"]
    (out / "config.json").write_text(json.dumps(saved))
    code, stdout, err = run_main(capsys, "train", "--resume", str(out), "--epochs", "3", "--quiet")
    assert code == 0, err
    assert "after 3 epochs" in stdout
