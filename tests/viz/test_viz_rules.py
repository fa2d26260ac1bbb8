"""Every op chainrule can record has a written narration rule: explain never invents a derivative (``f'(x)``).

The test walks every Function subclass of chainrule (the ops and the fused nn ops); an op added without a
rule in ``chainrule.viz.op_rules`` or without a sample graph here fails it.
"""

import importlib
import pkgutil
import re

import numpy as np
import pytest

import chainrule as cr
import chainrule.ops
from chainrule.autograd.function import Function
from chainrule.nn import functional as F
from chainrule.ops.indexing import ScatterAdd
from chainrule.ops.shape import SumTo
from chainrule.viz.op_rules import RULES
from chainrule.viz.trace import trace

PLACEHOLDER = re.compile(r"\w'\(")  # sigmoid'(x), linear'(r): a derivative named, not given


def op_classes() -> list[type]:
    """Every concrete op class chainrule defines (not the abstract bases, not user Functions)."""
    for module in pkgutil.iter_modules(chainrule.ops.__path__):
        importlib.import_module(f"chainrule.ops.{module.name}")
    found, stack = set(), [Function]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            # private bases (_Select, _Extreme) hold what their ops share and are never recorded themselves
            if sub.__module__.startswith("chainrule.") and "forward" in _own_members(sub) and sub.__name__[0] != "_":
                found.add(sub)
    return sorted(found, key=lambda c: c.__name__)


def _own_members(cls: type) -> set:
    """What ``cls`` or its bases below Function define: an op is a class with a forward of its own lineage."""
    members = set()
    for base in cls.__mro__:
        if base in (Function, object) or base.__name__ == "Primitive":
            break
        members |= set(vars(base))
    return members


def leaf(*shape, seed=0, positive=False):
    rng = np.random.default_rng(seed)
    data = rng.uniform(0.5, 2.0, shape) if positive else rng.normal(size=shape)
    return cr.tensor(data, dtype=cr.float64, requires_grad=True)


def _set_item():
    a = leaf(3, 2).clone()
    a[0] = leaf(2, seed=1)
    return a


# op class name -> a small graph in which it appears (tensors, so the vector forms are narrated)
SAMPLES = {
    "Add": lambda: leaf(3, 2) + leaf(2, seed=1),
    "Sub": lambda: leaf(3, 2) - leaf(3, 2, seed=1),
    "Mul": lambda: leaf(3, 2) * leaf(3, 2, seed=1),
    "Div": lambda: leaf(3, 2) / leaf(3, 2, seed=1, positive=True),
    "Neg": lambda: -leaf(3, 2),
    "Pow": lambda: leaf(3, 2, positive=True) ** leaf(3, 2, seed=1),
    "Exp": lambda: leaf(3, 2).exp(),
    "Log": lambda: leaf(3, 2, positive=True).log(),
    "Sqrt": lambda: leaf(3, 2, positive=True).sqrt(),
    "Abs": lambda: leaf(3, 2).abs(),
    "Sin": lambda: leaf(3, 2).sin(),
    "Cos": lambda: leaf(3, 2).cos(),
    "Maximum": lambda: cr.maximum(leaf(3, 2), leaf(3, 2, seed=1)),
    "Minimum": lambda: cr.minimum(leaf(3, 2), leaf(3, 2, seed=1)),
    "Clip": lambda: leaf(3, 2).clip(-0.5, 0.5),
    "Where": lambda: cr.where(np.array([[True, False]] * 3), leaf(3, 2), leaf(3, 2, seed=1)),
    "Cast": lambda: leaf(3, 2).astype(cr.float32),
    "Sigmoid": lambda: leaf(3, 2).sigmoid(),
    "Tanh": lambda: leaf(3, 2).tanh(),
    "Relu": lambda: leaf(3, 2).relu(),
    "Softmax": lambda: leaf(3, 2).softmax(axis=1) * leaf(3, 2, seed=1),
    "LogSoftmax": lambda: leaf(3, 2).log_softmax(axis=1) * leaf(3, 2, seed=1),
    "Sum": lambda: leaf(3, 2).sum(axis=0) * leaf(2, seed=1),
    "Mean": lambda: leaf(3, 2).mean(axis=1) * leaf(3, seed=1),
    "Max": lambda: leaf(3, 2).max(axis=1) * leaf(3, seed=1),
    "Min": lambda: leaf(3, 2).min(axis=1) * leaf(3, seed=1),
    "Var": lambda: leaf(3, 2).var(axis=0) * leaf(2, seed=1),
    "LogSumExp": lambda: leaf(3, 2).logsumexp(axis=1) * leaf(3, seed=1),
    "Reshape": lambda: leaf(3, 2).reshape(6) * leaf(6, seed=1),
    "Permute": lambda: leaf(3, 2).T * leaf(2, 3, seed=1),
    "Expand": lambda: leaf(1, 2).expand(3, 2) * leaf(3, 2, seed=1),
    "SumTo": lambda: SumTo.apply(leaf(3, 2), shape=(2,)) * leaf(2, seed=1),
    "Clone": lambda: leaf(3, 2).clone() * leaf(3, 2, seed=1),
    "Index": lambda: leaf(3, 2)[1:, 0] * leaf(2, seed=1),
    "ScatterAdd": lambda: ScatterAdd.apply(leaf(2), key=(slice(0, 2), 1), shape=(3, 2)) * leaf(3, 2, seed=1),
    "SetItem": _set_item,
    "Concatenate": lambda: cr.concatenate([leaf(1, 2), leaf(2, 2, seed=1)]) * leaf(3, 2, seed=2),
    "Stack": lambda: cr.stack([leaf(2), leaf(2, seed=1)]) * leaf(2, 2, seed=2),
    "MatMul": lambda: leaf(3, 2) @ leaf(2, 4, seed=1),
    "Linear": lambda: F.linear(leaf(3, 2), leaf(4, 2, seed=1), leaf(4, seed=2)),
    "CrossEntropy": lambda: F.cross_entropy(leaf(3, 4), cr.tensor([0, 3, 1])),
    "NLL": lambda: F.nll_loss(leaf(3, 4), cr.tensor([0, 3, 1])),
    "MulticlassSVM": lambda: F.multiclass_svm_loss(leaf(3, 4), cr.tensor([0, 3, 1])),
    "MSE": lambda: F.mse_loss(leaf(3, 2), cr.tensor(np.zeros((3, 2)))),
    "BCEWithLogits": lambda: F.binary_cross_entropy_with_logits(leaf(3, 2), cr.tensor(np.ones((3, 2)))),
    "BCE": lambda: F.binary_cross_entropy(leaf(3, 2).sigmoid(), cr.tensor(np.ones((3, 2)))),
}

