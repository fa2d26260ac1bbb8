"""``draw_architecture``: the neurons and layers of an MLP, as the notes draw a network.

Each layer is a column of neurons (circles), every neuron connected to every neuron
of the next column; a layer wider than ``max_neurons`` shows its first neurons, a
"⋮ n more" mark and its last one. Under each column: the role names ``explain`` and
``draw`` use (x, z₁ = 0.weight·x + 0.bias, h₁ = σ(z₁), ŷ) and the number of units.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from chainrule.viz.op_rules import mm
from chainrule.viz.render import Graph
from chainrule.viz.roles import sub

NEURON_COLORS = {"input": "#e3edf9", "hidden": "#fff8e1", "output": "#e8f5e9"}
BORDER_COLORS = {"input": "#7a9cc6", "hidden": "#8d6e00", "output": "#2e7d32"}
ACTIVATION_SYMBOLS = {"Sigmoid": "σ", "Tanh": "tanh", "ReLU": "relu", "LeakyReLU": "leaky_relu",
                      "Softmax": "softmax", "LogSoftmax": "log softmax"}  # fmt: skip
PASS_THROUGH = {"Identity", "Dropout", "Flatten"}


@dataclass
class Column:
    """One layer of neurons: its kind (input, hidden, output), its size, and the lines under it."""

    kind: str
    size: int
    symbol: str
    caption: list = field(default_factory=list)


def draw_architecture(model: Any, max_neurons: int = 8, title: str | None = None, dpi: int = 150) -> Graph:
    """The network diagram of ``model``: an ``nn.MLP`` or ``nn.Sequential`` of Linear and activation layers.

    >>> cr.viz.draw_architecture(nn.MLP([3, 4, 1], activation="sigmoid", output_activation="sigmoid"))
    """
    if max_neurons < 3:
        raise ValueError(f"draw_architecture: max_neurons must be at least 3 (first, ⋮, last), got {max_neurons}")
    return Graph(_dot(columns(model), max_neurons, title), dpi)


def columns(model: Any) -> list[Column]:
    """The layers of ``model`` as columns of neurons, named as the notes name them."""
    from chainrule.nn.linear import Linear

    children = list(model.named_children()) if hasattr(model, "named_children") else []
    if not any(isinstance(m, Linear) for _, m in children):
        raise TypeError(
            f"draw_architecture: expected an nn.MLP or nn.Sequential of Linear and activation layers, "
            f"got {type(model).__name__} with layers {[type(m).__name__ for _, m in children]}"
        )
    cols: list[Column] = []
    k = 0
    for path, m in children:
        kind = type(m).__name__
        if isinstance(m, Linear):
            if not cols:
                cols.append(Column("input", m.in_features, "x", ["input x", _units(m.in_features)]))
            elif cols[-1].size != m.in_features:
                raise ValueError(f"draw_architecture: layer {path} takes {m.in_features} inputs but the layer "
                                 f"before it gives {cols[-1].size}")
            k += 1
            bias = f" + {path}.bias" if m.bias is not None else ""
            z = sub("z", k)
            cols.append(Column("hidden", m.out_features, z, [f"{z} = {mm(f'{path}.weight', cols[-1].symbol)}{bias}",
                                                             _units(m.out_features)]))
        elif kind in ACTIVATION_SYMBOLS and cols and cols[-1].kind == "hidden" and cols[-1].symbol.startswith("z"):
            h = sub("h", k)
            cols[-1].caption.insert(1, f"{h} = {ACTIVATION_SYMBOLS[kind]}({cols[-1].symbol})")
            cols[-1].symbol = h
        elif kind not in PASS_THROUGH:
            raise TypeError(f"draw_architecture: cannot draw layer {path} ({kind}); "
                            f"it draws Linear layers, {sorted(ACTIVATION_SYMBOLS)} and {sorted(PASS_THROUGH)}")
    last = cols[-1]
    last.kind = "output"
    if last.symbol.startswith("h"):  # the output activation's value is the prediction
        last.caption[1] = "ŷ" + last.caption[1][len(last.symbol):]
        last.symbol = "ŷ"
    last.caption[-1] += " (output)"
    return cols


def _units(n: int) -> str:
    return f"{n} unit{'s' if n != 1 else ''}"


def _shown(size: int, limit: int) -> list:
    """Neuron indices drawn (0-based), with None where the hidden ones are summarised."""
    if size <= limit:
        return list(range(size))
    return list(range(limit - 2)) + [None, size - 1]


def _dot(cols: list[Column], limit: int, title: str | None) -> str:
    """Columns left to right, each headed by its names; the order inside a column is kept by invisible edges
    (Graphviz keeps the order of a rank's nodes joined so, where clusters would let it shuffle them)."""
    hidden = sum(col.kind == "hidden" for col in cols)
    lines = [
        "digraph architecture {",
        '  graph [rankdir=LR, nodesep=0.12, ranksep=1.4, fontname="Helvetica", fontsize=14];',
        '  node [fontname="Helvetica", fontsize=12];',
        '  edge [color="#9e9e9e", arrowsize=0.4, penwidth=0.7];',
    ]
    if title:
        lines.append(f"  label=<{html.escape(title)}>; labelloc=t;")
    ids = []
    for c, col in enumerate(cols):
        shown = _shown(col.size, limit)
        ids.append([None if i is None else f"l{c}n{i}" for i in shown])
        header = "<br/>".join(html.escape(t) for t in col.caption)
        chain = [f"l{c}head"]
        lines.append(f'  l{c}head [shape=plaintext, fontsize=11, fontcolor="#444444", label=<{header}>];')
        for i in shown:
            if i is None:
                chain.append(f"l{c}more")
                lines.append(f"  l{c}more [shape=plaintext, fontsize=11, label=<⋮<br/>{col.size - limit + 1} more>];")
                continue
            chain.append(f"l{c}n{i}")
            lines.append(f'  l{c}n{i} [shape=circle, fixedsize=true, width=0.5, style=filled, '
                         f'fillcolor="{NEURON_COLORS[col.kind]}", color="{BORDER_COLORS[col.kind]}", '
                         f"label=<{html.escape(_neuron(col, i, hidden))}>];")
        lines.append(f"  {{rank=same; {'; '.join(chain)};}}")
        lines.append(f"  {' -> '.join(chain)} [style=invis];")
    for left, right in zip(ids, ids[1:]):
        lines += [f"  {a} -> {b};" for a in left for b in right if a and b]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _neuron(col: Column, i: int, hidden: int) -> str:
    """x₂, h₃ (one hidden layer, as the notes), ŷ₁; a plain number where a letter would be ambiguous."""
    base = col.symbol[0] if col.symbol[0] in "xŷ" or (col.kind == "hidden" and hidden == 1) else ""
    if col.size == 1 and base:
        return col.symbol if col.symbol in ("x", "ŷ") else base
    return f"{base}{sub('', i + 1)}" if base else str(i + 1)
