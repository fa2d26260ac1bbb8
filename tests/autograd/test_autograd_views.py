"""Views share their base's memory and version counter; in-place ops on a view write through (as PyTorch).

PyTorch 2.13 is the oracle where installed; every case also checks numbers derived by hand.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed: oracle comparison skipped")

# Each view: a maker written with names both libraries share, and the same view in NumPy's spelling.
VIEWS = {
    "slice": (lambda b: b[1:3], lambda a: a[1:3]),
    "step slice": (lambda b: b[::2], lambda a: a[::2]),
    "int index": (lambda b: b[1], lambda a: a[1, ...]),  # NumPy's a[1] is a scalar copy
    "reshape": (lambda b: b.reshape(2, 2), lambda a: a.reshape(2, 2)),
    "view": (lambda b: b.view(2, 2), lambda a: a.reshape(2, 2)),
    "flatten of a reshape": (lambda b: b.reshape(2, 2).flatten(), lambda a: a.reshape(2, 2).reshape(-1)),
    "T of a reshape": (lambda b: b.reshape(2, 2).T, lambda a: a.reshape(2, 2).T),
    "transpose": (lambda b: b.reshape(2, 2).transpose(0, 1), lambda a: a.reshape(2, 2).swapaxes(0, 1)),
    "permute": (lambda b: b.reshape(2, 1, 2).permute(2, 1, 0), lambda a: a.reshape(2, 1, 2).transpose(2, 1, 0)),
    "unsqueeze": (lambda b: b.unsqueeze(0), lambda a: a[None]),
    "view of a view": (lambda b: b.reshape(2, 2)[1][1:], lambda a: a.reshape(2, 2)[1][1:]),
    "row of a transpose": (lambda b: b.reshape(2, 2).T[0], lambda a: a.reshape(2, 2).T[0]),
}

# In-place updates, each with an operand that requires grad (y) or a constant.
UPDATES = {
    "mul_ const": lambda v, y: v.mul_(10),
    "add_ y": lambda v, y: v.add_(y.sum()),
    "sub_ y alpha": lambda v, y: v.sub_(y.sum(), alpha=2),
    "mul_ y": lambda v, y: v.mul_(y.sum()),
    "div_ y": lambda v, y: v.div_(y.sum()),
    "clamp_": lambda v, y: v.clamp_(0.5, 2.5),
    "copy_ y": lambda v, y: v.copy_(y.sum() * 2),
    "fill_": lambda v, y: v.fill_(7.0),
    "zero_": lambda v, y: v.zero_(),
    "iadd": lambda v, y: v.__iadd__(y.sum()),
    "imul": lambda v, y: v.__imul__(3.0),
    "setitem y": lambda v, y: v.__setitem__(..., y.sum()),
}


def _run(lib, make_view, update, x0, y0):
    """The values of the base after the update, and the gradients of x and y."""
    x = lib.tensor(x0, dtype=lib.float64, requires_grad=True)
    y = lib.tensor(y0, dtype=lib.float64, requires_grad=True)
    b = x * 1
    update(make_view(b), y)
    (b**2 * lib.tensor([1.0, 2.0, 3.0, 4.0], dtype=lib.float64)).sum().backward()
    grad_y = None if y.grad is None else y.grad.numpy()
    return b.detach().numpy(), x.grad.numpy(), grad_y


def test_the_issue_example_writes_through_with_pytorch_gradients():
    x = cr.tensor([0.0, 1.0, 2.0, 3.0], requires_grad=True)
    b = x * 1
    b[1:3].mul_(10)
    (b**2).sum().backward()
    np.testing.assert_array_equal(b.detach().numpy(), [0, 10, 20, 3])
    # b = x * [1, 10, 10, 1], so d/dx sum(b²) = 2 b * [1, 10, 10, 1]
    np.testing.assert_array_equal(x.grad.numpy(), [0, 200, 400, 6])
    assert b.grad_fn is not None and b._version == 1


@pytest.mark.parametrize("view_name", list(VIEWS))
@pytest.mark.parametrize("update_name", list(UPDATES))
def test_update_through_a_view_matches_its_values_by_hand(view_name, update_name):
    """The base's values equal a NumPy replay of the update on a copy of the same memory."""
    x0, y0 = np.array([0.5, 1.0, 2.0, 3.0]), np.array([0.25, 0.5])
    b, grad_x, _ = _run(cr, VIEWS[view_name][0], UPDATES[update_name], x0, y0)
    replay = x0.copy()
    view = VIEWS[view_name][1](replay)
    assert np.shares_memory(view, replay)
    if update_name.startswith("copy_"):
        view[...] = y0.sum() * 2
    else:
        UPDATES[update_name](_NumpyView(view), _NumpyView(y0))
    np.testing.assert_allclose(b, replay)
    assert grad_x.shape == (4,)


