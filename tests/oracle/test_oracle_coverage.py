"""Every public name of chainrule that computes a tensor from tensors is in op_specs.SPECS, or said not to be.

A new op (a Tensor method, a function in ``chainrule``, ``chainrule.ops.api`` or ``nn.functional``)
fails here until it is given a Spec (and so differential tests against PyTorch) or is listed
below with the reason it has no gradient to check.
"""

from pathlib import Path

import pytest
from op_specs import SPECS

import chainrule as cr
from chainrule.nn import functional
from chainrule.ops import api

COVERED = {spec.name.split("[")[0] for spec in SPECS}

NOT_DIFFERENTIABLE = {
    "Tensor": {
        # booleans and indices: no gradient (as in PyTorch)
        "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__invert__", "__and__", "__or__",
        "argmax", "argmin", "any", "all", "long", "int", "bool", "eq", "ne", "lt", "le", "gt", "ge",
        "nonzero", "allclose",
        # leaving the graph, or reading out of it
        "detach", "numpy", "item", "tolist", "__array__", "__float__", "__int__", "__index__", "__bool__",
        "__len__", "__iter__",
        # the graph's own controls and metadata
        "backward", "requires_grad_", "retain_grad", "requires_grad", "grad", "grad_fn", "is_leaf", "data", "name",
        "shape", "ndim", "size", "numel", "dtype", "dim", "ndimension", "device",
        # no such device: a clear error
        "cuda",
        # random refills: their values come from the generator; what they overwrite gets no gradient, as fill_
        "normal_", "uniform_",
        # piecewise constant (no gradient: PyTorch gives 0 or refuses), booleans, indices, predicates, factories
        "__floordiv__", "__rfloordiv__", "floor_divide", "__round__", "round", "sign", "argsort", "count_nonzero",
        "isnan", "isinf", "isfinite", "is_floating_point", "new_empty", "new_full", "new_ones", "new_tensor",
        "new_zeros",
    },
    "cr": {
        # factories: nothing to differentiate with respect to
        "arange", "eye", "from_numpy", "full", "linspace", "ones", "ones_like", "rand", "randint", "randn", "tensor",
        "zeros", "zeros_like", "as_tensor", "manual_seed", "Generator",
        # dtypes and devices, and what reductions return
        "bool", "complex64", "complex128", "double", "float16", "float32", "float64", "half", "int8", "int16",
        "int32", "int64", "long", "short", "uint8", "get_default_dtype", "set_default_dtype", "cuda", "device",
        "MaxResult", "MinResult", "Size", "argmax", "argmin",
        # indices and a Python bool: no gradient
        "nonzero", "allclose",
        # autograd machinery and checks (tested in tests/autograd and tests/check)
        "Function", "Tensor", "autograd", "grad", "hvp", "jacobian", "gradcheck", "gradcheck_report",
        "gradgradcheck", "numerical_grad", "GradcheckReport", "detect_anomaly", "enable_grad", "is_grad_enabled",
        "no_grad", "set_grad_enabled", "inference_mode",
        # errors, packages, files and drawings
        "AnomalyError", "BackwardError", "ChainruleError", "DTypeError", "GradcheckError", "ShapeError",
        "data", "nn", "optim", "utils", "load", "save", "draw", "explain",
        # PyTorch's further factories, dtypes and predicates
        "empty", "empty_like", "full_like", "rand_like", "randint_like", "randn_like", "randperm", "is_tensor",
        "is_floating_point", "numel", "float", "int", "bfloat16", "cfloat", "cdouble", "uint16", "uint32", "uint64",
        # piecewise constant, booleans and indices
        "floor_divide", "round", "sign", "argsort", "count_nonzero", "isnan", "isinf", "isfinite", "all", "any",
        "logical_not", "logical_and", "logical_or",
    },
    "F": {"one_hot"},  # integer classes in, integers out
}  # fmt: skip

