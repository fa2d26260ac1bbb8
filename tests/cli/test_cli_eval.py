"""``chainrule eval``: test metrics of a saved run, and its refusals."""

import json

import pytest
from cli_support import run_main

TRAIN = ["train", "--data", "moons", "--hidden", "8", "--epochs", "3", "--quiet"]


@pytest.fixture
def run_dir(tmp_path, capsys):
    out = tmp_path / "run"
    assert run_main(capsys, *TRAIN, "--out", str(out))[0] == 0
    return out


def test_eval_reports_the_runs_final_metrics(run_dir, capsys):
    code, out, err = run_main(capsys, "eval", str(run_dir))
    assert code == 0, err
    last = json.loads((run_dir / "metrics.json").read_text())[-1]
    assert f"loss {last['test_loss']:.4f}, accuracy {last['test_acc']:.2%} ({round(last['test_acc'] * 40)}/40)" in out
    assert "3 epochs on moons" in out


def test_eval_on_another_2d_dataset(run_dir, capsys):
    code, out, err = run_main(capsys, "eval", str(run_dir), "--data", "xor")
    assert code == 0, err
    assert "test set of xor" in out and "(4 epochs" not in out


def test_eval_refuses_data_of_another_shape(run_dir, capsys):
    code, _, err = run_main(capsys, "eval", str(run_dir), "--data", "spirals")
    assert code == 2
    assert "--data spirals has 2 inputs and 3 classes; the run's model was trained on moons with 2 inputs and 2" in err


def test_eval_of_a_folder_without_checkpoint_or_config(run_dir, capsys, tmp_path):
    (run_dir / "checkpoint.npz").unlink()
    code, _, err = run_main(capsys, "eval", str(run_dir))
    assert code == 4 and "no checkpoint yet" in err
    code, _, err = run_main(capsys, "eval", str(tmp_path))
    assert code == 4 and "not a chainrule run folder (no config.json)" in err


def test_eval_of_a_damaged_checkpoint(run_dir, capsys):
    (run_dir / "checkpoint.npz").write_bytes(b"garbage")
    code, _, err = run_main(capsys, "eval", str(run_dir))
    assert code == 4 and "cannot read checkpoint.npz" in err and "not a chainrule checkpoint" in err
