"""The MLP examples and the MNIST benchmark, at small sizes: they run, learn, and the two versions agree."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def load(folder: str, name: str):
    folders = [str(ROOT / "examples"), str(ROOT / "benchmarks")]  # their scripts import each other
    sys.path[:0] = folders
    try:
        spec = importlib.util.spec_from_file_location(name, ROOT / folder / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        for f in folders:
            sys.path.remove(f)
    return module


def test_mnist_example_learns_in_two_short_epochs(capsys):
    accuracy = load("examples", "mnist_mlp").main(["--epochs", "2"])
    assert accuracy > 0.8  # chance is 0.10
    assert capsys.readouterr().out.count("epoch") == 2


def test_digits_example_learns_in_five_epochs(capsys):
    pytest.importorskip("sklearn")
    assert load("examples", "digits_mlp").main(["--epochs", "5"]) > 0.85


def test_benchmark_reference_and_chainrule_compute_the_same_training():
    """Same init, same shuffling, same update: parameters agree after an epoch of 8 steps."""
    bench = load("benchmarks", "mnist_recipe")
    split = bench.subset(bench.datasets.mnist_sample(), 512)
    pair = bench.contenders(split, lr=0.5, batch=64, seed=3)
    for version in pair.values():
        version.train_epoch()
    reference, ours = pair["numpy"].parameters(), pair["chainrule"].parameters()
    assert [p.shape for p in ours] == [p.shape for p in reference] == [(100, 784), (100,), (10, 100), (10,)]
    assert not np.allclose(reference[0], bench.numpy_init(3)[0])  # training moved the weights
    for ref, got in zip(reference, ours):
        np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-6)
    assert pair["numpy"].accuracy() == pytest.approx(pair["chainrule"].accuracy(), abs=0.01)
