"""Small 2-D datasets for teaching: XOR, spirals, blobs, moons and a linearly separable set.

Each returns a :class:`Split` (float32 features, int64 labels) fixed by ``seed``,
with ``test_fraction`` of the points held out (stratified by class).
"""

from __future__ import annotations

import math

from chainrule.backend import xp
from chainrule.data.datasets.split import Split, make_split
from chainrule.tensor import Tensor


def _rng(seed: int):
    return xp.random.default_rng(seed)


def xor(n_per_corner: int = 1, noise: float = 0.0, bias_column: bool = False, seed: int = 0,
        test_fraction: float = 0.25) -> Split:
    """The XOR problem: corners (0,0),(1,1) → 0 and (0,1),(1,0) → 1.

    The default is the truth table itself (4 points, train = test, as in the
    lectures); ``n_per_corner > 1`` gives Gaussian clouds of std ``noise`` around
    each corner, split by ``test_fraction``. ``bias_column`` appends a constant 1
    (the lectures' X = [[0,0,1],[0,1,1],[1,0,1],[1,1,1]]).
    """
    corners = xp.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=xp.float64)
    x = xp.repeat(corners, n_per_corner, axis=0) + noise * _rng(seed).standard_normal((4 * n_per_corner, 2))
    y = xp.repeat(xp.array([0, 1, 1, 0]), n_per_corner)
    if bias_column:
        x = xp.concatenate([x, xp.ones((len(x), 1))], axis=1)
    if n_per_corner == 1:
        x, y = x.astype(xp.float32), y.astype(xp.int64)
        return Split(Tensor._make(x), Tensor._make(y), Tensor._make(x.copy()), Tensor._make(y.copy()), 2, "xor")
    return make_split(x, y, test_fraction, seed, "xor", 2)


def spirals(n: int = 100, classes: int = 3, noise: float = 0.2, seed: int = 0, test_fraction: float = 0.2) -> Split:
    """``classes`` interleaved spiral arms of ``n`` points each, in [−1, 1]² (the CS231n toy set)."""
    rng = _rng(seed)
    xs, ys = [], []
    for k in range(classes):
        r = xp.linspace(0.0, 1.0, n)
        t = xp.linspace(k * 4.0, (k + 1) * 4.0, n) + noise * rng.standard_normal(n)
        xs.append(xp.stack([r * xp.sin(t), r * xp.cos(t)], axis=1))
        ys.append(xp.full(n, k))
    return make_split(xp.concatenate(xs), xp.concatenate(ys), test_fraction, seed, "spirals", classes)


def blobs(n: int = 300, centers: int = 3, std: float = 1.0, box: float = 10.0, seed: int = 0,
          test_fraction: float = 0.2) -> Split:
    """``n`` points in ``centers`` isotropic Gaussian clusters (std ``std``), centres uniform in [−box, box]²."""
    rng = _rng(seed)
    middles = rng.uniform(-box, box, (centers, 2))
    y = xp.arange(n) % centers
    x = middles[y] + std * rng.standard_normal((n, 2))
    return make_split(x, y, test_fraction, seed, "blobs", centers)


def linearly_separable(n: int = 100, margin: float = 0.1, seed: int = 0, test_fraction: float = 0.2) -> Split:
    """``n`` points in [0, 1]² on either side of a random line through the centre, at least ``margin`` away.

    Labels are 0/1 (for the perceptron use ``2 * y - 1``).
    """
    rng = _rng(seed)
    angle = rng.uniform(0, math.pi)
    normal = xp.array([math.cos(angle), math.sin(angle)])
    points = []
    while sum(len(p) for p in points) < n:
        cand = rng.uniform(0, 1, (2 * n, 2))
        points.append(cand[xp.abs((cand - 0.5) @ normal) >= margin / 2])
    x = xp.concatenate(points)[:n]
    y = ((x - 0.5) @ normal > 0).astype(xp.int64)
    return make_split(x, y, test_fraction, seed, "linearly_separable", 2)


def moons(n: int = 200, noise: float = 0.1, seed: int = 0, test_fraction: float = 0.2) -> Split:
    """Two interleaving half circles (scikit-learn's ``make_moons``), roughly in [−1, 2] × [−0.5, 1]."""
    rng = _rng(seed)
    n_top = n // 2
    t_top, t_bottom = xp.linspace(0, math.pi, n_top), xp.linspace(0, math.pi, n - n_top)
    top = xp.stack([xp.cos(t_top), xp.sin(t_top)], axis=1)
    bottom = xp.stack([1 - xp.cos(t_bottom), 0.5 - xp.sin(t_bottom)], axis=1)
    x = xp.concatenate([top, bottom]) + noise * rng.standard_normal((n, 2))
    y = xp.concatenate([xp.zeros(n_top), xp.ones(n - n_top)])
    return make_split(x, y, test_fraction, seed, "moons", 2)
