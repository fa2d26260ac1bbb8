"""Samplers: sequential, random, subset, weighted and batch samplers (PyTorch's semantics; torch as oracle)."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
)

try:
    import torch
except ImportError:  # the hand-written expectations still run; the comparisons with torch skip
    torch = None

requires_torch = pytest.mark.skipif(torch is None, reason="torch is not installed: nothing to compare with")
DATA = range(10)


def test_sequential_sampler():
    sampler = SequentialSampler(DATA)
    assert list(sampler) == list(range(10)) and len(sampler) == 10
    assert all(type(i) is int for i in sampler)  # Python ints, as PyTorch's samplers give


def test_random_sampler_permutes_reproducibly():
    first = list(RandomSampler(DATA, generator=cr.Generator(3)))
    assert sorted(first) == list(range(10)) and first == list(RandomSampler(DATA, generator=cr.Generator(3)))
    assert first == np.random.default_rng(3).permutation(10).tolist()
    sampler = RandomSampler(DATA, generator=cr.Generator(3))
    assert list(sampler) != list(sampler)  # a new order each epoch


def test_random_sampler_with_more_samples_and_with_replacement():
    longer = list(RandomSampler(DATA, num_samples=25, generator=cr.Generator(0)))
    assert len(longer) == 25 and sorted(longer[:10]) == sorted(longer[10:20]) == list(range(10))
    assert len(set(longer[20:])) == 5  # the remainder: distinct indices from a fresh permutation
    drawn = list(RandomSampler(DATA, replacement=True, num_samples=200, generator=cr.Generator(0)))
    assert len(drawn) == 200 and set(drawn) == set(range(10))  # with 200 draws every index shows up
    assert len(RandomSampler(DATA, replacement=True, num_samples=7)) == 7


def test_subset_random_sampler():
    sampler = SubsetRandomSampler([7, 2, 5], generator=cr.Generator(0))
    assert sorted(sampler) == [2, 5, 7] and len(sampler) == 3


def test_weighted_sampler_follows_the_weights():
    """Weights 1:3:0:6 → probabilities 0.1, 0.3, 0, 0.6; 20,000 draws land within 0.01 of them."""
    sampler = WeightedRandomSampler([1.0, 3.0, 0.0, 6.0], num_samples=20000, generator=cr.Generator(0))
    counts = np.bincount(list(sampler), minlength=4) / 20000
    np.testing.assert_allclose(counts, [0.1, 0.3, 0.0, 0.6], atol=0.01)
    assert counts[2] == 0 and len(sampler) == 20000
    distinct = list(WeightedRandomSampler(cr.tensor([1.0, 3.0, 0.0, 6.0]), 3, replacement=False))
    assert sorted(distinct) == [0, 1, 3]


def test_weighted_sampler_balances_classes_in_a_loader():
    labels = np.array([0] * 90 + [1] * 10)
    weights = 1.0 / np.bincount(labels)[labels]
    sampler = WeightedRandomSampler(weights, num_samples=4000, generator=cr.Generator(1))
    loader = DataLoader(TensorDataset(np.zeros((100, 1)), labels), batch_size=500, sampler=sampler)
    drawn = np.concatenate([yb.numpy() for _, yb in loader])
    assert len(drawn) == 4000 and abs(drawn.mean() - 0.5) < 0.03


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda: WeightedRandomSampler([[1.0, 2.0]], 2), ValueError, r"1-D sequence, got shape \(1, 2\)"),
        (lambda: WeightedRandomSampler([1.0, -1.0], 2), ValueError, "non-negative"),
        (lambda: WeightedRandomSampler([0.0, 0.0], 2), ValueError, "not all zero"),
        (lambda: WeightedRandomSampler([1.0, np.nan], 2), ValueError, "finite"),
        (lambda: WeightedRandomSampler([1.0, 2.0], 0), ValueError, "num_samples must be a positive int, got 0"),
        (lambda: WeightedRandomSampler([1.0, 0.0], 2, replacement=False), ValueError,
         "cannot draw 2 distinct indices without replacement from 1 with non-zero weight"),
        (lambda: WeightedRandomSampler([1.0], 1, replacement=1), TypeError, "replacement must be True or False"),
        (lambda: RandomSampler(DATA, replacement="yes"), TypeError, "replacement must be True or False"),
        (lambda: RandomSampler(DATA, num_samples=-3), ValueError, "num_samples must be a positive int"),
        (lambda: BatchSampler(DATA, 0, False), ValueError, "batch_size must be a positive int, got 0"),
        (lambda: BatchSampler(DATA, 2, drop_last=None), TypeError, "drop_last must be True or False"),
    ],
)  # fmt: skip
def test_bad_arguments(make, error, words):
    with pytest.raises(error, match=words):
        make()


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("size", [1, 3, 10, 11])
def test_batch_sampler_by_hand(size, drop_last):
    expected = [list(range(i, min(i + size, 10))) for i in range(0, 10, size)]
    if drop_last and len(expected[-1]) < size:
        expected.pop()
    for inner in (SequentialSampler(DATA), list(DATA)):  # an array sampler and any iterable of indices
        batches = BatchSampler(inner, size, drop_last)
        assert list(batches) == expected and len(batches) == len(expected)
        assert all(type(i) is int for batch in batches for i in batch)


@requires_torch
@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_matches_torch(drop_last):
    for size in (1, 3, 4, 10, 12):
        ours = BatchSampler(SequentialSampler(DATA), size, drop_last)
        theirs = torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(DATA), size, drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


@requires_torch
def test_lengths_and_distributions_match_torch():
    """Orders differ (another generator); lengths, ranges and the weighted law are PyTorch's."""
    w = [0.5, 0.0, 2.0, 1.5]
    g = torch.Generator().manual_seed(0)
    theirs = np.bincount(list(torch.utils.data.WeightedRandomSampler(w, 20000, generator=g)), minlength=4) / 20000
    ours = np.bincount(list(WeightedRandomSampler(w, 20000, generator=cr.Generator(0))), minlength=4) / 20000
    np.testing.assert_allclose(ours, theirs, atol=0.015)
    for kwargs in (dict(), dict(num_samples=23), dict(replacement=True, num_samples=5)):
        ours_r, theirs_r = RandomSampler(DATA, **kwargs), torch.utils.data.RandomSampler(DATA, **kwargs)
        assert len(ours_r) == len(theirs_r) and len(list(ours_r)) == len(list(theirs_r))
        assert set(ours_r) <= set(DATA)
