"""Backward-pass semantics: fan-out adds, .grad accumulates, clear errors, deep graphs, retain_grad."""

import sys

import numpy as np
import pytest

import chainrule as cr


def test_fan_out_gradients_add():
    x = cr.tensor(3.0, requires_grad=True)
    y = x * x + x.exp() * x  # x reaches the output along four paths
    y.backward()
    assert x.grad.item() == pytest.approx(2 * 3.0 + np.exp(3.0) * 4.0, rel=1e-6)


def test_same_tensor_twice_in_one_op():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    (x + x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_grad_accumulates_across_backward_calls_until_zeroed():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]
    x.grad.zero_()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_grad_is_a_tensor_owning_its_memory():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    x.sum().backward()
    g = x.grad
    assert isinstance(g, cr.Tensor) and not g.requires_grad
    g.data[0] = 100.0  # an optimizer scribbling on .grad must not corrupt anything shared
    x.sum().backward()
    assert x.grad.tolist() == [101.0, 2.0]


def test_non_scalar_backward_needs_gradient():
    y = cr.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(cr.BackwardError, match=r"one-element outputs.*shape \(2,\).*gradient="):
        y.backward()


def test_non_scalar_backward_with_gradient():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    (x * x).backward(cr.tensor([1.0, 10.0]))
    assert x.grad.tolist() == [2.0, 40.0]
    x.grad = None
    (x * x).backward([1.0, 1.0])  # array-likes are accepted too
    assert x.grad.tolist() == [2.0, 4.0]


def test_gradient_of_the_wrong_shape_is_a_shape_error():
    y = cr.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(cr.ShapeError, match=r"gradient of shape \(3,\).*output of shape \(2,\)"):
        y.backward(cr.ones(3))


def test_one_element_non_scalar_output_backward():
    x = cr.tensor([[2.0]], requires_grad=True)
    (x * 3).backward()
    assert x.grad.tolist() == [[3.0]]


def test_second_backward_after_freeing_is_a_clear_error():
    x = cr.tensor(2.0, requires_grad=True)
    y = x.exp() * x
    y.backward()
    with pytest.raises(cr.BackwardError, match="second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = cr.tensor(2.0, requires_grad=True)
    y = x.exp() * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == pytest.approx(2 * 3 * np.exp(2.0), rel=1e-6)


def test_backward_on_something_without_a_graph_is_a_clear_error():
    with pytest.raises(cr.BackwardError, match="does not require grad"):
        cr.tensor(1.0).backward()


def test_backward_on_an_int_tensor_is_a_clear_error():
    with pytest.raises(cr.BackwardError, match="does not require grad"):
        (cr.tensor([1, 2]) * 2).sum().backward()


def test_a_chain_of_100000_nodes_needs_no_recursion():
    limit = sys.getrecursionlimit()
    x = cr.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.backward()
    assert sys.getrecursionlimit() == limit
    assert x.grad.item() == 1.0 and y.item() == 100_001.0


def test_retain_grad_keeps_an_intermediate_gradient():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    assert h.grad.tolist() == [6.0, 12.0]
    assert x.grad.tolist() == [18.0, 36.0]


def test_intermediate_gradient_is_not_kept_without_retain_grad():
    x = cr.tensor([1.0], requires_grad=True)
    h = x * 3
    (h * h).sum().backward()
    assert h.grad is None


def test_retain_grad_on_a_tensor_without_grad_is_an_error():
    with pytest.raises(cr.BackwardError, match="does not require grad"):
        cr.tensor([1.0]).retain_grad()


def test_unused_inputs_get_no_grad():
    x = cr.tensor(1.0, requires_grad=True)
    unused = cr.tensor(1.0, requires_grad=True)
    (x * 2).backward()
    assert unused.grad is None


def test_create_graph_gives_differentiable_gradients():
    x = cr.tensor(2.0, dtype=cr.float64, requires_grad=True)
    y = x**3
    y.backward(create_graph=True)
    g = x.grad
    assert g.requires_grad and g.item() == pytest.approx(12.0)
    x.grad = None
    g.backward()
    assert x.grad.item() == pytest.approx(12.0)  # d(3x²)/dx = 6x


def test_gradient_through_a_constant_branch_stops():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * x.detach()
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 2.0]


