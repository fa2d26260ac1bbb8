"""Ready-made datasets: shipped MNIST sample, digits, synthetic 2-D sets and the MNIST IDX reader."""

import gzip
import hashlib
import re
from importlib import resources
from types import SimpleNamespace

import numpy as np
import pytest

from chainrule.data import datasets as ds
from chainrule.data.datasets import DatasetError, sample
from chainrule.data.datasets.split import make_split


def _check_split(split, n_features, classes):
    for x, y in ((split.x_train, split.y_train), (split.x_test, split.y_test)):
        assert x.dtype == np.float32 and y.dtype == np.int64
        assert x.shape == (len(y), n_features)
    assert set(np.unique(split.y_train.numpy())) == set(range(classes))
    assert split.num_classes == classes


def test_mnist_sample_ships_5000_real_digits():
    split = ds.mnist_sample()
    _check_split(split, 784, 10)
    assert (len(split.y_train), len(split.y_test)) == (4000, 1000)
    assert np.bincount(split.y_test.numpy()).tolist() == [100] * 10  # stratified
    x = split.x_train.numpy()
    assert x.min() == 0.0 and x.max() == 1.0 and 0.1 < x.mean() < 0.15  # MNIST's mean intensity is about 0.13
    again = ds.mnist_sample()
    np.testing.assert_array_equal(again.x_test.numpy(), split.x_test.numpy())
    assert ds.mnist_sample(flatten=False).x_train.shape == (4000, 28, 28)
    x_tr, y_tr, x_te, y_te = split
    assert x_te is split.x_test and len(split.train) == 4000


def test_digits_ships_the_1797_uci_digits():
    split = ds.digits()
    _check_split(split, 64, 10)
    assert (len(split.y_train), len(split.y_test)) == (1438, 359)
    labels = np.concatenate([split.y_train.numpy(), split.y_test.numpy()])
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]  # the UCI test set's
    x = np.concatenate([split.x_train.numpy(), split.x_test.numpy()])
    assert x.min() == 0.0 and x.max() == 1.0 and np.array_equal(x * 16, np.round(x * 16))  # pixel counts 0..16 / 16
    assert int((x * 16).sum()) == 561_718  # every pixel, in any order
    np.testing.assert_array_equal(ds.digits().x_test.numpy(), split.x_test.numpy())  # fixed by seed
    assert not np.array_equal(ds.digits(seed=1).y_test.numpy(), split.y_test.numpy())


def test_digits_are_scikit_learns_load_digits():
    """The same Split, value for value and in the same order, as digits() built from sklearn's copy returned."""
    sklearn_datasets = pytest.importorskip("sklearn.datasets", reason="scikit-learn is not installed (the oracle)")
    bunch = sklearn_datasets.load_digits()
    for test_fraction, seed in ((0.2, 0), (0.5, 3)):
        expected = make_split(bunch.data / 16.0, bunch.target, test_fraction, seed, "digits", 10)
        split = ds.digits(test_fraction, seed)
        assert (split.name, split.num_classes) == (expected.name, expected.num_classes)
        for got, want in zip(split, expected, strict=True):
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("name", ["mnist_sample.npz", "digits.npz"])
def test_shipped_files_match_the_checksums_in_their_readme(name):
    folder = resources.files("chainrule.data.datasets") / "files"
    readme = (folder / "README.md").read_text(encoding="utf-8")
    listed = re.search(rf"SHA-256 of {re.escape(name)}: ([0-9a-f]{{64}})", readme)
    assert listed is not None, f"files/README.md gives no SHA-256 for {name}"
    assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == listed.group(1)


def test_shipped_files_are_checked_before_use(tmp_path, monkeypatch):
    monkeypatch.setattr(sample, "resources", SimpleNamespace(files=lambda package: tmp_path, as_file=resources.as_file))
    (tmp_path / "files").mkdir()
    target = tmp_path / "files" / "digits.npz"
    good = {"images": np.zeros((1797, 8, 8), np.uint8), "labels": np.zeros(1797, np.uint8)}
    cases = [
        ({**good, "images": np.full((1797, 8, 8), 17, np.uint8)}, r"images holds the value 17; expected .* 0\.\.16"),
        ({**good, "labels": np.full(1797, 10, np.uint8)}, r"labels holds the value 10; expected values in 0\.\.9"),
        ({**good, "images": np.zeros((1797, 64), np.uint8)}, r"images is uint8 of shape \(1797, 64\); expected"),
        ({**good, "labels": np.zeros(1797, np.int64)}, r"labels is int64 of shape \(1797,\)"),
        ({**good, "extra": np.zeros(1)}, r"holds \['extra', 'images', 'labels'\]"),
        ({**good, "labels": np.array([object()] * 1797)}, r".*read \(Object arrays .*allow_pickle=False\)"),
    ]
    for arrays, message in cases:
        np.savez_compressed(target, **arrays)
        with pytest.raises(DatasetError, match=rf"digits\.npz: {message}"):
            ds.digits()
    target.write_bytes(b"PK\x03\x04 not a zip archive")
    with pytest.raises(DatasetError, match="digits.npz: the dataset file shipped with chainrule cannot be read"):
        ds.digits()
    target.unlink()
    with pytest.raises(DatasetError, match="cannot be read"):
        ds.digits()
    np.savez_compressed(target, **good)
    assert len(ds.digits().y_test) == 359


