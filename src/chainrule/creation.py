"""Ways to make tensors: from data, filled, ranges, identity and random draws.

Every factory takes PyTorch's ``device=`` (None or the CPU; another device is a clear
:class:`~chainrule.device.DeviceError`) and, except ``as_tensor``, ``pin_memory=False``.
"""

from __future__ import annotations

from typing import Any

from chainrule import backend
from chainrule.backend import xp
from chainrule.device import check_factory
from chainrule.dtypes import as_dtype
from chainrule.errors import DTypeError
from chainrule.ops.shape import shape_arg
from chainrule.random import Generator, resolve
from chainrule.tensor import Tensor


def tensor(
    data: Any, dtype: Any = None, requires_grad: bool = False, name: str | None = None, *, device: Any = None,
    pin_memory: bool = False,
) -> Tensor:  # fmt: skip
    """A new tensor holding a copy of ``data`` (Python floats become float32, ints int64).

    >>> x = tensor([1.0, 2.0], requires_grad=True, name="x")
    """
    check_factory("tensor", device, pin_memory)
    return Tensor(data, dtype=None if dtype is None else as_dtype(dtype, "tensor"), requires_grad=requires_grad,
                  name=name)  # fmt: skip


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor without a copy where possible (a Tensor or NumPy array of that dtype is shared),
    as ``torch.as_tensor``; Python floats become the default float."""
    check_factory("as_tensor", device)
    dtype = None if dtype is None else as_dtype(dtype, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, backend.ndarray) and (dtype is None or dtype == data.dtype):
        return from_numpy(data)
    return Tensor(data, dtype=dtype)


def from_numpy(array: Any) -> Tensor:
    """A tensor sharing memory with a NumPy array (no copy)."""
    if not isinstance(array, backend.ndarray):
        raise TypeError(f"from_numpy: expected a NumPy array, got {type(array).__name__}")
    return Tensor._make(array)


def is_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a chainrule Tensor (a Parameter is one), as ``torch.is_tensor``."""
    return isinstance(obj, Tensor)


def is_floating_point(t: Tensor) -> bool:
    """Whether ``t`` holds a floating dtype (float16, float32 or float64), as ``torch.is_floating_point``."""
    return _tensor_arg(t, "is_floating_point").is_floating_point()


def _tensor_arg(t: Any, op: str) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(t).__name__}; make one with cr.tensor(...)")
    return t


def _dtype(dtype: Any, op: str, default: Any = None) -> Any:
    """``dtype`` checked, or ``default`` (the default float unless given) when None."""
    if dtype is None:
        return backend.default_float if default is None else default
    return as_dtype(dtype, op)


def _float_dtype(dtype: Any, op: str, default: Any = None) -> Any:
    d = _dtype(dtype, op, default)
    if d.kind != "f":
        raise DTypeError(f"{op}: draws are made in a floating dtype, got {d}; use cr.float32 or cr.float64 "
                         "(randint gives integers)")  # fmt: skip
    return d


def _finish(data: Any, requires_grad: bool, name: str | None = None) -> Tensor:
    t = Tensor._make(data)
    t.name = name
    if requires_grad:
        t.requires_grad_(True)
    return t


def _size(size: tuple) -> tuple:
    shape = shape_arg(size)
    if any(n < 0 for n in shape):
        raise ValueError(f"sizes must be non-negative, got {shape}")
    return shape


# ---------------------------------------------------------------------------------------------- filled


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None,
          pin_memory: bool = False) -> Tensor:  # fmt: skip
    """Zeros of shape ``size`` (``zeros(2, 3)`` or ``zeros((2, 3))``); the default float dtype unless ``dtype``."""
    check_factory("zeros", device, pin_memory)
    return _finish(xp.zeros(_size(size), _dtype(dtype, "zeros")), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None,
         pin_memory: bool = False) -> Tensor:  # fmt: skip
    """Ones of shape ``size`` (``ones(2, 3)`` or ``ones((2, 3))``); the default float dtype unless ``dtype``."""
    check_factory("ones", device, pin_memory)
    return _finish(xp.ones(_size(size), _dtype(dtype, "ones")), requires_grad)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None,
          pin_memory: bool = False) -> Tensor:  # fmt: skip
    """An uninitialised tensor of shape ``size``, as ``torch.empty``: its values are whatever the memory held
    (NumPy's ``empty``), so write every element before reading one."""
    check_factory("empty", device, pin_memory)
    return _finish(xp.empty(_size(size), _dtype(dtype, "empty")), requires_grad)


