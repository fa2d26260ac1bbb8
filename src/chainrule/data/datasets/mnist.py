"""MNIST from the standard IDX files, validated (magic numbers, sizes, SHA-256), with optional download.

IDX layout: a big-endian header — two zero bytes, a type code (0x08 = uint8),
the number of dimensions — then one uint32 per dimension, then the data.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path
from typing import Any

from chainrule.backend import xp
from chainrule.data.datasets.split import Split
from chainrule.errors import ChainruleError
from chainrule.files import write_bytes
from chainrule.tensor import Tensor


class DatasetError(ChainruleError, OSError):
    """A dataset file is missing, corrupt or could not be downloaded."""


FILES = {  # part → (images, labels)
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
#: SHA-256 of the standard files, compressed (.gz) and raw.
SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
_MAGIC = {"images": 0x00000803, "labels": 0x00000801}  # uint8 data, 3 or 1 dimensions


def mnist(
    root: str | os.PathLike, download: bool = False, flatten: bool = True, checksums: dict | None = SHA256,
    mirrors: tuple = MIRRORS, timeout: float = 10.0,
) -> Split:
    """The 60,000/10,000 MNIST split read from ``root`` (each file raw or ``.gz``).

    Pixels are float32 in [0, 1], shape (N, 784) (or (N, 28, 28) with
    ``flatten=False``); labels int64. Files are checked against ``checksums``
    (the standard SHA-256 sums; None skips the check). ``download=True`` fetches
    missing files from ``mirrors`` (``timeout`` seconds per connection) and
    verifies them before they are used.
    """
    root = Path(root)
    parts = {}
    for part, (images_name, labels_name) in FILES.items():
        images = read_idx(_locate(root, images_name, download, checksums, mirrors, timeout), "images", checksums)
        labels = read_idx(_locate(root, labels_name, download, checksums, mirrors, timeout), "labels", checksums)
        if len(images) != len(labels):
            raise DatasetError(f"mnist: {images_name} has {len(images)} images but {labels_name} {len(labels)} labels")
        x = images.reshape(len(images), -1) if flatten else images
        parts[part] = (Tensor._make(x.astype(xp.float32) / 255), Tensor._make(labels.astype(xp.int64)))
    return Split(*parts["train"], *parts["test"], 10, "mnist")


def _locate(root: Path, name: str, download: bool, checksums: dict | None, mirrors: tuple, timeout: float) -> Path:
    for candidate in (root / name, root / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    if download:
        return fetch(f"{name}.gz", root, checksums, mirrors, timeout)
    raise DatasetError(
        f"mnist: missing file {root / name} (or {name}.gz) in {root}; put the four MNIST IDX files there "
        "or call mnist(root, download=True)"
    )


def read_idx(path: str | os.PathLike, kind: str, checksums: dict | None = None) -> Any:
    """Read one uint8 IDX file (raw or .gz) as an array, validating its checksum, magic number and size."""
    path = Path(path)
    raw = path.read_bytes()
    expected = None if checksums is None else checksums.get(path.name)
    if expected is not None and hashlib.sha256(raw).hexdigest() != expected:
        raise DatasetError(f"mnist: {path} is corrupt: its SHA-256 is not the standard file's ({expected[:12]}…)")
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DatasetError(f"mnist: {path} is not a valid gzip file ({exc})") from None
    if len(raw) < 8:
        raise DatasetError(f"mnist: {path} is truncated: {len(raw)} bytes, shorter than an IDX header")
    magic = int.from_bytes(raw[:4], "big")
    if magic != _MAGIC[kind]:
        raise DatasetError(f"mnist: {path} has magic number {magic:#010x}, expected {_MAGIC[kind]:#010x} for {kind}")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    size = int(xp.prod(shape))
    if len(raw) != header + size:
        raise DatasetError(
            f"mnist: {path} is truncated or padded: its header says {shape} = {size} bytes of data, "
            f"the file holds {len(raw) - header}"
        )
    return xp.frombuffer(raw, xp.uint8, count=size, offset=header).reshape(shape)


def fetch(name: str, root: Path, checksums: dict | None, mirrors: tuple, timeout: float) -> Path:
    """Download ``name`` from the first mirror that answers, verify its SHA-256 and move it into ``root``."""
    import urllib.request  # only when downloading: it pulls in http and ssl

    root.mkdir(parents=True, exist_ok=True)
    failures = []
    for mirror in mirrors:
        try:
            with urllib.request.urlopen(mirror + name, timeout=timeout) as response:
                data = response.read()
        except (OSError, ValueError) as exc:  # URLError, timeouts and HTTP errors are OSErrors
            failures.append(f"{mirror}: {exc}")
            continue
        expected = None if checksums is None else checksums.get(name)
        if expected is not None and hashlib.sha256(data).hexdigest() != expected:
            failures.append(f"{mirror}: checksum mismatch")
            continue
        return write_bytes(root / name, data)
    raise DatasetError(f"mnist: could not download {name}:\n  " + "\n  ".join(failures or ["no mirrors given"]))
