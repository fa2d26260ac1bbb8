"""cr.explain narrates the chain rule with the lecture's numbers, patterns and accumulation."""

import pytest

import chainrule as cr
from chainrule.errors import BackwardError


def lecture():
    x, y, z = (cr.tensor(v, requires_grad=True, name=n) for n, v in (("x", -2.0), ("y", 5.0), ("z", -4.0)))
    return (x + y) * z


def test_add_multiply_steps(capsys):
    text = cr.explain(lecture())
    assert text in capsys.readouterr().out
    for step in [
        "q = x + y = -2 + 5 = 3",
        "f = q · z = 3 · (-4) = -12",
        "∂f/∂f = 1",
        "∂f/∂z = q = 3",
        "∂f/∂q = z = -4",
        "∂f/∂x = ∂f/∂q · ∂q/∂x = -4 · 1 = -4",
        "∂f/∂y = ∂f/∂q · ∂q/∂y = -4 · 1 = -4",
    ]:
        assert step in text, step
    assert "add gate: distributes" in text and "multiply gate: swaps" in text
    assert text.index("∂f/∂z = q") < text.index("∂f/∂x = ∂f/∂q")  # reverse topological order


def test_neuron_numbers():
    vals = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
    t = {n: cr.tensor(v, dtype=cr.float64, requires_grad=True, name=n) for n, v in vals.items()}
    f = 1 / (1 + (-(t["w0"] * t["x0"] + t["w1"] * t["x1"] + t["w2"])).exp())
    text = cr.explain(f, echo=False)
    assert "= 1 / 1.37 = 0.73" in text and "-1/p² = -0.53" in text
    for name, grad in [("w0", "-0.2"), ("x0", "0.39"), ("w1", "-0.39"), ("x1", "-0.59"), ("w2", "0.2")]:
        assert f"- ∂f/∂{name} = {grad}\n" in text, name


def test_accumulation_and_max_routes():
    x = cr.tensor(2.0, requires_grad=True, name="x")
    y = cr.tensor(1.0, requires_grad=True, name="y")
    text = cr.explain(x * 1.5 + x * 2.0 + cr.maximum(x, y) * 0.0, echo=False)
    assert "∂f/∂x = 1.5 + 2 + 0 = 3.5 (x is used 3 times: the branches add)" in text
    assert "max gate: routes" in text


def test_tensors_and_custom_function_description():
    class Cube(cr.Function):
        label = "cube"
        explain_pattern = "cube gate: scales by three times the square"

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x**2

        @staticmethod
        def explain_grad(names, i):
            return f"3·{names[0]}²"

    w = cr.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="W")
    text = cr.explain(Cube.apply(w).sum(), echo=False)
    assert "∂q/∂W = 3·W²" in text and "cube gate" in text
    assert "2×2 [3, 12, 27, 48]" in text
    x = cr.tensor(2.0, requires_grad=True, name="x")
    assert "∂f/∂x = 3·x² = 12" in cr.explain(Cube.apply(x), echo=False)


def test_freed_graph_is_refused_with_advice():
    f = lecture()
    f.backward()
    with pytest.raises(BackwardError, match="retain_graph"):
        cr.explain(f, echo=False)


def test_markdown_repr():
    text = cr.explain(lecture(), echo=False)
    assert text._repr_markdown_().startswith("**Forward pass**")
