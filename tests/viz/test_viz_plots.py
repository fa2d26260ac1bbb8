"""viz.plots: figures from histories, classifiers, 1-D descent, weights and confusion counts."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from chainrule.viz import plots  # noqa: E402
from chainrule.viz.plots.regions import classes_of  # noqa: E402


def test_history_accepts_rows_or_columns_and_pairs_splits():
    rows = [{"epoch": 1, "loss": 1.0, "test_loss": 1.2, "acc": 0.5}, {"epoch": 2, "loss": 0.5, "acc": 0.7}]
    fig = plots.plot_history(rows)
    assert [ax.get_title() for ax in fig.axes] == ["loss", "acc"]
    assert len(fig.axes[0].lines) == 2
    fig = plots.plot_history({"loss": [3, 2, 1]})
    assert list(fig.axes[0].lines[0].get_xdata()) == [1, 2, 3]
    with pytest.raises(TypeError, match="entry 0"):
        plots.plot_history([3.0])


def test_classes_of_reads_labels_probabilities_logits_and_scores():
    pts = np.array([[1.0, 0.0], [-1.0, 0.0]])
    assert classes_of(lambda t: t.data[:, 0] > 0, pts).tolist() == [1, 0]
    assert classes_of(lambda t: 1 / (1 + np.exp(-t.data[:, 0])), pts).tolist() == [1, 0]
    assert classes_of(lambda t: t.data[:, 0] * 5, pts).tolist() == [1, 0]
    assert classes_of(lambda t: np.stack([t.data[:, 0], -t.data[:, 0]], 1), pts).tolist() == [0, 1]


def test_descent_converges_with_small_lr_and_not_with_large():
    from chainrule.viz.plots.descent import descend, lecture_function

    good = descend(lecture_function, 0.5, 0.5, 60)
    assert abs(good[-1] - good[-2]) < 1e-4
    bad = descend(lecture_function, 0.5, 3.0, 60)
    assert abs(bad[-1] - bad[-2]) > 1e-2


def test_weights_and_confusion(tmp_path):
    fig = plots.plot_weights(np.random.default_rng(0).normal(size=(5, 784)))
    assert sum(1 for ax in fig.axes if ax.images) == 5
    with pytest.raises(ValueError, match="784"):
        plots.plot_weights(np.zeros((5, 10)))
    fig = plots.plot_confusion([0, 1, 1, 2], [0, 1, 2, 2])
    assert "75.0%" in fig.axes[0].get_title()
    assert plots.save(fig, tmp_path / "c.png").read_bytes().startswith(b"\x89PNG")
