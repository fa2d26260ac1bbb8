"""chainrule.train.fit (progress bar, history replayed in NumPy) and the report's PNG encoder."""

import functools
import io

import numpy as np
import pytest

from chainrule.cli.recipe import Config, build_loss, build_model, build_optimizer, load_data, sizes
from chainrule import train
from chainrule.report.images import png_bytes
from chainrule.train import evaluate, fit
from helpers import numpy_mlp as ref

RECIPES = [
    Config(data="moons", hidden=[4], epochs=3, batch_size=16),  # SGD (lr 0.5) on cross-entropy, sigmoid
    Config(data="linearly-separable", hidden=[8], activation="tanh", loss="mse", optimizer="momentum", init="xavier",
           epochs=4, seed=2),
]  # fmt: skip


def test_progress_bar_shows_running_loss_and_throughput(capsys, monkeypatch):
    pytest.importorskip("tqdm")
    # Redraw on every update: the default 0.1 s interval would make the bar's text depend on the machine's speed.
    bar_class = train._bar_class
    monkeypatch.setattr(train, "_bar_class", lambda: functools.partial(bar_class(), mininterval=0, miniters=1))
    config = Config(data="moons", hidden=[4], epochs=2, batch_size=16)
    split = load_data(config)
    model = build_model(config, 2, 2)
    result = fit(model, build_loss(config, 2), build_optimizer(config, model), (split.x_train, split.y_train),
                 (split.x_test, split.y_test), epochs=2, batch_size=16, progress=True)  # fmt: skip
    out, err = capsys.readouterr()
    assert "epoch 1:" in err and "sample/s" in err and "loss 0." in err
    assert [line.split("  ")[0] for line in out.splitlines()] == ["epoch 1/2", "epoch 2/2"]
    assert [row["epoch"] for row in result.history] == [1, 2] and not result.interrupted
    test_loss, test_acc = evaluate(model, build_loss(config, 2), split.x_test, split.y_test)
    assert result.final["test_loss"] == pytest.approx(test_loss) and result.final["test_acc"] == test_acc


@pytest.mark.parametrize("config", RECIPES, ids=lambda c: f"{c.data}-{c.loss}-{c.optimizer}")
def test_fit_history_and_weights_match_a_numpy_replay(config):
    """Every epoch's train/test loss and accuracy, and the weights reached, equal a hand-written NumPy run
    from the same initial weights over batches shuffled by default_rng(seed)."""
    split = load_data(config)
    n_inputs, n_classes = sizes(split)
    model = build_model(config, n_inputs, n_classes)
    start = [p._data.copy() for p in model.parameters()]
    result = fit(model, build_loss(config, n_classes), build_optimizer(config, model), (split.x_train, split.y_train),
                 (split.x_test, split.y_test), epochs=config.epochs, batch_size=config.batch_size, seed=config.seed,
                 progress=False, log=None)  # fmt: skip
    expected, reference = ref.recipe_fit(config, start, *(t.numpy() for t in split))
    ref.assert_history_close(result.history, expected, len(split.y_train), len(split.y_test))
    for p, q in zip(model.parameters(), reference.params, strict=True):
        np.testing.assert_allclose(p._data, q, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("shape", [(5, 7), (4, 3, 3)])
def test_png_encoder_round_trip(shape):
    image = pytest.importorskip("PIL.Image")
    pixels = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    decoded = np.asarray(image.open(io.BytesIO(png_bytes(pixels))))
    assert np.array_equal(decoded, pixels)


def test_png_encoder_refuses_other_shapes():
    with pytest.raises(ValueError, match=r"expected an \(H, W\) or \(H, W, 3\) array, got shape \(2, 2, 4\)"):
        png_bytes(np.zeros((2, 2, 4)))
