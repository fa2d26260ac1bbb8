"""The wheel ships what chainrule needs at run time: every module, the licence, py.typed and the two datasets.

The wheel is built from a copy of the project's sources (so the repository's own ``build/`` folder, which can
hold files deleted since, plays no part) with the installed setuptools, without a network.
"""

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
INFO = f"chainrule-{PROJECT['project']['version']}.dist-info"
SHIPPED = ("data/datasets/files/README.md", "data/datasets/files/digits.npz", "data/datasets/files/mnist_sample.npz",
           "py.typed")  # fmt: skip


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    setuptools = pytest.importorskip("setuptools", reason="setuptools is not installed (it builds the wheel)")
    needed = PROJECT["build-system"]["requires"][0].split(">=")[1]
    if int(setuptools.__version__.split(".")[0]) < int(needed):
        pytest.skip(f"setuptools {setuptools.__version__} is older than the {needed} pyproject.toml builds with")
    tree = tmp_path_factory.mktemp("project")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, tree / name)
    shutil.copytree(ROOT / "src", tree / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    code = "import sys; from setuptools import build_meta; print(build_meta.build_wheel(sys.argv[1]))"
    done = subprocess.run([sys.executable, "-c", code, str(tree / "dist")], cwd=tree, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    with zipfile.ZipFile(tree / "dist" / done.stdout.strip().splitlines()[-1]) as archive:
        yield archive


def test_the_wheel_holds_every_module_the_licence_and_the_data(wheel):
    names = set(wheel.namelist())
    package = ROOT / "src" / "chainrule"
    modules = {f"chainrule/{p.relative_to(package).as_posix()}" for p in package.rglob("*.py")}
    assert modules - names == set()
    for name in SHIPPED:
        assert wheel.read(f"chainrule/{name}") == (package / name).read_bytes(), name
    assert wheel.read(f"{INFO}/licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()


def test_the_wheel_metadata_names_the_licence_and_the_extras(wheel):
    headers = wheel.read(f"{INFO}/METADATA").decode().split("\n\n", 1)[0].splitlines()  # the long description after
    assert "License-Expression: MIT" in headers and "Classifier: Typing :: Typed" in headers
    extras = {line.split(": ", 1)[1] for line in headers if line.startswith("Provides-Extra: ")}
    assert {"viz", "io", "cli", "mpi", "all", "test"} <= extras and "data" not in extras
    requires = [line.split(": ", 1)[1] for line in headers if line.startswith("Requires-Dist: ")]
    assert [r for r in requires if "extra ==" not in r] == PROJECT["project"]["dependencies"] == ["numpy>=1.26"]
    assert not [r for r in requires if r.startswith(("scikit-learn", "scipy"))]  # the digits ship with chainrule
