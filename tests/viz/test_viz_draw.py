"""cr.draw: the lecture's graphs carry their numbers; structure, options, freed graphs, large graphs."""

import os
import re
import xml.etree.ElementTree as ET

import pytest

import chainrule as cr
from chainrule import viz


def lecture_graph():
    x, y, z = (cr.tensor(v, requires_grad=True, name=n) for n, v in (("x", -2.0), ("y", 5.0), ("z", -4.0)))
    return (x + y) * z, (x, y, z)


def neuron():
    vals = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
    t = {n: cr.tensor(v, dtype=cr.float64, requires_grad=True, name=n) for n, v in vals.items()}
    s = t["w0"] * t["x0"] + t["w1"] * t["x1"] + t["w2"]
    return s, 1 / (1 + (-s).exp()), t


def edge_labels(source):
    """(value, gradient) per drawn edge, read back from the DOT text."""
    cells = re.findall(r"<tr><td>(.*?)</td></tr><hr/><tr><td>(.*?)</td></tr>", source)
    strip = lambda c: re.sub(r"<[^>]+>", "", c).strip()
    return [(strip(v), strip(g)) for v, g in cells]


def node_labels(source):
    return re.findall(r"\bn\d+ \[label=<([^<>]*)", source)


def label_nodes(source):
    """{label node: (separators, [(colour, text), ...] in reading order)} for each labelled edge of the DOT text."""
    found = re.findall(r"^\s*(e\d+) \[shape=plain, label=<(.*)>\];$", source, re.M)
    return {
        name: (re.findall(r"<(hr|vr)/>", html), re.findall(r'<td><font color="(#[0-9a-f]{6})">(.*?)</font></td>', html))
        for name, html in found
    }


def hue(color):
    """'green' or 'red' for a colour whose green or red channel dominates, else None."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return "green" if g > max(r, b) else "red" if r > max(g, b) else None


def test_add_multiply_shows_values_and_gradients():
    f, _ = lecture_graph()
    src = cr.draw(f).source
    assert src.startswith("digraph") and "rankdir=LR" in src
    assert sorted(edge_labels(src)) == sorted([("-2", "-4"), ("5", "-4"), ("3", "-4"), ("-4", "3"), ("-12", "1")])
    assert sorted(node_labels(src)) == sorted(["*", "+", "x", "y", "z"])
    assert "dpi" not in src


def test_neuron_five_gates_and_grouped():
    s, f, t = neuron()
    five = cr.draw(f).source
    labels = node_labels(five)
    for gate in ("*-1", "exp", "+1", "1/x"):
        assert labels.count(gate) == 1
    edges = edge_labels(five)
    assert ("0.73", "1") in edges and ("1.37", "-0.53") in edges and ("-1", "-0.2") in edges
    for name, value, grad in [
        ("w0", "2", "-0.2"),
        ("x0", "-1", "0.39"),
        ("w1", "-3", "-0.39"),
        ("x1", "-2", "-0.59"),
        ("w2", "-3", "0.2"),
    ]:
        assert (value, grad) in edges, name
    grouped = cr.draw(f, groups={"sigmoid": (s, f)}).source
    assert "sigmoid" in node_labels(grouped) and "exp" not in node_labels(grouped)
    assert ("1", "0.2") in edge_labels(grouped) and ("0.73", "1") in edge_labels(grouped)
    clustered = cr.draw(f, groups={"sigmoid": (s, f)}, detail="ops").source
    assert "subgraph cluster_0" in clustered and "exp" in node_labels(clustered)


def test_every_use_is_an_edge_and_the_node_shows_the_sum():
    x = cr.tensor(3.0, requires_grad=True, name="x")
    src = cr.draw(x * x + x).source
    grads = sorted(g for v, g in edge_labels(src) if v == "3")
    assert grads == ["1", "3", "3"]
    assert "Σ 7" in src


def test_options_hide_values_or_gradients_and_direction():
    f, _ = lecture_graph()
    no_grads = edge_labels(cr.draw(f, grads=False).source)
    assert all(g == "" for _, g in no_grads) and any(v == "-12" for v, _ in no_grads)
    bare = cr.draw(f, values=False, grads=False).source
    assert "->" in bare and "<hr/>" not in bare
    assert "rankdir=TB" in cr.draw(f, direction="TB").source
    with pytest.raises(ValueError, match="direction"):
        cr.draw(f, direction="up")


@pytest.mark.parametrize("direction, separator, enter, leave", [("LR", "hr", "w", "e"), ("TB", "vr", "n", "s")])
def test_values_are_green_above_the_line_and_gradients_red_below(direction, separator, enter, leave):
    """Each label node is two cells split by the line: the value (green) first, i.e. above the line (left of
    it when drawn top to bottom), the gradient (red) second; the edge enters and leaves at the split."""
    f, _ = lecture_graph()
    src = cr.draw(f, direction=direction).source
    nodes = label_nodes(src)
    assert len(nodes) == 5
    for name, (seps, cells) in nodes.items():
        assert seps == [separator] and [hue(color) for color, _ in cells] == ["green", "red"], name
    assert {tuple(text for _, text in cells) for _, cells in nodes.values()} == {
        ("-2", "-4"), ("5", "-4"), ("3", "-4"), ("-4", "3"), ("-12", "1")}  # fmt: skip
    out_edge = next(name for name, (_, cells) in nodes.items() if cells[0][1] == "-12")
    assert re.search(rf"n\d+ -> {out_edge}:{enter} \[arrowhead=none\];", src) and f"{out_edge}:{leave} -> out;" in src


def test_summed_gradient_note_is_red():
    x = cr.tensor(3.0, requires_grad=True, name="x")
    notes = re.findall(r'<font point-size="10" color="(#[0-9a-f]{6})">(Σ [^<]*)</font>', cr.draw(x * x + x).source)
    assert [(hue(color), text) for color, text in notes] == [("red", "Σ 7")]


def rendered_label(svg, node, port):
    """From Graphviz's SVG: the label node's texts [(fill, x, y, size)], its separator line, the incoming edge's end."""
    ns = {"s": "http://www.w3.org/2000/svg"}
    groups = {g.find("s:title", ns).text: g for g in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}g")
              if g.find("s:title", ns) is not None}  # fmt: skip
    texts = [(t.get("fill"), float(t.get("x")), float(t.get("y")), float(t.get("font-size")))
             for t in groups[node].findall("s:text", ns)]  # fmt: skip
    line = [tuple(map(float, xy.split(","))) for xy in groups[node].find("s:polygon", ns).get("points").split()]
    edge = next(g for title, g in groups.items() if title.endswith(f"->{node}:{port}"))
    end = re.findall(r"(-?[\d.]+),(-?[\d.]+)", edge.find("s:path", ns).get("d"))[-1]
    return texts, line, tuple(map(float, end))


