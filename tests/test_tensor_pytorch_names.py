"""PyTorch's spellings on Tensor and at the top level, beside NumPy's (issue: a PyTorch user's first hour).

Each behaviour is compared with torch 2.13 where installed, and checked by hand either way.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed: oracle comparison skipped")
X = [[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]

# Reductions called with PyTorch's dim/keepdim; each f is spelled for both libraries.
DIM_CALLS = {
    "sum dim": lambda t: t.sum(dim=1),
    "sum dim keepdim": lambda t: t.sum(dim=0, keepdim=True),
    "sum dim=()": lambda t: t.sum(dim=()),
    "mean dim tuple": lambda t: t.mean(dim=(0, 1), keepdim=True),
    "var dim": lambda t: t.var(dim=1),
    "var unbiased=False": lambda t: t.var(dim=1, unbiased=False),
    "logsumexp dim": lambda t: t.logsumexp(dim=1),
    "softmax dim": lambda t: t.softmax(dim=0),
    "log_softmax dim": lambda t: t.log_softmax(dim=-1),
    "argmax dim": lambda t: t.argmax(dim=1),
    "argmin dim keepdim": lambda t: t.argmin(dim=0, keepdim=True),
    "amax dim": lambda t: t.amax(1),
    "amin all": lambda t: t.amin(),
    "max all": lambda t: t.max(),
    "max other": lambda t: t.max(t * 0 + 3.5),
    "min other": lambda t: t.min(t * 0 + 3.5),
    "squeeze dim": lambda t: t.unsqueeze(dim=0).squeeze(dim=0),
}


@pytest.mark.parametrize("name", list(DIM_CALLS))
def test_dim_and_keepdim_are_accepted_and_mean_what_they_mean_in_pytorch(name):
    ours = DIM_CALLS[name](cr.tensor(X, dtype=cr.float64)).numpy()
    by_axis = {  # the same calls in NumPy's spelling
        "sum dim": lambda a: a.sum(axis=1),
        "sum dim keepdim": lambda a: a.sum(axis=0, keepdims=True),
        "sum dim=()": lambda a: a.sum(),
        "mean dim tuple": lambda a: a.mean(axis=(0, 1), keepdims=True),
        "var dim": lambda a: a.var(axis=1, ddof=1),
        "var unbiased=False": lambda a: a.var(axis=1),
        "logsumexp dim": lambda a: np.log(np.exp(a).sum(axis=1)),
        "softmax dim": lambda a: np.exp(a) / np.exp(a).sum(axis=0),
        "log_softmax dim": lambda a: a - np.log(np.exp(a).sum(axis=-1, keepdims=True)),
        "argmax dim": lambda a: a.argmax(axis=1),
        "argmin dim keepdim": lambda a: a.argmin(axis=0, keepdims=True),
        "amax dim": lambda a: a.max(axis=1),
        "amin all": lambda a: a.min(),
        "max all": lambda a: a.max(),
        "max other": lambda a: np.maximum(a, 3.5),
        "min other": lambda a: np.minimum(a, 3.5),
        "squeeze dim": lambda a: a,
    }[name](np.array(X))
    np.testing.assert_allclose(ours, by_axis, rtol=1e-12)
    if torch is not None:
        np.testing.assert_allclose(ours, DIM_CALLS[name](torch.tensor(X, dtype=torch.float64)).numpy(), rtol=1e-12)


def test_axis_and_dim_together_are_refused():
    with pytest.raises(TypeError, match="sum: give axis .* or dim .*not both"):
        cr.tensor(X).sum(axis=0, dim=1)


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_and_min_with_a_dim_give_values_and_indices(op):
    t = cr.tensor(X, dtype=cr.float64, requires_grad=True)
    result = getattr(t, op)(1)
    values, indices = result  # a named tuple, as in PyTorch
    assert result.values is values and result.indices is indices
    pick = np.argmax if op == "max" else np.argmin
    np.testing.assert_array_equal(indices.numpy(), pick(np.array(X), axis=1))
    np.testing.assert_array_equal(values.detach().numpy(), np.array(X)[[0, 1], pick(np.array(X), axis=1)])
    values.sum().backward()  # the gradient goes to the chosen elements
    expected = np.zeros((2, 3))
    expected[[0, 1], pick(np.array(X), axis=1)] = 1
    np.testing.assert_array_equal(t.grad.numpy(), expected)
    kept = getattr(t, op)(dim=0, keepdim=True)
    assert kept.values.shape == kept.indices.shape == (1, 3)
    # NumPy's spelling keeps meaning the values alone
    np.testing.assert_array_equal(getattr(t, op)(axis=1).detach().numpy(), values.detach().numpy())
    if torch is not None:
        theirs = getattr(torch.tensor(X), op)(1)
        np.testing.assert_array_equal(indices.numpy(), theirs.indices.numpy())
        assert type(result).__name__ == type(theirs).__name__.split(".")[-1] == op


def test_size_is_numpys_count_and_pytorchs_shape():
    t = cr.zeros(2, 3)
    assert t.size == 6 and t.size + 1 == 7  # NumPy: an int
    assert t.size() == (2, 3) and t.size(1) == 3 and t.size(-2) == 2  # PyTorch: called
    assert t.numel() == 6 and t.dim() == 2 and t.ndimension() == 2
    with pytest.raises(IndexError, match="size: axis 2 is out of range"):
        t.size(2)
    assert (t / t.size).sum().item() == 0.0  # still a plain number to the ops
    if torch is not None:
        assert tuple(torch.zeros(2, 3).size()) == t.size() and torch.zeros(2, 3).size(1) == t.size(1)


def test_dtype_names_and_conversions():
    t = cr.tensor([1.5, -2.0])
    assert t.dtype == cr.float32 and cr.get_default_dtype() is cr.float32
    assert t.double().dtype == cr.float64 and t.half().dtype == cr.float16
    assert t.int().dtype == cr.int32 and t.long().dtype == cr.int64 and t.bool().dtype == cr.bool
    assert t.int().tolist() == [1, -2]  # truncation toward zero, as torch
    assert t.type() == "chainrule.FloatTensor" and t.double().type() == "chainrule.DoubleTensor"
    assert t.type(cr.float64).dtype == cr.float64 and t.type("torch.DoubleTensor").dtype == cr.float64
    for name in ("int8", "int16", "int32", "int64", "uint8", "float16", "float32", "float64", "bool",
                 "long", "short", "half", "double", "complex64", "complex128"):  # fmt: skip
        assert hasattr(cr, name)
    with pytest.raises(cr.DTypeError, match="'foo' is not a dtype"):
        t.type("foo")
    with pytest.raises(ValueError, match="unknown device type 'foo'"):  # to() reads a string as a device, as torch
        t.to("foo")
    if torch is not None:
        assert torch.tensor([1.5, -2.0]).int().tolist() == t.int().tolist()
        assert f"{torch.tensor([0.25, 0.5]).sum()}" == "0.75"


def test_set_default_dtype_changes_what_python_floats_become():
    try:
        cr.set_default_dtype(cr.float64)
        assert cr.tensor([1.0]).dtype == cr.float64 and cr.get_default_dtype() is cr.float64
        with pytest.raises(cr.DTypeError, match="only floating dtypes"):
            cr.set_default_dtype(cr.int64)
    finally:
        cr.set_default_dtype(cr.float32)
    assert cr.tensor([1.0]).dtype == cr.float32


def test_to_keeps_the_graph_and_returns_self_when_nothing_changes():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    assert x.to("cpu") is x and x.cpu() is x and x.to(cr.float32) is x and x.to(cr.device("cpu")) is x
    y = x.to("cpu", cr.float64)
    assert y.dtype == cr.float64
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    assert x.to(cr.zeros(1, dtype=cr.float64)).dtype == cr.float64
    c = x.to(copy=True)
    assert c is not x and c.grad_fn is not None


def test_devices_other_than_the_cpu_are_clear_errors():
    assert cr.device("cpu") == "cpu" and str(cr.device("cpu:0")) == "cpu:0" and not cr.cuda.is_available()
    assert cr.zeros(1).device == cr.device("cpu") and repr(cr.device("cpu")) == "device(type='cpu')"
    for call in (lambda: cr.zeros(1).to("cuda"), lambda: cr.zeros(1).cuda(), lambda: cr.nn.Linear(2, 2).to("cuda:0")):
        with pytest.raises(RuntimeError, match="device 'cuda(:0)?' is not available: chainrule computes on the CPU"):
            call()
    with pytest.raises(ValueError, match="unknown device type 'gpu'"):
        cr.device("gpu")


def test_device_agnostic_module_code_runs():
    device = "cuda" if cr.cuda.is_available() else "cpu"
    model = cr.nn.Linear(3, 2).to(device)
    assert model.to(device, cr.float64) is model and model.weight.dtype == cr.float64
    out = model(cr.ones(4, 3, dtype=cr.float64).to(device))
    assert out.shape == (4, 2) and model.cpu() is model


def test_format_spec_works_on_0d_tensors_as_in_pytorch():
    loss = cr.tensor([0.25, 0.5]).sum()
    assert f"{loss:.4f}" == "0.7500" and f"{loss}" == "0.75"  # the value's own format, as torch
    assert f"{cr.tensor([1.0, 2.0])}" == "tensor([1., 2.])"
    with pytest.raises(TypeError, match="only 0-d tensors"):
        f"{cr.tensor([1.0, 2.0]):.2f}"


@pytest.mark.parametrize(
    "values",
    [[[1.5, -2.25], [100.0, 3.0]], [1e-5, 1.0], [1e9, 1.0], [float("nan"), 1.5, float("inf")], [0.001, 1000.0],
     [123456.0, 1.5], 3.25, [1.0, 2.0], [1, 2], []],
)  # fmt: skip
def test_tensors_print_as_pytorch_prints_them(values):
    ours = repr(cr.tensor(values))
    expected = {  # torch 2.13's output for float32 tensors of these values
        "[[1.5, -2.25], [100.0, 3.0]]": "tensor([[  1.5000,  -2.2500],\n        [100.0000,   3.0000]])",
        "[1e-05, 1.0]": "tensor([1.0000e-05, 1.0000e+00])",
        "[1000000000.0, 1.0]": "tensor([1.0000e+09, 1.0000e+00])",
        "[nan, 1.5, inf]": "tensor([   nan, 1.5000,    inf])",
        "[0.001, 1000.0]": "tensor([1.0000e-03, 1.0000e+03])",
        "[123456.0, 1.5]": "tensor([1.2346e+05, 1.5000e+00])",
        "3.25": "tensor(3.2500)",
        "[1.0, 2.0]": "tensor([1., 2.])",
        "[1, 2]": "tensor([1, 2])",
        "[]": "tensor([])",
    }[str(values)]
    assert ours == expected
    if torch is not None:
        assert repr(torch.tensor(values)) == expected


def test_no_grad_decorates_with_or_without_parentheses():
    @cr.no_grad
    def bare(x):
        return x * 2

    @cr.no_grad()
    def called(x):
        return x * 2

    x = cr.tensor([1.0], requires_grad=True)
    assert not bare(x).requires_grad and not called(x).requires_grad
    assert (x * 2).requires_grad and bare.__name__ == "bare"


def test_grad_of_a_tensor_points_to_autograd_grad():
    x = cr.tensor(2.0, requires_grad=True)
    with pytest.raises(TypeError, match=r"cr.autograd.grad\(y, x\)"):
        cr.grad(x * x, x)
    (g,) = cr.autograd.grad(x * x, x)
    assert g.item() == 4.0


def test_as_tensor_shares_memory_where_it_can():
    a = np.zeros(3, dtype=np.float32)
    t = cr.as_tensor(a)
    a[0] = 5.0
    assert t[0].item() == 5.0
    assert cr.as_tensor(t) is t and cr.as_tensor(a, dtype=cr.float64).dtype == cr.float64
    assert cr.as_tensor([1.0, 2.0]).dtype == cr.float32


def test_the_mnist_example_idioms_run():
    """pytorch/examples' accuracy count and top-level functions, as a PyTorch script spells them."""
    out = cr.tensor([[0.1, 2.0, 0.3], [1.5, 0.2, 0.1], [0.0, 0.1, 0.9]])
    target = cr.tensor([1, 0, 0])
    pred = out.argmax(dim=1, keepdim=True)
    assert pred.eq(target.view_as(pred)).sum().item() == 2
    _, top = cr.max(out, 1)
    assert top.tolist() == [1, 0, 2] and cr.argmax(out, dim=1).tolist() == [1, 0, 2]
    assert cr.min(out).item() == pytest.approx(0.0) and cr.amax(out, 0).tolist() == pytest.approx([1.5, 2.0, 0.9])
    assert cr.cat([out, out], dim=1).shape == (3, 6) and cr.stack([out, out], dim=0).shape == (2, 3, 3)
    assert cr.flatten(out).shape == (9,) and out.expand_as(cr.zeros(2, 3, 3)).shape == (2, 3, 3)
    assert (out.gt(1.0) & out.lt(1.8)).tolist() == [[False, False, False], [True, False, False], [False] * 3]
    if torch is not None:
        t_out, t_target = torch.tensor(out.numpy()), torch.tensor(target.numpy())
        t_pred = t_out.argmax(dim=1, keepdim=True)
        assert t_pred.eq(t_target.view_as(t_pred)).sum().item() == 2 and torch.max(t_out, 1)[1].tolist() == [1, 0, 2]


