"""``chainrule train --data FILE``: one's own .npz or .csv data, recorded in config.json, resumed and evaluated;
a file at fault is refused with one line naming it and what is wrong (exit code 3)."""

import json
import zipfile

import numpy as np
import pytest
from cli_support import run_main
from test_cli_errors import refused

from chainrule.cli import datafile

FAST = ["--hidden", "8", "--epochs", "2", "--quiet"]


def points(n: int = 60, d: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` samples of ``d`` features, the label 1 where the first two add up to more than 0."""
    x = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return x, (x[:, 0] + x[:, 1] > 0).astype(np.int64)


def test_npz_without_test_arrays_holds_out_a_stratified_fifth(tmp_path, capsys):
    x, y = points()
    np.savez(tmp_path / "mine.npz", x=x, y=y)
    out = tmp_path / "run"
    code, stdout, err = run_main(capsys, "train", "--data", str(tmp_path / "mine.npz"), *FAST, "--out", str(out))
    assert code == 0, err
    config = json.loads((out / "config.json").read_text())
    assert config["data"] == str(tmp_path / "mine.npz")  # the absolute path: resume and eval from anywhere
    html = (out / "report.html").read_text()
    assert "<td>48 / 12</td>" in html  # train / test samples
    assert "<th>x₁</th><th>x₂</th><th>x₃</th><th>true</th>" in html  # the test samples' features


def test_npz_with_test_arrays_images_and_compression(tmp_path, capsys, monkeypatch):
    rng = np.random.default_rng(1)
    x, xt = rng.random((40, 6, 6)), rng.random((10, 6, 6))
    y, yt = np.arange(40) % 3, np.arange(10) % 3
    np.savez_compressed(tmp_path / "img.npz", x=x, y=y.astype(np.uint8), x_test=xt, y_test=yt.astype(float))
    monkeypatch.chdir(tmp_path)
    code, _, err = run_main(capsys, "train", "--data", "img.npz", *FAST, "--out", "run")
    assert code == 0, err
    html = (tmp_path / "run" / "report.html").read_text()
    assert "<td>40 / 10</td>" in html and "<td>3</td>" in html  # the given test set; 3 classes
    assert 'class="digit"' in html  # (N, H, W) inputs are shown as images


def test_csv_with_a_header_resumes_and_evaluates(tmp_path, capsys, monkeypatch):
    x, y = points(80, 2)
    lines = ["a,b,label", *(f"{a},{b},{c}" for (a, b), c in zip(x, y))]
    (tmp_path / "mine.csv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "run"
    assert run_main(capsys, "train", "--data", str(tmp_path / "mine.csv"), *FAST, "--out", str(out))[0] == 0
    assert 'id="regions"' in (out / "report.html").read_text()  # two features: the decision regions
    monkeypatch.chdir(out)  # the recorded path is absolute
    assert run_main(capsys, "train", "--resume", str(out), "--epochs", "3", "--quiet")[0] == 0
    code, stdout, err = run_main(capsys, "eval", str(out))
    assert code == 0, err
    assert f"(3 epochs on {tmp_path / 'mine.csv'}), test set of {tmp_path / 'mine.csv'}" in stdout
    assert stdout.rstrip().endswith("/16)")


def test_a_data_file_gone_before_resume_is_a_data_error(tmp_path, capsys):
    x, y = points()
    np.savez(tmp_path / "mine.npz", x=x, y=y)
    out = tmp_path / "run"
    assert run_main(capsys, "train", "--data", str(tmp_path / "mine.npz"), *FAST, "--out", str(out))[0] == 0
    (tmp_path / "mine.npz").unlink()
    refused(capsys, 3, f"--data {tmp_path / 'mine.npz'}: no such file", "train", "--resume", str(out))


def test_a_file_of_another_kind_is_a_bad_argument(capsys):
    refused(capsys, 2, "argument --data: invalid choice: 'mine.txt' (choose from 'mnist-sample'", "train", "--data",
            "mine.txt")  # fmt: skip
    refused(capsys, 2, "or give a .npz or .csv file)", "train", "--data", "mine.txt")


def _npz(**arrays):
    return lambda path: np.savez(path, **arrays)


def _text(text: str):
    return lambda path: path.write_text(text)


X, Y = points(10)
BAD_NPZ = [
    ("not an archive", _text("hello"), "not an .npz archive (numpy.savez writes one)"),
    ("no y", _npz(x=X, labels=Y), "it lacks y (it holds 'x', 'labels'); the arrays are x and y, optionally x_test"),
    ("half a test set", _npz(x=X, y=Y, x_test=X), "it holds only one of x_test and y_test; give both or neither"),
    ("text features", _npz(x=np.array([["a"]] * 10), y=Y), "x has dtype <U1; features are numbers"),
    ("a vector of features", _npz(x=X[:, 0], y=Y), "x has shape (10,); features are (N, D), images (N, H, W)"),
    ("no samples", _npz(x=X[:0], y=Y[:0]), "x has shape (0, 3): no samples"),
    ("no features", _npz(x=X[:, :0], y=Y), "x has shape (10, 0): no features"),
    ("NaN", _npz(x=np.where(np.arange(30).reshape(10, 3) == 7, np.nan, X), y=Y),
     "x has NaN or infinite values (1 sample(s), the first is sample 2)"),
    ("infinity", _npz(x=np.where(np.arange(30).reshape(10, 3) == 29, -np.inf, X), y=Y), "the first is sample 9"),
    ("fractional label", _npz(x=X, y=Y + 0.5), "y[0] is 0.5; labels are integers 0..C-1"),
    ("negative label", _npz(x=X, y=Y - 3), "y[0] is -3; labels are integers 0..C-1"),
    ("too large a label", _npz(x=X, y=np.full(10, 10**6)), "y has the label 1e+06; labels are 0..C-1 with at most"),
    ("labels of another shape", _npz(x=X, y=Y[:, None]), "y has shape (10, 1); labels are one integer per sample"),
    ("one label short", _npz(x=X, y=Y[:9]), "x has 10 samples and y 9 labels; they must be as many"),
    ("test samples of another shape", _npz(x=X, y=Y, x_test=X[:, :2], y_test=Y),
     "x_test has samples of shape (2,), x of shape (3,); they must match"),
    ("one class", _npz(x=X, y=np.zeros(10, int)), "every label is 0: a classifier needs at least 2 classes"),
    ("too few to split", _npz(x=X[:2], y=np.array([0, 1])),
     "2 samples are too few to hold out a test fifth; give at least 3, or x_test and y_test"),
    ("pickled objects", lambda p: np.savez(p, x=np.array([{}] * 10, dtype=object), y=Y),
     "array 'x' is unreadable: member 'x.npy' has dtype object; chainrule reads plain arrays, never Python objects"),
]  # fmt: skip
BAD_CSV = [
    ("empty", _text(""), "it holds no samples (one sample per line: numbers separated by commas, the label last)"),
    ("only a header", _text("a,b,label\n"), "it holds a header but no samples"),
    ("one column", _text("1\n0\n1\n"), "its lines have 1 column; it needs the features, then the label"),
    ("a word among numbers", _text("a,b,c\n\n1,2,0\n3,four,1\n"), "line 4: 'four' is not a number (every line: "),
    ("a short line", _text("# mine\n1,2,0\n3,1\n"), "line 3 has 2 columns and the lines above 3; every line needs"),
    ("a fractional label", _text("1,2,0\n3,4,1.5\n5,6,1\n"), "y[1] is 1.5; labels are integers 0..C-1"),
    ("NaN", _text("1,2,0\nnan,4,1\n5,6,1\n"), "line 2: 'nan' is not a finite number"),
]  # fmt: skip


BAD = [(".npz", *case) for case in BAD_NPZ] + [(".csv", *case) for case in BAD_CSV]


@pytest.mark.parametrize("suffix, write, message", [c[:1] + c[2:] for c in BAD], ids=[f"{c[0]} {c[1]}" for c in BAD])
def test_a_file_at_fault_is_a_data_error(tmp_path, capsys, suffix, write, message):
    path = tmp_path / f"bad{suffix}"
    write(path)
    err = refused(capsys, 3, message, "train", "--data", str(path), "--out", str(tmp_path / "run"), "--quiet")
    assert err.startswith(f"chainrule train: error: --data {path}: ")
    assert not (tmp_path / "run").exists()  # nothing is written before the data is read


def test_sizes_are_bounded_before_anything_is_read(tmp_path, capsys, monkeypatch):
    np.savez(tmp_path / "big.npz", x=X, y=Y)
    monkeypatch.setattr(datafile, "MAX_NUMBERS", 8)
    refused(capsys, 3, "its arrays declare", "train", "--data", str(tmp_path / "big.npz"))
    with zipfile.ZipFile(tmp_path / "big.npz") as archive:
        declared = sum(info.file_size for info in archive.infolist())
    refused(capsys, 3, f"its arrays declare {declared} bytes; the limit is 64", "train", "--data",
            str(tmp_path / "big.npz"))  # fmt: skip
    (tmp_path / "big.csv").write_text("1,0\n" * 100)
    monkeypatch.setattr(datafile, "MAX_CSV_BYTES", 100)
    refused(capsys, 3, "it is 400 bytes; the limit for a CSV file is 100 (save an .npz instead)", "train", "--data",
            str(tmp_path / "big.csv"))  # fmt: skip


def test_a_missing_file_and_a_folder(tmp_path, capsys):
    refused(capsys, 3, f"--data {tmp_path / 'none.npz'}: no such file", "train", "--data", str(tmp_path / "none.npz"))
    (tmp_path / "dir.csv").mkdir()
    refused(capsys, 3, f"--data {tmp_path / 'dir.csv'}: not a file", "train", "--data", str(tmp_path / "dir.csv"))