def full(size: Any, fill_value: float, dtype: Any = None, requires_grad: bool = False, *, device: Any = None,
         pin_memory: bool = False) -> Tensor:  # fmt: skip
    """A tensor of shape ``size`` filled with ``fill_value``, whose dtype it takes unless ``dtype`` (floats become the
    default float, ints int64)."""
    check_factory("full", device, pin_memory)
    dtype = _dtype(dtype, "full", backend.as_array(fill_value).dtype)
    return _finish(xp.full(_size((size,)), fill_value, dtype), requires_grad)


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False, *, device: Any = None,
               pin_memory: bool = False) -> Tensor:  # fmt: skip
    """Zeros of ``t``'s shape, and of its dtype unless ``dtype``."""
    shape, dtype = _like(t, dtype, device, pin_memory, "zeros_like")
    return _finish(xp.zeros(shape, dtype), requires_grad)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False, *, device: Any = None,
              pin_memory: bool = False) -> Tensor:  # fmt: skip
    """Ones of ``t``'s shape, and of its dtype unless ``dtype``."""
    shape, dtype = _like(t, dtype, device, pin_memory, "ones_like")
    return _finish(xp.ones(shape, dtype), requires_grad)


def empty_like(t: Tensor, dtype: Any = None, requires_grad: bool = False, *, device: Any = None,
               pin_memory: bool = False) -> Tensor:  # fmt: skip
    """An uninitialised tensor of ``t``'s shape, and of its dtype unless ``dtype`` (see :func:`empty`)."""
    shape, dtype = _like(t, dtype, device, pin_memory, "empty_like")
    return _finish(xp.empty(shape, dtype), requires_grad)


def full_like(t: Tensor, fill_value: float, dtype: Any = None, requires_grad: bool = False, *, device: Any = None,
              pin_memory: bool = False) -> Tensor:  # fmt: skip
    """``t``'s shape filled with ``fill_value``, in ``t``'s dtype unless ``dtype`` (2.7 in an int64 tensor is 2, as
    in PyTorch)."""
    shape, dtype = _like(t, dtype, device, pin_memory, "full_like")
    return _finish(xp.full(shape, fill_value, dtype), requires_grad)


def _like(t: Any, dtype: Any, device: Any, pin_memory: bool, op: str) -> tuple:
    """The shape and dtype (``t``'s unless ``dtype``) of a ``*_like`` factory's result, its arguments checked."""
    check_factory(op, device, pin_memory)
    t = _tensor_arg(t, op)
    return t.shape, _dtype(dtype, op, t.dtype)


# ---------------------------------------------------------------------------------------------- ranges


def arange(
    start: float, end: float | None = None, step: float = 1, dtype: Any = None, requires_grad: bool = False, *,
    device: Any = None, pin_memory: bool = False,
) -> Tensor:  # fmt: skip
    """Evenly spaced values in [start, end) (ints give int64, floats float32)."""
    check_factory("arange", device, pin_memory)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must not be zero")
    data = backend.as_array(xp.arange(start, end, step), None if dtype is None else as_dtype(dtype, "arange"))
    if dtype is None and data.dtype.kind == "f":
        data = data.astype(backend.default_float)
    return _finish(data, requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None, requires_grad: bool = False, *,
             device: Any = None, pin_memory: bool = False) -> Tensor:  # fmt: skip
    """``steps`` evenly spaced values from ``start`` to ``end``, both included (the default float dtype unless
    ``dtype``)."""
    check_factory("linspace", device, pin_memory)
    return _finish(xp.linspace(start, end, steps, dtype=_dtype(dtype, "linspace")), requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False, *, device: Any = None,
        pin_memory: bool = False) -> Tensor:  # fmt: skip
    """The n × m identity matrix (m = n by default): ones on the diagonal, zeros elsewhere."""
    check_factory("eye", device, pin_memory)
    return _finish(xp.eye(n, m, dtype=_dtype(dtype, "eye")), requires_grad)


# ---------------------------------------------------------------------------------------------- random draws


def rand(*size: Any, generator: Generator | None = None, dtype: Any = None, requires_grad: bool = False,
         device: Any = None, pin_memory: bool = False) -> Tensor:  # fmt: skip
    """Uniform draws in [0, 1) from ``generator`` (the default stream by default)."""
    check_factory("rand", device, pin_memory)
    dtype = _float_dtype(dtype, "rand")
    return _finish(resolve(generator).random(_size(size)).astype(dtype), requires_grad)


def randn(*size: Any, generator: Generator | None = None, dtype: Any = None, requires_grad: bool = False,
          device: Any = None, pin_memory: bool = False) -> Tensor:  # fmt: skip
    """Standard normal draws from ``generator`` (the default stream by default)."""
    check_factory("randn", device, pin_memory)
    dtype = _float_dtype(dtype, "randn")
    return _finish(resolve(generator).standard_normal(_size(size)).astype(dtype), requires_grad)


