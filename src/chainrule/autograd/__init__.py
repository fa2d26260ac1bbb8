"""``chainrule.autograd``: the graph machinery (Function, backward, gradient functions, modes).

Names are loaded on first use because ``chainrule.tensor`` itself imports
``autograd.mode`` while the package is starting up.
"""

from importlib import import_module
from typing import Any

_HOME = {
    "Function": "function",
    "grad": "functional",
    "hvp": "functional",
    "jacobian": "functional",
    "detect_anomaly": "mode",
    "enable_grad": "mode",
    "is_grad_enabled": "mode",
    "no_grad": "mode",
    "set_grad_enabled": "mode",
}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(import_module(f"chainrule.autograd.{_HOME[name]}"), name)
    raise AttributeError(f"module 'chainrule.autograd' has no attribute {name!r}")
