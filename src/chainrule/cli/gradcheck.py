"""``chainrule gradcheck``: an expression's gradients by backpropagation and by central differences, side by side."""

from __future__ import annotations

import argparse

from chainrule.cli.errors import GRADCHECK_FAILED, OK, UsageError
from chainrule.cli.expr import ALLOWED, add_expression_command, evaluate, function, parse_bindings

EXAMPLES = f"""\
examples:
  chainrule gradcheck "(x + y) * z" x=-2 y=5 z=-4
  chainrule gradcheck "sigmoid(w0*x0 + w1*x1 + w2)" w0=2 x0=-1 w1=-3 x1=-2 w2=-3
  chainrule gradcheck "relu(x) * y" x=0 y=2 --eps 1e-4     # x=0 is a kink: flagged, not failed

EXPR may use {ALLOWED}.
Exit code 0 when every gradient agrees, 5 when one does not.
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    p = add_expression_command(commands, "gradcheck", "analytic vs numerical gradients of an expression",
                               __doc__, EXAMPLES)  # fmt: skip
    p.add_argument("--eps", type=float, default=1e-6, help="finite-difference step")
    p.add_argument("--atol", type=float, default=1e-5, help="absolute tolerance")
    p.add_argument("--rtol", type=float, default=1e-3, help="relative tolerance")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from chainrule.autograd import grad
    from chainrule.check import gradcheck_report, numerical_grad

    if not (args.eps > 0 and args.atol >= 0 and args.rtol >= 0):
        raise UsageError(f"need --eps > 0, --atol >= 0 and --rtol >= 0, got {args.eps}, {args.atol}, {args.rtol}")
    out, leaves = evaluate(args.expr, parse_bindings(args.values))
    if not leaves:
        raise UsageError(f"{args.expr.strip()!r} has no variables to differentiate; give e.g. x=1")
    f, inputs = function(args.expr, list(leaves)), list(leaves.values())
    report = gradcheck_report(f, inputs, eps=args.eps, atol=args.atol, rtol=args.rtol)
    analytic = [0.0 if g is None else g.item() for g in grad(out, inputs, allow_unused=True)]
    numerical = [float(g) for g in numerical_grad(f, inputs, eps=args.eps)]
    print(f"f = {args.expr.strip()} = {out.item():.10g}")
    print(f"{'input':<10}{'value':>14}{'analytic':>16}{'numerical':>16}{'abs err':>11}{'rel err':>11}  result")
    for (name, leaf), check, a, n in zip(leaves.items(), report.inputs, analytic, numerical):
        result = "ok" if not check.failed else "MISMATCH"
        result += "  (kink: the branch changes within ±eps)" if check.kinks else ""
        print(f"{name:<10}{leaf.item():>14.6g}{a:>16.8g}{n:>16.8g}{abs(a - n):>11.2e}{check.max_rel_error:>11.2e}"
              f"  {result}")  # fmt: skip
    verdict = "passed" if report.passed else "FAILED"
    print(f"gradcheck {verdict} (eps={args.eps:g}, atol={args.atol:g}, rtol={args.rtol:g})")
    return OK if report.passed else GRADCHECK_FAILED
