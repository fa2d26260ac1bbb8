"""Tampered checkpoint metadata and array members: any tree, any nesting, any .npy header.

Each generated file either loads into plain data (dicts, lists, tuples, scalars, Tensors, arrays) or raises
CheckpointError naming the file; nothing recurses on the file's nesting, and a header that declares more data
than the member holds is refused before anything is allocated.
"""

import io
import json
import zipfile

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from robust_support import ROBUST, outcome, peak_bytes, time_limit

import chainrule as cr
from chainrule.io import MAX_DEPTH, CheckpointError

HEAD = {"format": "chainrule-checkpoint", "version": 1}
ARRAYS = {"a0": np.arange(6.0).reshape(2, 3), "a1": np.array([1, 2], dtype=np.int64), "a2": np.zeros(0, np.float32)}


def npy(array=None, header: str | None = None, data: bytes | None = None, version: int = 1) -> bytes:
    """The bytes of a .npy file: ``array``'s own, or a given header text and data."""
    if header is None:
        buf = io.BytesIO()
        np.lib.format.write_array(buf, array, version=(version, 0))
        return buf.getvalue()
    text = header.encode("latin1")
    size = len(text).to_bytes(2 if version == 1 else 4, "little")
    return b"\x93NUMPY" + bytes([version, 0]) + size + text + (data or b"")


def archive(path, meta: bytes, members: dict) -> None:
    """An uncompressed .npz of ``__meta__`` (JSON bytes) and ``members`` (name → .npy bytes)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("__meta__.npy", npy(np.frombuffer(meta, dtype=np.uint8)))
        for name, data in members.items():
            z.writestr(f"{name}.npy", data)


def load(path):
    """cr.load's result or its error, which must be a one-line CheckpointError naming the file."""
    with time_limit(5):
        peak, result = peak_bytes(lambda: cr.load(path))
    outcome("refused" if isinstance(result, Exception) else "loaded")
    if isinstance(result, Exception):
        assert isinstance(result, CheckpointError), repr(result)
        assert str(path) in str(result) and "\n" not in str(result)
    assert peak <= 4 * path.stat().st_size + (2 << 20), f"{peak} bytes traced for {path.stat().st_size}"
    return result


