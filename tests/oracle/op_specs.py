"""Every public differentiable op of chainrule, with how to draw its inputs and how PyTorch spells it.

A ``Spec`` names one public entry point (``Tensor.exp``, ``cr.exp``, ``F.relu``, ``Tensor.__add__`` ...).
Its ``kind`` picks the hypothesis strategy that draws input shapes (0-d, size-0 and broadcasting
pairs included) and parameters (axes, reductions, indices ...); ``f(m, *xs, **params)`` is written
once for both libraries (``m`` is chainrule or torch) unless ``torch_f`` spells PyTorch's side.
test_oracle_coverage.py checks that every public name is here or listed as not differentiable.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chainrule as cr

SIDE = 3  # at most 3 per axis and 3 axes: a gradcheck stays a few milliseconds


@dataclass(frozen=True)
class Spec:
    name: str
    kind: str
    f: Callable
    torch_f: Callable | None = None
    domain: str = "real"
    twice: bool = True
    torch: bool = True  # False: no PyTorch counterpart to compare with (random masks)
    eps: float = 1e-6

    def __str__(self) -> str:
        return self.name


def F(m):
    """``nn.functional`` of either library."""
    if m is cr:
        return cr.nn.functional
    import torch.nn.functional

    return torch.nn.functional


def dtype(m, name: str):
    return getattr(m, name)


# ------------------------------------------------------------------ strategies: (shapes, params)
def _shape(min_dims: int = 0, max_dims: int = 3, min_side: int = 0) -> st.SearchStrategy:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=SIDE)


def _axis(ndim: int) -> st.SearchStrategy:
    return st.integers(-max(ndim, 1), max(ndim, 1) - 1)


def _axes(ndim: int) -> st.SearchStrategy:
    """None, one axis, or a tuple of distinct axes (negative ones included)."""
    if ndim == 0:
        return st.sampled_from([None, 0, -1])
    tuples = st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple)
    return st.one_of(st.none(), _axis(ndim), tuples)


def _expandable_to(data, target: tuple) -> tuple:
    """A shape that broadcasts to ``target``: a suffix of it, some sizes replaced by 1."""
    k = data.draw(st.integers(0, len(target)))
    suffix = target[len(target) - k :]
    return tuple(n if data.draw(st.booleans()) else 1 for n in suffix)


def unary(data) -> tuple:
    return (data.draw(_shape()),), {}


def binary(data) -> tuple:
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=SIDE))
    return shapes.input_shapes, {}


def ternary(data) -> tuple:
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=SIDE))
    return shapes.input_shapes, {}


def into(data) -> tuple:
    """A target and a second operand that broadcasts to it (in-place ops keep the target's shape)."""
    target = data.draw(_shape())
    return (target, _expandable_to(data, target)), {}


def reduction(data) -> tuple:
    shape = data.draw(_shape())
    return (shape,), {"axis": data.draw(_axes(len(shape))), "keepdims": data.draw(st.booleans())}


def nonempty_reduction(data) -> tuple:
    """max/min: the reduced axes must have elements (else a ShapeError, as PyTorch raises)."""
    shapes, params = reduction(data)
    axis = params["axis"]
    axes = range(len(shapes[0])) if axis is None or not shapes[0] else np.atleast_1d(axis)
    if any(shapes[0][a] == 0 for a in axes):
        shapes = (tuple(max(n, 1) for n in shapes[0]),)
    return shapes, params


def nonempty_axis(data) -> tuple:
    """max(dim)/min(dim): one axis, of non-zero size."""
    shape = tuple(max(n, 1) for n in data.draw(_shape()))
    return (shape,), {"axis": data.draw(_axis(len(shape)))}


def variance(data) -> tuple:
    """var with n > correction (n ≤ correction: see test_ops_edge_shapes.py)."""
    shapes, params = nonempty_reduction(data)
    shape, axis = shapes[0], params["axis"]
    n = int(np.prod([shape[a] for a in (range(len(shape)) if axis is None or not shape else np.atleast_1d(axis))]))
    return shapes, params | {"correction": data.draw(st.integers(0, max(0, n - 1)))}


def along_axis(data) -> tuple:
    shape = data.draw(_shape())
    return (shape,), {"axis": data.draw(_axis(len(shape)))}


def matmul(data) -> tuple:
    shapes = data.draw(hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=2, max_side=SIDE))
    return shapes.input_shapes, {}


def linear(data) -> tuple:
    x = data.draw(_shape(min_dims=1))
    out = data.draw(st.integers(0, SIDE))
    return (x, (out, x[-1]), (out,)), {}


def same_shape(data) -> tuple:
    shape = data.draw(_shape())
    return (shape, shape), {"reduction": data.draw(st.sampled_from(["mean", "sum", "none"]))}


def rows(data, min_rows: int = 0) -> tuple:
    """Logits (N, C) with N ≥ 0, C ≥ 1, integer labels and a reduction."""
    n, c = data.draw(st.integers(min_rows, SIDE)), data.draw(st.integers(1, SIDE + 1))
    labels = data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n))
    return ((n, c),), {"labels": labels, "reduction": data.draw(st.sampled_from(["mean", "sum", "none"]))}


def nonempty_rows(data) -> tuple:
    """PyTorch's multi_margin_loss of no rows returns uninitialised memory for 'mean' (chainrule: NaN)."""
    return rows(data, min_rows=1)


