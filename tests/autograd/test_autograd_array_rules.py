"""Ops with a first-order ``array_backward`` rule: it must agree with their Tensor rule ``backward``.

A plain ``backward()`` runs the array rules; ``create_graph=True`` runs the Tensor rules. CASES
lists expressions; the census below finds every op class with an array rule by itself and checks
that some case's graph reaches it, so adding an op with an array rule means adding a case here
(every public op is also checked on both rules by the op factory, tests/oracle).
"""

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule.autograd.function import Function
from chainrule.ops.activation import Sigmoid
from chainrule.ops.linalg import Linear, MatMul
from helpers.image_cases import CASES as IMAGE_CASES

LABELS = np.array([2, 0, 1])

CASES = [
    (lambda a, b: a + b, [(3, 4), (4,)]), (lambda a, b: a + b, [(2, 1, 3), (4, 3)]),
    (lambda a, b: a + b, [(), (3,)]), (lambda a: 1.5 + a, [(2, 2)]),
    (lambda a, b: a - b, [(3, 4), (3, 1)]), (lambda a: 2.0 - a, [(3,)]), (lambda a: a - 2.0, [()]),
    (lambda a: -a, [(2, 3)]), (lambda a: -a, [()]),
    (lambda a, b: a * b, [(3, 4), (4,)]), (lambda a, b: a * b, [(), ()]), (lambda a: a * 2.5, [(2, 1)]),
    (lambda a: a.exp(), [(3, 2)]), (lambda a: a.exp(), [()]),
    (lambda a, b: a @ b, [(3, 4), (4, 5)]),
    (lambda a, b: a @ b, [(4,), (4, 5)]),
    (lambda a, b: a @ b, [(3, 4), (4,)]),
    (lambda a, b: a @ b, [(4,), (4,)]),
    (lambda a, b: a @ b, [(2, 3, 4), (4, 5)]),
    (lambda a, b: a @ b, [(2, 1, 3, 4), (3, 4, 2)]),
    (lambda x, w: F.linear(x, w), [(3, 4), (5, 4)]),
    (lambda a, b: MatMul.apply(a, b, ta=True), [(4, 3), (4, 5)]),
    (lambda a, b: MatMul.apply(a, b, ta=True, tb=True), [(2, 4, 3), (5, 4)]),
    (lambda x, w, b: F.linear(x, w, b), [(3, 4), (5, 4), (5,)]),
    (lambda x, w, b: F.linear(x, w, b), [(2, 3, 4), (5, 4), (5,)]),
    (lambda x, w: F.linear(x, w, cr.ones(5, dtype=x.dtype)), [(3, 4), (5, 4)]),
    (lambda a: a.repeat(2, 1), [(2, 3)]), (lambda a: a.cumsum(1), [(2, 3)]),
    (lambda a, lo, hi: a.clamp(lo, hi), [(2, 3), (3,), (2, 1)]),
    (lambda x, w, b: F.layer_norm(x, (3,), w, b), [(2, 3), (3,), (3,)]),
    (lambda x, w, b: F.linear(x, w, b), [(4,), (5, 4), (5,)]),  # one sample: x a vector
    (lambda x, w, b: F.linear(x, w, b), [(3, 4), (5, 4), (1,)]),  # one bias shared by the outputs
    (lambda a: a.sigmoid(), [(3, 4)]), (lambda a: a.sigmoid(), [()]),
    (lambda a: a.tanh(), [(3, 4)]), (lambda a: a.tanh(), [()]),
    (lambda a: a.relu(), [(3, 4)]), (lambda a: a.relu(), [()]),
    *[(lambda a, r=r: F.cross_entropy(a, LABELS, reduction=r), [(3, 4)]) for r in ("mean", "sum", "none")],
    (lambda a, b: a % b, [(3, 4), (4,)]), (lambda a, b: a.fmod(b), [(3, 4), (3, 1)]), (lambda a: 2.5 % a, [(3,)]),
    (lambda a: (a * 0.5).log1p(), [(3, 4)]), (lambda a: a.expm1(), [(3, 4)]),
]  # fmt: skip


def _subclasses(cls: type) -> set:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def _ops_with_array_rules() -> set:
    return {c for c in _subclasses(Function) if c.__module__.startswith("chainrule.") and c.array_backward}


