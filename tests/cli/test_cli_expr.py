"""``chainrule graph`` / ``gradcheck`` and their safe expression reader; ``--version`` and ``--help``."""

import pytest
from cli_support import run_main

import chainrule as cr
from chainrule.cli.expr import evaluate

LECTURE = ["(x + y) * z", "x=-2", "y=5", "z=-4"]
NEURON = ["1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))", "w0=2", "x0=-1", "w1=-3", "x1=-2", "w2=-3"]


def test_graph_prints_value_and_gradients_and_explains(capsys, tmp_path):
    code, out, err = run_main(capsys, "graph", *LECTURE, "--explain", "-o", str(tmp_path / "f.dot"))
    assert code == 0, err
    assert "f = -12;  ∂f/∂x = -4, ∂f/∂y = -4, ∂f/∂z = 3" in out
    assert "∂f/∂x = ∂f/∂q · ∂q/∂x = -4 · 1 = -4" in out  # the chain-rule trace
    dot = (tmp_path / "f.dot").read_text()
    assert dot.startswith("digraph") and "-12" in dot


def test_graph_renders_the_lecture_neuron(capsys, tmp_path):
    pytest.importorskip("pygraphviz")
    code, out, err = run_main(capsys, "graph", *NEURON, "-o", str(tmp_path / "n.svg"))
    assert code == 0, err
    assert "f = 0.73;  ∂f/∂w0 = -0.2, ∂f/∂x0 = 0.39, ∂f/∂w1 = -0.39, ∂f/∂x1 = -0.59, ∂f/∂w2 = 0.2" in out
    svg = (tmp_path / "n.svg").read_text()
    assert "<svg" in svg and "0.73" in svg


def test_graph_refuses_an_unknown_suffix_as_a_bad_argument(capsys, tmp_path):
    code, out, err = run_main(capsys, "graph", *LECTURE, "-o", str(tmp_path / "f.txt"))
    assert code == 2 and "f.txt: use a .svg, .png, .pdf or .dot file name" in err
    assert out == "" and not (tmp_path / "f.txt").exists()  # refused before any work


def _rows(out: str) -> dict:
    """The gradcheck table's rows by input name: value, analytic, numerical, abs err, rel err, result ..."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("input ")) + 1
    rows = {}
    for line in lines[start:]:
        if not line or line.startswith(("backward", "gradcheck", "not informative")):
            break
        name, *cells, rest = line.split(None, 6)
        rows[name] = [*cells, rest.split("  (")[0]]  # the result, without its note
    return rows


def test_gradcheck_table(capsys):
    code, out, err = run_main(capsys, "gradcheck", *NEURON)
    assert code == 0, err
    rows = _rows(out)
    assert float(rows["x1"][1]) == pytest.approx(-0.5898, abs=1e-4)  # analytic
    assert float(rows["x1"][2]) == pytest.approx(-0.5898, abs=1e-4)  # numerical
    assert all(row[5] == "ok" for row in rows.values())
    assert "backward(create_graph=True)" in out  # the Tensor rules were checked too
    assert out.splitlines()[-1].startswith("gradcheck passed: 5 of 5 gradient element(s) compared meaningfully")


def test_gradcheck_flags_a_kink_without_failing(capsys):
    code, out, _ = run_main(capsys, "gradcheck", "relu(x) * y + max(x, y)", "x=0", "y=2")
    assert code == 0
    assert _rows(out)["x"][5] == "kink"


def test_cli_and_api_give_the_same_verdict_and_numbers(capsys):
    """One function judges; the CLI only formats: its cells are the API's, kink and ≈ 0 included."""
    for expr, values in [(NEURON[0], NEURON[1:]), ("relu(x) * y + y", ["x=0", "y=2"]), ("x * y", ["x=0", "y=0"]),
                         ("relu(x) * y", ["x=0", "y=1e-7"])]:  # fmt: skip
        _, out, _ = run_main(capsys, "gradcheck", expr, *values)
        f_out, leaves = evaluate(expr, {v.split("=")[0]: float(v.split("=")[1]) for v in values})
        report = cr.gradcheck_report(lambda *t, e=expr, n=list(leaves): _f(e, n)(*t), list(leaves.values()))
        rows = _rows(out)
        for name, check in zip(leaves, report.inputs):
            assert rows[name][1:6] == cr.check.element_cells(check.worst[0]), (expr, name)
        assert out.splitlines()[-1] == report.summary()


def _f(expr, names):
    from chainrule.cli.expr import function

    return function(expr, names)


@pytest.mark.parametrize(
    "values, eps, row, hint",
    [(["log(x)", "x=-1"], [], "x", "f itself is NaN/Inf at these inputs"),
     (["sqrt(x)", "x=0"], [], "x", "the edge of the function's domain is within eps"),
     (["x*x", "x=1"], ["--eps=1e200"], "x", "eps is too large")],
)  # fmt: skip
def test_gradcheck_nan_or_inf_is_a_failure_with_a_hint(capsys, values, eps, row, hint):
    code, out, _ = run_main(capsys, "gradcheck", *values, *eps)
    assert code == 5
    assert _rows(out)[row][5] == "NaN/Inf" and hint in out
    assert out.splitlines()[-1].startswith("gradcheck FAILED") and "(wrong)" in out.splitlines()[-1]


