"""DataLoader: mini-batches from a Dataset (``torch.utils.data.DataLoader``), and the default collate functions.

The order comes from a sampler (sequential, or random from a seeded Generator when ``shuffle``), the
batches from a batch sampler; a dataset with ``__getitems__`` hands over a whole batch at once.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any

from chainrule.backend import xp
from chainrule.data.dataset import Dataset, IterableDataset
from chainrule.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler
from chainrule.ops.api import stack
from chainrule.random import Generator
from chainrule.tensor import Tensor


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size``, with PyTorch's arguments.

    With ``shuffle`` every epoch draws a new order from ``generator`` (the default stream when None), so a
    seeded generator gives the same batches run after run. The last, smaller batch is kept unless
    ``drop_last``. ``sampler`` (indices) or ``batch_sampler`` (lists of indices) replace the built-in order;
    ``collate_fn`` turns a list of samples into a batch (default: :func:`default_collate`). ``batch_size=None``
    yields single samples.

    ``num_workers > 0`` is accepted and loads in the main process: the same batches in the same order as
    PyTorch's in-order loading, without worker processes (for in-memory NumPy data they would only copy it),
    so ``worker_init_fn`` is not called. ``pin_memory`` (a CUDA notion) has nothing to do on the CPU.

    An :class:`IterableDataset` is batched in the order it yields (``shuffle``, ``sampler`` and
    ``batch_sampler`` are refused, as in PyTorch); the loader has a length when the dataset has one.

    >>> for xb, yb in DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, generator=cr.Generator(0)):
    ...     ...
    """

    def __init__(
        self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
        sampler: Sampler | None = None, batch_sampler: Sampler | None = None, num_workers: int = 0,
        collate_fn: Callable[[list], Any] | None = None, pin_memory: bool = False, drop_last: bool = False,
        timeout: float = 0, worker_init_fn: Callable[[int], None] | None = None, generator: Generator | None = None,
        *, prefetch_factor: int | None = None, persistent_workers: bool = False,
    ) -> None:
        _check_workers(num_workers, timeout, prefetch_factor, persistent_workers)
        if isinstance(dataset, IterableDataset):
            for option, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified {option} option, but "
                                     f"got {option}={value!r}")  # fmt: skip
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle (a sampler sets the order)")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 "sampler, and drop_last")  # fmt: skip
            batch_size, drop_last = None, False
        elif batch_size is None:
            if drop_last:
                raise ValueError("DataLoader: batch_size=None option disables auto-batching and is mutually "
                                 "exclusive with drop_last")  # fmt: skip
        elif not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int (or None), got {batch_size!r}")
        if isinstance(dataset, IterableDataset):  # batches come from the stream, not from indices
            pass
        elif sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and sampler is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.sampler, self.batch_sampler, self.generator = sampler, batch_sampler, generator
        self.num_workers, self.pin_memory, self.timeout, self.worker_init_fn = (
            num_workers, pin_memory, timeout, worker_init_fn)  # fmt: skip
        self.prefetch_factor, self.persistent_workers = prefetch_factor, persistent_workers
        if collate_fn is None:
            collate_fn = default_collate if batch_size is not None or batch_sampler is not None else default_convert
        self.collate_fn = collate_fn

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Any]:
        if isinstance(self.dataset, IterableDataset):
            yield from self._stream()
            return
        if self.batch_sampler is None:  # batch_size=None: one sample at a time
            for index in self.sampler:
                yield self.collate_fn(self.dataset[index])
            return
        batches = self.batch_sampler.batches() if isinstance(self.batch_sampler, BatchSampler) else self.batch_sampler
        fetch = self._fetch_whole if self._whole_batches() else self._fetch_each
        for indices in batches:
            yield fetch(indices)

    def _stream(self) -> Iterator[Any]:
        """Batches of an IterableDataset in the order it yields (single samples with ``batch_size=None``)."""
        samples = iter(self.dataset)
        if self.batch_size is None:
            for sample in samples:
                yield self.collate_fn(sample)
            return
        while batch := list(itertools.islice(samples, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield self.collate_fn(batch)

    def _whole_batches(self) -> bool:
        """Whether the dataset's ``__getitems__`` may make each batch (with the default collate only)."""
        return self.collate_fn is default_collate and hasattr(self.dataset, "__getitems__")

    def _fetch_whole(self, indices: Any) -> Any:
        """A batch from ``__getitems__``: a batch as it is (chainrule's datasets), a list of samples collated."""
        batch = self.dataset.__getitems__(indices)
        return default_collate(batch) if isinstance(batch, list) else batch

    def _fetch_each(self, indices: Any) -> Any:
        if isinstance(indices, xp.ndarray):
            indices = indices.tolist()
        return self.collate_fn([self.dataset[i] for i in indices])


def get_worker_info() -> None:
    """Which loading worker runs the caller: always None, since chainrule loads in the main process (PyTorch's
    answer there), so an IterableDataset that shards itself by worker yields everything, once."""
    return None


def _check_workers(num_workers: Any, timeout: Any, prefetch_factor: Any, persistent_workers: Any) -> None:
    """PyTorch's checks of the worker options (chainrule loads in the main process whatever they say)."""
    if not isinstance(num_workers, int) or isinstance(num_workers, bool) or num_workers < 0:
        raise ValueError(f"DataLoader: num_workers must be an int >= 0, got {num_workers!r}")
    if timeout < 0:
        raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout!r}")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("DataLoader: prefetch_factor option could only be specified in multiprocessing; let "
                         "num_workers > 0 to enable it, otherwise set prefetch_factor to None")  # fmt: skip
    if persistent_workers and num_workers == 0:
        raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")


