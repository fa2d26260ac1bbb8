"""The API reference (docs/reference/*.md, rendered by mkdocstrings) covers every public name.

A name in a public module's ``__all__`` is covered when a ``::: path`` directive documents it (or
the same object under another path), when a directive documents its whole module, or, for values
without docstrings such as the dtypes, when a reference page names it as ``cr.NAME``.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path
from types import ModuleType

import pytest

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "reference"
PUBLIC = [
    "chainrule", "chainrule.autograd", "chainrule.nn", "chainrule.nn.functional", "chainrule.nn.init",
    "chainrule.nn.utils", "chainrule.optim", "chainrule.optim.lr_scheduler", "chainrule.data",
    "chainrule.data.datasets", "chainrule.check", "chainrule.viz", "chainrule.viz.plots", "chainrule.train",
    "chainrule.report", "chainrule.io", "chainrule.distributed",
]  # fmt: skip
DIRECTIVE = re.compile(r"^::: *(\S+)\n((?:    .*\n|\n)*)", re.M)


def resolve(path: str) -> object:
    """The object a dotted ``path`` names: its longest importable module prefix, then attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(path)


def documented() -> tuple[list[object], str]:
    """The objects the reference pages document (a whole module stands for its ``__all__``) and their text."""
    text = "".join(page.read_text(encoding="utf-8") for page in sorted(REFERENCE.glob("*.md")))
    objects: list[object] = []
    for path, options in DIRECTIVE.findall(text):
        obj = resolve(path)
        objects.append(obj)
        if isinstance(obj, ModuleType) and "members: false" not in options:
            objects += [getattr(obj, name) for name in getattr(obj, "__all__", [])]
    return objects, text


@pytest.mark.parametrize("module", PUBLIC)
def test_every_public_name_is_in_the_reference(module):
    objects, text = documented()
    ids = {id(obj) for obj in objects}
    mod = importlib.import_module(module)
    missing = [
        name
        for name in mod.__all__
        if not inspect.ismodule(getattr(mod, name)) and id(getattr(mod, name)) not in ids and f"`cr.{name}`" not in text
    ]
    assert not missing, f"{module}: public names missing from docs/reference/*.md: {missing}"


def test_every_directive_names_an_object():
    for path, _ in DIRECTIVE.findall("".join(p.read_text(encoding="utf-8") for p in REFERENCE.glob("*.md"))):
        resolve(path)  # raises, naming the path, for a name that is gone
