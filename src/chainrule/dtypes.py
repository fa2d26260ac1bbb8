"""PyTorch's dtype names for NumPy's dtypes, and the default floating dtype.

``cr.float32`` is ``numpy.float32``, so chainrule's dtypes work wherever NumPy's do, and
PyTorch code that names ``cr.long``, ``cr.float``, ``cr.int`` or ``cr.bool`` finds them. NumPy has no
bfloat16: ``cr.bfloat16`` exists so that code naming it imports, and using it is a clear error.
"""

from __future__ import annotations

from typing import Any

import numpy

from chainrule import backend
from chainrule.errors import DTypeError

float16 = half = numpy.float16
float32 = float_ = numpy.float32  # float_ is exported as cr.float (PyTorch's alias), like bool_ as cr.bool
float64 = double = numpy.float64
int8 = numpy.int8
int16 = short = numpy.int16
int32 = int_ = numpy.int32  # exported as cr.int
int64 = long = numpy.int64
uint8 = numpy.uint8
uint16 = numpy.uint16
uint32 = numpy.uint32
uint64 = numpy.uint64
bool_ = numpy.bool_
complex64 = cfloat = numpy.complex64
complex128 = cdouble = numpy.complex128


class UnavailableDType:
    """A PyTorch dtype NumPy lacks: naming it works (``{"bf16": cr.bfloat16}``), making a tensor of it is a
    clear :class:`DTypeError`."""

    __slots__ = ("name", "reason")

    def __init__(self, name: str, reason: str) -> None:
        self.name, self.reason = name, reason

    @property
    def dtype(self) -> numpy.dtype:
        """Never a dtype: NumPy reads this attribute when given the object as a dtype, so every use is refused."""
        raise DTypeError(self.reason)

    def __repr__(self) -> str:
        return f"chainrule.{self.name}"


bfloat16 = UnavailableDType(
    "bfloat16", "bfloat16 is not available: chainrule computes with NumPy, which has no bfloat16 type; "
    "use cr.float32, or cr.float16 to halve the memory",
)  # fmt: skip
UNAVAILABLE = {"bfloat16": bfloat16}

#: PyTorch's legacy tensor-type names (``t.type()``), by dtype.
TYPE_NAMES = {
    numpy.dtype(float16): "HalfTensor", numpy.dtype(float32): "FloatTensor", numpy.dtype(float64): "DoubleTensor",
    numpy.dtype(int8): "CharTensor", numpy.dtype(int16): "ShortTensor", numpy.dtype(int32): "IntTensor",
    numpy.dtype(int64): "LongTensor", numpy.dtype(uint8): "ByteTensor", numpy.dtype(bool_): "BoolTensor",
}  # fmt: skip


def get_default_dtype() -> Any:
    """The dtype that Python floats become in new tensors (float32 unless changed), as ``torch.get_default_dtype``."""
    return backend.default_float.type


def set_default_dtype(dtype: Any) -> None:
    """Make Python floats become ``dtype`` in new tensors; only float16, float32 and float64 are accepted."""
    d = as_dtype(dtype, "set_default_dtype")
    if d.kind != "f":
        raise DTypeError(f"set_default_dtype: only floating dtypes can be the default, got {d}; "
                         "use float32, float64 or float16")  # fmt: skip
    backend.default_float = d


def as_dtype(dtype: Any, op: str) -> numpy.dtype:
    """``dtype`` (a NumPy dtype or type, or a name like ``"float32"``) as a NumPy dtype, or a clear error."""
    if isinstance(dtype, str):
        name = dtype.removeprefix("chainrule.").removeprefix("torch.")
        legacy = {v: k for k, v in TYPE_NAMES.items()}
        if name in legacy:
            return legacy[name]
        dtype = {"half": float16, "double": float64, "float": float32, "long": int64, "int": int32,
                 "short": int16, "bool": bool_, "cfloat": complex64, "cdouble": complex128}.get(name, name)  # fmt: skip
        dtype = UNAVAILABLE.get(dtype, dtype)
    if isinstance(dtype, UnavailableDType):
        raise DTypeError(f"{op}: {dtype.reason}")
    try:
        d = numpy.dtype(dtype)
    except TypeError:
        raise DTypeError(f"{op}: {dtype!r} is not a dtype; use e.g. cr.float32, cr.int64 or cr.bool") from None
    if d.kind in "OUSVMm":
        raise DTypeError(f"{op}: tensors cannot hold dtype {d}; use a numeric or boolean dtype")
    return d
