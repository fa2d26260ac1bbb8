"""cr.explain narrates the chain rule with the lecture's numbers, patterns and accumulation."""

import itertools
import math
import re

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.errors import BackwardError
from chainrule.nn import functional as F
from chainrule.viz.format import summary


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


# ---------------------------------------------------------------- networks, in the notes' vector form
@pytest.fixture
def float64():
    """Networks in float64, so that the narration's printed summaries equal those of a NumPy recomputation."""
    old = cr.get_default_dtype()
    cr.set_default_dtype(cr.float64)
    yield
    cr.set_default_dtype(old)


def mlp(sizes, activation, output_activation=None):
    cr.manual_seed(0)
    return nn.MLP(sizes, activation=activation, output_activation=output_activation)


def params(net):
    """The weights and biases of an MLP's Linear layers as NumPy arrays, in order."""
    return [np.asarray(p.data) for p in net.parameters()]


def step(text, start):
    """The narration line that starts with ``start`` (list markers and indentation stripped)."""
    found = [ln.strip()[2:] for ln in text.splitlines() if ln.strip()[2:].startswith(start)]
    assert found, f"no line starts with {start!r} in:\n{text}"
    return found[0]


def shows(text, start, expected):
    """The line ``start …`` exists and prints the summary of ``expected`` (recomputed here with NumPy)."""
    line = step(text, start)
    assert f"→ {summary(expected)}" in line, (line, summary(expected))


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_mlp_with_sigmoid_and_bce_narrates_the_notes_formulas(float64):
    net = mlp([3, 4, 1], "sigmoid", output_activation="sigmoid")
    x = cr.randn(5, 3)
    y = cr.tensor([[1.0], [0.0], [1.0], [1.0], [0.0]])
    text = cr.explain(F.binary_cross_entropy(net(x), y), echo=False, model=net)
    w1, b1, w2, b2 = params(net)
    xs, ys = np.asarray(x.data), np.asarray(y.data)
    z1 = xs @ w1.T + b1
    h1 = sigmoid(z1)
    z2 = h1 @ w2.T + b2
    yhat = sigmoid(z2)
    delta2 = (yhat - ys) / 5  # the notes' δ = ŷ - y, per sample; the loss is the batch mean
    delta1 = (delta2 @ w2) * h1 * (1 - h1)
    assert "The batch holds 5 samples, one per row" in text
    shows(text, "z₁ = 0.weight·x + 0.bias", z1)
    shows(text, "h₁ = σ(z₁)", h1)
    shows(text, "z₂ = 2.weight·h₁ + 2.bias", z2)
    shows(text, "ŷ = σ(z₂)", yhat)
    shows(text, "∂L/∂ŷ = (ŷ - y) / (5·ŷ(1 - ŷ))", (yhat - ys) / (5 * yhat * (1 - yhat)))
    shows(text, "δ₂ = ∂L/∂z₂ = ∂L/∂ŷ ∘ σ(z₂)(1 - σ(z₂)) = (ŷ - y)/5", delta2)
    assert "sigmoid with binary cross-entropy: the notes' δ = ŷ - y per sample" in step(text, "δ₂ = ")
    shows(text, "∂L/∂2.weight = Σₙ δ₂ h₁ᵀ (summed over the 5 samples)", delta2.T @ h1)
    shows(text, "∂L/∂2.bias = Σₙ δ₂ (summed over the 5 samples)", delta2.sum(axis=0))
    shows(text, "∂L/∂h₁ = 2.weightᵀ·δ₂", delta2 @ w2)
    shows(text, "δ₁ = ∂L/∂z₁ = ∂L/∂h₁ ∘ σ(z₁)(1 - σ(z₁))", delta1)
    shows(text, "∂L/∂0.weight = Σₙ δ₁ xᵀ (summed over the 5 samples)", delta1.T @ xs)
    shows(text, "∂L/∂0.bias = Σₙ δ₁ (summed over the 5 samples)", delta1.sum(axis=0))
    assert not re.search(r"\w'\(", text) and "given by" not in text


