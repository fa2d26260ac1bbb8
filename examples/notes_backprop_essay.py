"""The essay's backpropagation formulas (ro-perceptron-to-backprop-essay.txt, 4.3 "Algoritmul Back-Propagate"),
on a small sigmoid network with the cost c = ½‖a⁽ᵏ⁾ − t‖² and no biases (the essay folds them into w).

Index form ("Rezumat"):                         Vector form ("Notația vectorială"):
  δᵢ⁽ᵏ⁾ = σ'(zᵢ⁽ᵏ⁾)(aᵢ⁽ᵏ⁾ − tᵢ)                     δ⁽ᵏ⁾ = σ'(z⁽ᵏ⁾) ⊙ (a⁽ᵏ⁾ − t)
  δᵢ⁽ˡ⁾ = σ'(zᵢ⁽ˡ⁾) Σⱼ δⱼ⁽ˡ⁺¹⁾ wⱼᵢ⁽ˡ⁺¹⁾             δ⁽ˡ⁾ = σ'(z⁽ˡ⁾) ⊙ (δ⁽ˡ⁺¹⁾ w⁽ˡ⁺¹⁾)
  ∂c/∂wᵢⱼ⁽ˡ⁾ = δᵢ⁽ˡ⁾ aⱼ⁽ˡ⁻¹⁾                         ∂c/∂w⁽ˡ⁾ = (δ⁽ˡ⁾)ᵀ a⁽ˡ⁻¹⁾

Both are computed by hand (loops over plain floats; NumPy rows) and compared with chainrule's backward()
through nn.Linear(bias=False) and nn.Sigmoid layers, for one input and, as in 4.4 "Mini-batch training", for
the mean cost of a mini-batch of α = 10 inputs. The essay's count of c's variables for the ⟨784, 100, 10⟩
network of its homework, 784·100 + 100·10 = 79 400, is checked too.

    python examples/notes_backprop_essay.py [--sizes 3 4 3 2] [--seed 0]
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np
from notes_check import NotesCheck

import chainrule as cr
from chainrule import nn

ALPHA = 10  # the essay's mini-batch size


def s(t: float) -> float:
    return 1 / (1 + math.exp(-t))


def by_index(ws: list, x: list, t: list) -> list:
    """∂c/∂wᵢⱼ⁽ˡ⁾ from the essay's three index formulas, with Python loops over floats."""
    a_s, z_s = [list(x)], []
    for w in ws:  # feed-forward: z⁽ˡ⁾ = w⁽ˡ⁾ a⁽ˡ⁻¹⁾, a⁽ˡ⁾ = σ(z⁽ˡ⁾)
        z = [sum(w[i][j] * a_s[-1][j] for j in range(len(a_s[-1]))) for i in range(len(w))]
        z_s.append(z)
        a_s.append([s(v) for v in z])
    ds = [[s(z) * (1 - s(z)) * (a - ti) for z, a, ti in zip(z_s[-1], a_s[-1], t)]]  # δ⁽ᵏ⁾
    for layer in range(len(ws) - 2, -1, -1):  # δ⁽ˡ⁾ from δ⁽ˡ⁺¹⁾
        w_next, d_next = ws[layer + 1], ds[0]
        ds.insert(0, [s(z) * (1 - s(z)) * sum(d_next[j] * w_next[j][i] for j in range(len(d_next)))
                      for i, z in enumerate(z_s[layer])])  # fmt: skip
    return [[[ds[layer][i] * a_s[layer][j] for j in range(len(a_s[layer]))] for i in range(len(ds[layer]))]
            for layer in range(len(ws))]  # fmt: skip


