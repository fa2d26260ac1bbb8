"""Parameter: a Tensor that a Module registers as learnable (requires grad by default)."""

from __future__ import annotations

from typing import Any

from chainrule import backend
from chainrule.backend import xp
from chainrule.tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad and is found by ``Module.parameters()``.

    >>> w = Parameter(cr.zeros(3, 2))      # requires_grad=True, sharing the zeros' memory (as PyTorch)

    Given a Tensor, the parameter shares its memory and version counter (cut from its graph); given
    an array or other data, it holds a copy.
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = xp.empty(0, backend.default_float)
        if not isinstance(data, Tensor):
            super().__init__(data, dtype=None, requires_grad=requires_grad)  # the data's own dtype
            return
        super().__init__(xp.empty(0, data.dtype), dtype=None)
        self._data, self._vc = data._data, data._vc
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