def test_softmax_cross_entropy_and_tanh(float64):
    net = mlp([3, 4, 2], "tanh")
    x, labels = cr.randn(6, 3), np.array([0, 1, 1, 0, 1, 0])
    text = cr.explain(F.cross_entropy(net(x), cr.tensor(labels)), echo=False)
    w1, b1, w2, b2 = params(net)
    h1 = np.tanh(np.asarray(x.data) @ w1.T + b1)
    z2 = h1 @ w2.T + b2
    probs = np.exp(z2) / np.exp(z2).sum(axis=1, keepdims=True)
    delta2 = (probs - np.eye(2)[labels]) / 6
    shows(text, "δ₂ = ∂L/∂z₂ = (softmax(z₂) - onehot(y))/6", delta2)
    assert "softmax cross-entropy: the notes' δ = ŷ - y per sample" in step(text, "δ₂ = ")
    shows(text, "∂L/∂h₁ = W₂ᵀ δ₂", delta2 @ w2)  # no model given: the notes' own names
    shows(text, "δ₁ = ∂L/∂z₁ = ∂L/∂h₁ ∘ (1 - tanh²(z₁))", (delta2 @ w2) * (1 - h1**2))
    shows(text, "∂L/∂W₁ = Σₙ δ₁ xᵀ", ((delta2 @ w2) * (1 - h1**2)).T @ np.asarray(x.data))
    assert step(text, "L = ").startswith("L = CE(softmax(z₂), y)")


def test_half_squared_error_gives_the_essays_a_minus_t(float64):
    net = mlp([2, 3, 1], "sigmoid", output_activation="sigmoid")
    x, t = cr.randn(4, 2), cr.tensor([[1.0], [0.0], [0.0], [1.0]])
    text = cr.explain(0.5 * F.mse_loss(net(x), t, reduction="sum"), echo=False)
    w1, b1, w2, b2 = params(net)
    yhat = sigmoid(sigmoid(np.asarray(x.data) @ w1.T + b1) @ w2.T + b2)
    residual = yhat - np.asarray(t.data)
    shows(text, "∂L/∂ŷ = ∂L/∂q · 2(ŷ - t) = (ŷ - t)", residual)
    assert "½ squared error: the essay's a - t" in step(text, "∂L/∂ŷ = ")
    shows(text, "δ₂ = ∂L/∂z₂ = ∂L/∂ŷ ∘ σ(z₂)(1 - σ(z₂))", residual * yhat * (1 - yhat))  # σ'(z) ⊙ (a - t)


def test_relu_routes_where_positive(float64):
    net = mlp([2, 3, 2], "relu")
    text = cr.explain(net(cr.randn(4, 2)).sum(), echo=False)
    assert "δ₁ = ∂f/∂z₁ = ∂f/∂h₁ ∘ 1[z₁ > 0]" in text  # no loss: the output keeps the name f


def test_model_must_be_a_module():
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        cr.explain(lecture(), echo=False, model=[1, 2])


def test_custom_function_with_several_inputs_narrates_all_of_them():
    class Scale3(cr.Function):
        label = "scale3"

        @staticmethod
        def forward(ctx, x, y, k):
            ctx.save_for_backward(x, y)
            ctx.k = k
            return x * y * k

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            return g * y * ctx.k, g * x * ctx.k, None

    x = cr.tensor(2.0, requires_grad=True, name="x")
    y = cr.tensor(-3.0, requires_grad=True, name="y")
    text = cr.explain(Scale3.apply(x, y, 2.0) * 1.5, echo=False)
    assert "q = scale3(x, y, 2) = scale3(2, -3, 2) = -12" in text
    assert "∂f/∂x = ∂f/∂q · ∂q/∂x = 1.5 · (-6) = -9  (∂q/∂x given by Scale3.backward)" in text
    assert "∂f/∂y = ∂f/∂q · ∂q/∂y = 1.5 · 4 = 6  (∂q/∂y given by Scale3.backward)" in text
    big_x = cr.tensor([[1.0, 2.0]], requires_grad=True, name="X")
    big_y = cr.tensor([[3.0, 4.0]], requires_grad=True, name="Y")
    text = cr.explain(Scale3.apply(big_x, big_y, 2.0).sum(), echo=False)
    assert "q = scale3(X, Y, 2) → 1×2 [6, 16]" in text
    assert "∂f/∂X = ∂f/∂q · ∂q/∂X, with ∂q/∂X given by Scale3.backward → 1×2 [6, 8]" in text
    assert "∂f/∂Y = ∂f/∂q · ∂q/∂Y, with ∂q/∂Y given by Scale3.backward → 1×2 [2, 4]" in text


# ---------------------------------------------------------------- printed arithmetic checks itself
NUMBER = r"\(?-?\d+(?:\.\d+)?(?:e-?\d+)?\)?"
ARITHMETIC = re.compile(rf"(?<== )({NUMBER}(?: [-+·/] {NUMBER})+) ([=≈]) (-?\d+(?:\.\d+)?(?:e-?\d+)?)(?![\d.])")


