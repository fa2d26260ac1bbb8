"""Shared tools of the robustness suite: run a command in-process, and check that a failure was clean.

"Clean" is the README's promise for bad input: a documented exit code, exactly one line on stderr
(``chainrule COMMAND: error: ...``; an expression error adds the expression and a caret under it), no
traceback, no hang, and nothing half-written.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import signal
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis.control import currently_in_test_context

from chainrule.cli.main import main

#: hypothesis settings for every generated probe: reproducible, no example database written into the tree
ROBUST = settings(derandomize=True, database=None, deadline=None, print_blob=False,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip

#: the exit codes of the README's table
DOCUMENTED = {0, 2, 3, 4, 5, 6, 130}


class Hang(Exception):
    """A probe ran past its time limit."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise Hang in the body after ``seconds`` (a resume that rewrites its checkpoint for good, say)."""

    def expire(signum: int, frame: Any) -> None:
        raise Hang(f"still running after {seconds}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_cli(*argv: str, limit: float = 20.0) -> tuple[int, str, str]:
    """``chainrule argv…`` in this process: (exit code, stdout, stderr). Any exception is a failed probe."""
    out, err = io.StringIO(), io.StringIO()
    with time_limit(limit), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse's own exits
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def assert_clean(code: int, stderr: str, command: str, expected: set | int, *words: str) -> str:
    """The failure is one of ``expected`` codes, with one error line naming ``words`` (no traceback)."""
    expected = {expected} if isinstance(expected, int) else expected
    assert code in expected, (code, stderr)
    assert "Traceback" not in stderr, stderr
    lines = stderr.rstrip("\n").splitlines()
    error = [n for n, line in enumerate(lines) if line.startswith(f"chainrule {command}: error: ")]
    assert error, stderr
    assert len(lines) == 1 or (len(lines) == 3 and _caret(lines)), f"more than one line on stderr:\n{stderr}"
    for word in words:
        assert word in stderr, (word, stderr)
    return lines[0]


def _caret(lines: list) -> bool:
    """An expression error: the message, the expression indented, carets under the part at fault."""
    return lines[1].startswith("  ") and set(lines[2].strip()) == {"^"}


def outcome(label: str) -> None:
    """Count ``label`` in hypothesis's statistics (``--hypothesis-show-statistics``) when a probe is generated."""
    if currently_in_test_context():
        event(label)


def snapshot(folder: Path) -> dict:
    """Every file under ``folder`` (hidden ones too) with a digest of its bytes: to show nothing was written."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def peak_bytes(call: Callable[[], Any]) -> tuple[int, Any]:
    """(the peak of memory traced while ``call()`` ran, its exception or result). NumPy's buffers are traced."""
    tracemalloc.start()
    try:
        try:
            result = call()
        except Exception as exc:  # returned, for the caller to judge
            result = exc
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()
