"""Checkpoints: round trips, atomic writes, and clear errors for damaged files."""

import json
import os
import sys
import zipfile

import numpy as np
import pytest

import chainrule as cr
import chainrule.io as crio
from chainrule import nn, optim
from chainrule.io import CheckpointError


def _model():
    return nn.MLP([4, 5, 3], activation="tanh")


def test_round_trip_restores_a_model_exactly(tmp_path):
    net = _model()
    opt = optim.Adam(net.parameters(), lr=1e-3)
    net(cr.randn(2, 4)).sum().backward()
    opt.step()
    obj = {
        "model": net.state_dict(), "optimizer": opt.state_dict(), "epoch": 3, "lr": 1e-3, "name": "mlp",
        "done": False, "nothing": None, "history": [0.5, 0.25], "shape": (2, 3), "raw": np.arange(3),
        "__odd_key__": 1, 7: "int key",
    }  # fmt: skip
    cr.save(obj, tmp_path / "ckpt.npz")
    back = cr.load(tmp_path / "ckpt.npz")
    assert back["epoch"] == 3 and back["name"] == "mlp" and back["done"] is False and back["nothing"] is None
    assert back["history"] == [0.5, 0.25] and back["shape"] == (2, 3) and back["__odd_key__"] == 1
    assert back[7] == "int key" and isinstance(back["raw"], np.ndarray) and back["raw"].tolist() == [0, 1, 2]
    assert back["optimizer"]["state"][0]["step"] == 1
    fresh = _model()
    fresh.load_state_dict(back["model"])
    for (k, a), (_, b) in zip(net.state_dict().items(), fresh.state_dict().items(), strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
    x = cr.randn(3, 4)
    np.testing.assert_array_equal(net(x).detach().numpy(), fresh(x).detach().numpy())


def test_file_is_plain_npz_with_json_metadata(tmp_path):
    cr.save({"w": cr.ones(2, 2)}, tmp_path / "c.ckpt")
    with np.load(tmp_path / "c.ckpt", allow_pickle=False) as archive:
        meta = json.loads(archive["__meta__"].tobytes())
    assert meta["format"] == "chainrule-checkpoint" and meta["tree"] == {"w": {"__tensor__": "a0"}}


def test_crash_mid_write_leaves_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    cr.save({"epoch": 1, "w": cr.zeros(100)}, path)
    before = path.read_bytes()

    def half_then_crash(f, arrays):
        f.write(b"PK\x03\x04 half of a zip")
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(crio, "_write_payload", half_then_crash)
    with pytest.raises(KeyboardInterrupt):
        cr.save({"epoch": 2, "w": cr.ones(100)}, path)
    assert path.read_bytes() == before and cr.load(path)["epoch"] == 1
    assert os.listdir(tmp_path) == ["ckpt.npz"]  # no temporary file left behind


def test_failed_rename_leaves_no_partial_target(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError("disk gone")))
    with pytest.raises(OSError, match="disk gone"):
        cr.save({"a": 1}, tmp_path / "new.npz")
    assert os.listdir(tmp_path) == []


def test_written_files_get_the_usual_permissions(tmp_path):
    """Not the owner-only mode of a temporary file: what open() would give under the current umask."""
    old = os.umask(0o022)
    try:
        cr.save({"a": 1}, tmp_path / "c.npz")
    finally:
        os.umask(old)
    assert (tmp_path / "c.npz").stat().st_mode & 0o777 == 0o644


def test_a_folder_is_refused_as_a_target(tmp_path):
    with pytest.raises(IsADirectoryError, match=f"cannot write {tmp_path}: it is a folder"):
        cr.save({"a": 1}, tmp_path)
    assert os.listdir(tmp_path) == [] and os.listdir(tmp_path.parent).count(tmp_path.name) == 1


def test_truncated_file(tmp_path):
    path = tmp_path / "ckpt.npz"
    cr.save({"w": cr.randn(1000)}, path)
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(CheckpointError, match=r"ckpt\.npz is truncated or corrupted"):
        cr.load(path)


