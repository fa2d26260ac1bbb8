"""Shape ops, joining and indexing (ints, slices, None, Ellipsis, integer arrays, masks), setitem."""

import numpy as np
import pytest

import chainrule as cr
from helpers.oracle import Case, op_tests, torch

M = [((2, 3),)]
T3 = [((2, 3, 4),)]
IDX = np.array([0, 2, 0, 1])  # repeated index: the gradient must accumulate

CASES = [
    Case("reshape", lambda m, a: a.reshape(3, 2) * 1.0, M + T3[:0]),
    Case("reshape_tuple_infer", lambda m, a: a.reshape((4, -1)), T3),
    Case("view", lambda m, a: a.view(6), M),
    Case("reshape_0d", lambda m, a: a.reshape(1, 1) * a.reshape(()), [((),)]),
    Case("transpose", lambda m, a: a.transpose(0, 2), T3),
    Case("permute", lambda m, a: a.permute(2, 0, 1), T3),
    Case("T", lambda m, a: a.T, M + T3, torch_f=lambda m, a: a.permute(*reversed(range(a.ndim)))),
    Case("mT", lambda m, a: a.mT, T3),
    Case("expand", lambda m, a: a.expand(4, 2, 3), M),
    Case("expand_keep", lambda m, a: a.reshape(2, 1, 3).expand(-1, 4, -1), M),
    Case("broadcast_to", lambda m, a: a.broadcast_to((3, 2, 3)), M),
    Case("squeeze", lambda m, a: a.reshape(1, 2, 1, 3).squeeze(), M),
    Case("squeeze_axis", lambda m, a: a.reshape(1, 2, 1, 3).squeeze(2), M),
    Case("unsqueeze", lambda m, a: a.unsqueeze(1) * a.unsqueeze(-1)[0], M),
    Case("flatten", lambda m, a: a.flatten(), T3),
    Case("flatten_range", lambda m, a: a.flatten(1), T3),
    Case("clone", lambda m, a: a.clone() * a, M),
    Case("concatenate", lambda m, a, b: m.cat([a, b, a], 1), [((2, 3), (2, 1))]),
    Case(
        "concatenate_neg_axis",
        lambda m, a, b: m.concatenate([a, b], -1),
        [((2, 3), (2, 1))],
        torch_f=lambda m, a, b: m.cat([a, b], -1),
    ),
    Case("stack", lambda m, a, b: m.stack([a, b, a * b], -1), [((2, 3), (2, 3)), ((), ())]),
    Case("index_int", lambda m, a: a[1], T3),
    Case("index_neg_int", lambda m, a: a[-1, 2], T3),
    Case("index_slices", lambda m, a: a[:, 1:, ::2], T3),
    Case("index_none_ellipsis", lambda m, a: a[None, ..., 1], T3),
    Case(
        "index_int_array",
        lambda m, a: a[IDX] * 2,
        M[:0] + [((3, 2),)],
        torch_f=lambda m, a: a[torch.as_tensor(IDX)] * 2,
    ),
    Case(
        "index_two_arrays",
        lambda m, a: a[[1, 0, 1], [1, 1, 0]],
        T3,
        torch_f=lambda m, a: a[torch.as_tensor([1, 0, 1]), torch.as_tensor([1, 1, 0])],
    ),
    Case("index_mask", lambda m, a: a[a > 0], M, domain="kinkfree"),
    Case("index_tensor_key", lambda m, a: a[m.tensor(IDX)], [((3, 2),)], torch_f=lambda m, a: a[torch.as_tensor(IDX)]),
]


test_shape_op, test_shape_op_matches_torch = op_tests(CASES)


def test_repeated_indices_accumulate():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_setitem_routes_gradients_to_the_new_values_and_the_rest():
    x = cr.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=cr.float64, requires_grad=True)
    v = cr.tensor([10.0, 20.0], dtype=cr.float64, requires_grad=True)

    def f(x, v):
        y = x * 1.0
        y[0] = v * v
        return y * cr.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=cr.float64)

    assert cr.gradcheck(f, [x, v])
    assert cr.gradgradcheck(f, [x, v])
    f(x, v).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0], [3.0, 4.0]]
    assert v.grad.tolist() == [20.0, 80.0]


def test_setitem_with_a_mask_and_a_scalar():
    x = cr.tensor([-1.0, 2.0, -3.0], requires_grad=True)
    y = x * 2
    y[y < 0] = 0.0
    y.sum().backward()
    assert y.tolist() == [0.0, 4.0, 0.0]
    assert x.grad.tolist() == [0.0, 2.0, 0.0]


def test_stack_and_cat_accept_arrays_and_check_shapes():
    assert cr.stack([np.ones(2), cr.zeros(2)]).shape == (2, 2)
    with pytest.raises(cr.ShapeError, match=r"concat.*\(2, 3\).*\(3, 3\)"):
        cr.cat([cr.zeros(2, 3), cr.zeros(3, 3)], axis=1)
    with pytest.raises(ValueError, match="stack: expected a non-empty list"):
        cr.stack([])


def test_views_report_their_shapes():
    x = cr.zeros(2, 3, 4)
    assert x.T.shape == (4, 3, 2)
    assert x.mT.shape == (2, 4, 3)
    assert x.permute((1, 0, 2)).shape == (3, 2, 4)
    assert x.unsqueeze(-1).shape == (2, 3, 4, 1)
    assert x.flatten(0, 1).shape == (6, 4)
    assert cr.tensor(3.0).flatten().shape == (1,)


@pytest.mark.parametrize(
    "action, error, pattern",
    [
        (lambda x: x.reshape(4, 4), cr.ShapeError, r"reshape.*\(2, 3\)"),
        (lambda x: x.reshape(2.5), TypeError, "shape entries must be ints"),
        (lambda x: x.permute(0, 0), ValueError, "permute: repeated axis"),
        (lambda x: x.expand(3, 3), cr.ShapeError, r"expand.*\(2, 3\)"),
        (lambda x: x.expand(3), cr.ShapeError, "expand"),
        (lambda x: x.squeeze(5), IndexError, "squeeze: axis 5"),
        (lambda x: x.unsqueeze(4), IndexError, "unsqueeze: axis 4"),
        (lambda x: x.transpose(0, 7), IndexError, "transpose"),
        (lambda x: x[5], cr.ShapeError, r"index: .*\(2, 3\).*out of bounds"),
        (lambda x: x[0, 0, 0], cr.ShapeError, "too many indices"),
        (lambda x: x[1.5], IndexError, "unsupported index 1.5"),
        (lambda x: x[[0.5]], IndexError, "integer or boolean"),
        (lambda x: x[np.array([True, False, True])], cr.ShapeError, "index: .*boolean"),
        (lambda x: x.flatten(1, 0), ValueError, "flatten"),
    ],
)
def test_bad_shape_and_index_arguments_are_clear_errors(action, error, pattern):
    with pytest.raises(error, match=pattern):
        action(cr.zeros(2, 3, requires_grad=True))
