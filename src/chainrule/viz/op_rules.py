"""The rules of chainrule's own ops: formula, local gradient (scalars), gate pattern, vector form (tensors).

Every op class in ``chainrule.ops`` has one (a test walks them all). The vector forms
follow the lecture notes: a linear layer z = W a + b per sample (the batch's rows),
∂L/∂W = Σ δ aᵀ, ∂L/∂b = Σ δ, ∂L/∂a = Wᵀ δ; element-wise gates multiply by their
derivative with ∘; losses give their closed forms (softmax cross-entropy: ŷ - y).
"""

from __future__ import annotations

import math

from chainrule.viz.format import number, shape_text
from chainrule.viz.image_rules import IMAGE_RULES
from chainrule.viz.rules import Rule, Site, hadamard, times, upstream

ADD = "add gate: distributes the upstream gradient unchanged to every input"
MUL = "multiply gate: swaps its inputs (each gets the upstream gradient times the other input)"
MAX = "max gate: routes the upstream gradient to the larger input (the other gets 0)"
MIN = "min gate: routes the upstream gradient to the smaller input (the other gets 0)"
ROUTE_POSITIVE = "relu gate: routes the upstream gradient where its input is positive (0 elsewhere)"
LINEAR = "linear layer: z = W a + b for each sample; W's and b's gradients add up over the batch"
ROUTE = "routes the upstream gradient back to where each element came from"


def mm(a: str, b: str) -> str:
    """A matrix product as the notes write it, ``W a``; with a dot between dotted names (``0.weight·x``)."""
    return f"{a}·{b}" if "." in a + b or "/" in a + b else f"{a} {b}"


def tr(a: str) -> str:
    """``aᵀ``, bracketing a compound symbol: ``(∂L/∂q)ᵀ``."""
    return f"({a})ᵀ" if "/" in a or " " in a else f"{a}ᵀ"


def _batch(shape: tuple) -> int:
    """Samples in a layer's input of ``shape`` (all leading axes)."""
    return math.prod(shape[:-1]) if len(shape) > 1 else 1


def _sum_batch(s: Site, expr: str) -> str:
    n = _batch(s.shapes[0])
    return f"Σₙ {expr} (summed over the {n} samples)" if n > 1 else expr


def _linear(s: Site, i: int) -> str:
    a, w, _b = s.names[:3]
    up = upstream(s)
    if i == 0:
        return mm(tr(w), up)
    return _sum_batch(s, mm(up, tr(a)) if i == 1 else up)


def _matmul_formula(n: list) -> str:
    return f"{n[0]} @ {n[1]}"


def _matmul(s: Site, i: int) -> str:
    """C = op(A) op(B): dA = dC Bᵀ, dB = Aᵀ dC (with the transposes the node read its operands with)."""
    a, b = s.names[:2]
    up = upstream(s)
    ta, tb = getattr(s.node, "ta", False), getattr(s.node, "tb", False)
    if i == 0:
        return f"{b} @ {tr(up)}" if ta else f"{up} @ {b}" if tb else f"{up} @ {tr(b)}"
    return f"{a} @ {up}" if ta else f"{tr(up)} @ {a}" if tb else f"{tr(a)} @ {up}"


def group(expr: str) -> str:
    """``expr`` bracketed when it is a sum, difference or quotient at its top level (to be scaled)."""
    depth = 0
    for i, ch in enumerate(expr):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and expr[i : i + 3] in (" - ", " + ", " / "):
            return f"({expr})"
    return expr


def _reduction(s: Site, core: str, count: int) -> str:
    """A loss's gradient: ``core`` per element, ÷ ``count`` for the mean, times the upstream."""
    kind = getattr(s.node, "reduction", "mean")
    if kind == "none":
        return hadamard(upstream(s), group(core))
    text = f"{group(core)}/{count}" if kind == "mean" and count != 1 else core
    return times(s.up, group(text))


