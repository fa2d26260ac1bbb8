"""Recorded layers drawn as one gate with their settings and shapes (a LeNet's convolutions and pooling), expanded
into their gates on request; convolutions are layers for the names (x, z₁, h₁, δ₁) of draw and explain."""

import re

import pytest

import chainrule as cr
from chainrule import nn, viz
from chainrule.nn import functional as F
from chainrule.viz.layers import describe
from helpers.scripts import load_script

GROUP = re.compile(r'\bn\d+ \[label=<([^<>]*)(?:<br/><font point-size="10" color="#555555">([^<>]*)</font>)?>, '
                   r'shape=box, style="rounded,filled,bold"')  # fmt: skip
CAPTION = re.compile(r"caption\d+ \[label=<([^<>]*)>")
GATE = re.compile(r'\bn\d+ \[label=<([^<>]*)>, shape=(?:circle|ellipse)')


def lenet_loss():
    """The LeNet of examples/lenet_mnist.py on two 28×28 images, recorded."""
    net = load_script("lenet_mnist").build(0)
    x = cr.randn(2, 1, 28, 28, generator=cr.Generator(1))
    with viz.record(net) as rec:
        loss = F.cross_entropy(net(x), cr.tensor([3, 7]))
    return net, rec, loss


LENET_GATES = {
    "0: Conv2d 1→8, 5×5, pad 2": "2×1×28×28 → 2×8×28×28",
    "1: ReLU": None,  # it gives the shape it takes: the edges say it
    "2: MaxPool2d 2×2": "2×8×28×28 → 2×8×14×14",
    "3: Conv2d 8→16, 5×5": "2×8×14×14 → 2×16×10×10",
    "4: ReLU": None,
    "5: MaxPool2d 2×2": "2×16×10×10 → 2×16×5×5",
    "6: Flatten": "2×16×5×5 → 2×400",
    "7: Linear 400→10": "2×400 → 2×10",
}


def gates(source):
    """{collapsed group's label: its shapes line or None}, and the labels of the op gates, from the DOT text."""
    return {label: shapes or None for label, shapes in GROUP.findall(source)}, GATE.findall(source)


def test_lenet_layers_are_one_gate_each_with_their_settings_and_shapes():
    _, rec, loss = lenet_loss()
    groups, ops = gates(cr.draw(loss, groups=rec).source)
    assert groups == LENET_GATES
    assert ops == ["cross_entropy"]  # every other op is inside a layer's gate


def test_named_layers_expand_into_their_gates_in_a_cluster_captioned_with_their_settings():
    _, rec, loss = lenet_loss()
    src = cr.draw(loss, groups=rec, expand={"0", "5: MaxPool2d"}).source
    groups, ops = gates(src)
    assert groups == {k: v for k, v in LENET_GATES.items() if k[0] not in "05"}
    assert sorted(ops) == ["conv2d", "cross_entropy", "max_pool2d"]
    assert set(CAPTION.findall(src)) == {"Sequential", "0: Conv2d 1→8, 5×5, pad 2", "5: MaxPool2d 2×2"}
    whole = cr.draw(loss, groups=rec, expand="Sequential").source  # a container: every layer in it
    assert gates(whole) == gates(cr.draw(loss, groups=rec, detail="ops").source)
    assert sorted(gates(whole)[1]) == sorted(["conv2d", "relu", "max_pool2d"] * 2 + ["reshape", "linear",
                                                                                      "cross_entropy"])  # fmt: skip


def test_expand_refuses_a_name_of_no_group():
    _, rec, loss = lenet_loss()
    with pytest.raises(ValueError, match=r"expand names no group: 'conv1'; the groups are '0', '1', .*'Sequential'"):
        cr.draw(loss, groups=rec, expand=["0", "conv1"])
    with pytest.raises(ValueError, match=r"expand names no group: '0'; the groups are none \(pass groups="):
        cr.draw(loss, expand="0")
    with pytest.raises(TypeError, match=r"expand takes a group's name or path.*got True \(detail='ops' draws every"):
        cr.draw(loss, groups=rec, expand=True)


def test_lenet_drawing_renders_with_its_gates(tmp_path):
    pytest.importorskip("pygraphviz")
    _, rec, loss = lenet_loss()
    graph = cr.draw(loss, groups=rec)
    svg = graph.pipe("svg").decode()
    for label, shapes in LENET_GATES.items():
        assert label in svg and (shapes is None or shapes in svg)
    assert graph.save(tmp_path / "lenet.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("module, words", [
    (nn.Conv2d(3, 6, (3, 5), stride=2, padding=(1, 2), dilation=2, groups=3, bias=False),
     "3→6, 3×5, stride 2, pad 1×2, dilation 2, groups 3, no bias"),
    (nn.Conv2d(2, 4, 3, padding="same", padding_mode="reflect"), "2→4, 3×3, pad same reflect"),
    (nn.Conv2d(2, 4, 3, stride=(2, 1), padding="valid"), "2→4, 3×3, stride 2×1"),
    (nn.Conv1d(2, 4, 3, padding=1), "2→4, kernel 3, pad 1"),
    (nn.ConvTranspose2d(16, 8, 2, stride=2, output_padding=1), "16→8, 2×2, stride 2, output padding 1"),
    (nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), "3×3, stride 2, pad 1, ceil"),
    (nn.AvgPool2d((2, 3)), "2×3"),
    (nn.AdaptiveAvgPool2d((None, 7)), "to H×7"),
    (nn.AdaptiveAvgPool2d(1), "to 1×1"),
    (nn.BatchNorm2d(8), "8 channels"),
    (nn.BatchNorm2d(8).eval(), "8 channels, running stats"),
    (nn.BatchNorm1d(4, affine=False), "4 channels, no affine"),
    (nn.Linear(3, 2, bias=False), "3→2, no bias"),
    (nn.Dropout2d(0.25), "p 0.25"),
    (nn.ReLU(), ""),
])  # fmt: skip
def test_a_layer_is_described_by_its_settings_away_from_their_defaults(module, words):
    assert describe(module) == words


def test_a_conv1d_and_batch_norm_net_draws_a_gate_per_layer_and_its_gates_expanded():
    cr.manual_seed(0)
    net = nn.Sequential(nn.Conv1d(2, 4, 3, padding=1), nn.BatchNorm1d(4), nn.ReLU())
    with viz.record(net) as rec:
        loss = net(cr.randn(2, 2, 10)).sum()
    groups, ops = gates(cr.draw(loss, groups=rec).source)
    assert groups == {"0: Conv1d 2→4, kernel 3, pad 1": "2×2×10 → 2×4×10", "1: BatchNorm1d 4 channels": None,
                      "2: ReLU": None}
    assert ops == ["sum"]
    _, ops = gates(cr.draw(loss, groups=rec, expand="0").source)
    assert sorted(ops) == ["conv2d", "reshape", "reshape", "sum"]  # a conv1d is a conv2d of height 1


def test_convolutions_are_layers_for_the_names_of_draw_and_explain():
    net, rec, loss = lenet_loss()
    text = cr.explain(loss, echo=False, model=net)
    assert "- z₁ = conv2d(x, 0.weight) + 0.bias → 2×8×28×28" in text
    assert "- h₁ = relu(z₁) → " in text and "- z₃ = 7.weight·" in text
    assert "∂L/∂q = conv_transpose2d(δ₂, 3.weight)" in text
    src = cr.draw(loss, groups=rec).source
    assert re.search(r'\bn\d+ \[label=<x>', src) and "z₁ = 2×8×28×28" in src
