"""Devices, as PyTorch names them: chainrule computes on the CPU with NumPy, so "cpu" is the one there is.

Device-agnostic PyTorch code runs unchanged: ``cr.device("cpu")``, ``t.to(device)``, ``t.cpu()``,
``model.to(device)`` and ``cr.cuda.is_available()`` (False) all work; naming another device raises
a clear error instead of computing somewhere unexpected.
"""

from __future__ import annotations

from typing import Any

from chainrule.errors import ChainruleError

#: The device types PyTorch knows; naming one is not a typo, only unavailable here.
KNOWN_TYPES = ("cpu", "cuda", "mps", "xpu", "xla", "meta", "hip", "ipu", "hpu", "mtia", "vulkan")


class DeviceError(ChainruleError, RuntimeError):
    """A device that chainrule cannot compute on."""


class device:  # noqa: N801  (PyTorch's name)
    """Where a tensor lives, as ``torch.device``: ``device("cpu")``, ``device("cuda:0")``, ``device("cuda", 1)``."""

    __slots__ = ("type", "index")

    def __init__(self, spec: Any, index: int | None = None) -> None:
        if isinstance(spec, device):
            spec, index = spec.type, spec.index if index is None else index
        elif isinstance(spec, int) and not isinstance(spec, bool) and index is None:
            spec, index = "cuda", spec  # PyTorch reads a bare ordinal as a CUDA device
        if not isinstance(spec, str):
            raise TypeError(f"device: expected a string like 'cpu' or 'cuda:0', got {type(spec).__name__}")
        kind, _, number = spec.partition(":")
        if kind not in KNOWN_TYPES:
            known = ", ".join(KNOWN_TYPES)
            raise ValueError(f"device: unknown device type {kind!r} in {spec!r}; expected one of {known}")
        if number:
            if index is not None or not number.isdigit():
                raise ValueError(f"device: invalid device string {spec!r}; expected e.g. 'cpu' or 'cuda:0'")
            index = int(number)
        if index is not None and (not isinstance(index, int) or isinstance(index, bool) or index < 0):
            raise ValueError(f"device: the index must be a non-negative int, got {index!r}")
        self.type, self.index = kind, index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type={self.type!r}{index})"


CPU = device("cpu")


def available(spec: Any, op: str) -> device:
    """``spec`` as a device, if chainrule can compute there (the CPU; None means it); otherwise a clear error."""
    if spec is None:
        return CPU
    d = spec if isinstance(spec, device) else device(spec)
    if d.type != "cpu" or d.index not in (None, 0):
        raise DeviceError(
            f"{op}: device '{d}' is not available: chainrule computes on the CPU with NumPy. Use 'cpu', "
            "or write device-agnostic code: device = 'cuda' if cr.cuda.is_available() else 'cpu'"
        )
    return d


def check_factory(op: str, device: Any = None, pin_memory: bool = False) -> None:
    """Check a factory's ``device=`` and ``pin_memory=`` as PyTorch's: the CPU (or None), and no pinned memory."""
    available(device, op)
    if pin_memory:
        raise DeviceError(f"{op}: pin_memory=True needs a CUDA device to copy to, and chainrule computes on the "
                          "CPU with NumPy; leave pin_memory=False")  # fmt: skip
