"""Datasets available offline: the shipped 5,000-image MNIST sample and scikit-learn's 8×8 digits."""

from __future__ import annotations

from importlib import resources

from chainrule.backend import xp
from chainrule.data.datasets.split import Split, make_split


def mnist_sample(flatten: bool = True, test_fraction: float = 0.2, seed: int = 0) -> Split:
    """5,000 real MNIST digits (500 per class) shipped with chainrule: 4,000 train / 1,000 test by default.

    Pixels are float32 in [0, 1], shape (N, 784) (or (N, 28, 28) with
    ``flatten=False``); labels int64. The split is stratified and fixed by
    ``seed``. For convolution layers, ``data.transforms.to_images`` makes either
    shape (N, 1, 28, 28). Source and licence: ``chainrule/data/datasets/files/README.md``.
    """
    path = resources.files("chainrule.data.datasets") / "files" / "mnist_sample.npz"
    with resources.as_file(path) as file, xp.load(file, allow_pickle=False) as archive:
        images, labels = archive["images"], archive["labels"]
    x = images.reshape(len(images), -1) if flatten else images
    return make_split(x.astype(xp.float32) / 255, labels, test_fraction, seed, "mnist_sample", 10)


def digits(test_fraction: float = 0.2, seed: int = 0) -> Split:
    """scikit-learn's 1,797 8×8 handwritten digits: features (N, 64) float32 in [0, 1], labels 0–9.

    Needs scikit-learn: ``pip install 'chainrule[data]'``.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError("digits() needs scikit-learn: pip install 'chainrule[data]'") from None
    bunch = load_digits()
    return make_split(bunch.data / 16.0, bunch.target, test_fraction, seed, "digits", 10)