def _rows(s: Site) -> int:
    shape = s.shapes[0]
    return shape[0] if len(shape) == 2 else 1


def _cross_entropy(s: Site, i: int) -> tuple[str, str]:
    z, y = s.names[:2]
    note = f"softmax cross-entropy: the notes' δ = ŷ - y per sample, with ŷ = softmax({z}) and y one-hot"
    return _reduction(s, f"softmax({z}) - onehot({y})", _rows(s)), note


def _mse(s: Site, i: int) -> tuple[str, str | None]:
    """2(a - t)/n; times an upstream ½ it is the essay's a - t."""
    a, t = s.names[:2]
    count = math.prod(s.shapes[0]) if getattr(s.node, "reduction", "mean") == "mean" else 1
    text = _reduction(s, f"2({a} - {t})", count)
    c = s.scalar_up() if s.up else 1.0
    if c is None or getattr(s.node, "reduction", "mean") == "none":
        return (text if i == 0 else f"-{text}"), None
    coef = 2 * c / count
    simple = f"({a} - {t})" if coef == 1 else f"{number(coef)}·({a} - {t})"
    note = "½ squared error: the essay's a - t" if coef == 1 else None
    text = text if text == simple else f"{text} = {simple}"
    return (text if i == 0 else f"-[{text}]"), note


def _bce_logits(s: Site, i: int) -> tuple[str, str | None]:
    z, y = s.names[:2]
    if i == 1:
        return _reduction(s, f"-{z}", math.prod(s.shapes[0])), None
    note = f"sigmoid with binary cross-entropy: the notes' δ = ŷ - y per sample, with ŷ = σ({z})"
    return _reduction(s, f"σ({z}) - {y}", math.prod(s.shapes[0])), note


def _bce(s: Site, i: int) -> str:
    p, y = s.names[:2]
    count = math.prod(s.shapes[0])
    if i == 0 and s.up is None and getattr(s.node, "reduction", "mean") == "mean":  # the mean's 1/n below the line
        return f"({p} - {y}) / ({count}·{p}(1 - {p}))" if count != 1 else f"({p} - {y}) / ({p}(1 - {p}))"
    core = f"({p} - {y}) / ({p}(1 - {p}))" if i == 0 else f"log(1 - {p}) - log {p}"
    return _reduction(s, core, count)


def _key(s: Site) -> str:
    key = getattr(s.node, "key", None)
    if key is None:
        return "[…]"
    parts = []
    for k in key if isinstance(key, tuple) else (key,):
        if isinstance(k, slice):
            parts.append(":" if k == slice(None) else f"{'' if k.start is None else k.start}:"
                         f"{'' if k.stop is None else k.stop}" + ("" if k.step in (None, 1) else f":{k.step}"))
        elif k is Ellipsis:
            parts.append("…")
        elif k is None or isinstance(k, int):
            parts.append(str(k))
        else:
            parts.append(f"<{shape_text(getattr(k, 'shape', ()))} index>")
    return f"[{', '.join(parts)}]"


def _count_reduced(s: Site) -> int:
    inner, outer = math.prod(s.shapes[0]), math.prod(s.shapes[-1])
    return inner // outer if outer else 0


def _each(expr: str) -> str:
    return f"{expr} at every element"


def _clip_range(s: Site) -> str:
    lo, hi = getattr(s.node, "lo", None), getattr(s.node, "hi", None)
    low = "" if lo is None else f"{number(lo)} ≤ "
    high = "" if hi is None else f" ≤ {number(hi)}"
    return f"{low}{s.names[0]}{high}"


def _join(s: Site, i: int, verb: str) -> str:
    axis = getattr(s.node, "axis", 0)
    return f"{verb} of {upstream(s)} along axis {axis} that {s.names[i]} fills"


def _holds(i: int) -> str:
    """Which side of ``where(c, a, b)`` operand ``i`` is taken on."""
    return "holds" if i == 0 else "fails"


