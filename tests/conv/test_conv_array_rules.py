"""The image ops' first-order array rules: equal to their Tensor rules, and exact in shape and dtype as they promise.

Every op class of ``ops.conv``, ``ops.pool``, ``ops.norm`` and ``ops.pad`` promises exact array gradients
(``exact_array_grads``), so the engine does not check them: each is reached here by some case, and each
case's gradients keep every input's shape and dtype in float16, float32 and float64.
"""

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd.function import Function
from chainrule.ops import conv, norm, pad, pool
from helpers.image_cases import CASES


def _inputs(shapes: list, dtype=np.float64) -> list:
    rng = np.random.default_rng(len(shapes))
    return [cr.tensor(rng.permutation(np.prod(s)).reshape(s) / np.prod(s) - 0.5, dtype=dtype, requires_grad=True)
            for s in shapes]  # distinct values: no ties in a pooling window  # fmt: skip


def _reached(out) -> set:
    """The op classes in the graph of ``out`` (every node visited once)."""
    visited, types, stack = set(), set(), [out.grad_fn]
    while stack:
        node = stack.pop()
        if isinstance(node, Function) and id(node) not in visited:
            visited.add(id(node))
            types.add(type(node))
            stack.extend(e[0] for e in node.edges if isinstance(e, tuple))
    return types


def test_every_image_op_is_reached_by_a_case_and_promises_exact_gradients():
    ours = {c for module in (conv, pool, norm, pad) for c in vars(module).values()
            if isinstance(c, type) and issubclass(c, Function) and c.__module__ == module.__name__}  # fmt: skip
    assert all(c.array_backward and c.exact_array_grads for c in ours)
    reached = set().union(*(_reached(f(*_inputs(shapes))) for f, shapes in CASES))
    assert ours <= reached, f"not reached: {sorted(c.__name__ for c in ours - reached)}"


@pytest.mark.parametrize(("f", "shapes"), CASES)
def test_the_array_rules_agree_with_the_tensor_rules(f, shapes):
    xs = _inputs(shapes)
    out = f(*xs)
    upstream = cr.tensor(np.random.default_rng(7).standard_normal(out.shape))
    out.backward(upstream)
    by_tensors = cr.autograd.grad(f(*xs), xs, upstream, create_graph=True, allow_unused=True)
    for x, t in zip(xs, by_tensors, strict=True):
        expected = np.zeros(x.shape) if t is None else t.detach().numpy()
        np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize(("f", "shapes"), CASES)
def test_the_array_rules_keep_every_input_shape_and_dtype(f, shapes, dtype):
    xs = _inputs(shapes, dtype)
    out = f(*xs)
    out.backward(cr.ones_like(out))
    for x in xs:
        assert type(x.grad._data) is np.ndarray and x.grad.shape == x.shape and x.grad.dtype == x.dtype
