"""The Polish notes' network (pl-one-hidden-layer-gradients.txt): 3 inputs, 4 sigmoid hidden units, 1 sigmoid
output, binary cross-entropy, SGD. z = W x + b₁, h = σ(z), θ = U h + b₂, ŷ = σ(θ), L = CE(ŷ, y), and the notes'
gradients:

    δ₁ = ŷ − y = ε ∈ (−1, 1)                     (3)   ∂L/∂U  = δ₁ᵀ ⊗ hᵀ = ε·[h₁, h₂, h₃, h₄]
    δ₂ = δ₁ U ∘ σ'(z)                            (4)   ∂L/∂b₂ = ε
    ∂L/∂W = δ₂ᵀ ⊗ xᵀ, element (i, j) ε·u_i1·σ'(z_i)·x_j   (7)   ∂L/∂b₁ = δ₂ᵀ

Each is computed from these formulas in NumPy and compared with chainrule's backward() through the same
network (nn.Linear, nn.Sigmoid, nn.BCELoss in float64), then one SGD step W ← W − η ∂L/∂W. The notes give no
numbers: the weights and the sample are drawn with a fixed seed. (The matrix printed in (7) writes σ'(z₁) in
every row; its element (i, j) is ε·u_i1·σ'(z_i)·x_j, as (6) says, and that is what backward() gives.)

    python examples/notes_backprop_one_hidden_layer.py [--seed 0]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from notes_check import NotesCheck

import chainrule as cr
from chainrule import nn, optim

ETA = 0.1  # the SGD step of the check (the notes' η)


def sigmoid(t: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-t))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights, the sample and its label")
    args = parser.parse_args(argv)
    cr.manual_seed(args.seed)
    net = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid()).double()
    rng = np.random.default_rng(args.seed)
    x, y = rng.uniform(-1, 1, 3), float(rng.integers(0, 2))
    W, b1, U, b2 = (p.detach().numpy().copy() for p in net.parameters())  # U is (1, 4), b2 is (1,)

    # the notes' formulas, in NumPy
    z = W @ x + b1
    h = sigmoid(z)
    theta = U @ h + b2
    y_hat = sigmoid(theta)
    eps = float(y_hat[0] - y)  # δ₁ = ŷ − y = ε
    delta2 = eps * U[0] * sigmoid(z) * (1 - sigmoid(z))  # δ₁ U ∘ σ'(z), shape (4,) (the notes' (1, 4) row)
    formulas = {"W": np.outer(delta2, x), "b1": delta2, "U": eps * h[None, :], "b2": np.array([eps])}

    # chainrule: the same network, the loss backward, the intermediate δs read off retained gradients
    xt = cr.tensor(x[None, :], dtype=cr.float64)
    pre = net[0](xt)
    pre.retain_grad()
    logit = net[2](net[1](pre))
    logit.retain_grad()
    loss = nn.BCELoss()(net[3](logit), cr.tensor([[y]], dtype=cr.float64))
    loss.backward()
    grads = {"W": net[0].weight.grad, "b1": net[0].bias.grad, "U": net[2].weight.grad, "b2": net[2].bias.grad}

    check = NotesCheck(f"3-4-1 sigmoid network, BCE, sample x = {np.round(x, 3).tolist()}, y = {y:g}", "formula")
    check.row("L = CE(ŷ, y)", loss.item(), -(y * np.log(y_hat[0]) + (1 - y) * np.log(1 - y_hat[0])), tol=1e-12)
    check.row("δ₁ = ∂L/∂θ = ŷ − y = ε", logit.grad.item(), eps, tol=1e-12)
    check.claim("ε ∈ (−1, 1)", -1 < eps < 1, f"ε = {eps:+.4f}")
    print(f"   δ₂ by backward(): {np.array2string(pre.grad.numpy()[0], precision=5)}")
    check.row("δ₂ = ∂L/∂z = δ₁ U ∘ σ'(z)", pre.grad.numpy()[0], delta2, tol=1e-12)
    names = {"W": "∂L/∂W = δ₂ᵀ ⊗ xᵀ", "b1": "∂L/∂b₁ = δ₂ᵀ", "U": "∂L/∂U = ε·h", "b2": "∂L/∂b₂ = ε"}
    print(
        "   ∂L/∂W by backward():\n" + "\n".join(f"     {np.array2string(r, precision=5)}" for r in grads["W"].numpy())
    )
    for key, what in names.items():
        check.row(what, grads[key].numpy().ravel(), formulas[key].ravel(), tol=1e-12, digits=4)
    as_printed = eps * U[0][:, None] * (sigmoid(z[0]) * (1 - sigmoid(z[0]))) * x[None, :]  # σ'(z₁) in every row
    check.claim("(7) as printed (σ'(z₁) in every row) differs", not np.allclose(as_printed, formulas["W"]),
                "rows 2-4 use σ'(z_i)")  # fmt: skip
    optim.SGD(net.parameters(), lr=ETA).step()
    stepped = net[0].weight.detach().numpy().ravel()
    check.row(f"SGD: W − η ∂L/∂W, η = {ETA:g}", stepped, (W - ETA * formulas["W"]).ravel(), tol=1e-12)
    return check.finish()


if __name__ == "__main__":
    sys.exit(main())
