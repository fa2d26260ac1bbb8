"""``cr.draw``: the computational graph with forward values and gradients on its edges."""

from __future__ import annotations

from typing import Any

from chainrule.tensor import Tensor
from chainrule.viz import grads
from chainrule.viz.dot import to_dot
from chainrule.viz.groups import as_groups, drawn_whole, expansion, resolve
from chainrule.viz.naming import parameter_names
from chainrule.viz.render import Graph
from chainrule.viz.roles import has_layer
from chainrule.viz.scene import Options, build
from chainrule.viz.trace import trace

FREED_NOTE = (
    "intermediate gradients unavailable: backward() freed the saved values "
    "(draw before backward(), or call backward(retain_graph=True)); leaves show their .grad"
)


def draw(
    output: Tensor,
    values: bool = True,
    grads: bool = True,
    direction: str = "auto",
    detail: str = "groups",
    groups: Any = None,
    gradient: Any = None,
    max_nodes: int = 60,
    max_items: int = 4,
    title: str | None = None,
    dpi: int = 150,
    model: Any = None,
    expand: Any = None,
) -> Graph:
    """Draw the graph that computed ``output``: leaves first, one node per gate, the output last.

    ``direction`` is LR, RL, TB or BT; ``"auto"`` draws expressions left to right, as the
    lecture's figures, and networks (graphs with a layer) top to bottom, which keeps them
    narrow however deep they are. Each edge is one use of a value: forward value above it (green), the gradient of
    ``output`` with respect to that use below it (red); a value used several times
    shows the sum (Σ) in its node. ``groups`` names sub-graphs ({name: (inputs,
    outputs)}, or a ``viz.record()`` recorder of nn.Module calls): with
    ``detail="groups"`` the innermost are drawn as one node each — a layer with its
    settings and the shapes it takes and gives (``0: Conv2d 1→8, 5×5, pad 2``,
    ``64×1×28×28 → 64×8×28×28``) — and enclosing ones as clusters; ``detail="ops"``
    draws every gate, groups as clusters. ``expand`` names groups to draw as clusters
    of their gates all the same (a layer's path in its model, ``"0"`` or
    ``"features.conv1"``, or its full name, ``"0: Conv2d"``; a container expands
    every layer in it). Beyond
    ``max_nodes`` gates the part farthest from the output is summarised in one node.
    ``gradient`` seeds a non-scalar output (default ones, i.e. ``output.sum()``).
    Values are named as ``explain`` names them: a model's parameters by their dotted names
    (from ``model`` or a recorder), a network's values by their roles (x, z₁, h₁, ŷ, y, L).

    >>> cr.draw((x + y) * z).save("graph.png")
    >>> cr.draw(loss, groups=rec).save("mlp.svg")   # rec = viz.record(model): one node per layer
    >>> cr.draw(loss, groups=rec, expand={"0"})      # layer 0 as a cluster of its gates
    """
    if direction not in ("auto", "LR", "RL", "TB", "BT"):
        raise ValueError(f"draw: direction must be 'auto', 'LR', 'RL', 'TB' or 'BT', got {direction!r}")
    if detail not in ("groups", "ops"):
        raise ValueError(f"draw: detail must be 'groups' or 'ops', got {detail!r}")
    params = parameter_names(model, groups)
    given = as_groups(groups)
    expanded = expansion(given, expand)
    tr = trace(output)
    complete = _gradients(tr, gradient) if grads else True
    found, _ = resolve(tr, given)
    collapsed = drawn_whole(found, detail, expanded)
    scene = build(tr, found, collapsed, Options(values, grads, max_nodes, max_items, params))
    if not complete:
        scene.notes.append(FREED_NOTE)
    if direction == "auto":
        direction = "TB" if has_layer(tr) else "LR"
    return Graph(to_dot(scene, direction, title), dpi)


def _gradients(tr: Any, gradient: Any) -> bool:
    return grads.compute(tr, gradient)