def test_rendered_value_is_above_the_edge_and_gradient_below(tmp_path):
    pytest.importorskip("pygraphviz")
    f, _ = lecture_graph()
    nodes = label_nodes(cr.draw(f).source)
    name = next(name for name, (_, cells) in nodes.items() if cells[0][1] == "-12")
    svg = cr.draw(f).save(tmp_path / "g.svg").read_text()
    texts, line, end = rendered_label(svg, name, "w")
    (value_fill, _, value_y, _), (grad_fill, _, grad_y, size) = sorted(texts, key=lambda t: t[2])  # top first
    assert (hue(value_fill), hue(grad_fill)) == ("green", "red")
    line_y = {y for _, y in line}
    assert len(line_y) == 1 and end[1] == pytest.approx(line_y.pop())  # a horizontal rule, where the edge arrives
    assert value_y < end[1] < grad_y - 0.7 * size  # SVG y grows downwards: value baseline above, gradient's top below
    tb = cr.draw(f, direction="TB").save(tmp_path / "tb.svg").read_text()
    texts, line, _ = rendered_label(tb, name, "n")
    (left_fill, left_x, _, _), (right_fill, right_x, _, _) = sorted(texts, key=lambda t: t[1])
    assert (hue(left_fill), hue(right_fill)) == ("green", "red") and left_x < line[0][0] <= right_x


def test_tensors_print_shape_and_summary():
    w = cr.tensor([[1.0, -2.0], [0.5, 4.0]], requires_grad=True, name="W")
    big = cr.tensor([[1.0] * 2] * 10, requires_grad=True, name="X")
    src = cr.draw((big @ w).sum()).source
    assert "2×2 [1, -2, 0.5, 4]" in src
    assert re.search(r"10×2<br/>\[1 … 1\]<br/>‖4.47‖", src)  # a long summary on three lines: shape, range, norm


