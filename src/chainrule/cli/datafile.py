"""``chainrule train --data FILE``: a dataset of one's own, from a ``.npz`` or ``.csv`` file, checked before use.

``.npz`` (``numpy.savez`` or ``savez_compressed``): arrays ``x`` (N, D) features, or (N, H, W) / (N, C, H, W)
images, and ``y`` (N,) integer labels 0..C-1; optionally ``x_test`` and ``y_test`` of the same kinds. Arrays are
read without pickle, their headers checked against the file and their sizes bounded before anything is allocated.

``.csv`` (UTF-8, with or without a BOM): one sample per line, numbers separated by commas, the label (0..C-1) in the
last column; a first line none of whose fields starts like a number is a header and skipped, and so are blank lines
and lines starting with ``#``.

Without test arrays (and always for a CSV file), a stratified fifth of the samples is held out as the test set,
fixed by seed 0: the split of the built-in datasets. Every problem is a :class:`DataError` (exit code 3) naming
the file and what is wrong.
"""

from __future__ import annotations

import math
import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from chainrule.cli.errors import DataError
from chainrule.cli.paths import kind, reason, shown
from chainrule.data.datasets import Split
from chainrule.data.datasets.split import make_split
from chainrule.npyfile import NpyError, read_npy
from chainrule.tensor import Tensor

SUFFIXES = (".npz", ".csv")
ARRAYS = ("x", "y", "x_test", "y_test")
#: the most numbers a file may hold (1 GiB as float32: the full MNIST is 55 million)
MAX_NUMBERS = 1 << 28
#: the largest CSV file read. Parsed into a float32 table and split, it takes about 8 bytes per number and 24 per
#: line at the peak (850 MiB for 100 MB of "0,1" lines), checked against the machine's memory before parsing
MAX_CSV_BYTES = 1 << 29
FLOAT32_MAX = float(np.finfo(np.float32).max)
#: how a field that is a number starts (a first line with such a field is data, not a header)
_NUMBER_START = re.compile(r"\s*[-+]?\.?\d")
MAX_CLASSES = 10_000
TEST_FRACTION, SPLIT_SEED = 0.2, 0  # as the built-in datasets


def read(path: str) -> tuple[Split, tuple | None]:
    """The train/test split of the file ``path`` (features flattened to rows) and the shape (C, H, W) of one
    input when ``x`` holds images (None for feature rows)."""
    file, named = Path(path), f"--data {shown(path)}"
    found = kind(file, lambda why: DataError(f"{named}: cannot read it: {why}"))
    if found != "file":
        raise DataError(f"{named}: {'no such file' if found is None else 'not a file'}")
    try:
        return _split(_read_npz(file) if file.suffix.lower() == ".npz" else _read_csv(file), file.stem)
    except OSError as exc:
        raise DataError(f"{named}: cannot read it: {reason(exc)}") from None
    except ValueError as exc:  # what is wrong with the file, in words
        raise DataError(f"{named}: {exc}") from None


def _read_npz(file: Path) -> dict[str, np.ndarray]:
    """The arrays of ARRAYS that the archive holds, each read in memory bounded by what its header declares."""
    try:
        archive = zipfile.ZipFile(file)
    except zipfile.BadZipFile:
        raise ValueError("not an .npz archive (numpy.savez writes one)") from None
    with archive:
        members = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
        missing = [name for name in ("x", "y") if name not in members]
        if missing:
            held = ", ".join(repr(m) for m in members) or "no arrays"
            raise ValueError(f"it lacks {' and '.join(missing)} (it holds {held}); the arrays are x and y, "
                             "optionally x_test and y_test")  # fmt: skip
        if ("x_test" in members) != ("y_test" in members):
            raise ValueError("it holds only one of x_test and y_test; give both or neither")
        wanted = [members[name] for name in ARRAYS if name in members]
        declared = sum(info.file_size for info in wanted)
        if declared > 8 * MAX_NUMBERS:
            raise ValueError(f"its arrays declare {declared} bytes; the limit is {8 * MAX_NUMBERS}")
        _fits_memory(declared, f"its arrays declare {declared} bytes")
        arrays = {}
        for info in wanted:
            if info.flag_bits & 0x1:
                raise ValueError(f"its member {info.filename!r} is encrypted")
            name = info.filename.removesuffix(".npy")
            try:
                with archive.open(info) as member:
                    arrays[name] = read_npy(member, info.file_size, info.filename)
            except (NpyError, zipfile.BadZipFile, EOFError, zlib.error) as exc:
                raise ValueError(f"array {name!r} is unreadable: {exc}") from None
    return arrays


