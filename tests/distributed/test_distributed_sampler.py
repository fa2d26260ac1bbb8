"""DistributedSampler: PyTorch's shares, padding and drop_last (torch's sampler as oracle), one order per epoch."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import DataLoader, TensorDataset
from chainrule.distributed import DistributedSampler
from chainrule.distributed.sampler import shard
from chainrule.utils.data import DistributedSampler as UtilsDistributedSampler

try:
    import torch
    from torch.utils.data.distributed import DistributedSampler as TorchDistributedSampler
except ImportError:
    torch = None

requires_torch = pytest.mark.skipif(torch is None, reason="torch is not installed: nothing to compare with")
CASES = [(n, r, drop) for n in (0, 1, 2, 3, 5, 7, 10, 13) for r in (1, 2, 3, 4) for drop in (False, True)]


@requires_torch
@pytest.mark.parametrize(("n", "replicas", "drop_last"), CASES)
def test_unshuffled_shares_are_torchs(n, replicas, drop_last):
    for rank in range(replicas):
        ours = DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = TorchDistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
        assert (ours.num_samples, ours.total_size) == (theirs.num_samples, theirs.total_size)


@requires_torch
@pytest.mark.parametrize(("n", "replicas", "drop_last"), CASES)
def test_shuffled_shares_cut_the_order_as_torch(n, replicas, drop_last):
    """The permutations are each library's own; what is done with one is PyTorch's, given PyTorch's."""
    for epoch in (0, 3):
        order = torch.randperm(n, generator=torch.Generator().manual_seed(5 + epoch)).numpy()
        for rank in range(replicas):
            theirs = TorchDistributedSampler(range(n), replicas, rank, seed=5, drop_last=drop_last)
            theirs.set_epoch(epoch)
            assert shard(order, replicas, rank, drop_last).tolist() == list(theirs)


def test_every_rank_draws_the_same_order_for_an_epoch():
    shares = {epoch: [] for epoch in range(3)}
    for rank in range(3):
        sampler = DistributedSampler(range(10), num_replicas=3, rank=rank, seed=4)
        for epoch in shares:
            sampler.set_epoch(epoch)
            first = list(sampler)
            assert list(sampler) == first  # the same epoch again: the same order, as PyTorch's
            assert all(type(i) is int for i in first)
            shares[epoch].append(first)
    for epoch, parts in shares.items():
        order = np.random.default_rng(4 + epoch).permutation(10)
        assert [parts[r][k] for k in range(4) for r in range(3)] == np.resize(order, 12).tolist()
    assert shares[0] != shares[1]


def test_shares_feed_a_data_loader():
    x = cr.arange(20.0).reshape(10, 2)
    loader = DataLoader(TensorDataset(x, cr.arange(10)), batch_size=2,
                        sampler=DistributedSampler(range(10), num_replicas=2, rank=1, shuffle=False))  # fmt: skip
    batches = [yb.tolist() for _, yb in loader]
    assert batches == [[1, 3], [5, 7], [9]] and len(loader) == 3


def test_defaults_come_from_the_job():
    """In a job of one: rank 0 of 1, the whole dataset; and chainrule.utils.data has it under PyTorch's place."""
    sampler = UtilsDistributedSampler(range(5), shuffle=False)
    assert (sampler.num_replicas, sampler.rank, list(sampler)) == (1, 0, [0, 1, 2, 3, 4])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_replicas": 2, "rank": 2}, r"invalid rank 2, rank should be in the interval \[0, 1\]"),
        ({"num_replicas": 2, "rank": -1}, r"invalid rank -1"),
        ({"num_replicas": 0, "rank": 0}, "num_replicas must be a positive int, got 0"),
        ({"num_replicas": 2, "rank": 0, "seed": -1}, "seed must be a non-negative int, got -1"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DistributedSampler(range(4), **kwargs)


def test_bad_epoch_is_named():
    with pytest.raises(ValueError, match="epoch must be a non-negative int, got 1.5"):
        DistributedSampler(range(4), 1, 0).set_epoch(1.5)
