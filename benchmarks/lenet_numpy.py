"""The benchmark's LeNet step written by hand in NumPy, as fast as we could make it: the reference of lenet_step.py.

conv 1→8 5×5 padding 2, ReLU, max-pool 2; conv 8→16 5×5, ReLU, max-pool 2; linear 400→10; softmax
cross-entropy; SGD. The same arithmetic as chainrule's layers, with the backward derived on paper and
everything LeNet lets a hand-writer drop: stride 1 only, 2×2 pooling windows that never overlap,
the ReLU's mask applied to the pooled gradient (4× smaller) instead of the full one, no graph.

Convolutions read their input's taps on the *extended grid* (output position ho·Wp + wo of the
flattened padded plane, wo running on to Wp), so that each tap of a plane is one contiguous run;
they work through the batch in chunks of about 1 MiB of unfolded input, laid out sample-major for
the forward GEMMs and K-major (K, chunk · positions) for the backward ones.
"""

from __future__ import annotations

import numpy as np

as_strided = np.lib.stride_tricks.as_strided
CHUNK = 1 << 20
F32 = np.float32


class Conv:
    """A stride-1 convolution with square kernel k and padding p, its weights w (O, C, k, k) and b (O,)."""

    def __init__(self, w: np.ndarray, b: np.ndarray, padding: int) -> None:
        self.w, self.b, self.p = w, b, padding
        self.o, self.c, self.k, _ = w.shape

    def _taps(self, x: np.ndarray) -> tuple:
        """The padded input and its taps (N, C, k, k, L) on the extended grid."""
        p, k = self.p, self.k
        if p:
            xp = np.zeros((x.shape[0], self.c, x.shape[2] + 2 * p, x.shape[3] + 2 * p), F32)
            xp[:, :, p:-p, p:-p] = x
        else:
            xp = np.ascontiguousarray(x)
        n, c, hp, wp = xp.shape
        self.ho, self.wp = hp - k + 1, wp
        self.length = (self.ho - 1) * wp + wp - k + 1
        s = xp.strides
        return xp, as_strided(xp, (n, c, k, k, self.length), (s[0], s[1], wp * 4, 4, 4), writeable=False)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        _, taps = self._taps(x)
        n, ho, wp, length = x.shape[0], self.ho, self.wp, self.length
        wo, per = wp - self.k + 1, self.c * self.k * self.k * length
        step = max(1, CHUNK // (4 * per))
        out = np.empty((n, self.o, ho, wo), F32)
        cols = np.empty((step, per), F32)
        res = np.empty((step, self.o, ho * wp), F32)
        wm = self.w.reshape(self.o, -1)
        for lo in range(0, n, step):
            m = min(step, n - lo)
            c = cols[:m].reshape(taps[lo : lo + m].shape)
            np.copyto(c, taps[lo : lo + m])
            np.matmul(wm, c.reshape(m, -1, length), out=res[:m, :, :length])
            out[lo : lo + m] = res[:m].reshape(m, self.o, ho, wp)[:, :, :, :wo]
        out += self.b.reshape(-1, 1, 1)
        return out

    def backward(self, g: np.ndarray, need_x: bool) -> np.ndarray | None:
        """Sets dw, db; returns dx when ``need_x``."""
        xp, taps = self._taps(self.x)
        taps = taps.transpose(1, 2, 3, 0, 4)  # (C, k, k, N, L)
        n, o, ho, wo = g.shape
        c, k, wp, length = self.c, self.k, self.wp, self.length
        kk, per = c * k * k, c * k * k * length
        step = max(1, CHUNK // (4 * per))
        buf, rows = np.empty(step * per, F32), np.zeros(o * step * length, F32)
        dwt, self.db, ones = np.zeros((kk, o), F32), np.zeros(o, F32), np.ones(step * length, F32)
        wt = self.w.reshape(o, kk).T
        dxp = np.zeros(xp.shape, F32) if need_x else None
        for lo in range(0, n, step):
            m = min(step, n - lo)
            gk = np.ndarray((m, o, ho, wo), F32, rows, strides=(length * 4, m * length * 4, wp * 4, 4))
            gk[...] = g[lo : lo + m]  # g as (O, m, L), zero in the extended grid's extra columns
            gk = rows[: o * m * length].reshape(o, m * length)
            self.db += gk @ ones[: m * length]  # the bias gradient: the rows' sums, by BLAS
            cols = buf[: m * per].reshape(c, k, k, m, length)
            np.copyto(cols, taps[:, :, :, lo : lo + m])
            if kk * o >= 2048:  # one GEMM over the chunk
                dwt += cols.reshape(kk, -1) @ gk.T
            else:  # LeNet's first layer: one small GEMM per sample is faster
                dwt += np.matmul(cols.reshape(kk, m, length).transpose(1, 0, 2),
                                 gk.reshape(o, m, length).transpose(1, 2, 0)).sum(axis=0)  # fmt: skip
            if need_x:
                d = np.matmul(wt, gk, out=buf[: m * per].reshape(kk, m * length)).reshape(c, k, k, m, length)
                flat = dxp[lo : lo + m].reshape(m, c, -1)
                for i in range(k):
                    for j in range(k):
                        flat[:, :, i * wp + j : i * wp + j + length] += d[:, i, j].transpose(1, 0, 2)
        self.dw = dwt.T.reshape(self.w.shape)
        if not need_x:
            return None
        p = self.p
        return dxp[:, :, p:-p, p:-p] if p else dxp


def pool_forward(a: np.ndarray) -> tuple:
    """2×2 max-pooling: (values, flat index of each window's first maximum in ``a``)."""
    n, c, h, w = a.shape
    taps = [a[:, :, i::2, j::2] for i in (0, 1) for j in (0, 1)]
    values = np.maximum(taps[0], taps[1])
    np.maximum(values, taps[2], out=values)
    np.maximum(values, taps[3], out=values)
    before = taps[0] != values
    which = before.astype(np.uint8)
    before &= taps[1] != values
    which += before
    before &= taps[2] != values
    which += before
    index = np.array([0, 1, w, w + 1])[which]
    index += (np.arange(h // 2) * 2 * w)[:, None] + np.arange(w // 2) * 2
    index += (np.arange(n * c) * (h * w)).reshape(n, c, 1, 1)
    return values, index


def pool_relu_backward(g: np.ndarray, pooled: np.ndarray, index: np.ndarray, shape: tuple) -> np.ndarray:
    """The gradient of ReLU then 2×2 max-pooling: g where the pooled maximum was positive, put at its element."""
    d = np.zeros(shape, F32)
    d.reshape(-1)[index] = g * (pooled > 0)
    return d


class LeNet:
    """The benchmark's network: ``step(x, y)`` is one SGD step on a batch, returning the loss."""

    def __init__(self, params: list, lr: float) -> None:
        w1, b1, w2, b2, self.w3, self.b3 = params
        self.conv1, self.conv2, self.lr = Conv(w1, b1, 2), Conv(w2, b2, 0), lr

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        n = x.shape[0]
        z1 = self.conv1.forward(x)
        a1 = np.maximum(z1, 0)
        p1, i1 = pool_forward(a1)
        z2 = self.conv2.forward(p1)
        a2 = np.maximum(z2, 0)
        p2, i2 = pool_forward(a2)
        h = p2.reshape(n, 400)
        logits = h @ self.w3.T + self.b3
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        s = e.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(s[:, 0]) - shifted[np.arange(n), y]))
        d = e / s
        d[np.arange(n), y] -= 1
        d /= n
        dw3, db3 = d.T @ h, d.sum(axis=0)
        dz2 = pool_relu_backward((d @ self.w3).reshape(p2.shape), p2, i2, a2.shape)
        dp1 = self.conv2.backward(dz2, need_x=True)
        dz1 = pool_relu_backward(dp1, p1, i1, a1.shape)
        self.conv1.backward(dz1, need_x=False)
        for p, grad in ((self.conv1.w, self.conv1.dw), (self.conv1.b, self.conv1.db), (self.conv2.w, self.conv2.dw),
                        (self.conv2.b, self.conv2.db), (self.w3, dw3), (self.b3, db3)):  # fmt: skip
            p -= self.lr * grad
        return loss
