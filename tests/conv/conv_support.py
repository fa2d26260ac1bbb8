"""Shared helpers of the convolution tests: either library's functional namespace, checks against PyTorch."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager

import numpy as np

import chainrule as cr
from chainrule.nn import functional_conv
from chainrule.ops import conv_kernels
from helpers.oracle import Case, check_rules, compare_with_torch, requires_torch, torch

__all__ = ["Case", "F", "check_rules", "compare", "requires_torch", "small_chunks", "torch"]


def F(m):
    """The functional namespace of either library: chainrule's image functions, or ``torch.nn.functional``."""
    if m is cr:
        return functional_conv
    import torch.nn.functional

    return torch.nn.functional


def compare(name: str, f: Callable, arrays: list, twice: bool = True, tol: float = 1e-9) -> None:
    """Value, gradients and (with ``twice``) Hessian-vector products of ``f(m, *xs)`` agree with PyTorch's, float64."""
    compare_with_torch(Case(name, f, [], twice=twice), [np.asarray(a, dtype=np.float64) for a in arrays], tol)


@contextmanager
def small_chunks(nbytes: int = 256):
    """Make the convolution kernels work in chunks of about ``nbytes`` (one or two samples), to test the seams."""
    saved = conv_kernels.CHUNK_BYTES
    conv_kernels.CHUNK_BYTES = nbytes
    try:
        yield
    finally:
        conv_kernels.CHUNK_BYTES = saved