def soft_rows(data) -> tuple:
    (shape,), params = rows(data)
    return (shape, shape), {"reduction": params["reduction"]}


def reshape(data) -> tuple:
    shape = data.draw(_shape())
    options = [tuple(reversed(shape)), (-1,), (1, *shape), (*shape, 1)]
    if shape and 0 not in shape:
        options.append((-1, *shape[1:]))
    return (shape,), {"shape": data.draw(st.sampled_from(options))}


def two_axes(data) -> tuple:
    shape = data.draw(_shape(min_dims=1))
    return (shape,), {"dim0": data.draw(_axis(len(shape))), "dim1": data.draw(_axis(len(shape)))}


def permutation(data) -> tuple:
    shape = data.draw(_shape())
    return (shape,), {"axes": tuple(data.draw(st.permutations(range(len(shape)))))}


def matrices(data) -> tuple:
    return (data.draw(_shape(min_dims=2)),), {}


def expand(data) -> tuple:
    target = data.draw(_shape())
    return (_expandable_to(data, target),), {"shape": target}


def squeeze(data) -> tuple:
    shape = list(data.draw(_shape(max_dims=2)))
    for _ in range(data.draw(st.integers(0, 2))):
        shape.insert(data.draw(st.integers(0, len(shape))), 1)
    ones = [i for i, n in enumerate(shape) if n == 1]
    return (tuple(shape),), {"axis": data.draw(st.sampled_from([None, *ones]) if ones else st.none())}


def unsqueeze(data) -> tuple:
    shape = data.draw(_shape())
    return (shape,), {"axis": data.draw(st.integers(-len(shape) - 1, len(shape)))}


def flatten(data) -> tuple:
    shape = data.draw(_shape(min_dims=1))
    start = data.draw(st.integers(0, len(shape) - 1))
    return (shape,), {"start": start, "end": data.draw(st.integers(start, len(shape) - 1))}


def basic_index(data) -> tuple:
    """Integers, slices (steps > 0: PyTorch has no negative steps), None and Ellipsis."""
    shape = data.draw(_shape(min_dims=1))
    key = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    parts = key if isinstance(key, tuple) else (key,)
    if any(isinstance(k, slice) and (k.step or 1) < 0 for k in parts):
        key = tuple(slice(k.start, k.stop) if isinstance(k, slice) else k for k in parts)
    return (shape,), {"key": key}


def array_index(data) -> tuple:
    """An integer list indexing the first axis (repeats accumulate), possibly with a slice after it."""
    shape = data.draw(_shape(min_dims=1, min_side=1))
    rows_ = data.draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1, max_size=4))  # [] : see gaps
    return (shape,), {"rows": rows_, "rest": data.draw(st.booleans()) and len(shape) > 1}


def mask_index(data) -> tuple:
    return (data.draw(_shape()),), {}


def setitem(data) -> tuple:
    shape = data.draw(_shape(min_dims=1))
    key = data.draw(hnp.basic_indices(shape, allow_newaxis=False, allow_ellipsis=True))
    parts = key if isinstance(key, tuple) else (key,)
    key = tuple(slice(k.start, k.stop) if isinstance(k, slice) else k for k in parts)
    target = np.empty(shape)[key].shape
    return (shape, _expandable_to(data, target)), {"key": key}


def join(data) -> tuple:
    """2 or 3 shapes equal except along ``axis`` (concatenate) or all equal (stack, with ``stack``)."""
    shape = data.draw(_shape(min_dims=1))
    axis = data.draw(_axis(len(shape)))
    sizes = data.draw(st.lists(st.integers(0, SIDE), min_size=2, max_size=3))
    shapes = tuple(tuple(s if i != axis % len(shape) else k for i, s in enumerate(shape)) for k in sizes)
    return shapes, {"axis": axis}


def stack(data) -> tuple:
    shape = data.draw(_shape())
    count = data.draw(st.integers(2, 3))
    return (shape,) * count, {"axis": data.draw(st.integers(-len(shape) - 1, len(shape)))}


def parameters(data) -> tuple:
    return (data.draw(_shape()), data.draw(_shape())), {}


def bounds(data) -> tuple:
    lo, hi = data.draw(st.sampled_from([(-0.5, 0.7), (-0.5, None), (None, 0.7)]))
    return (data.draw(_shape()),), {"lo": lo, "hi": hi}


# ------------------------------------------------------------------ strategies of PyTorch's further ops
def at_most_2d(data) -> tuple:
    return (data.draw(_shape(max_dims=2)),), {}


def matrix_pair(data) -> tuple:
    n, k, m = (data.draw(st.integers(0, SIDE)) for _ in range(3))
    return ((n, k), (k, m)), {}


def batch_pair(data) -> tuple:
    b, n, k, m = (data.draw(st.integers(0, SIDE)) for _ in range(4))
    return ((b, n, k), (b, k, m)), {}


def deviation(data) -> tuple:
    """std: at least 2 elements per result and n > correction (so the deviation is not 0)."""
    shape = tuple(max(n, 2) for n in data.draw(_shape(min_dims=1)))
    axis = data.draw(_axes(len(shape)))
    n = int(np.prod([shape[a] for a in (range(len(shape)) if axis is None else np.atleast_1d(axis))]))
    correction = data.draw(st.integers(0, 1 if n > 2 else 0))
    return (shape,), {"axis": axis, "keepdims": data.draw(st.booleans()), "correction": correction}