def images(*shape, seed=0):
    return leaf(*shape, seed=seed)


def differentiated(build, wrt_index=0, times=1):
    """The graph of a derivative taken with create_graph=True (``times`` over): where adjoint ops are recorded."""
    inputs = [images(1, 2, 4, 4), images(3, 2, 3, 3, seed=1)]
    out = build(*inputs)
    for k in range(times):
        (out,) = cr.autograd.grad((out * images(*out.shape, seed=2 + k)).sum(), [inputs[wrt_index]],
                                  create_graph=True)  # fmt: skip
    return out


def image_samples() -> dict:
    """Samples of the image ops (convolution, pooling, padding, batch norm), where chainrule has them."""
    try:
        from chainrule.nn import functional_conv as C
    except ImportError:  # a checkout before the image ops: none of their classes exist either
        return {}
    return {
        "Conv": lambda: C.conv2d(images(1, 2, 5, 5), images(3, 2, 3, 3, seed=1)),
        "BiasedConv": lambda: C.conv2d(images(1, 2, 5, 5), images(3, 2, 3, 3, seed=1), images(3, seed=2)),
        "ConvTranspose": lambda: C.conv_transpose2d(images(1, 2, 3, 3), images(2, 3, 3, 3, seed=1)),
        "ConvWeight": lambda: differentiated(lambda x, w: C.conv2d(x, w) ** 2, wrt_index=1),
        "Unfold": lambda: C.unfold(images(1, 2, 4, 4), 2) * images(1, 8, 9, seed=1),
        "Fold": lambda: C.fold(images(1, 8, 9), (4, 4), 2) * images(1, 2, 4, 4, seed=1),
        "MaxPool": lambda: C.max_pool2d(images(1, 2, 4, 4), 2) * images(1, 2, 2, 2, seed=1),
        "Scatter": lambda: differentiated(lambda x, w: C.max_pool2d(x, 2) ** 2),  # the gradient put back
        "Gather": lambda: differentiated(lambda x, w: C.max_pool2d(x, 2) ** 3, times=2),  # ... and read again
        "AvgPool": lambda: C.avg_pool2d(images(1, 2, 4, 4), 2) * images(1, 2, 2, 2, seed=1),
        "AvgPoolAdjoint": lambda: differentiated(lambda x, w: C.avg_pool2d(x, 2) ** 2),
        "Pad": lambda: C.pad(images(1, 2, 3, 3), (1, 1, 1, 1)) * images(1, 2, 5, 5, seed=1),
        "BatchNorm": lambda: C.batch_norm(images(4, 3, 2, 2), None, None, images(3, seed=1), images(3, seed=2),
                                          training=True) * images(4, 3, 2, 2, seed=3),
    }


SAMPLES.update(image_samples())

