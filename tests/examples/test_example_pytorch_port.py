"""examples/pytorch_port.py: the PyTorch MLP script runs on chainrule and learns; its checkpoint holds the weights
that score what it printed; and the very same text, imports switched back to torch, trains on PyTorch too."""

import re
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.data.datasets import mnist_sample
from helpers.scripts import load_script

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "pytorch_port.py"
ARGS = ["--epochs", "2", "--log-interval", "20"]


def _load(path: Path, name: str):
    return load_script(path, name)


def _to_torch(source: str) -> str:
    """The reverse port: chainrule.data → torch.utils.data, chainrule → torch; the shipped digits stay chainrule's."""
    keep = "\0"
    source = source.replace("chainrule.data.datasets", keep).replace("chainrule.data", "torch.utils.data")
    return source.replace("chainrule", "torch").replace(keep, "chainrule.data.datasets")


def _assert_learns(history, epochs=2):
    assert len(history["train_loss"]) == epochs and history["train_loss"][-1] < 0.7 * history["train_loss"][0]
    assert history["test_loss"][-1] < history["test_loss"][0]
    assert history["accuracy"][-1] >= 0.85
    assert history["lr"] == pytest.approx([1e-3 * 0.7**e for e in range(epochs)], rel=1e-12)  # StepLR(1, 0.7)
    assert history["restored_test"] == (history["test_loss"][-1], history["accuracy"][-1])  # the same weights


def test_runs_on_chainrule_and_its_checkpoint_scores_what_it_printed(tmp_path, capsys):
    checkpoint = tmp_path / "mlp.pt"
    history = _load(SCRIPT, "pytorch_port").main([*ARGS, "--checkpoint", str(checkpoint)])
    _assert_learns(history)
    printed = capsys.readouterr().out
    assert len(re.findall(r"^Train Epoch: [12] \[\d+/4000\]\tLoss: \d\.\d{6}$", printed, re.M)) == 2 * 4  # 63 batches
    assert re.search(r"^epoch 2: train loss \d\.\d{4}, test loss \d\.\d{4}, accuracy \d+\.\d%, lr 7\.00e-04$", printed,
                     re.M)  # fmt: skip
    # The saved state_dict, read back and applied in NumPy: relu(x W1ᵀ + b1) W2ᵀ + b2 (dropout off), scored by hand.
    state = {k: v.numpy() for k, v in cr.load(checkpoint).items()}
    assert sorted(state) == ["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"]
    assert state["fc1.weight"].shape == (128, 784) and state["fc1.weight"].dtype == np.float32
    _, _, x_test, y_test = (t.numpy() for t in mnist_sample())
    hidden = np.maximum(x_test @ state["fc1.weight"].T + state["fc1.bias"], 0)
    logits = hidden @ state["fc2.weight"].T + state["fc2.bias"]
    assert np.mean(logits.argmax(1) == y_test) == history["accuracy"][-1]
    shifted = logits - logits.max(1, keepdims=True)
    nll = np.log(np.exp(shifted).sum(1)) - shifted[np.arange(len(y_test)), y_test]
    assert nll.mean() == pytest.approx(history["test_loss"][-1], rel=1e-5)


def test_only_the_imports_change_for_torch():
    original, ported = SCRIPT.read_text().splitlines(), _to_torch(SCRIPT.read_text()).splitlines()
    body_start = next(i for i, line in enumerate(original) if line.startswith("from __future__"))
    changed = [new for old, new in zip(original[body_start:], ported[body_start:], strict=True) if old != new]
    assert changed and all(line.startswith(("import ", "from ")) for line in changed), changed
    assert "import torch\n" in _to_torch(SCRIPT.read_text()).replace(" as torch", "")


def test_the_same_script_trains_on_pytorch(tmp_path):
    torch = pytest.importorskip("torch")
    ported = tmp_path / "pytorch_port_torch.py"
    ported.write_text(_to_torch(SCRIPT.read_text()))
    module = _load(ported, "pytorch_port_torch")
    assert module.torch is torch and module.DataLoader is torch.utils.data.DataLoader
    checkpoint = tmp_path / "mlp_torch.pt"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small matrices: one thread is ~30x faster than contending for busy cores
    try:
        history = module.main([*ARGS, "--checkpoint", str(checkpoint)])
    finally:
        torch.set_num_threads(threads)
    _assert_learns(history)
    assert set(torch.load(checkpoint)) == {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}
