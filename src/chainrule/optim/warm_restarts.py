"""CosineAnnealingWarmRestarts: SGDR (Loshchilov & Hutter, 2017), with ``torch.optim.lr_scheduler``'s arithmetic."""

from __future__ import annotations

import math

from chainrule.optim.optimizer import Optimizer
from chainrule.optim.scheduler import LRScheduler


class CosineAnnealingWarmRestarts(LRScheduler):
    """eta_min + (base − eta_min)(1 + cos(π · T_cur / T_i)) / 2, where T_cur counts the epochs since the last
    restart and the i-th period lasts T_i = T_0 · T_mult^i epochs.

    ``step(epoch)`` (a float too, to step within an epoch) jumps to that epoch without a warning, as in PyTorch.

    >>> sched = CosineAnnealingWarmRestarts(opt, T_0=10, T_mult=2, eta_min=1e-5)
    """

    def __init__(
        self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        if not isinstance(T_0, int) or isinstance(T_0, bool) or T_0 <= 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: expected a positive integer T_0, but got {T_0!r}")
        if not isinstance(T_mult, int) or isinstance(T_mult, bool) or T_mult < 1:
            raise ValueError(f"CosineAnnealingWarmRestarts: expected an integer T_mult >= 1, but got {T_mult!r}")
        if not isinstance(eta_min, float | int) or isinstance(eta_min, bool):
            raise ValueError(f"CosineAnnealingWarmRestarts: expected a float or int eta_min, but got {eta_min!r} "
                             f"of type {type(eta_min).__name__}")  # fmt: skip
        self.T_0, self.T_i, self.T_mult, self.eta_min, self.T_cur = T_0, T_0, T_mult, eta_min, last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
                for base in self.base_lrs]  # fmt: skip

    def step(self, epoch: float | None = None) -> None:
        """Move to the next epoch, or to ``epoch`` (which may be fractional), and set the groups' rates."""
        self._step_count += 1
        self._update_lr(epoch)

    def _update_lr(self, epoch: float | None = None) -> None:
        """PyTorch's step: T_cur and T_i for the epoch (by counting on, or from ``epoch``), then the rates."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur %= self.T_i
                self.T_i *= self.T_mult
        elif epoch < 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: expected a non-negative epoch, but got {epoch!r}")
        elif epoch < self.T_0:
            self.T_i, self.T_cur = self.T_0, epoch
        elif self.T_mult == 1:
            self.T_cur = epoch % self.T_0
        else:
            n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
            self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
            self.T_i = self.T_0 * self.T_mult**n
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]
