"""The roles of a network's values, named as the lecture notes name them.

A layer is a ``Linear`` node, a matrix product by a weight leaf (plus a bias leaf
added to it), or a convolution (``nn.Conv2d``, ``nn.Conv1d``): layer k computes z_k
from its input (x for the first) with W_k and b_k. An activation of z_k gives h_k;
the last one, when a loss reads it, is ŷ. A loss reads a target y (t for the
squared error, as the essay writes it) and makes L. Only what is recognised gets a
role; everything else keeps the usual names.
"""

from __future__ import annotations

from chainrule.viz.trace import Op, Trace, Value

ACTIVATIONS = {"Sigmoid", "Tanh", "Relu", "Softmax", "LogSoftmax", "Where"}
LOSSES = {"CrossEntropy", "NLL", "MulticlassSVM", "MSE", "BCE", "BCEWithLogits"}
CONVOLUTIONS = {"Conv", "BiasedConv"}  # conv2d's ops: (input, weight) and (input, weight, bias)
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(base: str, k: int) -> str:
    """``z₁``: a name with a subscript."""
    return base + str(k).translate(_SUBSCRIPTS)


def kind(op: Op) -> str:
    return type(op.node).__name__


def roles(tr: Trace) -> dict[Value, str]:
    """A role name for each recognised value of ``tr`` (nothing for a graph without layers or losses)."""
    found: dict[Value, str] = {}
    layer_of: dict[Value, int] = {}  # z_k -> k
    k = 0
    for op in tr.ops:
        out = op.outputs.get(0)
        layer = _layer(op)
        if layer is not None:
            k += 1
            a, w, b, z = layer
            for value, role in ((w, sub("W", k)), (b, sub("b", k)), (z, sub("z", k))):
                if value is not None:
                    found[value] = role
            if k == 1 and isinstance(a, Value) and a.is_leaf:
                found.setdefault(a, "x")
            layer_of[z] = k
        elif kind(op) in ACTIVATIONS and out is not None and _first(op) in layer_of:
            found[out] = sub("h", layer_of[_first(op)])
        elif kind(op) in LOSSES:
            _loss(op, found, last=k)
    if any(kind(op) in LOSSES for op in tr.ops) and tr.output.producer is not None:
        found[tr.output] = "L"
    return found


def has_layer(tr: Trace) -> bool:
    """Whether ``tr`` is a network's graph: it holds a layer (``Linear``, a product by a weight, a convolution)."""
    return any(_layer(op) is not None for op in tr.ops)


def _first(op: Op) -> Value | None:
    a = op.operands[0] if op.operands else None
    return a if isinstance(a, Value) else None


def _layer(op: Op) -> tuple | None:
    """(input, weight, bias, z) when ``op`` computes a layer's z, else None."""
    if kind(op) == "Linear" or kind(op) in CONVOLUTIONS:
        a, w, b = (op.operands + [None])[:3]
        return a, _leaf(w), _leaf(b), op.outputs.get(0)
    if kind(op) == "Add" and all(isinstance(v, Value) for v in op.operands[:2]):
        product, bias = op.operands[:2]
        if product.producer is not None and _weight_product(product.producer) and len(product.uses) == 1:
            a, w = product.producer.operands[:2]
            return a, w, _leaf(bias), op.outputs.get(0)
        return None
    if kind(op) == "MatMul" and _weight_product(op):
        out = op.outputs.get(0)
        if out is not None and len(out.uses) == 1 and kind(out.uses[0].op) == "Add":
            return None  # the Add after it makes z
        a, w = op.operands[:2]
        return a, w, None, out
    return None


def _weight_product(op: Op) -> bool:
    """A matrix product whose second operand is a weight: a 2-D leaf that requires grad."""
    if kind(op) != "MatMul" or len(op.operands) < 2:
        return False
    w = op.operands[1]
    return isinstance(w, Value) and w.is_leaf and w.requires_grad and w.data.ndim == 2


def _leaf(v: object) -> Value | None:
    return v if isinstance(v, Value) and v.is_leaf else None


def _loss(op: Op, found: dict, last: int) -> None:
    """The target (y, or t for the squared error) and the prediction ŷ of a loss."""
    prediction, target = (op.operands + [None, None])[:2]
    if isinstance(target, Value) and target.is_leaf:
        found.setdefault(target, "t" if kind(op) == "MSE" else "y")
    if isinstance(prediction, Value) and found.get(prediction) == sub("h", last) and last > 0:
        found[prediction] = "ŷ"
