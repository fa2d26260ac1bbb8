"""Griffe extension for the API reference: chainrule's docstrings and signatures as Python reads them.

Signatures: Griffe looks a name up in the enclosing packages when the module does not define it,
so ``bool`` in ``chainrule/nn/module.py`` would become ``chainrule.bool`` (NumPy's ``bool_``,
which the top-level package exports under PyTorch's name). A builtin name that the module itself
neither defines nor imports is the builtin, so it is left unresolved here.

Docstrings: they are prose written with reST's inline markup: ``code``, :func:`name` roles, ``>>>``
examples and ``Example::`` literal blocks. Markdown renders ``code`` as it is; this rewrites the
rest before mkdocstrings renders a docstring: a role becomes inline code (``~a.b`` shows ``b``), a
``>>>`` example up to the next blank line becomes a ``pycon`` code block, and a paragraph ending in
``::`` ends in ``:`` and its indented block becomes a ``python`` code block.

Classes: members without a docstring that only repeat the class's signature are left out (``prune``).
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterator
from typing import Any

import griffe

ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|exc|obj):`(~?)([^`]*)`")


def role_to_code(match: re.Match) -> str:
    """``:func:`~a.b``` is `b` and ``:func:`a.b``` is `a.b`, as Sphinx shows them."""
    tilde, target = match.groups()
    return f"`{target.rsplit('.', 1)[-1] if tilde else target}`"


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def fenced(lines: list[str], language: str, indent: int, at: int) -> list[str]:
    """``lines`` (at least ``indent`` deep), less ``indent``, as a fenced code block ``at`` spaces deep."""
    pad = " " * at
    body = [line[indent:] if line.strip() else "" for line in lines]
    while body and not body[-1]:
        body.pop()
    return [f"{pad}```{language}", *[pad + line if line else "" for line in body], f"{pad}```"]


def to_markdown(text: str) -> str:
    """The docstring ``text`` with its reST markup rewritten as Markdown (prose is left as it is)."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith(">>>"):  # a doctest block runs to the next blank line
            end = i
            while end < len(lines) and lines[end].strip():
                end += 1
            out += fenced(lines[i:end], "pycon", indent_of(line), indent_of(line))
            i = end
            continue
        if line.rstrip().endswith("::") and i + 1 < len(lines) and not lines[i + 1].strip():
            start = i + 2
            while start < len(lines) and not lines[start].strip():
                start += 1
            base = indent_of(line)
            if start < len(lines) and indent_of(lines[start]) > base:
                end = start
                while end < len(lines) and (not lines[end].strip() or indent_of(lines[end]) > base):
                    end += 1
                head = line.rstrip()[:-2].rstrip()
                if head.strip():
                    out += [ROLE.sub(role_to_code, head + ":"), ""]
                out += fenced(lines[start:end], "python", indent_of(lines[start]), base)
                out.append("")
                i = end
                continue
        out.append(ROLE.sub(role_to_code, line))
        i += 1
    return "\n".join(out)


def unshadow_builtins(obj: griffe.Object, *expressions: object) -> None:
    """Make the builtin names in ``expressions`` (found in ``obj``) plain builtins unless ``obj``'s module has them."""
    module = obj.module
    for expression in expressions:
        if not isinstance(expression, griffe.Expr):
            continue
        for name in expression.iterate(flat=True):
            if (
                isinstance(name, griffe.ExprName)
                and isinstance(name.parent, griffe.Object)
                and hasattr(builtins, name.name)
                and name.name not in module.members
                and name.name not in module.imports
            ):
                name.parent = None


def classes(obj: griffe.Object) -> Iterator[griffe.Class]:
    """Every class defined in ``obj`` and below it (aliases, that is imported names, are skipped)."""
    for member in obj.members.values():
        if not member.is_alias and (member.is_module or member.is_class):
            if member.is_class:
                yield member
            yield from classes(member)


def prune(cls: griffe.Class) -> None:
    """Leave out of ``cls``'s page the members without a docstring that say nothing beyond its signature:
    special methods (``__init__`` stays: it gives the class's signature), attributes that only keep an
    argument of ``__init__`` (``self.p = p``, a dataclass's fields) and overrides of a base class's member
    (a layer's ``forward``)."""
    try:
        inherited = {name for base in cls.mro() for name in base.members}
    except (griffe.AliasResolutionError, griffe.CyclicAliasError, ValueError):
        inherited = set()
    arguments = {p.name for p in cls.parameters}  # of its __init__ (a dataclass's fields: mkdocs.yml loads
    # Griffe's dataclasses extension before this one)
    for name, member in list(cls.members.items()):
        if member.docstring or member.is_alias or name == "__init__":
            continue
        special = name.startswith("__") and name.endswith("__")
        argument = member.is_attribute and "property" not in member.labels and name in arguments
        if special or argument or name in inherited:
            cls.del_member(name)


class ApiReference(griffe.Extension):
    """Rewrites each docstring's reST markup as Markdown, unshadows builtins in signatures and prunes classes."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = to_markdown(obj.docstring.value)

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        for cls in classes(pkg):
            prune(cls)

    def on_function(self, *, func: griffe.Function, **kwargs: Any) -> None:
        parameters = [(p.annotation, p.default) for p in func.parameters]
        unshadow_builtins(func, func.returns, *(e for pair in parameters for e in pair))

    def on_attribute(self, *, attr: griffe.Attribute, **kwargs: Any) -> None:
        unshadow_builtins(attr, attr.annotation)
