"""chainrule: reverse-mode automatic differentiation on a computational graph, over NumPy.

>>> import chainrule as cr
>>> x = cr.tensor(-2.0, requires_grad=True); y = cr.tensor(5.0, requires_grad=True)
>>> z = cr.tensor(-4.0, requires_grad=True)
>>> f = (x + y) * z
>>> f.backward()
>>> x.grad, y.grad, z.grad      # -4, -4, 3

The top level holds tensors and their factories, gradient modes, custom
``Function``s, gradient functions and gradient checking. Layers, optimizers
and data live in ``chainrule.nn``, ``chainrule.optim`` and ``chainrule.data``.
"""

import warnings as _warnings
from typing import TYPE_CHECKING as _TYPE_CHECKING

from chainrule import autograd, cuda, data, nn, optim, utils
from chainrule.autograd.function import Function
from chainrule.autograd.functional import grad_of as grad
from chainrule.autograd.functional import hvp, jacobian
from chainrule.autograd.mode import (
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from chainrule.check import GradcheckReport, gradcheck, gradcheck_report, gradgradcheck, numerical_grad
from chainrule.creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    is_floating_point,
    is_tensor,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from chainrule.device import device
from chainrule.dtypes import (
    bfloat16,
    cdouble,
    cfloat,
    complex64,
    complex128,
    double,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
    uint16,
    uint32,
    uint64,
)
from chainrule.dtypes import bool_ as bool  # noqa: A001  (PyTorch's names)
from chainrule.dtypes import float_ as float  # noqa: A001
from chainrule.dtypes import int_ as int  # noqa: A001
from chainrule.errors import (
    AnomalyError,
    BackwardError,
    ChainruleError,
    DTypeError,
    GradcheckError,
    ShapeError,
)
from chainrule.io import load, save
from chainrule.ops.api import (
    abs,
    all,
    allclose,
    amax,
    amin,
    any,
    argmax,
    argmin,
    argsort,
    bmm,
    cat,
    chunk,
    clamp,
    clip,
    concatenate,
    cos,
    count_nonzero,
    cumprod,
    cumsum,
    diagonal,
    dot,
    einsum,
    erf,
    exp,
    expm1,
    flatten,
    flip,
    floor_divide,
    fmod,
    gather,
    index_select,
    isfinite,
    isinf,
    isnan,
    log,
    log1p,
    log_softmax,
    logical_and,
    logical_not,
    logical_or,
    logsumexp,
    masked_fill,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mm,
    nonzero,
    norm,
    numel,
    outer,
    pow,
    prod,
    relu,
    remainder,
    reshape,
    round,
    rsqrt,
    scatter,
    scatter_add,
    sigmoid,
    sign,
    sin,
    softmax,
    sort,
    split,
    sqrt,
    square,
    squeeze,
    stack,
    std,
    std_mean,
    sum,
    t,
    tanh,
    tile,
    topk,
    transpose,
    unbind,
    unsqueeze,
    var,
    var_mean,
    where,
)
from chainrule.random import Generator, manual_seed
from chainrule.tensor import MaxResult, MinResult, Size, Tensor

if _TYPE_CHECKING:
    from chainrule.viz import Explanation, Graph


def draw(output: Tensor, **options: object) -> "Graph":  # imports chainrule.viz only when called
    """The computational graph behind ``output`` with values and gradients: see :func:`chainrule.viz.draw`."""
    from chainrule.viz import draw as _draw

    return _draw(output, **options)


def explain(output: Tensor, **options: object) -> "Explanation":  # imports chainrule.viz only when called
    """The backward pass narrated step by step: see :func:`chainrule.viz.explain`."""
    from chainrule.viz import explain as _explain

    return _explain(output, **options)


_LAZY_SUBMODULES = ("viz", "train", "report", "distributed")  # heavy or optional: imported on first use


def __getattr__(name: str) -> object:
    """``cr.viz``, ``cr.train``, ``cr.report`` and ``cr.distributed`` without importing them with chainrule."""
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"chainrule.{name}")
    raise AttributeError(f"module 'chainrule' has no attribute {name!r}")


# NaN and Inf propagate as IEEE arithmetic says; NumPy's per-op warnings about
# them would only repeat what the values already show (use detect_anomaly()).
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"chainrule\.")


__version__ = "0.1.0"

__all__ = [
    "AnomalyError", "BackwardError", "ChainruleError", "DTypeError", "Function", "Generator",
    "GradcheckError", "GradcheckReport", "ShapeError", "Tensor", "abs", "arange", "autograd", "cat",
    "clip", "concatenate", "cos", "data", "detect_anomaly", "draw", "enable_grad", "exp", "explain", "eye", "float32",
    "float64", "from_numpy", "full", "grad", "gradcheck", "gradcheck_report", "gradgradcheck",
    "hvp", "int64", "is_grad_enabled", "jacobian", "linspace", "load", "log", "log_softmax", "logsumexp",
    "manual_seed", "matmul", "maximum", "mean", "minimum", "nn", "no_grad", "numerical_grad", "optim", "ones",
    "ones_like", "rand", "randint", "randn", "relu", "save", "set_grad_enabled", "sigmoid", "sin",
    "softmax", "sqrt", "stack", "sum", "tanh", "tensor", "where", "zeros", "zeros_like",
    "as_tensor", "bool", "complex64", "complex128", "cuda", "device", "double", "float16", "get_default_dtype",
    "half", "int8", "int16", "int32", "long", "set_default_dtype", "short", "uint8", "MaxResult", "MinResult",
    "Size", "amax", "amin", "argmax", "argmin", "flatten", "max", "min", "inference_mode", "utils",
    "allclose", "bmm", "chunk", "clamp", "cumprod", "cumsum", "erf", "gather", "masked_fill", "mm", "nonzero", "norm",
    "prod", "scatter", "scatter_add", "sort", "split", "std", "t", "tile", "topk", "var",
    "remainder", "fmod", "floor_divide",
    "pow", "square", "rsqrt", "log1p", "expm1", "sign", "round", "isnan", "isinf", "isfinite", "logical_not",
    "logical_and", "logical_or",
    "all", "any", "count_nonzero", "var_mean", "std_mean",
    "dot", "outer", "einsum", "diagonal",
    "reshape", "transpose", "squeeze", "unsqueeze", "flip", "unbind", "index_select", "argsort",
    "numel",
    "empty", "empty_like", "full_like", "is_floating_point", "is_tensor", "rand_like", "randint_like", "randn_like",
    "randperm", "float", "int", "bfloat16", "cfloat", "cdouble", "uint16", "uint32", "uint64",
]  # fmt: skip
