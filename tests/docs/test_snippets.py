"""Every ```python block of README.md and docs/**/*.md runs as written.

Each file's blocks run in order in one namespace (a later block may use an earlier block's names),
in a fresh temporary working directory. A block that is deliberately not runnable is preceded by
``<!-- snippet: skip (the reason) -->``; a failure names the file and the line of the block.
"""

from __future__ import annotations

import re
import textwrap
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)")
MARKER = re.compile(r"<!--\s*snippet:(?P<rest>.*?)-->")
SKIP = re.compile(r"\s*skip\s*\((?P<reason>[^)]*\S[^)]*)\)\s*")
PYTHON = {"python", "py", "python3"}


@dataclass
class Snippet:
    path: Path
    line: int  # of the block's first line of code, 1-based
    code: str
    skip: str | None  # the reason given by the marker, if skipped

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def snippets(path: Path) -> list[Snippet]:
    """The ```python blocks of ``path`` in order, dedented, with the skip reason of each; a malformed
    or stray ``snippet:`` marker raises ``ValueError`` naming its line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Snippet] = []
    marker: tuple[int, str] | None = None  # (line, reason) of a skip marker awaiting its block
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            if (m := MARKER.search(lines[i])) is not None:
                if marker is not None:
                    raise ValueError(f"{path.name}:{marker[0]}: a snippet marker with no ```python block after it")
                skip = SKIP.fullmatch(m.group("rest"))
                if skip is None:
                    raise ValueError(
                        f"{path.name}:{i + 1}: snippet marker {m.group(0)!r}: write <!-- snippet: skip (reason) -->"
                    )
                marker = (i + 1, skip.group("reason").strip())
            elif lines[i].strip() and marker is not None:
                raise ValueError(
                    f"{path.name}:{marker[0]}: a snippet marker must come right before its ```python block"
                )
            i += 1
            continue
        fence, indent = opening.group("fence"), len(opening.group("indent"))
        end = i + 1
        closing = re.compile(rf"^ *{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        is_python = opening.group("info").lower() in PYTHON
        if is_python:
            body = "\n".join(line[indent:] if line[:indent].isspace() else line for line in lines[i + 1 : end])
            found.append(Snippet(path, i + 2, textwrap.dedent(body), marker[1] if marker else None))
        elif marker is not None:
            raise ValueError(f"{path.name}:{marker[0]}: a snippet marker before a block that is not ```python")
        marker = None
        i = end + 1
    if marker is not None:
        raise ValueError(f"{path.name}:{marker[0]}: a snippet marker with no ```python block after it")
    return found


def run(snippet: Snippet, namespace: dict) -> str | None:
    """Run ``snippet`` in ``namespace``: None, or what went wrong, naming the block and the line at fault."""
    filename = str(snippet.path)
    try:
        # Padding keeps the file's own line numbers in tracebacks.
        code = compile("\n" * (snippet.line - 1) + snippet.code, filename, "exec")
        exec(code, namespace)  # the documentation's own code
    except Exception as error:  # any error is the failure being reported
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == filename]
        at = f"{snippet.path.relative_to(ROOT)}:{frames[-1].lineno}" if frames else snippet.where
        if isinstance(error, SyntaxError) and error.lineno:
            at = f"{snippet.path.relative_to(ROOT)}:{error.lineno}"
        shown = "".join(traceback.format_exception(error)[-12:])
        return f"the ```python block at {snippet.where} fails at {at}: {type(error).__name__}: {error}\n\n{shown}"
    return None


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_python_block_runs_as_written(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict = {"__name__": "__snippets__"}
    failures = [run(s, namespace) for s in snippets(path) if s.skip is None]  # every block, in order
    failures = [f for f in failures if f is not None]
    if failures:
        pytest.fail(f"{len(failures)} failing block(s):\n\n" + "\n\n".join(failures), pytrace=False)


def test_snippet_markers(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "```python\nx = 1\n```\n\n<!-- snippet: skip (needs a dataset) -->\n```python\nload()\n```\n"
        "  ```py\n    if x:\n        y = 2\n  ```\n```console\n$ chainrule train\n```\n",
        encoding="utf-8",
    )
    found = snippets(page)
    assert [(s.line, s.code, s.skip) for s in found] == [
        (2, "x = 1", None),
        (7, "load()", "needs a dataset"),
        (10, "if x:\n    y = 2", None),
    ]
    for text, fault in [
        ("<!-- snippet: skip -->\n```python\nx\n```\n", "write <!-- snippet: skip (reason) -->"),
        ("<!-- snippet: skip (why) -->\ntext\n```python\nx\n```\n", "right before"),
        ("<!-- snippet: skip (why) -->\n```console\nx\n```\n", "not ```python"),
        ("<!-- snippet: skip (why) -->\n", "no ```python block"),
    ]:
        page.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError, match=re.escape(fault)):
            snippets(page)


def test_a_failing_block_is_named_by_file_and_line(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("text\n\n```python\nx = 1\ny = undefined_name\n```\n", encoding="utf-8")
    (snippet,) = snippets(page)
    snippet.path = ROOT / "docs" / "page.md"  # as if it were one of the project's pages
    failure = run(snippet, {})
    assert failure.startswith("the ```python block at docs/page.md:4 fails at docs/page.md:5: NameError")
