"""``chainrule``: the argparse front end. Each command lives in its own module with ``add_parser`` and ``run``."""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

from chainrule import __version__, backend
from chainrule.cli import eval as eval_cmd
from chainrule.cli import gradcheck, graph, train
from chainrule.cli.errors import BROKEN_PIPE, INTERRUPTED, USAGE, CLIError
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
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # what --workers hands on to mpiexec
    if extra:  # argparse would word this as the top-level command's error
        parser.commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.run(args)
    except CLIError as exc:
        print(f"chainrule {args.command}: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(f"chainrule {args.command}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:  # stdout closed by its reader (``chainrule train | head``): stop quietly, as cat does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes it
        return BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
