"""Tensor factories and seeded random streams."""

import numpy as np
import pytest

import chainrule as cr


def test_filled_factories():
    assert cr.zeros(2, 3).tolist() == [[0.0] * 3] * 2 and cr.zeros((2, 3)).dtype == np.float32
    assert cr.ones([2]).tolist() == [1.0, 1.0]
    assert cr.full((2,), 7.0).tolist() == [7.0, 7.0] and cr.full((2,), 7).dtype == np.int64
    assert cr.zeros_like(cr.ones(2, dtype=cr.float64)).dtype == np.float64
    assert cr.ones_like(cr.zeros(3)).tolist() == [1.0, 1.0, 1.0]
    assert cr.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert cr.zeros(2, requires_grad=True).requires_grad


def test_ranges():
    assert cr.arange(3).tolist() == [0, 1, 2] and cr.arange(3).dtype == np.int64
    assert cr.arange(0.0, 1.0, 0.5).dtype == np.float32
    assert cr.linspace(0, 1, 3).tolist() == [0.0, 0.5, 1.0]
    with pytest.raises(ValueError, match="step must not be zero"):
        cr.arange(0, 1, 0)


def test_manual_seed_makes_draws_repeatable():
    cr.manual_seed(42)
    a = cr.randn(3)
    cr.manual_seed(42)
    assert cr.randn(3).tolist() == a.tolist()
    assert a.dtype == np.float32 and cr.rand(2, dtype=cr.float64).dtype == np.float64


def test_generators_are_private_streams():
    g1, g2 = cr.Generator(7), cr.Generator(7)
    cr.randn(5)  # advancing the default stream changes nothing for the generators
    assert cr.rand(4, generator=g1).tolist() == cr.rand(4, generator=g2).tolist()
    draws = cr.randint(0, 10, (100,), generator=g1)
    assert draws.dtype == np.int64 and 0 <= draws.numpy().min() and draws.numpy().max() < 10


def test_bad_sizes_and_seeds():
    with pytest.raises(ValueError, match="non-negative"):
        cr.zeros(-1)
    with pytest.raises(TypeError, match="shape entries must be ints"):
        cr.ones(2.5)
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        cr.manual_seed(-3)
    with pytest.raises(TypeError, match="generator must be a chainrule.Generator"):
        cr.rand(2, generator=np.random.default_rng(0))
