"""Ways to make tensors: from data, filled, ranges, identity and random draws."""

from __future__ import annotations

from typing import Any

from chainrule import backend
from chainrule.backend import xp
from chainrule.device import available
from chainrule.ops.shape import shape_arg
from chainrule.random import Generator, resolve
from chainrule.tensor import Tensor


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False, name: str | None = None) -> Tensor:
    """A new tensor holding a copy of ``data`` (Python floats become float32, ints int64).

    >>> x = tensor([1.0, 2.0], requires_grad=True, name="x")
    """
    return Tensor(data, dtype=dtype, requires_grad=requires_grad, name=name)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor without a copy where possible (a Tensor or NumPy array of that dtype is shared),
    as ``torch.as_tensor``; Python floats become the default float."""
    if device is not None:
        available(device, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, backend.ndarray) and (dtype is None or xp.dtype(dtype) == data.dtype):
        return from_numpy(data)
    return Tensor(data, dtype=dtype)


def from_numpy(array: Any) -> Tensor:
    """A tensor sharing memory with a NumPy array (no copy)."""
    if not isinstance(array, backend.ndarray):
        raise TypeError(f"from_numpy: expected a NumPy array, got {type(array).__name__}")
    return Tensor._make(array)


def _dtype(dtype: Any) -> Any:
    return backend.default_float if dtype is None else xp.dtype(dtype)


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


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of shape ``size`` (``zeros(2, 3)`` or ``zeros((2, 3))``); the default float dtype unless ``dtype``."""
    return _finish(xp.zeros(_size(size), _dtype(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of shape ``size`` (``ones(2, 3)`` or ``ones((2, 3))``); the default float dtype unless ``dtype``."""
    return _finish(xp.ones(_size(size), _dtype(dtype)), requires_grad)


def full(size: Any, fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value``, whose dtype it takes unless ``dtype`` (floats become the
    default float, ints int64)."""
    if dtype is None:
        dtype = backend.as_array(fill_value).dtype
    return _finish(xp.full(_size((size,)), fill_value, xp.dtype(dtype)), requires_grad)


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``t``'s shape, and of its dtype unless ``dtype``."""
    return _finish(xp.zeros(t.shape, dtype or t.dtype), requires_grad)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of ``t``'s shape, and of its dtype unless ``dtype``."""
    return _finish(xp.ones(t.shape, dtype or t.dtype), requires_grad)


def arange(
    start: float, end: float | None = None, step: float = 1, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """Evenly spaced values in [start, end) (ints give int64, floats float32)."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must not be zero")
    data = backend.as_array(xp.arange(start, end, step), dtype)
    if dtype is None and data.dtype.kind == "f":
        data = data.astype(backend.default_float)
    return _finish(data, requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included (the default float dtype unless
    ``dtype``)."""
    return _finish(xp.linspace(start, end, steps, dtype=_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The n × m identity matrix (m = n by default): ones on the diagonal, zeros elsewhere."""
    return _finish(xp.eye(n, m, dtype=_dtype(dtype)), requires_grad)


def rand(*size: Any, generator: Generator | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform draws in [0, 1) from ``generator`` (the default stream by default)."""
    data = resolve(generator).random(_size(size)).astype(_dtype(dtype))
    return _finish(data, requires_grad)


def randn(*size: Any, generator: Generator | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal draws from ``generator`` (the default stream by default)."""
    data = resolve(generator).standard_normal(_size(size)).astype(_dtype(dtype))
    return _finish(data, requires_grad)


def randint(low: int, high: int, size: Any, generator: Generator | None = None) -> Tensor:
    """Integers in [low, high) as int64."""
    return _finish(resolve(generator).integers(low, high, _size((size,))), False)
