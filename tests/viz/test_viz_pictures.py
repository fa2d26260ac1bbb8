"""The two pictures of a network's anatomy: one gate with its local gradients, and the layers of neurons."""

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn, viz
from chainrule.viz.dot import GRAD_COLOR, VALUE_COLOR

SVG = "{http://www.w3.org/2000/svg}"


def labelled_edges(source):
    """(tail, head, is_backward, colour, label) for each edge of a gate's DOT text."""
    found = re.findall(r"^\s*(\w+) -> (\w+) \[(dir=back, style=dashed, )?color=\"(#\w+)\".*label=<(.*)>\];$",
                       source, re.M)  # fmt: skip
    return [(tail, head, bool(back), colour, label) for tail, head, back, colour, label in found]


def test_symbolic_gate_is_the_notes_figure():
    src = viz.draw_gate().source
    assert ">f</font>" in src and "∂z/∂x" in src and "∂z/∂y" in src  # the gate and its local gradients
    edges = labelled_edges(src)
    backward = {label for *_, back, colour, label in edges if back and colour == GRAD_COLOR}
    assert backward == {"∂L/∂x = ∂L/∂z · ∂z/∂x", "∂L/∂y = ∂L/∂z · ∂z/∂y", "∂L/∂z"}
    assert sum(1 for _, _, back, colour, _ in edges if not back and colour == VALUE_COLOR) == 3  # x, y in; z out


def test_numeric_gate_multiplies_the_upstream_gradient_by_its_local_gradients():
    q = cr.tensor(3.0, requires_grad=True, name="q")
    z = cr.tensor(-4.0, requires_grad=True, name="z")
    f = q * z
    src = viz.draw_gate(f, upstream=2.0).source
    assert "∂f/∂q = z = -4" in src and "∂f/∂z = q = 3" in src  # named f: the inputs hold x's and z's names
    labels = {label for *_, label in labelled_edges(src)}
    assert {"3", "-4", "-12", "∂L/∂f = 2", "∂L/∂q = 2 · (-4) = -8", "∂L/∂z = 2 · 3 = 6"} <= labels
    f.backward(cr.tensor(2.0))
    assert (q.grad.item(), z.grad.item()) == (-8.0, 6.0)  # what the picture says is what backprop gives


def test_tensor_gate_gives_the_vector_form():
    a = cr.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="A")
    b = cr.tensor([[0.5, -1.0], [2.0, 0.0]], requires_grad=True, name="B")
    src = viz.draw_gate(a @ b).source
    upstream = np.ones((2, 2))
    assert f"∂L/∂A = ∂L/∂z @ Bᵀ → 2×2 [{', '.join(f'{v:g}' for v in (upstream @ b._data.T).ravel())}]" in src
    assert "∂L/∂B = Aᵀ @ ∂L/∂z → 2×2 [4, 4, 6, 6]" in src


def test_gate_refuses_what_is_not_a_gate():
    with pytest.raises(ValueError, match="not computed by a gate"):
        viz.draw_gate(cr.tensor(1.0, requires_grad=True))
    with pytest.raises(TypeError, match="expected a Tensor"):
        viz.draw_gate(3.0)


def test_gate_renders(tmp_path):
    pytest.importorskip("pygraphviz")
    assert viz.draw_gate().save(tmp_path / "gate.png").read_bytes().startswith(b"\x89PNG")
    assert "<svg" in viz.draw_gate().save(tmp_path / "gate.svg").read_text()


def neurons(source):
    """{column: [neuron labels in order]} from the DOT text, with the summary mark as '⋮'."""
    columns = {}
    for column, what, label in re.findall(r"^\s*l(\d+)(n\d+|more) \[.*label=<([^>]*)", source, re.M):
        columns.setdefault(int(column), []).append("⋮" if what == "more" else label)
    return columns