@pytest.mark.parametrize(
    "make, classes", [(ds.spirals, 3), (ds.blobs, 3), (ds.moons, 2), (ds.linearly_separable, 2)]
)
def test_synthetic_sets(make, classes):
    split = make()
    _check_split(split, 2, classes)
    np.testing.assert_array_equal(make().x_train.numpy(), split.x_train.numpy())  # fixed by seed
    assert not np.array_equal(make(seed=1).x_train.numpy(), split.x_train.numpy())


def test_xor_truth_table_and_linear_separability():
    x, y, _, _ = ds.xor(bias_column=True)
    np.testing.assert_array_equal(x.numpy(), [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    assert y.tolist() == [0, 1, 1, 0]
    assert len(ds.xor(n_per_corner=25, noise=0.1).y_train) == 75
    split = ds.linearly_separable(200, margin=0.2)
    pts = np.concatenate([split.x_train.numpy(), split.x_test.numpy()])
    labels = np.concatenate([split.y_train.numpy(), split.y_test.numpy()])
    assert 0 <= pts.min() and pts.max() <= 1
    # a perceptron separates it perfectly
    w = np.zeros(3)
    xb = np.c_[pts, np.ones(len(pts))]
    for _ in range(200):
        for xi, yi in zip(xb, 2 * labels - 1, strict=True):
            if yi * (xi @ w) <= 0:
                w += yi * xi
    assert ((xb @ w > 0) == (labels == 1)).all()


# ------------------------------------------------------------------ MNIST IDX files
def _idx(array, kind):
    magic = b"\x00\x00\x08" + bytes([array.ndim])
    dims = b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return magic + dims + array.astype(np.uint8).tobytes()


def _write_mnist(root, n_train=6, n_test=4, gz=False):
    rng = np.random.default_rng(0)
    sums = {}
    for part, n in (("train", n_train), ("t10k", n_test)):
        for kind, arr in (("images-idx3", rng.integers(0, 256, (n, 28, 28))), ("labels-idx1", rng.integers(0, 10, n))):
            name = f"{part}-{kind}-ubyte" + (".gz" if gz else "")
            data = _idx(arr, kind)
            data = gzip.compress(data) if gz else data
            (root / name).write_bytes(data)
            sums[name] = hashlib.sha256(data).hexdigest()
    return sums


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_reads_small_idx_files(tmp_path, gz):
    sums = _write_mnist(tmp_path, gz=gz)
    split = ds.mnist(tmp_path, checksums=sums)
    assert split.x_train.shape == (6, 784) and split.y_test.shape == (4,)
    assert split.x_train.dtype == np.float32 and 0 <= split.x_train.numpy().min() and split.x_train.numpy().max() <= 1
    assert ds.mnist(tmp_path, checksums=None, flatten=False).x_test.shape == (4, 28, 28)


def test_mnist_errors_name_the_file_and_problem(tmp_path):
    with pytest.raises(DatasetError, match="missing file .*train-images-idx3-ubyte"):
        ds.mnist(tmp_path)
    _write_mnist(tmp_path)
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte is corrupt: its SHA-256"):
        ds.mnist(tmp_path)  # the small files are not the standard ones
    labels = tmp_path / "t10k-labels-idx1-ubyte"
    labels.write_bytes(labels.read_bytes()[:-1])
    with pytest.raises(DatasetError, match="t10k-labels-idx1-ubyte is truncated"):
        ds.mnist(tmp_path, checksums=None)
    labels.write_bytes(_idx(np.zeros((4, 28, 28)), "images"))
    with pytest.raises(DatasetError, match="magic number 0x00000803, expected 0x00000801"):
        ds.mnist(tmp_path, checksums=None)
    labels.write_bytes(_idx(np.zeros(3), "labels"))
    with pytest.raises(DatasetError, match="4 images but t10k-labels-idx1-ubyte 3 labels"):
        ds.mnist(tmp_path, checksums=None)
    (tmp_path / "train-images-idx3-ubyte").unlink()
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(b"not gzip at all")
    with pytest.raises(DatasetError, match="not a valid gzip"):
        ds.mnist(tmp_path, checksums=None)


def test_mnist_download_fails_cleanly_without_network(tmp_path):
    # A closed local port: refused at once, never touches the network.
    with pytest.raises(DatasetError, match="could not download train-images-idx3-ubyte.gz"):
        ds.mnist(tmp_path, download=True, mirrors=("http://127.0.0.1:9/",), timeout=1.0)
    assert not any(tmp_path.iterdir())


def test_mnist_download_verifies_and_stores(tmp_path, monkeypatch):
    payloads = {}
    for part, n in (("train", 3), ("t10k", 2)):
        payloads[f"{part}-images-idx3-ubyte.gz"] = gzip.compress(_idx(np.ones((n, 28, 28)), "images"))
        payloads[f"{part}-labels-idx1-ubyte.gz"] = gzip.compress(_idx(np.ones(n), "labels"))
    sums = {k: hashlib.sha256(v).hexdigest() for k, v in payloads.items()}

    class Response:
        def __init__(self, data):
            self.data = data

        def read(self):
            return self.data

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    import urllib.request

    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: Response(payloads[url.rsplit("/", 1)[1]]))
    split = ds.mnist(tmp_path / "new", download=True, checksums=sums, mirrors=("http://mirror/",))
    assert split.x_train.shape == (3, 784) and (tmp_path / "new" / "t10k-labels-idx1-ubyte.gz").is_file()
    bad = dict(sums, **{"train-images-idx3-ubyte.gz": "0" * 64})
    with pytest.raises(DatasetError, match="checksum mismatch"):
        ds.mnist(tmp_path / "other", download=True, checksums=bad, mirrors=("http://mirror/",))
