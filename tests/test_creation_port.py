"""PyTorch's factory arguments: device=, pin_memory=, dtype aliases, and the factories a port reaches for."""

from types import SimpleNamespace

import numpy as np
import pytest

import chainrule as cr
from chainrule import creation as C
from chainrule import dtypes
from chainrule.device import DeviceError
from chainrule.errors import DTypeError
from helpers.oracle import requires_torch, torch

# name -> the same call for chainrule's factories and for torch (``m`` is the module), extra keywords passed on
OURS = SimpleNamespace(**vars(C), float64=cr.float64, int32=cr.int32, int64=cr.int64)
FACTORIES = {
    "tensor": lambda m, **kw: m.tensor([[1.5, 2.0]], **kw),
    "zeros": lambda m, **kw: m.zeros(2, 3, **kw),
    "ones": lambda m, **kw: m.ones((2, 3), **kw),
    "empty": lambda m, **kw: m.empty(2, 3, **kw),
    "full": lambda m, **kw: m.full((2, 3), 7, **kw),
    "eye": lambda m, **kw: m.eye(2, 3, **kw),
    "arange": lambda m, **kw: m.arange(0.0, 2.0, 0.5, **kw),
    "linspace": lambda m, **kw: m.linspace(-1, 1, 5, **kw),
    "rand": lambda m, **kw: m.rand(2, 3, **kw),
    "randn": lambda m, **kw: m.randn(2, 3, **kw),
    "randint": lambda m, **kw: m.randint(3, 9, (2, 3), **kw),
    "randperm": lambda m, **kw: m.randperm(6, **kw),
    "zeros_like": lambda m, **kw: m.zeros_like(m.ones(2, 3, dtype=m.float64), **kw),
    "ones_like": lambda m, **kw: m.ones_like(m.ones(2, 3, dtype=m.int32), **kw),
    "empty_like": lambda m, **kw: m.empty_like(m.ones(2, 3, dtype=m.int64), **kw),
    "full_like": lambda m, **kw: m.full_like(m.ones(2, 3, dtype=m.int64), 2.7, **kw),
    "rand_like": lambda m, **kw: m.rand_like(m.ones(2, 3, dtype=m.float64), **kw),
    "randn_like": lambda m, **kw: m.randn_like(m.ones(2, 3), **kw),
    "randint_like": lambda m, **kw: m.randint_like(m.ones(2, 3), 1, 5, **kw),
}
RANDOM = {"empty", "rand", "randn", "randint", "randperm", "empty_like", "rand_like", "randn_like", "randint_like"}


def torch_dtype_name(dtype) -> str:
    return str(dtype).removeprefix("torch.")


@pytest.mark.parametrize("name", FACTORIES)
@pytest.mark.parametrize("device", [None, "cpu", "cpu:0", cr.device("cpu")])
def test_factories_run_on_the_cpu(name, device):
    t = FACTORIES[name](OURS, device=device, pin_memory=False)
    assert isinstance(t, cr.Tensor) and t.device == "cpu"


@pytest.mark.parametrize("name", FACTORIES)
def test_factories_refuse_other_devices_and_pinned_memory(name):
    with pytest.raises(DeviceError, match=rf"^{name}: device 'cuda' is not available: chainrule computes on the CPU"):
        FACTORIES[name](OURS, device="cuda")
    with pytest.raises(DeviceError, match=rf"^{name}: pin_memory=True needs a CUDA device"):
        FACTORIES[name](OURS, pin_memory=True)


@pytest.mark.parametrize("device", ["cuda", "cuda:0", "mps", cr.device("cuda"), 0, "cpu:1"])
def test_every_other_device_is_the_same_clear_error(device):
    with pytest.raises(DeviceError, match="is not available: chainrule computes on the CPU with NumPy"):
        C.zeros(2, device=device)
    with pytest.raises(DeviceError, match="^as_tensor: device"):
        C.as_tensor([1.0], device=device)


@requires_torch
@pytest.mark.parametrize("name", FACTORIES)
def test_shapes_dtypes_and_values_match_torch(name):
    ours, theirs = FACTORIES[name](OURS), FACTORIES[name](torch)
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype) == torch_dtype_name(theirs.dtype)
    if name not in RANDOM:
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@requires_torch
@pytest.mark.parametrize(
    "name", ["float", "int", "cfloat", "cdouble", "half", "double", "long", "short", "uint8", "uint16", "uint32",
             "uint64", "int8", "complex64", "complex128"],
)  # fmt: skip
def test_dtype_aliases_are_pytorchs(name):
    ours = {"float": dtypes.float_, "int": dtypes.int_}.get(name) or getattr(dtypes, name)
    assert np.dtype(ours).name == torch_dtype_name(getattr(torch, name))
    assert dtypes.as_dtype(f"torch.{name}", "to") == np.dtype(ours)


@pytest.mark.parametrize(
    "make", [lambda: C.zeros(2, dtype=dtypes.bfloat16), lambda: C.ones(2).to(dtypes.bfloat16),
             lambda: C.tensor([1.0], dtype="torch.bfloat16"), lambda: cr.Tensor([1.0], dtype=dtypes.bfloat16)],
)  # fmt: skip
def test_bfloat16_can_be_named_but_not_used(make):
    assert {"bf16": dtypes.bfloat16}["bf16"] is dtypes.bfloat16 and repr(dtypes.bfloat16) == "chainrule.bfloat16"
    with pytest.raises(DTypeError, match="bfloat16 is not available: chainrule computes with NumPy"):
        make()


