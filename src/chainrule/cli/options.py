"""The rules for a run's settings, one per setting, used alike for the command line and for ``config.json``.

Each rule is a check of a typed value (an int, a float, a str, a list) that returns it or raises ValueError
saying what is valid. ``argparse_type(rule)`` first turns command-line text into the rule's type where it
can, so ``--epochs 0`` and ``"epochs": 0`` in a resumed run's config.json are refused by the same check, with
the same words.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

Rule = Callable[[Any], Any]


def integer_at_least(low: int, what: str) -> Rule:
    """Integers ≥ ``low`` (not bools, not floats), named ``what`` in messages."""

    def check(value: Any) -> int:
        if type(value) is not int:
            raise ValueError(f"expected a {what}, got {shown(value)}")
        if value < low:
            raise ValueError(f"must be a {what} (>= {low}), got {value}")
        return value

    check.kind = int
    return check


def number_above(low: float, strict: bool) -> Rule:
    """Finite numbers > ``low`` (``strict``) or ≥ ``low``; ints are taken as floats."""

    def check(value: Any) -> float:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ValueError(f"expected a number, got {shown(value)}")
        if not math.isfinite(value):
            raise ValueError(f"must be a finite number, got {value}")
        if value < low or (strict and value == low):
            raise ValueError(f"must be a number {'>' if strict else '>='} {low:g}, got {value}")
        return float(value)

    check.kind = float
    return check


def one_of(choices: tuple[str, ...]) -> Rule:
    """One of ``choices`` (argparse's words for a wrong one)."""

    def check(value: Any) -> str:
        if value not in choices or not isinstance(value, str):
            raise ValueError(f"invalid choice: {shown(value)} (choose from {', '.join(map(repr, choices))})")
        return value

    check.choices = choices
    return check


def non_empty_text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a non-empty path, got {shown(value)}")
    return value


def optional(rule: Rule) -> Rule:
    """``rule``, or None."""

    def check(value: Any) -> Any:
        return None if value is None else rule(value)

    check.item = rule
    return check


def list_of(rule: Rule) -> Rule:
    """A non-empty list whose items pass ``rule`` (a repeated option on the command line)."""

    def check(value: Any) -> list:
        if not isinstance(value, list) or not value:
            raise ValueError(f"expected a non-empty list, got {shown(value)}")
        return [rule(item) for item in value]

    check.item = rule
    return check


def comma_separated(rule: Rule) -> Rule:
    """A list whose items pass ``rule``; on the command line one option, the items separated by commas
    (``--conv 8,16``)."""

    def check(value: Any) -> list:
        if not isinstance(value, list):
            raise ValueError(f"expected a list, got {shown(value)}")
        return [rule(item) for item in value]

    check.parse = lambda text: [_typed(part.strip(), getattr(rule, "kind", str)) for part in text.split(",")]
    return check


def layer_sizes(value: Any) -> list:
    """Hidden layer sizes: positive integers, or none at all (``[]``; ``--hidden 0`` on the command line)."""
    if not isinstance(value, list):
        raise ValueError(f"expected a list of layer sizes, got {shown(value)}")
    sizes = [non_negative_int(item) for item in value]
    if sizes == [0]:
        return []
    if 0 in sizes:
        raise ValueError(f"0 (no hidden layer) cannot be combined with other sizes, got {sizes}")
    return sizes


positive_int = integer_at_least(1, "positive integer")  # sizes, batch sizes, epochs
non_negative_int = integer_at_least(0, "non-negative integer")  # seeds, hidden sizes (0: none)
layer_sizes.item = non_negative_int
positive_float = number_above(0.0, strict=True)  # learning rates
non_negative_float = number_above(0.0, strict=False)  # weight decay


def argparse_type(rule: Rule) -> Callable[[str], Any]:
    """An argparse ``type=``: the text as an int or float where it reads as one, then ``rule``."""
    rule = getattr(rule, "item", rule)  # a list's items come one per option; optional values are given
    read = getattr(rule, "parse", None) or (lambda text: _typed(text, getattr(rule, "kind", str)))

    def parse(text: str) -> Any:
        try:
            return rule(read(text))
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = getattr(rule, "__name__", "value")  # argparse names the type in some messages
    return parse


def metavar(rule: Rule) -> str | None:
    """``{a,b,c}`` for a choice (what argparse shows for ``choices=``), else None."""
    choices = getattr(getattr(rule, "item", rule), "choices", None)
    return "{" + ",".join(choices) + "}" if choices else None


def shown(value: Any, width: int = 40) -> str:
    """``repr(value)``, cut to ``width`` characters: a message stays one readable line whatever a file holds."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _typed(text: str, kind: type) -> Any:
    """``text`` as ``kind`` (int or float) where it reads as one, else the text for the rule to refuse."""
    if kind is str:
        return text
    try:
        return kind(text)
    except ValueError:
        return text


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keeps the examples' line breaks in the epilog and shows each default once: argparse's ``(default: …)``
    only where the help does not say its own, and never for an absent value (None) or an unset flag (False)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.default is None or action.default is False:
            return text
        return super()._get_help_string(action)
