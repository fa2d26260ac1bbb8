"""The Tensor API users expect from PyTorch: attributes, conversions, dtypes, repr, graph handles."""

import numpy as np
import pytest

import chainrule as cr

try:
    import torch
except ImportError:  # the shapes are still checked by hand
    torch = None


def test_attributes():
    x = cr.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True, name="x")
    assert isinstance(x._data, np.ndarray) and isinstance(x.data, cr.Tensor)
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and x.numel() == 6
    assert x.dtype == np.float32
    assert x.T.shape == (3, 2)
    assert x.grad is None and x.requires_grad and x.is_leaf and x.grad_fn is None
    assert x.name == "x" and len(x) == 2


def test_numpy_item_array_and_tolist():
    x = cr.tensor([1.5, 2.5])
    assert x.numpy() is x._data
    assert np.asarray(x).tolist() == [1.5, 2.5]
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    assert cr.tensor([[7.0]]).item() == 7.0 and isinstance(cr.tensor(3).item(), int)
    assert float(cr.tensor(2.0)) == 2.0 and int(cr.tensor(3)) == 3
    with pytest.raises(ValueError, match=r"item\(\): only one-element tensors.*\(2,\)"):
        x.item()


def test_numpy_of_a_tensor_requiring_grad_asks_for_detach():
    with pytest.raises(cr.BackwardError, match=r"detach\(\)\.numpy\(\)"):
        cr.tensor([1.0], requires_grad=True).numpy()


def test_default_dtypes():
    assert cr.tensor(1.0).dtype == np.float32
    assert cr.tensor([1.0, 2.0]).dtype == np.float32
    assert cr.tensor([1, 2]).dtype == np.int64
    assert cr.tensor(np.array([1.0])).dtype == np.float64  # an explicit float64 array is kept
    assert cr.tensor([1.0], dtype=cr.float64).dtype == np.float64
    assert cr.tensor([True]).dtype == np.bool_


def test_float64_is_kept_through_ops_and_gradients():
    x = cr.tensor([1.0, 2.0], dtype=cr.float64, requires_grad=True)
    y = (x * 2.0 + 1).exp().sum()
    y.backward()
    assert y.dtype == np.float64 and x.grad.dtype == np.float64


def test_float32_stays_float32_with_python_scalars():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = 2.5 * x / 3 - 1
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_int_tensors_for_labels_and_indices():
    labels = cr.tensor([2, 0, 1])
    logits = cr.tensor(np.arange(9.0).reshape(3, 3), requires_grad=True)
    picked = logits[cr.arange(3), labels]
    picked.sum().backward()
    assert picked.tolist() == [2.0, 3.0, 7.0]
    assert logits.grad.numpy()[0].tolist() == [0.0, 0.0, 1.0]


def test_requires_grad_on_int_tensors_is_refused():
    with pytest.raises(cr.DTypeError, match="only floating-point tensors can require gradients, got dtype int64"):
        cr.tensor([1, 2], requires_grad=True)
    with pytest.raises(cr.DTypeError):
        cr.tensor([1, 2]).requires_grad_()


def test_requires_grad_setter_and_method():
    x = cr.tensor([1.0])
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad = False
    assert not x.requires_grad


def test_requires_grad_false_on_a_non_leaf_is_refused():
    y = cr.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(cr.BackwardError, match="only leaf tensors"):
        y.requires_grad_(False)


def test_detach_shares_data_but_leaves_the_graph():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert d._data is y._data and not d.requires_grad and d.grad_fn is None and d.is_leaf


def test_grad_fn_exposes_its_inputs_for_drawing():
    x = cr.tensor(2.0, requires_grad=True)
    y = cr.tensor(3.0, requires_grad=True)
    z = (x * y).exp()
    assert z.grad_fn.name == "Exp" and not z.is_leaf
    (mul,) = z.grad_fn.inputs
    assert mul.grad_fn.name == "Mul" and mul.grad_fn.symbol == "*"
    assert mul.grad_fn.inputs == (x, y) or list(mul.grad_fn.inputs) == [x, y]
    assert z.grad_fn.next_functions == ((mul.grad_fn, 0),)
    assert (x * 2).grad_fn.inputs[1] == 2  # Python numbers stay visible as constants


