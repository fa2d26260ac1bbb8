"""``einsum``: NumPy's forward, and each operand's gradient as another einsum (as PyTorch's).

The gradient of operand i is the einsum of the output's gradient with the other operands into
operand i's subscripts; a subscript that appears only in operand i (summed over alone) is
broadcast back. Subscripts must be letters (no ``...``), each at most once per operand.
"""

from __future__ import annotations

from typing import Any

from chainrule.autograd.function import Primitive
from chainrule.backend import xp
from chainrule.tensor import Tensor, as_operand


def parse(equation: str, count: int) -> tuple:
    """The subscripts of each operand and of the output, from an explicit or implicit equation."""
    eq = equation.replace(" ", "")
    inputs, arrow, output = eq.partition("->")
    subs = inputs.split(",")
    letters = "".join(subs)
    if "." in eq or not all(c.isalpha() for c in letters + output):
        raise ValueError(f"einsum: {equation!r}: only letters are supported as subscripts (no '...')")
    if len(subs) != count:
        raise ValueError(f"einsum: {equation!r} has {len(subs)} operand(s), {count} tensor(s) given")
    for s in subs:
        if len(set(s)) != len(s):
            raise ValueError(f"einsum: {equation!r}: a subscript repeated within one operand ({s!r}) is not supported")
    if not arrow:
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return tuple(subs), output


class Einsum(Primitive):
    label = "einsum"
    saves_inputs = True

    @staticmethod
    def forward(ctx, *arrays, subs, out):
        ctx.subs, ctx.out = subs, out
        return xp.einsum(",".join(subs) + "->" + out, *arrays)

    @staticmethod
    def backward(ctx, g):
        operands = ctx.saved_inputs
        grads = []
        for i, (need, sub) in enumerate(zip(ctx.needs_input_grad, ctx.subs)):
            if not need:
                grads.append(None)
                continue
            others = [(s, t) for j, (s, t) in enumerate(zip(ctx.subs, operands)) if j != i]
            present = set(ctx.out).union(*(s for s, _ in others))
            kept = "".join(c for c in sub if c in present)
            grad = Einsum.apply(g, *(t for _, t in others), subs=(ctx.out, *(s for s, _ in others)), out=kept)
            if kept != sub:  # summed over in this operand alone: the same gradient at every position
                shape = operands[i].shape
                grad = grad.reshape(*(shape[k] if c in present else 1 for k, c in enumerate(sub))).expand(*shape)
            grads.append(grad)
        return tuple(grads)


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation over ``operands`` (letters as subscripts, ``->`` optional), as ``torch.einsum``."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    subs, out = parse(equation, len(operands))
    tensors = [as_operand(a, "einsum") for a in operands]
    for s, t in zip(subs, tensors):
        if not isinstance(t, Tensor) or len(s) != t.ndim:
            raise ValueError(f"einsum: {equation!r}: subscripts {s!r} for an operand of shape {xp.shape(t)}")
    return Einsum.apply(*tensors, subs=subs, out=out)
