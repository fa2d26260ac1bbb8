"""Loss modules; each wraps its ``chainrule.nn.functional`` form with a fixed ``reduction``."""

from __future__ import annotations

from typing import Any

from chainrule.creation import as_tensor
from chainrule.nn import functional as F
from chainrule.nn.functional_losses import REDUCTIONS
from chainrule.nn.module import Module
from chainrule.tensor import Tensor


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean squared error; the textbook ½‖a − t‖² is ``0.5 * MSELoss(reduction='sum')(a, t)``."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error |input − target| (``reduction`` as the other losses)."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.l1_loss(input, target, self.reduction)


class SmoothL1Loss(_Loss):
    """0.5·d²/β below ``beta``, d − 0.5·β above (d = |input − target|), as :func:`nn.functional.smooth_l1_loss`."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.smooth_l1_loss(input, target, self.reduction, self.beta)


class HuberLoss(_Loss):
    """0.5·d² below ``delta``, δ·(d − 0.5·δ) above (d = |input − target|), as :func:`nn.functional.huber_loss`."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.huber_loss(input, target, self.reduction, self.delta)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities (log clamped at −100); an optional ``weight`` per element (broadcast)."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        if isinstance(weight, str):  # the earlier BCELoss(reduction) form
            weight, reduction = None, weight
        super().__init__(reduction)
        _buffer(self, "weight", weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy(input, target, self._buffers["weight"], reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of logits, stable for any logit; optional per-element ``weight`` and per-class
    ``pos_weight`` (PyTorch's). Without them the gradient is σ(x) − y per element."""

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(reduction)
        _buffer(self, "weight", weight)
        _buffer(self, "pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        buffers = self._buffers
        return F.binary_cross_entropy_with_logits(
            input, target, buffers["weight"], reduction=self.reduction, pos_weight=buffers["pos_weight"]
        )


def _buffer(module: Module, name: str, value: Any) -> None:
    """A loss option saved in ``state_dict`` as a buffer, as PyTorch registers ``weight`` and ``pos_weight``."""
    module.register_buffer(name, None if value is None else as_tensor(value))


class _WeightedClassLoss(_Loss):
    """A class-label loss with PyTorch's ``weight`` (C,) and ``ignore_index``."""

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction)
        _buffer(self, "weight", weight)
        self.ignore_index = ignore_index

    def extra_repr(self) -> str:
        return f"ignore_index={self.ignore_index}, " + super().extra_repr()


class CrossEntropyLoss(_WeightedClassLoss):
    """Softmax + negative log-likelihood on logits (N, C), (C,) or (N, C, d1, …) and integer labels (N,), ()
    or (N, d1, …), or class probabilities; ``label_smoothing`` ε as in PyTorch."""

    def __init__(
        self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean", label_smoothing: float = 0.0
    ) -> None:
        super().__init__(weight, ignore_index, reduction)
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:
        weight = self._buffers["weight"]  # read directly: a buffer found by Module.__getattr__ costs ~1 µs a call
        return F.cross_entropy(input, target, weight, ignore_index=self.ignore_index, reduction=self.reduction,
                               label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedClassLoss):
    """Negative log-likelihood on log-probabilities, shapes and options as ``CrossEntropyLoss``."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.nll_loss(input, target, self._buffers["weight"], ignore_index=self.ignore_index,
                          reduction=self.reduction)


class MulticlassSVMLoss(_Loss):
    """Weston–Watkins hinge Σ_{j≠y} max(0, s_j − s_y + margin), averaged over samples (PyTorch MultiMarginLoss × C)."""

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.multiclass_svm_loss(input, target, self.margin, self.reduction)

    def extra_repr(self) -> str:
        return f"margin={self.margin}, reduction={self.reduction!r}"
