"""The NumPy kernels of convolution: forward, and both gradients in one pass over the batch.

Each works through the batch in chunks of a few samples (``windows.chunks``), so that a chunk's
unfolded input (im2col, its one copy) is still in the CPU's cache when it is multiplied, and so
that no more than one chunk of it exists at a time: beyond its input, output and gradients, a
convolution needs one chunk's unfolded input (about ``CHUNK_BYTES``), not the whole layer's.

Per chunk of B samples, with K = C/groups · kh · kw and P the positions of an output plane:

- forward: ``cols`` (B, groups, K, P) ← the taps of x;  out = w (groups, O/groups, K) @ cols;
- backward, with the chunk laid out K-major, cols (groups, K, B·P) and g (groups, O/groups, B·P),
  so that each product is one GEMM whose inner size runs over the whole chunk:
  weight gradient Σ g @ colsᵀ (as cols @ gᵀ), and input gradient D = wᵀ @ g followed by col2im,
  kh · kw strided additions of D's taps into the padded input (``windows.fold_add``).
"""

from __future__ import annotations

from chainrule.backend import xp
from chainrule.ops import windows

#: Bytes of unfolded input per chunk. LeNet's step (benchmarks/lenet_step.py) is as fast with 0.5–2 MiB;
#: 1 MiB keeps its peak memory within PyTorch's plus one layer's unfolded input at batch 64 too.
CHUNK_BYTES = 1 << 20
#: Weight gradients with fewer elements per group than this are summed sample by sample (``_weight_product``).
SMALL_PRODUCT = 2048


def _sizes(geom, channels: int, groups: int) -> tuple:
    """(positions per plane, K per group, elements of one sample's unfolded input)."""
    p = geom.positions if geom.extended else geom.out[0] * geom.out[1]
    k = channels // groups * geom.taps
    return p, k, channels * geom.taps * p


def conv_forward(x, w, b, geom, groups: int):
    """Conv2d of x (N, C, H, W) with w (O, C/groups, kh, kw), plus b (O,) unless None → (N, O, Ho, Wo)."""
    n, c = x.shape[:2]
    o = w.shape[0]
    og, (ho, wo), ext = o // groups, geom.out, geom.extended
    p, k, per_sample = _sizes(geom, c, groups)
    out = xp.empty((n, o, ho, wo), x.dtype)
    if not out.size:
        return out
    views = windows.tap_views(windows.pad_planes(x, geom), geom, ext)
    wg = w.reshape(groups, og, k)
    bias = None if b is None else b.reshape(o, 1, 1)
    steps = windows.chunks(n, per_sample * x.itemsize, CHUNK_BYTES)
    first = steps[0][1]
    cols_buf = xp.empty((first, per_sample), x.dtype)
    row = geom.padded[1]  # on the extended grid, output rows are Wp apart
    res_buf = xp.empty((first, groups, og, ho * row), x.dtype) if ext else None
    for lo, hi in steps:
        m = hi - lo
        cols = cols_buf[:m].reshape(views[lo:hi].shape)
        xp.copyto(cols, views[lo:hi])
        cols = cols.reshape(m, groups, k, p)
        if ext:
            xp.matmul(wg, cols, out=res_buf[:m, :, :, :p])
            out[lo:hi] = res_buf[:m].reshape(m, o, ho, row)[:, :, :, :wo]
        else:
            xp.matmul(wg, cols, out=out[lo:hi].reshape(m, groups, og, p))
        if bias is not None:
            out[lo:hi] += bias
    return out


