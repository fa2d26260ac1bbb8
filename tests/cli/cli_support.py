"""Shared helpers for the command-line tests: run ``chainrule`` in-process or as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import chainrule as cr
from chainrule.cli.main import main

#: a small, fast run: 240 spiral points, one mini-batch per sample, so an epoch has many steps
SMALL = ["--data", "spirals", "--hidden", "16", "--batch-size", "1", "--lr", "0.1"]


def run_main(capsys, *argv: str) -> tuple[int, str, str]:
    """``chainrule argv…`` in this process: (exit code, stdout, stderr); argparse's exits are caught too."""
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def spawn(*argv: str, **kwargs) -> subprocess.Popen:
    """``chainrule argv…`` as a child process (the console script's code path, via ``python -m``)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "chainrule.cli.main", *argv]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, **kwargs)


def weights(run_dir: Path) -> dict[str, np.ndarray]:
    """The model parameters saved in a run folder's checkpoint."""
    return {k: np.asarray(v.data) for k, v in cr.load(run_dir / "checkpoint.npz")["model"].items()}


def assert_same_weights(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key], b[key]), f"parameter {key} differs"
