"""Split: what every dataset function returns — a fixed train/test split as tensors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from chainrule.backend import xp
from chainrule.data.dataset import TensorDataset
from chainrule.data.transforms import split_indices
from chainrule.tensor import Tensor


@dataclass(frozen=True)
class Split:
    """A dataset's train and test parts: float32 features ``x_*`` (N, D) and int64 labels ``y_*`` (N,).

    Unpacks as ``x_train, y_train, x_test, y_test = split``; ``split.train`` and
    ``split.test`` are :class:`TensorDataset`s for a DataLoader.
    """

    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor
    num_classes: int
    name: str

    def __iter__(self) -> Iterator[Tensor]:
        return iter((self.x_train, self.y_train, self.x_test, self.y_test))

    @property
    def train(self) -> TensorDataset:
        """The training part as a dataset of (features, label) pairs."""
        return TensorDataset(self.x_train, self.y_train)

    @property
    def test(self) -> TensorDataset:
        """The test part as a dataset of (features, label) pairs."""
        return TensorDataset(self.x_test, self.y_test)

    def __repr__(self) -> str:
        return (
            f"Split({self.name!r}: train x{tuple(self.x_train.shape)} y{tuple(self.y_train.shape)}, "
            f"test x{tuple(self.x_test.shape)} y{tuple(self.y_test.shape)}, {self.num_classes} classes)"
        )


def make_split(x: Any, y: Any, test_fraction: float, seed: int, name: str, num_classes: int | None = None) -> Split:
    """A stratified split (class proportions kept) of arrays ``x``, ``y``, fixed by ``seed``."""
    x = xp.ascontiguousarray(x, dtype=xp.float32)
    y = xp.asarray(y, dtype=xp.int64)
    n = len(y)
    n_test = round(test_fraction * n)
    mask = xp.zeros(n, bool)
    if 0 < n_test < n:
        mask[split_indices(n, n_test, True, y, xp.random.default_rng(seed))] = True
    train, test = ~mask, mask
    return Split(
        Tensor._make(x[train]), Tensor._make(y[train]), Tensor._make(x[test]), Tensor._make(y[test]),
        int(y.max()) + 1 if num_classes is None else num_classes, name,
    )
