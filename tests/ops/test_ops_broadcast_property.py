"""Property: binary ops on random broadcastable shapes give NumPy's values and summed-back gradients."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chainrule as cr

OPS = {
    "add": (lambda a, b: a + b, lambda a, b, g: (g, g)),
    "sub": (lambda a, b: a - b, lambda a, b, g: (g, -g)),
    "mul": (lambda a, b: a * b, lambda a, b, g: (g * b, g * a)),
    "div": (lambda a, b: a / b, lambda a, b, g: (g / b, -g * a / b**2)),
}


def _sum_to(g, shape):
    """Reference unbroadcast, written independently of the engine's."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g


@settings(max_examples=40, deadline=None, derandomize=True, database=None)  # the same examples in every run
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    op=st.sampled_from(sorted(OPS)),
    seed=st.integers(0, 2**16),
)
def test_binary_ops_broadcast_like_numpy(shapes, op, seed):
    rng = np.random.default_rng(seed)
    (sa, sb), out_shape = shapes.input_shapes, shapes.result_shape
    a, b = rng.uniform(0.5, 2.0, sa), rng.uniform(0.5, 2.0, sb)
    forward, backward = OPS[op]
    x, y = cr.tensor(a, requires_grad=True), cr.tensor(b, requires_grad=True)
    out = forward(x, y)
    g = rng.standard_normal(out_shape)
    out.backward(g)
    np.testing.assert_allclose(out.detach().numpy(), forward(a, b), rtol=1e-12)
    ga, gb = backward(a, b, g)
    np.testing.assert_allclose(x.grad.numpy(), _sum_to(np.broadcast_to(ga, out_shape), sa), rtol=1e-10)
    np.testing.assert_allclose(y.grad.numpy(), _sum_to(np.broadcast_to(gb, out_shape), sb), rtol=1e-10)
    assert x.grad.shape == sa and y.grad.shape == sb
