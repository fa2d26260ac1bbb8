"""``cr.draw``: the computational graph with forward values and gradients on its edges."""

from __future__ import annotations

from typing import Any

from chainrule.tensor import Tensor
from chainrule.viz import grads
from chainrule.viz.dot import to_dot
from chainrule.viz.groups import as_groups, resolve
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
) -> Graph:
    """Draw the graph that computed ``output``: leaves first, one node per gate, the output last.

    ``direction`` is LR, RL, TB or BT; ``"auto"`` draws expressions left to right, as the
    lecture's figures, and networks (graphs with a layer) top to bottom, which keeps them
    narrow however deep they are. Each edge is one use of a value: forward value above it (green), the gradient of
    ``output`` with respect to that use below it (red); a value used several times
    shows the sum (Σ) in its node. ``groups`` names sub-graphs ({name: (inputs,
    outputs)}, or a ``viz.record()`` recorder of nn.Module calls): with
    ``detail="groups"`` the innermost are drawn as one node each and enclosing ones
    as clusters; ``detail="ops"`` draws every gate, groups as clusters. Beyond
    ``max_nodes`` gates the part farthest from the output is summarised in one node.
    ``gradient`` seeds a non-scalar output (default ones, i.e. ``output.sum()``).
    Values are named as ``explain`` names them: a model's parameters by their dotted names
    (from ``model`` or a recorder), a network's values by their roles (x, z₁, h₁, ŷ, y, L).

    >>> cr.draw((x + y) * z).save("graph.png")
    >>> cr.draw(loss, groups=rec).save("mlp.svg")   # rec = viz.record(model): one node per layer
    """
    if direction not in ("auto", "LR", "RL", "TB", "BT"):
        raise ValueError(f"draw: direction must be 'auto', 'LR', 'RL', 'TB' or 'BT', got {direction!r}")
    if detail not in ("groups", "ops"):
        raise ValueError(f"draw: detail must be 'groups' or 'ops', got {detail!r}")
    params = parameter_names(model, groups)
    tr = trace(output)
    complete = _gradients(tr, gradient) if grads else True
    found, _ = resolve(tr, as_groups(groups))
    collapsed = {g for g in found if not g.children} if detail == "groups" else set()
    scene = build(tr, found, collapsed, Options(values, grads, max_nodes, max_items, params))
    if not complete:
        scene.notes.append(FREED_NOTE)
    if direction == "auto":
        direction = "TB" if has_layer(tr) else "LR"
    return Graph(to_dot(scene, direction, title), dpi)


def _gradients(tr: Any, gradient: Any) -> bool:
    return grads.compute(tr, gradient)
