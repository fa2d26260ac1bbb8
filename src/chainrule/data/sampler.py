"""Samplers: the order in which a DataLoader visits a dataset's indices (``torch.utils.data``'s samplers).

Random samplers draw from a chainrule :class:`~chainrule.Generator` (NumPy's PCG64), so a seed gives the
same order run after run; the orders are not PyTorch's (its generator is another algorithm).
Iterating a sampler gives Python ints, a BatchSampler lists of them, as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized
from typing import Any

from chainrule.backend import xp
from chainrule.random import Generator, resolve
from chainrule.tensor import Tensor


class Sampler:
    """Base class: ``__iter__`` yields indices (or, for a batch sampler, lists of them); ``__len__`` counts them."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class ArraySampler(Sampler):
    """A sampler that draws a whole epoch's indices as one int64 array (which a DataLoader slices into batches)."""

    def epoch_indices(self) -> Any:
        """This epoch's indices (a new draw for each call of a random sampler)."""
        raise NotImplementedError(f"{type(self).__name__} must define epoch_indices()")

    def __iter__(self) -> Iterator[int]:
        return iter(self.epoch_indices().tolist())


class SequentialSampler(ArraySampler):
    """0, 1, ..., len(data_source) − 1."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def epoch_indices(self) -> Any:
        return xp.arange(len(self.data_source))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(ArraySampler):
    """A random permutation of the indices each epoch; or ``num_samples`` draws, with or without ``replacement``.

    >>> sampler = RandomSampler(dataset, generator=cr.Generator(0))
    """

    def __init__(
        self, data_source: Sized, replacement: bool = False, num_samples: int | None = None,
        generator: Generator | None = None,
    ) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement must be True or False, got {replacement!r}")
        if num_samples is not None:
            _positive_int("RandomSampler", "num_samples", num_samples)
        self.data_source, self.replacement, self._num_samples, self.generator = (
            data_source, replacement, num_samples, generator)  # fmt: skip

    @property
    def num_samples(self) -> int:
        """How many indices an epoch yields: ``num_samples`` if given, else the dataset's length."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def epoch_indices(self) -> Any:
        n, rng = len(self.data_source), resolve(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=self.num_samples)
        if self.num_samples == n:  # the common case: one permutation (the draw chainrule's training replays)
            return rng.permutation(n)
        whole, rest = divmod(self.num_samples, n) if n else (0, 0)
        return xp.concatenate([rng.permutation(n) for _ in range(whole)] + [rng.permutation(n)[:rest]])

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(ArraySampler):
    """The given indices, in a random order each epoch."""

    def __init__(self, indices: Iterable[int], generator: Generator | None = None) -> None:
        self.indices, self.generator = xp.asarray(list(indices), dtype=xp.int64), generator

    def epoch_indices(self) -> Any:
        return self.indices[resolve(self.generator).permutation(len(self.indices))]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(ArraySampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights`` (with replacement by default).

    >>> counts = np.bincount(labels); weights = 1.0 / counts[labels]      # classes drawn equally often
    >>> sampler = WeightedRandomSampler(weights, num_samples=len(weights), generator=cr.Generator(0))
    """

    def __init__(
        self, weights: Any, num_samples: int, replacement: bool = True, generator: Generator | None = None
    ) -> None:
        _positive_int("WeightedRandomSampler", "num_samples", num_samples)
        if not isinstance(replacement, bool):
            raise TypeError(f"WeightedRandomSampler: replacement must be True or False, got {replacement!r}")
        w = xp.asarray(weights._data if isinstance(weights, Tensor) else weights, dtype=xp.float64)
        if w.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights must be a 1-D sequence, got shape {w.shape}")
        if not (xp.isfinite(w).all() and (w >= 0).all() and w.sum() > 0):
            raise ValueError("WeightedRandomSampler: weights must be finite, non-negative and not all zero")
        if not replacement and num_samples > xp.count_nonzero(w):
            raise ValueError(f"WeightedRandomSampler: cannot draw {num_samples} distinct indices without replacement "
                             f"from {xp.count_nonzero(w)} with non-zero weight")  # fmt: skip
        self.weights, self.num_samples, self.replacement, self.generator = w, num_samples, replacement, generator

    def epoch_indices(self) -> Any:
        p = self.weights / self.weights.sum()
        return resolve(self.generator).choice(len(p), size=self.num_samples, replace=self.replacement, p=p)

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups a sampler's indices into lists of ``batch_size`` (the last one shorter unless ``drop_last``).

    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))   # [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int, drop_last: bool) -> None:
        _positive_int("BatchSampler", "batch_size", batch_size)
        if not isinstance(drop_last, bool):
            raise TypeError(f"BatchSampler: drop_last must be True or False, got {drop_last!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def batches(self) -> Iterator[Any]:
        """The batches as index arrays (slices of one draw) when the sampler draws arrays, else as lists."""
        size = self.batch_size
        if isinstance(self.sampler, ArraySampler):
            order = self.sampler.epoch_indices()
            stop = len(order) - len(order) % size if self.drop_last else len(order)
            for start in range(0, stop, size):
                yield order[start : start + size]
            return
        batch: list = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __iter__(self) -> Iterator[list[int]]:
        for batch in self.batches():
            yield batch if isinstance(batch, list) else batch.tolist()

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


def _positive_int(owner: str, name: str, value: Any) -> None:
    if not isinstance(value, int | xp.integer) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")