def rand_like(t: Tensor, *, generator: Generator | None = None, dtype: Any = None, requires_grad: bool = False,
              device: Any = None, pin_memory: bool = False) -> Tensor:  # fmt: skip
    """:func:`rand` draws of ``t``'s shape, and of its dtype unless ``dtype`` (a floating one)."""
    shape, dtype = _like(t, dtype, device, pin_memory, "rand_like")
    return rand(shape, generator=generator, dtype=_float_dtype(dtype, "rand_like"), requires_grad=requires_grad)


def randn_like(t: Tensor, *, generator: Generator | None = None, dtype: Any = None, requires_grad: bool = False,
               device: Any = None, pin_memory: bool = False) -> Tensor:  # fmt: skip
    """:func:`randn` draws of ``t``'s shape, and of its dtype unless ``dtype`` (a floating one)."""
    shape, dtype = _like(t, dtype, device, pin_memory, "randn_like")
    return randn(shape, generator=generator, dtype=_float_dtype(dtype, "randn_like"), requires_grad=requires_grad)


def randint(low: int = 0, high: int | None = None, size: Any = None, *, generator: Generator | None = None,
            dtype: Any = None, requires_grad: bool = False, device: Any = None,
            pin_memory: bool = False) -> Tensor:  # fmt: skip
    """Integers drawn uniformly from [low, high), as ``torch.randint``: ``randint(high, size)`` or
    ``randint(low, high, size)`` with ``size`` a tuple; int64 unless ``dtype``."""
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=size)
        low, high = 0, low
    if not isinstance(size, (tuple, list)):
        got = "no size" if size is None else f"size={size!r}"
        raise TypeError(f"randint: expected a size tuple such as (3,) or (2, 3), got {got}; call "
                        "randint(high, size) or randint(low, high, size)")  # fmt: skip
    check_factory("randint", device, pin_memory)
    return _finish(_integers(low, high, _size((size,)), dtype, generator, "randint"), requires_grad)


def randint_like(t: Tensor, low: int = 0, high: int | None = None, *, generator: Generator | None = None,
                 dtype: Any = None, requires_grad: bool = False, device: Any = None,
                 pin_memory: bool = False) -> Tensor:  # fmt: skip
    """:func:`randint` draws of ``t``'s shape, and of its dtype unless ``dtype``: ``randint_like(t, high)`` or
    ``randint_like(t, low, high)``."""
    shape, dtype = _like(t, dtype, device, pin_memory, "randint_like")
    if high is None:
        low, high = 0, low
    return _finish(_integers(low, high, shape, dtype, generator, "randint_like"), requires_grad)


def _integers(low: Any, high: Any, shape: tuple, dtype: Any, generator: Generator | None, op: str) -> Any:
    """Integers drawn from [low, high) in ``dtype`` (int64 by default), refusing bounds the dtype cannot hold."""
    for name, value in (("low", low), ("high", high)):
        if not isinstance(value, (int, xp.integer)) or isinstance(value, bool):
            raise TypeError(f"{op}: {name} must be an int, got {value!r}")
    if low >= high:
        raise ValueError(f"{op}: low must be less than high, got low={low}, high={high}")
    d = _dtype(dtype, op, xp.dtype(xp.int64))
    _check_holds(d, low, high - 1, op)
    return resolve(generator).integers(low, high, shape).astype(d)


def _check_holds(d: Any, lowest: int, highest: int, op: str) -> None:
    """Refuse integer draws from [lowest, highest] in a dtype that cannot hold them all (or a complex one)."""
    if d.kind == "c":
        raise DTypeError(f"{op}: cannot draw integers as {d}; use an integer, floating or boolean dtype")
    if d.kind in "iub":
        info = (0, 1) if d.kind == "b" else (xp.iinfo(d).min, xp.iinfo(d).max)
        if lowest < info[0] or highest > info[1]:
            raise ValueError(f"{op}: values from {lowest} to {highest} do not fit in {d}, which holds "
                             f"{info[0]} to {info[1]}; use a wider dtype such as cr.int64")  # fmt: skip


def randperm(n: int, *, generator: Generator | None = None, dtype: Any = None, requires_grad: bool = False,
             device: Any = None, pin_memory: bool = False) -> Tensor:  # fmt: skip
    """A random permutation of 0, ..., n - 1, as ``torch.randperm``; int64 unless ``dtype``."""
    check_factory("randperm", device, pin_memory)
    if not isinstance(n, (int, xp.integer)) or isinstance(n, bool):
        raise TypeError(f"randperm: n must be an int, got {n!r}")
    if n < 0:
        raise ValueError(f"randperm: n must be non-negative, got {n}")
    d = _dtype(dtype, "randperm", xp.dtype(xp.int64))
    if d.kind == "b":
        raise DTypeError("randperm: cannot permute into bool; use an integer or floating dtype")
    _check_holds(d, 0, n - 1, "randperm")
    return _finish(resolve(generator).permutation(int(n)).astype(d), requires_grad)
