"""The sigmoid and its derivative, with the saturated regions where σ'(x) is almost zero."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.viz.plots.mpl import figure


def plot_sigmoid(saturation: float = 6.0, span: float = 10.0) -> Any:
    """σ(x) = 1 / (1 + e^{−x}) and σ'(x) = σ(x)(1 − σ(x)) on [−span, span], the regions |x| > ``saturation``
    shaded: there σ is almost 0 or 1 and σ' < σ'(saturation), so a unit's weights barely learn (the essay's
    interval [−6, 6]). Values and derivatives are computed by chainrule.
    """
    import chainrule as cr

    xs = np.linspace(-span, span, 801)
    x = cr.tensor(xs, dtype=cr.float64, requires_grad=True)
    y = x.sigmoid()
    y.sum().backward()
    values, slopes = y.detach().numpy(), x.grad.numpy()
    edge = float(1 / (1 + np.exp(-saturation)))
    fig = figure(6.4, 3.8)
    ax = fig.add_subplot()
    for lo, hi in ((-span, -saturation), (saturation, span)):
        ax.axvspan(lo, hi, color="0.85", zorder=0)
    ax.plot(xs, values, color="C0", lw=2, label="σ(x)")
    ax.plot(xs, slopes, color="C3", lw=2, ls="--", label="σ'(x) = σ(x)(1 − σ(x))")
    ax.annotate("σ'(0) = 0.25", (0, 0.25), (1.2, 0.4), arrowprops={"arrowstyle": "->"}, fontsize=9)
    for side, ha in ((-1, "left"), (1, "right")):
        ax.text(side * (span - 0.3), 0.62, f"saturated\n|x| > {saturation:g}\nσ' < {edge * (1 - edge):.4f}",
                ha=ha, va="center", fontsize=9)  # fmt: skip
    ax.axhline(0, color="0.5", lw=0.6)
    ax.axhline(1, color="0.5", lw=0.6, ls=":")
    ax.set_xlim(-span, span)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("x (a unit's input z)")
    ax.set_title("the sigmoid saturates: outside the unshaded band its slope is almost 0")
    ax.legend(loc="upper left", fontsize=9)
    return fig
