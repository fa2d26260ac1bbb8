"""OneCycleLR: the 1cycle policy (Smith & Topin, 2019), with ``torch.optim.lr_scheduler.OneCycleLR``'s arithmetic."""

from __future__ import annotations

import math

from chainrule.optim.optimizer import Optimizer
from chainrule.optim.scheduler import LRScheduler, check_optimizer, per_group


class OneCycleLR(LRScheduler):
    """The rate rises from max_lr / div_factor to max_lr over the first ``pct_start`` of the run, then anneals to
    max_lr / (div_factor · final_div_factor); momentum (SGD's 'momentum' or Adam's β₁) moves the opposite way.

    Step once per batch: ``total_steps`` (or ``epochs · steps_per_epoch``) steps in all; one more is an error.
    ``three_phase`` comes back down to the initial rate before the final annealing.

    >>> sched = OneCycleLR(opt, max_lr=0.1, epochs=10, steps_per_epoch=len(loader))
    """

    def __init__(
        self, optimizer: Optimizer, max_lr: float | list[float], total_steps: int | None = None,
        epochs: int | None = None, steps_per_epoch: int | None = None, pct_start: float = 0.3,
        anneal_strategy: str = "cos", cycle_momentum: bool = True, base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95, div_factor: float = 25.0, final_div_factor: float = 1e4,
        three_phase: bool = False, last_epoch: int = -1,
    ) -> None:
        check_optimizer(self, optimizer)
        self.optimizer = optimizer
        self.total_steps = _total_steps(total_steps, epochs, steps_per_epoch)
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"OneCycleLR: pct_start must be a float in [0, 1], got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
        self._anneal_func_type = anneal_strategy
        self._schedule_phases = _phases(self.total_steps, pct_start, three_phase)
        if last_epoch == -1:
            for group, top in zip(optimizer.param_groups, per_group(self, "max_lr", max_lr), strict=True):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(f"OneCycleLR: {type(optimizer).__name__} has neither 'momentum' nor 'betas' to "
                                 "cycle; pass cycle_momentum=False")  # fmt: skip
            self.use_beta1 = "betas" in optimizer.defaults
            tops, bases = per_group(self, "max_momentum", max_momentum), per_group(self, "base_momentum", base_momentum)
            if last_epoch == -1:
                for group, top, base in zip(optimizer.param_groups, tops, bases, strict=True):
                    self._set_momentum(group, top)
                    group["max_momentum"], group["base_momentum"] = top, base
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def _set_momentum(self, group: dict, momentum: float) -> None:
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times; the schedule has {self.total_steps} steps "
                             "(total_steps, or epochs × steps_per_epoch)")  # fmt: skip
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end = phase["end_step"]
                if step <= end or i == len(self._schedule_phases) - 1:
                    pct = (step - start) / (end - start)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        momentum = self._anneal(group[phase["start_momentum"]], group[phase["end_momentum"]], pct)
                        self._set_momentum(group, momentum)
                    break
                start = end
        return lrs


def _total_steps(total_steps: int | None, epochs: int | None, steps_per_epoch: int | None) -> int:
    def positive(value: object) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value > 0

    if total_steps is not None:
        if not positive(total_steps):
            raise ValueError(f"OneCycleLR: total_steps must be a positive int, got {total_steps!r}")
        return total_steps
    if epochs is None or steps_per_epoch is None:
        raise ValueError("OneCycleLR: give total_steps, or epochs and steps_per_epoch")
    for name, value in (("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
        if not positive(value):
            raise ValueError(f"OneCycleLR: {name} must be a positive int, got {value!r}")
    return epochs * steps_per_epoch


def _phases(total: int, pct_start: float, three_phase: bool) -> list[dict]:
    """Each phase's last step and the group keys its rate and momentum go between (PyTorch's table)."""
    up = {"end_step": float(pct_start * total) - 1, "start_lr": "initial_lr", "end_lr": "max_lr",
          "start_momentum": "max_momentum", "end_momentum": "base_momentum"}  # fmt: skip
    if not three_phase:
        return [up, {"end_step": total - 1, "start_lr": "max_lr", "end_lr": "min_lr",
                     "start_momentum": "base_momentum", "end_momentum": "max_momentum"}]  # fmt: skip
    down = {"end_step": float(2 * pct_start * total) - 2, "start_lr": "max_lr", "end_lr": "initial_lr",
            "start_momentum": "base_momentum", "end_momentum": "max_momentum"}  # fmt: skip
    final = {"end_step": total - 1, "start_lr": "initial_lr", "end_lr": "min_lr",
             "start_momentum": "max_momentum", "end_momentum": "max_momentum"}  # fmt: skip
    return [up, down, final]
