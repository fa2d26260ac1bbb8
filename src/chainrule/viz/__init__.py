"""See the backward pass: graph drawings (``draw``), the chain rule narrated (``explain``), plots.

``draw`` and ``explain`` need nothing beyond NumPy; rendering uses Graphviz
(``pip install 'chainrule[viz]'``) and ``chainrule.viz.plots`` uses matplotlib,
both imported only when used.
"""

from chainrule.viz.draw import draw
from chainrule.viz.explain import Explanation, explain
from chainrule.viz.groups import Group, Recorder, gate, record
from chainrule.viz.render import Graph, RenderError

__all__ = ["Explanation", "Graph", "Group", "Recorder", "RenderError", "draw", "explain", "gate", "record"]
