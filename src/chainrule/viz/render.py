"""Graph: DOT text plus rendering through Graphviz (in-process pygraphviz, else a system ``dot``).

``pip install 'chainrule[viz]'`` brings the pygraphviz wheel, which bundles
Graphviz's layout and renderers, so no system package is needed. DPI is set only
for raster output: an SVG carrying a ``dpi`` attribute is clipped in browsers.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chainrule.errors import ChainruleError
from chainrule.files import write_bytes

FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}
INSTALL_HINT = (
    "no Graphviz renderer is available. Install one with:  pip install 'chainrule[viz]'  "
    "(its pygraphviz wheel bundles Graphviz; no system package needed), or install Graphviz's "
    "`dot` program and `pip install graphviz`. The DOT text needs neither: graph.source or graph.save('graph.dot')."
)


class RenderError(ChainruleError):
    """Graphviz could not render the drawing (none installed, or it failed)."""


class Graph:
    """A drawing: ``.source`` (DOT), ``.save(path)``, ``.pipe(format)``; shows inline in Jupyter."""

    def __init__(self, source: str, dpi: int = 150) -> None:
        self.source = source
        self.dpi = dpi

    def pipe(self, format: str = "svg") -> bytes:
        """The rendered bytes (``svg``, ``png`` or ``pdf``; ``dot`` gives the source)."""
        if format == "dot":
            return self.source.encode()
        if format not in ("svg", "png", "pdf"):
            raise ValueError(f"draw: cannot render format {format!r}; use svg, png, pdf or dot")
        source = _with_dpi(self.source, self.dpi) if format == "png" else self.source
        return _render(source, format)

    def save(self, path: str | os.PathLike, dpi: int | None = None) -> Path:
        """Write the drawing; the format comes from the suffix (.svg, .png, .pdf, .dot)."""
        suffix = Path(path).suffix.lower()
        if suffix not in FORMATS:
            raise ValueError(f"draw: cannot save {os.fspath(path)!r}: use a .svg, .png, .pdf or .dot suffix")
        if dpi is not None:
            self.dpi = dpi
        return write_bytes(path, self.pipe(FORMATS[suffix]))

    def _repr_svg_(self) -> str:
        return self.pipe("svg").decode()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        try:
            return {"image/svg+xml": self._repr_svg_(), "text/plain": repr(self)}
        except RenderError:
            return {"text/plain": self.source}

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        return f"<chainrule Graph: {self.source.count(' -> ')} edges; .save('graph.png') or .source>"


def _with_dpi(source: str, dpi: int) -> str:
    head, brace, rest = source.partition("{")
    return f"{head}{brace}\n  graph [dpi={int(dpi)}];{rest}"


def _render(source: str, format: str) -> bytes:
    try:
        import pygraphviz
    except ImportError:
        pygraphviz = None
    if pygraphviz is not None:
        try:
            with _without_fontconfig_warnings():
                return pygraphviz.AGraph(string=source).draw(format=format, prog="dot")
        except Exception as exc:  # layout errors come back as several exception types
            raise RenderError(f"draw: Graphviz (pygraphviz) failed to render {format}: {exc}") from exc
    try:
        import graphviz
    except ImportError:
        raise RenderError(f"draw: cannot render {format}: {INSTALL_HINT}") from None
    try:
        return graphviz.Source(source).pipe(format=format)
    except graphviz.ExecutableNotFound:
        raise RenderError(f"draw: cannot render {format}: {INSTALL_HINT}") from None


@contextlib.contextmanager
def _without_fontconfig_warnings() -> Iterator[None]:
    """Pass on what C code writes to stderr meanwhile, except the bundled fontconfig's warnings.

    The fontconfig inside the pygraphviz wheel is older than many systems' configuration files and warns
    about their newer elements on every first render; the warnings are harmless and would greet every user.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            for line in captured.read().decode(errors="replace").splitlines(keepends=True):
                if not line.startswith("Fontconfig warning"):
                    sys.stderr.write(line)