def test_inference_mode_and_utils_data_as_pytorch_spells_them():
    from chainrule.utils.data import DataLoader, TensorDataset

    x = cr.tensor([1.0], requires_grad=True)
    with cr.inference_mode():
        assert not (x * 2).requires_grad
    with cr.inference_mode(False):
        assert (x * 2).requires_grad

    @cr.inference_mode()
    def f(t):
        return t * 2

    assert not f(x).requires_grad
    batches = list(DataLoader(TensorDataset(cr.arange(4.0)), batch_size=2))
    assert [b[0].tolist() for b in batches] == [[0.0, 1.0], [2.0, 3.0]]


@pytest.mark.parametrize("fill", [
    lambda d: d.fill_(0.01), lambda d: d.zero_(), lambda d: d.copy_(cr.tensor([4.0, 5.0, 6.0])),
    lambda d: d.normal_(), lambda d: d.mul_(2),
])  # fmt: skip
def test_p_data_is_pytorchs_detached_view_of_the_same_memory(fill):
    p = cr.nn.Parameter(cr.tensor([1.0, 2.0, 3.0]))
    d = p.data
    assert isinstance(d, cr.Tensor) and not d.requires_grad and d.grad_fn is None
    version = p._version
    fill(d)
    np.testing.assert_array_equal(p.detach().numpy(), d.numpy())  # written through to p
    assert p._version == version  # invisible to autograd, as in PyTorch
    assert p.requires_grad and p.dtype == np.float32