def test_corrupted_bytes_are_detected(tmp_path):
    path = tmp_path / "ckpt.npz"
    cr.save({"w": cr.zeros(1000)}, path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("a0.npy")
    data[info.header_offset + 200] ^= 0xFF  # flip bits inside the stored array
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="corrupted"):
        cr.load(path)


def test_wrong_format_files(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(CheckpointError, match=r"notes\.txt"):
        cr.load(text)
    plain = tmp_path / "plain.npz"
    np.savez(plain, x=np.ones(2))
    with pytest.raises(CheckpointError, match="without chainrule metadata"):
        cr.load(plain)
    npy = tmp_path / "one.npy"
    np.save(npy, np.ones(2))
    with pytest.raises(CheckpointError, match="not an .npz archive"):
        cr.load(npy)
    with pytest.raises(FileNotFoundError, match="no checkpoint file"):
        cr.load(tmp_path / "missing.npz")


def test_pickled_objects_are_never_loaded(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, __meta__=np.frombuffer(b'{"format": "chainrule-checkpoint", "version": 1, '
                                          b'"tree": {"__ndarray__": "a0"}}', dtype=np.uint8),
             a0=np.array([object()], dtype=object))
    with pytest.raises(CheckpointError):
        cr.load(path)


def test_wrong_shape_is_caught_by_load_state_dict(tmp_path):
    cr.save(nn.Linear(4, 3).state_dict(), tmp_path / "small.npz")
    with pytest.raises(nn.StateDictError, match=r"weight: checkpoint shape \(3, 4\), model shape \(5, 4\)"):
        nn.Linear(4, 5).load_state_dict(cr.load(tmp_path / "small.npz"))


def test_unsavable_objects_are_named(tmp_path):
    with pytest.raises(CheckpointError, match=r"obj\['model'\] is a Linear.*state_dict"):
        cr.save({"model": nn.Linear(2, 2)}, tmp_path / "x.npz")
    with pytest.raises(CheckpointError, match="without pickle"):
        cr.save({"a": np.array([object()])}, tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


def test_load_state_dict_is_all_or_nothing(tmp_path):
    """An uncastable dtype on the last key is found before the first key is written; every problem is named."""
    net, source = _model(), _model()
    before = {k: v.numpy().copy() for k, v in net.state_dict().items()}
    bad = dict(source.state_dict())
    last = list(bad)[-1]
    bad[last] = cr.tensor(np.ones(bad[last].shape, dtype=np.complex128))
    bad["0.weight"] = "not a tensor"
    with pytest.raises(nn.StateDictError) as info:
        net.load_state_dict(bad)
    assert info.value.problems == [
        "0.weight: checkpoint value is a str, not a tensor",
        f"{last}: checkpoint dtype complex128 cannot be cast to the model's float32",
    ]
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), before[key], err_msg=key)
    with pytest.raises(nn.StateDictError, match="expected a dict of tensors, got list"):
        net.load_state_dict([1, 2])


def test_save_and_load_take_file_objects_and_pytorchs_keywords(tmp_path):
    import io

    model = cr.nn.Linear(2, 3)
    buffer = io.BytesIO()
    cr.save(model.state_dict(), buffer)
    buffer.seek(0)
    state = cr.load(buffer, map_location="cpu", weights_only=True)
    np.testing.assert_array_equal(state["weight"].numpy(), model.weight.detach().numpy())
    cr.save({"w": model.weight}, tmp_path / "m.ckpt")
    with open(tmp_path / "m.ckpt", "rb") as f:
        assert cr.load(f, map_location={"cuda:0": "cpu"})["w"].shape == (3, 2)
    assert cr.load(tmp_path / "m.ckpt", map_location=cr.device("cpu"))["w"].shape == (3, 2)
    with pytest.raises(RuntimeError, match="device 'cuda' is not available"):
        cr.load(tmp_path / "m.ckpt", map_location="cuda")
    with pytest.raises(CheckpointError, match="not a chainrule checkpoint"):
        cr.load(io.BytesIO(b"not a zip file"))


