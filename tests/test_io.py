"""Checkpoints: round trips, atomic writes, and clear errors for damaged files."""

import json
import os
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
