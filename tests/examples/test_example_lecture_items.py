"""Every worked example of the lecture notes, in a fast form: each script agrees with the notes (exit status 0),
prints the notes' numbers, and says so when a number disagrees (exit status 1); the notes' figures are drawn."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

try:
    import torch
except ImportError:  # the comparisons with torch report a skip
    torch = None


def load(name: str):
    """An example script as a module."""
    return load_script(name)


def agrees(name: str, capsys, *argv: str) -> str:
    """Run an example's main(argv); it must report agreement; returns what it printed."""
    status = load(name).main(list(argv))
    out = capsys.readouterr().out
    assert status == 0, out
    assert "DIFFERS" not in out and "DOES NOT HOLD" not in out and "all numbers agree with the notes" in out
    return out


def row(out: str, what: str) -> str:
    """The printed comparison row that starts with ``what``."""
    (line,) = [line for line in out.splitlines() if line.startswith(f"   {what}")]  # not the summary's "  {what}"
    return line


# ---------------------------------------------------------------- losses
def test_svm_softmax_table_prints_the_slides_numbers(capsys):
    out = agrees("notes_svm_softmax_table", capsys)
    for what, number in [("L for the cat image", "2.9"), ("L for the car image", "0"), ("L for the frog", "12.9"),
                         ("L = (2.9 + 0 + 12.9) / 3", "5.27"), ("L = −log(0.13)", "2.04")]:  # fmt: skip
        assert row(out, what).split()[-3:] == [number, number, "ok"], what
    assert "[0.13, 0.87, 0.00]   [0.13, 0.87, 0.00]   ok" in row(out, "probabilities (normalised)")
    assert "max(0, 2.2 − (-3.1) + 1) + max(0, 2.5 − (-3.1) + 1)" in out


@pytest.mark.skipif(torch is None, reason="torch is not installed: nothing to compare with")
def test_svm_softmax_table_against_torch(capsys):
    scores, labels = torch.tensor(load("notes_svm_softmax_table").SCORES, dtype=torch.float64), torch.arange(3)
    svm = 3 * torch.nn.functional.multi_margin_loss(scores, labels, reduction="none")  # torch divides by C
    np.testing.assert_allclose(svm.numpy(), [2.9, 0.0, 12.9], atol=1e-12)
    assert svm.mean().item() == pytest.approx(5.2667, abs=5e-5)
    assert round(torch.nn.functional.cross_entropy(scores[:1], labels[:1]).item(), 2) == 2.04


