"""The example scripts regenerate every picture (small settings)."""

from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from helpers import numpy_mlp as ref
from helpers.scripts import load_script

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(script: str):
    return load_script(script)


def run(script: str, out: Path) -> None:
    load(script).main(["--out", str(out), "--small"])


def test_lecture_graphs(tmp_path):
    pytest.importorskip("pygraphviz")
    run("lecture_graphs", tmp_path)
    for name in ("add_multiply", "neuron_gates", "neuron_sigmoid", "fan_out", "mlp_layers", "mlp_gates"):
        assert (tmp_path / f"{name}.png").read_bytes().startswith(b"\x89PNG")
        assert "dpi" not in (tmp_path / f"{name}.svg").read_text().split("<svg", 1)[1].split(">", 1)[0]
    assert "∂f/∂x0 = 0.39" in (tmp_path / "neuron.md").read_text(encoding="utf-8")


def assert_history_replays(split, start, epochs, history):
    """train_mlp's history rows equal full-batch Adam (lr 0.05) on the cross-entropy of a tanh MLP, by hand:
    the loss before each recorded epoch's step, then train and test loss and accuracy after it."""
    model, opt = ref.MLP(start, "tanh"), ref.Adam(0.05)
    x, y, x_test, y_test = (t.numpy() for t in split)
    rows = {row["epoch"]: row for row in history}
    assert max(rows) == epochs and len(rows) > 1
    for epoch in range(1, epochs + 1):
        [(loss, _)] = ref.train(model, opt, x, y, "cross-entropy", [np.arange(len(y))])
        if epoch in rows:
            row = rows[epoch]
            test_loss, test_acc = model.evaluate(x_test, y_test, "cross-entropy")
            np.testing.assert_allclose([row["loss"], row["test_loss"]], [loss, test_loss], rtol=1e-5, err_msg=epoch)
            assert abs(row["acc"] - model.accuracy(x, y)) <= 1 / len(y), epoch  # within one sample
            assert abs(row["test_acc"] - test_acc) <= 1 / len(y_test), epoch


def test_training_pictures(tmp_path):
    pytest.importorskip("matplotlib")
    module = load("training_pictures")
    runs, train_mlp = [], module.train_mlp

    def recorded(name, split, out, epochs, hidden):
        cr.manual_seed(0)  # as train_mlp does: the weights it starts from
        start = [p._data.copy() for p in nn.MLP([2, hidden, hidden, split.num_classes], activation="tanh").parameters()]
        history = train_mlp(name, split, out, epochs, hidden)
        runs.append((split, start, epochs, history))
        return history

    module.train_mlp = recorded
    module.main(["--out", str(tmp_path), "--small"])
    assert len(runs) == 3  # xor, moons, spirals
    for split, start, epochs, history in runs:
        assert_history_replays(split, start, epochs, history)
    gifs = ["perceptron", "xor_regions", "moons_regions", "spirals_regions", "descent_lr_good", "descent_lr_too_large"]
    for name in gifs:
        assert (tmp_path / f"{name}.gif").read_bytes().startswith(b"GIF8"), name
    for name in ("perceptron", "xor_history", "moons_regions", "mnist_weights", "mnist_confusion"):
        assert (tmp_path / f"{name}.png").read_bytes().startswith(b"\x89PNG"), name
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind
