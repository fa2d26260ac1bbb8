"""The op factory's torch-free checks catch a wrong backward rule, whichever of an op's two rules is wrong.

A plain ``backward()`` runs an op's array rule; ``create_graph=True`` runs its Tensor rule. A
suite that checked only one would pass with the other broken, with or without PyTorch installed.
"""

import pytest

from chainrule.ops.activation import Sigmoid
from chainrule.ops.elementwise import Exp, Mul
from helpers.oracle import Case, check_case

MUL = Case("mul", lambda m, a, b: a * b, [])
EXP = Case("exp", lambda m, a: a.exp(), [], twice=False)  # first order only: the Tensor-rule check alone
SIGMOID = Case("sigmoid", lambda m, a: a.sigmoid(), [], twice=False)


@pytest.mark.parametrize(
    "case, shapes, op, rule, wrong",
    [
        (MUL, ((2, 3), (3,)), Mul, "array_backward", lambda ctx, g: (g * ctx.saved_input_arrays[0], None)),
        (MUL, ((2, 3), (3,)), Mul, "backward", lambda ctx, g: (g * ctx.saved_inputs[0], g * ctx.saved_inputs[1])),
        (EXP, ((3,),), Exp, "array_backward", lambda ctx, g: (g * ctx.saved_output_array * 1.01,)),
        (EXP, ((3,),), Exp, "backward", lambda ctx, g: (g * ctx.saved_output * 1.01,)),
        (SIGMOID, ((4,),), Sigmoid, "backward", lambda ctx, g: (g * ctx.saved_output,)),
    ],
    ids=["mul-array-rule", "mul-tensor-rule", "exp-array-rule", "exp-tensor-rule", "sigmoid-tensor-rule"],
)
def test_the_factory_fails_on_a_wrong_rule(monkeypatch, case, shapes, op, rule, wrong):
    check_case(case, shapes)  # the real rules pass: the failure below is the patch's doing
    monkeypatch.setattr(op, rule, staticmethod(wrong))
    with pytest.raises(AssertionError):  # GradcheckError is an AssertionError
        check_case(case, shapes)
