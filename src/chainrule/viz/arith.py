"""Printed arithmetic that checks itself: ``a · b = c`` only when the printed numbers agree.

The narration prints numbers at a few digits, as the lecture does, so the printed
factors of a product (or terms of a sum) need not give the printed result:
0.1966 · (-2) = -0.3932 prints as 0.2 · (-2) and -0.39. Each line is recomputed
from the numbers as printed; when that does not reproduce the printed result,
the line says ``≈`` instead of ``=``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from chainrule.viz.format import number

APPROX = "≈"


def operand(text: str) -> str:
    """A printed number as a factor or term: negatives in brackets, ``2 · (-1)``."""
    return f"({text})" if text.startswith("-") else text


def value_of(text: str) -> float:
    """The number a printed operand stands for (brackets allowed)."""
    return float(text.strip().strip("()"))


def half_unit(printed: str) -> float:
    """What rounding may hide in a number ``format.number`` printed: half its last digit's value.

    It prints 2 decimals (trailing zeros dropped), 4 significant digits from 100, and 3 in
    e-notation (``1.24e-5``, ``-2.25e4``).
    """
    mantissa, e, exponent = printed.strip("()").partition("e")
    if e:
        return 0.5 * 10.0 ** (int(exponent) - 2)
    v = abs(float(mantissa))
    return 0.5 * 10.0 ** (math.floor(math.log10(v)) - 3) if v >= 100 else 0.005


def relation(recomputed: float, printed: str) -> str:
    """``=`` when ``recomputed`` (from the printed operands) lies within the rounding of ``printed``, else ``≈``."""
    if not math.isfinite(recomputed):
        return "=" if number(recomputed) == printed else APPROX
    try:
        exact = abs(recomputed - value_of(printed)) <= half_unit(printed)
    except ValueError:  # nan, inf printed
        return APPROX
    return "=" if exact else APPROX


def checked(operands: list[str], symbol: str, combine: Callable[[list[float]], float], result: str) -> str:
    """``a symbol b … = result`` (or ``≈``) with the operands as printed (later negatives bracketed)."""
    text = f" {symbol} ".join([operands[0]] + [operand(t) for t in operands[1:]])
    return f"{text} {recheck(combine, operands, result)} {result}"


def recheck(combine: Callable[[list[float]], float], operands: list[str], result: str) -> str:
    """``=`` or ``≈``: does ``combine`` of the printed operands print as ``result``?"""
    try:
        return relation(combine([value_of(t) for t in operands]), result)
    except (ValueError, ZeroDivisionError, OverflowError):
        return APPROX


def product(factors: list[str], result: str) -> str:
    """``-0.53 · 0.37 = -0.2``; ``0.2 · (-2) ≈ -0.39`` (the factors were rounded)."""
    return checked(factors, "·", math.prod, result)


def total(terms: list[str], result: str) -> str:
    """``1.5 + 2 - 3 = 0.5`` (the branches of a value add up), or ``≈`` when rounding shows."""
    text = terms[0] + "".join(f" - {t[1:]}" if t.startswith("-") else f" + {t}" for t in terms[1:])
    return f"{text} {recheck(math.fsum, terms, result)} {result}"


#: The forward arithmetic the narration can recompute from printed operands, by op class name.
RECOMPUTE: dict[str, Callable[[list[float]], float]] = {
    "Add": lambda v: v[0] + v[1],
    "Sub": lambda v: v[0] - v[1],
    "Mul": lambda v: v[0] * v[1],
    "Div": lambda v: v[0] / v[1],
    "Neg": lambda v: -v[0],
}


def forward_relation(op_kind: str, operands: list[str], result: str) -> str:
    """``=`` or ``≈`` between a scalar op's substituted formula and its printed result."""
    combine = RECOMPUTE.get(op_kind)
    return "=" if combine is None else recheck(combine, operands, result)