def by_vectors(ws: list, x: np.ndarray, t: np.ndarray) -> list:
    """∂c/∂w⁽ˡ⁾ from the vector formulas; ``x`` and ``t`` hold one sample per row, the cost is their mean."""
    a_s, z_s = [x], []
    for w in ws:
        z_s.append(a_s[-1] @ w.T)
        a_s.append(1 / (1 + np.exp(-z_s[-1])))
    sp = [1 / (1 + np.exp(-z)) * (1 - 1 / (1 + np.exp(-z))) for z in z_s]  # σ'(z⁽ˡ⁾)
    ds = [sp[-1] * (a_s[-1] - t)]
    for layer in range(len(ws) - 2, -1, -1):
        ds.insert(0, sp[layer] * (ds[0] @ ws[layer + 1]))  # δ⁽ˡ⁺¹⁾ w⁽ˡ⁺¹⁾ with δ a row: Σⱼ δⱼ wⱼᵢ
    return [d.T @ a / len(x) for d, a in zip(ds, a_s[:-1])]  # (δ⁽ˡ⁾)ᵀ a⁽ˡ⁻¹⁾, averaged over the rows


def by_chainrule(net: nn.Module, x: np.ndarray, t: np.ndarray) -> list:
    out = net(cr.tensor(x, dtype=cr.float64))
    cost = 0.5 * ((out - cr.tensor(t, dtype=cr.float64)) ** 2).sum(dim=1).mean()
    net.zero_grad()
    cost.backward()
    return [layer.weight.grad.numpy() for layer in net if isinstance(layer, nn.Linear)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[3, 4, 3, 2], help="layer sizes (default 3 4 3 2)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    cr.manual_seed(args.seed)
    net = nn.MLP(args.sizes, activation="sigmoid", output_activation="sigmoid", bias=False).double()
    ws = [layer.weight.detach().numpy().copy() for layer in net if isinstance(layer, nn.Linear)]
    rng = np.random.default_rng(args.seed)
    x = rng.uniform(0, 1, (ALPHA, args.sizes[0]))  # inputs in [0, 1], as the essay restricts them
    t = np.eye(args.sizes[-1])[rng.integers(0, args.sizes[-1], ALPHA)]  # targets in {0, 1}^m

    sizes = " → ".join(map(str, args.sizes))
    check = NotesCheck(f"sigmoid network {sizes}, c = ½‖a⁽ᵏ⁾ − t‖², no biases: one input", "by hand")
    ours = by_chainrule(net, x[:1], t[:1])
    index = by_index([w.tolist() for w in ws], x[0].tolist(), t[0].tolist())
    vector = by_vectors(ws, x[:1], t[:1])
    for layer, (g, gi, gv) in enumerate(zip(ours, index, vector), start=2):
        check.row(f"∂c/∂w⁽{layer}⁾ {g.shape}: index formulas", g.ravel(), np.ravel(gi), tol=1e-12)
        check.row(f"∂c/∂w⁽{layer}⁾: vector formulas", g.ravel(), gv.ravel(), tol=1e-12)
    check.section(f"the mean cost of a mini-batch of α = {ALPHA} inputs", "by hand")
    ours = by_chainrule(net, x, t)
    averaged = [np.mean([by_index([w.tolist() for w in ws], xi.tolist(), ti.tolist())[k] for xi, ti in zip(x, t)],
                        axis=0) for k in range(len(ws))]  # fmt: skip
    for layer, (g, gi, gv) in enumerate(zip(ours, averaged, by_vectors(ws, x, t)), start=2):
        check.row(f"∂c/∂w⁽{layer}⁾: mean of the index formulas", g.ravel(), gi.ravel(), tol=1e-12)
        check.row(f"∂c/∂w⁽{layer}⁾: vector formulas, rows", g.ravel(), gv.ravel(), tol=1e-12)
    check.section("4.1: the variables of c for the ⟨784, 100, 10⟩ network")
    count = sum(p.numel() for p in nn.MLP([784, 100, 10], activation="sigmoid", bias=False).parameters())
    check.row("784·100 + 100·10", count, "79400")
    return check.finish()


if __name__ == "__main__":
    sys.exit(main())
