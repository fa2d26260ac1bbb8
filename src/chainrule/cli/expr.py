"""A safe reader for the expressions of ``chainrule graph`` and ``chainrule gradcheck``.

The text is parsed by Python's ``ast`` and walked over a whitelist — numbers,
names, ``+ - * / **``, unary minus and calls of a few functions — building
chainrule tensors; nothing is ever passed to ``eval``. Anything else is refused
with a message that points a caret at the offending part.
"""

from __future__ import annotations

import argparse
import ast
import sys
import unicodedata
import warnings
from collections.abc import Callable
from functools import reduce

import chainrule as cr
from chainrule.cli.errors import UsageError
from chainrule.cli.options import HelpFormatter
from chainrule.tensor import Tensor

FUNCTIONS: dict[str, Callable[..., Tensor]] = {
    "exp": cr.exp, "log": cr.log, "sin": cr.sin, "cos": cr.cos, "tanh": cr.tanh, "sigmoid": cr.sigmoid,
    "relu": cr.relu, "sqrt": cr.sqrt, "abs": cr.abs,
}  # fmt: skip
VARIADIC = {"max": cr.maximum, "min": cr.minimum}  # max(a, b, ...) folds the two-argument form
BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
ALLOWED = "numbers, names, + - * / **, unary minus and calls of " + ", ".join([*FUNCTIONS, *VARIADIC])
MAX_LENGTH = 2000
#: the deepest nesting of operations and calls (Python's own parser stops at 200 parentheses)
MAX_DEPTH = 200


class ExpressionError(UsageError):
    """An expression outside the whitelist, or one that does not parse."""


def add_expression_command(commands: argparse._SubParsersAction, name: str, summary: str, doc: str,
                           epilog: str) -> argparse.ArgumentParser:
    """A sub-command that takes an expression EXPR and a value for each of its variables."""
    p = commands.add_parser(name, help=summary, description=doc.split(":", 1)[1].strip(), epilog=epilog,
                            formatter_class=HelpFormatter)  # fmt: skip
    p.add_argument("expr", metavar="EXPR", help='the expression, e.g. "(x + y) * z"')
    p.add_argument("values", nargs="*", metavar="name=value", help="a value for every variable")
    return p


def parse_bindings(pairs: list[str]) -> dict[str, float]:
    """``["x=-2", "y=5"]`` → ``{"x": -2.0, "y": 5.0}``, refusing malformed pairs and repeated names."""
    values: dict[str, float] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise UsageError(f"expected name=value, got {pair!r} (e.g. x=-2)")
        if name in values:
            raise UsageError(f"{name} is given twice")
        try:
            values[name] = float(text)
        except ValueError:
            raise UsageError(f"{name}: expected a number, got {text!r}") from None
    return values


def parse(text: str) -> ast.expr:
    """The syntax tree of ``text``, checked against the whitelist (raises ExpressionError)."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}")
    odd = next((i for i, ch in enumerate(text) if unicodedata.category(ch) in ("Cc", "Zl", "Zp")), None)
    if odd is not None:  # a line break or control character would break the one-line message and its caret
        raise ExpressionError(f"the expression holds the control character {text[odd]!r} at position {odd + 1}; "
                              "write it on one line of printable characters")  # fmt: skip
    try:
        with warnings.catch_warnings():  # "invalid decimal literal" and the like: errors here, not a 2nd line
            warnings.simplefilter("error", SyntaxWarning)
            tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        if "too many nested" in exc.msg:
            raise ExpressionError(_too_deep(f"more than {MAX_DEPTH} levels")) from None
        col = (exc.offset or 1) - 1
        raise ExpressionError(_pointing(text.strip(), col, col + 1, f"invalid syntax ({exc.msg})")) from None
    except (RecursionError, MemoryError):  # the parser's own stack: deeper than it handles
        raise ExpressionError(_too_deep("deeper than Python's parser handles")) from None
    depth = _depth(tree)
    if depth > MAX_DEPTH:
        raise ExpressionError(_too_deep(f"{depth} levels")) from None
    _check(tree, text.strip())
    return tree


def _too_deep(found: str) -> str:
    return f"expression too deeply nested ({found}; the limit is {MAX_DEPTH})"


def _depth(tree: ast.AST) -> int:
    """How deeply operations and calls nest in ``tree``, walked without recursion (a chain a+b+c… nests too)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node) if not isinstance(child, ast.operator
                     | ast.unaryop | ast.expr_context))  # fmt: skip
    return deepest


def _check(node: ast.AST, text: str) -> None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        if isinstance(node.value, int) and abs(node.value) > _LARGEST:
            _refuse(node, text, f"a number too large for a float64 (at most {sys.float_info.max:.4g})", hint=False)
        return
    if isinstance(node, ast.Name):
        return
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        _check(node.left, text)
        _check(node.right, text)
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        _check(node.operand, text)
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            _check(node.func, text)  # refuses attribute access, calls of calls ...
            _refuse(node.func, text, "only functions called by name are allowed")
        if node.keywords:
            _refuse(node, text, "keyword arguments are not allowed")
        name = node.func.id
        if name not in FUNCTIONS and name not in VARIADIC:
            _refuse(node.func, text, f"unknown function {name!r}")
        wanted = "1 argument" if name in FUNCTIONS else "2 or more arguments"
        if (len(node.args) != 1) if name in FUNCTIONS else (len(node.args) < 2):
            _refuse(node, text, f"{name}() takes {wanted}, got {len(node.args)}")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                _refuse(arg, text, "*arguments are not allowed")
            _check(arg, text)
        return
    _refuse(node, text, f"{_describe(node)} is not allowed")


