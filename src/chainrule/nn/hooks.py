"""RemovableHandle: what registering a module hook returns (``torch.utils.hooks.RemovableHandle``'s use)."""

from __future__ import annotations

import itertools
from typing import Any


class RemovableHandle:
    """Removes the hook it was made for: ``handle.remove()``, or leaving a ``with handle:`` block."""

    _ids = itertools.count()

    def __init__(self, hooks: dict) -> None:
        self.hooks = hooks
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        """Unregister the hook (doing it again does nothing)."""
        self.hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()
