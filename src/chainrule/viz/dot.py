"""DOT text for a Scene: pure Python, no Graphviz needed to produce it.

Each labelled edge passes through a small two-row label node, so the line runs
between its rows: the forward value sits above it (green) and the gradient below
(red), as in the lecture figures. For top-to-bottom layouts they sit left/right.
"""

from __future__ import annotations

import html

from chainrule.viz.groups import Resolved
from chainrule.viz.scene import Line, Node, Scene

VALUE_COLOR = "#1b7a2e"
GRAD_COLOR = "#c62828"
EDGE_COLOR = "#555555"
CLUSTER_COLOR = "#b26a00"
SHAPES_COLOR = "#555555"
CAPTION_STYLE = f'shape=plaintext, fontcolor="{CLUSTER_COLOR}", fontsize=11'
FAST_LAYOUT_ABOVE = 40
# Characters: a longer summary goes on several lines (shape, range, norm), keeping drawings narrow.
WRAP_ABOVE = 24
WRAP_RANGE_ABOVE = 16  # a summary with a range, ``8 [0 … 7] ‖11.83‖``

_NODE_STYLE = {
    "leaf": 'shape=box, style="rounded,filled", fillcolor="#e3edf9", color="#7a9cc6"',
    "const": 'shape=box, style="rounded,filled", fillcolor="#eeeeee", color="#aaaaaa"',
    "op": 'shape=circle, style=filled, fillcolor="#fff8e1", color="#8d6e00", margin=0.02',
    "group": 'shape=box, style="rounded,filled,bold", fillcolor="#fdebd3", color="#b26a00"',
    "summary": 'shape=box, style="dashed,filled", fillcolor="#f5f5f5", color="#888888"',
    "output": "shape=plaintext",
}


def to_dot(scene: Scene, direction: str = "LR", title: str | None = None) -> str:
    """The Graphviz source of ``scene`` (``direction``: LR, RL, TB or BT)."""
    across = direction in ("LR", "RL")
    lines = [
        "digraph chainrule {",
        f'  graph [rankdir={direction}, nodesep=0.25, ranksep=0.35, fontname="Helvetica", fontsize=11];',
        '  node [fontname="Helvetica", fontsize=13, height=0.3];',
        f'  edge [fontname="Helvetica", fontsize=10, color="{EDGE_COLOR}", arrowsize=0.6];',
    ]
    if len(scene.nodes) > FAST_LAYOUT_ABOVE:  # bound Graphviz's crossing minimisation on big drawings
        lines.append("  graph [mclimit=0.1, nslimit=1, nslimit1=1];")
    notes = ([title] if title else []) + scene.notes
    if notes:
        lines.append(f"  label=<{'<br/>'.join(html.escape(n) for n in notes)}>; labelloc=b;")
    by_cluster: dict = {}
    for node in scene.nodes:
        by_cluster.setdefault(node.cluster, []).append(_node(node))
    cluster_of = {node.id: node.cluster for node in scene.nodes}
    edges = []
    seen: dict = {}  # head -> labelled edges into it so far
    for i, line in enumerate(scene.lines):
        stagger = 0 if across else seen.get(line.head, 0)  # top to bottom: each input's label one rank higher
        seen[line.head] = stagger + 1
        mid, drawn = _edge(i, line, direction, stagger)
        edges += drawn
        if mid:  # a label node goes in the innermost cluster holding both ends, keeping clusters compact
            home = _common(cluster_of.get(line.tail), cluster_of.get(line.head), scene.clusters)
            by_cluster.setdefault(home, []).append(mid)
    lines += ["  " + n for n in by_cluster.get(None, [])]
    anchors = {node.cluster: node.id for node in scene.nodes if node.kind in ("op", "group")}  # the entry gate
    for cluster in scene.clusters:
        if cluster.parent is None or cluster.parent not in scene.clusters:
            lines.extend(_cluster(cluster, scene.clusters, by_cluster, anchors, "  "))
    lines += edges
    lines.append("}")
    return "\n".join(lines) + "\n"


