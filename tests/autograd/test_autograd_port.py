"""PyTorch's spellings of the gradient switches and of autograd's functions, run side by side with torch's."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import BackwardError
from helpers.oracle import requires_torch, torch


@pytest.fixture(autouse=True)
def recording_restored():
    """Each test starts and ends with recording on, as a switched-off test would break the next ones."""
    yield
    cr.set_grad_enabled(True)
    if torch is not None:
        torch.set_grad_enabled(True)


def records(m, x) -> bool:
    return (x * 2).requires_grad


def switch_sequence(m) -> list:
    """What recording looks like after each of PyTorch's ways to use set_grad_enabled."""
    x = m.ones(2, requires_grad=True)
    seen = []
    m.set_grad_enabled(False)  # a plain call switches at once
    seen += [records(m, x), m.is_grad_enabled()]
    m.set_grad_enabled(True)
    seen.append(records(m, x))
    with m.set_grad_enabled(False):
        seen.append(records(m, x))
    seen.append(records(m, x))

    @m.set_grad_enabled(False)
    def inside():
        return records(m, x)

    seen += [m.is_grad_enabled(), inside(), m.is_grad_enabled()]  # decorating alone switches nothing
    with m.no_grad():
        with m.set_grad_enabled(True):
            seen.append(records(m, x))
        seen.append(records(m, x))
    return seen


def test_set_grad_enabled_switches_when_called():
    assert switch_sequence(cr) == [False, False, True, False, True, True, False, True, True, False]


@requires_torch
def test_set_grad_enabled_as_torch():
    assert switch_sequence(cr) == switch_sequence(torch)


def generator_sequence(m) -> list:
    """A generator decorated with no_grad: its body runs without recording, the caller's code with."""
    x = m.ones(2, requires_grad=True)

    @m.no_grad()
    def numbers():
        got = yield records(m, x)
        yield got, records(m, x)
        try:
            yield "waiting"
        except KeyError:
            yield "caught", records(m, x)
        return "done"

    gen = numbers()
    seen = [next(gen), records(m, x)]
    seen += [gen.send("sent"), next(gen), gen.throw(KeyError("k"))]
    with pytest.raises(StopIteration) as stop:
        next(gen)
    return [*seen, stop.value.value]


def test_no_grad_covers_a_generator_body():
    assert generator_sequence(cr) == [False, True, ("sent", False), "waiting", ("caught", False), "done"]


@requires_torch
def test_no_grad_generator_as_torch():
    assert generator_sequence(cr) == generator_sequence(torch)


def test_a_generator_closed_early_leaves_recording_as_it_was():
    @cr.no_grad
    def forever():
        while True:
            yield cr.is_grad_enabled()

    gen = forever()
    assert next(gen) is False and cr.is_grad_enabled()
    gen.close()
    assert cr.is_grad_enabled()


def sort_function(m):
    """A Function with two outputs, the sorted values and their (non-differentiable) positions as floats."""

    class Sort(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            order = np.argsort(x.detach().numpy(), kind="stable")
            values, where = m.tensor(x.detach().numpy()[order]), m.tensor(order.astype(np.float64))
            ctx.mark_non_differentiable(where)
            ctx.order = order
            return values, where

        @staticmethod
        def backward(ctx, g_values, g_where):
            assert not g_where.numpy().any()  # zeros for the marked output
            g = np.zeros(len(ctx.order))
            g[ctx.order] = g_values.numpy()
            return m.tensor(g)

    x = m.tensor([3.0, 1.0, 2.0], dtype=m.float64, requires_grad=True)
    values, where = Sort.apply(x)
    (values * m.tensor([1.0, 10.0, 100.0], dtype=m.float64)).sum().backward()
    return values.requires_grad, where.requires_grad, where.grad_fn is None, x.grad.numpy().tolist()


def test_mark_non_differentiable():
    assert sort_function(cr) == (True, False, True, [100.0, 1.0, 10.0])


@requires_torch
def test_mark_non_differentiable_as_torch():
    assert sort_function(cr) == sort_function(torch)


def test_mark_non_differentiable_takes_tensors():
    class Bad(cr.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_non_differentiable(x.numpy())
            return x

    with pytest.raises(TypeError, match="mark_non_differentiable takes the Tensors forward returns, got ndarray"):
        Bad.apply(cr.ones(2))


def backward_calls(m) -> list:
    a = m.tensor([1.0, 2.0], requires_grad=True)
    b = m.tensor([3.0, 4.0], requires_grad=True)
    h = a * b
    h.retain_grad()
    y = (h * h).sum()
    m.autograd.backward(y, inputs=[a], retain_graph=True)  # a's .grad (and the retained h's, as PyTorch), not b's
    seen = [a.grad.tolist(), b.grad, h.grad.tolist()]
    m.autograd.backward([y], inputs=[a, h], retain_graph=True)  # an inner tensor too; a's adds up
    seen += [a.grad.tolist(), b.grad, h.grad.tolist()]
    m.autograd.backward([y * 2, h], grad_tensors=[None, m.ones(2)], retain_graph=True)
    seen += [a.grad.tolist(), b.grad.tolist()]
    y.backward(inputs=[b])  # the method's spelling
    return [*seen, a.grad.tolist(), b.grad.tolist()]


def test_autograd_backward():
    # y = Σ (ab)²: dy/da = 2ab·b = [18, 64], dy/dh = 2h = [6, 16]; the last call adds 2·dy/da + b to a's
    # [36, 128] and gives b its first gradient, 2·dy/db + a = 4a²b + a
    assert backward_calls(cr) == [[18.0, 64.0], None, [6.0, 16.0], [36.0, 128.0], None, [12.0, 32.0],
                                  [75.0, 260.0], [13.0, 66.0], [75.0, 260.0], [19.0, 98.0]]  # fmt: skip


@requires_torch
def test_autograd_backward_as_torch():
    assert backward_calls(cr) == backward_calls(torch)


def test_autograd_backward_refuses_bad_inputs():
    x = cr.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match=r"backward: 1 tensor\(s\) but 2 grad_tensors"):
        cr.autograd.backward(x * 2, grad_tensors=[cr.ones(2), cr.ones(2)])
    with pytest.raises(BackwardError, match=r"backward: inputs\[0\] must be a Tensor that requires grad"):
        cr.autograd.backward((x * 2).sum(), inputs=[cr.ones(2)])
    with pytest.raises(ValueError, match="inputs= must name at least one tensor"):
        cr.autograd.backward((x * 2).sum(), inputs=[])


def test_pytorch_homes_of_gradcheck_and_anomaly_detection():
    assert cr.autograd.gradcheck is cr.gradcheck and cr.autograd.gradgradcheck is cr.gradgradcheck
    x = cr.tensor([0.0], requires_grad=True)
    cr.autograd.set_detect_anomaly(True)
    try:
        with pytest.raises(cr.AnomalyError):
            (x / x).sum()
    finally:
        cr.autograd.set_detect_anomaly(False)
    assert np.isnan((x / x).detach().numpy()).all()  # switched off again: NaN passes unremarked
