"""LRScheduler: the base of the learning-rate schedules, with ``torch.optim.lr_scheduler.LRScheduler``'s protocol.

A schedule computes each group's next rate in ``get_lr()`` from the rate the group has now
(PyTorch's chainable form, with PyTorch's arithmetic, so trajectories agree to the last bit), and
where PyTorch has one, from ``base_lrs`` and the epoch in ``_get_closed_form_lr()`` (what
``step(epoch)`` and SequentialLR's restarts use). Call ``step()`` after ``optimizer.step()``.
"""

from __future__ import annotations

import warnings
from typing import Any

from chainrule.optim.optimizer import Optimizer

EPOCH_DEPRECATION = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where possible. "
    "Please use `scheduler.step()` to step the scheduler."
)  # PyTorch's warning, word for word


class LRScheduler:
    """Sets each parameter group's 'lr' once per ``step()``; ``last_epoch`` counts the steps taken.

    At construction every group gets an 'initial_lr' (its current 'lr', unless it has one already), which
    are the ``base_lrs``, and the schedule takes its first step (epoch 0). Resuming with ``last_epoch >= 0``
    needs the groups' 'initial_lr' (restore the optimizer's state first, or better: load ``state_dict``).
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        check_optimizer(self, optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{type(self).__name__}: param_groups[{i}] has no 'initial_lr', which resuming with "
                        f"last_epoch={last_epoch} needs; load the optimizer's state_dict first, or use last_epoch=-1"
                    )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """The step a schedule takes when it starts (epoch 0): the only one with ``_is_initial`` set."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """Each group's rate for epoch ``last_epoch`` (what a subclass defines)."""
        raise NotImplementedError(f"{type(self).__name__} must define get_lr()")

    def step(self, epoch: int | None = None) -> None:
        """Move to the next epoch and set the groups' rates. ``epoch`` is PyTorch's deprecated form (warns)."""
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        """The next epoch's rates, or with ``epoch`` that epoch's (by the closed form where there is one)."""
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The rates the last ``step()`` set, one per group."""
        return list(self._last_lr)

    def _current_lrs(self) -> list[float]:
        """The rate each group has now (where a chainable step starts from)."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict:
        """Everything but the optimizer (save the optimizer's own ``state_dict`` beside it)."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what ``state_dict`` returned (the optimizer's rates come from its own state)."""
        self.__dict__.update(state_dict)


def check_optimizer(scheduler: Any, optimizer: Any) -> None:
    """TypeError unless ``optimizer`` is a chainrule Optimizer (a torch one, say, cannot be scheduled here)."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(scheduler).__name__}: expected an Optimizer, got {type(optimizer).__name__}")


def per_group(scheduler: Any, name: str, value: Any) -> list:
    """``value`` for each parameter group: a list or tuple of one per group, or one value for all."""
    groups = scheduler.optimizer.param_groups
    if isinstance(value, list | tuple):
        if len(value) != len(groups):
            raise ValueError(f"{type(scheduler).__name__}: expected {len(groups)} values for {name} (one per "
                             f"parameter group), got {len(value)}")  # fmt: skip
        return list(value)
    return [value] * len(groups)
