"""Pictures of a convolutional network for the report: the first convolution's filters, and what each convolution
block makes of one test image (its feature maps). matplotlib figures; the caller checks that matplotlib is there."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.autograd.mode import no_grad
from chainrule.creation import tensor
from chainrule.nn import Conv2d
from chainrule.viz.plots.mpl import figure

COLUMNS = 8  # maps per row


def first_conv(model: Any) -> Conv2d | None:
    """The model's first Conv2d layer (None for a network without one)."""
    return next((layer for layer in model.modules() if isinstance(layer, Conv2d)), None)


def plot_filters(conv: Conv2d) -> Any:
    """Each filter of ``conv`` as a k×k image, red positive, blue negative (one colour scale per filter); a filter
    over several input channels shows one row per channel."""
    w = conv.weight.detach().numpy()  # (out, in, kh, kw)
    out, ins = w.shape[:2]
    fig = figure(max(0.9 * out, 3.0), 0.9 * ins + 0.6)
    axes = fig.subplots(ins, out, squeeze=False)
    for j in range(out):
        lim = float(np.abs(w[j]).max()) or 1.0
        for c in range(ins):
            axes[c, j].imshow(w[j, c], cmap="RdBu_r", vmin=-lim, vmax=lim)
            axes[c, j].set_xticks([])
            axes[c, j].set_yticks([])
        axes[0, j].set_title(str(j + 1), fontsize=8)
    channels = "" if ins == 1 else ", one row per input channel"
    fig.suptitle(f"the {out} filters of the first convolution ({w.shape[2]}×{w.shape[3]}{channels})", fontsize=10)
    return fig


def block_outputs(model: Any, image: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """(name, maps (C, H, W)) after the activation of each convolution block, for one image (C, H, W)."""
    x, maps, after_conv = tensor(image[None]), [], None
    model.eval()
    with no_grad():
        for layer in model:
            x = layer(x)
            if isinstance(layer, Conv2d):
                after_conv = f"convolution {len(maps) + 1} ({layer.out_channels} maps {x.shape[2]}×{x.shape[3]})"
            elif after_conv is not None:  # the block's activation
                maps.append((f"{after_conv}, then {type(layer).__name__}", x.numpy()[0]))
                after_conv = None
    return maps


def plot_feature_maps(model: Any, image: np.ndarray, caption: str) -> Any:
    """The test ``image`` (C, H, W) and each convolution block's maps of it (after the activation), a row of up to
    COLUMNS maps at a time, every map on its own grey scale (white: its largest value)."""
    blocks = block_outputs(model, image)
    rows = sum(math.ceil(len(maps) / COLUMNS) for _, maps in blocks)
    fig = figure(1.0 * COLUMNS, 1.05 * (rows + 1) + 0.3 * len(blocks) + 0.3)
    grid = fig.add_gridspec(1 + rows, COLUMNS)
    ax = fig.add_subplot(grid[0, 0])
    ax.imshow(image[0] if image.shape[0] == 1 else image.mean(axis=0), cmap="gray")
    ax.set_title(caption, fontsize=8, loc="left")
    ax.axis("off")
    row = 1
    for name, maps in blocks:
        for k, m in enumerate(maps):
            ax = fig.add_subplot(grid[row + k // COLUMNS, k % COLUMNS])
            ax.imshow(m, cmap="gray", vmin=min(0.0, float(m.min())), vmax=float(m.max()) or 1.0)
            ax.axis("off")
            if k == 0:
                ax.set_title(name, fontsize=8, loc="left")
        row += math.ceil(len(maps) / COLUMNS)
    return fig
