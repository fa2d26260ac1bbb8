"""See the backward pass: graph drawings (``draw``), the chain rule narrated (``explain``), one gate with its
local gradients (``draw_gate``), a network's neurons and layers (``draw_architecture``), plots.

``draw`` and ``explain`` need nothing beyond NumPy; rendering uses Graphviz
(``pip install 'chainrule[viz]'``) and ``chainrule.viz.plots`` uses matplotlib,
both imported only when used.
"""

from chainrule.viz.architecture import draw_architecture
from chainrule.viz.draw import draw
from chainrule.viz.explain import Explanation, explain
from chainrule.viz.gate import draw_gate
from chainrule.viz.groups import Group, Recorder, gate, record
from chainrule.viz.render import Graph, RenderError

__all__ = [
    "Explanation", "Graph", "Group", "Recorder", "RenderError", "draw", "draw_architecture", "draw_gate", "explain",
    "gate", "record",
]
