"""Perceptron: Rosenblatt's linear classifier, trained by its own learning rule rather than by gradients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chainrule import backend
from chainrule.backend import xp
from chainrule.creation import tensor
from chainrule.nn.module import Module
from chainrule.nn.parameter import Parameter
from chainrule.tensor import Tensor


class Perceptron(Module):
    """z = w·x + b and the step activation f(z) = 1 if z ≥ 0 else 0: class 1 on one side of the line
    (hyperplane) w·x + b = 0, class 0 on the other.

    Learning is the perceptron rule, one sample at a time: for a misclassified (x, y),
    w ← w + lr·(y − ŷ)·x and b ← b + lr·(y − ŷ); correct samples change nothing. No
    gradients are involved, so ``weight`` (in_features,) and ``bias`` (1,) (as ``nn.Linear(n, 1)``'s) do not
    require grad.
    Both start at zero; set them (``p.weight._data[:] = ...``) to start from a chosen line.

    >>> p = nn.Perceptron(2)
    >>> while p.epoch(x, y): pass          # x (N, 2), y (N,) in {0, 1}; until an epoch has no mistake
    >>> p(x)                               # labels 0/1, int64
    """

    def __init__(self, in_features: int, lr: float = 1.0, dtype: Any = None) -> None:
        super().__init__()
        if not isinstance(in_features, int) or isinstance(in_features, bool) or in_features < 1:
            raise ValueError(f"Perceptron: in_features must be a positive int, got {in_features!r}")
        if not lr > 0:
            raise ValueError(f"Perceptron: lr must be > 0, got {lr!r}")
        self.in_features, self.lr = in_features, float(lr)
        dtype = backend.default_float if dtype is None else xp.dtype(dtype)
        self.weight = Parameter(xp.zeros(in_features, dtype), requires_grad=False)
        self.bias = Parameter(xp.zeros(1, dtype), requires_grad=False)

    def reset_parameters(self) -> None:
        """Weights and bias back to 0, where the perceptron rule starts."""
        self.weight._data[...] = 0
        self.bias._data[...] = 0

    def decision_function(self, input: Any) -> Tensor:
        """z = w·x + b for each row of ``input`` (N, in_features), or for one sample (in_features,)."""
        return tensor(self._rows(input) @ self.weight._data + self.bias._data)

    def forward(self, input: Any) -> Tensor:
        """The predicted labels f(z): 1 where z ≥ 0, else 0 (int64)."""
        return tensor((self.decision_function(input)._data >= 0).astype(xp.int64))

    def distance(self, input: Any) -> Tensor:
        """Signed distance of each point to the line: z / ‖w‖ (positive on the class-1 side); inf when w = 0."""
        norm = float(xp.linalg.norm(self.weight._data))
        with xp.errstate(divide="ignore", invalid="ignore"):
            return tensor(self.decision_function(input)._data / norm)

    def step(self, x: Any, y: Any) -> bool:
        """Apply the rule to one sample ``x`` (in_features,) with label ``y`` (0 or 1); True when it was wrong
        (and the line moved)."""
        (x_row,), (label,) = self._rows(x, one=True), self._labels(y, 1)
        error = label - int(x_row @ self.weight._data + self.bias._data[0] >= 0)
        if error:
            self.weight._data += (self.lr * error) * x_row
            self.bias._data += self.lr * error
        return bool(error)

    def epoch(self, input: Any, target: Any, on_update: Callable[[int], None] | None = None) -> int:
        """One pass of :meth:`step` over the rows of ``input`` (N, in_features) in order; returns the number of
        mistakes (0: every sample was already right). ``on_update(i)`` is called after each change, with the row."""
        rows = self._rows(input)
        labels = self._labels(target, len(rows))
        mistakes = 0
        for i, (x_row, label) in enumerate(zip(rows, labels)):
            if self.step(x_row, label):
                mistakes += 1
                if on_update is not None:
                    on_update(i)
        return mistakes

    def _rows(self, input: Any, one: bool = False) -> Any:
        """``input`` as an (N, in_features) array in the weights' dtype; ``one``: exactly one sample."""
        a = xp.asarray(getattr(input, "_data", input), dtype=self.weight._data.dtype)
        if a.ndim == 1 and a.shape[0] == self.in_features:
            return a[None, :]
        if one or a.ndim != 2 or a.shape[1] != self.in_features:
            expected = f"({self.in_features},)" if one else f"(N, {self.in_features}) or ({self.in_features},)"
            raise ValueError(f"Perceptron: input of shape {a.shape}; expected {expected}")
        return a

    @staticmethod
    def _labels(target: Any, n: int) -> list:
        labels = xp.asarray(getattr(target, "_data", target)).reshape(-1)
        if labels.shape[0] != n or not xp.isin(labels, (0, 1)).all():
            raise ValueError(f"Perceptron: labels must be {n} value(s) in {{0, 1}}, got {labels[:8].tolist()}")
        return [int(v) for v in labels]

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, lr={self.lr}"
