"""MNIST from the standard IDX files, validated (magic numbers, sizes, SHA-256), with optional download.

IDX layout: a big-endian header — two zero bytes, a type code (0x08 = uint8),
the number of dimensions — then one uint32 per dimension, then the data.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import math
import os
import zlib
from pathlib import Path
from typing import IO, Any

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
_MAX_INFLATION = 1032  # deflate's largest ratio: a .gz file cannot hold more than this many times its size
SIDE = 28  # MNIST's images are 28×28 pixels, labels 0–9


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
        if len(images) == 0 or images.shape[1:] != (SIDE, SIDE):
            raise DatasetError(f"mnist: {images_name} holds {len(images)} images of {images.shape[1:]} pixels; "
                               f"MNIST has at least one, each {SIDE}×{SIDE}")  # fmt: skip
        if labels.max() > 9:
            raise DatasetError(f"mnist: {labels_name} holds the label {labels.max()}; MNIST's labels are 0–9")
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
    """Read one uint8 IDX file (raw or .gz) as an array, validating its checksum, magic number and size.

    The header's dimensions are checked against the bytes the file holds before the data is read, and a .gz
    file is inflated no further than its header declares, so a damaged file costs memory in proportion to it.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"mnist: cannot read {path}: {exc.strerror or exc}") from None
    expected = None if checksums is None else checksums.get(path.name)
    if expected is not None and hashlib.sha256(raw).hexdigest() != expected:
        raise DatasetError(f"mnist: {path} is corrupt: its SHA-256 is not the standard file's ({expected[:12]}…)")
    gz = path.suffix == ".gz"
    stream = gzip.GzipFile(fileobj=io.BytesIO(raw)) if gz else io.BytesIO(raw)
    try:
        shape = _idx_header(stream, path, kind)
        size = math.prod(shape)
        if size > (_MAX_INFLATION if gz else 1) * len(raw):
            raise DatasetError(f"mnist: {path} is truncated: its header says {shape} = {size} bytes of data, "
                               f"more than its {len(raw)} bytes can hold")  # fmt: skip
        data = stream.read(size + 1)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise DatasetError(f"mnist: {path} is not a valid gzip file ({exc})") from None
    if len(data) != size:
        raise DatasetError(
            f"mnist: {path} is truncated or padded: its header says {shape} = {size} bytes of data, "
            f"the file holds {len(data)}{' or more' if len(data) > size else ''}"
        )
    return xp.frombuffer(data, xp.uint8, count=size).reshape(shape)


def _idx_header(stream: IO[bytes], path: Path, kind: str) -> tuple[int, ...]:
    """The dimensions in an IDX header, after its magic number (which fixes the number of dimensions)."""
    head = stream.read(4)
    magic = int.from_bytes(head, "big")
    if len(head) == 4 and magic != _MAGIC[kind]:
        raise DatasetError(f"mnist: {path} has magic number {magic:#010x}, expected {_MAGIC[kind]:#010x} for {kind}")
    ndim = _MAGIC[kind] & 0xFF
    dims = stream.read(4 * ndim)
    if len(head) + len(dims) < 4 + 4 * ndim:
        raise DatasetError(f"mnist: {path} is truncated: {len(head) + len(dims)} bytes, shorter than an IDX header")
    return tuple(int.from_bytes(dims[4 * i : 4 * i + 4], "big") for i in range(ndim))


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