def test_a_disagreement_is_printed_and_exits_one(capsys, monkeypatch):
    module = load("notes_svm_softmax_table")
    monkeypatch.setattr(module, "SCORES", [[3.2, 5.0, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])  # one score off
    assert module.main([]) == 1
    out = capsys.readouterr().out
    assert "DIFFERS" in row(out, "L for the cat image") and "DISAGREES with the notes" in out


def test_the_exit_status_reaches_the_shell():
    done = subprocess.run([sys.executable, str(EXAMPLES / "notes_svm_vs_softmax.py")], capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_svm_against_softmax(capsys):
    out = agrees("notes_svm_vs_softmax", capsys)
    for scores in ("[10, -2, 3]", "[10, 9, 9]", "[10, -100, -100]"):
        assert row(out, f"{scores}: SVM loss").split()[-3:] == ["0", "0", "ok"]
    assert row(out, "[10, 9, 9]: softmax loss").split()[-3:] == ["0.551445", "0.551445", "ok"]
    assert "changed rows [1]" in out


# ---------------------------------------------------------------- gradients
def test_numerical_gradient_of_the_quartic(capsys):
    out = agrees("notes_numerical_gradient", capsys)
    line = next(line for line in out.splitlines() if line.split()[:1] == ["2.00"])
    x, analytic, backward, slides, one_sided, _, central = line.split()
    assert (analytic, backward, slides) == ("9.000000", "9.000000", "9.010004")  # f'(2) = 9; (f(2.001) − f(2))/h
    assert float(one_sided) == pytest.approx(1.0e-2, rel=1e-2) and abs(float(central)) < 1e-5


def test_one_hidden_layer_network_deltas(capsys):
    out = agrees("notes_backprop_one_hidden_layer", capsys, "--seed", "1")
    assert "δ₁ = ∂L/∂θ = ŷ − y = ε" in out and "∂L/∂W = δ₂ᵀ ⊗ xᵀ" in out


def test_essay_index_and_vector_formulas(capsys):
    out = agrees("notes_backprop_essay", capsys, "--sizes", "4", "5", "3")
    assert row(out, "784·100 + 100·10").split()[-3:] == ["79400", "79400", "ok"]
    assert out.count("index formulas") == 4  # one input and a mini-batch, two weight matrices each


def test_wrong_sigmoid_gradient_is_caught(capsys):
    out = agrees("notes_gradcheck_wrong_sigmoid", capsys)
    assert row(out, "σ(product)").split()[-3:] == ["0.73", "0.73", "ok"]
    assert row(out, "local gradient (1 − σ)σ").split()[-3:] == ["0.2", "0.2", "ok"]
    assert "gradcheck FAILED" in out and "MISMATCH" in out
    assert "[-0.20, -0.39, 0.20]   [-0.20, -0.39, 0.20]   ok" in row(out, "∂f/∂w")


# ---------------------------------------------------------------- linear models, initialisation, depth, stopping
def test_linear_classifier(capsys):
    out = agrees("notes_linear_classifier", capsys, "--epochs", "1", "--train-size", "500")
    assert row(out, "weights 784·10 + biases 10").split()[-3:] == ["7850", "7850", "ok"]


def test_linear_layers_collapse(capsys):
    out = agrees("notes_linear_layers_collapse", capsys, "--sizes", "784", "20", "10", "--images", "100")
    assert "the sigmoid network rounds to XOR" in out


def test_initialisation_saturation(capsys):
    out = agrees("notes_init_saturation", capsys, "--epochs", "3", "--train-size", "1000")
    first = next(line for line in out.splitlines() if line.startswith("epoch 0:"))
    assert first.split()[2:4] == ["100.0%", "/"]  # every hidden unit saturated by U[0, 1]


def test_vanishing_gradients(capsys):
    out = agrees("notes_vanishing_gradients", capsys, "--hidden", "4", "--images", "50")
    assert row(out, "σ'(0) = (1 − σ(0))σ(0)").split()[-3:] == ["0.25", "0.25", "ok"]


def test_stopping_rule(capsys):
    out = agrees("notes_stopping_rule", capsys, "--goals", "1e-2", "3e-3")
    assert "goal 1e-02: iterations" in out and "a smaller goal: more iterations, lower loss" in out


# ---------------------------------------------------------------- figures
def _gif_frames(path: Path) -> list[bytes]:
    image = pytest.importorskip("PIL.Image")
    with image.open(path) as im:
        frames = []
        for k in range(im.n_frames):
            im.seek(k)
            frames.append(np.asarray(im.convert("RGB")).tobytes())
    return frames


def test_notes_figures(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    load("notes_figures").main(["--out", str(tmp_path), "--small"])
    out = capsys.readouterr().out
    for name in ("minibatch_loss", "minibatch_epochs", "sigmoid", "deep_fit", "perceptron", "perceptron_start",
                 "descent", "regions"):  # fmt: skip
        assert (tmp_path / f"{name}.png").read_bytes().startswith(b"\x89PNG"), name
    perceptron = _gif_frames(tmp_path / "perceptron.gif")
    assert len(perceptron) == 2 + 2 * 3 and len(set(perceptron)) == len(perceptron)  # start, 3 updates, end
    for name in ("deep_fit", "regions", "descent"):
        frames = _gif_frames(tmp_path / f"{name}.gif")
        assert len(frames) > 3 and len(set(frames)) > 3, name  # the frames change as it learns
    assert "minibatch: 40 iterations" in out  # 1,000 images in mini-batches of 50, 2 epochs
    assert not list(tmp_path.glob(".*"))