RANDINT_ACCEPTED = [  # args, kwargs, the range [low, high) drawn from
    ((5, (2, 3)), {}, 0, 5), ((2, 5, (4,)), {}, 2, 5), ((5,), {"size": (3,)}, 0, 5), ((2, 5), {"size": [3]}, 2, 5),
    ((), {"high": 5, "size": (3,)}, 0, 5), ((), {"low": 2, "high": 5, "size": (3,)}, 2, 5), ((-3, 0, (3,)), {}, -3, 0),
    ((0, 2, (3,)), {"dtype": "bool"}, 0, 2), ((5, (3,)), {"dtype": "float32"}, 0, 5),
    ((5, (3,)), {"dtype": "int32"}, 0, 5),
]  # fmt: skip
RANDINT_REFUSED = [
    ((5,), {}, TypeError, "got no size"), ((0, 5), {}, TypeError, "got no size"),
    ((0, 5, 2), {}, TypeError, "got size=2"), ((5, 0, (2,)), {}, ValueError, "low must be less than high"),
    ((3, 3, (2,)), {}, ValueError, "low must be less than high"), ((2.5, (2,)), {}, TypeError, "high must be an int"),
    ((0, 300, (2,)), {"dtype": "uint8"}, ValueError, "values from 0 to 299 do not fit in uint8"),
    ((5, (2,)), {"dtype": "bool"}, ValueError, "do not fit in bool"),
    ((5, (2,)), {"dtype": "complex64"}, DTypeError, "cannot draw integers as complex64"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "kwargs", "low", "high"), RANDINT_ACCEPTED)
def test_randint_forms_accepted_as_torch(args, kwargs, low, high):
    t = C.randint(*args, **kwargs)
    assert low <= t.numpy().min() and t.numpy().max() < high
    assert t.dtype == np.dtype(kwargs.get("dtype", "int64"))
    if torch is not None:
        kwargs = {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
        assert tuple(torch.randint(*args, **kwargs).shape) == t.shape


@pytest.mark.parametrize(("args", "kwargs", "error", "match"), RANDINT_REFUSED)
def test_randint_forms_refused_as_torch(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        C.randint(*args, **kwargs)
    if torch is not None:
        with pytest.raises((TypeError, RuntimeError)):
            torch.randint(*args, **{k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()})


def test_randperm_is_a_seeded_permutation():
    cr.manual_seed(3)
    p = C.randperm(50)
    assert p.dtype == np.int64 and sorted(p.tolist()) == list(range(50)) and p.tolist() != list(range(50))
    cr.manual_seed(3)
    assert C.randperm(50).tolist() == p.tolist()
    assert C.randperm(9, generator=cr.Generator(1)).tolist() == C.randperm(9, generator=cr.Generator(1)).tolist()
    assert C.randperm(0).shape == (0,) and C.randperm(4, dtype=cr.float32).dtype == np.float32
    for n, kw, error, match in [(-1, {}, ValueError, "non-negative, got -1"), (2.0, {}, TypeError, "must be an int"),
                                (3, {"dtype": "bool"}, DTypeError, "bool"), (300, {"dtype": "uint8"}, ValueError,
                                "values from 0 to 299 do not fit in uint8")]:  # fmt: skip
        with pytest.raises(error, match=match):
            C.randperm(n, **kw)


def test_like_draws_follow_the_input_and_the_seed():
    x = C.ones(2, 3, dtype=cr.float64)
    cr.manual_seed(0)
    a = (C.rand_like(x), C.randn_like(x), C.randint_like(x, 4), C.randint_like(C.ones(2, dtype=cr.int32), 1, 5))
    cr.manual_seed(0)
    b = (C.rand_like(x), C.randn_like(x), C.randint_like(x, 4), C.randint_like(C.ones(2, dtype=cr.int32), 1, 5))
    assert [t.tolist() for t in a] == [t.tolist() for t in b]
    assert [str(t.dtype) for t in a] == ["float64", "float64", "float64", "int32"]
    assert C.randn_like(x, dtype=cr.float32, requires_grad=True).requires_grad
    for f in (C.rand_like, C.randn_like):
        with pytest.raises(DTypeError, match="draws are made in a floating dtype, got int64"):
            f(C.arange(3))
    with pytest.raises(DTypeError, match="^rand: draws are made in a floating dtype, got int64"):
        C.rand(2, dtype=cr.int64)


def test_tensor_predicates():
    x = C.zeros(2, 3, dtype=cr.float16)
    assert C.is_tensor(x) and C.is_tensor(cr.nn.Parameter(C.zeros(1))) and not C.is_tensor(np.zeros(2))
    assert C.is_floating_point(x) and not C.is_floating_point(C.arange(3))
    assert C.empty(2, requires_grad=True).requires_grad
    for f in (C.is_floating_point, C.zeros_like, C.rand_like):
        with pytest.raises(TypeError, match=f"^{f.__name__}: expected a Tensor, got list"):
            f([1.0])
