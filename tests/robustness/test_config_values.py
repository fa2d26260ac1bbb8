"""config.json is checked with the command line's rules: any value a resumed or evaluated run reads is taken
exactly when ``chainrule train`` would take it, and a refused one exits 4 naming its key, changing nothing.

The oracle below is written from ``chainrule train --help``, not from the code it tests.
"""

import json
import math
import os
import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from robust_support import ROBUST, assert_clean, outcome, run_cli, snapshot

from chainrule.cli.errors import RunFolderError
from chainrule.cli.main import build_parser
from chainrule.cli.rundir import read_config

CHOICES = {
    "data": ("mnist-sample", "digits", "mnist", "xor", "moons", "spirals", "linearly-separable"),
    "activation": ("sigmoid", "tanh", "relu"), "loss": ("cross-entropy", "mse", "half-mse", "svm"),
    "optimizer": ("sgd", "momentum", "adam"), "init": ("lecun", "xavier", "he", "uniform"),
    "output": ("linear", "sigmoid"), "model": ("mlp", "lenet"),
}  # fmt: skip


def integer(low):
    return lambda v: type(v) is int and v >= low


def number(low, strict):
    return lambda v: type(v) in (int, float) and math.isfinite(v) and (v > low if strict else v >= low)


#: each setting's valid values, as --help describes them
def choice(options):
    return lambda v: isinstance(v, str) and v in options


def dataset(v):
    """A built-in dataset's name, or a file name ending in .npz or .csv (your own data)."""
    return choice(CHOICES["data"])(v) or isinstance(v, str) and os.path.splitext(v)[1].lower() in (".npz", ".csv")


SPEC = {
    **{key: choice(options) for key, options in CHOICES.items()}, "data": dataset,
    "conv": lambda v: isinstance(v, list) and all(integer(1)(n) for n in v),  # channels of lenet's convolutions
    "mnist_root": lambda v: v is None or (isinstance(v, str) and v != ""),
    # [] (or [0]) is no hidden layer: the linear classifier
    "hidden": lambda v: isinstance(v, list) and (v == [0] and type(v[0]) is int or all(integer(1)(n) for n in v)),
    "train_size": lambda v: v is None or integer(1)(v),
    "lr": number(0, strict=True), "batch_size": integer(1), "epochs": integer(1),
    "weight_decay": number(0, strict=False), "seed": integer(0),
    "workers": integer(1),  # processes the run was trained on (mpiexec -n)
}  # fmt: skip
INTEGERS, NUMBERS = {"batch_size", "epochs", "seed", "hidden", "train_size", "conv", "workers"}, {"lr", "weight_decay"}


def valid(config: dict) -> bool:
    """The whole config as a new run would take it: each value, and --mnist-root only with --data mnist."""
    settings = {k: v for k, v in config.items() if k != "chainrule"}
    optional = {"output", "train_size", "model", "conv", "workers"}  # older run folders still resume
    if not set(SPEC) - optional <= set(settings) <= set(SPEC) or not all(SPEC[k](v) for k, v in settings.items()):
        return False
    if settings.get("output") == "sigmoid" and settings["loss"] not in ("mse", "half-mse"):
        return False
    model, conv = settings.get("model", "mlp"), settings.get("conv", [])  # as trained before they existed
    if (model == "lenet") != bool(conv):  # --conv is lenet's; lenet has at least one convolution
        return False
    return settings["mnist_root"] is None or settings["data"] == "mnist"


VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.integers(-(10**30), 10**30), st.floats(),
    st.sampled_from([s for c in CHOICES.values() for s in c] + ["", "adamw", "hinge", "Xor", "/data/mnist"]),
    st.text(max_size=4), st.lists(st.integers(-2, 300), max_size=3), st.lists(st.floats(0, 3), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)  # fmt: skip


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A finished one-epoch run on XOR with momentum (so its checkpoint holds optimizer state)."""
    out = tmp_path_factory.mktemp("run") / "run"
    code, _, err = run_cli("train", "--data", "xor", "--hidden", "2", "--optimizer", "momentum", "--epochs", "1",
                           "--quiet", "--out", out)  # fmt: skip
    assert code == 0, err
    return out


def copy_with(run_dir, tmp_path, changes: dict, removed=()):
    """A copy of the run whose config.json has ``changes`` applied and ``removed`` keys taken out."""
    out = tmp_path / "copy"
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(run_dir, out)
    config = {**json.loads((out / "config.json").read_text()), **changes}
    for key in removed:
        config.pop(key, None)
    (out / "config.json").write_text(json.dumps(config))
    return out, config


GOOD = {
    **{key: st.sampled_from(options) for key, options in CHOICES.items()},
    "mnist_root": st.none(), "hidden": st.lists(st.integers(1, 40), min_size=1, max_size=3),
    "lr": st.floats(1e-4, 2.0), "batch_size": st.integers(1, 500), "epochs": st.integers(1, 3),
    "weight_decay": st.floats(0, 1e-2), "seed": st.integers(0, 2**70), "bogus": st.just(1),
    "train_size": st.one_of(st.none(), st.integers(1, 4)), "model": st.sampled_from(CHOICES["model"]),
    "conv": st.lists(st.integers(1, 8), max_size=2), "workers": st.integers(1, 4),
    "data": st.sampled_from([*CHOICES["data"], "/data/mine.npz"]),
}  # fmt: skip


def value_for(key):
    """A value of ``key``: a valid one about half the time, else anything JSON holds."""
    return st.one_of(GOOD[key], VALUES)


CHANGES = st.lists(st.sampled_from(sorted(SPEC) + ["bogus"]), min_size=1, max_size=2, unique=True).flatmap(
    lambda keys: st.fixed_dictionaries({k: value_for(k) for k in keys}))  # fmt: skip


@ROBUST
@given(changes=CHANGES, removed=st.lists(st.sampled_from(sorted(SPEC)), max_size=1))
def test_config_json_is_taken_exactly_when_the_command_line_would_take_it(run_dir, tmp_path_factory, changes,
                                                                          removed):  # fmt: skip
    out, config = copy_with(run_dir, tmp_path_factory.mktemp("c"), changes, removed)
    expected = valid(config)
    outcome("valid" if expected else "refused")
    try:
        read_config(out)
    except RunFolderError as exc:
        assert not expected, str(exc)
        message = str(exc)
        assert message.startswith(f"--resume {out}: config.json is damaged: ") and "\n" not in message
        named = [k for k in [*changes, *removed] if f'"{k}"' in message or f"'{k}'" in message]
        assert named, message  # the key at fault is named
    else:
        assert expected, config


def text_forms(key: str, value) -> list | None:
    """The command-line words for ``value`` of ``key`` (None: it has no spelling there)."""
    if isinstance(value, bool) or value is None or isinstance(value, dict | float) and key not in NUMBERS:
        return None
    if key == "hidden":
        return [w for n in value for w in ("--hidden", str(n))] if isinstance(value, list) and value else None
    if key == "conv":  # one option, the channels separated by commas
        return [f"--conv={','.join(map(str, value))}"] if isinstance(value, list) and value else None
    if isinstance(value, list):
        return None
    return [f"--{key.replace('_', '-')}", repr(value) if isinstance(value, float) else str(value)]


def as_typed(key: str, text: str):
    """What the command line reads from ``text`` for ``key``: an int or a float where that is the setting's type."""
    for kind, keys in ((int, INTEGERS), (float, NUMBERS)):
        if key in keys:
            try:
                return kind(text)
            except ValueError:
                return text
    return text


@ROBUST
@given(key_value=st.sampled_from(sorted(SPEC)).flatmap(lambda k: st.tuples(st.just(k), value_for(k))))
def test_the_command_line_takes_the_same_values(key_value):
    key, value = key_value
    words = text_forms(key, value)
    if words is None:
        return
    if key == "hidden":
        expected = all(SPEC["hidden"]([as_typed(key, w)]) for w in words[1::2])
    elif key == "conv":
        expected = SPEC["conv"]([as_typed("conv", n) for n in words[0].split("=")[1].split(",")])
    else:
        expected = SPEC[key](as_typed(key, words[1])) and (key != "mnist_root")  # --mnist-root needs --data mnist
        if key == "mnist_root":
            words += ["--data", "mnist"]
            expected = SPEC[key](words[1])
    try:
        build_parser().parse_args(["train", *words])
        parsed = True
    except SystemExit:
        parsed = False
    outcome("taken" if parsed else "refused")
    assert parsed == expected, (words, value)


