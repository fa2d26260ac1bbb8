"""End-to-end acceptance: the lecture XOR net learns Y exactly; small MLPs learn real digits quickly.

Each run is also replayed by a hand-written NumPy reference (tests/helpers/numpy_mlp.py) from the same
initial weights over the same batches: every replayed step's loss and the parameters reached must agree.
"""

import numpy as np

import chainrule as cr
from chainrule import nn, optim
from chainrule.data import DataLoader
from chainrule.data import datasets as ds
from chainrule.nn import functional as F
from helpers import numpy_mlp as ref


def _xor_numpy(w1, w2, x, y, steps):
    """The lecture's NumPy program: l1 = σ(x·W1ᵀ), l2 = σ(l1·W2ᵀ), E = ½‖l2 − y‖², backward by hand, W ← W − ∂E/∂W."""
    losses = []
    for _ in range(steps):
        l1 = 1 / (1 + np.exp(-(x @ w1.T)))
        l2 = 1 / (1 + np.exp(-(l1 @ w2.T)))
        losses.append(0.5 * ((l2 - y) ** 2).sum())
        d2 = (l2 - y) * l2 * (1 - l2)
        d1 = (d2 @ w2) * l1 * (1 - l1)
        w2, w1 = w2 - d2.T @ l1, w1 - d1.T @ x
    return losses, w1, w2


def test_lecture_xor_network_learns_y_exactly():
    X = cr.tensor([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=cr.float64)
    Y = cr.tensor([[0], [1], [1], [0]], dtype=cr.float64)
    cr.manual_seed(1)
    net = nn.Sequential(nn.Linear(3, 4, bias=False), nn.Sigmoid(), nn.Linear(4, 1, bias=False), nn.Sigmoid()).double()
    for layer in (net[0], net[2]):
        nn.init.uniform_(layer.weight, -1.0, 1.0)
    start = [net[0].weight._data.copy(), net[2].weight._data.copy()]
    opt = optim.SGD(net.parameters(), lr=1.0)
    losses = []
    for _ in range(3000):
        opt.zero_grad()
        loss = 0.5 * F.mse_loss(net(X), Y, reduction="sum")
        loss.backward()
        opt.step()
        losses.append(loss.item())
    with cr.no_grad():
        pred = net(X).numpy()
    np.testing.assert_array_equal(pred.round(), Y.numpy())
    assert loss.item() < 0.01
    expected, w1, w2 = _xor_numpy(*start, X.numpy(), Y.numpy(), 3000)
    np.testing.assert_allclose(losses, expected, rtol=1e-9)  # float64 both: every step's loss, to rounding
    np.testing.assert_allclose(net[0].weight._data, w1, rtol=1e-9)
    np.testing.assert_allclose(net[2].weight._data, w2, rtol=1e-9)


def _accuracy(net, x, y):
    with cr.no_grad():
        return float((net(x).argmax(axis=1).numpy() == y.numpy()).mean())


def _train_and_replay(split, net, opt, reference_opt, activation, epochs, batch_size, replayed):
    """Train ``net`` on shuffled batches (stream seed 0); replay its first ``replayed`` epochs in NumPy:
    every step's loss and the parameters then agree."""
    start = [p._data.copy() for p in net.parameters()]
    loader = DataLoader(split.train, batch_size=batch_size, shuffle=True, generator=cr.Generator(0))
    losses = []
    for epoch in range(epochs):
        if epoch == replayed:
            reached = [p._data.copy() for p in net.parameters()]
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.cross_entropy(net(xb), yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    if replayed == epochs:
        reached = [p._data.copy() for p in net.parameters()]
    model, x, y = ref.MLP(start, activation), split.x_train.numpy().astype(np.float64), split.y_train.numpy()
    rng = np.random.default_rng(0)  # what cr.Generator(0) draws
    expected = []
    for _ in range(replayed):
        seen = ref.train(model, reference_opt, x, y, "cross-entropy", ref.batches(rng, len(y), batch_size))
        expected += [value for value, _ in seen]
    np.testing.assert_allclose(losses[: len(expected)], expected, rtol=1e-5)  # float32 against float64: rounding
    for p, q in zip(reached, model.params, strict=True):
        np.testing.assert_allclose(p, q, rtol=1e-4, atol=1e-5)


def test_sigmoid_mlp_learns_mnist_sample():
    split = ds.mnist_sample()
    cr.manual_seed(0)
    net = nn.MLP([784, 100, 10], activation="sigmoid")
    for layer in (net[0], net[2]):
        nn.init.lecun_normal_(layer.weight)
        nn.init.zeros_(layer.bias)
    _train_and_replay(split, net, optim.SGD(net.parameters(), lr=0.5), ref.SGD(0.5), "sigmoid", 3, 64, 1)
    assert _accuracy(net, split.x_test, split.y_test) >= 0.85


def test_relu_mlp_learns_digits_with_adam():
    split = ds.digits()
    cr.manual_seed(0)
    net = nn.MLP([64, 32, 10], activation="relu")
    _train_and_replay(split, net, optim.Adam(net.parameters(), lr=1e-2), ref.Adam(1e-2), "relu", 10, 64, 10)
    assert _accuracy(net, split.x_test, split.y_test) >= 0.93
