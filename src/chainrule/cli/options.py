"""argparse value types that refuse impossible values with a message naming what is valid."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def _int_at_least(low: int, what: str) -> Callable[[str], int]:
    """An argparse type for integers ≥ ``low``, named ``what`` in its messages."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {what}, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be a {what} (>= {low}), got {value}")
        return value

    return parse


positive_int = _int_at_least(1, "positive integer")  # sizes, batch sizes, epochs
non_negative_int = _int_at_least(0, "non-negative integer")  # seeds


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0 (learning rates)."""
    value = _finite(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text}")
    return value


def non_negative_float(text: str) -> float:
    """A finite number ≥ 0 (weight decay)."""
    value = _finite(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text}")
    return value


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keeps the examples' line breaks in the epilog and shows defaults."""
