"""All parameters as one flat vector, and back (PyTorch's ``parameters_to_vector`` and ``vector_to_parameters``)."""

from __future__ import annotations

from collections.abc import Iterable

from chainrule.autograd.mode import no_grad
from chainrule.errors import ShapeError
from chainrule.ops.api import cat
from chainrule.tensor import Tensor


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """The parameters flattened and joined in order into one 1-D tensor (differentiable, like ``cat``).

    >>> vec = nn.utils.parameters_to_vector(model.parameters())      # shape (number of weights,)
    """
    parts = [p.reshape(-1) for p in parameters]
    if not parts:
        raise ValueError("parameters_to_vector: got no parameters to flatten")
    return cat(parts)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into ``parameters``, in place (each keeps its dtype).

    Elements past the parameters' total are left unused, as in PyTorch; too few elements is an error.

    >>> nn.utils.vector_to_parameters(vec, model.parameters())       # inverse of parameters_to_vector
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected a Tensor, got {type(vec).__name__}")
    if vec.ndim != 1:
        raise ShapeError(f"vector_to_parameters: expected a 1-D vector, got shape {tuple(vec.shape)}")
    params = list(parameters)
    needed = sum(p.numel() for p in params)
    if vec.shape[0] < needed:
        shapes = [tuple(p.shape) for p in params]
        raise ShapeError(f"vector_to_parameters: the vector has {vec.shape[0]} elements; parameters of shapes "
                         f"{shapes} need {needed}")  # fmt: skip
    start = 0
    with no_grad():
        for p in params:
            p.copy_(vec[start : start + p.numel()].reshape(p.shape))
            start += p.numel()
