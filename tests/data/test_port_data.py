"""PyTorch data code ported as it is: Subset indices, random_split, IterableDataset, torch.utils.data's submodules."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import ChainDataset, DataLoader, IterableDataset, Subset, TensorDataset, random_split
from helpers.oracle import requires_torch, torch


def _values(batch):
    """A batch (Tensors, lists, numbers, nested) as plain Python values, for either library."""
    if isinstance(batch, list | tuple):
        return [_values(b) for b in batch]
    return batch.tolist() if hasattr(batch, "tolist") else batch


def test_subset_keeps_its_indices_and_random_split_gives_lists():
    ds = TensorDataset(cr.arange(10))
    assert Subset(ds, [3, 1]).indices == [3, 1]
    a, b = random_split(ds, [6, 4], generator=cr.Generator(0))
    assert type(a.indices) is list and type(a.indices[0]) is int
    assert sorted(a.indices + b.indices) == list(range(10))


@requires_torch
@pytest.mark.parametrize("indices", [[4, 7, 1], np.array([4, 7, 1]), range(2, 9, 3)], ids=["list", "array", "range"])
def test_subset_picks_as_torch(indices):
    ours = Subset(TensorDataset(cr.arange(10) * 2), indices)
    theirs = torch.utils.data.Subset(torch.utils.data.TensorDataset(torch.arange(10) * 2), indices)
    for key in (0, -1, [0, 2], [1]):
        assert _values(ours[key]) == _values(theirs[key])
    loader = DataLoader(ours, batch_size=2)
    assert _values(list(loader)) == _values(list(torch.utils.data.DataLoader(theirs, batch_size=2)))


def _stream(lib, n, sized):
    """An IterableDataset of n samples (x, label) in ``lib``, with a length if ``sized``."""

    class Stream(lib.utils.data.IterableDataset):
        def __iter__(self):
            return iter([(lib.tensor([float(i), -float(i)]), i % 3) for i in range(n)])

    if sized:
        Stream.__len__ = lambda self: n
    return Stream()


@requires_torch
@pytest.mark.parametrize("kwargs", [dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None),
                                    dict(batch_size=7), dict(batch_size=1)])  # fmt: skip
def test_an_iterable_dataset_is_batched_as_torch(kwargs):
    ours = DataLoader(_stream(cr, 7, sized=True), **kwargs)
    theirs = torch.utils.data.DataLoader(_stream(torch, 7, sized=True), **kwargs)
    assert _values(list(ours)) == _values(list(theirs))
    assert len(ours) == len(theirs)


def test_an_iterable_dataset_without_a_length_has_no_loader_length():
    loader = DataLoader(_stream(cr, 4, sized=False), batch_size=2)
    assert len(list(loader)) == 2
    with pytest.raises(TypeError, match="has no len"):
        len(loader)


@pytest.mark.parametrize("option", [dict(shuffle=True), dict(sampler=[0, 1]), dict(batch_sampler=[[0]])])
def test_an_iterable_dataset_refuses_an_order(option):
    with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected unspecified"):
        DataLoader(_stream(cr, 4, sized=True), **option)


def test_streams_chain_and_do_not_concatenate():
    both = _stream(cr, 2, sized=True) + _stream(cr, 3, sized=True)
    assert isinstance(both, ChainDataset) and len(both) == 5 and len(list(both)) == 5
    with pytest.raises(TypeError, match="ConcatDataset does not support IterableDataset"):
        cr.data.ConcatDataset([_stream(cr, 2, sized=True)])


def test_a_stream_sharded_by_worker_yields_everything_once():
    """PyTorch's sharding recipe: get_worker_info() is None in the main process, where chainrule loads."""

    class Sharded(IterableDataset):
        def __iter__(self):
            info = cr.data.get_worker_info()
            start, step = (0, 1) if info is None else (info.id, info.num_workers)
            return iter(range(start, 10, step))

    assert cr.data.get_worker_info() is None
    assert sum(_values(list(DataLoader(Sharded(), batch_size=4, num_workers=2))), []) == list(range(10))


def test_torch_utils_data_submodule_paths():
    from chainrule.utils.data.dataloader import DataLoader as Loader
    from chainrule.utils.data.dataloader import get_worker_info
    from chainrule.utils.data.dataset import IterableDataset as Iterable
    from chainrule.utils.data.distributed import DistributedSampler
    from chainrule.utils.data.sampler import BatchSampler

    assert (Loader, get_worker_info, Iterable, BatchSampler, DistributedSampler) == (
        DataLoader, cr.data.get_worker_info, IterableDataset, cr.data.BatchSampler, cr.data.DistributedSampler)
