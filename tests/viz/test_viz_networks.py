"""Drawings of networks: the same names as explain, top to bottom, parameters inside their layer, captions clear
of edges, and the report's graph fitting its column at a legible size."""

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn, viz
from chainrule.creation import tensor
from chainrule.nn import functional as F

SVG = "{http://www.w3.org/2000/svg}"
VALUE_CELL = re.compile(r'<font color="#1b7a2e">([^<]*?) = ')  # a value shown with its name: "z₁ = 8×4 …"


def network(sizes=(3, 4, 2), activation="sigmoid", batch=5):
    cr.manual_seed(0)
    net = nn.MLP(list(sizes), activation=activation)
    x = cr.randn(batch, sizes[0])
    with viz.record(net) as rec:
        loss = F.cross_entropy(net(x), cr.tensor(np.arange(batch) % sizes[-1]))
    return net, rec, loss


LEAF = re.compile(r'\bn\d+ \[label=<([^<>]*)>, shape=box, style="rounded,filled",')  # leaves and constants


def drawn_names(source):
    """Leaf names (node labels) and the names shown beside values on edges, from the DOT text."""
    return LEAF.findall(source), VALUE_CELL.findall(source)


def forward_names(text):
    """The names ``explain`` gives values it computes (left of each forward step)."""
    forward = text.split("**Backward pass**")[0]
    return re.findall(r"^- (\S+) = ", forward, re.M)


@pytest.mark.parametrize("how", ["model", "recorder", "neither"])
def test_draw_and_explain_use_the_same_names(how):
    net, rec, loss = network()
    drawing = {"model": {"model": net}, "recorder": {"groups": rec}, "neither": {}}[how]
    leaves, roles = drawn_names(cr.draw(loss, **drawing).source)
    text = cr.explain(loss, echo=False, model=net if how != "neither" else None)
    parameters = ["0.weight", "0.bias", "2.weight", "2.bias"] if how != "neither" else ["W₁", "b₁", "W₂", "b₂"]
    assert sorted(leaves) == sorted(parameters + ["x", "y"])
    for name in parameters:
        assert f"- ∂L/∂{name} = " in text, name
    assert roles == ["z₁", "h₁", "z₂"] or sorted(roles) == ["h₁", "z₁", "z₂"]
    assert set(roles) <= set(forward_names(text)) and "L" in forward_names(text)
    assert not re.search(r"∂L/∂[a-e] ", text)  # no letters standing in for parameters


def test_network_drawings_go_top_to_bottom_expressions_left_to_right():
    _, rec, loss = network()
    assert "rankdir=TB" in cr.draw(loss, groups=rec).source
    x = cr.tensor(2.0, requires_grad=True, name="x")
    assert "rankdir=LR" in cr.draw(x * x + 1).source
    assert "rankdir=LR" in cr.draw(loss, direction="LR").source  # asked for: obeyed


def test_parameters_sit_inside_their_layers_cluster():
    _, rec, loss = network()
    src = cr.draw(loss, groups=rec, detail="ops").source
    home, stack = {}, [None]  # leaf name -> caption of the innermost cluster holding it
    for line in src.splitlines():
        if "subgraph cluster_" in line:
            stack.append(None)
        elif line.strip() == "}":
            stack.pop()
        elif re.search(r"caption\d+ \[label=<", line):
            stack[-1] = re.search(r"label=<([^>]*)>", line).group(1)
        else:
            home.update((name, stack[-1]) for name in LEAF.findall(line))
    assert home == {"0.weight": "0: Linear 3→4", "0.bias": "0: Linear 3→4", "2.weight": "2: Linear 4→2",
                    "2.bias": "2: Linear 4→2", "x": None, "y": None}  # fmt: skip


def caption_boxes(root):
    """The bounding box of each cluster's caption (its text, from font size and length) in the SVG."""
    boxes = []
    for g in root.iter(SVG + "g"):
        title = g.find(SVG + "title")
        is_caption = g.get("class") == "node" and title is not None and title.text.startswith("caption")
        if is_caption or g.get("class") == "cluster":
            for t in g.findall(SVG + "text"):
                size, x, y = float(t.get("font-size")), float(t.get("x")), float(t.get("y"))
                width = 0.6 * size * len(t.text)
                boxes.append((t.text, x - width / 2, y - size, x + width / 2, y + 0.3 * size))
    return boxes


def edge_points(root, steps=24):
    """Points along every edge's Bézier path."""
    for g in root.iter(SVG + "g"):
        if g.get("class") != "edge":
            continue
        for path in g.findall(SVG + "path"):
            pts = [tuple(map(float, p.split(","))) for p in re.findall(r"-?[\d.]+,-?[\d.]+", path.get("d"))]
            for k in range(0, len(pts) - 3, 3):
                p0, p1, p2, p3 = pts[k : k + 4]
                for s in range(steps + 1):
                    t = s / steps
                    c = ((1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3)
                    yield g.find(SVG + "title").text, tuple(sum(w * p[i] for w, p in zip(c, (p0, p1, p2, p3)))
                                                            for i in (0, 1))  # fmt: skip


@pytest.mark.parametrize("sizes, detail", [((3, 4, 2), "ops"), ((2, 8, 8, 3), "ops"), ((2, 8, 8, 3), "groups")])
@pytest.mark.parametrize("direction", ["TB", "LR"])
def test_no_edge_crosses_a_cluster_caption(sizes, detail, direction):
    pytest.importorskip("pygraphviz")
    _, rec, loss = network(sizes)
    root = ET.fromstring(cr.draw(loss, groups=rec, detail=detail, direction=direction).pipe("svg"))
    boxes = caption_boxes(root)
    assert len(boxes) == (1 + len(sizes) * 2 - 3 if detail == "ops" else 1)  # MLP, and each layer when expanded
    for edge, (x, y) in edge_points(root):
        for text, x0, y0, x1, y1 in boxes:
            assert not (x0 <= x <= x1 and y0 <= y <= y1), f"edge {edge} crosses the caption {text!r}"


COLUMN_PX = 1100 - 2 * 22.5  # report/page.py: the body is at most 1100px wide, with 1.5em (22.5px) padding


@pytest.mark.parametrize("sizes", [(784, 100, 10), (784, 100, 100, 10), (2, 16, 16, 3), (2, 8, 3)])
def test_report_graph_fits_its_column_at_a_legible_size(sizes):
    """The report draws the loss on a batch as ``report.model_checks.loss_graph`` does; its SVG is shown at its
    natural size (1pt = 4/3 px) unless wider than the column, when it is scaled down to fit."""
    pytest.importorskip("pygraphviz")
    from chainrule.report.model_checks import loss_graph

    cr.manual_seed(0)
    net = nn.MLP(list(sizes), activation="sigmoid")
    x = tensor(np.random.default_rng(0).random((8, sizes[0])).astype(np.float32), name="x")
    svg = loss_graph(net, nn.CrossEntropyLoss(), x, tensor(np.arange(8) % sizes[-1], name="labels")).pipe("svg")
    root = ET.fromstring(svg)
    width_px = float(root.get("width").removesuffix("pt")) * 4 / 3
    scale = min(1.0, COLUMN_PX / width_px)
    smallest = min(float(t.get("font-size")) for t in root.iter(SVG + "text")) * 4 / 3 * scale
    assert width_px <= COLUMN_PX, f"{width_px:.0f}px wide: scaled to {scale:.0%}"
    assert smallest >= 12, f"the smallest text shows at {smallest:.1f}px"