def default_collate(batch: Sequence) -> Any:
    """Stack a list of samples into a batch, as ``torch.utils.data.default_collate``.

    Tensors and arrays are stacked along a new first dimension; Python floats become a float64 tensor,
    ints int64, bools bool; strings stay as they come; dicts, named tuples, tuples and lists are collated
    field by field (tuples and lists into lists).

    >>> default_collate([(cr.tensor([1., 2.]), 0), (cr.tensor([3., 4.]), 1)])   # [tensor (2, 2), tensor([0, 1])]
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch)
    if isinstance(elem, xp.ndarray | xp.generic) and elem.dtype.kind not in "SaUO":
        return Tensor._make(xp.stack(batch) if isinstance(elem, xp.ndarray) else xp.asarray(batch))
    if isinstance(elem, float):
        return Tensor._make(xp.asarray(batch, dtype=xp.float64))
    if isinstance(elem, int):
        return Tensor._make(xp.asarray(batch, dtype=xp.bool_ if all(type(b) is bool for b in batch) else xp.int64))
    if isinstance(elem, str | bytes):
        return batch
    if isinstance(elem, Mapping):
        fields = {key: default_collate([sample[key] for sample in batch]) for key in elem}
        return _like(elem, fields)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a named tuple keeps its type
        return type(elem)(*(default_collate(field) for field in zip(*batch, strict=True)))
    if isinstance(elem, Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of equal size, got "
                               f"lengths {sorted({len(sample) for sample in batch})}")  # fmt: skip
        return [default_collate(field) for field in zip(*batch, strict=True)]  # fields are tuples, as in PyTorch
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                    f"found {type(elem).__name__}" + (f" of dtype {elem.dtype}" if hasattr(elem, "dtype") else ""))


def default_convert(data: Any) -> Any:
    """One sample with its NumPy arrays and scalars made Tensors (``batch_size=None``), as PyTorch's."""
    if isinstance(data, xp.ndarray | xp.generic):
        return data if data.dtype.kind in "SaUO" else Tensor._make(xp.asarray(data))
    if isinstance(data, Mapping):
        return _like(data, {key: default_convert(value) for key, value in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, Sequence) and not isinstance(data, str | bytes):
        return [default_convert(d) for d in data]
    return data


def _like(original: Mapping, fields: dict) -> Any:
    """``fields`` in a mapping of ``original``'s type when that type can be copied and updated, else a dict."""
    if isinstance(original, MutableMapping):
        try:
            clone = copy.copy(original)
            clone.update(fields)
            return clone
        except TypeError:
            pass
    return fields


collate = default_collate  # chainrule's earlier name
