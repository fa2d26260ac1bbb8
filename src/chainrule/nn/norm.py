"""Batch normalisation layers: BatchNorm1d and BatchNorm2d (PyTorch's parameters, buffers and train/eval behaviour).

``weight`` (ones) and ``bias`` (zeros) are parameters; ``running_mean`` (zeros), ``running_var`` (ones)
and ``num_batches_tracked`` (an int64 count) are buffers, saved in ``state_dict`` under PyTorch's keys.
Training normalises with the batch's statistics and updates the running ones; evaluation uses the
running ones (or the batch's, with ``track_running_stats=False``).
"""

from __future__ import annotations

from typing import Any

from chainrule.autograd.mode import no_grad
from chainrule.backend import xp
from chainrule.errors import ShapeError
from chainrule.nn import functional_conv as F
from chainrule.nn.module import Module, factory_dtype
from chainrule.nn.parameter import Parameter
from chainrule.tensor import Tensor


class _BatchNorm(Module):
    _ndims: tuple = ()  # the input dimensions the layer takes

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        name = type(self).__name__
        if not isinstance(num_features, int) or isinstance(num_features, bool) or num_features < 1:
            raise ValueError(f"{name}: num_features must be a positive int, got {num_features!r}")
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{name}: momentum must be in [0, 1] or None (a cumulative average), got {momentum!r}")
        if not eps > 0:
            raise ValueError(f"{name}: eps must be positive, got {eps!r}")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = factory_dtype(device, dtype, name)
        if affine:
            self.weight = Parameter(xp.ones(num_features, dtype))
        else:
            self.register_parameter("weight", None)
        if affine and bias:
            self.bias = Parameter(xp.zeros(num_features, dtype))
        else:
            self.register_parameter("bias", None)
        stats = (xp.zeros(num_features, dtype), xp.ones(num_features, dtype), xp.zeros((), xp.int64))
        for key, value in zip(("running_mean", "running_var", "num_batches_tracked"), stats):
            self.register_buffer(key, Tensor._make(value) if track_running_stats else None)

    def reset_running_stats(self) -> None:
        """Start the running statistics again: mean 0, variance 1, no batches counted."""
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def forward(self, input: Tensor) -> Tensor:
        if not isinstance(input, Tensor) or input.ndim not in self._ndims:
            got = f"{input.ndim}D input" if isinstance(input, Tensor) else type(input).__name__
            raise ShapeError(f"{type(self).__name__}: expected {' or '.join(f'{d}D' for d in self._ndims)} input "
                             f"(N, C{', L' if 3 in self._ndims else ''}{', H, W' if 4 in self._ndims else ''}), "
                             f"got {got}")  # fmt: skip
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # a cumulative average of every batch so far
                factor = 1.0 / int(self.num_batches_tracked.item())
        batch_stats = self.training or self.running_mean is None
        keep = not self.training or self.track_running_stats
        p, b = self._parameters, self._buffers
        return F.batch_norm(input, b["running_mean"] if keep else None, b["running_var"] if keep else None,
                            p["weight"], p["bias"], batch_stats, factor, self.eps)  # fmt: skip

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")  # fmt: skip


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of images (N, C, H, W), per channel over N, H and W.

    >>> bn = nn.BatchNorm2d(8)    # after a Conv2d(…, 8, …)
    """

    _ndims = (4,)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of features (N, C) or sequences (N, C, L), per channel."""

    _ndims = (2, 3)