def test_repr_is_readable():
    assert repr(cr.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(cr.tensor([1.0], requires_grad=True, name="w")) == "tensor([1.], requires_grad=True, name='w')"
    assert repr(cr.tensor([1.0], dtype=cr.float64)) == "tensor([1.], dtype=float64)"
    assert repr(cr.tensor([1.0], requires_grad=True) * 2) == "tensor([2.], grad_fn=<Mul>)"
    assert repr(cr.tensor(3)) == "tensor(3)"


def test_casts():
    x = cr.tensor([1.7, -2.2], requires_grad=True)
    assert x.double().dtype == np.float64 and x.float().dtype == np.float32
    assert x.long().tolist() == [1, -2] and not x.long().requires_grad
    x.double().sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [1.0, 1.0]


def test_bool_len_and_iteration():
    assert bool(cr.tensor([3.0]))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(cr.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="0-d"):
        len(cr.tensor(1.0))
    assert [t.item() for t in cr.tensor([1.0, 2.0])] == [1.0, 2.0]


def test_tensor_of_strings_or_objects_is_refused():
    with pytest.raises(TypeError, match="cannot make a tensor of dtype"):
        cr.tensor(["a", "b"])
    with pytest.raises(TypeError, match="cannot make a tensor of dtype object"):
        cr.tensor([object()])


def test_tensor_copies_its_data():
    a = np.array([1.0, 2.0])
    t = cr.tensor(a)
    a[0] = 9.0
    assert t.tolist() == [1.0, 2.0]
    assert cr.from_numpy(a)._data is a


def test_pickling_keeps_a_leaf_and_drops_an_ops_graph_like_pytorch():
    import pickle

    x = cr.tensor([1.0, 2.0], requires_grad=True, name="x")
    x.grad = cr.tensor([0.5, 0.5])
    back = pickle.loads(pickle.dumps(x))
    assert back.is_leaf and back.requires_grad and back.name == "x"
    np.testing.assert_array_equal(back.grad.numpy(), [0.5, 0.5])
    y = x * 3
    y.name = "y"
    leaf = pickle.loads(pickle.dumps(y))  # the graph stays behind: a leaf of the same values
    assert leaf.grad_fn is None and leaf.requires_grad and leaf.name == "y"
    np.testing.assert_array_equal(leaf._data, [3.0, 6.0])
    (leaf * 2).sum().backward()
    np.testing.assert_array_equal(leaf.grad.numpy(), [2.0, 2.0])
    assert x.grad.numpy().tolist() == [0.5, 0.5]  # nothing flowed to the original


def test_deepcopy_copies_leaves_and_parameters_and_refuses_an_ops_output():
    import copy

    p = cr.nn.Parameter(cr.ones(2))
    p.grad = cr.ones(2)
    q = copy.deepcopy(p)
    assert type(q) is cr.nn.Parameter and q.requires_grad and q._data is not p._data
    np.testing.assert_array_equal(q.grad.numpy(), [1.0, 1.0])
    with pytest.raises(cr.BackwardError, match=r"deepcopy: only leaf tensors.*\.detach\(\)\.clone\(\)"):
        copy.deepcopy(p * 2)


@pytest.mark.parametrize(
    "f, message",
    [
        (lambda: cr.zeros(2, 3, 4).flatten(4), r"flatten: axis 4 is out of range .*3 dimension.*\[-3, 2\]"),
        (lambda: cr.zeros(2, 3, 4).flatten(0, -5), r"flatten: axis -5 is out of range"),
        (lambda: cr.nn.Flatten()(cr.zeros(3)), r"flatten: axis 1 is out of range .*1 dimension"),
        (lambda: cr.zeros(3).transpose(0, 5), r"transpose: axis 5 is out of range .*\[-1, 0\]"),
        (lambda: cr.zeros(2, 3).transpose(-3, 0), r"transpose: axis -3"),
        (lambda: cr.zeros(2, 3).squeeze(2), r"squeeze: axis 2"),
        (lambda: cr.tensor(1.0).flatten(0, 1), r"flatten: axis 1 .*0 dimension"),
    ],
)
def test_dimension_arguments_out_of_range_are_errors_never_wrapped(f, message):
    with pytest.raises(IndexError, match=message):
        f()


@pytest.mark.parametrize(
    "f, shape",
    [
        (lambda lib: lib.ones(2, 3, 4).flatten(1), (2, 12)),
        (lambda lib: lib.ones(2, 3, 4).flatten(-2, -1), (2, 12)),
        (lambda lib: lib.ones(2, 3, 4).flatten(0, -2), (6, 4)),
        (lambda lib: lib.tensor(1.0).flatten(), (1,)),
        (lambda lib: lib.tensor(1.0).flatten(-1, 0), (1,)),
        (lambda lib: lib.ones(3).transpose(0, -1), (3,)),
        (lambda lib: lib.tensor(1.0).transpose(0, -1), ()),
        (lambda lib: lib.ones(2, 3).transpose(-1, 0), (3, 2)),
    ],
)
def test_dimension_arguments_in_range_give_pytorchs_shapes(f, shape):
    assert f(cr).shape == shape
    if torch is not None:
        assert tuple(f(torch).shape) == shape
