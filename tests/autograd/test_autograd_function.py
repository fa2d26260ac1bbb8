"""Custom operations written like PyTorch's torch.autograd.Function."""

import re

import numpy as np
import pytest

import chainrule as cr


def _x(data):
    return cr.tensor(data, dtype=cr.float64, requires_grad=True)


class Cube(cr.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x**2


class ScaledAdd(cr.Function):
    """a + k * b, with a non-tensor parameter k and the needs_input_grad flags."""

    @staticmethod
    def forward(ctx, a, b, k):
        ctx.k = k
        ctx.seen_needs = ctx.needs_input_grad
        return a + b * k

    @staticmethod
    def backward(ctx, g):
        return (g if ctx.needs_input_grad[0] else None), (g * ctx.k if ctx.needs_input_grad[1] else None), None


class SplitSquares(cr.Function):
    """Two outputs: x² and x³."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x, x * x * x

    @staticmethod
    def backward(ctx, g_sq, g_cube):
        (x,) = ctx.saved_tensors
        return g_sq * 2 * x + g_cube * 3 * x * x


def test_custom_function_forward_backward_and_gradcheck():
    x = _x([0.5, -2.0])
    y = Cube.apply(x)
    assert y.grad_fn.name == "Cube" and isinstance(y.grad_fn, Cube)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.75, 12.0])
    assert cr.gradcheck(Cube.apply, [x])
    assert cr.gradgradcheck(Cube.apply, [x])  # its backward is made of differentiable ops


def test_forward_runs_without_recording():
    seen = {}

    class Probe(cr.Function):
        @staticmethod
        def forward(ctx, x):
            inner = x * 2
            seen["grad_fn"] = inner.grad_fn
            seen["enabled"] = cr.is_grad_enabled()
            return inner

        @staticmethod
        def backward(ctx, g):
            return g * 2

    Probe.apply(_x([1.0]))
    assert seen == {"grad_fn": None, "enabled": False}
    assert cr.is_grad_enabled()


def test_needs_input_grad_and_none_gradients():
    a, b = _x([1.0, 2.0]), cr.tensor([3.0, 4.0], dtype=cr.float64)
    y = ScaledAdd.apply(a, b, 10.0)
    assert y.grad_fn.seen_needs == (True, False, False)
    y.sum().backward()
    assert a.grad.tolist() == [1.0, 1.0] and b.grad is None
    assert cr.gradcheck(lambda p, q: ScaledAdd.apply(p, q, 10.0), [a, _x([3.0, 4.0])])


def test_multiple_outputs():
    x = _x([1.0, 2.0])
    sq, cube = SplitSquares.apply(x)
    (sq.sum() + cube.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 + 3, 4 + 12])
    x.grad = None
    sq, cube = SplitSquares.apply(x)
    cube.sum().backward()  # the unused output's gradient arrives as zeros
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])
    assert cr.gradcheck(lambda t: SplitSquares.apply(t)[0] + SplitSquares.apply(t)[1], [x])


def test_no_graph_without_inputs_requiring_grad_or_under_no_grad():
    assert Cube.apply(cr.tensor([2.0])).grad_fn is None
    with cr.no_grad():
        assert Cube.apply(_x([2.0])).grad_fn is None


def test_wrong_number_of_gradients_is_a_clear_error():
    class TooFew(cr.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(cr.BackwardError, match=r"TooFew.backward returned 1 gradient\(s\).*2 input\(s\)"):
        TooFew.apply(_x([1.0]), _x([2.0])).sum().backward()


@pytest.mark.parametrize(("returned", "given"), [((5,), (2,)), ((3,), (1, 3)), ((), (1,))])
def test_gradient_of_the_wrong_shape_is_a_clear_error(returned, given):
    class BadShape(cr.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return cr.ones(returned, dtype=cr.float64)

    message = rf"BadShape.backward returned a gradient of shape {re.escape(str(returned))} for an input of shape "
    with pytest.raises(cr.BackwardError, match=message + re.escape(str(given))):
        BadShape.apply(cr.ones(given, dtype=cr.float64, requires_grad=True)).sum().backward()


def test_forward_must_return_tensors():
    class ReturnsArray(cr.Function):
        @staticmethod
        def forward(ctx, a):
            return a._data * 2

    with pytest.raises(TypeError, match="ReturnsArray.forward must return Tensors, got ndarray"):
        ReturnsArray.apply(_x([1.0]))


def test_save_for_backward_takes_tensors_only():
    class SavesArray(cr.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a._data)
            return a

    with pytest.raises(TypeError, match="save_for_backward takes Tensors or None, got ndarray"):
        SavesArray.apply(_x([1.0]))


def test_saved_tensors_after_the_graph_was_freed_is_a_clear_error():
    x = _x([1.0])
    y = Cube.apply(x).sum()
    y.backward()
    with pytest.raises(cr.BackwardError, match="second time"):
        y.backward()


def test_a_subclass_with_its_own_backward_is_not_shadowed_by_an_inherited_array_rule():
    from chainrule.ops.elementwise import Mul

    class Hundredfold(Mul):
        @staticmethod
        def backward(ctx, g):
            return g * 100, None

    x = cr.tensor([1.0, -1.0], requires_grad=True)
    Hundredfold.apply(x, 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [100.0, 100.0])


def test_an_array_rule_must_return_one_gradient_per_input():
    from chainrule.ops.elementwise import Add

    class Half(Add):
        @staticmethod
        def array_backward(ctx, g):
            return (g,)

    a, b = cr.tensor([1.0], requires_grad=True), cr.tensor([2.0], requires_grad=True)
    with pytest.raises(cr.BackwardError, match=r"returned 1 gradient\(s\), but forward took 2 input\(s\)"):
        Half.apply(a, b).sum().backward()


def test_a_leaf_gradient_never_shares_memory_with_what_a_custom_rule_returned():
    class Keep(cr.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x * 1.0)
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            (kept,) = ctx.saved_tensors
            ctx.kept = kept
            return kept

    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = Keep.apply(x)
    y.backward(cr.ones(2))
    assert not np.shares_memory(x.grad.numpy(), y.grad_fn.kept.numpy())
