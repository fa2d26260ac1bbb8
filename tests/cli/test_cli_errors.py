"""Bad input: one clear line on stderr, a non-zero exit code, no traceback."""

import gzip

import pytest
from cli_support import run_main, spawn

TRAIN = ["train", "--data", "xor", "--epochs", "1", "--quiet"]


def refused(capsys, code, message, *argv):
    got, stdout, stderr = run_main(capsys, *argv)
    assert got == code, (stdout, stderr)
    assert message in stderr
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr  # one line: no usage block, no traceback
    assert stderr.startswith("chainrule")  # "chainrule train: error: ..."
    return stderr


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--hidden", "-1"], "argument --hidden: must be a non-negative integer (>= 0), got -1"),
        (["--hidden", "ten"], "argument --hidden: expected a non-negative integer, got 'ten'"),
        (["--hidden", "8", "--hidden", "0"], "--hidden: 0 (no hidden layer) cannot be combined with other sizes"),
        (["--init", "normal"], "argument --init: invalid choice: 'normal'"),
        (["--output", "softmax"], "argument --output: invalid choice: 'softmax'"),
        (["--output", "sigmoid"], "--output sigmoid goes with --loss mse or half-mse (got --loss cross-entropy"),
        (["--output", "sigmoid", "--loss", "svm"], "--output sigmoid goes with --loss mse or half-mse"),
        (["--train-size", "0"], "argument --train-size: must be a positive integer (>= 1), got 0"),
        (["--train-size", "5"], "--train-size 5 is more than the 4 training samples of --data xor"),
        (["--batch-size", "0"], "argument --batch-size: must be a positive integer"),
        (["--epochs", "-3"], "argument --epochs: must be a positive integer (>= 1), got -3"),
        (["--lr", "0"], "argument --lr: must be a number > 0, got 0"),
        (["--lr", "-0.1"], "argument --lr: must be a number > 0, got -0.1"),
        (["--lr", "nan"], "argument --lr: must be a finite number, got nan"),
        (["--weight-decay", "-1"], "argument --weight-decay: must be a number >= 0"),
        (["--data", "cifar"], "argument --data: invalid choice: 'cifar'"),
        (["--loss", "hinge"], "argument --loss: invalid choice: 'hinge'"),
        (["--seed", "-1"], "argument --seed: must be a non-negative integer"),
    ],
)
def test_usage_errors_exit_2(capsys, argv, message):
    refused(capsys, 2, message, *TRAIN, *argv)


def test_unknown_command_exits_2(capsys):
    refused(capsys, 2, "invalid choice: 'fly'", "fly")


def test_mnist_root_needs_data_mnist(capsys, tmp_path):
    refused(capsys, 2, "--mnist-root is only used with --data mnist", *TRAIN, "--mnist-root", str(tmp_path))


def test_mnist_without_root_exits_3(capsys, tmp_path):
    refused(capsys, 3, "--data mnist needs --mnist-root DIR", "train", "--data", "mnist", "--out", str(tmp_path / "r"))


def test_missing_mnist_folder_exits_3(capsys, tmp_path):
    missing = tmp_path / "nowhere"
    refused(capsys, 3, f"missing file {missing / 'train-images-idx3-ubyte'}", "train", "--data", "mnist",
            "--mnist-root", str(missing), "--out", str(tmp_path / "r"))  # fmt: skip
    assert not (tmp_path / "r").exists()  # nothing is written before the data is read


def test_corrupt_mnist_folder_exits_3(capsys, tmp_path):
    root = tmp_path / "mnist"
    root.mkdir()
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):  # fmt: skip
        (root / f"{name}.gz").write_bytes(gzip.compress(b"not an idx file"))
    refused(capsys, 3, "train-images-idx3-ubyte.gz is corrupt", "train", "--data", "mnist", "--mnist-root", str(root),
            "--out", str(tmp_path / "r"))  # fmt: skip


def test_unwritable_out_exits_4(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    refused(capsys, 4, f"cannot write the run folder {blocker / 'run'}", *TRAIN, "--out", str(blocker / "run"))
    refused(capsys, 4, f"--out {blocker} is a file, not a folder", *TRAIN, "--out", str(blocker))


def test_existing_run_is_not_overwritten_without_force(capsys, tmp_path):
    out = tmp_path / "run"
    assert run_main(capsys, *TRAIN, "--out", str(out))[0] == 0
    before = (out / "checkpoint.npz").read_bytes()
    refused(capsys, 4, f"--out {out} already holds a run (config.json, checkpoint.npz", *TRAIN, "--out", str(out))
    assert (out / "checkpoint.npz").read_bytes() == before


def test_resume_with_a_different_config_exits_4(capsys, tmp_path):
    out = tmp_path / "run"
    assert run_main(capsys, *TRAIN, "--out", str(out))[0] == 0
    refused(capsys, 4, f"--resume {out}: its config does not match: lr 0.5 in the run, 0.1 on the command line",
            "train", "--resume", str(out), "--lr", "0.1")  # fmt: skip
    refused(capsys, 4, "data 'xor' in the run, 'moons' on the command line", "train", "--resume", str(out),
            "--data", "moons")  # fmt: skip


def test_resume_of_a_folder_that_is_not_a_run_exits_4(capsys, tmp_path):
    refused(capsys, 4, f"--resume {tmp_path}: not a chainrule run folder (no config.json)", "train", "--resume",
            str(tmp_path))  # fmt: skip
    refused(capsys, 4, f"--resume {tmp_path / 'nope'}: no such folder", "train", "--resume", str(tmp_path / "nope"))


def test_resume_with_a_damaged_checkpoint_exits_4(capsys, tmp_path):
    out = tmp_path / "run"
    assert run_main(capsys, *TRAIN, "--out", str(out))[0] == 0
    (out / "checkpoint.npz").write_bytes(b"PK\x03\x04 truncated")
    refused(capsys, 4, f"--resume {out}: cannot continue from its checkpoint", "train", "--resume", str(out))
    (out / "config.json").write_text("{not json")
    refused(capsys, 4, "config.json is damaged", "train", "--resume", str(out))


def test_resume_and_a_different_out_exit_2(capsys, tmp_path):
    refused(capsys, 2, "give either --out", "train", "--resume", str(tmp_path), "--out", str(tmp_path / "other"))


def test_console_script_path_has_no_traceback(tmp_path):
    proc = spawn(*TRAIN, "--lr", "0", "--out", str(tmp_path / "r"))
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "argument --lr: must be a number > 0, got 0" in stderr and "Traceback" not in stderr


def test_a_reader_that_goes_away_stops_the_run_quietly(tmp_path):
    """``chainrule train | head -1``: no traceback and no run-folder error, the shell's SIGPIPE code."""
    proc = spawn("train", "--data", "xor", "--epochs", "50", "--out", str(tmp_path / "r"))
    assert proc.stdout.readline().startswith("data: xor")
    proc.stdout.close()  # as head does after its line
    proc.wait(timeout=60)
    assert proc.returncode == 141 and proc.stderr.read() == ""