def norms(data) -> tuple:
    """p, and dim: None, one axis or a tuple (at most 2 for 'fro'), over axes with elements."""
    p = data.draw(st.sampled_from([2, 1, np.inf, -np.inf, "fro", 3, 0.5, -1, 0]))
    (shape,), params = nonempty_reduction(data)
    axis = params["axis"]
    if p == "fro" and isinstance(axis, tuple):
        axis = axis[:2]
    return (shape,), {"p": p, "dim": axis, "keepdim": params["keepdims"]}


def _index_along(data, shape: tuple, d: int, sizes: tuple, distinct: bool) -> np.ndarray:
    """An int64 index of shape ``sizes`` with values in [0, shape[d]); ``distinct`` along d (sizes[d] ≤ shape[d])."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    n = shape[d] if shape else 1
    if not distinct:
        return rng.integers(0, n, size=sizes)
    keys = rng.random(sizes[:d] + (n,) + sizes[d + 1 :])
    return np.take(np.argsort(keys, axis=d), np.arange(sizes[d] if sizes else 1), axis=d).reshape(sizes)


def gathering(data) -> tuple:
    shape = tuple(max(k, 1) for k in data.draw(_shape()))
    d = data.draw(_axis(len(shape))) % max(len(shape), 1)
    sizes = tuple(data.draw(st.integers(0, SIDE)) if i == d else data.draw(st.integers(0, k))
                  for i, k in enumerate(shape))  # fmt: skip
    return (shape,), {"dim": d, "index": _index_along(data, shape, d, sizes, distinct=False)}


def scattering(data, distinct: bool = True, with_src: bool = True) -> tuple:
    """Input, and src; the index distinct along dim (one write per place) unless adding."""
    shape = tuple(max(k, 1) for k in data.draw(_shape(min_dims=1)))
    d = data.draw(_axis(len(shape))) % len(shape)
    top = lambda i, k: k if i == d and distinct else (SIDE if i == d else k)  # noqa: E731
    sizes = tuple(data.draw(st.integers(0, top(i, k))) for i, k in enumerate(shape))
    index = _index_along(data, shape, d, sizes, distinct)
    # src of the index's shape: with a larger one PyTorch's backward fails (see tests/ops/test_ops_gather.py)
    return ((shape, sizes) if with_src else (shape,)), {"dim": d, "index": index}


def scatter_adding(data) -> tuple:
    return scattering(data, distinct=False)


def scatter_value(data) -> tuple:
    return scattering(data, with_src=False)


def masking(data) -> tuple:
    shape = data.draw(_shape())
    mask_shape = _expandable_to(data, shape)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    return (shape,), {"mask": rng.random(mask_shape) < 0.5}


def masking_tensor(data) -> tuple:
    (shape,), params = masking(data)
    return (shape, ()), params


def repeats(data) -> tuple:
    shape = data.draw(_shape(max_dims=2))
    extra = data.draw(st.integers(0, 1))
    return (shape,), {"reps": tuple(data.draw(st.integers(0, 2)) for _ in range(len(shape) + extra))}


def tiles(data) -> tuple:
    shape = data.draw(_shape(max_dims=2))
    return (shape,), {"reps": tuple(data.draw(st.integers(0, 2)) for _ in range(data.draw(st.integers(0, 3))))}


def splits(data) -> tuple:
    """An int size, or sizes adding up to the dimension."""
    shape = data.draw(_shape(min_dims=1))
    d = data.draw(_axis(len(shape)))
    n = shape[d]
    if data.draw(st.booleans()) or n == 0:
        size = data.draw(st.integers(1, SIDE + 1)) if n else data.draw(st.integers(0, 2))
    else:
        cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=2)))
        size = [b - a for a, b in zip([0, *cuts], [*cuts, n])]
    return (shape,), {"size": size, "dim": d}


def chunks(data) -> tuple:
    shape = data.draw(_shape(min_dims=1))
    return (shape,), {"chunks": data.draw(st.integers(1, 4)), "dim": data.draw(_axis(len(shape)))}


def sorting(data) -> tuple:
    (shape,), params = along_axis(data)
    return (shape,), params | {"descending": data.draw(st.booleans())}


def top(data) -> tuple:
    (shape,), params = along_axis(data)
    n = shape[params["axis"]] if shape else 1
    return (shape,), params | {"k": data.draw(st.integers(0, n)), "largest": data.draw(st.booleans())}


def product(data) -> tuple:
    shape = data.draw(_shape())
    axis = data.draw(st.one_of(st.none(), _axis(len(shape))))
    return (shape,), {"axis": axis, "keepdims": data.draw(st.booleans())}


def _clamp_shapes(data, count: int) -> tuple:
    """clamp's input and tensor bounds, which broadcast to the input's shape: PyTorch's backward fails
    when the input itself is broadcast ("output with shape [1] doesn't match the broadcast shape [2]";
    chainrule's, tested in tests/ops/test_ops_clamp.py, does not)."""
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=count, min_dims=0, max_dims=3, max_side=SIDE))
    return (shapes.result_shape, *shapes.input_shapes[1:]), {}


def clamping(data) -> tuple:
    return _clamp_shapes(data, 3)


def clamping_one(data) -> tuple:
    return _clamp_shapes(data, 2)


def embedding(data) -> tuple:
    rows, dim = data.draw(st.integers(1, 4)), data.draw(st.integers(0, SIDE))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    # (padding_idx cuts the gradient on purpose, so gradcheck would fail: tests/nn/test_nn_layers_pytorch.py)
    return ((rows, dim),), {"index": rng.integers(0, rows, size=data.draw(_shape(max_dims=2)))}