class _NumpyView:
    """Just enough of the Tensor in-place API over a NumPy array to replay an update by hand."""

    def __init__(self, a):
        self.a = a

    def sum(self):
        return self.a.sum()

    def detach(self):
        return self.a

    def mul_(self, v):
        self.a *= v

    def add_(self, v):
        self.a += v

    def sub_(self, v, alpha=1):
        self.a -= alpha * v

    def div_(self, v):
        self.a /= v

    def clamp_(self, lo, hi):
        np.clip(self.a, lo, hi, out=self.a)

    def fill_(self, v):
        self.a[...] = v

    def zero_(self):
        self.a[...] = 0

    def __iadd__(self, v):
        self.a += v

    def __imul__(self, v):
        self.a *= v

    def __setitem__(self, key, v):
        self.a[key] = v


@needs_torch
@pytest.mark.parametrize("view_name", list(VIEWS))
@pytest.mark.parametrize("update_name", list(UPDATES))
def test_update_through_a_view_matches_pytorch(view_name, update_name):
    x0, y0 = np.array([0.5, 1.0, 2.0, 3.0]), np.array([0.25, 0.5])
    ours = _run(cr, VIEWS[view_name][0], UPDATES[update_name], x0, y0)
    theirs = _run(torch, VIEWS[view_name][0], UPDATES[update_name], x0, y0)
    for a, b in zip(ours, theirs):
        if b is None:
            assert a is None or not np.any(a)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_a_view_reads_its_base_after_the_base_changes_in_place():
    x = cr.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    b = x * 1
    v = b[1:3]
    b.mul_(2)  # v's values change with b's memory, and so must its history
    np.testing.assert_array_equal(v.detach().numpy(), [4.0, 6.0])
    v.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 2.0, 2.0, 0.0])


def test_other_views_of_the_base_see_an_update_made_through_one_view():
    x = cr.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    b = x * 1
    left, right = b[:2], b[1:]
    left.mul_(5)
    np.testing.assert_array_equal(right.detach().numpy(), [10.0, 3.0, 4.0])
    right.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 5.0, 1.0, 1.0])


def test_setitem_on_a_view_writes_into_the_base():
    x = cr.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = cr.tensor(7.0, requires_grad=True)
    b = x * 1
    b.reshape(2, 2)[1][0] = y
    np.testing.assert_array_equal(b.detach().numpy(), [1.0, 2.0, 7.0, 4.0])
    (b * cr.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 2.0, 0.0, 4.0])
    assert y.grad.item() == 3.0


def test_advanced_indexing_gives_a_copy_as_in_pytorch():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = x * 1
    b[[0, 2]].mul_(10)  # a copy: b is unchanged
    np.testing.assert_array_equal(b.detach().numpy(), [1.0, 2.0, 3.0])
    assert b._version == 0


def test_a_saved_tensor_modified_through_a_view_is_caught():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.exp()  # Exp saves its output
    z = y.sum()
    y[1:].mul_(2)
    with pytest.raises(cr.BackwardError, match="Exp: .*modified in place.*version 0, now at version 1"):
        z.backward()