_LARGEST = int(sys.float_info.max)

KINDS = {
    "MatMult": "the operator @", "Mod": "the operator %", "FloorDiv": "the operator //", "BitXor": "the operator ^",
    "BitAnd": "the operator &", "BitOr": "the operator |", "LShift": "the operator <<", "RShift": "the operator >>",
    "Invert": "the operator ~", "Not": "not", "IfExp": "a conditional (if/else)", "Lambda": "a lambda",
    "Subscript": "indexing", "Compare": "a comparison", "BoolOp": "and/or", "NamedExpr": "assignment (:=)",
}  # fmt: skip


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.BinOp | ast.UnaryOp):
        return KINDS.get(type(node.op).__name__, f"the operator {type(node.op).__name__}")
    if isinstance(node, ast.Constant):
        return f"the constant {node.value!r}"
    if isinstance(node, ast.Attribute):
        return "attribute access"
    if isinstance(node, ast.Call):
        return "this kind of call"
    return KINDS.get(type(node).__name__, f"a {type(node).__name__} expression")


def _refuse(node: ast.AST, text: str, reason: str, hint: bool = True) -> None:
    line = text.splitlines()[node.lineno - 1] if text else ""
    end = node.end_col_offset if node.end_lineno == node.lineno else len(line)
    raise ExpressionError(_pointing(line, node.col_offset, end, f"{reason}; allowed: {ALLOWED}" if hint else reason))


def _pointing(line: str, start: int, end: int, reason: str) -> str:
    start = max(0, min(start, len(line)))
    end = max(start + 1, min(end or start + 1, len(line) + 1))
    return f"{reason}\n  {line}\n  {' ' * start}{'^' * (end - start)}"


def build(tree: ast.expr, env: dict[str, Tensor], text: str) -> Tensor:
    """The tensor the (checked) tree computes from the tensors in ``env``: a graph ready for backward."""
    if isinstance(tree, ast.Constant):
        return tree.value
    if isinstance(tree, ast.Name):
        if tree.id not in env:
            _refuse_name(tree, text)
        return env[tree.id]
    if isinstance(tree, ast.UnaryOp):
        operand = build(tree.operand, env, text)
        return -operand if isinstance(tree.op, ast.USub) else operand
    if isinstance(tree, ast.BinOp):
        a, b = build(tree.left, env, text), build(tree.right, env, text)
        a = a if isinstance(a, Tensor) or isinstance(b, Tensor) else cr.tensor(a, dtype=cr.float64)
        return {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b, ast.Div: lambda: a / b,
                ast.Pow: lambda: a**b}[type(tree.op)]()  # fmt: skip
    args = [_as_tensor(build(arg, env, text)) for arg in tree.args]
    name = tree.func.id
    if name in VARIADIC:
        return reduce(VARIADIC[name], args)
    return FUNCTIONS[name](args[0])


def _as_tensor(value: Tensor | float) -> Tensor:
    return value if isinstance(value, Tensor) else cr.tensor(value, dtype=cr.float64)


def _refuse_name(node: ast.Name, text: str) -> None:
    line = text.splitlines()[node.lineno - 1]
    reason = f"{node.id} has no value; give one as {node.id}=NUMBER"
    raise ExpressionError(_pointing(line, node.col_offset, node.end_col_offset, reason))


def evaluate(text: str, values: dict[str, float]) -> tuple[Tensor, dict[str, Tensor]]:
    """Parse ``text`` and compute it with float64 leaves named after ``values``; returns (output, leaves).

    Every variable needs a value, and every value a variable (a typo in a name would otherwise go unnoticed).
    """
    f = function(text, list(values))
    leaves = {n: cr.tensor(v, dtype=cr.float64, requires_grad=True, name=n) for n, v in values.items()}
    return f(*leaves.values()), leaves


def function(text: str, variables: list[str]) -> Callable[..., Tensor]:
    """The expression as a function of tensors for ``variables`` (in that order), checked once up front."""
    tree, line = parse(text), text.strip()

    def f(*xs: Tensor) -> Tensor:
        return _as_tensor(build(tree, dict(zip(variables, xs)), line))

    f(*(cr.tensor(1.0, dtype=cr.float64) for _ in variables))  # refuses names without a value now
    unused = [n for n in variables if n not in expression_names(tree)]
    if unused:
        raise UsageError(f"{', '.join(unused)} given a value but not used in {line!r}")
    return f


def expression_names(tree: ast.expr) -> list[str]:
    """The variable names of an expression (function names excluded), in order of first appearance."""
    functions = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in functions]
    return list(dict.fromkeys(n.id for n in sorted(found, key=lambda n: (n.lineno, n.col_offset))))