def test_a_0d_tensor_keeps_its_shape(tmp_path):
    cr.save({"b": cr.zeros(()), "a": np.full((), 2.5)}, tmp_path / "z.ckpt")
    back = cr.load(tmp_path / "z.ckpt")
    assert back["b"].shape == () and back["a"].shape == () and float(back["a"]) == 2.5


# ------------------------------------------------------------------ safetensors
def _safetensors():
    return pytest.importorskip("safetensors.numpy", reason="safetensors is not installed (chainrule[io])")


def _net_with_buffers():
    return nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Tanh(), nn.Linear(3, 2))


def test_safetensors_round_trip_restores_a_model_exactly(tmp_path):
    _safetensors()
    net = _net_with_buffers()
    net(cr.randn(5, 4)).sum().backward()  # moves BatchNorm's running statistics and counter
    crio.save_safetensors(net.state_dict(), tmp_path / "model.safetensors")
    back = crio.load_safetensors(tmp_path / "model.safetensors")
    assert sorted(back) == sorted(net.state_dict())
    for key, value in net.state_dict().items():
        assert back[key].dtype == value.dtype and back[key].shape == value.shape and not back[key].requires_grad
        np.testing.assert_array_equal(back[key].numpy(), value.numpy(), err_msg=key)
    fresh = _net_with_buffers()
    fresh.load_state_dict(back)
    net.eval(), fresh.eval()
    x = cr.randn(3, 4)
    np.testing.assert_array_equal(net(x).detach().numpy(), fresh(x).detach().numpy())
    back["0.weight"].add_(1.0)  # the loaded tensors are ordinary, writable tensors


