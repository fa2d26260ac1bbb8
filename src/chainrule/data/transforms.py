"""Array helpers for preparing data: one-hot labels, train/test splits, standardisation and image shapes."""

from __future__ import annotations

import math
from typing import Any

from chainrule.backend import as_array, xp
from chainrule.random import Generator, resolve
from chainrule.tensor import Tensor


def _array(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else as_array(x)


def _like(result: Any, original: Any) -> Any:
    """Return a Tensor when given a Tensor, an array otherwise."""
    return Tensor._make(result) if isinstance(original, Tensor) else result


def one_hot(labels: Any, num_classes: int | None = None, dtype: Any = xp.int64) -> Any:
    """(…,) integer labels → (…, num_classes) one-hot rows (int64 like PyTorch; pass ``dtype=cr.float32`` for targets).

    >>> one_hot(cr.tensor([0, 2]), 3)      # [[1, 0, 0], [0, 0, 1]]
    """
    y = _array(labels)
    if y.dtype.kind not in "iu":
        raise TypeError(f"one_hot: labels must be integers, got dtype {y.dtype}")
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"one_hot: labels must be in [0, {num_classes - 1}], got values in [{y.min()}, {y.max()}]")
    out = (y[..., None] == xp.arange(num_classes)).astype(dtype)
    return _like(out, labels)


def to_images(x: Any, size: tuple | None = None) -> Any:
    """Rows of pixels as one-channel images (N, 1, H, W), the shape convolution layers take.

    ``x`` is (N, H, W), or (N, H·W) of square images (or of ``size`` = (H, W)); a Tensor gives a
    Tensor (a view, differentiable), an array an array.

    >>> x_train = to_images(datasets.mnist_sample().x_train)      # (4000, 784) → (4000, 1, 28, 28)
    """
    shape = tuple(x.shape)
    pixels = math.prod(shape[1:]) if len(shape) in (2, 3) else None
    if size is None and len(shape) == 3:
        size = shape[1:]
    elif size is None and pixels is not None:
        side = math.isqrt(pixels)
        size = (side, side) if side * side == pixels else None
    if size is None or pixels is None or size[0] * size[1] != pixels:
        given = "" if size is None else f" with size {tuple(size)}"
        raise ValueError(f"to_images: expected (N, H, W), or (N, H·W) of square images (or give size=(H, W)), got "
                         f"shape {shape}{given}")  # fmt: skip
    return x.reshape(shape[0], 1, int(size[0]), int(size[1]))


def train_test_split(
    *arrays: Any, test_size: float | int = 0.25, shuffle: bool = True, stratify: Any = None,
    generator: Generator | None = None,
) -> list:
    """Split equally long arrays/tensors into [a_train, a_test, b_train, b_test, ...] (scikit-learn's order).

    ``test_size`` is a fraction or a count; ``stratify`` (labels) keeps class proportions.
    """
    if not arrays:
        raise ValueError("train_test_split: give at least one array")
    n = len(_array(arrays[0]))
    if any(len(_array(a)) != n for a in arrays):
        raise ValueError(f"train_test_split: arrays of different lengths {[len(_array(a)) for a in arrays]}")
    n_test = round(test_size * n) if isinstance(test_size, float) else test_size
    if not 0 < n_test < n:
        raise ValueError(f"train_test_split: test_size {test_size!r} leaves no train or no test samples out of {n}")
    test = split_indices(n, n_test, shuffle, None if stratify is None else _array(stratify), resolve(generator))
    mask = xp.zeros(n, bool)
    mask[test] = True
    out = []
    for a in arrays:
        data = _array(a)
        out += [_like(data[~mask], a), _like(data[mask], a)]
    return out


def split_indices(n: int, n_test: int, shuffle: bool, labels: Any, rng: Any) -> Any:
    """Indices of the test samples: the last ``n_test`` (no shuffle), random, or random per class."""
    if not shuffle:
        return xp.arange(n - n_test, n)
    if labels is None:
        return rng.permutation(n)[:n_test]
    classes, counts = xp.unique(labels, return_counts=True)
    quota = xp.floor(counts * n_test / n).astype(int)
    for i in xp.argsort(-(counts * n_test / n - quota))[: n_test - quota.sum()]:
        quota[i] += 1  # largest remainders first, so the total is exactly n_test
    picks = [rng.permutation(xp.flatnonzero(labels == c))[:k] for c, k in zip(classes, quota, strict=True)]
    return xp.sort(xp.concatenate(picks))


class Standardizer:
    """Feature-wise (x − mean) / std with statistics from the training data only.

    >>> s = Standardizer().fit(x_train); x_train, x_test = s.transform(x_train), s.transform(x_test)
    """

    def __init__(self, eps: float = 1e-8) -> None:
        self.eps = eps
        self.mean = self.std = None

    def fit(self, x: Any) -> Standardizer:
        """Learn each feature's mean and std from ``x`` (the training data, samples along axis 0); returns self."""
        data = _array(x)
        self.mean = data.mean(axis=0)
        self.std = data.std(axis=0)
        return self

    def _fitted(self) -> None:
        if self.mean is None:
            raise RuntimeError("Standardizer: call fit() on the training data first")

    def transform(self, x: Any) -> Any:
        """``(x − mean) / (std + eps)`` with the fitted statistics, as the same type as ``x`` (array or Tensor)."""
        self._fitted()
        data = _array(x)
        return _like(((data - self.mean) / (self.std + self.eps)).astype(data.dtype), x)

    def inverse_transform(self, x: Any) -> Any:
        """Undo :meth:`transform`: ``x · (std + eps) + mean``, as the same type as ``x``."""
        self._fitted()
        data = _array(x)
        return _like((data * (self.std + self.eps) + self.mean).astype(data.dtype), x)

    def fit_transform(self, x: Any) -> Any:
        """``fit(x)`` then ``transform(x)``: the training data standardised."""
        return self.fit(x).transform(x)


def standardize(x_train: Any, *others: Any) -> list:
    """Standardise ``x_train`` and ``others`` with the mean and std of ``x_train``: [train, *others]."""
    s = Standardizer().fit(x_train)
    return [s.transform(x) for x in (x_train, *others)]
