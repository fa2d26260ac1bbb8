"""LayerNorm: each sample normalised over its last dimensions, with a learnable scale and shift (PyTorch's)."""

from __future__ import annotations

from typing import Any

from chainrule.autograd.mode import no_grad
from chainrule.backend import xp
from chainrule.nn import functional as F
from chainrule.nn.module import Module, factory_dtype
from chainrule.nn.parameter import Parameter
from chainrule.tensor import Tensor


class LayerNorm(Module):
    """Normalises over the last ``len(normalized_shape)`` dimensions; ``weight`` (ones) and ``bias`` (zeros)
    of shape ``normalized_shape`` when ``elementwise_affine`` (``bias=False`` drops the shift).

    >>> ln = nn.LayerNorm(64)                          # inputs (…, 64)
    """

    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:  # fmt: skip
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
            raise ValueError(f"LayerNorm: normalized_shape must be an int or a tuple of ints, got {normalized_shape!r}")
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        dtype = factory_dtype(device, dtype, "LayerNorm")
        for name, wanted in (("weight", elementwise_affine), ("bias", elementwise_affine and bias)):
            if wanted:
                setattr(self, name, Parameter(xp.empty(shape, dtype)))
            else:
                self.register_parameter(name, None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """The identity affine map: weight 1, bias 0."""
        with no_grad():
            if self.weight is not None:
                self.weight.fill_(1.0)
            if self.bias is not None:
                self.bias.zero_()

    def forward(self, input: Tensor) -> Tensor:
        p = self._parameters
        return F.layer_norm(input, self.normalized_shape, p["weight"], p["bias"], self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")  # fmt: skip