def test_after_backward_structure_and_leaf_grads_remain():
    f, (x, y, z) = lecture_graph()
    f.backward()
    src = cr.draw(f).source
    assert "intermediate gradients unavailable" in src
    assert ".grad -4" in src and ".grad 3" in src
    assert sorted(node_labels(src)) == sorted(["*", "+", "x", "y", "z"])


def test_retained_graph_after_backward_still_has_every_gradient():
    f, _ = lecture_graph()
    f.backward(retain_graph=True)
    src = cr.draw(f).source
    assert "unavailable" not in src and ("3", "-4") in edge_labels(src)


def test_ten_thousand_nodes_are_summarised():
    x = cr.tensor(0.5, requires_grad=True, name="x")
    y = x
    for i in range(5000):
        y = (y * 1.0001).sin() if i % 2 else y + x
    src = cr.draw(y, max_nodes=30).source
    assert "more ops" in src and src.count("shape=circle") + src.count("shape=ellipse") <= 30


def test_recorded_gates_group_and_nest():
    s, _, t = neuron()
    sig = viz.gate("sigmoid", lambda z: 1 / (1 + (-z).exp()))
    with viz.record() as rec:
        f = sig(s)
    assert len(rec) == 1
    assert "sigmoid" in node_labels(cr.draw(f, groups=rec).source)


def test_render_png_and_svg(tmp_path):
    pytest.importorskip("pygraphviz")
    f, _ = lecture_graph()
    g = cr.draw(f)
    assert g.save(tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")
    svg = g.save(tmp_path / "g.svg").read_text()
    assert "<svg" in svg and "dpi" not in svg.split("<svg", 1)[1].split(">", 1)[0]
    assert g.save(tmp_path / "g.dot").read_text() == g.source
    assert "image/svg+xml" in g._repr_mimebundle_()
    with pytest.raises(ValueError, match="suffix"):
        g.save(tmp_path / "g.bmp")


def test_missing_renderer_says_what_to_install(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pygraphviz", None)
    monkeypatch.setitem(sys.modules, "graphviz", None)
    f, _ = lecture_graph()
    with pytest.raises(viz.RenderError, match=r"pip install 'chainrule\[viz\]'"):
        cr.draw(f).save("never.svg")


def test_nn_modules_become_nodes_and_clusters_with_parameter_names():
    nn = pytest.importorskip("chainrule.nn")
    cr.manual_seed(0)
    net = nn.MLP([2, 4, 3], activation="tanh")
    with viz.record(net) as rec:
        loss = net(cr.randn(5, 2)).sum()
    assert "forward" not in net.__dict__  # the recording hooks are gone
    collapsed = cr.draw(loss, groups=rec).source
    assert {"0: Linear 2→4", "1: Tanh", "2: Linear 4→3"} <= set(node_labels(collapsed))
    assert "label=<MLP>" in collapsed and "0.weight" in collapsed
    expanded = cr.draw(loss, groups=rec, detail="ops").source
    assert "linear" in node_labels(expanded) and expanded.count("subgraph cluster_") == 4


def test_renderer_stderr_is_passed_on_without_fontconfig_warnings(capfd):
    from chainrule.viz.render import _without_fontconfig_warnings

    with _without_fontconfig_warnings():
        os.write(2, b'Fontconfig warning: "/etc/fonts/x.conf", line 6: unknown element "reset-dirs"\n')
        os.write(2, b"Error: syntax error in line 1\n")
    assert capfd.readouterr().err == "Error: syntax error in line 1\n"


@pytest.mark.parametrize("direction, enter, leave", [("LR", "w", "e"), ("RL", "e", "w"), ("TB", "n", "s"),
                                                      ("BT", "s", "n")])  # fmt: skip
def test_each_edge_enters_its_label_from_the_tail_side_in_every_direction(direction, enter, leave):
    """Right to left, an edge entering a label's west port would loop around it (the ports follow the direction)."""
    x, y = cr.tensor(2.0, requires_grad=True, name="x"), cr.tensor(3.0, requires_grad=True, name="y")
    source = cr.draw(x * y, direction=direction).source
    into = re.findall(r"-> e\d+:(\w) \[arrowhead=none\]", source)
    out_of = re.findall(r"e\d+:(\w) -> ", source)
    assert into and set(into) == {enter} and set(out_of) == {leave}