def test_a_view_and_its_base_share_one_version_counter_even_without_recording():
    b = cr.tensor([1.0, 2.0, 3.0, 4.0])
    v = b.reshape(2, 2).T[0]
    v.add_(1)
    np.testing.assert_array_equal(b.numpy(), [2.0, 2.0, 4.0, 4.0])
    assert b._version == v._version == 1
    assert v._base is b and b._base is None


def test_in_place_on_a_view_of_a_leaf_that_requires_grad_is_refused():
    w = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(cr.BackwardError, match="mul_: a view of a leaf tensor of shape \\(3,\\) that requires grad"):
        w[1:].mul_(2)
    np.testing.assert_array_equal(w.detach().numpy(), [1.0, 2.0, 3.0])  # nothing written
    assert w._version == 0
    with cr.no_grad():  # an optimizer's kind of update is fine
        w[1:].mul_(2)
    np.testing.assert_array_equal(w.detach().numpy(), [1.0, 4.0, 6.0])


def test_a_view_made_under_no_grad_cannot_be_changed_while_recording():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    b = x * 1
    with cr.no_grad():
        v = b[:1]
    with pytest.raises(cr.BackwardError, match="made under no_grad"):
        v.mul_(2)
    np.testing.assert_array_equal(b.detach().numpy(), [1.0, 2.0])


def test_a_read_only_broadcast_view_is_refused_with_a_clear_error():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    e = (x * 1).expand(3, 2)
    with pytest.raises(ValueError, match="read-only broadcast view"):
        e.add_(1)


def test_detach_shares_memory_so_an_update_writes_through_and_is_caught():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    z = y.sum()
    y.detach().add_(1)
    np.testing.assert_allclose(y.detach().numpy(), np.exp([1.0, 2.0]) + 1, rtol=1e-6)
    with pytest.raises(cr.BackwardError, match="Exp"):
        z.backward()


def test_in_place_through_views_passes_gradcheck_and_gradgradcheck():
    def f(x, y):
        b = x * 1
        b[1:3].mul_(y[0])
        b.reshape(2, 2).T[1].add_(y[1] ** 2)
        return (b**3).sum()

    x = cr.tensor([0.3, -0.7, 1.1, 0.4], dtype=cr.float64, requires_grad=True)
    y = cr.tensor([1.3, -0.6], dtype=cr.float64, requires_grad=True)
    assert cr.gradcheck(f, [x, y])
    assert cr.gradgradcheck(f, [x, y])


@needs_torch
@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    rows=st.integers(1, 4),
    cols=st.integers(1, 4),
    data=st.data(),
)
def test_random_slices_and_updates_match_pytorch(rows, cols, data):
    r0 = data.draw(st.integers(0, rows - 1))
    r1 = data.draw(st.integers(r0, rows))
    step = data.draw(st.integers(1, 2))
    c = data.draw(st.integers(-cols, cols - 1))
    transpose = data.draw(st.booleans())
    scale = data.draw(st.floats(-2, 2, allow_nan=False))
    rng = np.random.default_rng(rows * 10 + cols)
    x0, w0 = rng.standard_normal((rows, cols)), rng.standard_normal((rows, cols))

    def run(lib):
        x = lib.tensor(x0, dtype=lib.float64, requires_grad=True)
        s = lib.tensor(scale, dtype=lib.float64, requires_grad=True)
        b = x * 1
        v = (b.T if transpose else b)
        v = v[:, r0:r1:step][c] if transpose else v[r0:r1:step, c]
        v.mul_(s)
        v.add_(1.0)
        (b * lib.tensor(w0, dtype=lib.float64)).sum().backward()
        return b.detach().numpy(), x.grad.numpy(), s.grad.numpy()

    for a, b in zip(run(cr), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
