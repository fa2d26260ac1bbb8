"""NaN, ±inf and ±0 follow PyTorch: values, gradients and second derivatives of every op family.

The sweep compares each op with PyTorch over every special value (and every pair of them for
binary ops); the fixed expectations below state the corners the sweep once found, so they hold
without torch too. Expected numbers are PyTorch 2.13's, worked out by hand from its formulas.
"""

import itertools

import numpy as np
import pytest

import chainrule as cr
from chainrule.ops.reduce import Max, Min
from helpers.oracle import Case, compare_with_torch, requires_torch, torch

# NumPy's own warnings about inf/nan arithmetic (the ones chainrule does not silence on hot paths).
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

nan, inf = np.nan, np.inf
SPECIAL = np.array([nan, inf, -inf, 0.0, -0.0, 1.0, -1.0, 0.5, 2.0])
PAIRS = [np.array(side) for side in zip(*itertools.product(SPECIAL, SPECIAL))]
ROWS = np.array([[nan, 1], [inf, 1], [-inf, 1], [inf, inf], [-inf, -inf], [inf, -inf], [0, 0], [1, 2], [nan, inf]])


def F(m):
    return cr.nn.functional if m is cr else torch.nn.functional


def _labels(m, n, label):
    return m.tensor([label] * n)


UNARY = {
    "exp": lambda m, a: a.exp(),
    "log": lambda m, a: a.log(),
    "sqrt": lambda m, a: a.sqrt(),
    "abs": lambda m, a: a.abs(),
    "sin": lambda m, a: a.sin(),
    "cos": lambda m, a: a.cos(),
    "tanh": lambda m, a: a.tanh(),
    "sigmoid": lambda m, a: a.sigmoid(),
    "relu": lambda m, a: a.relu(),
    "neg": lambda m, a: -a,
    "square": lambda m, a: a**2,
    "cube": lambda m, a: a**3,
    "pow_half": lambda m, a: a**0.5,
    "pow_minus_half": lambda m, a: a**-0.5,
    "pow_three_halves": lambda m, a: a**1.5,
    "pow_minus_one": lambda m, a: a**-1,
    "pow_minus_two": lambda m, a: a**-2,
    "pow_zero": lambda m, a: a**0,
    "pow_one": lambda m, a: a**1,
    "two_pow": lambda m, a: 2.0**a,
    "zero_pow": lambda m, a: 0.0**a,
    "negative_pow": lambda m, a: (-2.0) ** a,
    "reciprocal": lambda m, a: 1 / a,
    "clamp": lambda m, a: a.clamp(-1, 1),
    "clamp_min": lambda m, a: a.clamp(min=0.5),
    "clamp_max": lambda m, a: a.clamp(max=0.5),
    "leaky_relu": lambda m, a: F(m).leaky_relu(a, 0.1),
    "F.sigmoid": lambda m, a: F(m).sigmoid(a),
    "F.tanh": lambda m, a: F(m).tanh(a),
    "F.relu": lambda m, a: F(m).relu(a),
    "float": lambda m, a: a.float(),
}
BINARY = {
    "add": lambda m, a, b: a + b,
    "sub": lambda m, a, b: a - b,
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b,
    "pow": lambda m, a, b: a**b,
    "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b),
    "where": lambda m, a, b: m.where(a > b, a, b),
    "mse_loss": lambda m, a, b: F(m).mse_loss(a, b, reduction="none"),
    "bce_with_logits": lambda m, a, b: F(m).binary_cross_entropy_with_logits(a, b, reduction="none"),
}
BY_ROW = {
    "softmax": lambda m, a: a.softmax(1),
    "log_softmax": lambda m, a: a.log_softmax(1),
    "F.softmax": lambda m, a: F(m).softmax(a, dim=1),
    "F.log_softmax": lambda m, a: F(m).log_softmax(a, dim=1),
    "logsumexp": lambda m, a: a.logsumexp(1),
    "sum": lambda m, a: a.sum(1),
    "mean": lambda m, a: a.mean(1),
    "var": lambda m, a: a.var(1),
    "var_biased": lambda m, a: a.var(1, correction=0),
    "matmul": lambda m, a: a @ m.tensor([[1.0], [2.0]], dtype=m.float64),
    "linear": lambda m, a: F(m).linear(a, m.tensor([[1.0, 2.0]], dtype=m.float64), m.tensor([0.5], dtype=m.float64)),
    "cross_entropy_0": lambda m, a: F(m).cross_entropy(a, _labels(m, len(a), 0), reduction="none"),
    "cross_entropy_1": lambda m, a: F(m).cross_entropy(a, _labels(m, len(a), 1), reduction="none"),
    "nll_loss": lambda m, a: F(m).nll_loss(a, _labels(m, len(a), 1), reduction="none"),
}
BY_ROW_SPELLED = {  # chainrule's spelling, then PyTorch's
    "max_axis": (lambda m, a: a.max(axis=1), lambda m, a: a.amax(1)),
    "min_axis": (lambda m, a: a.min(axis=1), lambda m, a: a.amin(1)),
    "max_select_equal": (lambda m, a: Max.apply(a, axis=1, select="equal"), lambda m, a: a.amax(1)),
    "min_select_equal": (lambda m, a: Min.apply(a, axis=1, select="equal"), lambda m, a: a.amin(1)),
    "max_select_index": (lambda m, a: Max.apply(a, axis=1, select="index"), lambda m, a: a.max(1).values),
    "min_select_index": (lambda m, a: Min.apply(a, axis=1, select="index"), lambda m, a: a.min(1).values),
    "multiclass_svm_loss": (  # PyTorch's multi_margin_loss divides by the number of classes
        lambda m, a: F(m).multiclass_svm_loss(a, _labels(m, len(a), 1), reduction="none"),
        lambda m, a: F(m).multi_margin_loss(a, _labels(m, len(a), 1), reduction="none") * a.shape[1],
    ),
}
WHOLE = {  # reductions of every element, over the special values (ties and NaN included)
    "max": (lambda m, a: a.max(), None),
    "min": (lambda m, a: a.min(), None),
    "max_select_all": (lambda m, a: Max.apply(a, select="all"), lambda m, a: a.max()),
    "min_select_all": (lambda m, a: Min.apply(a, select="all"), lambda m, a: a.min()),
}

