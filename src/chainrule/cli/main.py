"""``chainrule``: the argparse front end. Each command lives in its own module with ``add_parser`` and ``run``."""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

from chainrule import __version__, backend
from chainrule.cli import eval as eval_cmd
from chainrule.cli import gradcheck, graph, train
from chainrule.cli.errors import BROKEN_PIPE, INTERRUPTED, USAGE, CLIError, StandardOutputError
from chainrule.cli.options import HelpFormatter

EXAMPLES = """\
examples:
  chainrule train                                  # train on the MNIST sample shipped with chainrule
  chainrule eval runs/20250101-120000              # test metrics of a saved run
  chainrule graph "(x + y) * z" x=-2 y=5 z=-4 -o f.svg --explain
  chainrule gradcheck "sigmoid(w0*x0 + w1*x1 + w2)" w0=2 x0=-1 w1=-3 x1=-2 w2=-3

Run "chainrule COMMAND --help" for each command's options.
"""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is the README's one line on stderr (with where to look) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="chainrule", description="Reverse-mode autodiff on a computational graph: train, see and verify.",
        epilog=EXAMPLES, formatter_class=HelpFormatter,
    )  # fmt: skip
    parser.add_argument("--version", action="version", version=f"chainrule {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (train, eval_cmd, graph, gradcheck):
        module.add_parser(commands)
    parser.commands = commands.choices  # each command's parser, to word its own errors
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (see :mod:`chainrule.cli.errors`)."""
    backend.keep_freed_memory()  # the command owns its process: reuse freed memory (CHAINRULE_MALLOC=default declines)
    _closed_streams_to_devnull()
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # what --workers hands on to mpiexec
    if extra:  # argparse would word this as the top-level command's error
        parser.commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    stdout, sys.stdout = sys.stdout, _Guarded(sys.stdout)
    try:
        code = args.run(args)
        sys.stdout.flush()  # a full disk or a closed pipe is reported here, not at exit
        return code
    except CLIError as exc:
        if isinstance(exc, StandardOutputError):
            _stdout_to_devnull(stdout)
        print(f"chainrule {args.command}: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(f"chainrule {args.command}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:  # stdout closed by its reader (``chainrule train | head``): stop quietly, as cat does
        _stdout_to_devnull(stdout)
        return BROKEN_PIPE
    finally:
        sys.stdout = stdout


class _Guarded:
    """Standard output whose failures other than a closed pipe (a full disk) are a StandardOutputError: the
    command's one-line error, not an OSError taken for the run folder's or a traceback."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._guarded(self._stream.write, text)

    def flush(self) -> None:
        self._guarded(self._stream.flush)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)

    @staticmethod
    def _guarded(call, *args):
        try:
            return call(*args)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise StandardOutputError(f"cannot write to standard output: {exc.strerror or exc}") from None


def _stdout_to_devnull(stdout) -> None:
    """Send what is left in stdout's buffer to /dev/null: no second error when Python flushes it at exit."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), stdout.fileno())


def _closed_streams_to_devnull() -> None:
    """Started with stdout or stderr closed (``2>&-``: Python sets it to None): write to /dev/null instead."""
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w"))  # noqa: SIM115 (open for the whole process)


if __name__ == "__main__":
    sys.exit(main())