def normalised(data) -> tuple:
    """x (…, *normalized_shape), and weight and bias of normalized_shape; at least 2 elements normalised."""
    shape = tuple(max(n, 1) for n in data.draw(_shape(min_dims=1)))
    k = data.draw(st.integers(1, len(shape)))
    tail = shape[len(shape) - k :]
    if int(np.prod(tail)) < 2:
        shape, tail = shape[: len(shape) - 1] + (2,), tail[:-1] + (2,)
    return (shape, tail, tail), {"normalized_shape": tail}


STRATEGIES = {fn.__name__: fn for fn in (
    unary, binary, ternary, into, reduction, nonempty_reduction, nonempty_axis, variance, along_axis, matmul,
    linear, same_shape, rows, nonempty_rows, soft_rows, reshape, two_axes, permutation, matrices, expand, squeeze,
    unsqueeze, flatten, basic_index, array_index, mask_index, setitem, join, stack, parameters, bounds,
    at_most_2d, matrix_pair, batch_pair, deviation, norms, gathering, scattering, scatter_adding, scatter_value,
    masking, masking_tensor, repeats, tiles, splits, chunks, sorting, top, product, clamping, clamping_one, embedding,
    normalised,
)}  # fmt: skip


# ------------------------------------------------------------------ PyTorch's spellings
def dims(axis, ndim: int):
    """PyTorch's dim for chainrule's axis: None (every axis) is the tuple of them (0 for a 0-d tensor)."""
    return (tuple(range(ndim)) or 0) if axis is None else axis


def _reduce(method: str, torch_method: str | None = None) -> tuple:
    ours = lambda m, a, axis, keepdims, **kw: getattr(a, method)(axis=axis, keepdims=keepdims, **kw)  # noqa: E731
    theirs = lambda m, a, axis, keepdims, **kw: getattr(a, torch_method or method)(  # noqa: E731
        dim=dims(axis, a.ndim), keepdim=keepdims, **kw
    )
    return ours, theirs


def _reduce_fn(name: str) -> tuple:
    ours = lambda m, a, axis, keepdims: getattr(m, name)(a, axis, keepdims)  # noqa: E731
    theirs = lambda m, a, axis, keepdims: getattr(m, name)(a, dims(axis, a.ndim), keepdims)  # noqa: E731
    return ours, theirs


def _constant(m, like):
    """Fixed values in ``like``'s shape (1.2 to 1.8: in every op's domain): an ndarray, or a tensor for torch."""
    values = np.linspace(1.2, 1.8, like.numel()).reshape(tuple(like.shape))
    return values if m is cr else m.tensor(values)


def _shaped(m, a, shape):
    """Zeros in the shape ``a.reshape(shape)`` has (its -1 resolved): a tensor to take the shape of."""
    return m.zeros(tuple(a.reshape(shape).shape), dtype=a.dtype)


def _index_rows(m, a, rows, rest):
    key = m.tensor(rows, dtype=m.int64) if m is not cr else rows
    return a[key, 1:] if rest else a[key]


def _ix(m, index):
    """An int64 index tensor of either library (from the strategy's array)."""
    return m.tensor(index, dtype=m.int64)


def _mask(m, mask):
    return m.tensor(mask, dtype=m.bool)


def _pieces(method: str) -> Callable:
    """Every piece of ``split``/``chunk`` (a method, or ``m.split`` with ``fn=True``), weighted, joined back."""

    def f(m, a, dim, **kw):
        arg = kw.get("size", kw.get("chunks"))
        pieces = getattr(a, method)(arg, dim) if not method.startswith("cr.") else getattr(m, method[3:])(a, arg, dim)
        return m.cat([p * (i + 1.0) for i, p in enumerate(pieces)], dim)

    return f


def _in_place(method: str, *args) -> Callable:
    """``y = a * 1; y.<method>(b, ...)``; then y · 2, so the graph continues past the modified tensor."""

    def f(m, a, b=None, **params):
        y = a * 1.0
        getattr(y, method)(*(b,) if b is not None else (), *args, **params)
        return y * 2.0

    return f


def _augmented(op: Callable) -> Callable:
    def f(m, a, b):
        y = a * 1.0
        y = op(y, b)
        return y * 2.0

    return f


def _setitem(m, a, b, key):
    y = a * 1.0
    y[key] = b * 3.0
    return y * 2.0


def _svm(m, a, labels, reduction):
    if m is cr:
        return F(m).multiclass_svm_loss(a, m.tensor(labels, dtype=m.int64), reduction=reduction)
    losses = F(m).multi_margin_loss(a, m.tensor(labels, dtype=m.int64), reduction=reduction)
    return losses * a.shape[1]  # PyTorch's MultiMarginLoss divides by the number of classes


def _labelled(name: str) -> Callable:
    return lambda m, a, labels, reduction: getattr(F(m), name)(a, m.tensor(labels, dtype=m.int64), reduction=reduction)


def _class_options(name: str, **options: float) -> Callable:
    """``name`` with a per-class weight and, of two or more, the first label ignored (ignore_index=-100).

    (All ignored, 'mean' is NaN with zero gradients in both libraries: numerical differences cannot check it.)
    """

    def f(m, a, labels, reduction):
        weight = m.tensor(np.linspace(0.5, 2.0, a.shape[1]), dtype=a.dtype)
        target = m.tensor([-100, *labels[1:]] if len(labels) > 1 else labels, dtype=m.int64)
        return getattr(F(m), name)(a, target, weight=weight, reduction=reduction, **options)

    return f


