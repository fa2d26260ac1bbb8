"""What a recorded layer is, in a few words for its gate: ``Conv2d 1→8, 5×5, pad 2``, ``MaxPool2d 2×2``.

The words come from the module's public attributes (PyTorch's names: ``in_channels``, ``kernel_size``,
``stride`` ...); settings at their defaults are left out, and a class not listed here shows its name alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chainrule import nn


def describe(module: Any) -> str:
    """The layer's settings in a few words (``""`` for a layer without any worth showing)."""
    for cls, words in _WORDS:
        if isinstance(module, cls):
            return ", ".join(w for w in words(module) if w)
    return ""


def _sizes(value: Any) -> str:
    """``2`` for 2 or (2, 2); ``2×1`` for (2, 1)."""
    sizes = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    return str(sizes[0]) if len(set(sizes)) == 1 else "×".join(str(s) for s in sizes)


def _pair(value: Any) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def _setting(word: str, value: Any, default: Any) -> str:
    """``stride 2``, or ``""`` where every size is ``default``."""
    sizes = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    return "" if all(s == default for s in sizes) else f"{word} {_sizes(value)}"


def _conv(m: Any) -> list[str]:
    k = m.kernel_size
    if isinstance(m.padding, str):
        pad = "" if m.padding == "valid" else f"pad {m.padding}"
    else:
        pad = _setting("pad", m.padding, 0)
    if pad and m.padding_mode != "zeros":
        pad += f" {m.padding_mode}"
    return [
        f"{m.in_channels}→{m.out_channels}",
        "×".join(str(s) for s in k) if len(k) > 1 else f"kernel {k[0]}",
        _setting("stride", m.stride, 1),
        pad,
        _setting("dilation", m.dilation, 1),
        _setting("output padding", m.output_padding, 0),
        f"groups {m.groups}" if m.groups != 1 else "",
        "no bias" if m.bias is None else "",
    ]


def _pool(m: Any) -> list[str]:
    kernel = _pair(m.kernel_size)
    return [
        "×".join(str(s) for s in kernel),
        "" if _pair(m.stride) == kernel else f"stride {_sizes(m.stride)}",
        _setting("pad", m.padding, 0),
        _setting("dilation", getattr(m, "dilation", 1), 1),
        "ceil" if m.ceil_mode else "",
    ]


def _adaptive(m: Any) -> list[str]:
    size = _pair(m.output_size)
    return ["to " + "×".join(axis if s is None else str(s) for s, axis in zip(size, "HW"))]


def _batch_norm(m: Any) -> list[str]:
    return [
        f"{m.num_features} channels",
        "running stats" if not m.training and m.running_mean is not None else "",
        "" if m.affine else "no affine",
    ]


def _linear(m: Any) -> list[str]:
    return [f"{m.in_features}→{m.out_features}", "no bias" if m.bias is None else ""]


_WORDS: list[tuple[type | tuple[type, ...], Callable[[Any], list[str]]]] = [
    ((nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d), _conv),
    ((nn.MaxPool2d, nn.AvgPool2d), _pool),
    (nn.AdaptiveAvgPool2d, _adaptive),
    ((nn.BatchNorm1d, nn.BatchNorm2d), _batch_norm),
    (nn.Linear, _linear),
    ((nn.Dropout, nn.Dropout2d), lambda m: [f"p {m.p}"]),
]