def _axis_of(s: Site) -> str:
    return f"along axis {getattr(s.node, 'axis', 0)}"


def _norm_local(s: Site) -> str:
    """∂‖a‖_p/∂a for the node's p (PyTorch's: 0 at a zero norm)."""
    a, out = s.names[0], s.names[-1]
    p = getattr(s.node, "p", 2.0)
    if p == 2:
        return f"{a}/{out}"
    if p == 1:
        return f"sign({a})"
    if math.isinf(p):
        return f"sign({a}) at the elements where |{a}| = {out} (shared on ties), 0 elsewhere"
    if p == 0:
        return "0"
    return f"sign({a})·|{a}|^{number(p - 1)} / {out}^{number(p - 1)}"


def _clamp(s: Site, i: int) -> str:
    up, kinds = upstream(s), getattr(s.node, "kinds", ("min", "max"))
    if i == 0:
        return f"{up} where {s.names[0]} is within the bounds, 0 elsewhere"
    side = "below" if kinds[i - 1] == "min" else "above"
    return f"{up} where {s.names[0]} is {side} {s.names[i]} (the bound is the value taken), 0 elsewhere"


def _layer_norm(s: Site, i: int) -> str:
    x, w = s.names[:2]
    up = upstream(s)
    xhat = f"x̂ = ({x} - μ)/√(σ² + ε) per sample"
    return (f"({hadamard(up, w)} - mean - x̂ ∘ mean({hadamard(up, w)} ∘ x̂))/√(σ² + ε), means per sample, {xhat}",
            f"Σₙ {hadamard(up, 'x̂')}, {xhat}", f"Σₙ {up}")[i]  # fmt: skip


def _quotient(n: list, kind: str) -> str:
    """The whole quotient a remainder takes away: ``⌊a/b⌋`` (``%``) or ``trunc(a/b)`` (``fmod``)."""
    return f"⌊{n[0]}/{n[1]}⌋" if kind == "floor" else f"trunc({n[0]}/{n[1]})"


def _remainder(kind: str) -> Rule:
    """``a mod b = a - q·b``: the gradient passes to a unchanged, and to b times -q (q piecewise constant)."""
    return _rule(lambda n: f"{n[0]} - {_quotient(n, kind)}·{n[1]}", lambda n, i: "1" if i == 0
                 else f"-{_quotient(n, kind)}", lambda s, i: upstream(s) if i == 0
                 else f"-{hadamard(s.up, _quotient(s.names, kind))}")  # fmt: skip


def _einsum(s: Site, i: int) -> str:
    """An operand's gradient is itself an einsum: the upstream with the other operands, to its indices."""
    subs, out = getattr(s.node, "subs", None), getattr(s.node, "out", None)
    if subs is None:
        return f"einsum of {upstream(s)} with the other operands"
    others = [f"{upstream(s)}", *(n for k, n in enumerate(s.names[: len(subs)]) if k != i)]
    spec = ",".join([out, *(sub for k, sub in enumerate(subs) if k != i)]) + "->" + subs[i]
    return f"einsum('{spec}', {', '.join(others)})"


def _rule(formula, local, vector, pattern=None) -> Rule:
    return Rule(formula, local, pattern, vector)


def _unary(formula, local, vector, pattern=None) -> Rule:
    """An element-wise op of one input: ∂L/∂a = upstream ∘ (its derivative)."""
    return Rule(formula, local, pattern, lambda s, i: vector(s, upstream(s) if s.up else None))


