"""``chainrule gradcheck``: an expression's gradients by backpropagation and by central differences, side by side."""

from __future__ import annotations

import argparse
import math

from chainrule.cli.errors import GRADCHECK_FAILED, OK, UsageError
from chainrule.cli.expr import ALLOWED, add_expression_command, evaluate, function, parse_bindings

EXAMPLES = f"""\
examples:
  chainrule gradcheck "(x + y) * z" x=-2 y=5 z=-4
  chainrule gradcheck "sigmoid(w0*x0 + w1*x1 + w2)" w0=2 x0=-1 w1=-3 x1=-2 w2=-3
  chainrule gradcheck "relu(x) * y + y" x=0 y=2     # x=0 is a kink: flagged, not failed
  chainrule gradcheck "log(x)" x=-1                 # outside log's domain: NaN, a failure (exit 5)
  chainrule gradcheck "x * x" x=0                   # every gradient is 0: not informative (exit 5)

EXPR may use {ALLOWED}.
Both backward passes are checked: a plain backward() (the ops' array rules) and
backward(create_graph=True) (their Tensor rules, used for higher derivatives).
Each gradient is "ok", "MISMATCH" (|analytic - numerical| > atol + rtol*|numerical|),
"NaN/Inf" (a failure, with a hint), "both ≈ 0" (both within atol of 0: says nothing)
or "kink" (a relu, abs, max ... changes branch within ±eps: neither passes nor fails).

exit codes:
  0  passed: every gradient agrees and at least one was compared meaningfully
  5  failed: a gradient disagrees or is NaN/Inf
  5  not informative: every gradient is ≈ 0 or at a kink, so a wrong backward would
     pass too (the last line says "not informative"); check at another point
  2  a bad command line (an unsafe expression, eps <= 0 or not finite ...)
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    p = add_expression_command(commands, "gradcheck", "analytic vs numerical gradients of an expression",
                               __doc__, EXAMPLES)  # fmt: skip
    p.add_argument("--eps", type=float, default=1e-6, help="finite-difference step (finite, > 0)")
    p.add_argument("--atol", type=float, default=1e-5, help="absolute tolerance; also what counts as ≈ 0")
    p.add_argument("--rtol", type=float, default=1e-3, help="relative tolerance")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from chainrule.check import element_cells, gradcheck_report
    from chainrule.check.report import RULES

    if not (math.isfinite(args.eps) and args.eps > 0):
        raise UsageError(f"need a finite --eps > 0 (e.g. 1e-6), got {args.eps}")
    if not all(math.isfinite(v) and v >= 0 for v in (args.atol, args.rtol)):
        raise UsageError(f"need finite --atol >= 0 and --rtol >= 0, got {args.atol}, {args.rtol}")
    out, leaves = evaluate(args.expr, parse_bindings(args.values))
    if not leaves:
        raise UsageError(f"{args.expr.strip()!r} has no variables to differentiate; give e.g. x=1")
    f, inputs = function(args.expr, list(leaves)), list(leaves.values())
    report = gradcheck_report(f, inputs, eps=args.eps, atol=args.atol, rtol=args.rtol, worst=1)
    print(f"f = {args.expr.strip()} = {out.item():.10g}")
    for rule, checks in report.passes():
        if not report.rules_agree:
            print(f"{rule} ({RULES[rule]}):")
        print(f"{'input':<10}{'value':>12}{'analytic':>14}{'numerical':>14}{'abs err':>11}{'rel err':>11}  result")
        for (name, leaf), check in zip(leaves.items(), checks):
            (e,) = check.worst
            a, n, abs_err, rel, result = element_cells(e)
            note = f"  ({e.note})" if e.note else ""
            print(f"{name:<10}{leaf.item():>12.6g}{a:>14}{n:>14}{abs_err:>11}{rel:>11}  {result}{note}")
    print("\n".join([*report.remarks(), report.summary()]))
    return OK if report.passed else GRADCHECK_FAILED