def _bce_options(m, x, t, reduction):
    """BCE with logits with a per-class pos_weight along the last axis and an element weight."""
    pos_weight = m.tensor(np.linspace(0.5, 3.0, x.shape[-1]) if x.ndim else 2.0, dtype=x.dtype)
    weight = m.tensor(np.linspace(2.0, 0.5, int(np.prod(x.shape))).reshape(tuple(x.shape)), dtype=x.dtype)
    return F(m).binary_cross_entropy_with_logits(x, t.sigmoid(), weight=weight, reduction=reduction,
                                                 pos_weight=pos_weight)


def _cast(name: str, to: str | None = None) -> Callable:
    """A cast by method name (``a.float()``, ``a.to(float64)`` ...), spelled the same in both libraries."""
    return lambda m, a: getattr(a, name)(*((dtype(m, to),) if to else ())) * 1.0


_SUM, _SUM_T = _reduce("sum")
_MEAN, _MEAN_T = _reduce("mean")
_MAX, _MAX_T = _reduce("max", "amax")
_MIN, _MIN_T = _reduce("min", "amin")
_AMAX = lambda m, a, axis, keepdims: a.amax() if axis is None else a.amax(axis, keepdims)  # noqa: E731
_AMIN = lambda m, a, axis, keepdims: a.amin() if axis is None else a.amin(axis, keepdims)  # noqa: E731
_LSE, _LSE_T = _reduce("logsumexp")
_VAR, _VAR_T = _reduce("var")
_STD, _STD_T = _reduce("std")
_PROD = lambda m, a, axis, keepdims: a.prod() if axis is None else a.prod(axis, keepdims)  # noqa: E731
_PROD_FN = lambda m, a, axis, keepdims: m.prod(a) if axis is None else m.prod(a, axis, keepdims)  # noqa: E731


# ------------------------------------------------------------------ the specs
MATH = {"exp": "real", "log": "positive", "sqrt": "positive", "abs": "kinkfree", "sin": "real", "cos": "real",
        "tanh": "real", "sigmoid": "real", "relu": "kinkfree"}  # fmt: skip  (element-wise math: name → domain)


