"""``chainrule graph``: draw an expression's computational graph with values and gradients, and explain it."""

from __future__ import annotations

import argparse
from pathlib import Path

from chainrule.cli.errors import OK, MissingPackageError, OutputError, UsageError
from chainrule.cli.expr import ALLOWED, add_expression_command, evaluate, parse_bindings
from chainrule.viz.format import number

EXAMPLES = f"""\
examples:
  chainrule graph "(x + y) * z" x=-2 y=5 z=-4 -o f.svg --explain
  chainrule graph "1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))" w0=2 x0=-1 w1=-3 x1=-2 w2=-3 -o neuron.png
  chainrule graph "x*x + max(x, y)" x=3 y=1 -o f.dot          # DOT text, no Graphviz needed

EXPR may use {ALLOWED}.
Put EXPR after "--" if it starts with a minus sign: chainrule graph -- "-x*y" x=1 y=2
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    p = add_expression_command(commands, "graph", "draw an expression's graph with values and gradients",
                               __doc__, EXAMPLES)  # fmt: skip
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the drawing (.svg, .png, .pdf or .dot)")
    p.add_argument("--explain", action="store_true", help="print the chain rule step by step")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from chainrule.viz import Graph, RenderError, draw, explain
    from chainrule.viz.render import FORMATS

    if args.output is not None:  # a bad argument or a missing Graphviz: refused before any work
        fmt = FORMATS.get(args.output.suffix.lower())
        if fmt is None:
            raise UsageError(f"-o {args.output}: use a .svg, .png, .pdf or .dot file name (the suffix picks the "
                             "format)")  # fmt: skip
        try:
            Graph("digraph {}").pipe(fmt)  # renders through the drawing's own path: Graphviz, where .dot needs none
        except RenderError as exc:
            raise MissingPackageError(f"-o {args.output}: {exc}") from None
    out, leaves = evaluate(args.expr, parse_bindings(args.values))
    out.name = "f"
    drawing = draw(out)  # computes the gradients it shows without freeing the graph
    if args.explain:
        explain(out)
    grads = ", ".join(f"∂f/∂{n} = {number(_grad(out, t))}" for n, t in leaves.items())
    print(f"f = {number(out.item())}" + (f";  {grads}" if grads else ""))
    if args.output is not None:
        try:
            drawing.save(args.output)
        except RenderError as exc:  # Graphviz is there (checked above) but failed on this drawing
            raise MissingPackageError(str(exc)) from None
        except OSError as exc:  # an errno's words, or chainrule's own sentence (which names the file)
            raise OutputError(f"cannot write {args.output}: {exc.strerror}" if exc.errno else str(exc)) from None
        print(f"wrote {args.output}")
    return OK


def _grad(out, leaf) -> float:
    import chainrule as cr

    (g,) = cr.autograd.grad(out, [leaf], retain_graph=True, allow_unused=True)
    return 0.0 if g is None else float(g.item())
