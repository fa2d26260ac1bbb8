"""The example scripts regenerate every picture (small settings)."""

import importlib.util
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(script: str, out: Path) -> None:
    spec = importlib.util.spec_from_file_location(script, EXAMPLES / f"{script}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--out", str(out), "--small"])


def test_lecture_graphs(tmp_path):
    pytest.importorskip("pygraphviz")
    run("lecture_graphs", tmp_path)
    for name in ("add_multiply", "neuron_gates", "neuron_sigmoid", "fan_out", "mlp_layers", "mlp_gates"):
        assert (tmp_path / f"{name}.png").read_bytes().startswith(b"\x89PNG")
        assert "dpi" not in (tmp_path / f"{name}.svg").read_text().split("<svg", 1)[1].split(">", 1)[0]
    assert "∂f/∂x0 = 0.39" in (tmp_path / "neuron.md").read_text(encoding="utf-8")


def test_training_pictures(tmp_path):
    pytest.importorskip("matplotlib")
    run("training_pictures", tmp_path)
    gifs = ["perceptron", "xor_regions", "moons_regions", "spirals_regions", "descent_lr_good", "descent_lr_too_large"]
    for name in gifs:
        assert (tmp_path / f"{name}.gif").read_bytes().startswith(b"GIF8"), name
    for name in ("perceptron", "xor_history", "moons_regions", "mnist_weights", "mnist_confusion"):
        assert (tmp_path / f"{name}.png").read_bytes().startswith(b"\x89PNG"), name
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind
