"""Datasets, DataLoader (PyTorch's arguments, torch as oracle where installed), splits, one_hot, standardisation."""

import collections

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import (
    ConcatDataset,
    DataLoader,
    Dataset,
    SequentialSampler,
    Standardizer,
    Subset,
    TensorDataset,
    default_collate,
    one_hot,
    random_split,
    standardize,
    train_test_split,
)

try:
    import torch
except ImportError:  # the hand-written expectations still run; the comparisons with torch skip
    torch = None

X = np.arange(20, dtype=np.float32).reshape(10, 2)
Y = np.arange(10)


def test_tensor_dataset_indexing_and_errors():
    ds = TensorDataset(X, Y)
    assert len(ds) == 10
    x, y = ds[3]
    np.testing.assert_array_equal(x.numpy(), [6, 7])
    assert y.item() == 3
    with pytest.raises(cr.ShapeError, match="same first dimension"):
        TensorDataset(X, Y[:5])


@pytest.mark.parametrize(
    "indices",
    [np.array([3, 0, 9, 9]), np.array([-1, 2], dtype=np.int32), np.array([4, 1], dtype=np.uint8), [2, 5],
     np.array([], dtype=np.int64), np.arange(10) % 3 == 0, slice(2, 8, 3)],
    ids=["int64", "negative int32", "uint8", "list", "empty", "mask", "slice"],
)  # fmt: skip
def test_tensor_dataset_batches_index_like_numpy(indices):
    x, y = TensorDataset(X, Y).__getitems__(indices)
    np.testing.assert_array_equal(x.numpy(), X[indices])
    np.testing.assert_array_equal(y.numpy(), Y[indices])


def test_tensor_dataset_batch_out_of_range_is_an_index_error():
    with pytest.raises(IndexError, match="out of bounds"):
        TensorDataset(X, Y).__getitems__(np.array([0, 10]))


def test_loader_batches_keep_last_partial_batch_and_drop_last():
    loader = DataLoader(TensorDataset(X, Y), batch_size=4)
    sizes = [len(yb) for _, yb in loader]
    assert sizes == [4, 4, 2] and len(loader) == 3
    dropped = DataLoader(TensorDataset(X, Y), batch_size=4, drop_last=True)
    assert [len(yb) for _, yb in dropped] == [4, 4] and len(dropped) == 2
    assert np.concatenate([yb.numpy() for _, yb in loader]).tolist() == list(range(10))


def test_shuffle_is_reproducible_by_seed_and_covers_everything():
    def epoch(seed):
        loader = DataLoader(TensorDataset(X, Y), batch_size=3, shuffle=True, generator=cr.Generator(seed))
        return np.concatenate([yb.numpy() for _, yb in loader])

    assert (epoch(1) == epoch(1)).all() and not (epoch(1) == epoch(2)).all()
    assert sorted(epoch(1).tolist()) == list(range(10))
    loader = DataLoader(TensorDataset(X, Y), batch_size=10, shuffle=True, generator=cr.Generator(0))
    first, second = (next(iter(loader))[1].numpy() for _ in range(2))
    assert not (first == second).all()  # a new order every epoch


def test_generic_dataset_is_collated():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": cr.tensor([float(i)]), "y": i * i}

    batches = list(DataLoader(Squares(), batch_size=2))
    assert batches[0]["x"].shape == (2, 1) and batches[2]["y"].tolist() == [16]
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(Squares(), batch_size=0)


def test_random_split_fractions_and_counts():
    ds = TensorDataset(X, Y)
    a, b = random_split(ds, [0.7, 0.3], generator=cr.Generator(0))
    assert (len(a), len(b)) == (7, 3)
    seen = sorted([int(a[i][1].item()) for i in range(7)] + [int(b[i][1].item()) for i in range(3)])
    assert seen == list(range(10))
    xb, yb = next(iter(DataLoader(a, batch_size=7)))
    assert xb.shape == (7, 2)
    with pytest.raises(ValueError, match="summing to 10"):
        random_split(ds, [3, 3])


def test_one_hot():
    out = one_hot(cr.tensor([0, 2, 1]), 3)
    assert isinstance(out, cr.Tensor) and out.dtype == np.int64
    np.testing.assert_array_equal(out.numpy(), np.eye(3)[[0, 2, 1]])
    assert one_hot(np.array([1, 0]), dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match=r"in \[0, 2\]"):
        one_hot([0, 3], 3)


