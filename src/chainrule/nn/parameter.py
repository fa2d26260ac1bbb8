"""Parameter: a Tensor that a Module registers as learnable (requires grad by default)."""

from __future__ import annotations

from typing import Any

from chainrule import backend
from chainrule.backend import xp
from chainrule.tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad and is found by ``Module.parameters()``.

    >>> w = Parameter(cr.zeros(3, 2))      # a copy of the data, requires_grad=True
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = xp.empty(0, backend.default_float)
        super().__init__(data, dtype=None, requires_grad=requires_grad)  # the data's own dtype

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
