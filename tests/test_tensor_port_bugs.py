"""Behaviours a PyTorch user relies on: 0-d integer indices, Tensor(...), all/any over dims, == None, Linear."""

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn


@pytest.mark.parametrize("index", [cr.tensor(1), np.int64(1), np.array(1)], ids=["tensor", "numpy_int", "ndarray"])
def test_0d_integer_index_is_an_int_view(index):
    y = cr.zeros(3, 2)
    y[index][0] = 5  # written through the view
    assert y[1, 0].item() == 5 and y[index].shape == (2,)
    assert cr.arange(6).reshape(2, 3)[cr.tensor(True)].shape == (1, 2, 3)  # a 0-d boolean stays a mask


def test_loop_over_arange_writes_through():
    y = cr.zeros(3, 2)
    for i in cr.arange(3):
        y[i][0] = i + 1
    assert y[:, 0].tolist() == [1, 2, 3]


def test_tensor_constructor_as_torch():
    assert cr.Tensor([1, 2]).dtype == cr.float32 and cr.Tensor([1, 2]).tolist() == [1.0, 2.0]
    assert cr.Tensor(np.arange(3.0)).dtype == cr.float32
    empty = cr.Tensor(2, 3)
    assert empty.shape == (2, 3) and empty.dtype == cr.float32 and not empty.numpy().any()
    assert cr.Tensor().shape == (0,) and cr.Tensor(3).shape == (3,)
    assert cr.Tensor([1, 2], dtype=None).dtype == cr.int64  # dtype= by keyword: cr.tensor's inference
    with pytest.raises(TypeError, match="sizes"):
        cr.Tensor([1], 2)
    cr.set_default_dtype(cr.float64)
    try:
        assert cr.Tensor([1]).dtype == cr.float64
    finally:
        cr.set_default_dtype(cr.float32)


@pytest.mark.parametrize("op", ["all", "any"])
def test_all_any_take_dims(op):
    a = np.array([[True, False, True], [True, True, True]])
    t = cr.tensor(a)
    ref = getattr(np, op)
    assert getattr(t, op)().item() == ref(a)
    assert getattr(t, op)(1).tolist() == ref(a, axis=1).tolist()
    assert getattr(t, op)(dim=0, keepdim=True).shape == (1, 3)
    assert getattr(t, op)(axis=(0, 1), keepdims=True).shape == (1, 1)


def test_eq_none():
    t = cr.tensor([1.0, 2.0])
    assert (t == None) is False and (t != None) is True  # noqa: E711
    assert t not in [None]


def test_linear_checks_only_what_backward_reads():
    lin = nn.Linear(3, 2)
    opt = cr.optim.SGD(lin.parameters(), lr=0.1)
    out = lin(cr.randn(4, 3))  # the input takes no gradient: the weight is not read by backward
    l1, l2 = out.sum(), (out**2).sum()
    l1.backward(retain_graph=True)
    opt.step()
    l2.backward()
    x = cr.randn(4, 3, requires_grad=True)  # now it is: modifying the weight is refused
    out = lin(x)
    out.sum().backward(retain_graph=True)
    opt.step()
    with pytest.raises(cr.BackwardError):
        (out**2).sum().backward()