def _method_specs() -> list:
    """Tensor methods and operators."""
    specs = [Spec(f"Tensor.{n}", "unary", lambda m, a, n=n: getattr(a, n)(), domain=d) for n, d in MATH.items()]
    operators = {"__add__": operator.add, "__sub__": operator.sub, "__mul__": operator.mul,
                 "__truediv__": operator.truediv, "__pow__": operator.pow, "__matmul__": operator.matmul}  # fmt: skip
    for name, op in operators.items():
        kind = "matmul" if name == "__matmul__" else "binary"
        domain = {"__truediv__": "kinkfree", "__pow__": "positive"}.get(name, "real")
        specs.append(Spec(f"Tensor.{name}", kind, lambda m, a, b, op=op: op(a, b), domain=domain))
        reflected = name.replace("__", "__r", 1)  # an ndarray on the left calls the Tensor's reflected operator
        specs.append(Spec(f"Tensor.{reflected}", kind, lambda m, a, b, op=op: op(_constant(m, a), b), domain=domain))
    in_place_ops = {"__iadd__": operator.iadd, "__isub__": operator.isub, "__imul__": operator.imul,
                    "__itruediv__": operator.itruediv}  # fmt: skip
    for name, op in in_place_ops.items():
        specs.append(Spec(f"Tensor.{name}", "into", _augmented(op), domain="kinkfree"))
    specs += [
        Spec("Tensor.__neg__", "unary", lambda m, a: -a),
        Spec("Tensor.__abs__", "unary", lambda m, a: abs(a), domain="kinkfree"),
        Spec("Tensor.__pos__", "unary", lambda m, a: +a * 1.0),
        Spec("Tensor.pow", "binary", lambda m, a, b: a.pow(b), domain="positive"),
        Spec("Tensor.matmul", "matmul", lambda m, a, b: a.matmul(b)),
        Spec("Tensor.maximum", "binary", lambda m, a, b: a.maximum(b), domain="kinkfree"),
        Spec("Tensor.minimum", "binary", lambda m, a, b: a.minimum(b), domain="kinkfree"),
        Spec("Tensor.clip", "bounds", lambda m, a, lo, hi: a.clip(lo, hi), lambda m, a, lo, hi: a.clamp(lo, hi),
             domain="kinkfree"),
        Spec("Tensor.clamp", "bounds", lambda m, a, lo, hi: a.clamp(lo, hi), domain="kinkfree"),
        Spec("Tensor.sum", "reduction", _SUM, _SUM_T),
        Spec("Tensor.mean", "reduction", _MEAN, _MEAN_T),
        Spec("Tensor.max", "nonempty_reduction", _MAX, _MAX_T, domain="kinkfree"),
        Spec("Tensor.min", "nonempty_reduction", _MIN, _MIN_T, domain="kinkfree"),
        Spec("Tensor.max[dim]", "nonempty_axis", lambda m, a, axis: a.max(axis).values, domain="kinkfree"),
        Spec("Tensor.min[dim]", "nonempty_axis", lambda m, a, axis: a.min(axis).values, domain="kinkfree"),
        Spec("Tensor.amax", "nonempty_reduction", _AMAX, domain="kinkfree"),
        Spec("Tensor.amin", "nonempty_reduction", _AMIN, domain="kinkfree"),
        Spec("Tensor.var", "variance", _VAR, _VAR_T),
        Spec("Tensor.logsumexp", "reduction", _LSE, _LSE_T),
        Spec("Tensor.softmax", "along_axis", lambda m, a, axis: a.softmax(axis)),
        Spec("Tensor.log_softmax", "along_axis", lambda m, a, axis: a.log_softmax(axis)),
        Spec("Tensor.reshape", "reshape", lambda m, a, shape: a.reshape(shape)),  # (PyTorch: reshape() is an error)
        Spec("Tensor.view", "reshape", lambda m, a, shape: (a * 1.0).view(shape)),
        Spec("Tensor.flatten", "flatten", lambda m, a, start, end: a.flatten(start, end)),
        Spec("Tensor.transpose", "two_axes", lambda m, a, dim0, dim1: a.transpose(dim0, dim1)),
        Spec("Tensor.permute", "permutation", lambda m, a, axes: a.permute(axes)),
        Spec("Tensor.T", "unary", lambda m, a: a.T, lambda m, a: a.permute(tuple(reversed(range(a.ndim))))),
        Spec("Tensor.mT", "matrices", lambda m, a: a.mT),
        Spec("Tensor.expand", "expand", lambda m, a, shape: a.expand(shape)),
        Spec("Tensor.broadcast_to", "expand", lambda m, a, shape: a.broadcast_to(shape)),
        Spec("Tensor.expand_as", "expand", lambda m, a, shape: a.expand_as(m.zeros(tuple(shape), dtype=a.dtype))),
        Spec("Tensor.view_as", "reshape", lambda m, a, shape: (a * 1.0).view_as(_shaped(m, a, shape))),
        Spec("Tensor.reshape_as", "reshape", lambda m, a, shape: a.reshape_as(_shaped(m, a, shape))),
        Spec("Tensor.squeeze", "squeeze", lambda m, a, axis: a.squeeze() if axis is None else a.squeeze(axis)),
        Spec("Tensor.unsqueeze", "unsqueeze", lambda m, a, axis: a.unsqueeze(axis)),
        Spec("Tensor.clone", "unary", lambda m, a: a.clone() * a),
        Spec("Tensor.__getitem__", "basic_index", lambda m, a, key: a[key]),
        Spec("Tensor.__getitem__[array]", "array_index", _index_rows),
        Spec("Tensor.__getitem__[mask]", "mask_index", lambda m, a: a[a > 0], domain="kinkfree"),
        Spec("Tensor.__setitem__", "setitem", _setitem),
        Spec("Tensor.add_", "into", _in_place("add_")),
        Spec("Tensor.sub_", "into", _in_place("sub_")),
        Spec("Tensor.mul_", "into", _in_place("mul_")),
        Spec("Tensor.div_", "into", _in_place("div_"), domain="kinkfree"),
        Spec("Tensor.clamp_", "unary", _in_place("clamp_", -0.5, 0.7), domain="kinkfree"),
        Spec("Tensor.clip_", "unary", _in_place("clip_", -0.5, 0.7), domain="kinkfree"),
        Spec("Tensor.copy_", "into", _in_place("copy_")),
        Spec("Tensor.fill_", "unary", lambda m, a: _in_place("fill_", 0.25)(m, a) + a),
        Spec("Tensor.zero_", "unary", lambda m, a: _in_place("zero_")(m, a) + a),
        Spec("Tensor.astype", "unary", _cast("astype", "float32"), lambda m, a: a.to(m.float32) * 1.0,
             domain="grid", eps=1 / 16),
        Spec("Tensor.to", "unary", _cast("to", "float32"), domain="grid", eps=1 / 16),
        Spec("Tensor.type", "unary", _cast("type", "float32"), domain="grid", eps=1 / 16),
        Spec("Tensor.float", "unary", _cast("float"), domain="grid", eps=1 / 16),
        # (second order: gradgradcheck's output gradient, off the grid, rounds to float16 in the backward)
        Spec("Tensor.half", "unary", _cast("half"), domain="grid", twice=False, eps=1 / 16),
        Spec("Tensor.double", "unary", _cast("double")),
        Spec("Tensor.cpu", "unary", _cast("cpu")),
    ]
    specs += [  # PyTorch's further tensor methods
        Spec("Tensor.erf", "unary", lambda m, a: a.erf()),
        Spec("Tensor.t", "at_most_2d", lambda m, a: a.t()),
        Spec("Tensor.mm", "matrix_pair", lambda m, a, b: a.mm(b)),
        Spec("Tensor.bmm", "batch_pair", lambda m, a, b: a.bmm(b)),
        Spec("Tensor.std", "deviation", _STD, _STD_T),
        Spec("Tensor.norm", "norms", lambda m, a, p, dim, keepdim: a.norm(p, dim, keepdim), domain="kinkfree"),
        Spec("Tensor.prod", "product", _PROD),
        Spec("Tensor.cumsum", "along_axis", lambda m, a, axis: a.cumsum(axis)),
        Spec("Tensor.cumprod", "along_axis", lambda m, a, axis: a.cumprod(axis)),
        Spec("Tensor.gather", "gathering", lambda m, a, dim, index: a.gather(dim, _ix(m, index))),
        Spec("Tensor.scatter", "scattering", lambda m, a, b, dim, index: a.scatter(dim, _ix(m, index), b)),
        Spec("Tensor.scatter[value]", "scatter_value", lambda m, a, dim, index: a.scatter(dim, _ix(m, index), 0.5)),
        Spec("Tensor.scatter_add", "scatter_adding", lambda m, a, b, dim, index: a.scatter_add(dim, _ix(m, index), b)),
        Spec("Tensor.masked_fill", "masking", lambda m, a, mask: a.masked_fill(_mask(m, mask), 0.5)),
        Spec("Tensor.masked_fill[tensor]", "masking_tensor", lambda m, a, v, mask: a.masked_fill(_mask(m, mask), v)),
        Spec("Tensor.repeat", "repeats", lambda m, a, reps: a.repeat(reps)),
        Spec("Tensor.tile", "tiles", lambda m, a, reps: a.tile(reps)),
        Spec("Tensor.split", "splits", _pieces("split")),
        Spec("Tensor.chunk", "chunks", _pieces("chunk")),
        Spec("Tensor.sort", "sorting", lambda m, a, axis, descending: a.sort(axis, descending).values,
             domain="kinkfree"),
        Spec("Tensor.topk", "top", lambda m, a, axis, k, largest: a.topk(k, axis, largest).values, domain="kinkfree"),
        Spec("Tensor.clamp[tensors]", "clamping", lambda m, a, lo, hi: a.clamp(lo, hi), domain="kinkfree"),
        Spec("Tensor.clamp[min]", "clamping_one", lambda m, a, lo: a.clamp(min=lo), domain="kinkfree"),
        Spec("Tensor.clamp[max]", "clamping_one", lambda m, a, hi: a.clamp(max=hi), domain="kinkfree"),
        Spec("Tensor.clip[tensors]", "clamping", lambda m, a, lo, hi: a.clip(lo, hi), domain="kinkfree"),
    ]
    return specs


