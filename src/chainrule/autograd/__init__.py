"""``chainrule.autograd``: the graph machinery (Function, backward, gradient functions, modes).

Names are loaded on first use because ``chainrule.tensor`` itself imports
``autograd.mode`` while the package is starting up.
"""

from importlib import import_module
from typing import Any

_HOME = {
    "Function": "function",
    "backward": "functional",
    "grad": "functional",
    "hvp": "functional",
    "jacobian": "functional",
    "detect_anomaly": "mode",
    "enable_grad": "mode",
    "is_grad_enabled": "mode",
    "no_grad": "mode",
    "set_detect_anomaly": "mode",
    "set_grad_enabled": "mode",
    "inference_mode": "mode",
}
#: gradient checking lives in ``chainrule.check``; PyTorch users find it here too
_CHECK = ("gradcheck", "gradgradcheck")

__all__ = sorted([*_HOME, *_CHECK])


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(import_module(f"chainrule.autograd.{_HOME[name]}"), name)
    if name in _CHECK:
        return getattr(import_module("chainrule.check"), name)
    raise AttributeError(f"module 'chainrule.autograd' has no attribute {name!r}")