def _reached(f, shapes: list) -> set:
    """The op classes in the graph of one case."""
    visited, types, stack = set(), set(), [f(*_inputs(shapes, seed=0)).grad_fn]
    while stack:
        node = stack.pop()
        if isinstance(node, Function) and id(node) not in visited:  # (leaves end in AccumulateGrad nodes)
            visited.add(id(node))
            types.add(type(node))
            stack.extend(e[0] for e in node.edges if e is not None)
    return types


def test_every_op_with_an_array_rule_is_reached_by_a_case():
    """The cases here, and the image ops' (tests/conv checks their rules on the same list)."""
    reached = set().union(*(_reached(f, shapes) for f, shapes in CASES + IMAGE_CASES))
    missing = {c.__name__ for c in _ops_with_array_rules() - reached}
    assert not missing, f"ops with an array rule but no case here: {sorted(missing)}"


def _inputs(shapes: list, seed: int) -> list:
    rng = np.random.default_rng(seed)
    # Away from relu's kink at 0, so that both rules see the same side of it.
    return [cr.tensor(rng.uniform(0.2, 1.5, s) * rng.choice([-1.0, 1.0], s), requires_grad=True) for s in shapes]


@pytest.mark.parametrize(("f", "shapes"), CASES)
def test_the_array_rule_agrees_with_the_tensor_rule_and_with_finite_differences(f, shapes):
    xs = _inputs(shapes, seed=len(shapes))
    out = f(*xs)
    upstream = cr.tensor(np.random.default_rng(7).standard_normal(out.shape))
    out.backward(upstream)  # first order: the array rules
    by_arrays = [x.grad.numpy() for x in xs]
    by_tensors = cr.autograd.grad(f(*xs), xs, upstream, create_graph=True)  # the Tensor rules, recorded
    for x, a, t in zip(xs, by_arrays, by_tensors, strict=True):
        assert a.shape == x.shape and a.dtype == x.dtype
        np.testing.assert_allclose(a, t.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert cr.gradcheck(lambda *ts: (f(*ts) * upstream).sum(), xs)


def _exact_cases() -> list:
    """The cases whose graph holds an op that promises exact array gradients (found, not listed)."""
    return [(f, s) for f, s in CASES if any(c.exact_array_grads for c in _reached(f, s))]


def test_some_ops_promise_exact_array_gradients():
    """The engine does not check these rules' shapes and dtypes: each promise is tested below."""
    assert {c.__name__ for c in _ops_with_array_rules() if c.exact_array_grads} >= {"Linear", "Sigmoid"}


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize(("f", "shapes"), _exact_cases())
def test_exact_rules_keep_every_input_shape_and_dtype(f, shapes, dtype):
    xs = [cr.tensor(x.detach().numpy().astype(dtype), requires_grad=True) for x in _inputs(shapes, seed=2)]
    out = f(*xs)
    out.backward(cr.ones_like(out))
    for x in xs:
        assert type(x.grad._data) is np.ndarray and x.grad.shape == x.shape and x.grad.dtype == x.dtype


def test_overriding_an_exact_rule_withdraws_the_promise():
    class Doubled(Sigmoid):
        @staticmethod
        def array_backward(ctx, g):
            return (g[:1],)  # a shape that does not fit: the engine must check it again

    assert Sigmoid.exact_array_grads and not Doubled.exact_array_grads
    x = cr.tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(cr.BackwardError, match="shape"):
        Doubled.apply(x).sum().backward()


def test_the_fused_linear_op_takes_one_dtype_and_names_sizes_that_do_not_fit():
    x, w, b = (cr.ones(*s, requires_grad=True) for s in [(2, 3), (4, 3), (4,)])
    assert type(F.linear(x, w, b).grad_fn) is Linear
    with pytest.raises(cr.DTypeError, match="linear: the bias has dtype float64 but the weight has float32"):
        F.linear(x, w, cr.ones(4, dtype=cr.float64, requires_grad=True))  # as PyTorch: no silent promotion
    with pytest.raises(cr.ShapeError, match=r"linear: input \(2, 3\), weight \(4, 2\).*last size 3 must equal"):
        F.linear(x, cr.ones(4, 2), b)
    with pytest.raises(cr.ShapeError, match=r"linear: .*bias \(3,\): the bias must have out_features = 4"):
        F.linear(x, w, cr.ones(3))
    with pytest.raises(cr.ShapeError, match="linear: input \\(\\), .*at least one dimension"):
        F.linear(cr.tensor(1.0), w, b)


@pytest.mark.parametrize("shapes", [[(3,), (0, 3), (0,)], [(0,), (4, 0), (4,)], [(3,), (0, 3), (1,)],
                                    [(2, 5, 3), (0, 3), (0,)], [(0, 3), (4, 3), (4,)]])
def test_the_fused_linear_op_takes_empty_sizes(shapes):
    xs = [cr.ones(*s, requires_grad=True) for s in shapes]
    F.linear(*xs).sum().backward()
    ys = [cr.ones(*s, requires_grad=True) for s in shapes]
    (ys[0] @ ys[1].mT + ys[2]).sum().backward()  # the same sum as two ops
    for x, y in zip(xs, ys, strict=True):
        assert x.grad.shape == x.shape
        np.testing.assert_array_equal(x.grad.numpy(), y.grad.numpy())


def test_a_subclass_with_its_own_forward_makes_no_promise():
    from chainrule.ops.activation import Relu

    class Relu64(Relu):  # its output is float64 whatever the input: its gradients too
        @staticmethod
        def forward(ctx, a):
            return np.maximum(a, 0).astype(np.float64)

    assert not Relu64.exact_array_grads
    x = cr.tensor(np.array([[-1.0, 2.0]], np.float32), requires_grad=True)
    (Relu64.apply(x) * 2).sum().backward()  # passes through another node: checked there
    assert x.grad.dtype == cr.float32


def test_gradients_bound_for_leaves_are_always_checked():
    """Even from exact rules: a leaf whose data changed shape, byte order or dtype since the forward."""
    x = cr.tensor(np.ones((2, 3)), requires_grad=True)
    y = x.sigmoid()
    x._data = np.zeros(5)  # ._data bypasses autograd: the gradient no longer fits
    with pytest.raises(cr.BackwardError, match=r"shape \(2, 3\) for an input of shape \(5,\)"):
        y.sum().backward()
    swapped = cr.tensor(np.linspace(-1, 1, 6).astype(">f4").reshape(2, 3), requires_grad=True)
    swapped.sigmoid().sum().backward()  # NumPy computes in native byte order; .grad keeps the leaf's
    assert swapped.grad.dtype == np.dtype(">f4")
    x, w, b = cr.ones(2, 3, requires_grad=True), *(cr.ones(*s, dtype=cr.float64, requires_grad=True)
                                                   for s in [(4, 3), (4,)])
    Linear.apply(x, w, b).sum().backward()  # the op called directly with two dtypes
    assert (x.grad.dtype, w.grad.dtype) == (cr.float32, cr.float64)


def test_a_retained_graph_gives_the_same_gradients_twice():
    """The array rules must not consume what they saved (cross-entropy reuses its softmax)."""
    (x,) = _inputs([(3, 4)], seed=1)
    loss = F.cross_entropy(x.sigmoid() * 2.0, LABELS)
    loss.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    x.grad = None
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), first)


def test_the_fused_linear_op_is_twice_differentiable():
    xs = _inputs([(3, 4), (5, 4), (5,)], seed=3)
    assert cr.gradgradcheck(lambda x, w, b: F.linear(x, w, b).sigmoid().sum(), xs)


class _MetadataGradient(Function):
    """Doubles its input; its array rule returns a dtype equal to the input's, yet another dtype object."""

    DTYPE = np.dtype(np.float64, metadata={"note": "equal to float64, not the same object"})

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * 2

    @staticmethod
    def array_backward(ctx, g):
        return (g * 2).astype(_MetadataGradient.DTYPE)


def test_a_gradient_of_an_equal_but_distinct_dtype_is_accepted_unchanged():
    assert _MetadataGradient.DTYPE == np.float64 and _MetadataGradient.DTYPE is not np.dtype(np.float64)
    w = cr.tensor(np.arange(3.0), requires_grad=True)
    (_MetadataGradient.apply(w) * w).sum().backward()  # its gradient meets the product's at w
    np.testing.assert_array_equal(w.grad.numpy(), 2 * np.arange(3.0) + 2 * np.arange(3.0))
