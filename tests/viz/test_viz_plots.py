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
    assert classes_of(lambda t: t._data[:, 0] > 0, pts).tolist() == [1, 0]
    assert classes_of(lambda t: 1 / (1 + np.exp(-t._data[:, 0])), pts).tolist() == [1, 0]
    assert classes_of(lambda t: t._data[:, 0] * 5, pts).tolist() == [1, 0]
    assert classes_of(lambda t: np.stack([t._data[:, 0], -t._data[:, 0]], 1), pts).tolist() == [0, 1]


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


# ---------------------------------------------------------------- the lecture notes' figures (issue 19)
def _rgb(color):
    from matplotlib.colors import to_rgb

    return np.array(to_rgb(color))


def test_regions_give_every_class_a_visible_colour_a_legend_and_axis_labels():
    from chainrule.viz.plots.mpl import class_color, tint

    x = np.array([[-1.0, 0.0], [0.0, 0.0], [1.0, 0.0]])
    fig = plots.plot_regions(lambda t: (t._data[:, 0] > -0.5).astype(int) + (t._data[:, 0] > 0.5), x, [0, 1, 2])
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x₁", "x₂")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1", "class 2"]
    image = ax.images[0].get_array()
    row = image[image.shape[0] // 2]
    fills = [row[5], row[image.shape[1] // 2], row[-5]]  # left, middle, right: classes 0, 1, 2
    for k, fill in enumerate(fills):
        np.testing.assert_allclose(fill, tint(class_color(k)))
        assert np.ptp(fill) > 0.15, f"class {k}'s region is greyish: {fill}"  # not white or grey on grey
    assert min(np.abs(a - b).sum() for i, a in enumerate(fills) for b in fills[i + 1 :]) > 0.2
    faces = ax.collections[-1].get_facecolors()[:, :3]
    np.testing.assert_allclose(faces, [_rgb(class_color(k)) for k in range(3)])


def test_descent_frames_keep_their_axes():
    from chainrule.viz.plots.descent import _Scene
    from chainrule.viz.plots.mpl import figure

    scene = _Scene(None, (-4.0, 0.5, 3.0), 3.0, 8, (-6.0, 6.0))
    ax = figure().add_subplot()
    limits = []
    for k in (0, 3, 8):
        scene.show(ax, k)
        limits.append((ax.get_xlim(), ax.get_ylim()))
    assert limits[0] == limits[1] == limits[2]
    lo, hi = limits[0][1]
    assert lo < scene.curve.min() and hi > scene.curve.max()


def test_batch_loss_plots_every_iteration_and_the_epoch_means():
    losses = [2.0, 1.0, 1.5, 0.9, 0.7, 0.8, 0.5]
    fig = plots.plot_batch_loss(losses, steps_per_epoch=3)
    ax = fig.axes[0]
    line = ax.lines[0]
    assert list(line.get_xdata()) == list(range(1, 8)) and list(line.get_ydata()) == losses
    means = [seg[0][1] for coll in ax.collections for seg in coll.get_segments()]
    np.testing.assert_allclose(means, [1.5, 0.8, 0.5])
    assert ax.get_xlabel() == "iteration (mini-batch)"
    with pytest.raises(ValueError, match="plot_batch_loss: expected a non-empty list"):
        plots.plot_batch_loss([])


def test_sigmoid_figure_draws_sigma_its_slope_and_the_saturated_regions():
    fig = plots.plot_sigmoid(saturation=6.0, span=10.0)
    ax = fig.axes[0]
    sigma, slope = ax.lines[0], ax.lines[1]
    xs = np.asarray(sigma.get_xdata())
    s = 1 / (1 + np.exp(-xs))
    np.testing.assert_allclose(sigma.get_ydata(), s, rtol=1e-12)
    np.testing.assert_allclose(slope.get_ydata(), s * (1 - s), rtol=1e-9, atol=1e-15)
    spans = sorted((p.get_x(), p.get_x() + p.get_width()) for p in ax.patches)
    assert spans == [(-10.0, -6.0), (6.0, 10.0)]
    assert any("σ' < 0.0025" in t.get_text() for t in ax.texts)


def test_curve_recorder_fixed_axes_and_the_models_curve(tmp_path):
    x = np.linspace(-3, 3, 30)
    rec = plots.CurveRecorder(x, np.sin(x), target=np.sin)
    with pytest.raises(ValueError, match="nothing captured yet"):
        rec.save_gif(tmp_path / "none.gif")
    rec.capture(lambda t: t * 0.0, "start")
    rec.capture(lambda t: t._data * 0.5, "later")
    np.testing.assert_allclose(rec.frames[1][0], 0.5 * rec.grid, rtol=1e-6)
    limits = []
    for i in (0, 1):
        ax = rec.plot(i).axes[0]
        limits.append((ax.get_xlim(), ax.get_ylim()))
    assert limits[0] == limits[1]
    assert _frames(rec.save_gif(tmp_path / "fit.gif")) == 2


def _frames(path) -> int:
    image = pytest.importorskip("PIL.Image")
    with image.open(path) as im:
        return im.n_frames


def test_perceptron_picture_line_weight_vector_distance_and_changing_frames(tmp_path):
    from chainrule import nn

    x = np.array([[0.1, 0.2], [0.9, 0.8], [0.2, 0.9], [0.8, 0.1]])
    y = np.array([0, 1, 1, 0])
    p = nn.Perceptron(2, dtype=np.float64)
    p.weight._data[:] = [1.0, -1.0]  # a poor start: wrong for points 2 and 3
    p.bias._data[:] = 0.05
    rec = plots.PerceptronRecorder(x, y)
    rec.capture(p, point=2, label="start")
    p.epoch(x, y, on_update=lambda i: rec.capture(p, point=i, label=f"after point {i}"))
    assert len(rec.frames) >= 2
    w, b = np.array([1.0, -1.0]), 0.05
    ax = rec.plot(0).axes[0]
    boundary = next(line for line in ax.lines if line.get_label() == "w·x + b = 0")
    ends = np.stack([boundary.get_xdata(), boundary.get_ydata()], axis=1)
    np.testing.assert_allclose(ends @ w + b, 0, atol=1e-12)  # a straight line on w·x + b = 0, two points
    arrow = next(c for c in ax.texts if c.get_text() == "" and hasattr(c, "arrow_patch"))
    direction = np.array(arrow.xy) - np.array(arrow.xyann)
    # along w (no cross component), towards the class-1 side
    assert abs(direction[0] * w[1] - direction[1] * w[0]) < 1e-9 and direction @ w > 0
    z = x[2] @ w + b
    assert any(t.get_text().strip() == f"d = {z / np.linalg.norm(w):+.2f}" for t in ax.texts)
    assert "2 misclassified" in ax.get_title()
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["class 0: f(z) = 0, z < 0",
                                                                       "class 1: f(z) = 1, z ≥ 0"]  # fmt: skip
    faces = ax.collections[0].get_facecolors()[:, :3]
    np.testing.assert_allclose(faces, [_rgb(c) for c in ("#d62728", "#2ca02c", "#2ca02c", "#d62728")])  # red/green
    image = pytest.importorskip("PIL.Image")
    path = rec.save_gif(tmp_path / "p.gif")
    with image.open(path) as im:
        frames = []
        for k in range(im.n_frames):
            im.seek(k)
            frames.append(np.asarray(im.convert("RGB")).tobytes())
    assert len(frames) == len(rec.frames) and len(set(frames)) == len(frames)  # every frame shows a change


def test_perceptron_picture_without_a_line_yet():
    from chainrule import nn

    fig = plots.plot_perceptron(nn.Perceptron(2), np.array([[0.0, 0.0], [1.0, 1.0]]), [0, 1], point=0)
    ax = fig.axes[0]
    assert not [line for line in ax.lines if line.get_label() == "w·x + b = 0"]  # w = 0: no line to draw
    assert "1 misclassified" in ax.get_title()  # z = 0 >= 0 says class 1 everywhere
