"""The project's scripts (examples/, benchmarks/) loaded as modules, for tests that call their main()."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def load_script(path: Path | str, name: str | None = None) -> ModuleType:
    """The script at ``path`` (or ``examples/NAME.py`` given a bare name) as a module named ``name``.

    examples/ and benchmarks/ are on sys.path while it loads: their scripts import their neighbours.
    """
    path = Path(path)
    if not path.suffix:
        path = ROOT / "examples" / f"{path}.py"
    folders = [str(ROOT / "examples"), str(ROOT / "benchmarks")]
    sys.path[:0] = folders
    try:
        spec = importlib.util.spec_from_file_location(name or path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        for folder in folders:
            sys.path.remove(folder)
    return module
