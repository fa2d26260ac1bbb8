"""Datasets shipped with chainrule, available offline with NumPy alone: 5,000 MNIST digits and the UCI 8×8 digits.

Each is a compressed ``.npz`` archive of ``images`` (uint8, (N, side, side)) and ``labels`` (uint8, (N,)) in
``files/``, read without pickle and checked (members, dtypes, shapes, value ranges) before use. Sources and
licences: ``chainrule/data/datasets/files/README.md``.
"""

from __future__ import annotations

import zipfile
import zlib
from importlib import resources
from typing import Any

from chainrule.backend import xp
from chainrule.data.datasets.mnist import DatasetError
from chainrule.data.datasets.split import Split, make_split


def mnist_sample(flatten: bool = True, test_fraction: float = 0.2, seed: int = 0) -> Split:
    """5,000 real MNIST digits (500 per class) shipped with chainrule: 4,000 train / 1,000 test by default.

    Pixels are float32 in [0, 1], shape (N, 784) (or (N, 28, 28) with
    ``flatten=False``); labels int64. The split is stratified and fixed by
    ``seed``. For convolution layers, ``data.transforms.to_images`` makes either
    shape (N, 1, 28, 28). Source and licence: ``chainrule/data/datasets/files/README.md``.
    """
    images, labels = read_shipped("mnist_sample.npz", count=5000, side=28, top=255)
    x = images.reshape(len(images), -1) if flatten else images
    return make_split(x.astype(xp.float32) / 255, labels, test_fraction, seed, "mnist_sample", 10)


def digits(test_fraction: float = 0.2, seed: int = 0) -> Split:
    """The 1,797 8×8 handwritten digits of the UCI optical-digits test set (scikit-learn's ``load_digits``),
    shipped with chainrule: features (N, 64) float32 in [0, 1] (pixel counts 0–16 divided by 16), labels 0–9.

    The split is stratified and fixed by ``seed``: 1,438 train / 359 test by default. Source and licence
    (CC BY 4.0): ``chainrule/data/datasets/files/README.md``.
    """
    images, labels = read_shipped("digits.npz", count=1797, side=8, top=16)
    return make_split(images.reshape(len(images), -1) / 16.0, labels, test_fraction, seed, "digits", 10)


def read_shipped(name: str, count: int, side: int, top: int) -> tuple[Any, Any]:
    """``images``, ``labels`` from the shipped archive ``files/<name>``, refused (DatasetError) unless they are
    ``count`` uint8 images of ``side``×``side`` pixels in 0..``top`` and as many uint8 labels in 0..9."""
    path = resources.files("chainrule.data.datasets") / "files" / name
    try:
        with resources.as_file(path) as file, xp.load(file, allow_pickle=False) as archive:
            if sorted(archive.files) != ["images", "labels"]:
                raise DatasetError(f"{name}: holds {sorted(archive.files)}; a shipped dataset holds images and labels")
            images, labels = archive["images"], archive["labels"]
    except DatasetError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:  # missing, damaged, or pickled
        raise DatasetError(f"{name}: the dataset file shipped with chainrule cannot be read ({exc}); "
                           "reinstall chainrule") from None  # fmt: skip
    expected = {"images": ((count, side, side), top), "labels": ((count,), 9)}
    for key, array in (("images", images), ("labels", labels)):
        shape, most = expected[key]
        if array.dtype != xp.uint8 or array.shape != shape:
            raise DatasetError(f"{name}: {key} is {array.dtype} of shape {array.shape}; expected uint8, {shape}")
        if array.size and array.max() > most:
            raise DatasetError(f"{name}: {key} holds the value {array.max()}; expected values in 0..{most}")
    return images, labels