def test_changes_through_data_are_not_seen_by_the_saved_value_check():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    x.data.mul_(10)  # PyTorch's documented hazard: the gradient uses the changed values
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [20.0, 40.0])


def test_assigning_data_checks_shape_and_dtype():
    p = cr.nn.Parameter(cr.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match=r"Tensor\.data: assign a tensor, not list"):
        p.data = [1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match=r"dtype float64 to a tensor of shape \(3,\) and dtype float32"):
        p.data = cr.tensor([1.0, 2.0, 3.0], dtype=cr.float64)
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        p.data = cr.tensor([1.0, 2.0])
    assert p.dtype == np.float32 and p.tolist() == [1.0, 2.0, 3.0]  # nothing half-applied
    new = cr.tensor([7.0, 8.0, 9.0])
    p.data = new
    assert p.tolist() == [7.0, 8.0, 9.0] and p.requires_grad
    new.add_(1)  # p now shares new's memory, as in PyTorch
    assert p.tolist() == [8.0, 9.0, 10.0]
    (p * 2).sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), [2.0, 2.0, 2.0])


def test_data_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = cr.nn.Parameter(cr.tensor([1.0, -2.0])), torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    for t in (ours, theirs):
        t.data.fill_(0.5)
        t.data.add_(1)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    assert ours.data.requires_grad is theirs.data.requires_grad is False


def test_heavy_submodules_load_on_first_use():
    import subprocess
    import sys

    code = ("import sys, chainrule as cr; assert 'chainrule.viz' not in sys.modules; "
            "cr.viz.record; cr.train.fit; cr.report.write_report; assert 'chainrule.viz' in sys.modules; "
            "print(hasattr(cr, 'no_such_thing'))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
