"""End-to-end acceptance: the lecture XOR net learns Y exactly; small MLPs learn real digits quickly."""

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn, optim
from chainrule.data import DataLoader
from chainrule.data import datasets as ds
from chainrule.nn import functional as F


def test_lecture_xor_network_learns_y_exactly():
    X = cr.tensor([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=cr.float64)
    Y = cr.tensor([[0], [1], [1], [0]], dtype=cr.float64)
    cr.manual_seed(1)
    net = nn.Sequential(nn.Linear(3, 4, bias=False), nn.Sigmoid(), nn.Linear(4, 1, bias=False), nn.Sigmoid()).double()
    for layer in (net[0], net[2]):
        nn.init.uniform_(layer.weight, -1.0, 1.0)
    opt = optim.SGD(net.parameters(), lr=1.0)
    for _ in range(3000):
        opt.zero_grad()
        loss = 0.5 * F.mse_loss(net(X), Y, reduction="sum")
        loss.backward()
        opt.step()
    with cr.no_grad():
        pred = net(X).numpy()
    np.testing.assert_array_equal(pred.round(), Y.numpy())
    assert loss.item() < 0.01


def _accuracy(net, x, y):
    with cr.no_grad():
        return float((net(x).argmax(axis=1).numpy() == y.numpy()).mean())


def test_sigmoid_mlp_learns_mnist_sample():
    split = ds.mnist_sample()
    cr.manual_seed(0)
    net = nn.MLP([784, 100, 10], activation="sigmoid")
    for layer in (net[0], net[2]):
        nn.init.lecun_normal_(layer.weight)
        nn.init.zeros_(layer.bias)
    opt = optim.SGD(net.parameters(), lr=0.5)
    loader = DataLoader(split.train, batch_size=64, shuffle=True, generator=cr.Generator(0))
    for _ in range(3):
        for xb, yb in loader:
            opt.zero_grad()
            F.cross_entropy(net(xb), yb).backward()
            opt.step()
    assert _accuracy(net, split.x_test, split.y_test) >= 0.85


def test_relu_mlp_learns_digits_with_adam():
    pytest.importorskip("sklearn")
    split = ds.digits()
    cr.manual_seed(0)
    net = nn.MLP([64, 32, 10], activation="relu")
    opt = optim.Adam(net.parameters(), lr=1e-2)
    loader = DataLoader(split.train, batch_size=64, shuffle=True, generator=cr.Generator(0))
    for _ in range(10):
        for xb, yb in loader:
            opt.zero_grad()
            nn.CrossEntropyLoss()(net(xb), yb).backward()
            opt.step()
    assert _accuracy(net, split.x_test, split.y_test) >= 0.93
