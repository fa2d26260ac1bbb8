"""chainrule.train.fit (progress bar, history replayed in NumPy, Jupyter's views) and the report's PNG encoder."""

import builtins
import functools
import importlib.machinery
import io
import sys
import types
import warnings
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from chainrule import train
from chainrule.cli.recipe import Config, build_loss, build_model, build_optimizer, load_data, sizes
from chainrule.report.images import png_bytes
from chainrule.train import FIELDS, FitResult, History, evaluate, fit
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


# ------------------------------------------------------------------ in Jupyter
ROW = {"epoch": 1, "train_loss": 0.69314718, "train_acc": 0.5, "test_loss": None, "test_acc": None, "seconds": 0.0123}


def _cells(html: str) -> list[list[str]]:
    """The table's rows as cell texts, its header first (the fragment must be well-formed)."""
    return [[cell.text for cell in tr] for tr in ET.fromstring(f"<div>{html}</div>").iter("tr")]


def test_history_shows_as_a_table_formatted_as_the_epoch_lines():
    diverged = {**ROW, "epoch": 2, "train_loss": float("nan"), "test_loss": float("inf"), "test_acc": 0.125}
    history = History([ROW, diverged])
    assert _cells(history._repr_html_()) == [
        ["epoch", "train loss", "train acc", "test loss", "test acc", "seconds"],
        ["1", "0.6931", "50.00%", "–", "–", "0.01"],  # no test set: a dash
        ["2", "nan", "50.00%", "inf", "12.50%", "0.01"],
    ]
    assert repr(history) == repr([ROW, diverged]) and history == [ROW, diverged]  # a plain list otherwise
    assert History()._repr_html_() == '<p class="note">no epoch finished yet</p>'


def test_fit_result_shows_its_steps_and_history():
    result = FitResult([ROW], epochs=1, interrupted=True, batch_losses=[0.7, 0.6, 0.5])
    html = result._repr_html_()
    assert html.startswith("<p>fit: 1 epoch(s), 3 step(s), interrupted by Ctrl-C</p>")
    assert len(_cells(html)) == 2
    assert repr(result).startswith("FitResult(history=[{'epoch': 1, ")  # the dataclass's repr


def test_fit_and_resume_give_a_history(tmp_path):
    """fit's history is a History, after a resume from its checkpoint too (whose rows stay plain dicts)."""
    config = Config(data="xor", hidden=[4], epochs=2, batch_size=4)
    split, model = load_data(config), build_model(config, 2, 2)

    def run(epochs):
        return fit(model, build_loss(config, 2), build_optimizer(config, model), (split.x_train, split.y_train),
                   epochs=epochs, run_dir=tmp_path, resume=True, progress=False, log=None)  # fmt: skip

    first, resumed = run(1), run(2)
    assert isinstance(first.history, History) and isinstance(resumed.history, History)
    assert [row["epoch"] for row in resumed.history] == [1, 2] and set(resumed.history[0]) == set(FIELDS)


class ZMQInteractiveShell:
    """Stands for the shell of a Jupyter kernel (what ``get_ipython()`` returns there)."""


@pytest.fixture
def in_notebook(monkeypatch):
    monkeypatch.setattr(builtins, "get_ipython", ZMQInteractiveShell, raising=False)


def _fit_xor(progress=True):
    config = Config(data="xor", hidden=[4], epochs=1, batch_size=4)
    split, model = load_data(config), build_model(config, 2, 2)
    return fit(model, build_loss(config, 2), build_optimizer(config, model), (split.x_train, split.y_train),
               epochs=1, batch_size=4, progress=progress)  # fmt: skip


def test_in_a_notebook_without_ipywidgets_the_text_bar_goes_to_stdout_silently(in_notebook, monkeypatch, capsys):
    """tqdm.auto would warn "IProgress not found" and draw on stderr, which Jupyter shows as an error."""
    pytest.importorskip("tqdm")
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # not importable
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _fit_xor()
    out, err = capsys.readouterr()
    assert err == "" and "epoch 1:" in out and "sample" in out and "epoch 1/1" in out


def _fake_ipywidgets(monkeypatch, progress_widget):
    """ipywidgets importable, and tqdm.notebook as it imports with it (``IProgress`` None: too old or broken)."""
    tqdm = pytest.importorskip("tqdm")
    widgets = types.ModuleType("ipywidgets")
    widgets.__spec__ = importlib.machinery.ModuleSpec("ipywidgets", None)
    notebook = types.ModuleType("tqdm.notebook")
    notebook.IProgress, notebook.tqdm = progress_widget, object()
    monkeypatch.setitem(sys.modules, "ipywidgets", widgets)
    monkeypatch.setitem(sys.modules, "tqdm.notebook", notebook)
    monkeypatch.setattr(tqdm, "notebook", notebook, raising=False)
    return notebook


def test_in_a_notebook_with_ipywidgets_the_bar_is_tqdms_widget(in_notebook, monkeypatch):
    notebook = _fake_ipywidgets(monkeypatch, progress_widget=object)
    assert train._bar_class() is notebook.tqdm


def test_a_broken_ipywidgets_falls_back_to_the_text_bar(in_notebook, monkeypatch):
    from tqdm import std

    _fake_ipywidgets(monkeypatch, progress_widget=None)
    bar = train._bar_class()
    assert bar.func is std.tqdm and bar.keywords == {"file": sys.stdout}


def test_outside_a_notebook_the_bar_is_tqdms_text_bar_on_stderr():
    std = pytest.importorskip("tqdm.std")
    assert train._bar_class() is std.tqdm


def test_without_tqdm_fit_shows_no_bar(in_notebook, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # not importable
    assert train._bar_class() is None
    result = _fit_xor()
    out, err = capsys.readouterr()
    assert result.epochs == 1 and err == "" and out.startswith("epoch 1/1  train loss ")
