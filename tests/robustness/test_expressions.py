"""Generated expressions for ``graph`` and ``gradcheck``: each computes (exit 0, or 5 for a failed check) or
is refused with exit 2 and the README's error form — one line, or the message, the expression and a caret —
never a traceback or a RecursionError, whatever its nesting.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from robust_support import ROBUST, assert_clean, outcome, run_cli

from chainrule.cli.expr import MAX_DEPTH, MAX_LENGTH

TOKENS = ["x", "y", "1", "2.5", "1e308", "0", "9" * 320, "+", "-", "*", "/", "**", "(", ")", ",", "exp", "log",
          "sqrt", "max", "min", "relu", "sigmoid", "tanh", "abs", " ", ".", "x.real", "__import__", "'a'", "[", "]",
          "lambda", ":", "if", "else", "@", "%", "//", "==", "not", "\\", "\n", "\x00", "é", "1j", "True", ";",
          "="]  # fmt: skip


def check(command: str, expr: str, *values: str) -> tuple[int, str]:
    code, _, err = run_cli(command, "--", expr, *values, limit=20)
    outcome(f"exit {code}")
    if code in (0, 5):  # computed; gradcheck's verdict (5: a failed check) is on stdout
        assert err == "" and (code == 0 or command == "gradcheck"), err
    else:
        assert_clean(code, err, command, 2)
    return code, err


@settings(ROBUST, max_examples=150)
@given(tokens=st.lists(st.sampled_from(TOKENS), max_size=12), command=st.sampled_from(["graph", "gradcheck"]))
def test_token_soup(tokens, command):
    expr = "".join(tokens)
    names = [n for n in ("x", "y") if n in expr.replace("exp", "").replace("max", "")]
    check(command, expr, *(f"{n}=0.5" for n in names))


# (opening, closing) of each way to nest; the closing part repeats once per level
FAMILIES = {
    "unary minus": ("-", ""), "unary plus": ("+", ""), "parentheses": ("(", ")"), "calls": ("exp(", ")"),
    "max": ("max(x, ", ")"), "chained +": ("x + ", ""), "power tower": ("x ** ", ""), "products": ("(x * ", ")"),
}  # fmt: skip


def ast_depth(family: str, n: int) -> int:
    """The syntax tree's nesting for ``n`` levels around ``x``: parentheses add no node, every other level one."""
    return 1 if family == "parentheses" else n + 1


@settings(ROBUST, max_examples=60)
@given(family=st.sampled_from(sorted(FAMILIES)), n=st.integers(MAX_DEPTH - 3, MAX_DEPTH + 3) | st.integers(1, 2000),
       command=st.sampled_from(["graph", "gradcheck"]))
def test_nesting_is_computed_up_to_the_limit_and_refused_beyond(family, n, command):
    opening, closing = FAMILIES[family]
    expr = opening * n + "x" + closing * n
    if family == "chained +":  # x + x + ... + x: a left-leaning chain as deep as it is long
        expr = " + ".join(["x"] * (n + 1))
    if len(expr) > MAX_LENGTH:
        code, err = check(command, expr, "x=0.5")
        assert code == 2 and f"the limit is {MAX_LENGTH}" in err
        return
    code, err = check(command, expr, "x=0.5")
    too_deep = ast_depth(family, n) > MAX_DEPTH or (family == "parentheses" and n > 199)  # Python stops at 200
    if too_deep:
        assert code == 2 and "expression too deeply nested" in err, err
    else:
        assert code in (0, 5), err


@pytest.mark.parametrize("expr", ["-" * 1999 + "x", "+".join(["x"] * 990), "(" * 300 + "x" + ")" * 300])
def test_the_issues_cases(expr):
    for command in ("graph", "gradcheck"):
        code, err = check(command, expr, "x=1")
        assert code == 2 and err.startswith(f"chainrule {command}: error: expression too deeply nested (")


def test_numbers_beyond_float64_are_refused_with_a_caret():
    code, err = check("graph", "x + " + "9" * 400, "x=1")
    assert code == 2 and "a number too large for a float64" in err and err.rstrip().endswith("^" * 400)