SWEEP = (
    [pytest.param(Case(n, f, []), [SPECIAL], id=n) for n, f in UNARY.items()]
    + [pytest.param(Case(n, f, []), PAIRS, id=n) for n, f in BINARY.items()]
    + [pytest.param(Case(n, f, []), [ROWS], id=n) for n, f in BY_ROW.items()]
    + [
        pytest.param(Case(n, f, [], torch_f=t, twice=n != "multiclass_svm_loss"), [ROWS], id=n)
        for n, (f, t) in BY_ROW_SPELLED.items()  # PyTorch has no second derivative of multi_margin_loss
    ]
    + [pytest.param(Case(n, f, [], torch_f=t), [a], id=f"{n}-{i}") for n, (f, t) in WHOLE.items()
       for i, a in enumerate([SPECIAL, SPECIAL[1:], np.array([2.0, -1.0, 2.0])])]
)  # fmt: skip


@requires_torch
@pytest.mark.parametrize("case, arrays", SWEEP)
def test_special_values_match_torch(case, arrays):
    compare_with_torch(case, arrays)


@pytest.mark.parametrize("case, arrays", SWEEP)
def test_special_values_raise_nothing_and_keep_shapes(case, arrays):
    """Without torch too: every op runs on the special values and gives gradients of its inputs' shapes."""
    xs = [cr.tensor(a, dtype=cr.float64, requires_grad=True) for a in arrays]
    out = case.f(cr, *xs)
    grads = cr.autograd.grad(out, xs, grad_outputs=cr.ones_like(out), allow_unused=True)
    assert all(g is None or g.shape == x.shape for g, x in zip(grads, xs))