RULES: dict[str, Rule] = {
    # element-wise arithmetic
    "Add": _rule(lambda n: f"{n[0]} + {n[1]}", lambda n, i: "1", lambda s, i: upstream(s), ADD),
    "Sub": _rule(lambda n: f"{n[0]} - {n[1]}", lambda n, i: "1" if i == 0 else "-1",
                 lambda s, i: upstream(s) if i == 0 else f"-{upstream(s)}", ADD + ", negated for the second"),
    "Mul": _rule(lambda n: f"{n[0]} · {n[1]}", lambda n, i: n[1 - i], lambda s, i: hadamard(s.up, s.names[1 - i]), MUL),
    "Div": _rule(lambda n: f"{n[0]} / {n[1]}", lambda n, i: f"1/{n[1]}" if i == 0 else f"-{n[0]}/{n[1]}²",
                 lambda s, i: f"{upstream(s)} / {s.names[1]}" if i == 0
                 else f"-{hadamard(s.up, s.names[0])} / {s.names[1]}²"),
    "Neg": _rule(lambda n: f"-{n[0]}", lambda n, i: "-1", lambda s, i: f"-{upstream(s)}"),
    "Pow": _rule(lambda n: f"{n[0]}^{n[1]}",
                 lambda n, i: f"{n[1]}·{n[0]}^({n[1]}-1)" if i == 0 else f"{n[2]}·ln {n[0]}",
                 lambda s, i: hadamard(s.up, f"{s.names[1]}·{s.names[0]}^({s.names[1]}-1)" if i == 0
                                       else f"{s.names[2]}·ln {s.names[0]}")),
    "Exp": _unary(lambda n: f"exp({n[0]})", lambda n, i: f"exp({n[0]})", lambda s, up: hadamard(up, s.names[-1])),
    "Log": _unary(lambda n: f"log({n[0]})", lambda n, i: f"1/{n[0]}",
                  lambda s, up: f"{up or 1} / {s.names[0]}"),
    "Sqrt": _unary(lambda n: f"√{n[0]}", lambda n, i: f"1/(2·{n[1]})",
                   lambda s, up: f"{up or 1} / (2·{s.names[-1]})"),
    "Abs": _unary(lambda n: f"|{n[0]}|", lambda n, i: f"sign({n[0]})",
                  lambda s, up: hadamard(up, f"sign({s.names[0]})")),
    "Sin": _unary(lambda n: f"sin({n[0]})", lambda n, i: f"cos({n[0]})",
                  lambda s, up: hadamard(up, f"cos({s.names[0]})")),
    "Cos": _unary(lambda n: f"cos({n[0]})", lambda n, i: f"-sin({n[0]})",
                  lambda s, up: f"-{hadamard(up, f'sin({s.names[0]})')}"),
    "Maximum": _rule(lambda n: f"max({n[0]}, {n[1]})", lambda n, i: f"1 if {n[i]} is the larger else 0",
                     lambda s, i: f"{upstream(s)} where {s.names[i]} is the larger (half on ties), 0 elsewhere", MAX),
    "Minimum": _rule(lambda n: f"min({n[0]}, {n[1]})", lambda n, i: f"1 if {n[i]} is the smaller else 0",
                     lambda s, i: f"{upstream(s)} where {s.names[i]} is the smaller (half on ties), 0 elsewhere", MIN),
    "Clip": _rule(lambda n: f"clip({n[0]})", lambda n, i: "1 inside the range, 0 outside",
                  lambda s, i: f"{upstream(s)} where {_clip_range(s)}, 0 elsewhere"),
    "Where": _rule(lambda n: f"where(c, {n[0]}, {n[1]})", lambda n, i: f"1 where c {_holds(i)}, else 0",
                   lambda s, i: f"{upstream(s)} where c {_holds(i)}, 0 elsewhere"),
    "Cast": _rule(lambda n: f"{n[0]} (cast)", lambda n, i: "1",
                  lambda s, i: f"{upstream(s)}, cast back to {getattr(s.node, 'in_dtype', 'the input dtype')}"),
    # activations
    "Sigmoid": _unary(lambda n: f"σ({n[0]})", lambda n, i: f"{n[1]}·(1 - {n[1]})",
                      lambda s, up: hadamard(up, f"σ({s.names[0]})(1 - σ({s.names[0]}))")),
    "Tanh": _unary(lambda n: f"tanh({n[0]})", lambda n, i: f"1 - {n[1]}²",
                   lambda s, up: hadamard(up, f"(1 - tanh²({s.names[0]}))")),
    "Relu": _unary(lambda n: f"relu({n[0]})", lambda n, i: f"1 if {n[0]} > 0 else 0",
                   lambda s, up: hadamard(up, f"1[{s.names[0]} > 0]"), ROUTE_POSITIVE),
    "Softmax": _unary(lambda n: f"softmax({n[0]})", lambda n, i: f"{n[1]}·(1 - {n[1]}) (its Jacobian's diagonal)",
                      lambda s, up: f"{s.names[-1]} ∘ ({up or 1} - Σⱼ {hadamard(up, s.names[-1])}ⱼ)"),
    "LogSoftmax": _unary(lambda n: f"log softmax({n[0]})", lambda n, i: f"1 - softmax({n[0]}) (the diagonal)",
                         lambda s, up: f"{up or 1} - softmax({s.names[0]}) Σⱼ {up or 1}ⱼ"),
    # reductions
    "Sum": _rule(lambda n: f"Σ {n[0]}", lambda n, i: "1 (for every element)", lambda s, i: _each(upstream(s)), ADD),
    "Mean": _rule(lambda n: f"mean({n[0]})", lambda n, i: "1/n (for every element)",
                  lambda s, i: _each(f"{upstream(s)}/{_count_reduced(s)}")),
    "Max": _rule(lambda n: f"max({n[0]})", lambda n, i: "1 at the maximum, 0 elsewhere",
                 lambda s, i: f"{upstream(s)} at the maximum (shared on ties), 0 elsewhere", MAX),
    "Min": _rule(lambda n: f"min({n[0]})", lambda n, i: "1 at the minimum, 0 elsewhere",
                 lambda s, i: f"{upstream(s)} at the minimum (shared on ties), 0 elsewhere", MIN),
    "Var": _rule(lambda n: f"var({n[0]})", lambda n, i: f"2({n[0]} - mean)/(n - 1)",
                 lambda s, i: hadamard(s.up, f"2({s.names[0]} - mean {s.names[0]})/"
                                             f"{max(0, _count_reduced(s) - getattr(s.node, 'correction', 1))}")),
    "LogSumExp": _rule(lambda n: f"log Σ exp({n[0]})", lambda n, i: f"softmax({n[0]})",
                       lambda s, i: hadamard(s.up, f"softmax({s.names[0]})")),
    # shapes and indexing
    "Reshape": _rule(lambda n: f"reshape({n[0]})", lambda n, i: "1",
                     lambda s, i: f"{upstream(s)} reshaped back to {shape_text(s.shapes[0])}"),
    "Permute": _rule(lambda n: f"{n[0]} permuted", lambda n, i: "1",
                     lambda s, i: f"{upstream(s)} with the axes permuted back"),
    "Expand": _rule(lambda n: f"expand({n[0]})", lambda n, i: "1", lambda s, i: upstream(s), ADD),  # then summed back
    "SumTo": _rule(lambda n: f"sum_to({n[0]})", lambda n, i: "1",
                   lambda s, i: f"{upstream(s)} copied back to {shape_text(s.shapes[0])}"),
    "Clone": _rule(lambda n: f"copy of {n[0]}", lambda n, i: "1", lambda s, i: upstream(s)),
    "Index": _rule(lambda n: f"{n[0]}[…]", lambda n, i: "1 at the selected elements",
                   lambda s, i: f"{upstream(s)} put back at {_key(s)} of zeros shaped {shape_text(s.shapes[0])}",
                   ROUTE),
    "ScatterAdd": _rule(lambda n: f"zeros with {n[0]} added at […]", lambda n, i: "1",
                        lambda s, i: f"{upstream(s)}{_key(s)}"),
    "SetItem": _rule(lambda n: f"{n[0]} with […] = {n[1]}", lambda n, i: "0 at the set elements, else 1" if i == 0
                     else "1", lambda s, i: f"{upstream(s)} with {_key(s)} set to 0" if i == 0
                     else f"{upstream(s)}{_key(s)}"),
    "Concatenate": _rule(lambda n: f"concat({', '.join(n[:-1])})", lambda n, i: "1",
                         lambda s, i: _join(s, i, "the slice")),
    "Stack": _rule(lambda n: f"stack({', '.join(n[:-1])})", lambda n, i: "1", lambda s, i: _join(s, i, "the entry")),
    # matrix products and layers
    "MatMul": _rule(_matmul_formula, lambda n, i: f"(upstream) @ {n[1]}ᵀ" if i == 0 else f"{n[0]}ᵀ @ (upstream)",
                    _matmul, MUL),
    "Linear": _rule(lambda n: f"{mm(n[1], n[0])} + {n[2]}", lambda n, i: (n[1], n[0], "1")[i], _linear, LINEAR),
    # losses (mean over the batch unless reduction says otherwise)
    "CrossEntropy": _rule(lambda n: f"CE(softmax({n[0]}), {n[1]})", lambda n, i: f"softmax({n[0]}) - onehot({n[1]})",
                          _cross_entropy),
    "NLL": _rule(lambda n: f"NLL({n[0]}, {n[1]})", lambda n, i: "-1 at the label, 0 elsewhere",
                 lambda s, i: _reduction(s, f"-onehot({s.names[1]})", _rows(s))),
    "MulticlassSVM": _rule(lambda n: f"SVM({n[0]}, {n[1]})", lambda n, i: "1 per violated margin",
                           lambda s, i: _reduction(s, f"[1[{s.names[0]}ⱼ - {s.names[0]}_y + margin > 0] for j ≠ y, "
                                                      "minus their count at j = y]", _rows(s))),
    "MSE": _rule(lambda n: f"MSE({n[0]}, {n[1]})", lambda n, i: f"2({n[0]} - {n[1]})" if i == 0
                 else f"-2({n[0]} - {n[1]})", _mse),
    "BCEWithLogits": _rule(lambda n: f"BCE(σ({n[0]}), {n[1]})", lambda n, i: f"σ({n[0]}) - {n[1]}" if i == 0
                           else f"-{n[0]}", _bce_logits),
    "BCE": _rule(lambda n: f"BCE({n[0]}, {n[1]})", lambda n, i: f"({n[0]} - {n[1]}) / ({n[0]}(1 - {n[0]}))" if i == 0
                 else f"log(1 - {n[0]}) - log {n[0]}", _bce),
    # PyTorch's further tensor ops and layers
    "Log1p": _unary(lambda n: f"log(1 + {n[0]})", lambda n, i: f"1/(1 + {n[0]})",
                    lambda s, up: f"{up or 1} / (1 + {s.names[0]})"),
    "Expm1": _unary(lambda n: f"exp({n[0]}) - 1", lambda n, i: f"exp({n[0]})",
                    lambda s, up: hadamard(up, f"({s.names[-1]} + 1)")),
    "Remainder": _remainder("floor"),
    "Fmod": _remainder("trunc"),
    "Einsum": _rule(lambda n: f"einsum({', '.join(n[:-1])})", lambda n, i: "the other operands, contracted",
                    _einsum),
    "Repeat": _rule(lambda n: f"repeat({n[0]})", lambda n, i: "1 for each copy",
                    lambda s, i: f"{upstream(s)} with its copies summed back to {shape_text(s.shapes[0])}", ADD),
    "Cumsum": _rule(lambda n: f"cumsum({n[0]})", lambda n, i: "1 for every running sum from it on",
                    lambda s, i: f"Σ over j ≥ k of {upstream(s)}ⱼ (a cumsum from the end) {_axis_of(s)}"),
    "Cumprod": _rule(lambda n: f"cumprod({n[0]})", lambda n, i: "the other factors of each running product from it on",
                     lambda s, i: f"Σ over j ≥ k of {upstream(s)}ⱼ · Π_(i ≤ j, i ≠ k) {s.names[0]}ᵢ {_axis_of(s)}"),
    "Prod": _rule(lambda n: f"Π {n[0]}", lambda n, i: "the product of the other elements",
                  lambda s, i: hadamard(s.up, "the product of the other elements")),
    "Norm": _rule(lambda n: f"‖{n[0]}‖", lambda n, i: "the norm's gradient (0 where the norm is 0)",
                  lambda s, i: hadamard(s.up, _norm_local(s))),
    "Clamp": _rule(lambda n: f"clamp({', '.join(n[:-1])})",
                   lambda n, i: "1 within the bounds, else 0" if i == 0 else "1 where the bound is taken, else 0",
                   _clamp),
    "Erf": _unary(lambda n: f"erf({n[0]})", lambda n, i: f"2/√π·exp(-{n[0]}²)",
                  lambda s, up: hadamard(up, f"2/√π·exp(-{s.names[0]}²)")),
    "Gelu": _unary(lambda n: f"gelu({n[0]})", lambda n, i: f"Φ({n[0]}) + {n[0]}·φ({n[0]})",
                   lambda s, up: hadamard(up, f"(Φ({s.names[0]}) + {s.names[0]}·φ({s.names[0]}))")),
    "Silu": _unary(lambda n: f"{n[0]}·σ({n[0]})", lambda n, i: f"σ({n[0]})(1 + {n[0]}(1 - σ({n[0]})))",
                   lambda s, up: hadamard(up, f"σ({s.names[0]})(1 + {s.names[0]}(1 - σ({s.names[0]})))")),
    "Elu": _unary(lambda n: f"elu({n[0]})", lambda n, i: f"1 if {n[0]} > 0 else α·exp({n[0]})",
                  lambda s, up: hadamard(up, f"(1 if {s.names[0]} > 0 else α·exp({s.names[0]}))")),
    "Softplus": _unary(lambda n: f"softplus({n[0]})", lambda n, i: f"σ(β·{n[0]})",
                       lambda s, up: hadamard(up, f"σ(β·{s.names[0]})")),
    "LayerNorm": _rule(lambda n: f"layer_norm({n[0]})·{n[1]} + {n[2]}",
                       lambda n, i: (f"{n[1]}/√(σ² + ε)·(1 - (1 + x̂²)/n) (the diagonal)", "x̂", "1")[i], _layer_norm),
    "Embedding": _rule(lambda n: f"{n[0]}[indices]", lambda n, i: "1 at the rows looked up",
                       lambda s, i: f"{upstream(s)} added into the rows of {s.names[0]} it looked up", ROUTE),
    **IMAGE_RULES,
}


def combined(activation: Site, loss: Site) -> tuple[str, str] | None:
    """What an activation and the loss right after it give together, and a note naming the notes' δ = ŷ - y.

    The loss's reduction and count scale the per-sample ŷ - y.
    """
    pair = (type(activation.node).__name__, type(loss.node).__name__)
    z, (p, y) = activation.names[0], loss.names[:2]
    if pair == ("Sigmoid", "BCE"):
        core, count, what = f"{p} - {y}", math.prod(loss.shapes[0]), "sigmoid with binary cross-entropy"
    elif pair == ("LogSoftmax", "NLL"):
        core, count, what = f"softmax({z}) - onehot({y})", _rows(loss), "log-softmax with NLL"
    else:
        return None
    return _reduction(loss, core, count), f"{what}: the notes' δ = ŷ - y per sample"
