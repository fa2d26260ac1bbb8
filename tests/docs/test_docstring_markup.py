"""The Griffe extension of the API reference (docs/_griffe/api_reference.py) reads reST markup as Markdown."""

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("griffe", reason="the docs extra (mkdocstrings, Griffe) is not installed")

PATH = Path(__file__).resolve().parents[2] / "docs" / "_griffe" / "api_reference.py"
spec = importlib.util.spec_from_file_location("api_reference", PATH)
api_reference = importlib.util.module_from_spec(spec)
spec.loader.exec_module(api_reference)


def test_roles_become_inline_code():
    text = "See :func:`chainrule.viz.draw` and :class:`~chainrule.Generator`; ``code`` stays."
    assert api_reference.to_markdown(text) == "See `chainrule.viz.draw` and `Generator`; ``code`` stays."


def test_doctest_examples_become_pycon_blocks_up_to_a_blank_line():
    text = "Add.\n\n>>> x = cr.tensor(1.0)\n>>> x + 1\ntensor(2.)\n\nMore prose, :func:`f`."
    assert api_reference.to_markdown(text) == (
        "Add.\n\n```pycon\n>>> x = cr.tensor(1.0)\n>>> x + 1\ntensor(2.)\n```\n\nMore prose, `f`."
    )


def test_literal_blocks_become_python_blocks():
    text = "Base class.\n\nExample::\n\n    class Net(nn.Module):\n\n        pass\n\nAfter."
    assert api_reference.to_markdown(text) == (
        "Base class.\n\nExample:\n\n```python\nclass Net(nn.Module):\n\n    pass\n```\n\nAfter."
    )
    assert api_reference.to_markdown("As follows::\n\nnot indented") == "As follows::\n\nnot indented"
