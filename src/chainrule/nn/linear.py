"""Linear, Identity, Flatten and Dropout layers."""

from __future__ import annotations

import math
from typing import Any

from chainrule.backend import xp
from chainrule.errors import ShapeError
from chainrule.nn import functional as F
from chainrule.nn import init
from chainrule.nn.module import Module, factory_dtype
from chainrule.nn.parameter import Parameter
from chainrule.random import Generator
from chainrule.tensor import Tensor


class Linear(Module):
    """y = x Wᵀ + b with ``weight`` of shape (out_features, in_features) and a separate ``bias`` (out_features,).

    Default init (PyTorch's): weight and bias ~ U(−1/√in_features, 1/√in_features), which is what
    ``kaiming_uniform_(weight, a=√5)`` gives. For sigmoid nets the lectures use
    ``nn.init.lecun_normal_(layer.weight)`` (std 1/√in_features) and a zero bias instead.
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None,
        generator: Generator | None = None,
    ) -> None:
        super().__init__()
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, int) or isinstance(n, bool) or n < 1:
                raise ValueError(f"Linear: {name} must be a positive int, got {n!r}")
        self.in_features = in_features
        self.out_features = out_features
        dtype = factory_dtype(device, dtype, "Linear")
        self.weight = Parameter(xp.empty((out_features, in_features), dtype))
        if bias:
            self.bias = Parameter(xp.empty(out_features, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: Generator | None = None) -> None:
        """PyTorch's default: weight and bias drawn from U(−1/√in_features, 1/√in_features) (``generator`` decides
        them)."""
        bound = 1.0 / math.sqrt(self.in_features)
        init.uniform_(self.weight, -bound, bound, generator)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound, generator)

    def forward(self, input: Tensor) -> Tensor:
        params = self._parameters  # the registry itself: attribute access would go through __getattr__
        return F.linear(input, params["weight"], params["bias"])

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """Returns its input unchanged (a placeholder layer)."""

    def forward(self, input: Tensor) -> Tensor:
        return input


class Flatten(Module):
    """Flattens dimensions ``start_dim``..``end_dim`` (by default all but the batch dimension)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Splits dimension ``dim`` into ``unflattened_size`` (the inverse of :class:`Flatten`): (N, 12) → (N, 3, 4)."""

    def __init__(self, dim: int, unflattened_size: Any) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        shape = input.shape
        d = self.dim + len(shape) if self.dim < 0 else self.dim
        if not 0 <= d < len(shape):
            raise IndexError(f"Unflatten: dim {self.dim} is out of range for an input of shape {shape}")
        try:
            return input.reshape(shape[:d] + self.unflattened_size + shape[d + 1 :])
        except ValueError:
            raise ShapeError(f"Unflatten: unflattened_size {self.unflattened_size} does not fit dimension {self.dim} "
                             f"of size {shape[d]} (input shape {shape})") from None  # fmt: skip

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Dropout(Module):
    """In training mode zeroes each element with probability ``p`` and scales the rest by 1/(1 − p)."""

    def __init__(self, p: float = 0.5, inplace: bool = False, *, generator: Generator | None = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p, self.inplace = p, inplace
        self.generator = generator

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}" + (", inplace=True" if self.inplace else "")
