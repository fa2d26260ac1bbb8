"""Global switches of the engine: gradient recording and anomaly detection.

The state is process-wide (not per thread), which keeps the check on every op a
single attribute read.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Generator
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
        return decorate(func, type(self))


def decorate(func: F, switch: Callable[[], Any]) -> F:
    """``func`` run inside ``switch()``; a generator function's body too, each time it resumes (as PyTorch)."""
    if inspect.isgeneratorfunction(func):

        @functools.wraps(func)
        def generator(*args: Any, **kwargs: Any) -> Any:
            return (yield from _switched(func(*args, **kwargs), switch))

        return generator  # type: ignore[return-value]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with switch():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _switched(gen: Generator, switch: Callable[[], Any]) -> Generator:
    """Drive ``gen`` with ``switch()`` entered around each of its steps, and left between them."""
    try:
        with switch():
            value = gen.send(None)
        while True:
            try:
                sent = yield value
            except GeneratorExit:
                with switch():
                    gen.close()
                raise
            except BaseException as error:  # thrown in by the caller: on to the generator
                with switch():
                    value = gen.throw(error)
            else:
                with switch():
                    value = gen.send(sent)
    except StopIteration as stop:
        return stop.value


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


class set_grad_enabled:
    """Turn recording on or off: at once when called (``cr.set_grad_enabled(False)``, as PyTorch), until the
    end of a ``with set_grad_enabled(training):`` block, or while a function decorated with it runs."""

    def __init__(self, mode: bool) -> None:
        self.value = bool(mode)
        self._previous = state.grad_enabled
        state.grad_enabled = self.value

    def __enter__(self) -> None:
        pass  # already switched by the call

    def __exit__(self, *exc: object) -> None:
        state.grad_enabled = self._previous

    def __call__(self, func: F) -> F:
        state.grad_enabled = self._previous  # as a decorator, it switches only while ``func`` runs
        mode = self.value
        return decorate(func, lambda: set_grad_enabled(mode))


def set_detect_anomaly(mode: bool) -> None:
    """Turn anomaly detection (see :class:`detect_anomaly`) on or off from here on."""
    state.anomaly = bool(mode)


class detect_anomaly(_BareSwitch):
    """Raise at the first op whose output or gradient holds NaN/Inf, naming where it was made.

    Slow: every op records the traceback of its creation and checks its values.
    """

    attribute = "anomaly"
    value = True