def conv_backward(x, g, w, geom, groups: int, x_shape: tuple, need_x: bool, need_w: bool, w_shape=None,
                  need_b: bool = False) -> tuple:
    """(dx, dw, db) of a Conv2d for its output gradient g (N, O, Ho, Wo); each None unless asked for.

    dx (of shape ``x_shape``; x itself may be None) needs w; dw (of ``w_shape``, w's shape by
    default; w may be None) needs x; db is g summed over N, Ho and Wo. All come from one pass
    over the batch, sharing g's chunks.
    """
    n, c = x_shape[:2]
    o = g.shape[1]
    og, (kh, kw), ext = o // groups, geom.kernel, geom.extended
    w_shape = w.shape if w_shape is None else w_shape
    p, k, per_sample = _sizes(geom, c, groups)
    grid = (p,) if ext else geom.out
    dtype = g.dtype
    dxp = xp.zeros((n, c) + geom.padded, dtype) if need_x else None
    dwt = xp.zeros((groups, k, og), dtype) if need_w else None  # dwᵀ, accumulated as cols @ gᵀ
    db = xp.zeros(o, dtype) if need_b else None
    if n and g.size:
        steps = windows.chunks(n, per_sample * g.itemsize, CHUNK_BYTES)
        first = steps[0][1]
        g_buf = xp.zeros(o * first * p, dtype)  # its extra columns on the extended grid stay 0
        buf = xp.empty(first * per_sample, dtype)  # a chunk's cols, then (once dw has it) its D
        ones = xp.ones(first * p, dtype) if need_b else None
        if need_w:
            views = windows.tap_views(windows.pad_planes(x, geom), geom, ext)
            views = views.transpose((1, 2, 3, 0) + tuple(range(4, views.ndim)))  # (C, kh, kw, N, *grid)
        if need_x:
            wt = w.reshape(groups, og, k).swapaxes(1, 2)
        for lo, hi in steps:
            m = hi - lo
            gk = _gradient_rows(g[lo:hi], g_buf, geom)
            if need_b:  # the rows' sums, by BLAS: 3 times faster than g.sum(axis=(0, 2, 3))
                db += gk.reshape(o, m * p) @ ones[: m * p]
            gk = gk.reshape(groups, og, m * p)
            if need_w:
                cols = buf[: m * per_sample].reshape((c, kh, kw, m) + grid)
                xp.copyto(cols, views[:, :, :, lo:hi])
                dwt += _weight_product(cols.reshape(groups, k, m, p), gk.reshape(groups, og, m, p))
            if need_x:
                # with one output channel per group the product is an outer one, which OpenBLAS's GEMM
                # does about 5 times slower than broadcasting (depthwise convolutions); same numbers
                product = xp.multiply if og == 1 else xp.matmul
                d = product(wt, gk, out=buf[: m * per_sample].reshape(groups, k, m * p))
                taps = d.reshape((c, kh, kw, m) + grid).transpose((3, 0, 1, 2) + tuple(range(4, 4 + len(grid))))
                windows.fold_add(dxp[lo:hi], taps, geom, ext)
    dx = windows.crop(dxp, geom) if need_x else None
    return dx, (dwt.swapaxes(1, 2).reshape(w_shape) if need_w else None), db


def _weight_product(cols, gk):
    """Σ over a chunk's samples of cols @ gᵀ: cols (groups, K, B, P), g (groups, O/groups, B, P) → (groups, K, O/g).

    One GEMM over the whole chunk (inner size B·P) when the result is large; one per sample when it
    is small (K · O/groups < SMALL_PRODUCT), where OpenBLAS spends more time packing the long
    operands than multiplying: measured 2–3× faster for LeNet's first layer, equal at 3,200.
    """
    groups, k, m, p = cols.shape
    og = gk.shape[1]
    if k * og >= SMALL_PRODUCT:
        return xp.matmul(cols.reshape(groups, k, m * p), gk.reshape(groups, og, m * p).swapaxes(1, 2))
    return xp.matmul(cols.transpose(2, 0, 1, 3), gk.transpose(2, 0, 3, 1)).sum(axis=0)


def _gradient_rows(g, buf, geom):
    """An output gradient chunk g (B, O, Ho, Wo) written into ``buf`` as (O, B, P): position (ho, wo) at
    ho · row + wo of its plane's P, row = Wp on the extended grid (whose extra columns ``buf`` keeps 0)."""
    m, o, ho, wo = g.shape
    p = geom.positions if geom.extended else ho * wo
    row = geom.padded[1] if geom.extended else wo
    size = buf.itemsize
    rows = xp.ndarray((m, o, ho, wo), buf.dtype, buffer=buf, strides=(p * size, m * p * size, row * size, size))
    rows[...] = g
    return buf[: o * m * p].reshape(o, m, p)