def test_a_node_runs_after_all_its_consumers_even_across_long_paths_and_in_place_history():
    # The engine takes pending nodes newest first: a's node must wait for the 30-op chain and
    # for y's node, and the in-place add_ gives a a newer node that consumes the older one.
    x = cr.tensor(1.5, dtype="float64", requires_grad=True)
    a = x * 2
    y = a + a + a  # y = 6x (add saves nothing, so a may change in place afterwards)
    a.add_(1)  # a = 2x + 1, recorded out of place
    b = a
    for _ in range(30):
        b = b + 1  # b = 2x + 31
    z = y * b  # z = 12x² + 186x
    z.backward()
    assert x.grad.item() == 24 * 1.5 + 186


class _NoGradient(cr.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return None


def test_a_node_no_gradient_reaches_is_not_run():
    class Boom(cr.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 1

        @staticmethod
        def backward(ctx, g):
            raise AssertionError("ran without an incoming gradient")

    x = cr.tensor([1.0, 2.0], requires_grad=True)
    out = (_NoGradient.apply(Boom.apply(x)) + x).sum()  # _NoGradient passes no gradient back
    out.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])


def test_a_node_reached_only_by_none_is_still_freed():
    # As in PyTorch: exp's node is reached (with no gradient), so its saved output is freed.
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    _NoGradient.apply(h).sum().backward()
    assert x.grad is None
    with pytest.raises(cr.BackwardError, match="second time"):
        h.sum().backward()


def test_a_node_reached_by_none_and_by_a_gradient_gets_the_gradient():
    x = cr.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    h = x.exp()
    (_NoGradient.apply(h) + h * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.exp([1.0, 2.0]))


@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_accumulation_is_an_in_place_change_for_nodes_that_saved_the_grad(create_graph):
    # Adding into x.grad changes the tensor a later backward would read: refused, as in PyTorch,
    # never a silently wrong gradient.
    x = cr.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    (x**3).sum().backward(create_graph=create_graph)
    saved = x.grad
    z = (x * saved).sum()  # saves x.grad
    (x * 1).sum().backward()  # first order: accumulates into that same grad tensor
    x.grad = None
    with pytest.raises(cr.BackwardError, match="modified in place"):
        z.backward()


def test_double_backward_with_a_retained_intermediate_matches_pytorch():
    # Found by an adversarial review: the previous engine got this one wrong.
    torch = pytest.importorskip("torch")
    rs = np.random.RandomState(1)
    a = rs.uniform(-1.5, 1.5, (3, 4))
    weights = [rs.uniform(-1, 1, (3, 4)) for _ in range(4)]

    def run(make, grad):
        x = make(a, requires_grad=True)
        v = x.T.T
        h = x.tanh()
        p3 = h * x
        p4 = v * p3
        p3.retain_grad()
        loss = sum((o * make(w)).sum() for o, w in zip([v, h, p3, p4], weights))
        (g,) = grad(loss, [x], create_graph=True)
        (g * g).sum().backward()
        return x.grad.detach().numpy()

    ours = run(cr.tensor, cr.autograd.grad)
    theirs = run(torch.tensor, torch.autograd.grad)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)


@pytest.mark.parametrize("create_graph", [False, True])
def test_a_training_step_leaves_no_reference_cycles(create_graph):
    """Forward, backward and update free everything by reference counting: nothing waits for the
    garbage collector (which would keep a step's arrays alive, and run more often, for nothing)."""
    import gc

    w = cr.randn(4, 3, requires_grad=True)
    b = cr.zeros(3, requires_grad=True)
    x = cr.randn(5, 4)
    y = cr.tensor([0, 1, 2, 0, 1])
    gc.collect()
    gc.disable()
    try:
        loss = cr.nn.functional.cross_entropy((x @ w + b).sigmoid(), y)
        loss.backward(create_graph=create_graph)
        with cr.no_grad():
            w.sub_(w.grad, alpha=0.1)
        grads = cr.autograd.grad([(w * w).sum()], [w])
        del loss, grads
        w.grad = b.grad = None  # with create_graph the grads hold their graph
        assert gc.collect() == 0
    finally:
        gc.enable()
