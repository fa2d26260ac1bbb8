"""Hostile input to the command line: odd paths, broken streams, files where folders belong. One line on stderr,
the documented exit code, no traceback, nothing half-written."""

import json
import subprocess
import sys

import numpy as np
import pytest
from cli_support import run_main

TRAIN = ["train", "--data", "xor", "--epochs", "1", "--quiet"]
LONG = "a" * 300  # one path component over the 255 bytes a file name may have


def refused(capsys, code, message, *argv):
    got, stdout, stderr = run_main(capsys, *argv)
    assert got == code, (stdout, stderr)
    assert message in stderr, stderr
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    return stderr


@pytest.mark.parametrize(
    "argv, code",
    [
        ([*TRAIN, "--out", "{tmp}/" + LONG], 4),
        (["eval", "{tmp}/" + LONG], 4),
        (["train", "--resume", "{tmp}/" + LONG], 4),
        (["train", "--data", "{tmp}/" + LONG + ".npz"], 3),
        (["train", "--data", "{tmp}/" + LONG + ".csv"], 3),
    ],
)
def test_a_name_too_long_is_the_commands_error(capsys, tmp_path, argv, code):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    line = refused(capsys, code, "File name too long", *argv)
    assert LONG not in line and "(" in line  # the path shortened, its length given


@pytest.mark.parametrize("argv", [[*TRAIN, "--out", ""], ["train", "--resume", ""], ["eval", ""]])
def test_an_empty_folder_path_is_refused(capsys, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    refused(capsys, 2, "expected a folder, got an empty path", *argv)
    assert not list(tmp_path.iterdir())  # not a run written into the current folder


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    """A finished one-epoch run (shared: each test works on a copy)."""
    out = tmp_path_factory.mktemp("runs") / "done"
    assert run_main_plain(*TRAIN, "--out", str(out)) == 0
    return out


def run_main_plain(*argv):
    from chainrule.cli.main import main

    return main(list(argv))


@pytest.mark.parametrize("name", ["report.html", "metrics.json", "metrics.csv"])
def test_resume_refuses_a_folder_in_place_of_a_run_file_before_training(capsys, tmp_path, done, name):
    import shutil

    run = tmp_path / "r"
    shutil.copytree(done, run)
    (run / name).unlink()
    (run / name).mkdir()
    before = (run / "checkpoint.npz").read_bytes()
    refused(capsys, 4, f"holds a {name} that is not a file", "train", "--resume", str(run), "--epochs", "2")
    assert (run / "checkpoint.npz").read_bytes() == before  # not trained on


def test_a_new_run_with_force_refuses_a_folder_in_place_of_its_report(capsys, tmp_path, done):
    import shutil

    run = tmp_path / "r"
    shutil.copytree(done, run)
    (run / "report.html").unlink()
    (run / "report.html").mkdir()
    refused(capsys, 4, "holds a report.html that is not a file", *TRAIN, "--out", str(run), "--force")
    assert (run / "checkpoint.npz").is_file()  # nothing removed


def test_a_report_that_cannot_be_written_is_a_run_folder_error(capsys, tmp_path, monkeypatch):
    import chainrule.report as report

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report, "write_report", full)
    line = refused(capsys, 4, "No space left on device; the checkpoint is saved", *TRAIN, "--out", str(tmp_path / "r"))
    assert "--resume" in line


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS refuses file names that are not UTF-8")
def test_a_data_file_whose_name_is_not_utf8(capsys, tmp_path):
    name = bytes(tmp_path) + b"/\xfe.csv"
    rows = np.random.default_rng(0).normal(size=(20, 2))
    with open(name, "w") as f:
        f.writelines(f"{a},{b},{int(a > 0)}\n" for a, b in rows)
    out = tmp_path / "r"
    argv = ["train", "--data", name.decode(errors="surrogateescape"), "--epochs", "1", "--quiet", "--out", str(out)]
    code, stdout, stderr = run_main(capsys, *argv)
    assert code == 0, stderr
    assert "\\udcfe.csv" in (out / "report.html").read_text(encoding="utf-8")
    assert json.loads((out / "config.json").read_text())["data"].encode(errors="surrogateescape") == name
    code, _, stderr = run_main(capsys, "train", "--resume", str(out), "--epochs", "2", "--quiet")
    assert code == 0, stderr


def _shell(command: str, tmp_path) -> subprocess.CompletedProcess:
    script = f"{sys.executable} -m chainrule.cli.main {command}"
    return subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60)


def test_closed_stderr_still_trains(tmp_path):
    done = _shell("train --data xor --epochs 1 --out r 2>&-", tmp_path)
    assert done.returncode == 0, done.stdout
    assert (tmp_path / "r" / "report.html").is_file()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/dev/full is Linux's")
def test_stdout_on_a_full_disk_is_an_output_error(tmp_path):
    done = _shell('gradcheck "x*y" x=1 y=2 >/dev/full', tmp_path)
    assert done.returncode == 4
    assert done.stderr == "chainrule gradcheck: error: cannot write to standard output: No space left on device\n"