@settings(ROBUST, max_examples=20)
@given(changes=CHANGES)
def test_commands_on_a_run_with_a_changed_config(run_dir, tmp_path_factory, changes):
    """eval and train --resume: a refused config exits 4 naming the key and changes nothing; any other ends
    cleanly (0, or 3/4 when the data or the checkpoint does not fit)."""
    out, config = copy_with(run_dir, tmp_path_factory.mktemp("c"), {"epochs": 1, **changes})
    before = snapshot(out)
    for command, argv in (("eval", ["eval", out]), ("train", ["train", "--resume", out, "--quiet"])):
        code, _, err = run_cli(*argv)
        outcome(f"{command} {'exit 0' if code == 0 else 'refused'}")
        if not valid(config):
            assert_clean(code, err, command, 4, "config.json is damaged")
            assert snapshot(out) == before
        elif code != 0:
            assert_clean(code, err, command, {3, 4})
            assert snapshot(out) == before


def test_the_issues_cases(run_dir, tmp_path):
    """An unknown optimizer resumed silently with Adam, an unknown loss became MSE, mnist_root with xor was taken."""
    for changes, words in [
        ({"optimizer": "adamw"}, ['"optimizer": invalid choice: \'adamw\'']),
        ({"loss": "hinge"}, ['"loss": invalid choice: \'hinge\'']),
        ({"lr": float("nan")}, ['"lr": must be a finite number, got nan']),
        ({"epochs": "10"}, ['"epochs": expected a positive integer, got \'10\'']),
        ({"hidden": [8, 0]}, ['"hidden": 0 (no hidden layer) cannot be combined with other sizes']),
        ({"mnist_root": "/data"}, ['"mnist_root" is only used with "data" mnist (got "data" xor)']),
        ({"weight_decay": -1}, ['"weight_decay": must be a number >= 0, got -1']),
    ]:
        out, _ = copy_with(run_dir, tmp_path, changes)
        before = snapshot(out)
        for command, argv in (("train", ["train", "--resume", out]), ("eval", ["eval", out])):
            code, _, err = run_cli(*argv)
            assert_clean(code, err, command, 4, *words)
        assert snapshot(out) == before


@pytest.mark.parametrize("damage", ["not json", "truncated", "a list", "deep", "too big", "missing key", "binary",
                                    "a folder"])  # fmt: skip
def test_a_damaged_config_file(run_dir, tmp_path, damage):
    out, _ = copy_with(run_dir, tmp_path, {})
    path = out / "config.json"
    text = path.read_text()
    if damage == "a folder":
        path.unlink()
        path.mkdir()
    else:
        path.write_bytes({
            "not json": b"{not json", "truncated": text[: len(text) // 2].encode(), "a list": b"[1, 2]",
            "deep": b"[" * 100_000 + b"]" * 100_000, "too big": b" " * (1 << 20) + text.encode(),
            "missing key": json.dumps({k: v for k, v in json.loads(text).items() if k != "optimizer"}).encode(),
            "binary": bytes(range(256)),
        }[damage])  # fmt: skip
    before = snapshot(out)
    for command, argv in (("train", ["train", "--resume", out]), ("eval", ["eval", out])):
        code, _, err = run_cli(*argv)
        assert_clean(code, err, command, 4, "config.json")
    assert snapshot(out) == before


def test_resume_with_epochs_saves_them_in_config_and_report(run_dir, tmp_path):
    out, _ = copy_with(run_dir, tmp_path, {})
    code, _, err = run_cli("train", "--resume", out, "--epochs", "2", "--quiet")
    assert code == 0, err
    assert json.loads((out / "config.json").read_text())["epochs"] == 2
    assert '<td class="key">epochs</td><td>2</td>' in (out / "report.html").read_text()