def test_safetensors_files_are_interchangeable_with_pytorch(tmp_path):
    _safetensors()
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (the oracle)")
    from safetensors.torch import load_file, save_file

    net = nn.Linear(4, 3)
    crio.save_safetensors({**net.state_dict(), "step": cr.tensor(7), "mask": cr.tensor([True, False])},
                          tmp_path / "cr.safetensors", metadata={"format": "pt"})  # fmt: skip
    loaded = load_file(tmp_path / "cr.safetensors")
    assert loaded["step"].dtype == torch.int64 and loaded["step"].shape == () and loaded["mask"].dtype == torch.bool
    reference = torch.nn.Linear(4, 3)
    reference.load_state_dict({k: v for k, v in loaded.items() if k in ("weight", "bias")})
    x = np.random.default_rng(0).standard_normal((2, 4), dtype=np.float32)
    np.testing.assert_array_equal(reference.weight.detach().numpy(), net.weight.detach().numpy())
    expected = reference(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(net(cr.tensor(x)).detach().numpy(), expected, rtol=1e-6, atol=1e-7)

    save_file(torch.nn.Linear(3, 2).state_dict(), tmp_path / "pt.safetensors")
    layer = nn.Linear(3, 2)
    layer.load_state_dict(crio.load_safetensors(tmp_path / "pt.safetensors"))
    expected = load_file(tmp_path / "pt.safetensors")["weight"].numpy()
    np.testing.assert_array_equal(layer.weight.detach().numpy(), expected)


def test_safetensors_writes_metadata_and_any_layout(tmp_path):
    safetensors_numpy = _safetensors()
    from safetensors import safe_open

    w = np.arange(12, dtype=np.float64).reshape(3, 4)
    crio.save_safetensors({"t": w.T, "s": w[::2, 1], "empty": np.zeros((0, 3), np.int8)}, tmp_path / "a.safetensors",
                          metadata={"epoch": "3"})  # fmt: skip
    with safe_open(tmp_path / "a.safetensors", framework="np") as f:
        assert f.metadata() == {"epoch": "3"}
    raw = safetensors_numpy.load_file(tmp_path / "a.safetensors")
    np.testing.assert_array_equal(raw["t"], w.T)  # a transposed view is written in its logical order
    np.testing.assert_array_equal(raw["s"], w[::2, 1])
    assert raw["empty"].shape == (0, 3)


def test_safetensors_save_names_what_it_cannot_write(tmp_path):
    _safetensors()
    target = tmp_path / "x.safetensors"
    with pytest.raises(CheckpointError, match=r"got Linear \(save module.state_dict\(\)\)"):
        crio.save_safetensors(nn.Linear(2, 2), target)
    with pytest.raises(CheckpointError, match="key 3 is a int; safetensors names are str"):
        crio.save_safetensors({3: cr.zeros(2)}, target)
    with pytest.raises(CheckpointError, match=r"'lr' is a float; .* \(save other values with chainrule.save\)"):
        crio.save_safetensors({"lr": 0.1}, target)
    with pytest.raises(CheckpointError, match="'z' has dtype complex128; safetensors holds bool, uint8"):
        crio.save_safetensors({"z": np.zeros(2, np.complex128)}, target)
    with pytest.raises(CheckpointError, match=r"metadata must map str to str, got \{'epoch': 3\}"):
        crio.save_safetensors({"w": cr.zeros(2)}, target, metadata={"epoch": 3})
    with pytest.raises(CheckpointError, match=r"chainrule's .npz format; .* chainrule.io.save_safetensors\("):
        cr.save({"w": cr.zeros(2)}, target)
    assert not target.exists()


def test_safetensors_write_is_atomic(tmp_path, monkeypatch):
    safetensors_numpy = _safetensors()
    path = tmp_path / "m.safetensors"
    crio.save_safetensors({"w": cr.ones(3)}, path)
    before = path.read_bytes()

    def half_then_crash(arrays, filename, metadata=None):
        with open(filename, "wb") as f:
            f.write(before[:10])
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(safetensors_numpy, "save_file", half_then_crash)
    with pytest.raises(KeyboardInterrupt):
        crio.save_safetensors({"w": cr.zeros(3)}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.safetensors"]


def _handmade(header: dict, payload: bytes) -> bytes:
    text = json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text + payload


def test_safetensors_load_refuses_damaged_and_foreign_files(tmp_path):
    _safetensors()
    path = tmp_path / "m.safetensors"
    with pytest.raises(FileNotFoundError, match="no .safetensors file at"):
        crio.load_safetensors(path)
    crio.save_safetensors({"w": cr.ones(3, 4)}, path)
    good = path.read_bytes()
    damaged = {
        "truncated": good[:-5], "header only": good[:8], "empty": b"",
        "huge header length": (1 << 40).to_bytes(8, "little") + good[8:],
        "offsets past the end": _handmade({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 1 << 30]}}, b"1234"),
        "shape and bytes disagree": _handmade({"w": {"dtype": "F32", "shape": [9], "data_offsets": [0, 4]}}, b"1234"),
    }
    for what, data in damaged.items():
        path.write_bytes(data)
        with pytest.raises(CheckpointError, match=f"load_safetensors: {path} is not a valid .safetensors file"):
            crio.load_safetensors(path)
            pytest.fail(f"loaded a file with {what}")
    path.write_bytes(_handmade({"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}, b"1234"))
    with pytest.raises(CheckpointError, match="holds 'w' as BF16, which NumPy and chainrule have no dtype for"):
        crio.load_safetensors(path)
    with pytest.raises(CheckpointError, match=r"not an \.npz archive\); read it with chainrule.io.load_safetensors"):
        cr.load(path)
    with pytest.raises(RuntimeError, match="device 'cuda' is not available"):
        crio.load_safetensors(path, device="cuda")


def test_safetensors_without_the_package_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "safetensors", None)  # import safetensors now raises ImportError
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match=r"save_safetensors needs the safetensors package: .*'chainrule\[io\]'"):
        crio.save_safetensors({"w": cr.zeros(2)}, tmp_path / "m.safetensors")
    with pytest.raises(ImportError, match=r"load_safetensors needs .*'chainrule\[io\]'"):
        crio.load_safetensors(tmp_path / "m.safetensors")
