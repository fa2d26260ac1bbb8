"""One factory for op tests: both backward rules checked numerically, and PyTorch as oracle (ARCHITECTURE rule 9).

An op family lists ``Case``s; ``op_tests`` makes its two tests, run over each case's
input-shape tuples (broadcasting pairs, 0-d and size-0 included):

- ``check_case`` needs only chainrule: ``gradcheck``, which compares the array rules (what a
  plain ``backward()`` runs) and the Tensor rules (what ``create_graph=True`` records) with
  central differences, and ``gradgradcheck`` where second derivatives are defined;
- ``check_torch`` compares values, gradients and Hessian-vector products with PyTorch, and is
  reported as skipped where torch is not installed.

``f`` is written with methods/functions PyTorch shares (``x.exp()``, ``m.maximum(a, b)`` with
``m`` the module), so one expression serves both libraries; ``torch_f`` overrides it where the
spelling differs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

import chainrule as cr

try:
    import torch
except ImportError:  # the suite passes without torch; every comparison with it reports a skip
    torch = None

requires_torch = pytest.mark.skipif(torch is None, reason="torch is not installed: nothing to compare with")

UNARY = [((),), ((3,),), ((2, 3),), ((0,),), ((2, 0),)]
BINARY = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3)), ((2, 1, 3), (4, 1)), ((0, 3), (3,))]
TORCH_TOL = 1e-6


@dataclass
class Case:
    """One differentiable expression ``f(m, *xs)`` and the shapes to try it on."""

    name: str
    f: Callable
    shapes: list
    # "real", "positive", "unit" (0.05..0.95), "kinkfree" (|x| >= 0.25, no ties) or "grid" (multiples of
    # 1/16 in [-2, 2]: with eps = 1/16 every x ± eps is exact in float16, for the casts that round)
    domain: str = "real"
    twice: bool = True  # second derivatives defined (gradgradcheck, torch second order)
    torch_f: Callable | None = None
    eps: float = 1e-6  # finite-difference step (1/16 for the casts that round, on the "grid" domain)

    def __str__(self) -> str:
        return self.name


def draw(shape: tuple, domain: str, rng: np.random.Generator) -> np.ndarray:
    """float64 test values away from the op's trouble spots."""
    if domain == "positive":
        return rng.uniform(0.5, 2.0, size=shape)
    if domain == "unit":
        return rng.uniform(0.05, 0.95, size=shape)
    if domain == "grid":
        return rng.integers(-32, 33, size=shape) / 16.0
    if domain == "kinkfree":
        size = int(np.prod(shape))
        magnitude = 0.25 + 0.3 * rng.permutation(size) + rng.uniform(0.0, 0.1, size)
        return (magnitude * rng.choice([-1.0, 1.0], size=size)).reshape(shape)
    return rng.standard_normal(shape)


def case_params(cases: list) -> list:
    """``pytest.param`` per (case, shapes), with readable ids."""
    return [pytest.param(c, s, id=f"{c.name}-{'-'.join(map(str, s))}") for c in cases for s in c.shapes]


def op_tests(cases: list) -> tuple[Callable, Callable]:
    """The two tests of an op family, to assign to ``test_<family>`` and ``test_<family>_matches_torch``."""
    over_cases = pytest.mark.parametrize("case, shapes", case_params(cases))

    @over_cases
    def rules(case: Case, shapes: tuple) -> None:
        check_case(case, shapes)

    @requires_torch
    @over_cases
    def matches_torch(case: Case, shapes: tuple) -> None:
        check_torch(case, shapes)

    return rules, matches_torch