# Differentiable, with differential tests of their own against PyTorch (image shapes and options need
# strategies of their own): the file that holds them must name the op.
ELSEWHERE = {
    "F.conv1d": "conv/test_conv_functional.py", "F.conv2d": "conv/test_conv_functional.py",
    "F.conv_transpose2d": "conv/test_conv_functional.py", "F.max_pool2d": "conv/test_pool_functional.py",
    "F.avg_pool2d": "conv/test_pool_functional.py", "F.adaptive_avg_pool2d": "conv/test_pool_functional.py",
    "F.batch_norm": "conv/test_batch_norm.py", "F.dropout2d": "conv/test_conv_layers.py",
    "F.pad": "conv/test_pad_unfold.py", "F.unfold": "conv/test_pad_unfold.py", "F.fold": "conv/test_pad_unfold.py",
}  # fmt: skip
# PyTorch's further methods, functions and losses: gradcheck and torch comparisons in op_tests tables there
_PORTED = {
    "ops/test_port_methods.py": {
        "Tensor": "add sub mul div neg negative square rsqrt reciprocal log1p expm1 clamp_min clamp_max flip unbind "
                  "index_select diagonal dot outer exp_ sigmoid_ tanh_ pow_ log_ sqrt_ relu_ neg_ masked_fill_ "
                  "contiguous type_as",
        "cr": "square rsqrt log1p expm1 pow flip unbind index_select diagonal dot outer einsum var_mean std_mean "
              "reshape transpose squeeze unsqueeze",
    },
    "ops/test_port_division.py": {"Tensor": "__mod__ __rmod__ remainder fmod", "cr": "remainder fmod"},
    "nn/test_port_layers.py": {"F": "relu_ leaky_relu_ l1_loss smooth_l1_loss huber_loss normalize cosine_similarity"},
}  # fmt: skip
ELSEWHERE |= {f"{space}.{name}": path for path, spaces in _PORTED.items() for space, names in spaces.items()
              for name in names.split()}  # fmt: skip

# Python's object protocol: not operations on values.
PROTOCOL = {
    "__init__", "__repr__", "__hash__", "__deepcopy__", "__reduce_ex__", "__array_ufunc__", "__slots__",
    "__weakref__", "__module__", "__doc__", "__dict__", "__annotations__", "__firstlineno__", "__static_attributes__",
    "__array_priority__", "__class_getitem__", "__str__", "__format__", "__copy__", "__getstate__", "__setstate__",
}  # fmt: skip


def _tensor_names() -> set:
    """Tensor's public methods, properties and operators (private ``_name``s and the object protocol aside)."""
    names = set()
    for klass in cr.Tensor.__mro__[:-1]:  # (not object's own)
        names |= {n for n in vars(klass) if not n.startswith("_") or (n.endswith("__") and n not in PROTOCOL)}
    return names


def _public() -> list:
    return (
        [("Tensor", n) for n in sorted(_tensor_names())]
        + [("cr", n) for n in sorted(set(cr.__all__) | set(api.__all__))]
        + [("F", n) for n in sorted(functional.__all__)]
    )


@pytest.mark.parametrize("space, name", _public(), ids=lambda v: v)
def test_every_public_op_has_a_spec_or_a_reason(space, name):
    if f"{space}.{name}" in ELSEWHERE:
        source = (Path(__file__).parents[1] / ELSEWHERE[f"{space}.{name}"]).read_text(encoding="utf-8")
        assert f"{name}" in source, f"{space}.{name}: not tested in {ELSEWHERE[f'{space}.{name}']}"
        random = name == "dropout2d"  # its masks are chainrule's draws: checked by hand, not against PyTorch's
        assert random or "torch" in source, f"{space}.{name}: no comparison with PyTorch there"
        return
    if name in NOT_DIFFERENTIABLE.get(space, ()):
        assert f"{space}.{name}" not in COVERED, f"{space}.{name} is listed as not differentiable but has a Spec"
        return
    assert f"{space}.{name}" in COVERED, (
        f"{space}.{name} is public: give it a Spec in tests/oracle/op_specs.py (differential tests against "
        "PyTorch) or list it in NOT_DIFFERENTIABLE with the reason"
    )


def test_every_spec_names_a_public_op():
    public = {f"{space}.{name}" for space, name in _public()}
    assert COVERED <= public, f"specs for names that are not public: {sorted(COVERED - public)}"


def test_every_excluded_name_exists():
    """A name removed from chainrule must leave the list too, so the list stays the truth."""
    public = set(_public())
    stale = {(s, n) for s, names in NOT_DIFFERENTIABLE.items() for n in names} - public
    assert not stale, f"listed as not differentiable but not public: {sorted(stale)}"
