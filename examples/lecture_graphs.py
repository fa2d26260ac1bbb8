"""Every graph drawing of the backpropagation lecture, regenerated from live code.

    python examples/lecture_graphs.py --out pictures/graphs

Writes PNG and SVG drawings (values above each edge in green, gradients below in
red) and the chain-rule narrations as Markdown: f = (x + y)·z at (-2, 5, -4); the
logistic neuron at w = (2, -3, -3), x = (-1, -2) as five gates and with the sigmoid
gate grouped; a value used twice; and an MLP with its layers as nodes and clusters.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import chainrule as cr
from chainrule import nn, viz


def leaves(dtype=None, **values: float) -> list:
    return [cr.tensor(v, dtype=dtype, requires_grad=True, name=n) for n, v in values.items()]


def save(graph: viz.Graph, out: Path, name: str) -> None:
    for suffix in (".png", ".svg"):
        graph.save(out / f"{name}{suffix}")
    print(f"wrote {out / name}.png/.svg")


def narrate(f: cr.Tensor, out: Path, name: str) -> None:
    (out / f"{name}.md").write_text(cr.explain(f, echo=False), encoding="utf-8")
    print(f"wrote {out / name}.md")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("pictures/graphs"))
    parser.add_argument("--small", action="store_true", help="quick run (PNG only for the MLP, smaller net)")
    args = parser.parse_args(argv)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)

    x, y, z = leaves(x=-2.0, y=5.0, z=-4.0)
    f = (x + y) * z
    save(cr.draw(f, title="f = (x + y) · z"), out, "add_multiply")
    narrate(f, out, "add_multiply")

    w0, x0, w1, x1, w2 = leaves(cr.float64, w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0)
    s = w0 * x0 + w1 * x1 + w2
    f = 1 / (1 + (-s).exp())
    save(cr.draw(f, title="logistic neuron: five gates"), out, "neuron_gates")
    save(cr.draw(f, groups={"sigmoid": (s, f)}, title="logistic neuron: the sigmoid gate"), out, "neuron_sigmoid")
    narrate(f, out, "neuron")

    a = cr.tensor(3.0, requires_grad=True, name="x")
    f = a * a + a
    save(cr.draw(f, title="a value used three times: the branches add"), out, "fan_out")
    narrate(f, out, "fan_out")

    cr.manual_seed(0)
    net = nn.MLP([2, 3, 2] if args.small else [2, 8, 8, 3], activation="sigmoid")
    with viz.record(net) as rec:
        loss = nn.functional.cross_entropy(net(cr.randn(4, 2)), cr.tensor([0, 1, 1, 0]))
    save(cr.draw(loss, groups=rec, title="MLP: one node per layer"), out, "mlp_layers")
    save(cr.draw(loss, groups=rec, detail="ops", title="MLP: layers as clusters"), out, "mlp_gates")


if __name__ == "__main__":
    main()