def test_train_test_split_stratified_and_sizes():
    labels = np.repeat([0, 1], [80, 20])
    feats = np.arange(100.0)
    x_tr, x_te, y_tr, y_te = train_test_split(feats, labels, test_size=0.25, stratify=labels, generator=cr.Generator(0))
    assert len(x_te) == 25 and np.bincount(y_te).tolist() == [20, 5]
    assert sorted(np.concatenate([x_tr, x_te]).tolist()) == feats.tolist()
    a, b = train_test_split(feats, test_size=10, shuffle=False)
    assert b.tolist() == list(range(90, 100))
    with pytest.raises(ValueError, match="test_size"):
        train_test_split(feats, test_size=1.0)


def test_standardize_uses_training_statistics():
    rng = np.random.default_rng(0)
    train, test = rng.normal(5, 3, (200, 2)), rng.normal(5, 3, (50, 2))
    s_train, s_test = standardize(train, test)
    np.testing.assert_allclose(s_train.mean(0), 0, atol=1e-9)
    np.testing.assert_allclose(s_train.std(0), 1, atol=1e-6)
    s = Standardizer().fit(train)
    np.testing.assert_allclose(s.inverse_transform(s.transform(test)), test)
    assert isinstance(s.transform(cr.tensor(test)), cr.Tensor)
    with pytest.raises(RuntimeError, match="fit"):
        Standardizer().transform(test)


# ---------------------------------------------------------------- PyTorch's arguments: samplers, collate, workers
def test_shuffled_order_is_the_generators_permutation_epoch_after_epoch():
    """The order chainrule's training replays: each epoch one NumPy permutation drawn from the loader's generator."""
    loader = DataLoader(TensorDataset(X, Y), batch_size=4, shuffle=True, generator=cr.Generator(7))
    rng = np.random.default_rng(7)
    for _ in range(3):
        batches = [yb.numpy().tolist() for _, yb in loader]
        order = rng.permutation(10).tolist()
        assert batches == [order[:4], order[4:8], order[8:]]


def test_sampler_and_batch_sampler_set_the_order():
    ds = TensorDataset(X, Y)
    by_sampler = DataLoader(ds, batch_size=2, sampler=[9, 0, 4], drop_last=True)
    assert [yb.tolist() for _, yb in by_sampler] == [[9, 0]] and len(by_sampler) == 1
    by_batches = DataLoader(ds, batch_sampler=[[0, 5], [2, 3, 4]])
    assert [yb.tolist() for _, yb in by_batches] == [[0, 5], [2, 3, 4]] and len(by_batches) == 2
    sequential = DataLoader(ds, batch_size=3, sampler=SequentialSampler(ds))
    assert [yb.tolist() for _, yb in sequential] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(sampler=[0, 1], shuffle=True), "sampler option is mutually exclusive with shuffle"),
        (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
        (dict(batch_sampler=[[0]], drop_last=True), "batch_sampler option is mutually exclusive"),
        (dict(batch_size=None, drop_last=True), "batch_size=None option disables auto-batching"),
        (dict(batch_size=2.0), "batch_size must be a positive int"),
        (dict(num_workers=-1), "num_workers must be an int >= 0, got -1"),
        (dict(prefetch_factor=2), "prefetch_factor option could only be specified in multiprocessing"),
        (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
        (dict(timeout=-1), "timeout option should be non-negative"),
    ],
)
def test_conflicting_options_are_refused(kwargs, words):
    with pytest.raises(ValueError, match=words):
        DataLoader(TensorDataset(X, Y), **kwargs)


def test_workers_load_the_same_batches_in_the_main_process():
    def batches(**kwargs):
        loader = DataLoader(TensorDataset(X, Y), batch_size=3, shuffle=True, generator=cr.Generator(1), **kwargs)
        return [yb.tolist() for _, yb in loader]

    seeds = []
    assert batches(num_workers=4, prefetch_factor=2, persistent_workers=True, pin_memory=True,
                   worker_init_fn=seeds.append) == batches()  # fmt: skip
    assert seeds == []  # no worker processes, so nothing to initialise


def test_collate_fn_gets_the_list_of_samples():
    seen = []

    def keep(samples):
        seen.append(samples)
        return len(samples)

    ds = TensorDataset(X, Y)
    assert list(DataLoader(ds, batch_size=4, collate_fn=keep)) == [4, 4, 2]
    x3, y3 = seen[0][3]
    assert len(seen[0]) == 4 and x3.tolist() == [6.0, 7.0] and y3.item() == 3


