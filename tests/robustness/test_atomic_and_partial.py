"""Nothing half-applied: a killed save leaves no temporary file for good, and load_state_dict writes every key
or none; plus the README's promise checked end to end in child processes: one line on stderr, no traceback.
"""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from robust_support import ROBUST, outcome, run_cli

import chainrule as cr
from chainrule import nn

HALF_A_SAVE = """
import sys, time
import chainrule as cr, chainrule.io as crio
def stall(f, arrays):
    f.write(b"PK\\x03\\x04 half a checkpoint")
    f.flush()
    print("writing", flush=True)
    time.sleep(60)
crio._write_payload = stall
cr.save({"epoch": 2}, sys.argv[1])
"""


def test_a_killed_save_leaves_its_temporary_only_until_the_next_save(tmp_path):
    path = tmp_path / "checkpoint.npz"
    cr.save({"epoch": 1}, path)
    child = subprocess.Popen([sys.executable, "-c", HALF_A_SAVE, str(path)], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline() == "writing\n"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    left = [p.name for p in tmp_path.iterdir() if p.name != "checkpoint.npz"]
    assert len(left) == 1 and left[0].startswith(".checkpoint.tmp-")  # what kill -9 leaves
    assert cr.load(path)["epoch"] == 1  # the previous checkpoint is whole
    cr.save({"epoch": 3}, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.npz"]
    assert cr.load(path)["epoch"] == 3


def test_a_running_writers_temporary_is_left_alone(tmp_path):
    """Another process saving the same file right now keeps its temporary (its pid is alive)."""
    from chainrule.files import _HOST

    mine = tmp_path / f".c.tmp-{_HOST}-{os.getpid()}-abc123.npz"
    other_host = tmp_path / ".c.tmp-00000000-1-abc123.npz"
    for p in (mine, other_host):
        p.write_bytes(b"in progress")
    cr.save({"a": 1}, tmp_path / "c.npz")
    assert mine.exists() and other_host.exists()


KEYS = ["0.weight", "0.bias", "2.weight", "2.bias"]
DAMAGE = st.sampled_from(["complex", "shape", "string", "list", "missing", "none", "int64", "float64", "bool"])


@ROBUST
@given(damage=st.dictionaries(st.sampled_from(KEYS), DAMAGE, max_size=4), extra=st.booleans())
def test_load_state_dict_writes_every_key_or_none(damage, extra):
    net, source = nn.MLP([3, 4, 2]), nn.MLP([3, 4, 2])
    before = {k: v.numpy().copy() for k, v in net.state_dict().items()}
    state = dict(source.state_dict())
    refused = []
    for key, kind in damage.items():
        value = state[key].numpy()
        if kind == "missing":
            del state[key]
            refused.append(f"missing key {key!r}")
            continue
        state[key] = {"complex": value.astype(np.complex64), "shape": value[..., :1], "string": "w", "list": [1.0],
                      "none": None, "int64": value.astype(np.int64), "float64": value.astype(np.float64),
                      "bool": value > 0}[kind]  # fmt: skip
        if kind in ("complex", "shape", "string", "list", "none"):
            refused.append(key)
    if extra:
        state["3.weight"] = cr.zeros(1)
        refused.append("unexpected key '3.weight'")
    outcome("refused" if refused else "loaded")
    try:
        net.load_state_dict(state)
    except nn.StateDictError as exc:
        assert refused, exc
        assert len(exc.problems) == len(refused)
        for problem, expected in zip(sorted(exc.problems), sorted(refused)):
            assert problem.startswith(expected), (problem, expected)
        for key, value in net.state_dict().items():
            np.testing.assert_array_equal(value.numpy(), before[key], err_msg=f"{key} changed by a refused load")
        return
    assert not refused
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), np.asarray(state[key], dtype=value.numpy().dtype), err_msg=key)


def child(*argv, timeout=60) -> tuple[int, str]:
    """``chainrule argv…`` as a child process (the console script's path): (exit code, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "chainrule.cli.main", *map(str, argv)], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "PYTHONWARNINGS": "default"})  # fmt: skip
    return proc.returncode, proc.stderr


@pytest.fixture(scope="module")
def damaged_run(tmp_path_factory):
    """A run folder whose checkpoint is truncated."""
    root = tmp_path_factory.mktemp("runs")
    code, _, err = run_cli("train", "--data", "xor", "--hidden", "2", "--epochs", "1", "--quiet", "--out", root / "a")
    assert code == 0, err
    data = (root / "a" / "checkpoint.npz").read_bytes()
    (root / "a" / "checkpoint.npz").write_bytes(data[: len(data) // 2])
    return root / "a"


@pytest.mark.parametrize(
    "argv, code, words",
    [
        (["eval", "RUN"], 4, "cannot read checkpoint.npz"),
        (["train", "--resume", "RUN"], 4, "cannot continue from its checkpoint"),
        (["train", "--hidden", "1000000000000", "--data", "xor", "--out", "NEW"], 2, "parameters and needs about"),
        (["graph", "--", "-" * 1999 + "x", "x=1"], 2, "expression too deeply nested"),
        (["train", "--lr", "nan"], 2, "argument --lr: must be a finite number, got nan (see chainrule train --help)"),
        (["train", "--bogus"], 2, "unrecognized arguments: --bogus"),
        (["graph", "1if x else 2", "x=1"], 2, "invalid syntax"),
        (["eval", "FILE"], 4, "it is a file, not a run folder"),
        (["graph", "x", "x=1", "-o", "FILE/f.svg"], 4, "is a file, not a folder"),
    ],
)  # fmt: skip
def test_one_line_on_stderr_in_a_child_process(damaged_run, tmp_path, argv, code, words):
    (tmp_path / "file").write_text("not a folder")
    names = {"RUN": damaged_run, "NEW": tmp_path / "new", "FILE": tmp_path / "file"}
    argv = [str(names.get(a, a)).replace("FILE", str(tmp_path / "file")) for a in argv]
    start = time.monotonic()
    got, stderr = child(*argv)
    assert got == code, stderr
    lines = stderr.splitlines()
    assert "Traceback" not in stderr and lines[0].startswith(f"chainrule {argv[0]}: error: ") and words in lines[0]
    assert len(lines) == 1 or argv[0] == "graph" and len(lines) == 3, stderr  # an expression adds it and a caret
    assert time.monotonic() - start < 60
