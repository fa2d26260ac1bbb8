"""CONTRIBUTING.md's walk-through works as written: its op passes gradcheck on both rules."""

import re
from pathlib import Path

import chainrule as cr
from chainrule.autograd.function import Primitive
from chainrule.backend import xp


def test_the_walk_through_op_is_exact_on_both_rules():
    text = (Path(__file__).parents[1] / "CONTRIBUTING.md").read_text(encoding="utf-8")
    source = re.search(r"```python\n(class Softsign\(Primitive\):.*?)```", text, re.S).group(1)
    scope = {"Primitive": Primitive, "xp": xp}
    exec(source, scope)  # the documentation's own code: nothing else is run
    softsign = scope["Softsign"].apply
    assert softsign.__self__.array_backward is not None  # rule gives the op its array rule too
    x = cr.tensor([0.3, -1.2, 2.0, 0.0], dtype=cr.float64, requires_grad=True)
    assert cr.gradcheck(softsign, [x]) and cr.gradgradcheck(softsign, [x])
    y = softsign(x)
    y.sum().backward()
    expected = 1 / (1 + abs(x.detach().numpy())) ** 2
    assert abs(x.grad.numpy() - expected).max() < 1e-15
