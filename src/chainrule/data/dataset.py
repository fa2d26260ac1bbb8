"""Datasets: the indexable collections a DataLoader draws mini-batches from."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from chainrule.backend import as_array, xp
from chainrule.errors import ShapeError
from chainrule.random import Generator, resolve
from chainrule.tensor import Tensor


class Dataset:
    """Base class: define ``__getitem__(i)`` (one sample) and ``__len__``.

    Optionally ``__getitems__(indices)`` returns a whole batch at once (the fast path
    :class:`DataLoader` uses when present).
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: define ``__iter__`` (and ``__len__``, if the stream knows its length).

    A :class:`DataLoader` batches it as it comes (no sampler, no shuffling). chainrule loads in the main
    process, where :func:`get_worker_info` is None, so a stream that shards itself by worker yields it all once.
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __getitem__(self, index: int) -> Any:
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate over it, it has no samples by index")

    def __len__(self) -> int:
        raise TypeError(f"object of type '{type(self).__name__}' has no len(); define __len__ to give it one")

    def __add__(self, other: Dataset) -> ChainDataset:  # type: ignore[override]
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Iterable datasets one after another (``stream_a + stream_b``), as ``torch.utils.data.ChainDataset``."""

    def __init__(self, datasets: Iterable[IterableDataset]) -> None:
        self.datasets = list(datasets)

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, got {type(d).__name__}")
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


class TensorDataset(Dataset):
    """Samples are rows of equally long tensors (or arrays): ``ds[i] == (x[i], y[i])``.

    >>> ds = TensorDataset(x, y)            # x: (N, D), y: (N,)
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor._make(as_array(t)) for t in tensors)
        lengths = [t.shape[0] if t.ndim else None for t in self.tensors]
        if None in lengths or len(set(lengths)) != 1:
            shapes = [t.shape for t in self.tensors]
            raise ShapeError(f"TensorDataset: every tensor needs the same first dimension, got shapes {shapes}")

    def __getitem__(self, index: int) -> tuple:
        return tuple(Tensor._make(t._data[index]) for t in self.tensors)

    def __getitems__(self, indices: Any) -> tuple:
        if type(indices) is xp.ndarray and indices.dtype.kind in "iu":  # a DataLoader's batch: take is faster
            return tuple([Tensor._make(t._data.take(indices, axis=0)) for t in self.tensors])
        return tuple([Tensor._make(t._data[indices]) for t in self.tensors])

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, which are kept as given (a list stays a list, as in PyTorch).

    ``subset[[i, j]]`` asks the dataset for ``[indices[i], indices[j]]`` at once, as PyTorch's.
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index: int | list[int]) -> Any:
        if isinstance(index, list):
            return self.dataset[[self._position(i) for i in index]]
        return self.dataset[self._position(index)]

    def _position(self, index: int) -> int:
        """``indices[index]`` as a Python int (an entry of an array or a Tensor of indices too)."""
        position = self.indices[index]
        return position if type(position) is int else int(position)

    def __getitems__(self, indices: Any) -> Any:
        if isinstance(self.indices, xp.ndarray):  # an array of indices: pick the batch's at once
            inner = self.indices[xp.asarray(indices)]
        else:  # an array (what the dataset's fast path takes), built from the batch's entries only
            picked = indices.tolist() if isinstance(indices, xp.ndarray) else indices
            inner = xp.array([self.indices[i] for i in picked], dtype=xp.int64)
        if hasattr(self.dataset, "__getitems__"):
            return self.dataset.__getitems__(inner)
        return [self.dataset[int(i)] for i in inner]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Datasets one after another: index ``i`` past the first dataset's length continues in the second, and so on.

    >>> both = ConcatDataset([train, extra])          # or train + extra
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        if any(isinstance(d, IterableDataset) for d in self.datasets):
            raise TypeError("ConcatDataset does not support IterableDataset; chain streams with ChainDataset")
        self.cumulative_sizes, total = [], 0
        for d in self.datasets:
            total += len(d)
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        if index < 0:
            if -index > n:
                raise IndexError(f"ConcatDataset: index {index} is out of range for {n} samples")
            index += n
        part = bisect_right(self.cumulative_sizes, index)
        if part == len(self.datasets):
            raise IndexError(f"ConcatDataset: index {index} is out of range for {n} samples")
        return self.datasets[part][index - (self.cumulative_sizes[part - 1] if part else 0)]


def random_split(dataset: Dataset, lengths: Sequence[float], generator: Generator | None = None) -> list[Subset]:
    """Split into non-overlapping random subsets of the given sizes (ints, or fractions summing to 1).

    >>> train, test = random_split(ds, [0.8, 0.2], generator=cr.Generator(0))
    """
    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(isinstance(x, float) for x in lengths) and math.isclose(sum(lengths), 1.0):
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):  # hand out the remainder round-robin, like PyTorch
            counts[i % len(counts)] += 1
        lengths = counts
    if any(not isinstance(x, int) or x < 0 for x in lengths) or sum(lengths) != n:
        raise ValueError(
            f"random_split: lengths {lengths} must be non-negative ints summing to {n} or fractions summing to 1"
        )
    order = resolve(generator).permutation(n).tolist()  # lists of indices, as PyTorch's (a.indices + b.indices joins)
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, order[start : start + length]))
        start += length
    return out