# PyTorch's further tensor ops and layers
SAMPLES.update({
    "Repeat": lambda: leaf(3, 2).repeat(2, 1) * leaf(6, 2, seed=1),
    "Cumsum": lambda: leaf(3, 2).cumsum(0) * leaf(3, 2, seed=1),
    "Cumprod": lambda: leaf(3, 2).cumprod(1) * leaf(3, 2, seed=1),
    "Prod": lambda: leaf(3, 2).prod(1) * leaf(3, seed=1),
    "Norm": lambda: leaf(3, 2).norm(dim=1) * leaf(3, seed=1),
    "Clamp": lambda: leaf(3, 2).clamp(leaf(2, seed=1), leaf(3, 1, seed=2) + 1.0),
    "Erf": lambda: leaf(3, 2).erf(),
    "Gelu": lambda: F.gelu(leaf(3, 2)),
    "Silu": lambda: F.silu(leaf(3, 2)),
    "Elu": lambda: F.elu(leaf(3, 2)),
    "Softplus": lambda: F.softplus(leaf(3, 2)),
    "LayerNorm": lambda: F.layer_norm(leaf(3, 2), (2,), leaf(2, seed=1), leaf(2, seed=2)) * leaf(3, 2, seed=3),
    "Embedding": lambda: F.embedding(cr.tensor([[0, 2], [1, 0]]), leaf(3, 2)) * leaf(2, 2, 2, seed=1),
    "Log1p": lambda: leaf(3, 2, positive=True).log1p(),
    "Expm1": lambda: leaf(3, 2).expm1(),
    "Remainder": lambda: leaf(3, 2) % leaf(3, 2, seed=1, positive=True),
    "Fmod": lambda: cr.fmod(leaf(3, 2), leaf(3, 2, seed=1, positive=True)),
    "Einsum": lambda: cr.einsum("ij,jk->ik", leaf(3, 2), leaf(2, 4, seed=1)),
})  # fmt: skip

# ops whose results never take a gradient (piecewise constant: PyTorch's backward refuses or gives 0)
NEVER_RECORDED = {
    "FloorDivide": lambda: leaf(3, 2) // leaf(3, 2, seed=1, positive=True),
    "TruncDivide": lambda: leaf(3, 2).div(leaf(3, 2, seed=1, positive=True), rounding_mode="trunc"),
}

# ops that also take scalars: narrated with numbers and their local gradients
SCALAR_SAMPLES = {
    "Add": lambda a, b: a + b, "Sub": lambda a, b: a - b, "Mul": lambda a, b: a * b, "Div": lambda a, b: a / b,
    "Neg": lambda a, b: -a, "Pow": lambda a, b: a**b, "Exp": lambda a, b: a.exp(), "Log": lambda a, b: a.log(),
    "Sqrt": lambda a, b: a.sqrt(), "Abs": lambda a, b: a.abs(), "Sin": lambda a, b: a.sin(),
    "Cos": lambda a, b: a.cos(), "Maximum": lambda a, b: cr.maximum(a, b), "Minimum": lambda a, b: cr.minimum(a, b),
    "Clip": lambda a, b: a.clip(0, 1), "Sigmoid": lambda a, b: a.sigmoid(), "Tanh": lambda a, b: a.tanh(),
    "Relu": lambda a, b: a.relu(), "Sum": lambda a, b: a.sum(), "Mean": lambda a, b: a.mean(),
    "Cast": lambda a, b: a.astype(cr.float32), "Clone": lambda a, b: a.clone() * b,
}  # fmt: skip


def test_every_op_class_has_a_rule_and_a_sample():
    names = {cls.__name__ for cls in op_classes()} - set(NEVER_RECORDED)
    assert len(names) > 40  # the walk found the ops (not an empty list)
    assert names - set(RULES) == set(), "ops without a narration rule in chainrule/viz/op_rules.py"
    assert names - set(SAMPLES) == set(), "ops without a sample graph in this test"


@pytest.mark.parametrize("name", sorted(NEVER_RECORDED))
def test_ops_without_a_rule_are_never_recorded(name):
    out = NEVER_RECORDED[name]()
    assert out.grad_fn is None and not out.requires_grad
    assert name in {cls.__name__ for cls in op_classes()}  # still an op class: the exemption is not stale


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_tensor_narration_gives_a_real_rule(name):
    out = SAMPLES[name]()
    assert name in {type(op.node).__name__ for op in trace(out).ops}, "the sample does not record the op"
    text = cr.explain(out if out.ndim == 0 else out.sum(), echo=False)
    assert not PLACEHOLDER.search(text), text
    assert "given by" not in text, text  # the generic rule: only for user Functions without a description
    backward = text.split("**Backward pass**")[1].split("**Gradients of the inputs**")[0]
    for step in backward.split("\n- at `")[1:]:  # every gate narrates a gradient with its vector form
        assert re.search(r"\n  - (∂|δ).* = .+ → ", step), f"{name}: no gradient narrated in step {step!r}"


@pytest.mark.parametrize("name", sorted(SCALAR_SAMPLES))
def test_scalar_narration_gives_a_real_local_gradient(name):
    a = cr.tensor(0.7, dtype=cr.float64, requires_grad=True, name="a")
    b = cr.tensor(1.3, dtype=cr.float64, requires_grad=True, name="b")
    out = SCALAR_SAMPLES[name](a, b)
    assert name in {type(op.node).__name__ for op in trace(out).ops}
    text = cr.explain(out * 1.0, echo=False)  # the op then has an upstream, so its local gradient is printed
    assert not PLACEHOLDER.search(text) and "given by" not in text, text
