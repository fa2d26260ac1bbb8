"""Embedding: a lookup table of learnable vectors, one row per index (PyTorch's init, arguments and keys)."""

from __future__ import annotations

from typing import Any

from chainrule.autograd.mode import no_grad
from chainrule.backend import xp
from chainrule.errors import ShapeError
from chainrule.nn import functional as F
from chainrule.nn import init
from chainrule.nn.module import Module, factory_dtype
from chainrule.nn.parameter import Parameter
from chainrule.random import Generator
from chainrule.tensor import Tensor


class Embedding(Module):
    """``weight`` (num_embeddings, embedding_dim) ~ N(0, 1), the ``padding_idx`` row zero; ``forward(indices)``
    gives ``weight[indices]`` (see ``nn.functional.embedding`` for the options).

    >>> emb = nn.Embedding(10, 3, padding_idx=0)
    >>> emb(cr.tensor([[1, 2, 0]])).shape             # (1, 3, 3)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Any = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None, generator: Generator | None = None) -> None:  # fmt: skip
        super().__init__()
        for name, n in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                raise ValueError(f"Embedding: {name} must be a non-negative int, got {n!r}")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx must be within num_embeddings (in [{-num_embeddings}, "
                                 f"{num_embeddings - 1}]), got {padding_idx}")  # fmt: skip
            padding_idx %= num_embeddings
        if sparse:
            raise ValueError("Embedding: sparse=True is not supported (chainrule has no sparse gradients)")
        dtype = factory_dtype(device, dtype, "Embedding")
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        self.max_norm, self.norm_type, self.sparse = max_norm, norm_type, sparse
        self.scale_grad_by_freq = scale_grad_by_freq
        if _weight is None:
            self.weight = Parameter(xp.empty((num_embeddings, embedding_dim), dtype), requires_grad=not _freeze)
            self.reset_parameters(generator)
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ShapeError(f"Embedding: _weight must have shape ({num_embeddings}, {embedding_dim}), got "
                                 f"{tuple(_weight.shape)}")  # fmt: skip
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self, generator: Generator | None = None) -> None:
        """PyTorch's default: every row drawn from N(0, 1) (``generator`` decides them), the ``padding_idx`` row 0."""
        init.normal_(self.weight, generator=generator)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, input: Any) -> Tensor:
        return F.embedding(input, self._parameters["weight"], self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)  # fmt: skip

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        return text

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:  # fmt: skip
        """An Embedding whose weight is (a copy of) the 2-d ``embeddings``, frozen unless ``freeze=False``."""
        if getattr(embeddings, "ndim", None) != 2:
            raise ShapeError(f"Embedding.from_pretrained: embeddings must be 2-d, got shape "
                             f"{getattr(embeddings, 'shape', None)}")  # fmt: skip
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse, _weight=embeddings,
                   _freeze=freeze)  # fmt: skip
