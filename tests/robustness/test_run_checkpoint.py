"""A tampered run checkpoint: ``train --resume`` and ``eval`` exit 4 with one line, none loops, nothing changes.

Tampering: any entry of the checkpoint ``fit`` writes (epoch, batch, history, partial sums, model, optimizer,
shuffling stream) removed or replaced by generated junk, and the issue's own cases each with its message.
"""

import copy
import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from robust_support import ROBUST, assert_clean, outcome, run_cli, snapshot

import chainrule as cr

BATCHES = 4  # XOR's 4 points in mini-batches of 1


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "run"
    code, _, err = run_cli("train", "--data", "xor", "--hidden", "3", "--optimizer", "momentum", "--batch-size", "1",
                           "--epochs", "2", "--quiet", "--out", out)  # fmt: skip
    assert code == 0, err
    return out


@pytest.fixture(scope="module")
def saved(run_dir):
    return cr.load(run_dir / "checkpoint.npz")


def tampered(run_dir, tmp_path, saved, change) -> tuple:
    """A copy of the run whose checkpoint is ``saved`` after ``change(ckpt)``; (folder, its snapshot)."""
    out = tmp_path / "copy"
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(run_dir, out)
    ckpt = copy.deepcopy(saved)
    change(ckpt)
    cr.save(ckpt, out / "checkpoint.npz")
    return out, snapshot(out)


#: where junk can go: a path of keys into the checkpoint
PLACES = [("epoch",), ("batch",), ("format",), ("history",), ("history", 0), ("history", 0, "train_loss"),
          ("history", 1, "epoch"), ("partial",), ("partial", "seen"), ("partial", "loss_sum"), ("model",),
          ("model", "0.weight"), ("model", "2.bias"), ("optimizer",), ("optimizer", "state"),
          ("optimizer", "param_groups"), ("optimizer", "param_groups", 0, "lr"),
          ("optimizer", "param_groups", 0, "momentum"), ("optimizer", "param_groups", 0, "params"),
          ("optimizer", "state", 0), ("optimizer", "state", 0, "momentum_buffer"), ("optimizer", "state", 7),
          ("shuffle",), ("shuffle", "bit_generator"), ("shuffle", "state"), ("shuffle", "state", "state"),
          ("shuffle", "has_uint32")]  # fmt: skip
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 6), st.integers(-(2**130), 2**130), st.floats(), st.text(max_size=4),
    st.lists(st.integers(-1, 3), max_size=3), st.dictionaries(st.text(max_size=2), st.integers(0, 3), max_size=2),
    st.tuples(st.integers(0, 3), st.integers(0, 3)).map(lambda s: cr.zeros(*s)),
    st.sampled_from([np.zeros((3, 2), np.float32), np.zeros((3, 2), np.complex64), np.array(["a"]), cr.zeros(3)]),
    st.just("DELETE"),
)  # fmt: skip


def put(tree, place, value) -> None:
    *parents, last = place
    for key in parents:
        tree = tree[key]
    if isinstance(value, str) and value == "DELETE":
        if isinstance(tree, dict):
            tree.pop(last, None)
        return
    if isinstance(tree, list) and not 0 <= last < len(tree):
        return
    tree[last] = value


@settings(ROBUST, max_examples=40)
@given(place=st.sampled_from(PLACES), value=JUNK)
def test_junk_anywhere_in_the_checkpoint(run_dir, saved, tmp_path_factory, place, value):
    out, before = tampered(run_dir, tmp_path_factory.mktemp("t"), saved, lambda c: put(c, place, value))
    code, _, err = run_cli("train", "--resume", out, "--quiet", limit=30)
    outcome("resumed" if code == 0 else "refused")
    if code != 0:
        assert_clean(code, err, "train", 4, "cannot continue from its checkpoint")
        assert snapshot(out) == before
    code, _, err = run_cli("eval", out, limit=30)
    if code != 0:
        assert_clean(code, err, "eval", 4, "checkpoint.npz")


@pytest.mark.parametrize(
    "case, change, words",
    [
        ("no optimizer state", lambda c: c.pop("optimizer"), ["its 'optimizer' is missing; expected a dict"]),
        ("epoch a string", lambda c: c.update(epoch="2"), ["epoch and batch must be integers >= 0, got '2'"]),
        ("batch a float", lambda c: c.update(batch=1.0), ["got 2 and 1.0"]),
        ("history not a list", lambda c: c.update(history={"a": 1}), ["its 'history' is of type dict"]),
        ("history too short", lambda c: c["history"].pop(), ["at epoch 2 but its history has 1 rows"]),
        ("lr a string", lambda c: c["optimizer"]["param_groups"][0].update(lr="0.5"), ["has lr '0.5'"]),
        ("state of a parameter that does not exist", lambda c: c["optimizer"]["state"].update({9: {}}),
         ["state saved for parameter 9, which is not one of the 4 here"]),
        ("batch at the end of the epoch", lambda c: c.update(batch=BATCHES),
         [f"at batch {BATCHES} of an epoch of {BATCHES} batches (past the end)"]),
        ("batch past the end", lambda c: c.update(batch=10**6), ["at batch 1000000 of an epoch of 4 batches"]),
        ("another architecture", lambda c: c.update(model={
            "0.weight": cr.zeros(5, 2), "0.bias": cr.zeros(5), "2.weight": cr.zeros(4, 5), "2.bias": cr.zeros(4)}),
         ["4 problem(s): 0.weight: checkpoint shape (5, 2), model shape (3, 2); 0.bias: checkpoint shape (5,), "
          "model shape (3,); 2.weight: checkpoint shape (4, 5), model shape (2, 3); and 1 more"]),
    ],
)  # fmt: skip
def test_the_issues_cases(run_dir, saved, tmp_path, case, change, words):
    out, before = tampered(run_dir, tmp_path, saved, change)
    code, _, err = run_cli("train", "--resume", out, "--epochs", "3", limit=30)  # would rewrite config.json
    assert_clean(code, err, "train", 4, f"--resume {out}: cannot continue from its checkpoint", *words)
    assert snapshot(out) == before  # config.json still says 2 epochs


def test_a_batch_past_the_end_no_longer_loops(run_dir, saved, tmp_path):
    """It rewrote the checkpoint 350 times a second, for good: run it with a time limit."""
    out, before = tampered(run_dir, tmp_path, saved, lambda c: c.update(batch=BATCHES + 3))
    code, _, err = run_cli("train", "--resume", out, limit=10)
    assert_clean(code, err, "train", 4, "past the end")
    assert snapshot(out) == before
