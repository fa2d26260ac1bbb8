"""Generated MNIST IDX files: any magic number, dimensions (up to 2³²−1 each), data length and compression give
the split or a DatasetError naming the file, in memory bounded by what the files hold; the command exits 3.
"""

import gzip
import pathlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from robust_support import ROBUST, assert_clean, outcome, peak_bytes, run_cli

import chainrule.data.datasets as ds

NAMES = {("train", "images"): "train-images-idx3-ubyte", ("train", "labels"): "train-labels-idx1-ubyte",
         ("test", "images"): "t10k-images-idx3-ubyte", ("test", "labels"): "t10k-labels-idx1-ubyte"}  # fmt: skip
MAGIC = {"images": 0x803, "labels": 0x801}
N = {"train": 3, "test": 2}


def idx(magic: int, dims: tuple, data: bytes) -> bytes:
    return magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in dims) + data


def good(part: str, kind: str) -> tuple:
    """(magic, dims, data) of a small valid file."""
    n = N[part]
    if kind == "images":
        return MAGIC[kind], (n, 28, 28), bytes(range(256)) * (n * 784 // 256) + bytes(n * 784 % 256)
    return MAGIC[kind], (n,), bytes(range(n))


DIM = st.one_of(st.integers(0, 40), st.sampled_from([28, 2**31, 2**32 - 1]), st.integers(0, 2**32 - 1))
DAMAGE = st.one_of(
    st.tuples(st.just("magic"), st.integers(0, 2**32 - 1)),
    st.tuples(st.just("dims"), st.lists(DIM, min_size=1, max_size=3)),
    st.tuples(st.just("shape"), st.lists(st.integers(0, 30), min_size=1, max_size=3)),
    st.tuples(st.just("length"), st.integers(-30, 30)),
    st.tuples(st.just("truncate"), st.integers(0, 20)),
    st.tuples(st.just("label"), st.integers(10, 255)),
)


def write(root, part, kind, damage, gz) -> int:
    magic, dims, data = good(part, kind)
    if damage is not None:
        what, value = damage
        if what == "magic":
            magic = value
        elif what in ("dims", "shape"):  # "shape": new dimensions and as much data as they declare
            dims = tuple(value) + dims[len(value) :]
            data = bytes(int(np.prod(dims))) if what == "shape" else data
        elif what == "length":
            data = data[:value] if value < 0 else data + bytes(value)
        elif what == "label" and kind == "labels":
            data = bytes([value]) + data[1:]
    raw = idx(magic, dims, data)
    if damage is not None and damage[0] == "truncate":
        raw = raw[: damage[1]]
    path = root / (NAMES[part, kind] + (".gz" if gz else ""))
    path.write_bytes(gzip.compress(raw) if gz else raw)
    return path.stat().st_size


@ROBUST
@given(damaged=st.dictionaries(st.sampled_from(sorted(NAMES)), DAMAGE, max_size=2), gz=st.booleans())
def test_any_idx_header(tmp_path_factory, damaged, gz):
    root = tmp_path_factory.mktemp("mnist")
    total = sum(write(root, part, kind, damaged.get((part, kind)), gz) for part, kind in NAMES)
    peak, result = peak_bytes(lambda: ds.mnist(root, checksums=None))
    assert peak < 8 * 2 * 5 * 784 + 16 * total + (1 << 20), peak  # the data, its float copies and little more
    outcome("refused" if isinstance(result, Exception) else "read")
    if isinstance(result, Exception):
        assert isinstance(result, ds.DatasetError), repr(result)
        assert "\n" not in str(result) and str(result).startswith("mnist: ")
        return
    assert result.x_train.shape == (N["train"], 784) and result.x_test.shape == (N["test"], 784)
    assert int(result.y_train.numpy().max()) <= 9 and int(result.y_test.numpy().max()) <= 9


IMAGES, LABELS = ("train", "images"), ("train", "labels")


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize(
    "damages, words",
    [
        ({IMAGES: ("dims", [2**32 - 1] * 3)}, "more than its"),  # dimensions whose product overflows 64 bits
        ({IMAGES: ("shape", [0]), LABELS: ("shape", [0])}, "holds 0 images"),
        ({IMAGES: ("shape", [3, 7, 7])}, "of (7, 7) pixels"),
        ({LABELS: ("label", 200)}, "holds the label 200"),
        ({IMAGES: ("magic", 0x0801)}, "has magic number 0x00000801, expected 0x00000803"),
        ({IMAGES: ("truncate", 10)}, "shorter than an IDX header"),
    ],
)  # fmt: skip
def test_the_issues_cases(tmp_path, gz, damages, words):
    for part, kind in NAMES:
        write(tmp_path, part, kind, damages.get((part, kind)), gz)
    with pytest.raises(ds.DatasetError) as info:
        ds.mnist(tmp_path, checksums=None)
    assert words in str(info.value)
    code, _, err = run_cli("train", "--data", "mnist", "--mnist-root", tmp_path, "--out", tmp_path / "run")
    assert_clean(code, err, "train", 3, "train-images-idx3-ubyte", "is corrupt")  # the command checks SHA-256 first
    assert not (tmp_path / "run").exists()  # nothing written before the data is read


def test_an_unreadable_file_exits_3_naming_it(tmp_path, monkeypatch):
    for part, kind in NAMES:
        write(tmp_path, part, kind, None, False)
    locked = tmp_path / NAMES["train", "images"]
    read_bytes = pathlib.Path.read_bytes

    def refuse(path):  # what a file without read permission gives (root reads any file, so chmod cannot show it)
        if path == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return read_bytes(path)

    monkeypatch.setattr(pathlib.Path, "read_bytes", refuse)
    code, _, err = run_cli("train", "--data", "mnist", "--mnist-root", tmp_path, "--out", tmp_path / "run")
    assert_clean(code, err, "train", 3, f"mnist: cannot read {locked}: Permission denied")


def test_a_gzip_bomb_is_inflated_no_further_than_its_header_says(tmp_path):
    """A .gz whose header declares 3 images but which inflates to 64 MiB: refused having inflated ~2 KiB."""
    for part, kind in NAMES:
        write(tmp_path, part, kind, None, True)
    magic, dims, data = good("train", "images")
    bomb = gzip.compress(idx(magic, dims, data) + bytes(64 << 20))
    (tmp_path / (NAMES["train", "images"] + ".gz")).write_bytes(bomb)
    peak, result = peak_bytes(lambda: ds.mnist(tmp_path, checksums=None))
    assert isinstance(result, ds.DatasetError) and "truncated or padded" in str(result)
    assert peak < 1 << 20, peak
    assert np.prod(dims) < 10_000