@pytest.fixture
def no_report(monkeypatch):
    """Skip the report (its pictures and checks take seconds): these tests look at the training's outcome."""
    import chainrule.report as report

    monkeypatch.setattr(report, "write_report", lambda path, *args, **kwargs: path)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow itself
@pytest.mark.parametrize("option", [["--lr", "1e300"], ["--weight-decay", "1e308"]])
def test_a_nan_loss_says_so_and_suggests_a_smaller_lr(capsys, tmp_path, no_report, option):
    code, _, stderr = run_main(capsys, *TRAIN, *option, "--out", str(tmp_path / "r"))
    assert code == 0
    assert "hint: the loss became NaN at epoch 1" in stderr and "try a smaller --lr" in stderr
    assert "chance level" not in stderr and "larger --lr" not in stderr


def test_diverged_hint_names_the_first_bad_epoch():
    from chainrule.cli.train import diverged_hint

    rows = [{"epoch": 1, "train_loss": 0.5, "test_loss": 0.4}, {"epoch": 2, "train_loss": 0.3, "test_loss": np.inf},
            {"epoch": 3, "train_loss": np.nan, "test_loss": np.nan}]  # fmt: skip
    assert diverged_hint(rows[:1]) is None
    assert "the loss became infinite at epoch 2" in diverged_hint(rows)


@pytest.mark.parametrize("dtype", [np.float64, np.longdouble])
def test_features_beyond_float32_are_refused(capsys, tmp_path, dtype):
    x = np.ones((10, 2), dtype)
    x[7, 1] = 1e39
    np.savez(tmp_path / "big.npz", x=x, y=np.arange(10) % 2)
    refused(capsys, 3, "x has values too large for float32", "train", "--data", str(tmp_path / "big.npz"))


def test_a_csv_number_beyond_float32_is_refused(capsys, tmp_path):
    (tmp_path / "big.csv").write_text("".join(f"{i},{-1e39 if i == 3 else i},{i % 2}\n" for i in range(10)))
    refused(capsys, 3, "line 4: '-1e+39' is too large for float32", "train", "--data", str(tmp_path / "big.csv"))


def _csv_run(capsys, tmp_path, text: str, encoding: str = "utf-8"):
    (tmp_path / "d.csv").write_text(text, encoding=encoding)
    return run_main(capsys, "train", "--data", str(tmp_path / "d.csv"), "--epochs", "1", "--hidden", "0",
                    "--out", str(tmp_path / "r"))  # fmt: skip


SAMPLES = "".join(f"{i % 3},{i % 5},{i % 2}\n" for i in range(10))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8"])
def test_a_byte_order_mark_keeps_the_first_sample(capsys, tmp_path, no_report, encoding):
    code, stdout, stderr = _csv_run(capsys, tmp_path, SAMPLES, encoding)
    assert code == 0, stderr
    assert "8 train / 2 test samples" in stdout


@pytest.mark.parametrize(
    "text, message",
    [
        ("1,2x,0\n" + SAMPLES, "line 1: '2x' is not a number"),  # a typo, not a header
        ("1;2;0\n3;4;1\n", "line 1: '1;2;0' is not a number (every line: numbers separated by commas, the label last; "
                           "this file seems to separate them by ';')"),
        ("a\tb\tlabel\n1\t2\t0\n", "line 2: '1\\t2\\t0' is not a number"),  # the header is words
        (SAMPLES + "1," + "7" * 5000 + "x,0\n", "line 11: '" + "7" * 40 + "'… (5001 characters) is not a number"),
    ],
)  # fmt: skip
def test_csv_errors_name_the_first_bad_line(capsys, tmp_path, text, message):
    (tmp_path / "d.csv").write_text(text)
    line = refused(capsys, 3, message, "train", "--data", str(tmp_path / "d.csv"))
    assert len(line) < 400


def test_csv_memory_is_checked_before_parsing(capsys, tmp_path, monkeypatch):
    from chainrule.cli import recipe

    (tmp_path / "d.csv").write_text(SAMPLES)
    monkeypatch.setattr(recipe, "physical_memory", lambda: 8 * 10 * 3 + 24 * 10)  # half what it needs
    refused(capsys, 3, "its 11 lines of 3 numbers: too much for this machine's", "train", "--data",
            str(tmp_path / "d.csv"))  # fmt: skip


def test_a_job_killed_by_a_signal_exits_as_the_shell_says():
    from chainrule.cli.workers import exit_status

    assert [exit_status(c) for c in (0, 4, -13, -2)] == [0, 4, 141, 130]  # mpiexec killed by SIGPIPE: 141, not 243


def test_workers_with_a_closed_stdout_exit_141(tmp_path):
    from chainrule import distributed as dist

    if not dist.is_available():
        pytest.skip(f"mpi4py is not installed ({dist.INSTALL_HINT})")
    done = _shell("train --data xor --epochs 50 --workers 2 --out w | head -1; exit ${PIPESTATUS[0]}", tmp_path)
    assert done.returncode == 141, done.stderr
    assert "Traceback" not in done.stderr
