"""Expressions that reach every image op (convolution, pooling, padding, batch norm) and their derivatives.

Shared by tests/conv (their array rules against their Tensor rules) and the array-rule census in
tests/autograd, so that one list serves both.
"""

import chainrule as cr
from chainrule.nn import functional_conv as F


def _grad(f, wrt=0):
    """A function of the same inputs giving ∂(Σ f²)/∂ input ``wrt``, recorded: its graph holds the ops' derivatives."""
    def g(*xs):
        return cr.autograd.grad((f(*xs) ** 2).sum(), [xs[wrt]], create_graph=True)[0]
    return g


CASES = [
    (lambda x, w, b: F.conv2d(x, w, b, padding=1), [(2, 2, 5, 5), (3, 2, 3, 3), (3,)]),
    (lambda x, w: F.conv2d(x, w, stride=2, groups=2), [(2, 2, 5, 6), (2, 1, 2, 3)]),
    (_grad(lambda x, w: F.conv2d(x, w, padding=1), wrt=1), [(2, 2, 5, 5), (3, 2, 3, 3)]),
    (lambda x, w: F.conv_transpose2d(x, w, stride=2, output_padding=1), [(1, 2, 3, 3), (2, 3, 3, 3)]),
    (lambda x: F.fold(F.unfold(x, 2, padding=1) * 1.5, (4, 5), 2, padding=1), [(2, 3, 4, 5)]),
    (lambda x: F.max_pool2d(x, 2), [(2, 3, 4, 6)]),
    (lambda x: F.max_pool2d(x, 3, stride=1, padding=1), [(1, 2, 4, 4)]),
    (_grad(_grad(lambda x: F.max_pool2d(x, 2))), [(1, 2, 4, 4)]),
    (_grad(lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)), [(2, 2, 5, 5)]),
    (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [(4, 3, 2, 2), (3,), (3,)]),
    (lambda x: F.pad(x, (1, 2, 0, 1), value=0.5), [(2, 3, 4)]),
]