def inputs_for(case: Case, shapes: tuple, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    return [draw(s, case.domain, rng) for s in shapes]


def check_case(case: Case, shapes: tuple, seed: int = 0) -> None:
    """The torch-free checks of both backward rules in float64 (see the module docstring)."""
    check_rules(lambda *t: case.f(cr, *t), inputs_for(case, shapes, seed), case.twice, case.eps)


def check_rules(f: Callable, arrays: list, twice: bool = True, eps: float = 1e-6, uninformative: bool = False) -> None:
    """gradcheck (both backward rules), or gradgradcheck (which runs it first) when ``twice``.

    A check that compares nothing (every gradient ≈ 0 or at a kink) fails unless ``uninformative``
    allows it; size-0 inputs always allow it, as they leave nothing to compare.
    """
    xs = [cr.tensor(a, dtype=cr.float64, requires_grad=True) for a in arrays]
    allowed = uninformative or any(a.size == 0 for a in arrays)
    check = cr.gradgradcheck if twice else cr.gradcheck
    assert check(f, xs, eps=eps, allow_uninformative=allowed)
    assert_rules_agree(f, xs)


def assert_rules_agree(f: Callable, xs: list) -> None:
    """The array rules (a plain backward) and the Tensor rules (create_graph=True) give the same gradients,
    to rounding: tighter than either's agreement with finite differences."""
    out = f(*xs)
    if not (isinstance(out, cr.Tensor) and out.requires_grad):
        return
    w = cr.tensor(np.random.default_rng(5).standard_normal(out.shape), dtype=out.dtype)
    plain = cr.autograd.grad(out, xs, w, retain_graph=True, allow_unused=True)
    recorded = cr.autograd.grad(f(*xs), xs, w, create_graph=True, allow_unused=True)
    for a, b in zip(plain, recorded):
        if a is None or b is None:
            assert a is None and b is None or not np.any((a if b is None else b).detach().numpy())
            continue
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-12, equal_nan=True)


def check_torch(case: Case, shapes: tuple, seed: int = 0) -> None:
    """Value, gradient and (if ``twice``) Hessian-vector product agree with PyTorch; a skip without torch."""
    if torch is None:
        pytest.skip("torch is not installed: nothing to compare with")
    compare_with_torch(case, inputs_for(case, shapes, seed))


def compare_with_torch(case: Case, arrays: list, tol: float = TORCH_TOL) -> None:
    """Value, gradient and (if ``twice``) Hessian-vector product agree with PyTorch (NaN matching NaN)."""
    ours = _derivatives(cr, case.f, arrays, case.twice)
    theirs = _derivatives(torch, case.torch_f or case.f, arrays, case.twice)
    for what, a, b in zip(_labels(len(arrays), case.twice), ours, theirs, strict=True):
        assert a.shape == b.shape, f"{case.name}: {what} has shape {a.shape}, torch's {b.shape}"
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=f"{case.name}: {what} differs from torch")


def _labels(n: int, twice: bool) -> list:
    second = [f"second derivative of input {i}" for i in range(n)] if twice else []
    return ["value"] + [f"grad of input {i}" for i in range(n)] + second


def _derivatives(m, f: Callable, arrays: list, twice: bool) -> list:
    """Output, vector-Jacobian products and (with ``twice``) their derivative along fixed directions."""
    lib = _Lib(m)
    xs = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = f(m, *xs)
    rng = np.random.default_rng(7)
    # w requires grad with ``twice``, so every gradient is a graph to differentiate, even a constant one.
    w = lib.tensor(rng.standard_normal(tuple(out.shape)), requires_grad=twice)
    grads = lib.grad(out, xs, w, create_graph=twice)
    result = [lib.numpy(out)] + _arrays(grads, arrays, lib)
    if twice:
        vs = [lib.tensor(rng.standard_normal(a.shape)) for a in arrays]
        terms = [(g * v).sum() for g, v in zip(grads, vs, strict=True) if g is not None]
        second = lib.grad(sum(terms[1:], terms[0]), xs, None, create_graph=False) if terms else (None,) * len(xs)
        result += _arrays(second, arrays, lib)
    return result


def _arrays(grads: tuple, arrays: list, lib: _Lib) -> list:
    """Gradients as float64 arrays, zeros where an input was not used."""
    return [np.zeros(a.shape) if g is None else lib.numpy(g) for g, a in zip(grads, arrays, strict=True)]


class _Lib:
    """The few calls where chainrule and PyTorch are spelled differently."""

    def __init__(self, m) -> None:
        self.m = m

    def tensor(self, a: np.ndarray, requires_grad: bool = False):
        if self.m is cr:
            return cr.tensor(a, dtype=cr.float64, requires_grad=requires_grad)
        return torch.tensor(a, dtype=torch.float64, requires_grad=requires_grad)

    def grad(self, out, xs: list, w, create_graph: bool) -> tuple:
        if not out.requires_grad:
            return (None,) * len(xs)
        return self.m.autograd.grad(out, xs, grad_outputs=w, create_graph=create_graph, allow_unused=True)

    def numpy(self, t) -> np.ndarray:
        t = t.detach()
        return np.asarray(t.numpy(force=True) if self.m is torch else t.numpy(), dtype=np.float64)  # force: ZeroTensors