def half_unit(text):
    """Half the last printed digit's value: what rounding may hide (at least 2 decimals, as printed)."""
    text = text.strip("()")
    mantissa, _, exponent = text.partition("e")
    digits = len(mantissa.split(".")[1]) if "." in mantissa else 0
    if exponent:
        return 0.5 * 10.0 ** (int(exponent) - max(digits, 2))
    if abs(float(text)) >= 100:
        return 0.5 * 10.0 ** (math.floor(math.log10(abs(float(text)))) - 3)
    return 0.5 * 10.0 ** -max(digits, 2)


def interval(expression):
    """The range of ``expression`` (numbers joined by + - · /) over its operands' rounding intervals."""
    numbers = re.findall(NUMBER, expression)
    template = re.sub(NUMBER, "{}", expression).replace("·", "*")
    values = []
    for corner in itertools.product((-1, 1), repeat=len(numbers)):
        args = [f"({float(n.strip('()')) + s * half_unit(n)!r})" for n, s in zip(numbers, corner)]
        values.append(eval(template.format(*args)))  # noqa: S307 - numbers and operators only
    return min(values), max(values)


def check_arithmetic(text):
    """Every printed ``a · b = c`` holds as printed; ``≈`` only where the operands' rounding explains it."""
    found = ARITHMETIC.findall(text)
    for expression, relation, result in found:
        exact = eval(re.sub(NUMBER, lambda m: f"({m.group(0).strip('()')})", expression).replace("·", "*"))  # noqa: S307
        tolerance = half_unit(result) * (1 + 1e-9)
        if relation == "=":
            assert abs(exact - float(result)) <= tolerance, f"{expression} = {result}"
        else:
            lo, hi = interval(expression)
            assert abs(exact - float(result)) > half_unit(result) * 0.999, f"≈ where = holds: {expression} ≈ {result}"
            assert lo - tolerance <= float(result) <= hi + tolerance, f"{expression} ≈ {result}"
    return found


def test_lecture_arithmetic_is_self_consistent():
    vals = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
    t = {n: cr.tensor(v, dtype=cr.float64, requires_grad=True, name=n) for n, v in vals.items()}
    text = cr.explain(1 / (1 + (-(t["w0"] * t["x0"] + t["w1"] * t["x1"] + t["w2"])).exp()), echo=False)
    assert "∂f/∂w1 = ∂f/∂r · ∂r/∂w1 = 0.2 · (-2) ≈ -0.39" in text  # 0.1966 · (-2) = -0.3932, printed rounded
    assert "∂f/∂u = ∂f/∂v · ∂v/∂u = -0.53 · 0.37 = -0.2" in text
    assert "u = -t = -1\n" in text and "-1 = -1" not in text
    assert "t = s + w2 = 4 + (-3) = 1" in text
    assert len(check_arithmetic(text)) >= 15
    assert len(check_arithmetic(cr.explain(lecture(), echo=False))) == 4


@pytest.mark.parametrize("seed", range(40))
def test_random_scalar_arithmetic_is_self_consistent(seed):
    rng = np.random.default_rng(seed)
    x, y, z = (cr.tensor(float(v), dtype=cr.float64, requires_grad=True, name=n)
               for n, v in zip("xyz", rng.normal(0, 3, 3) * 10.0 ** rng.integers(-3, 3, 3)))  # fmt: skip
    steps = [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / (b * b + 1),
             lambda a, b: a * 0.37 + b, lambda a, b: -a * b]  # fmt: skip
    f = x
    for k in rng.integers(0, len(steps), 5):
        f = steps[k](f, [x, y, z][rng.integers(0, 3)])
    text = cr.explain(f + x * y, echo=False)
    assert check_arithmetic(text)


def test_explain_prints_in_a_terminal_and_displays_once_in_a_notebook(monkeypatch, capsys):
    import builtins

    x = cr.tensor(2.0, requires_grad=True, name="x")
    text = cr.explain(x * x)
    assert capsys.readouterr().out.strip() == str(text).strip()

    class ZMQInteractiveShell:  # what a Jupyter kernel's get_ipython() returns
        pass

    monkeypatch.setattr(builtins, "get_ipython", lambda: ZMQInteractiveShell(), raising=False)
    shown = cr.explain(x * x)
    assert capsys.readouterr().out == "" and shown._repr_markdown_() == str(shown)
    cr.explain(x * x, echo=True)
    assert capsys.readouterr().out.strip() == str(shown).strip()