@pytest.mark.parametrize("option", ["--eps=inf", "--eps=nan", "--eps=0", "--eps=-1", "--atol=-1", "--rtol=inf"])
def test_gradcheck_refuses_impossible_tolerances(capsys, option):
    code, out, err = run_main(capsys, "gradcheck", "x*x", "x=1", option)
    assert code == 2 and out == "" and "need" in err and option.split("=")[0] in err


def test_gradcheck_that_compares_nothing_is_not_informative(capsys):
    code, out, _ = run_main(capsys, "gradcheck", "x * x", "x=0")
    assert code == 5
    assert _rows(out)["x"][4:6] == ["–", "both ≈ 0"]  # no relative error for two zeros
    assert out.splitlines()[-1].startswith("gradcheck not informative: 0 of 1 gradient element(s)")
    assert "a wrong backward would pass too" in out


def test_gradcheck_help_documents_exit_codes_and_outcomes(capsys):
    code, out, _ = run_main(capsys, "gradcheck", "--help")
    assert code == 0
    help_text = " ".join(out.split())
    for text in ["exit codes:", "0 passed", "5 failed", "5 not informative", "both ≈ 0", "kink", "NaN/Inf",
                 "create_graph=True"]:  # fmt: skip
        assert text in help_text, text


@pytest.mark.parametrize(
    "expr, message, caret",
    [
        ("x.real + 1", "attribute access is not allowed", "^^^^^^"),
        ("__import__('os').system('echo hi')", "attribute access is not allowed", "^" * 23),
        ("__import__('os')", "unknown function '__import__'", "^" * 10),
        ("x + open", "open has no value; give one as open=NUMBER", "    ^^^^"),
        ("x @ x", "the operator @ is not allowed", "^^^^^"),
        ("x + 'a'", "the constant 'a' is not allowed", "    ^^^"),
        ("x if x else 1", "a conditional (if/else) is not allowed", "^^^^^^^^^^^^^"),
        ("exp(x, x)", "exp() takes 1 argument, got 2", "^^^^^^^^^"),
        ("max(x)", "max() takes 2 or more arguments, got 1", "^^^^^^"),
        ("x +", "invalid syntax", "^"),
        ("[x][0]", "indexing is not allowed", "^^^^^^"),
        ("exp(x=x)", "keyword arguments are not allowed", "^^^^^^^^"),
        ("exp(x)(1)", "only functions called by name are allowed", "^^^^^^"),
    ],
)
def test_unsafe_or_invalid_expressions_are_refused_with_a_caret(capsys, expr, message, caret):
    for command in ("graph", "gradcheck"):
        code, out, err = run_main(capsys, command, expr, "x=1")
        assert code == 2 and out == ""
        assert message in err and "Traceback" not in err
        lines = err.splitlines()
        assert lines[-2] == f"  {expr}" and lines[-1] == f"  {caret}"


@pytest.mark.parametrize(
    "values, message",
    [(["x=1", "y"], "expected name=value, got 'y'"), (["x=one"], "x: expected a number, got 'one'"),
     (["x=1", "x=2"], "x is given twice"), (["x=1", "y=2"], "y given a value but not used")],
)  # fmt: skip
def test_bad_bindings(capsys, values, message):
    code, _, err = run_main(capsys, "graph", "x * 2", *values)
    assert code == 2 and message in err


def test_evaluate_matches_the_library():
    out, leaves = evaluate("sigmoid(a) * tanh(b) + sqrt(abs(a)) - log(b) ** 2 / min(a, b, 3) + relu(-a)", {"a": 0.7,
                           "b": 1.9})  # fmt: skip
    a, b = (cr.tensor(v, dtype=cr.float64, requires_grad=True) for v in (0.7, 1.9))
    ref = a.sigmoid() * b.tanh() + a.abs().sqrt() - b.log() ** 2 / cr.minimum(cr.minimum(a, b), 3.0) + (-a).relu()
    assert out.item() == pytest.approx(ref.item(), rel=1e-12)
    out.backward()
    ref.backward()
    assert leaves["a"].grad.item() == pytest.approx(a.grad.item(), rel=1e-12)


def test_version(capsys):
    code, out, _ = run_main(capsys, "--version")
    assert code == 0 and out.strip() == f"chainrule {cr.__version__}"


@pytest.mark.parametrize("command", [[], ["train"], ["eval"], ["graph"], ["gradcheck"]])
def test_help_has_examples(capsys, command):
    code, out, _ = run_main(capsys, *command, "--help")
    assert code == 0
    assert "examples:" in out and f"chainrule {command[0] if command else 'train'}" in out.split("examples:")[1]


def test_gradcheck_shows_both_backward_passes_when_they_differ(capsys, monkeypatch):
    from chainrule.ops.activation import Tanh

    def flipped(ctx, g):
        out = ctx.saved_output
        return (-(g * (1 - out * out)),)

    monkeypatch.setattr(Tanh, "backward", staticmethod(flipped))  # the Tensor rule only
    code, out, _ = run_main(capsys, "gradcheck", "tanh(x) * y", "x=0.5", "y=2")
    assert code == 5
    plain, graph = out.split("backward(create_graph=True) (")
    assert "backward() (" in plain and _rows(plain)["x"][5] == "ok"
    assert _rows(graph)["x"][5] == "MISMATCH" and _rows(graph)["y"][5] == "ok"
    assert out.splitlines()[-1].startswith("gradcheck FAILED")
