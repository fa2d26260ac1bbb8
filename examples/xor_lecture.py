"""The lecture's two-layer XOR network, written with chainrule.nn and optim.SGD.

X carries a constant third column (the bias), the weights start uniform in
[−1, 1], the loss is ½‖Y − ŷ‖² and full-batch gradient descent takes steps of
size 1 — the same recipe as the 11-line NumPy version in the slides.

    python examples/xor_lecture.py
"""

from __future__ import annotations

import chainrule as cr
from chainrule import nn, optim
from chainrule.nn import functional as F

X = cr.tensor([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=cr.float64)
Y = cr.tensor([[0], [1], [1], [0]], dtype=cr.float64)


def build(seed: int = 1) -> nn.Sequential:
    """3-4-1 sigmoid network without bias terms (the bias lives in X's last column)."""
    cr.manual_seed(seed)
    net = nn.Sequential(nn.Linear(3, 4, bias=False), nn.Sigmoid(), nn.Linear(4, 1, bias=False), nn.Sigmoid())
    net.double()
    for layer in (net[0], net[2]):
        nn.init.uniform_(layer.weight, -1.0, 1.0)
    return net


def train(net: nn.Module, steps: int = 5000, lr: float = 1.0) -> list[float]:
    """Full-batch gradient descent on ½‖Y − ŷ‖²; returns the loss history."""
    opt = optim.SGD(net.parameters(), lr=lr)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        loss = 0.5 * F.mse_loss(net(X), Y, reduction="sum")
        loss.backward()
        opt.step()
        history.append(loss.item())
    return history


if __name__ == "__main__":
    net = build()
    losses = train(net)
    with cr.no_grad():
        predictions = net(X)
    print(f"loss: {losses[0]:.4f} -> {losses[-1]:.6f}")
    print("predictions:", [round(p, 3) for p in predictions.numpy().ravel().tolist()])
    print("rounded:    ", predictions.numpy().round().astype(int).ravel().tolist(), " target:", [0, 1, 1, 0])