def plain(tree) -> bool:
    """Only the types a checkpoint holds, walked with a stack (a loaded tree may be deep)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)
        elif not isinstance(node, bool | int | float | str | type(None) | cr.Tensor | np.ndarray):
            return False
    return True


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=6),
                    st.sampled_from(["a0", "a1", "a2", "a9", "__meta__", ""]))  # fmt: skip
MARKERS = ["__tensor__", "__ndarray__", "__tuple__", "__dict__", "__other__"]


def trees(children):
    marker = st.builds(lambda k, v: {k: v}, st.sampled_from(MARKERS), st.one_of(SCALARS, children))
    pairs = st.lists(st.one_of(st.tuples(SCALARS, children).map(list), children), max_size=3)
    odd = st.builds(lambda m, k, v: {m: k, "extra": v}, st.sampled_from(MARKERS), SCALARS, children)
    return st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=4), children, max_size=3),
                     marker, pairs.map(lambda p: {"__dict__": p}), odd)  # fmt: skip


TREES = st.recursive(SCALARS, trees, max_leaves=12)


@ROBUST
@given(tree=TREES)
def test_any_tree(tmp_path_factory, tree):
    path = tmp_path_factory.mktemp("t") / "c.npz"
    archive(path, json.dumps({**HEAD, "tree": tree}).encode(), {k: npy(v) for k, v in ARRAYS.items()})
    result = load(path)
    if not isinstance(result, Exception):
        assert plain(result)


@ROBUST
@given(meta=st.one_of(st.binary(max_size=40), st.recursive(SCALARS, trees, max_leaves=6).map(
    lambda v: json.dumps(v).encode()), st.fixed_dictionaries({}, optional={
        "format": SCALARS, "version": SCALARS, "tree": SCALARS}).map(lambda d: json.dumps(d).encode())))  # fmt: skip
def test_any_metadata(tmp_path_factory, meta):
    """Metadata that is not a JSON object, not UTF-8, without format, version or tree: refused."""
    path = tmp_path_factory.mktemp("m") / "c.npz"
    archive(path, meta, {})
    result = load(path)
    try:
        decoded = json.loads(meta)
    except ValueError:
        decoded = None
    complete = isinstance(decoded, dict) and "tree" in decoded and all(decoded.get(k) == v for k, v in HEAD.items())
    assert complete or isinstance(result, CheckpointError)


@ROBUST
@given(containers=st.integers(MAX_DEPTH - 3, MAX_DEPTH + 1) | st.integers(0, 3 * MAX_DEPTH) | st.sampled_from(
    [1000, 100_000]), kind=st.sampled_from(["list", "dict", "mixed"]))  # fmt: skip
def test_nesting_up_to_the_documented_limit_loads_and_deeper_is_refused(tmp_path_factory, containers, kind):
    """A tree of n nested containers sits inside the metadata object: JSON nesting n + 1, at most MAX_DEPTH."""
    opens = {"list": ["["], "dict": ['{"k": '], "mixed": ["[", '{"k": ']}[kind]
    closes = {"[": "]", '{"k": ': "}"}
    chain = [opens[i % len(opens)] for i in range(containers)]
    tree = "".join(chain) + "0" + "".join(closes[o] for o in reversed(chain))
    path = tmp_path_factory.mktemp("d") / "c.npz"
    archive(path, ('{"format": "chainrule-checkpoint", "version": 1, "tree": ' + tree + "}").encode(), {})
    result = load(path)
    if containers + 1 <= MAX_DEPTH:
        assert not isinstance(result, Exception), result
    else:
        assert isinstance(result, CheckpointError) and f"nested more than {MAX_DEPTH} levels deep" in str(result)


def test_saving_what_could_not_be_loaded_is_refused(tmp_path):
    deep = 0
    for _ in range(MAX_DEPTH + 1):
        deep = [deep]
    try:
        cr.save({"x": deep}, tmp_path / "deep.npz")
    except CheckpointError as exc:
        assert "nested deeper than a checkpoint may be" in str(exc)
    else:
        raise AssertionError("saved a checkpoint load refuses")
    assert not list(tmp_path.iterdir())


# (good values, damaged values) of each part of a .npy member
HEADER_PARTS = {
    "shape": (st.lists(st.integers(0, 4), max_size=3).map(tuple), st.one_of(st.lists(st.sampled_from(
        [-1, 0, 1, 2**31, 2**40, 2**63, 10**30]), min_size=1, max_size=3).map(tuple), st.sampled_from(
        ["(True, 2)", "[2]", "'2'", "(2**60, 2**60)", "(" * 20 + ")" * 20]))),
    "descr": (st.sampled_from(["<f8", "<f4", "|u1", "<i8", ">f8", "|b1", "<c16", "<U3", "|S2", "|V8", "<M8[s]"]),
              st.sampled_from(["|O", "|V0", "(2,)<f8", "bogus", "<f9", "[('a', '<f8')]", "{'a': 1}",
                               "[" * 50 + "]" * 50, "<U1000000000000"])),
    "fortran": (st.sampled_from(["False", "True"]), st.sampled_from(["0", "'no'", "None"])),
    "extra": (st.just(""), st.sampled_from([", 'x': 1", ", 'shape': (1,)"])),
    "version": (st.sampled_from([1, 2]), st.sampled_from([0, 3, 255])),
    "surplus": (st.just(0), st.sampled_from([-9, -1, 1, 9])),
}  # fmt: skip


@ROBUST
@given(damaged=st.sets(st.sampled_from(sorted(HEADER_PARTS)), max_size=2), parts=st.data(), tensor=st.booleans())
def test_any_npy_header(tmp_path_factory, damaged, parts, tensor):
    """Headers of any shape, dtype and version; data short, exact or long: the array, or a CheckpointError."""
    drawn = {k: parts.draw(HEADER_PARTS[k][k in damaged], label=k) for k in HEADER_PARTS}
    shape, descr, fortran, extra, version, surplus = (drawn[k] for k in HEADER_PARTS)
    shape_text = shape if isinstance(shape, str) else repr(shape)
    descr_text = descr if descr.startswith(("[", "{")) else repr(descr)
    header = f"{{'descr': {descr_text}, 'fortran_order': {fortran}, 'shape': {shape_text}{extra}, }}".ljust(60)
    try:
        itemsize = np.dtype(descr).itemsize
        count = int(np.prod(shape)) if isinstance(shape, tuple) and all(0 <= n < 2**20 for n in shape) else 0
    except (TypeError, ValueError):
        itemsize, count = 8, 0
    size = count * itemsize if count * itemsize < 1 << 20 else 64  # a declared size too big to write: short data
    data = (bytes(range(256)) * (1 + size // 256))[: max(0, size + surplus)]
    path = tmp_path_factory.mktemp("h") / "c.npz"
    marker = "__tensor__" if tensor else "__ndarray__"
    archive(path, json.dumps({**HEAD, "tree": {marker: "a0"}}).encode(),
            {"a0": npy(header=header, data=data, version=version)})  # fmt: skip
    result = load(path)
    if not damaged and (not tensor or np.dtype(descr).kind in "biufc"):
        assert not isinstance(result, Exception), result  # an intact member always loads
    if isinstance(result, Exception):
        return
    array = result.numpy() if tensor else result
    assert len(data) == count * itemsize and version in (1, 2) and extra == "" and fortran in ("False", "True")
    assert array.dtype == np.dtype(descr) and array.shape == shape and not array.dtype.hasobject
    assert array.tobytes(order="F" if fortran == "True" else "C") == data


def test_a_header_declaring_a_terabyte_is_refused_before_allocating(tmp_path):
    """The issue's case: more elements declared than the file can hold; no MemoryError, nothing allocated."""
    path = tmp_path / "c.npz"
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }".ljust(60)
    archive(path, json.dumps({**HEAD, "tree": {"__ndarray__": "a0"}}).encode(), {"a0": npy(header=header,
                                                                                          data=bytes(64))})  # fmt: skip
    peak, result = peak_bytes(lambda: cr.load(path))
    assert isinstance(result, CheckpointError)
    assert "declares shape (1099511627776,) of float64 (8796093022208 bytes) but holds 64 bytes" in str(result)
    assert peak < 1 << 20


def test_an_array_named_twice_is_refused(tmp_path):
    """Two references to one member would share (and multiply) it: a file save() wrote never does that."""
    path = tmp_path / "c.npz"
    archive(path, json.dumps({**HEAD, "tree": [{"__ndarray__": "a0"}] * 2}).encode(), {"a0": npy(np.zeros(9))})
    result = load(path)
    assert isinstance(result, CheckpointError) and "array 'a0' is named twice" in str(result)