def _read_csv(file: Path) -> dict[str, np.ndarray]:
    """``x`` and ``y`` of a CSV file: every column but the last, and the last.

    NumPy parses the file straight into a float32 table, in memory bounded by its lines (counted first) times the
    columns of its first line; when it cannot, or a value is not finite in float32, a scan names the first line
    at fault.
    """
    size = file.stat().st_size
    if size > MAX_CSV_BYTES:
        raise ValueError(f"it is {size} bytes; the limit for a CSV file is {MAX_CSV_BYTES} (save an .npz instead)")
    lines = _csv_lines(file)
    first = next(lines, None)
    if first is None:
        raise ValueError("it holds no samples (one sample per line: numbers separated by commas, the label last)")
    header = first if _is_header(first[1]) else None
    sample = first if header is None else next(lines, None)
    if sample is None:
        raise ValueError("it holds a header but no samples")
    width = len(sample[1].split(","))
    rows = _newlines(file) + 1  # at most
    if rows * width > MAX_NUMBERS:
        raise ValueError(f"it holds up to {rows} lines of {width} numbers; the limit is {MAX_NUMBERS} numbers")
    _fits_memory(8 * rows * width + 24 * rows, f"its {rows} lines of {width} numbers")  # + the split's copies
    try:
        with np.errstate(over="ignore"):  # beyond float32: inf, found below
            table = np.loadtxt(file, delimiter=",", dtype=np.float32, ndmin=2, comments="#", encoding="utf-8-sig",
                               skiprows=header[0] if header else 0)  # fmt: skip
    except ValueError:  # UnicodeDecodeError too
        raise ValueError(_csv_problem(file, header)) from None
    if table.shape[1] < 2:
        raise ValueError(f"its lines have {table.shape[1]} column; it needs the features, then the label")
    if not np.isfinite(table).all():
        raise ValueError(_csv_problem(file, header))
    return {"x": table[:, :-1], "y": table[:, -1]}


def _csv_lines(file: Path, after: int = 0) -> Iterator[tuple[int, str]]:
    """(line number, text without its ``#`` comment) of a CSV file's lines after line ``after`` that hold
    something; read as NumPy does: UTF-8, a BOM dropped (bytes that are not UTF-8 shown as U+FFFD)."""
    with open(file, encoding="utf-8-sig", errors="replace") as f:
        for n, line in enumerate(f, 1):
            text = line.split("#", 1)[0]
            if n > after and text.strip():
                yield n, text


def _newlines(file: Path) -> int:
    with open(file, "rb") as f:
        return sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b""))


def _is_header(line: str) -> bool:
    """Whether a first line is a header: none of its fields starts like a number (``1;2;3`` is a bad line)."""
    return not any(_NUMBER_START.match(field) or _is_number(field) for field in line.split(","))


def _csv_problem(file: Path, header: tuple[int, str] | None) -> str:
    """The first line of a CSV file that is not numbers separated by commas, as many as the lines above, finite in
    float32."""
    width = None
    for n, line in _csv_lines(file, header[0] if header else 0):
        fields = line.split(",")
        bad = next((f for f in fields if not _is_number(f)), None)
        if bad is not None:
            other = next((sep for sep in (";", "\t", "|") if sep in bad), None)
            return (f"line {n}: {_field(bad)} is not a number (every line: numbers separated by commas, the label "
                    f"last{f'; this file seems to separate them by {other!r}' if other else ''})")  # fmt: skip
        if width is not None and len(fields) != width:
            return f"line {n} has {len(fields)} columns and the lines above {width}; every line needs as many"
        width = len(fields)
        big = next((f for f in fields if not abs(float(f)) <= FLOAT32_MAX), None)
        if big is not None and not math.isfinite(float(big)):
            return f"line {n}: {_field(big)} is not a finite number"
        if big is not None:
            return (f"line {n}: {_field(big)} is too large for float32, which the network computes in (|value| up "
                    f"to {FLOAT32_MAX:.4g}): scale the features")  # fmt: skip
    return "NumPy cannot read it as numbers separated by commas"


def _field(text: str, shown: int = 40) -> str:
    """A field as a message quotes it: stripped, cut after ``shown`` characters."""
    text = text.strip()
    return repr(text) if len(text) <= shown else f"{text[:shown]!r}… ({len(text)} characters)"


