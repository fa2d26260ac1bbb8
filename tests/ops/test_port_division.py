"""``%``, ``//``, remainder, fmod and floor_divide: PyTorch's values and gradients, gradcheck in float64."""

import numpy as np
import pytest

import chainrule as cr
from helpers.oracle import BINARY, UNARY, Case, op_tests, requires_torch, torch

# kinkfree keeps a / b away from integers, where the remainder jumps
CASES = [
    Case("mod", lambda m, a, b: a % b, BINARY, domain="kinkfree"),
    Case("__mod__, __rmod__", lambda m, a, b: a.__mod__(b) * b.__rmod__(a), BINARY, domain="kinkfree"),
    Case("remainder", lambda m, a, b: m.remainder(a, b), BINARY, domain="kinkfree"),
    Case("fmod", lambda m, a, b: m.fmod(a, b), BINARY, domain="kinkfree"),
    Case("mod_scalar", lambda m, a: (a % 0.7) + (a % -1.3), UNARY, domain="kinkfree"),
    Case("fmod_method", lambda m, a: a.fmod(0.7) * a, UNARY, domain="kinkfree"),
]

test_division_op, test_division_op_matches_torch = op_tests(CASES)

VALUES = [[5, -3, 7, 0, -8], [5.5, -3.25, 7.0, 0.0, -8.5]]
DIVISORS = [2, -3, 2.5, [2, -3, 3, 1, -5], [2.5, -1.5, 4.0, 3.0, -2.0]]


@requires_torch
@pytest.mark.parametrize("values", VALUES, ids=["int", "float"])
@pytest.mark.parametrize("divisor", DIVISORS, ids=str)
@pytest.mark.parametrize("op", ["%", "//", "r%", "r//", "fmod", "remainder", "floor_divide"])
def test_values_and_dtypes_match_torch(values, divisor, op):
    def run(m):
        a = m.tensor(values)
        b = m.tensor(divisor) if isinstance(divisor, list) else divisor
        if op == "%":
            return a % b
        if op == "//":
            return a // b
        if op in ("r%", "r//"):
            c = m.tensor(values) + 20 if isinstance(divisor, list) else 17
            d = m.tensor(divisor) if isinstance(divisor, list) else a.abs() + 1
            return c % d if op == "r%" else c // d
        return getattr(m, op)(a, b)

    ours, theirs = run(cr), run(torch)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")


def test_floor_divide_records_nothing():
    x = cr.tensor([5.5, -3.2], requires_grad=True)
    assert not (x // 2).requires_grad and not cr.floor_divide(3.0, x).requires_grad


def test_input_of_remainder_may_change_when_only_the_dividend_takes_a_gradient():
    x, y = cr.tensor([5.5, -3.2], requires_grad=True), cr.tensor([2.0, 2.0])
    out = (x * 1) % y
    y.add_(1)  # the divisor is read only for its own gradient, which nobody needs
    out.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