def _first_and_second(f, *arrays):
    """Value, gradients of sum(f), and gradients of the sum of those gradients (None → 0)."""
    xs = [cr.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out = f(*xs)
    w = cr.ones_like(out).requires_grad_()
    grads = cr.autograd.grad(out, xs, grad_outputs=w, create_graph=True, allow_unused=True)
    total = sum((g.sum() for g in grads if g is not None), (w * 0).sum())
    second = cr.autograd.grad(total, xs, allow_unused=True)
    as_array = lambda gs: [np.zeros(x.shape) if g is None else g.detach().numpy() for g, x in zip(gs, xs)]  # noqa: E731
    return out.detach().numpy(), as_array(grads), as_array(second)


def test_relu_passes_the_gradient_at_nan_and_abs_stops_it():
    _, (relu,), _ = _first_and_second(lambda x: x.relu(), [nan, 0.0, -1.0, 1.0, inf, -inf])
    np.testing.assert_array_equal(relu, [1, 0, 0, 1, 1, 0])  # torch: the gradient stops only where relu is 0
    _, (absolute,), _ = _first_and_second(lambda x: x.abs(), [nan, 0.0, -0.0, -1.0, inf, -inf])
    np.testing.assert_array_equal(absolute, [0, 0, 0, -1, 1, -1])  # torch: sign(nan) is 0


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_and_minimum_give_both_operands_the_gradient_at_nan(op):
    value, (ga, gb), _ = _first_and_second(getattr(cr, op), [nan, 1.0, nan, 2.0], [1.0, nan, nan, 2.0])
    np.testing.assert_array_equal(value, [nan, nan, nan, 2.0])
    np.testing.assert_array_equal(ga, [1, 1, 1, 0.5])  # an operand loses it only where it compares worse
    np.testing.assert_array_equal(gb, [1, 1, 1, 0.5])


def test_second_derivative_of_the_reciprocal_at_zero_is_signed_inf():
    _, (first,), (second,) = _first_and_second(lambda x: 1 / x, [0.0, -0.0, 2.0])
    np.testing.assert_array_equal(first, [-inf, -inf, -0.25])
    np.testing.assert_array_equal(second, [inf, -inf, 0.25])  # 2/x³, not inf·0 = nan
    assert cr.gradgradcheck(lambda x: 1 / x, [cr.tensor([0.5, -2.0], dtype=cr.float64, requires_grad=True)])


def test_sqrt_log_and_powers_at_zero():
    for f, value, first, second in [
        (lambda x: x.sqrt(), 0.0, inf, -inf),
        (lambda x: x**0.5, 0.0, inf, -inf),
        (lambda x: x.log(), -inf, inf, -inf),
        (lambda x: x**2, 0.0, 0.0, 2.0),
        (lambda x: x**1.5, 0.0, 0.0, inf),
        (lambda x: x**-1, inf, -inf, inf),
        (lambda x: x**0, 1.0, 0.0, 0.0),
    ]:
        v, (g,), (h,) = _first_and_second(f, [0.0])
        np.testing.assert_array_equal([v[0], g[0], h[0]], [value, first, second])
    value, (g,), _ = _first_and_second(lambda x: x**-0.5, [-0.0, -inf])  # PyTorch's rsqrt, not IEEE pow
    np.testing.assert_array_equal(value, [-inf, nan])


def test_the_exponents_gradient_where_the_base_is_zero():
    """0^y: the gradient in y is 0 for y ≥ 0; PyTorch's where() makes its second derivative nan there."""
    value, (first,), (second,) = _first_and_second(lambda y: 0.0**y, [0.0, 1.0, -1.0, 2.0])
    np.testing.assert_array_equal(value, [1.0, 0.0, inf, 0.0])
    np.testing.assert_array_equal(first, [0.0, 0.0, -inf, 0.0])
    np.testing.assert_array_equal(second, [nan, nan, inf, nan])


def test_clamp_passes_the_gradient_at_its_bounds_and_not_at_nan():
    value, (g,), _ = _first_and_second(lambda x: x.clamp(-1, 1), [-1.0, 1.0, 0.0, nan, 2.0, -2.0])
    np.testing.assert_array_equal(value, [-1, 1, 0, nan, 1, -1])
    np.testing.assert_array_equal(g, [1, 1, 1, 0, 0, 0])


def test_bce_gradient_in_the_target_is_minus_logit_p_unclamped():
    value, (gp, gt), _ = _first_and_second(
        lambda p, t: cr.nn.functional.binary_cross_entropy(p, t, reduction="sum"), [0.0, 1.0, 0.0, 1.0], [0, 1, 1, 0.0]
    )
    assert value == 200.0  # log clamped at −100 for the two wrong certainties
    np.testing.assert_array_equal(gt, [inf, -inf, inf, -inf])
    np.testing.assert_allclose(gp, [0.0, 0.0, -1e12, 1e12])  # (p − t) / max(p(1 − p), 1e-12)


def test_bce_with_logits_at_infinite_logits():
    value, (gx, gt), _ = _first_and_second(
        lambda x, t: cr.nn.functional.binary_cross_entropy_with_logits(x, t, reduction="none"),
        [inf, -inf, inf, -inf],
        [0.0, 1.0, 1.0, 0.0],
    )
    np.testing.assert_array_equal(value, [inf, nan, nan, nan])  # (1 − t)·x − log σ(x), as PyTorch computes it
    np.testing.assert_array_equal(gx, [1, -1, 0, 0])
    np.testing.assert_array_equal(gt, [-inf, inf, -inf, inf])


def test_binary_cross_entropy_refuses_nan_probabilities():
    with pytest.raises(ValueError, match=r"binary_cross_entropy: input must hold probabilities in \[0, 1\].*nan"):
        cr.nn.functional.binary_cross_entropy(cr.tensor([nan, 0.5]), cr.tensor([0.0, 1.0]))


def test_an_infinite_maximum_makes_the_softmax_row_nan():
    for f in (lambda x: x.softmax(0), lambda x: x.log_softmax(0)):
        value, (g,), _ = _first_and_second(f, [inf, 1.0])
        assert np.isnan(value).all() and np.isnan(g).all()
    value, (g,), _ = _first_and_second(lambda x: x.logsumexp(0), [inf, 1.0])  # logsumexp shifts ±inf by 0
    assert value == inf and np.isnan(g[0]) and g[1] == 0.0
    value, (g,), _ = _first_and_second(lambda x: x.log_softmax(0), [-inf, 0.0])  # −inf among finite: p = 0
    np.testing.assert_array_equal(value, [-inf, 0.0])


def test_cross_entropy_rows_with_infinite_logits():
    logits = [[inf, 1.0, 2.0], [-inf, 0.0, 1.0]]
    value, (g,), _ = _first_and_second(
        lambda x: cr.nn.functional.cross_entropy(x, cr.tensor([1, 0]), reduction="none"), logits
    )
    assert np.isnan(value[0]) and value[1] == inf
    assert np.isnan(g[0]).all()
    np.testing.assert_allclose(g[1], [-1.0, 1 / (1 + np.e), np.e / (1 + np.e)])


@pytest.mark.parametrize(
    "select, expected",
    [  # rows: a NaN among numbers, two NaNs, a tie
        ("equal", [[nan, nan, nan], [nan, nan, nan], [0.5, 0, 0.5]]),  # amax: a NaN result, NaN gradients
        ("all", [[0, 1, 0], [0.5, 0.5, 0], [0.5, 0, 0.5]]),  # max(): to the NaN elements
        ("index", [[0, 1, 0], [1, 0, 0], [1, 0, 0]]),  # max(dim): to the first extreme (NaN first) element
    ],
)
def test_the_three_forms_of_max_send_the_gradient_as_pytorch_does(select, expected):
    rows = [[1.0, nan, -3.0], [nan, nan, -3.0], [2.0, 0.0, 2.0]]
    for op, sign in ((Max, 1.0), (Min, -1.0)):
        grads = []
        for row in rows:
            _, (g,), _ = _first_and_second(lambda x, op=op: op.apply(x, axis=0, select=select), np.array(row) * sign)
            grads.append(g)
        np.testing.assert_array_equal(grads, expected)


def test_max_of_every_element_is_the_all_form_and_over_an_axis_the_equal_form():
    _, (g,), _ = _first_and_second(lambda x: x.max(), [[1.0, nan], [nan, 3.0]])
    np.testing.assert_array_equal(g, [[0, 0.5], [0.5, 0]])  # as torch.max()
    _, (g,), _ = _first_and_second(lambda x: x.min(axis=1), [[1.0, nan], [1.0, 1.0]])
    np.testing.assert_array_equal(g, [[nan, nan], [0.5, 0.5]])  # as torch.amin(dim)
    with pytest.raises(ValueError, match="max: select must be 'equal', 'all' or 'index'"):
        Max.apply(cr.ones(2, 2), axis=(0, 1), select="index")
