"""Every public differentiable op on random shapes: both backward rules, and PyTorch as the oracle.

For each op of op_specs.SPECS, hypothesis draws input shapes (0-d, size-0 and broadcasting pairs
included) and the op's parameters, then float64 values. The first test needs only chainrule
(gradcheck of both backward rules, gradgradcheck where second derivatives are defined); the
second compares values, gradients and Hessian-vector products with PyTorch, and is reported as
skipped without it. Derandomized: CI sees the same examples every run.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from op_specs import SPECS, STRATEGIES

import chainrule as cr
from helpers.oracle import Case, check_rules, compare_with_torch, inputs_for, requires_torch

RULE_EXAMPLES = 6  # gradgradcheck costs a few ms per element
TORCH_EXAMPLES = 20
SEEDS = st.integers(0, 2**16)


def _examples(n: int):
    return settings(
        max_examples=n, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
    )


def _draw(spec, data) -> tuple:
    """The spec as a Case on drawn shapes and parameters, and its float64 input values."""
    shapes, params = STRATEGIES[spec.kind](data)
    f = lambda m, *xs: spec.f(m, *xs, **params)  # noqa: E731
    torch_f = None if spec.torch_f is None else (lambda m, *xs: spec.torch_f(m, *xs, **params))
    case = Case(spec.name, f, [shapes], spec.domain, spec.twice, torch_f, spec.eps)
    return case, inputs_for(case, shapes, seed=data.draw(SEEDS))


@pytest.mark.parametrize("spec", SPECS, ids=str)
@_examples(RULE_EXAMPLES)
@given(data=st.data())
def test_rules_on_random_shapes(spec, data):
    """Some draws leave every gradient 0 (a relu of negatives): those compare nothing and pass."""
    case, arrays = _draw(spec, data)
    check_rules(lambda *t: case.f(cr, *t), arrays, case.twice, case.eps, uninformative=True)


@requires_torch
@pytest.mark.parametrize("spec", [s for s in SPECS if s.torch], ids=str)
@_examples(TORCH_EXAMPLES)
@given(data=st.data())
def test_matches_torch_on_random_shapes(spec, data):
    case, arrays = _draw(spec, data)
    compare_with_torch(case, arrays)