def _cluster(c: Resolved, clusters: list, by_cluster: dict, anchors: dict, pad: str) -> list[str]:
    """A group as a dashed box. Its caption is a node beside the group's entry gate, not the cluster's label:
    edges are routed around nodes, while they would cross a label in their way."""
    i = clusters.index(c)
    out = [
        f"{pad}subgraph cluster_{i} {{",
        f'{pad}  label=""; style="rounded,dashed"; color="{CLUSTER_COLOR}";',
        f"{pad}  caption{i} [label=<{html.escape(c.title)}>, {CAPTION_STYLE}];",
    ]
    out += [f"{pad}  {n}" for n in by_cluster.get(c, [])]
    if c in anchors:
        out.append(f"{pad}  {{rank=min; caption{i};}}")
    for child in c.children:
        if child in clusters:
            out += _cluster(child, clusters, by_cluster, anchors, pad + "  ")
    out.append(f"{pad}}}")
    return out


def _common(a: Resolved | None, b: Resolved | None, drawn: list) -> Resolved | None:
    """The innermost drawn cluster enclosing both ``a`` and ``b`` (None: the top level)."""
    chain = []
    while a is not None:
        chain.append(a)
        a = a.parent
    while b is not None and b not in chain:
        b = b.parent
    return b if b in drawn else None


def _node(node: Node) -> str:
    text = "<br/>".join(html.escape(part) for part in node.label.split("\n"))
    if node.shapes:
        text += f'<br/><font point-size="10" color="{SHAPES_COLOR}">{html.escape(node.shapes)}</font>'
    if node.note:
        text += f'<br/><font point-size="10" color="{GRAD_COLOR}">{html.escape(node.note)}</font>'
    style = _NODE_STYLE[node.kind]
    if node.kind == "op" and (len(node.label) > 4 or node.note):
        style = style.replace("shape=circle", "shape=ellipse")
    return f"{node.id} [label=<{text}>, {style}];"


#: The ports where an edge enters and leaves its label node, by direction: the side facing its tail, then its head.
PORTS = {"LR": ("w", "e"), "RL": ("e", "w"), "TB": ("n", "s"), "BT": ("s", "n")}


def _edge(i: int, line: Line, direction: str, stagger: int = 0) -> tuple[str | None, list[str]]:
    """The label node (or None) and the edge statements of one use of a value.

    ``stagger`` lifts the label that many ranks above the gate: top to bottom, a gate's inputs
    then have their labels on rows of their own instead of side by side, so the drawing stays narrow.
    """
    if line.value is None and line.grad is None:
        return None, [f"  {line.tail} -> {line.head};"]
    mid = f"e{i}"
    value = _cell(line.value, VALUE_COLOR)
    grad = _cell(line.grad, GRAD_COLOR)
    across = direction in ("LR", "RL")
    table = f"<tr>{value}</tr><hr/><tr>{grad}</tr>" if across else f"<tr>{value}<vr/>{grad}</tr>"
    enter, leave = PORTS[direction]
    label = f'<table border="0" cellborder="0" cellspacing="0" cellpadding="1" color="{EDGE_COLOR}">{table}</table>'
    lift = f" [minlen={1 + stagger}]" if stagger else ""
    return f"{mid} [shape=plain, label=<{label}>];", [
        f"  {line.tail} -> {mid}:{enter} [arrowhead=none];",
        f"  {mid}:{leave} -> {line.head}{lift};",
    ]


def _cell(text: str | None, color: str) -> str:
    body = f'<font color="{color}">{"<br/>".join(html.escape(t) for t in _wrap(text))}</font>' if text else " "
    return f"<td>{body}</td>"


def _wrap(text: str) -> list[str]:
    """A long summary on three lines: ``z₁ = 8×100`` / ``[-1.13 … 5.14]`` / ``‖16.02‖``."""
    if len(text) <= (WRAP_RANGE_ABOVE if " … " in text else WRAP_ABOVE):
        return [text]
    head, bracket, rest = text.partition(" [")
    if not bracket:
        return [text]
    values, bar, norm = rest.partition("] ")
    return [head, f"[{values}]", norm] if bar else [head, f"[{rest}"]
