"""nn.Perceptron: the step activation z >= 0, the perceptron rule (no gradients) replayed by hand, convergence."""

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.data import datasets


def replay(x: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, lr: float, epochs: int) -> tuple:
    """Rosenblatt's rule in plain NumPy float64: per sample ŷ = [w·x + b >= 0], w += lr (y − ŷ) x, b += lr (y − ŷ)."""
    w, mistakes = w.astype(np.float64).copy(), []
    for _ in range(epochs):
        count = 0
        for xi, yi in zip(x, y):
            error = yi - int(xi @ w + b >= 0)
            w, b, count = w + lr * error * xi, b + lr * error, count + (error != 0)
        mistakes.append(count)
    return w, b, mistakes


def test_predicts_one_where_z_is_at_least_zero():
    p = nn.Perceptron(2, dtype=cr.float64)
    p.weight.data[:] = [1.0, -2.0]
    p.bias.data[:] = 0.5
    x = np.array([[0.0, 0.0], [1.0, 0.75], [0.0, 1.0], [-0.5, 0.0]])  # z = 0.5, 0 (on the line), -1.5, 0
    np.testing.assert_array_equal(p.decision_function(x).numpy(), [0.5, 0.0, -1.5, 0.0])
    out = p(x)
    assert out.dtype == cr.int64 and out.tolist() == [1, 1, 0, 1]
    np.testing.assert_allclose(p.distance(x).numpy(), np.array([0.5, 0.0, -1.5, 0.0]) / np.sqrt(5), rtol=1e-12)
    assert p(np.array([1.0, 2.0])).tolist() == [0]  # one sample: (in_features,)


@pytest.mark.parametrize("lr, epochs", [(1.0, 3), (0.25, 5)])
def test_learning_follows_the_rule_sample_by_sample(lr, epochs):
    x, y, _, _ = datasets.linearly_separable(n=40, seed=3)
    xs, ys = x.numpy().astype(np.float64), y.numpy()
    p = nn.Perceptron(2, lr=lr, dtype=cr.float64)
    p.weight.data[:] = [-1.0, 0.5]  # a poor start
    p.bias.data[:] = 0.2
    got = [p.epoch(x, y) for _ in range(epochs)]
    w, b, mistakes = replay(xs, ys, np.array([-1.0, 0.5]), 0.2, lr, epochs)
    assert got == mistakes and sum(got) > 0
    np.testing.assert_allclose(p.weight.numpy(), w, rtol=1e-12)
    assert p.bias.item() == pytest.approx(b, rel=1e-12)


def test_converges_on_separable_points_and_stops_changing():
    x, y, x_test, y_test = datasets.linearly_separable(n=100, seed=0)
    p = nn.Perceptron(2)
    history = []
    while not history or history[-1]:  # the convergence theorem: a finite number of mistakes
        history.append(p.epoch(x, y))
        assert len(history) < 200
    before = p.state_dict()
    assert p.epoch(x, y) == 0 and all(np.array_equal(before[k].data, v.data) for k, v in p.state_dict().items())
    assert (p(x).numpy() == y.numpy()).all()
    assert (np.sign(p.distance(x).numpy()) == 2 * y.numpy() - 1).all()  # the label's side of the line
    assert (p(x_test).numpy() == y_test.numpy()).mean() > 0.9


def test_on_update_sees_each_change_and_no_gradient_is_involved():
    x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = np.array([0, 1, 0])
    p = nn.Perceptron(2, dtype=cr.float64)
    seen = []
    p.epoch(x, y, on_update=lambda i: seen.append((i, p.weight.tolist(), p.bias.item())))
    # zero start: z = 0 says 1, so sample 0 (class 0) moves the line; then [0, 1] gives z = -1 (class 1: move)
    assert seen == [(0, [-1.0, 0.0], -1.0), (1, [-1.0, 1.0], 0.0), (2, [-2.0, 0.0], -1.0)]
    assert not p.weight.requires_grad and not p.bias.requires_grad and p.weight.grad is None
    assert p.weight.shape == (2,) and p.bias.shape == (1,)  # as nn.Linear(2, 1)'s bias
    assert [name for name, _ in p.named_parameters()] == ["weight", "bias"]


def test_state_dict_round_trip(tmp_path):
    p = nn.Perceptron(3)
    p.epoch(np.eye(3), [1, 0, 1])
    cr.save(p.state_dict(), tmp_path / "p.npz")
    q = nn.Perceptron(3)
    q.load_state_dict(cr.load(tmp_path / "p.npz"))
    np.testing.assert_array_equal(q.weight.numpy(), p.weight.numpy())
    assert "Perceptron(in_features=3, lr=1.0)" in repr(q)


def test_bad_input_names_the_perceptron_and_what_is_valid():
    p = nn.Perceptron(2)
    with pytest.raises(ValueError, match=r"Perceptron: input of shape \(3, 3\); expected \(N, 2\) or \(2,\)"):
        p(np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"Perceptron: input of shape \(2, 2\); expected \(2,\)"):
        p.step(np.zeros((2, 2)), 1)
    with pytest.raises(ValueError, match=r"labels must be 2 value\(s\) in \{0, 1\}, got \[1, -1\]"):
        p.epoch(np.zeros((2, 2)), [1, -1])
    with pytest.raises(ValueError, match="in_features must be a positive int, got 0"):
        nn.Perceptron(0)
    with pytest.raises(ValueError, match="lr must be > 0, got -1"):
        nn.Perceptron(2, lr=-1)
