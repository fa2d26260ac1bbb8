"""DistributedSampler: each process's share of a dataset, as ``torch.utils.data.distributed.DistributedSampler``."""

from __future__ import annotations

from collections.abc import Sized
from typing import Any

from chainrule.backend import xp
from chainrule.data.sampler import ArraySampler
from chainrule.distributed import comm
from chainrule.random import Generator


class DistributedSampler(ArraySampler):
    """Rank ``rank``'s share of ``dataset``'s indices: the shares of the ``num_replicas`` processes are disjoint
    and of equal length, so every process runs the same number of steps.

    Every process draws the same order, a permutation seeded by ``seed + epoch`` (call :meth:`set_epoch`
    before each epoch for a new one), pads it by repeating its start until it divides evenly (or, with
    ``drop_last``, cuts the tail instead) and takes every ``num_replicas``-th index from position
    ``rank``: PyTorch's rules, so with ``shuffle=False`` the index lists are PyTorch's. The permutations
    come from chainrule's generator, not PyTorch's. ``num_replicas`` and ``rank`` default to the job's.

    >>> sampler = DistributedSampler(dataset, seed=0)
    >>> loader = DataLoader(dataset, batch_size=global_batch // dist.world_size(), sampler=sampler)
    >>> for epoch in range(epochs):
    ...     sampler.set_epoch(epoch)
    ...     for xb, yb in loader: ...
    """

    def __init__(
        self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None, shuffle: bool = True,
        seed: int = 0, drop_last: bool = False,
    ) -> None:
        num_replicas = comm.world_size() if num_replicas is None else num_replicas
        rank = comm.rank() if rank is None else rank
        if not isinstance(num_replicas, int) or isinstance(num_replicas, bool) or num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be a positive int, got {num_replicas!r}")
        if not isinstance(rank, int) or isinstance(rank, bool) or not 0 <= rank < num_replicas:
            raise ValueError(f"DistributedSampler: invalid rank {rank!r}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")  # fmt: skip
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"DistributedSampler: seed must be a non-negative int, got {seed!r}")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.seed, self.drop_last, self.epoch = shuffle, seed, drop_last, 0
        self.num_samples = _per_rank(len(dataset), num_replicas, drop_last)
        self.total_size = self.num_samples * num_replicas

    def set_epoch(self, epoch: int) -> None:
        """Make the next iterations draw epoch ``epoch``'s order (the same one on every process)."""
        if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
            raise ValueError(f"DistributedSampler.set_epoch: epoch must be a non-negative int, got {epoch!r}")
        self.epoch = epoch

    def epoch_indices(self) -> Any:
        n = len(self.dataset)
        order = Generator(self.seed + self.epoch).numpy.permutation(n) if self.shuffle else xp.arange(n)
        return shard(order, self.num_replicas, self.rank, self.drop_last)

    def __len__(self) -> int:
        return self.num_samples


def shard(order: Any, num_replicas: int, rank: int, drop_last: bool) -> Any:
    """Rank ``rank``'s part of the whole ``order`` (1-D int array), by PyTorch's rules: the order padded with
    its own start to a multiple of ``num_replicas`` (or cut to one, with ``drop_last``), then every
    ``num_replicas``-th index from ``rank``."""
    total = _per_rank(len(order), num_replicas, drop_last) * num_replicas
    if total > len(order):  # pad: PyTorch repeats the whole order as often as needed
        order = xp.resize(order, total)
    return order[rank:total:num_replicas]


def _per_rank(n: int, num_replicas: int, drop_last: bool) -> int:
    """How many of ``n`` indices each rank gets: ceil(n / R), or with ``drop_last`` ceil((n - R) / R) as PyTorch."""
    return -(-(n - num_replicas) // num_replicas) if drop_last and n % num_replicas else -(-n // num_replicas)