def _is_number(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def _beyond_float32(a: np.ndarray) -> int | None:
    """The first sample of ``a`` with a value beyond float32's range, None if there is none."""
    if a.dtype.itemsize <= 4 or not (a.max() > FLOAT32_MAX or a.min() < -FLOAT32_MAX):  # NaN: refused later
        return None
    return int(np.flatnonzero((np.abs(a) > FLOAT32_MAX).reshape(len(a), -1).any(axis=1))[0])


def _fits_memory(needed: int, what: str) -> None:
    from chainrule.cli.recipe import physical_memory  # recipe reads data files through this module

    available = physical_memory()
    if available is not None and 2 * needed > available:
        raise ValueError(f"{what}: too much for this machine's {available} bytes of memory")


def _split(arrays: dict[str, np.ndarray], name: str) -> tuple[Split, tuple | None]:
    """Checked arrays as a Split of float32 rows and int64 labels, and the image shape (C, H, W) if any."""
    x, y = _features("x", arrays["x"]), _labels("y", arrays["y"])
    _same_count("x", x, "y", y)
    image = _image_shape(x)
    if "x_test" in arrays:
        xt, yt = _features("x_test", arrays["x_test"]), _labels("y_test", arrays["y_test"])
        _same_count("x_test", xt, "y_test", yt)
        if xt.shape[1:] != x.shape[1:]:
            raise ValueError(f"x_test has samples of shape {xt.shape[1:]}, x of shape {x.shape[1:]}; they must match")
    classes = int(max(y.max(), yt.max() if "x_test" in arrays else 0)) + 1
    if classes < 2:
        raise ValueError(f"every label is {classes - 1}: a classifier needs at least 2 classes (labels 0..C-1)")
    if classes > MAX_CLASSES:
        raise ValueError(f"its largest label is {classes - 1}; labels are 0..C-1 with at most {MAX_CLASSES} classes")
    if "x_test" not in arrays:
        n_test = round(TEST_FRACTION * len(y))
        if n_test < 1 or n_test >= len(y):
            raise ValueError(f"{len(y)} samples are too few to hold out a test fifth; give at least 3, or x_test and "
                             "y_test")  # fmt: skip
        return make_split(x.reshape(len(x), -1), y, TEST_FRACTION, SPLIT_SEED, name, classes), image
    train, test = (Tensor._make(np.ascontiguousarray(a.reshape(len(a), -1), np.float32)) for a in (x, xt))
    return Split(train, Tensor._make(y), test, Tensor._make(yt), classes, name), image


def _features(key: str, a: np.ndarray) -> np.ndarray:
    """``a`` as the features of N samples: numbers, at least one sample of at least one number, all finite in
    float32."""
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{key} has dtype {a.dtype}; features are numbers (bool, int, uint or float)")
    if a.ndim not in (2, 3, 4):
        raise ValueError(f"{key} has shape {a.shape}; features are (N, D), images (N, H, W) or (N, C, H, W)")
    if a.size == 0:
        raise ValueError(f"{key} has shape {a.shape}: no {'samples' if len(a) == 0 else 'features'}")
    if a.size > MAX_NUMBERS:
        raise ValueError(f"{key} holds {a.size} numbers; the limit is {MAX_NUMBERS}")
    if a.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(a.reshape(len(a), -1)).all(axis=1))
        if bad.size:
            raise ValueError(f"{key} has NaN or infinite values ({bad.size} sample(s), the first is sample {bad[0]})")
        i = _beyond_float32(a)
        if i is not None:
            raise ValueError(f"{key} has values too large for float32, which the network computes in (|value| up to "
                             f"{FLOAT32_MAX:.4g}); the first is in sample {i}: scale the features")  # fmt: skip
    return a


def _labels(key: str, a: np.ndarray) -> np.ndarray:
    """``a`` as int64 labels 0..C-1 of N samples (whole numbers stored as floats are taken too)."""
    if a.ndim != 1:
        raise ValueError(f"{key} has shape {a.shape}; labels are one integer per sample, shape (N,)")
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{key} has dtype {a.dtype}; labels are integers 0..C-1")
    if len(a) == 0:
        raise ValueError(f"{key} is empty: no samples")
    if a.dtype.kind == "f":
        whole = np.isfinite(a) & (a == np.round(a))
        if not whole.all():
            i = int(np.flatnonzero(~whole)[0])
            raise ValueError(f"{key}[{i}] is {a[i]:g}; labels are integers 0..C-1")
    if a.min() < 0:
        i = int(np.argmin(a))
        raise ValueError(f"{key}[{i}] is {a[i]:g}; labels are integers 0..C-1")
    if a.max() >= MAX_CLASSES:
        raise ValueError(f"{key} has the label {a.max():g}; labels are 0..C-1 with at most {MAX_CLASSES} classes")
    return a.astype(np.int64)


def _same_count(xk: str, x: np.ndarray, yk: str, y: np.ndarray) -> None:
    if len(x) != len(y):
        raise ValueError(f"{xk} has {len(x)} samples and {yk} {len(y)} labels; they must be as many")


def _image_shape(x: np.ndarray) -> tuple | None:
    """(C, H, W) of one sample of ``x`` when it holds images, None for feature rows."""
    if x.ndim == 2:
        return None
    return (1, *x.shape[1:]) if x.ndim == 3 else tuple(x.shape[1:])


def is_file(data: str) -> bool:
    """Whether a ``--data`` value names a file (by its suffix) rather than a built-in dataset."""
    return os.path.splitext(data)[1].lower() in SUFFIXES