def test_batch_size_none_yields_samples_with_arrays_as_tensors():
    class Pairs(Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return np.full(2, i, dtype=np.float32), f"item {i}"

    samples = list(DataLoader(Pairs(), batch_size=None))
    assert len(samples) == 3 and isinstance(samples[1], list) and samples[1][1] == "item 1"
    assert isinstance(samples[1][0], cr.Tensor) and samples[1][0].tolist() == [1.0, 1.0]


def test_default_collate_by_hand():
    point = collections.namedtuple("point", "x y")
    batch = [(np.float32([1, 2]), 3, 1.5, True, "a", {"k": np.float32(2)}, point(1, 2.0), [1, 2], cr.tensor([0.5]))
             for _ in range(2)]  # fmt: skip
    arr, ints, floats, bools, strs, mapping, named, listed, tensors = default_collate(batch)
    assert arr.shape == (2, 2) and arr.dtype == np.float32
    assert ints.dtype == np.int64 and floats.dtype == np.float64 and bools.dtype == np.bool_
    assert strs == ("a", "a") and mapping["k"].dtype == np.float32 and mapping["k"].tolist() == [2.0, 2.0]
    assert isinstance(named, point) and named.x.tolist() == [1, 1] and named.y.dtype == np.float64
    assert isinstance(listed, list) and [t.tolist() for t in listed] == [[1, 1], [2, 2]]
    assert tensors.shape == (2, 1)
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="found object"):
        default_collate([object(), object()])


@pytest.mark.skipif(torch is None, reason="torch is not installed: nothing to compare with")
def test_default_collate_matches_torch():
    point = collections.namedtuple("point", "x y")
    batch = [(np.arange(3, dtype=np.float64) + i, i, float(i), i % 2 == 0, np.int16(i), {"a": [i, 2.5]}, point(i, "s"))
             for i in range(3)]  # fmt: skip

    def plain(value):
        if isinstance(value, cr.Tensor | torch.Tensor):
            return (str(value.dtype).replace("torch.", ""), value.numpy().tolist())
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, tuple) and hasattr(value, "_fields"):
            return (type(value).__name__, [plain(v) for v in value])
        if isinstance(value, list | tuple):
            return (type(value).__name__, [plain(v) for v in value])
        return value

    assert plain(default_collate(batch)) == plain(torch.utils.data.default_collate(batch))


def test_subset_of_a_dataset_without_getitems_is_collated():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": cr.tensor([float(i)]), "y": i * i}

    (batch,) = list(DataLoader(Subset(Squares(), [4, 0, 2]), batch_size=3))
    assert batch["x"].shape == (3, 1) and batch["y"].tolist() == [16, 0, 4]


def test_concat_dataset_indexes_across_its_parts():
    a, b = TensorDataset(X[:3], Y[:3]), TensorDataset(X[3:], Y[3:])
    both = a + b
    assert isinstance(both, ConcatDataset) and len(both) == 10 and both.cumulative_sizes == [3, 10]
    assert [both[i][1].item() for i in (0, 2, 3, 9, -1, -10)] == [0, 2, 3, 9, 9, 0]
    for bad in (10, -11):
        with pytest.raises(IndexError, match=f"index {bad} is out of range for 10 samples"):
            both[bad]
    assert [yb.tolist() for _, yb in DataLoader(both, batch_size=4)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    with pytest.raises(ValueError, match="should not be an empty iterable"):
        ConcatDataset([])


@pytest.mark.skipif(torch is None, reason="torch is not installed: nothing to compare with")
@pytest.mark.parametrize(
    "kwargs",
    [dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None), dict(batch_sampler=[[4, 1], [0]]),
     dict(batch_size=2, sampler=[5, 3, 8]), dict(batch_size=4, collate_fn=lambda samples: samples[::-1])],
    ids=["batches", "drop_last", "samples", "batch_sampler", "sampler", "collate_fn"],
)  # fmt: skip
def test_loader_batches_match_torch_over_subsets_and_concatenations(kwargs):
    def build(lib_data, tensor):
        full = lib_data.TensorDataset(tensor(X), tensor(Y))
        return lib_data.ConcatDataset([lib_data.Subset(full, [9, 8, 7, 6]), lib_data.Subset(full, [0, 1, 2, 3, 4])])

    def plain(value):
        if isinstance(value, cr.Tensor | torch.Tensor):
            return value.numpy().tolist()
        return [plain(v) for v in value]

    ours = [plain(b) for b in DataLoader(build(cr.data, cr.tensor), **kwargs)]
    theirs = [plain(b) for b in torch.utils.data.DataLoader(build(torch.utils.data, torch.tensor), **kwargs)]
    assert ours == theirs and len(ours) > 1
