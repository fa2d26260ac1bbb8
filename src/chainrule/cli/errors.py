"""Exit codes of the ``chainrule`` command and the errors that carry them.

Every failure on bad input is one line on stderr, ``chainrule COMMAND: error: ...`` (an expression error
adds the expression and a caret under the part at fault), and one of these codes:

0 success; 1 an unexpected internal error (a bug: the traceback is printed, please report it);
2 bad command line: unknown options, impossible values or sizes that cannot fit in memory, an unsafe,
malformed or too deeply nested expression; 3 a dataset that is missing, unreadable, corrupt or
invalid; 4 an output or run folder problem: unwritable, already used without ``--force``, not a run, a
config.json or checkpoint that is damaged, tampered with or does not match, or a standard output that refuses
what is printed (a full disk); 5 a gradient check that
failed; 6 an optional package that is missing (an extra not installed: Graphviz for ``graph -o`` .svg,
.png or .pdf) or that fails; 130 stopped by Ctrl-C (after saving a checkpoint); 141 the reader of
standard output went away (``| head``), quietly, as the shell reports a program ended by SIGPIPE.
"""

from __future__ import annotations

OK, INTERNAL, USAGE, DATA, RUN_FOLDER, GRADCHECK_FAILED, MISSING_PACKAGE = 0, 1, 2, 3, 4, 5, 6
INTERRUPTED, BROKEN_PIPE = 130, 141


class CLIError(Exception):
    """A user-facing failure: ``main`` prints ``chainrule <command>: error: <message>`` and exits with ``code``."""

    code = INTERNAL

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class UsageError(CLIError):
    code = USAGE


class DataError(CLIError):
    code = DATA


class MissingPackageError(CLIError):
    """An optional package the command needs is not installed (or fails): the message says which extra adds it."""

    code = MISSING_PACKAGE


class OutputError(CLIError):
    code = RUN_FOLDER


class StandardOutputError(OutputError):
    """Standard output refuses what is printed to it (a full disk, a device error; a closed pipe is not this)."""


class RunFolderError(OutputError):
    """A run folder that cannot be written, is already used, or does not match what was asked."""


def one_line(exc: BaseException, shown: int = 3) -> str:
    """An exception as one line for stderr: its first line, then the first ``shown`` of its ``problems`` if any."""
    text = str(exc).strip()
    head = text.splitlines()[0] if text else type(exc).__name__
    problems = getattr(exc, "problems", None) or []
    if problems:
        more = f"; and {len(problems) - shown} more" if len(problems) > shown else ""
        head = f"{head} {'; '.join(problems[:shown])}{more}"
    return head
