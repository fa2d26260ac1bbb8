"""Global switches of the engine: gradient recording and anomaly detection.

The state is process-wide (not per thread), which keeps the check on every op a
single attribute read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _State:
    grad_enabled: bool = True
    anomaly: bool = False


state = _State()


def is_grad_enabled() -> bool:
    """Whether operations on tensors that require grad are being recorded."""
    return state.grad_enabled


class _Switch:
    """A context manager that is also a decorator (like ``torch.no_grad``)."""

    attribute = ""
    value = False

    def __enter__(self) -> None:
        # A stack, so that one instance can be entered again while it is active.
        self.__dict__.setdefault("_previous", []).append(getattr(state, self.attribute))
        setattr(state, self.attribute, self.value)

    def __exit__(self, *exc: object) -> None:
        setattr(state, self.attribute, self._previous.pop())

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class _BareSwitch(_Switch):
    """A switch that also decorates without parentheses: ``@cr.no_grad`` as well as ``@cr.no_grad()``."""

    def __new__(cls, func: Callable[..., Any] | None = None) -> Any:
        switch = super().__new__(cls)
        return switch if func is None else switch(func)


class no_grad(_BareSwitch):
    """Record nothing inside: results do not require grad. Use for updates and evaluation."""

    attribute = "grad_enabled"
    value = False


class inference_mode(no_grad):
    """PyTorch's ``inference_mode``: here the same as ``no_grad`` (``mode=False`` records as usual)."""

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # @inference_mode without parentheses
            return no_grad(mode)
        return no_grad() if mode else enable_grad()


class enable_grad(_BareSwitch):
    """Record operations again inside a ``no_grad`` region."""

    attribute = "grad_enabled"
    value = True


class set_grad_enabled(_Switch):
    """Turn recording on or off, e.g. ``with set_grad_enabled(training): ...``."""

    attribute = "grad_enabled"

    def __init__(self, mode: bool) -> None:
        self.value = bool(mode)

    def __call__(self, func: F) -> F:
        mode = self.value

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class detect_anomaly(_BareSwitch):
    """Raise at the first op whose output or gradient holds NaN/Inf, naming where it was made.

    Slow: every op records the traceback of its creation and checks its values.
    """

    attribute = "anomaly"
    value = True
