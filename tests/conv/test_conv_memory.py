"""A convolution's extra memory is one chunk of its unfolded input, not the layer's (what im2col would need)."""

import tracemalloc

import numpy as np

import chainrule as cr
from chainrule.nn import functional_conv as F
from chainrule.ops import conv_kernels


def _peak(f) -> int:
    """Bytes allocated at the peak of ``f()`` beyond what was allocated before it (NumPy reports to tracemalloc)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        f()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def test_a_conv_step_needs_one_chunk_of_unfolded_input_beyond_its_tensors():
    n, c, o, k, size = 256, 8, 16, 5, 14
    x = cr.tensor(np.random.default_rng(0).random((n, c, size, size), dtype=np.float32), requires_grad=True)
    w = cr.tensor(np.random.default_rng(1).random((o, c, k, k), dtype=np.float32), requires_grad=True)
    unfolded = n * c * k * k * (size - k + 1) ** 2 * 4  # what a whole-layer im2col holds: 20 MB
    chunk = conv_kernels.CHUNK_BYTES  # one chunk's unfolded input is about this (1 MiB)
    forward = _peak(lambda: F.conv2d(x, w))
    out = F.conv2d(x, w)
    seed = cr.ones(*out.shape)
    backward = _peak(lambda: out.backward(seed))
    assert forward <= out._data.nbytes + 1.25 * chunk < unfolded / 4
    assert backward <= x._data.nbytes + 1.25 * chunk < unfolded / 4  # x's gradient, and one chunk
