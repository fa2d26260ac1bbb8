"""Shared by the lecture-notes examples that train on MNIST: the shipped sample, optionally a smaller
class-balanced part of it (its training set is stored class by class: its first 1,000 images are 0s, 1s and 2s)."""

from __future__ import annotations

import numpy as np

from chainrule.data import datasets


def mnist(train_size: int | None = None, test_size: int | None = None) -> datasets.Split:
    """The 4,000 / 1,000 MNIST sample, or its first ``train_size`` / ``test_size`` images of each class in turn."""
    split = datasets.mnist_sample()
    x, y, x_test, y_test = split
    x, y = _balanced(x, y, train_size)
    x_test, y_test = _balanced(x_test, y_test, test_size)
    return datasets.Split(x, y, x_test, y_test, split.num_classes, split.name)


def _balanced(x, y, size: int | None):
    if size is None or size >= len(y):
        return x, y
    labels = y.numpy()
    per_class = [np.flatnonzero(labels == c) for c in range(10)]
    order = np.stack([idx[: -(-size // 10)] for idx in per_class], axis=1).ravel()[:size]  # 0, 1, ..., 9, 0, ...
    return x[np.sort(order)], y[np.sort(order)]


def one_hot(labels, classes: int = 10) -> np.ndarray:
    """The essay's targets t ∈ {0, 1}^m: 1 at the label, 0 elsewhere (float32)."""
    return np.eye(classes, dtype=np.float32)[np.asarray(getattr(labels, "data", labels))]
