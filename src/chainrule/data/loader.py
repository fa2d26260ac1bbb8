"""DataLoader: mini-batches from a Dataset, shuffled reproducibly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from chainrule.backend import xp
from chainrule.data.dataset import Dataset
from chainrule.random import Generator, resolve
from chainrule.tensor import Tensor


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size``.

    With ``shuffle`` every epoch draws a new order from ``generator`` (the
    default stream when None), so a seeded generator gives the same batches run
    after run. The last, smaller batch is kept unless ``drop_last``.

    >>> for xb, yb in DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, generator=cr.Generator(0)):
    ...     ...
    """

    def __init__(
        self, dataset: Dataset, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
        generator: Generator | None = None,
    ) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = generator

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        order = resolve(self.generator).permutation(n) if self.shuffle else xp.arange(n)
        fetch = getattr(self.dataset, "__getitems__", None) or self._one_by_one
        size = self.batch_size
        for start in range(0, len(self) * size, size):
            yield fetch(order[start : start + size])

    def _one_by_one(self, indices: Any) -> Any:
        """A batch of a dataset without ``__getitems__``: its samples, stacked."""
        return collate([self.dataset[int(i)] for i in indices])


def collate(samples: list) -> Any:
    """Stack a list of samples (tensors, arrays, numbers, or tuples/dicts of them) into one batch."""
    first = samples[0]
    if isinstance(first, tuple | list):
        return type(first)(collate([s[i] for s in samples]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: collate([s[k] for s in samples]) for k in first}
    return Tensor._make(xp.stack([s.data if isinstance(s, Tensor) else xp.asarray(s) for s in samples]))
