"""Damaged checkpoint bytes: every mutation of a real checkpoint either loads the very same content or raises
CheckpointError naming the file, in memory bounded by the file's size and in bounded time.

Mutations: truncation, bit flips, overwritten, inserted and deleted runs of bytes, and each field of the zip
structures (local headers, central directory, end record) set to a generated value.
"""

import io
import struct
import zipfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from robust_support import ROBUST, outcome, peak_bytes, time_limit

import chainrule as cr
from chainrule import nn, optim
from chainrule.io import CheckpointError

# (offset, width) of every field: PKWARE APPNOTE 4.3.7 (local header), 4.3.12 (central directory), 4.3.16 (end)
LOCAL = {"version": (4, 2), "flags": (6, 2), "method": (8, 2), "time": (10, 2), "date": (12, 2), "crc": (14, 4),
         "compressed": (18, 4), "size": (22, 4), "name length": (26, 2), "extra length": (28, 2)}  # fmt: skip
CENTRAL = {"made by": (4, 2), "version needed": (6, 2), "flags": (8, 2), "method": (10, 2), "time": (12, 2),
           "date": (14, 2), "crc": (16, 4), "compressed": (20, 4), "size": (24, 4), "name length": (28, 2),
           "extra length": (30, 2), "comment length": (32, 2), "disk": (34, 2), "internal": (36, 2),
           "external": (38, 4), "offset": (42, 4)}  # fmt: skip
END = {"disk": (4, 2), "directory disk": (6, 2), "entries here": (8, 2), "entries": (10, 2), "directory size": (12, 4),
       "directory offset": (16, 4), "comment length": (20, 2)}  # fmt: skip
SIGNATURES = {"local": (b"PK\x03\x04", LOCAL), "central": (b"PK\x01\x02", CENTRAL), "end": (b"PK\x05\x06", END)}


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    """(bytes, content) of a checkpoint shaped like a training run's: model, Adam state, history, tuples."""
    net = nn.MLP([3, 4, 2])
    opt = optim.Adam(net.parameters(), lr=0.01)
    for p in net.parameters():
        p.grad = cr.randn(*p.shape)
    opt.step()
    content = {"format": "chainrule-run", "epoch": 2, "model": net.state_dict(), "optimizer": opt.state_dict(),
               "history": [{"loss": 0.5, "acc": None}], "shape": (2, 3), "raw": np.arange(4), 7: "int key"}  # fmt: skip
    path = tmp_path_factory.mktemp("ckpt") / "c.npz"
    cr.save(content, path)
    return path.read_bytes(), cr.load(path)


def same(a, b) -> bool:
    """Equal trees: same types, keys, values; tensors and arrays equal in dtype, shape and bits."""
    if isinstance(a, cr.Tensor | np.ndarray):
        a, b = (x.numpy() if isinstance(x, cr.Tensor) else x for x in (a, b))
        return type(a) is type(b) and a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def load_mutated(tmp_path, data: bytes, original_content):
    """Load ``data``: assert it gives the original content or a CheckpointError, in bounded memory and time."""
    path = tmp_path / "mutated.npz"
    path.write_bytes(data)
    with time_limit(5):
        peak, result = peak_bytes(lambda: cr.load(path))
    assert peak <= 4 * len(data) + (2 << 20), f"{peak} bytes traced for a {len(data)}-byte file"
    outcome("refused" if isinstance(result, Exception) else "loaded")
    if isinstance(result, Exception):
        assert isinstance(result, CheckpointError), repr(result)
        assert str(path) in str(result) and "\n" not in str(result)
    else:
        assert same(result, original_content)
    return result


EDITS = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1), st.just(b"")),
    st.tuples(st.just("flip"), st.floats(0, 1), st.integers(1, 255).map(lambda x: bytes([x]))),
    st.tuples(st.just("overwrite"), st.floats(0, 1), st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("delete"), st.floats(0, 1), st.binary(min_size=1, max_size=16)),
)


def edit(data: bytes, kind: str, where: float, payload: bytes) -> bytes:
    i = min(int(where * len(data)), len(data) - 1)
    if kind == "truncate":
        return data[:i]
    if kind == "flip":
        return data[:i] + bytes([data[i] ^ payload[0]]) + data[i + 1 :]
    if kind == "overwrite":
        return data[:i] + payload + data[i + len(payload) :]
    if kind == "insert":
        return data[:i] + payload + data[i:]
    return data[:i] + data[i + len(payload) :]


@ROBUST
@given(edits=st.lists(EDITS, min_size=1, max_size=3))
def test_edited_bytes(original, tmp_path_factory, edits):
    data, content = original
    for kind, where, payload in edits:
        data = edit(data, kind, where, payload)
    load_mutated(tmp_path_factory.mktemp("m"), data, content)


@ROBUST
@given(structure=st.sampled_from(sorted(SIGNATURES)), which=st.integers(0, 20), field=st.data(),
       value=st.one_of(st.sampled_from([0, 1, 20, 45, 63, 64, 99, 255, 0xFFFF, 0xFFFFFFFF]), st.integers(0, 2**32 - 1)))
def test_each_zip_field_set_to_any_value(original, tmp_path_factory, structure, which, field, value):
    data, content = original
    signature, fields = SIGNATURES[structure]
    starts = [i for i in range(len(data)) if data.startswith(signature, i)]
    start = starts[which % len(starts)]
    name = field.draw(st.sampled_from(sorted(fields)))
    offset, width = fields[name]
    packed = struct.pack("<H" if width == 2 else "<I", value % (1 << (8 * width)))
    data = data[: start + offset] + packed + data[start + offset + width :]
    load_mutated(tmp_path_factory.mktemp("z"), data, content)


def test_the_known_cases(original, tmp_path):
    """The issue's cases, each with its message: version needed, a compressed member, an encrypted one."""
    data, content = original
    central = data.index(b"PK\x01\x02")
    too_new = data[: central + 6] + struct.pack("<H", 99) + data[central + 8 :]
    assert "zip file version 9.9" in str(load_mutated(tmp_path, too_new, content))
    deflated = data[: central + 10] + struct.pack("<H", 8) + data[central + 12 :]
    assert "is compressed (method 8)" in str(load_mutated(tmp_path, deflated, content))
    encrypted = data[: central + 8] + struct.pack("<H", 1) + data[central + 10 :]
    assert "encrypted" in str(load_mutated(tmp_path, encrypted, content))


def test_a_compression_bomb_is_refused_without_inflating(tmp_path):
    """A small file whose member inflates to 64 MiB (the issue's 1 MB file took 1 GB) is refused unread."""
    path = tmp_path / "bomb.npz"
    meta = b'{"format": "chainrule-checkpoint", "version": 1, "tree": {"__ndarray__": "a0"}}'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("__meta__.npy", _npy(np.frombuffer(meta, np.uint8)))
        with z.open("a0.npy", "w") as member:
            np.lib.format.write_array_header_1_0(member, {"descr": "|u1", "fortran_order": False, "shape": (64 << 20,)})
            for _ in range(4):
                member.write(bytes(16 << 20))
    assert path.stat().st_size < 1 << 20
    peak, result = peak_bytes(lambda: cr.load(path))
    assert isinstance(result, CheckpointError) and "is compressed (method 8)" in str(result)
    assert peak < 1 << 20


def _npy(array) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array)
    return buf.getvalue()