def test_architecture_of_the_notes_3_4_1_network():
    net = nn.MLP([3, 4, 1], activation="sigmoid", output_activation="sigmoid")
    src = viz.draw_architecture(net).source
    assert neurons(src) == {0: ["x₁", "x₂", "x₃"], 1: ["h₁", "h₂", "h₃", "h₄"], 2: ["ŷ"]}
    assert len(re.findall(r"^\s*l\d+n\d+ -> l\d+n\d+;$", src, re.M)) == 3 * 4 + 4 * 1  # fully connected
    x = cr.randn(2, 3)
    text = cr.explain(net(x).sum(), echo=False, model=net)
    for caption in ("z₁ = 0.weight·x + 0.bias", "h₁ = σ(z₁)", "z₂ = 2.weight·h₁ + 2.bias"):
        assert caption in src and f"- {caption} →" in text, caption  # the names explain uses
    assert "ŷ = σ(z₂)" in src and "1 unit (output)" in src


def test_wide_layers_show_their_ends_and_a_count():
    src = viz.draw_architecture(nn.MLP([784, 100, 10], activation="relu"), max_neurons=5).source
    cols = neurons(src)
    assert cols[0] == ["x₁", "x₂", "x₃", "⋮", "x₇₈₄"] and "⋮<br/>780 more" in src
    assert cols[1] == ["h₁", "h₂", "h₃", "⋮", "h₁₀₀"] and cols[2] == ["1", "2", "3", "⋮", "10"]  # logits: numbered
    assert "h₁ = relu(z₁)" in src and "z₂ = 2.weight·h₁ + 2.bias" in src and "10 units (output)" in src


def test_deeper_networks_number_their_hidden_neurons():
    src = viz.draw_architecture(nn.MLP([2, 3, 3, 2], activation="tanh", output_activation="softmax")).source
    assert neurons(src) == {0: ["x₁", "x₂"], 1: ["1", "2", "3"], 2: ["1", "2", "3"], 3: ["ŷ₁", "ŷ₂"]}
    assert "h₂ = tanh(z₂)" in src and "ŷ = softmax(z₃)" in src


def test_rendered_columns_keep_their_order(tmp_path):
    pytest.importorskip("pygraphviz")
    svg = viz.draw_architecture(nn.MLP([784, 100, 10], activation="sigmoid")).pipe("svg")
    centres = {}
    for g in ET.fromstring(svg).iter(SVG + "g"):
        title = g.find(SVG + "title")
        if g.get("class") == "node" and title.text.startswith("l1"):
            text = g.find(SVG + "text")
            centres[title.text] = float(text.get("y"))
    order = ["l1head", "l1n0", "l1n1", "l1n2", "l1n3", "l1n4", "l1n5", "l1more", "l1n99"]
    assert sorted(order, key=centres.get) == order  # top to bottom as numbered


def test_architecture_refuses_what_it_cannot_draw():
    with pytest.raises(TypeError, match="expected an nn.MLP or nn.Sequential of Linear"):
        viz.draw_architecture(nn.Sigmoid())
    with pytest.raises(ValueError, match="layer 1 takes 5 inputs but the layer before it gives 4"):
        viz.draw_architecture(nn.Sequential(nn.Linear(3, 4), nn.Linear(5, 2)))

    class Square(nn.Module):
        def forward(self, x):
            return x * x

    with pytest.raises(TypeError, match=r"cannot draw layer 1 \(Square\)"):
        viz.draw_architecture(nn.Sequential(nn.Linear(3, 4), Square()))
    with pytest.raises(ValueError, match="max_neurons must be at least 3"):
        viz.draw_architecture(nn.MLP([2, 2]), max_neurons=2)


def test_architecture_renders(tmp_path):
    pytest.importorskip("pygraphviz")
    path = viz.draw_architecture(nn.MLP([3, 4, 1], activation="sigmoid")).save(tmp_path / "mlp.png")
    assert path.read_bytes().startswith(b"\x89PNG")