def _function_specs() -> list:
    """``chainrule.<op>`` (ops/api.py) against ``torch.<op>``."""
    specs = [Spec(f"cr.{n}", "unary", lambda m, a, n=n: getattr(m, n)(a), domain=d) for n, d in MATH.items()]
    specs += [
        Spec("cr.softmax", "along_axis", lambda m, a, axis: m.softmax(a, axis)),
        Spec("cr.log_softmax", "along_axis", lambda m, a, axis: m.log_softmax(a, axis)),
        Spec("cr.sum", "reduction", *_reduce_fn("sum")),
        Spec("cr.mean", "reduction", *_reduce_fn("mean")),
        Spec("cr.logsumexp", "reduction", *_reduce_fn("logsumexp")),
        Spec("cr.clip", "bounds", lambda m, a, lo, hi: m.clip(a, lo, hi), lambda m, a, lo, hi: m.clamp(a, lo, hi),
             domain="kinkfree"),
        Spec("cr.maximum", "binary", lambda m, a, b: m.maximum(a, b), domain="kinkfree"),
        Spec("cr.minimum", "binary", lambda m, a, b: m.minimum(a, b), domain="kinkfree"),
        Spec("cr.matmul", "matmul", lambda m, a, b: m.matmul(a, b)),
        Spec("cr.where", "ternary", lambda m, c, a, b: m.where(c > 0, a, b)),
        Spec("cr.cat", "join", lambda m, *xs, axis: m.cat(list(xs), axis)),
        Spec("cr.concatenate", "join", lambda m, *xs, axis: m.concatenate(list(xs), axis),
             lambda m, *xs, axis: m.cat(list(xs), axis)),
        Spec("cr.stack", "stack", lambda m, *xs, axis: m.stack(list(xs), axis)),
        Spec("cr.max", "nonempty_axis", lambda m, a, axis: m.max(a, axis).values, domain="kinkfree"),
        Spec("cr.min", "nonempty_axis", lambda m, a, axis: m.min(a, axis).values, domain="kinkfree"),
        Spec("cr.amax", "nonempty_axis", lambda m, a, axis: m.amax(a, axis), domain="kinkfree"),
        Spec("cr.amin", "nonempty_axis", lambda m, a, axis: m.amin(a, axis), domain="kinkfree"),
        Spec("cr.flatten", "flatten", lambda m, a, start, end: m.flatten(a, start, end)),
    ]
    specs += [  # PyTorch's further functions
        Spec("cr.erf", "unary", lambda m, a: m.erf(a)),
        Spec("cr.t", "at_most_2d", lambda m, a: m.t(a)),
        Spec("cr.mm", "matrix_pair", lambda m, a, b: m.mm(a, b)),
        Spec("cr.bmm", "batch_pair", lambda m, a, b: m.bmm(a, b)),
        Spec("cr.std", "deviation", lambda m, a, axis, keepdims, correction: m.std(
            a, dims(axis, a.ndim), keepdim=keepdims, correction=correction)),
        Spec("cr.var", "variance", lambda m, a, axis, keepdims, correction: m.var(
            a, dims(axis, a.ndim), keepdim=keepdims, correction=correction)),
        Spec("cr.norm", "norms", lambda m, a, p, dim, keepdim: m.norm(a, p, dim, keepdim), domain="kinkfree"),
        Spec("cr.prod", "product", _PROD_FN),
        Spec("cr.cumsum", "along_axis", lambda m, a, axis: m.cumsum(a, axis)),
        Spec("cr.cumprod", "along_axis", lambda m, a, axis: m.cumprod(a, axis)),
        Spec("cr.gather", "gathering", lambda m, a, dim, index: m.gather(a, dim, _ix(m, index))),
        Spec("cr.scatter", "scattering", lambda m, a, b, dim, index: m.scatter(a, dim, _ix(m, index), b)),
        Spec("cr.scatter_add", "scatter_adding", lambda m, a, b, dim, index: m.scatter_add(a, dim, _ix(m, index), b)),
        Spec("cr.masked_fill", "masking", lambda m, a, mask: m.masked_fill(a, _mask(m, mask), 0.5)),
        Spec("cr.tile", "tiles", lambda m, a, reps: m.tile(a, reps)),
        Spec("cr.split", "splits", _pieces("cr.split")),
        Spec("cr.chunk", "chunks", _pieces("cr.chunk")),
        Spec("cr.sort", "sorting", lambda m, a, axis, descending: m.sort(a, axis, descending).values,
             domain="kinkfree"),
        Spec("cr.topk", "top", lambda m, a, axis, k, largest: m.topk(a, k, axis, largest).values, domain="kinkfree"),
        Spec("cr.clamp", "bounds", lambda m, a, lo, hi: m.clamp(a, lo, hi), domain="kinkfree"),
        Spec("cr.clamp[tensors]", "clamping", lambda m, a, lo, hi: m.clamp(a, lo, hi), domain="kinkfree"),
        Spec("cr.clip[tensors]", "clamping", lambda m, a, lo, hi: m.clip(a, lo, hi), domain="kinkfree"),
    ]
    return specs


