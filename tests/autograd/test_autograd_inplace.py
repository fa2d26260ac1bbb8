"""In-place ops and version counters: never a silently wrong gradient."""

import numpy as np
import pytest

import chainrule as cr


def test_modifying_a_saved_tensor_then_backward_names_op_shape_and_versions():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 2
    y = h.exp()  # Exp saves its output ...
    y.mul_(3)  # ... which is modified here (version 0 -> 1)
    with pytest.raises(cr.BackwardError, match=r"Exp: a tensor of shape \(3,\).*saved at version 0, now at version 1"):
        y.sum().backward()


def test_modifying_a_saved_input_is_detected():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    h = x + 0
    y = h * h  # Mul saves h
    with cr.no_grad():
        h.add_(1.0)
    with pytest.raises(cr.BackwardError, match=r"Mul: .*shape \(2,\).*version 0, now at version 1"):
        y.sum().backward()


def test_saved_tensor_in_a_custom_function_is_guarded():
    class Square(cr.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * g * x

    a = cr.tensor([1.0, 2.0], requires_grad=True)
    h = a * 1
    y = Square.apply(h)
    with cr.no_grad():
        h.zero_()
    with pytest.raises(cr.BackwardError, match=r"Square: .*\(2,\).*version 0, now at version 1"):
        y.sum().backward()


def test_in_place_on_a_leaf_requiring_grad_is_an_error():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    for action in (lambda: w.add_(1.0), lambda: w.mul_(2.0), lambda: w.zero_(), lambda: w.__setitem__(0, 5.0)):
        with pytest.raises(cr.BackwardError, match=r"leaf tensor of shape \(2,\) that requires grad.*no_grad"):
            action()
    assert w.tolist() == [1.0, 2.0]


def test_optimizer_style_update_under_no_grad():
    p = cr.tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()
    data = p._data
    with cr.no_grad():
        p.sub_(0.1 * p.grad)
    assert p._data is data  # really in place
    np.testing.assert_allclose(p.numpy() if not p.requires_grad else p.detach().numpy(), [0.8, 1.6])
    assert p.is_leaf and p.requires_grad and p._version == 1


def test_all_in_place_methods_under_no_grad():
    t = cr.tensor([1.0, 2.0, 3.0])
    t.add_(1.0)
    t.sub_(cr.tensor([1.0, 1.0, 1.0]), alpha=2)
    t.mul_(4)
    t.div_(2)
    assert t.tolist() == [0.0, 2.0, 4.0]
    t.clamp_(1.0, 3.0)
    assert t.tolist() == [1.0, 2.0, 3.0]
    t.copy_(cr.tensor([7.0]))
    assert t.tolist() == [7.0, 7.0, 7.0]
    t.fill_(2.0)
    t[1] = 5.0
    assert t.tolist() == [2.0, 5.0, 2.0]
    t.zero_()
    assert t.tolist() == [0.0, 0.0, 0.0] and t._version == 9


def test_augmented_assignment_is_in_place():
    t = cr.tensor([1.0, 2.0])
    original = t
    t += 1
    t -= cr.tensor([0.5, 0.5])
    t *= 2
    t /= 3
    assert t is original
    np.testing.assert_allclose(t.numpy(), [1.0, 5 / 3])


def test_in_place_on_a_non_leaf_is_recorded():
    x = cr.tensor([1.0, 2.0], dtype=cr.float64, requires_grad=True)

    def f(x):
        h = x * 1.0
        h += x * x
        h *= 3
        h[0] = x[1] * 2
        h.clamp_(max=100.0)
        return h

    assert cr.gradcheck(f, [x])
    f(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 2 + 3 * (1 + 2 * 2)])


def test_earlier_consumers_keep_the_old_value_of_a_tensor_modified_in_place():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    a = h + 1  # Add saves nothing, so no version check can catch a rewired edge
    h *= 3
    a.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]  # today: [3.0, 3.0], silently wrong


def test_setitem_with_a_value_read_from_the_same_tensor():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    h[0] = h[1] * 2  # the Index node's input h now points at the SetItem node: a loop
    h.sum().backward()
    assert x.grad is not None and x.grad.tolist() == [0.0, 3.0]


def test_detach_shares_the_version_counter():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    with cr.no_grad():
        y.detach().mul_(2)
    with pytest.raises(cr.BackwardError, match="Exp: .*version"):
        y.sum().backward()


def test_in_place_shape_and_dtype_errors():
    t = cr.tensor([1.0, 2.0])
    with pytest.raises(cr.ShapeError, match=r"add_: .*shape \(3,\).*\(2,\)"):
        t.add_(cr.ones(3))
    i = cr.tensor([1, 2])
    with pytest.raises(cr.DTypeError, match="div_: .*int64"):
        i.div_(2)


def test_in_place_on_a_broadcast_view_asks_for_clone():
    t = cr.tensor([1.0, 2.0]).expand(3, 2)
    with pytest.raises(ValueError, match="read-only.*clone"):
        t.add_(1.0)
