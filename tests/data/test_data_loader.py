"""Datasets, DataLoader, splits, one_hot and standardisation."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import (
    DataLoader,
    Dataset,
    Standardizer,
    TensorDataset,
    one_hot,
    random_split,
    standardize,
    train_test_split,
)

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