def _functional_specs() -> list:
    """``chainrule.nn.functional`` against ``torch.nn.functional``."""
    return [
        Spec("F.linear", "linear", lambda m, x, w, b: F(m).linear(x, w, b)),
        Spec("F.sigmoid", "unary", lambda m, a: F(m).sigmoid(a)),
        Spec("F.tanh", "unary", lambda m, a: F(m).tanh(a)),
        Spec("F.relu", "unary", lambda m, a: F(m).relu(a), domain="kinkfree"),
        Spec("F.leaky_relu", "unary", lambda m, a: F(m).leaky_relu(a, 0.1), domain="kinkfree"),
        Spec("F.softmax", "along_axis", lambda m, a, axis: F(m).softmax(a, axis)),
        Spec("F.log_softmax", "along_axis", lambda m, a, axis: F(m).log_softmax(a, axis)),
        Spec("F.dropout", "unary", lambda m, a: F(m).dropout(a, 0.4, training=False) * F(m).dropout(a, 0.0)),
        Spec("F.dropout[random]", "unary", lambda m, a: F(m).dropout(a, 0.4, generator=cr.Generator(5)), torch=False),
        Spec("F.cross_entropy", "rows", _labelled("cross_entropy")),
        Spec("F.cross_entropy[probabilities]", "soft_rows",
             lambda m, a, t, reduction: F(m).cross_entropy(a, t.softmax(1), reduction=reduction)),
        Spec("F.nll_loss", "rows", _labelled("nll_loss")),
        Spec("F.cross_entropy[weight,ignore_index,label_smoothing]", "rows",
             _class_options("cross_entropy", label_smoothing=0.2)),
        Spec("F.nll_loss[weight,ignore_index]", "rows", _class_options("nll_loss")),
        Spec("F.binary_cross_entropy_with_logits[weight,pos_weight]", "same_shape", _bce_options),
        Spec("F.multiclass_svm_loss", "nonempty_rows", _svm, domain="kinkfree", twice=False),  # torch: no second order
        Spec("F.mse_loss", "same_shape", lambda m, a, t, reduction: F(m).mse_loss(a, t, reduction=reduction)),
        Spec("F.binary_cross_entropy", "same_shape",
             lambda m, p, t, reduction: F(m).binary_cross_entropy(p, t, reduction=reduction), domain="unit"),
        Spec("F.binary_cross_entropy_with_logits", "same_shape",
             lambda m, x, t, reduction: F(m).binary_cross_entropy_with_logits(x, t.sigmoid(), reduction=reduction)),
        Spec("F.l2_penalty", "parameters", lambda m, a, b: F(m).l2_penalty([a, b]),
             lambda m, a, b: (a * a).sum() + (b * b).sum()),
        Spec("F.gelu", "unary", lambda m, a: F(m).gelu(a)),
        Spec("F.gelu[tanh]", "unary", lambda m, a: F(m).gelu(a, approximate="tanh")),
        Spec("F.silu", "unary", lambda m, a: F(m).silu(a)),
        Spec("F.elu", "unary", lambda m, a: F(m).elu(a)),
        Spec("F.elu[alpha]", "unary", lambda m, a: F(m).elu(a, 0.5), domain="kinkfree"),
        Spec("F.softplus", "unary", lambda m, a: F(m).softplus(a)),
        Spec("F.softplus[beta]", "unary", lambda m, a: F(m).softplus(a, 2.0, 1.5)),
        Spec("F.embedding", "embedding", lambda m, w, index: F(m).embedding(_ix(m, index), w)),
        Spec("F.layer_norm", "normalised", lambda m, x, w, b, normalized_shape: F(m).layer_norm(
            x, normalized_shape, w, b)),
    ]  # fmt: skip


SPECS = _method_specs() + _function_specs() + _functional_specs()
