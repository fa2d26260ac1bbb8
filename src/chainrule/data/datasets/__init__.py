"""Ready-made datasets; each returns a :class:`Split` of float32 features and int64 labels.

- ``mnist_sample()``: 5,000 real MNIST digits shipped with chainrule (offline, NumPy only);
- ``digits()``: the 1,797 UCI 8×8 digits (scikit-learn's ``load_digits``), shipped likewise;
- ``mnist(root, download=False)``: the full MNIST from the standard IDX files;
- ``xor()``, ``spirals()``, ``blobs()``, ``linearly_separable()``, ``moons()``: 2-D teaching sets.
"""

from chainrule.data.datasets.mnist import DatasetError, mnist, read_idx
from chainrule.data.datasets.sample import digits, mnist_sample
from chainrule.data.datasets.split import Split
from chainrule.data.datasets.synthetic import blobs, linearly_separable, moons, spirals, xor

__all__ = [
    "DatasetError", "Split", "blobs", "digits", "linearly_separable", "mnist", "mnist_sample", "moons",
    "read_idx", "spirals", "xor",
]  # fmt: skip
