"""The narration rules of the image ops: convolution, im2col, pooling, padding, batch normalisation.

Their vector forms name the adjoint each gradient is (a convolution's input gradient is a
transposed convolution of δ with the same weights), as ``chainrule.ops.conv`` computes them.
"""

from __future__ import annotations

from chainrule.viz.rules import Rule, Site, hadamard, upstream


def _conv(s: Site, i: int) -> str:
    x, w = s.names[:2]
    up = upstream(s)
    return (f"conv_transpose2d({up}, {w}) (every window's upstream back through the same weights)",
            f"Σₙ correlation of {x} with {up} (each weight: the inputs it met times their window's upstream)",
            f"Σ {up} over the samples and positions of each channel")[i]  # fmt: skip


def _conv_transpose(s: Site, i: int) -> str:
    g, w = s.names[:2]
    return f"conv2d({upstream(s)}, {w})" if i == 0 else f"conv2d_weight({upstream(s)}, {g})"


def _conv_weight(s: Site, i: int) -> str:
    x, g = s.names[:2]
    return f"conv_transpose2d({g}, {upstream(s)})" if i == 0 else f"conv2d({x}, {upstream(s)})"


def _batch_norm(s: Site, i: int) -> str:
    x, w = s.names[:2]
    up = upstream(s)
    xhat = f"x̂ = ({x} - μ)/√(σ² + ε)"
    return (f"{w}/√(σ² + ε) ∘ ({up} - mean {up} - x̂ ∘ mean({hadamard(up, 'x̂')})), means per channel, {xhat}",
            f"Σ {hadamard(up, 'x̂')} per channel, {xhat}", f"Σ {up} per channel")[i]  # fmt: skip


def _rule(formula, local, vector) -> Rule:
    return Rule(formula, local, None, vector)


IMAGE_RULES: dict[str, Rule] = {
    "Conv": _rule(lambda n: f"conv2d({n[0]}, {n[1]})", lambda n, i: ("w (per window)", "x (per window)")[i], _conv),
    "BiasedConv": _rule(lambda n: f"conv2d({n[0]}, {n[1]}) + {n[2]}",
                        lambda n, i: ("w (per window)", "x (per window)", "1")[i], _conv),
    "ConvTranspose": _rule(lambda n: f"conv_transpose2d({n[0]}, {n[1]})", lambda n, i: "the adjoint of conv2d",
                           _conv_transpose),
    "ConvWeight": _rule(lambda n: f"conv2d_weight({n[0]}, {n[1]})", lambda n, i: "the adjoint of conv2d",
                        _conv_weight),
    "Unfold": _rule(lambda n: f"unfold({n[0]})", lambda n, i: "1 per tap",
                    lambda s, i: f"fold({upstream(s)}): each window's column added back onto its pixels"),
    "Fold": _rule(lambda n: f"fold({n[0]})", lambda n, i: "1 per tap",
                  lambda s, i: f"unfold({upstream(s)}): each pixel's gradient copied to every window holding it"),
    "MaxPool": _rule(lambda n: f"max_pool2d({n[0]})", lambda n, i: "1 at each window's maximum, 0 elsewhere",
                     lambda s, i: f"{upstream(s)} at each window's maximum, 0 elsewhere (added where shared)"),
    "Gather": _rule(lambda n: f"{n[0]} at the chosen positions", lambda n, i: "1 at the chosen positions",
                    lambda s, i: f"{upstream(s)} put back at the chosen positions of zeros"),
    "Scatter": _rule(lambda n: f"zeros with {n[0]} at the chosen positions", lambda n, i: "1",
                     lambda s, i: f"{upstream(s)} read at the chosen positions"),
    "AvgPool": _rule(lambda n: f"avg_pool2d({n[0]})", lambda n, i: "1/(window size) per tap",
                     lambda s, i: f"{upstream(s)}/(window size) spread over each window's taps"),
    "AvgPoolAdjoint": _rule(lambda n: f"avg_pool2d's adjoint of {n[0]}", lambda n, i: "1/(window size) per tap",
                            lambda s, i: f"avg_pool2d({upstream(s)}): each window's mean of the upstream"),
    "Pad": _rule(lambda n: f"pad({n[0]})", lambda n, i: "1 inside, the padding gets nothing",
                 lambda s, i: f"the inner part of {upstream(s)} (the padding gets no gradient)"),
    "BatchNorm": _rule(lambda n: f"{n[1]} ∘ ({n[0]} - μ)/√(σ² + ε) + {n[2]}",
                       lambda n, i: ("w/√(σ² + ε) (and the batch statistics' share)", "x̂", "1")[i], _batch_norm),
}
