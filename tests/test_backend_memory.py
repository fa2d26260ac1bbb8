"""glibc's malloc, tuned on request (``backend.keep_freed_memory``, ``CHAINRULE_MALLOC=tuned``, the ``chainrule``
command): training steps then reuse freed memory instead of faulting in new pages; importing chainrule alone
changes nothing in the host process."""

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
# benchmarks/mlp_step.py's two steps at batch 1024, alternating in rounds: under glibc's default
# thresholds the chainrule step then faults in about 170 fresh pages per step (measured: 172).
STEPS = f"""
import resource, sys
sys.path.insert(0, {str(BENCHMARKS)!r})
import chainrule as cr
from chainrule import backend
from mlp_step import chainrule_step, make_problem, numpy_step
print(backend.MALLOC_TUNED)
weights, biases, x, y = make_problem((784, 100, 10), 1024)
params = [cr.tensor(a, requires_grad=True) for pair in zip(weights, biases) for a in pair]
cx, cy = cr.tensor(x), cr.tensor(y)
for _ in range(4):
    for _ in range(20):
        numpy_step(weights, biases, x, y, "sigmoid")
    for _ in range(20):
        chainrule_step(params, cx, cy, "sigmoid")
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(50):
    chainrule_step(params, cx, cy, "sigmoid")
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 50)
"""


GLIBC = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="only glibc's malloc is tuned")


def run_steps(**env: str) -> tuple[bool, float]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES", "CHAINRULE_"))}
    done = subprocess.run([sys.executable, "-c", STEPS], env={**clean, **env}, capture_output=True, text=True,
                          timeout=120, check=True)  # fmt: skip
    tuned, faults = done.stdout.split()
    return tuned == "True", float(faults)


@GLIBC
def test_training_steps_take_no_page_faults_when_tuned():
    """The benchmarks tune as the command does (benchmarks/machine.py calls keep_freed_memory)."""
    tuned, faults = run_steps()
    assert tuned
    assert faults < 5


@GLIBC
def test_without_the_tuning_the_same_steps_fault():
    """The control: declined with CHAINRULE_MALLOC=default, the same steps fault in fresh pages."""
    tuned, faults = run_steps(CHAINRULE_MALLOC="default")
    assert not tuned
    assert faults > 50


def _fresh(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES", "CHAINRULE_"))}
    return subprocess.run([sys.executable, "-W", "always", "-c", code], capture_output=True, text=True,
                          env={**clean, **env}, timeout=60, check=True)  # fmt: skip


def test_importing_chainrule_leaves_malloc_alone():
    assert _fresh("from chainrule import backend; print(backend.MALLOC_TUNED)").stdout.strip() == "False"


@GLIBC
def test_tuning_is_opt_in_by_call_by_variable_and_by_the_command():
    call = "from chainrule import backend; print(backend.keep_freed_memory(), backend.MALLOC_TUNED)"
    assert _fresh(call).stdout.split() == ["True", "True"]
    assert _fresh("from chainrule import backend; print(backend.MALLOC_TUNED)",
                  CHAINRULE_MALLOC="tuned").stdout.strip() == "True"  # fmt: skip
    command = ("from chainrule import backend; from chainrule.cli.main import main; "
               "code = main(['gradcheck', 'x*x', 'x=1']); print(code, backend.MALLOC_TUNED)")  # fmt: skip
    assert _fresh(command).stdout.split()[-2:] == ["0", "True"]
    assert _fresh(command, CHAINRULE_MALLOC="default").stdout.split()[-2:] == ["0", "False"]


def test_an_unknown_setting_is_named_in_a_warning():
    done = _fresh("import chainrule", CHAINRULE_MALLOC="off")
    assert "CHAINRULE_MALLOC='off' is not understood: 'tuned' tunes glibc's malloc when chainrule is imported" in (
        done.stderr
    )


def test_an_empty_setting_counts_as_unset():
    assert _fresh("from chainrule import backend; print(backend.MALLOC_TUNED)", CHAINRULE_MALLOC="").stdout.strip() == (
        "False"
    )
