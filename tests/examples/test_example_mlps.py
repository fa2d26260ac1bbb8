"""The MLP examples and the MNIST benchmark, at small sizes: they run, learn what a NumPy replay learns, and the
benchmark's two versions agree."""

import re
from pathlib import Path

import numpy as np
import pytest

from chainrule.data import datasets
from helpers import numpy_mlp as ref
from helpers.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
EPOCH_LINE = r"epoch\s+(\d+)\s+loss (\d+\.\d{4})\s+test accuracy (\d+\.\d{2})%"


def load(folder: str, name: str):
    return load_script(ROOT / folder / f"{name}.py")


def replay(split, sizes, epochs, lr, batch_size, seed=0):
    """The examples' recipe by hand: W ~ N(0, 1/fan_in) drawn from default_rng(seed) layer by layer (then stored
    as float32, as the network's weights are), zero biases, SGD on the cross-entropy over batches shuffled by
    default_rng(seed + 1). Per epoch: (mean mini-batch loss, test accuracy)."""
    init, start = np.random.default_rng(seed), []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        start += [init.normal(0.0, 1 / np.sqrt(n_in), (n_out, n_in)).astype(np.float32), np.zeros(n_out)]
    model, opt, shuffle = ref.MLP(start, "sigmoid"), ref.SGD(lr), np.random.default_rng(seed + 1)
    x, y, x_test, y_test = (t.numpy() for t in split)
    epochs_seen = []
    for _ in range(epochs):
        seen = ref.train(model, opt, x.astype(np.float64), y, "cross-entropy", ref.batches(shuffle, len(y), batch_size))
        epochs_seen.append((np.mean([value for value, _ in seen]), model.accuracy(x_test, y_test)))
    return epochs_seen


def assert_printed_epochs_replay(printed, split, sizes, epochs, lr, batch_size):
    """Each printed epoch line (loss to 4 decimals, accuracy in % to 2) is the NumPy replay's, rounded:
    the loss within float32 rounding, the accuracy within one test sample."""
    lines = re.findall(EPOCH_LINE, printed)
    expected = replay(split, sizes, epochs, lr, batch_size)
    assert [int(epoch) for epoch, _, _ in lines] == list(range(1, epochs + 1))
    for (epoch, loss, accuracy), (ref_loss, ref_accuracy) in zip(lines, expected, strict=True):
        assert abs(float(loss) - ref_loss) <= 5e-5 + 1e-5, f"epoch {epoch}: loss {loss} vs {ref_loss:.6f}"
        assert abs(float(accuracy) - 100 * ref_accuracy) <= 0.005 + 100 / len(split.y_test), f"epoch {epoch}"
    return expected[-1][1]


def test_mnist_example_learns_in_two_short_epochs(capsys):
    accuracy = load("examples", "mnist_mlp").main(["--epochs", "2"])
    assert accuracy > 0.8  # chance is 0.10
    split = datasets.mnist_sample()
    final = assert_printed_epochs_replay(capsys.readouterr().out, split, (784, 100, 10), 2, lr=0.5, batch_size=64)
    assert accuracy == pytest.approx(final, abs=1 / len(split.y_test))


def test_digits_example_learns_in_five_epochs(capsys):
    accuracy = load("examples", "digits_mlp").main(["--epochs", "5"])
    assert accuracy > 0.85
    split = datasets.digits()
    final = assert_printed_epochs_replay(capsys.readouterr().out, split, (64, 32, 10), 5, lr=1.0, batch_size=32)
    assert accuracy == pytest.approx(final, abs=1 / len(split.y_test))


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
    for want, got in zip(reference, ours):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
    assert pair["numpy"].accuracy() == pytest.approx(pair["chainrule"].accuracy(), abs=0.01)
