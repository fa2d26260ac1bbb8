"""Tensor: an array, its gradient, and its place in the computational graph.

Operators and methods only delegate: the maths of each op (forward and backward
side by side) lives in ``chainrule.ops``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any, NamedTuple

from chainrule import backend, dtypes, printing, random
from chainrule import device as device_mod
from chainrule.backend import xp
from chainrule.errors import BackwardError, DTypeError

_TORCH = object()  # Tensor(...) without dtype=: torch.Tensor's reading of the arguments


class Tensor:
    """An n-dimensional array that records the operations made on it.

    ``data`` is the same values cut from the graph, as in PyTorch; ``grad`` receives the gradient of whatever
    ``backward()`` was called on; ``grad_fn`` is the node that produced it
    (None for leaves). Create tensors with :func:`chainrule.tensor`.
    """

    # _grad_fn: the node that made it; _vc: its memory's VersionCounter; _view: (base, the base's grad_fn
    # when this view's history was last read off it) for a view; _acc: a leaf's AccumulateGrad node,
    # made when a recorded op first uses the leaf (see autograd.graph).
    __slots__ = ("_data", "grad", "_rg", "_grad_fn", "_output_nr", "name", "_vc", "_view", "_acc", "__weakref__")
    __array_ufunc__ = None  # make ``ndarray * tensor`` call Tensor.__rmul__

    def __init__(self, *data: Any, dtype: Any = _TORCH, requires_grad: bool = False, name: str | None = None) -> None:
        """``Tensor(data)`` as ``torch.Tensor``: a copy of ``data`` in the default float dtype; ``Tensor(2, 3)``
        a zero-filled (2, 3) tensor of it. ``dtype=`` (None: inferred, as :func:`chainrule.tensor`) sets the
        dtype of the data."""
        if dtype is _TORCH or len(data) != 1:
            data, dtype = _torch_arguments(data, dtype)
        else:
            (data,) = data
        if isinstance(data, Tensor):
            data = data._data
        array = backend.as_array(data, dtype)
        if array is data:
            array = array.copy()
        if array.dtype == object or array.dtype.kind in "USV":
            raise TypeError(f"tensor: cannot make a tensor of dtype {array.dtype} (from {type(data).__name__})")
        self._data = array
        self.grad = None
        self._rg = False
        self._grad_fn = None
        self._output_nr = 0
        self.name = name
        self._vc = VersionCounter()
        self._view = None
        self._acc = None
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod  # not a classmethod: binding one costs a third of the call, and this runs for every result
    def _make(data: Any, requires_grad: bool = False, grad_fn: Any = None, output_nr: int = 0,
              cls: type | None = None) -> Tensor:
        """Wrap a backend array without copying or checking (the engine's fast path); a ``cls`` instance if given."""
        t = _new(cls or Tensor)
        t._data = data if type(data) is _NDARRAY else xp.asarray(data)
        t.grad = None
        t._rg = requires_grad
        t._grad_fn = grad_fn
        t._output_nr = output_nr
        t.name = None
        t._vc = VersionCounter()
        t._view = None
        t._acc = None
        return t

    # ------------------------------------------------------------------ metadata
    @property
    def shape(self) -> tuple:
        """The size of each dimension, as a tuple (NumPy's ``shape``; ``t.size()`` gives the same)."""
        return self._data.shape

    @property
    def ndim(self) -> int:
        """The number of dimensions (0 for a scalar)."""
        return self._data.ndim

    @property
    def size(self) -> int:
        """The number of elements, as in NumPy; called, ``t.size()`` or ``t.size(d)``, the shape as in PyTorch."""
        return Size(self._data.size, self._data.shape)

    def numel(self) -> int:
        """The number of elements (PyTorch's name for ``size``)."""
        return self._data.size

    def dim(self) -> int:
        """The number of dimensions (PyTorch's name for ``ndim``)."""
        return self._data.ndim

    ndimension = dim
    """PyTorch's other name for :meth:`dim`."""

    @property
    def device(self) -> device_mod.device:
        """Where the data lives: always the CPU (see ``chainrule.device``)."""
        return device_mod.CPU

    @property
    def dtype(self) -> Any:
        """The element type, a NumPy dtype (``cr.float32``, ``cr.int64`` ...)."""
        return self._data.dtype

    @property
    def data(self) -> Tensor:
        """The same memory as a tensor cut from the graph (PyTorch's ``.data``): changes made through it,
        such as ``p.data.fill_(0)``, are invisible to autograd. Prefer ``detach()``, which keeps that check."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value: Any) -> None:
        if not isinstance(value, Tensor | _NDARRAY):
            raise TypeError(f"Tensor.data: assign a tensor, not {type(value).__name__} "
                            f"(for example cr.tensor(values, dtype={self.dtype}))")
        array = value._data if isinstance(value, Tensor) else value
        if array.shape != self._data.shape or array.dtype != self._data.dtype:
            raise ValueError(f"Tensor.data: cannot assign values of shape {tuple(array.shape)} and dtype "
                             f"{array.dtype} to a tensor of shape {tuple(self.shape)} and dtype {self.dtype}; "
                             f"convert first, for example value.to(cr.{self.dtype})")  # fmt: skip
        self._data = array

    @property
    def requires_grad(self) -> bool:
        """Whether backward() computes a gradient for this tensor; set it on a leaf to make it a variable."""
        if self._view is not None:
            self._sync_view()
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (not by a recorded op)."""
        return self.grad_fn is None

    @property
    def grad_fn(self) -> Any:
        """The node that produced this tensor (None for leaves and constants)."""
        if self._view is not None:
            self._sync_view()
        return self._grad_fn

    @property
    def _version(self) -> int:
        """How many times this tensor's data (or its base's) was modified in place."""
        return self._vc.value

    @property
    def _base(self) -> Tensor | None:
        """The tensor whose memory this view shares (None unless this tensor is a view), as in PyTorch."""
        return None if self._view is None else self._view[0]

    def _sync_view(self) -> None:
        """After an in-place op changed its base's history, read this view off the base's new history.

        A view keeps ``(base, the base's grad_fn when the view's history was last derived)``; when
        the base has a new ``grad_fn`` the view's values already changed (shared memory), and now its
        history follows: the view becomes an index of the updated base (PyTorch regenerates it too).
        """
        base, seen = self._view
        current = base._grad_fn
        if current is seen:
            return
        self._view = (base, current)
        if base._rg:
            node = index_ops.view_of(base, self._data)
            self._grad_fn, self._output_nr, self._rg = node, 0, True

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self._data)))

    # ``==`` is element-wise, so Python would drop the hash: keep identity hashing (in C, for speed).
    __hash__ = object.__hash__

    # ------------------------------------------------------------------ conversions
    def numpy(self) -> Any:
        """The data as a NumPy array (shared, not copied); refuses tensors that require grad."""
        if self._rg:
            raise BackwardError("numpy(): call .detach().numpy() on a tensor that requires grad")
        return self._data

    def item(self) -> Any:
        """The single value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise ValueError(f"item(): only one-element tensors convert to a Python number, got shape {self.shape}")
        return self._data.item()

    def tolist(self) -> Any:
        """The values as nested Python lists of Python numbers (a number for a 0-d tensor)."""
        return self._data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Any:
        arr = self._data if dtype is None else self._data.astype(dtype, copy=False)
        return arr.copy() if copy else arr

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError(
                f"only integer tensors of one element can be used as an index, got {self.dtype} {self.shape}"
            )
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous; use .any() or .all()")
        return bool(self._data.item())

    def astype(self, dtype: Any) -> Tensor:
        """A copy in another dtype; differentiable between floating dtypes."""
        return Cast.apply(self, dtype=dtypes.as_dtype(dtype, "astype"))

    def to(self, *args: Any, dtype: Any = None, device: Any = None, copy: bool = False,
           non_blocking: bool = False) -> Tensor:  # fmt: skip
        """PyTorch's ``to``: ``t.to(dtype)``, ``t.to("cpu")``, ``t.to(device, dtype)`` or ``t.to(other)``.

        Returns ``self`` when nothing changes (unless ``copy``); another dtype gives a differentiable copy.
        A device other than the CPU is a clear error (chainrule computes with NumPy).
        """
        dtype = to_arguments(args, dtype, device, "to")
        target = self.dtype if dtype is None else dtypes.as_dtype(dtype, "to")
        if target != self.dtype:
            return self.astype(target)
        return self.clone() if copy else self

    def cpu(self) -> Tensor:
        """This tensor: it is on the CPU already."""
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        """A clear error: chainrule has no CUDA device (``cr.cuda.is_available()`` is False)."""
        device_mod.available("cuda" if device is None else device, "cuda")
        return self

    def type(self, dtype: Any = None) -> Any:
        """Without ``dtype``, PyTorch's type name (``"chainrule.FloatTensor"``); with one, a copy in that dtype."""
        if dtype is None:
            return "chainrule." + dtypes.TYPE_NAMES.get(self.dtype, f"Tensor[{self.dtype}]")
        return self.to(dtypes.as_dtype(dtype, "type"))

    def float(self) -> Tensor:
        """A float32 copy (``self`` when it is float32 already); differentiable from other floating dtypes."""
        return self.to(backend.float32)

    def double(self) -> Tensor:
        """A float64 copy (``self`` when it is float64 already), as gradient checks want."""
        return self.to(backend.float64)

    def half(self) -> Tensor:
        """A float16 copy (``self`` when it is float16 already)."""
        return self.to(dtypes.float16)

    def long(self) -> Tensor:
        """An int64 copy, as class labels and indices take (``self`` when it is int64 already); no gradient."""
        return self.to(dtypes.int64)

    def int(self) -> Tensor:
        """An int32 copy (``self`` when it is int32 already); no gradient."""
        return self.to(dtypes.int32)

    def bool(self) -> Tensor:
        """A boolean copy, True where an element is non-zero (``self`` when it is boolean already)."""
        return self.to(dtypes.bool_)

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"`` formats a 0-d tensor's value (as in PyTorch); other tensors take no format spec."""
        if self._data.ndim == 0:
            return format(self._data.item(), spec)
        if spec:
            raise TypeError(
                f"unsupported format string {spec!r} for a tensor of shape {self.shape}: only 0-d tensors take "
                "one (format t.item(), or each element)"
            )
        return str(self)

    # ------------------------------------------------------------------ graph
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set whether gradients are computed for this leaf; returns self."""
        if self.grad_fn is not None:
            if requires_grad:
                return self
            raise BackwardError(
                "requires_grad_(False): only leaf tensors can change requires_grad; "
                "use .detach() to get a tensor out of the graph"
            )
        if requires_grad and not backend.is_floating(self._data.dtype):
            raise DTypeError(
                f"only floating-point tensors can require gradients, got dtype {self.dtype}; "
                "convert with .float() or .double() first"
            )
        self._rg = bool(requires_grad)
        return self

    # ------------------------------------------------------------------ copies (as in PyTorch)
    def __reduce_ex__(self, protocol: Any) -> Any:
        """Pickling keeps a leaf's data, grad, requires_grad and name; a tensor made by an op travels as a
        leaf of the same values, without its graph (and a view without its base), as in PyTorch."""
        grad = self.grad if self.grad_fn is None else None
        return _rebuilt_leaf, (type(self), self._data, self._rg, self.name, grad)

    def __deepcopy__(self, memo: dict) -> Tensor:
        """A deep copy of a leaf (data, grad, requires_grad, name); a tensor made by an op refuses."""
        if self.grad_fn is not None:
            raise BackwardError(
                "deepcopy: only leaf tensors (made by the user, not by an operation) can be deep-copied; "
                "its graph cannot be copied. Use .detach().clone() for a copy of the values."
            )
        new = object.__new__(type(self))
        memo[id(self)] = new
        for field in ("_data", "grad", "_rg", "_grad_fn", "_output_nr", "name", "_vc"):
            setattr(new, field, copy.deepcopy(getattr(self, field), memo))
        new._view = new._acc = None
        return new

    def detach(self) -> Tensor:
        """A tensor sharing this data (and its version counter) but cut from the graph."""
        t = Tensor._make(self._data)
        t._vc = self._vc
        t.name = self.name
        return t

    def retain_grad(self) -> None:
        """Keep this intermediate tensor's gradient in ``.grad`` after backward()."""
        if not self._rg:
            raise BackwardError("retain_grad(): this tensor does not require grad")
        if self.grad_fn is None:
            return
        import weakref

        node = self.grad_fn
        if node._retained is None:
            node._retained = {}
        node._retained[self._output_nr] = weakref.ref(self)

    def backward(self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
                 inputs: Any = None) -> None:  # fmt: skip
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (with ``inputs``: into theirs only).

        ``gradient`` is required unless ``self`` has one element; it is the
        upstream gradient (same shape as ``self``).
        """
        if inputs is not None:
            autograd_functional.backward(self, gradient, retain_graph, create_graph, inputs)
            return
        engine.backward([self], [gradient], retain_graph=retain_graph or create_graph, create_graph=create_graph)

    def __repr__(self) -> str:
        body = printing.array_text(self._data, prefix="tensor(")
        extras = []
        if self._data.dtype not in (backend.default_float, xp.dtype(xp.int64), xp.dtype(xp.bool_)):
            extras.append(f"dtype={self._data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name}>")
        elif self._rg:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other: Any) -> Tensor:
        return Add.apply(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return Add.apply(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return Sub.apply(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return Sub.apply(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return Mul.apply(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return Mul.apply(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return Div.apply(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return Div.apply(other, self)

    def __mod__(self, other: Any) -> Tensor:
        return division.remainder(self, other)

    def __rmod__(self, other: Any) -> Tensor:
        return division.remainder(other, self)

    def __floordiv__(self, other: Any) -> Tensor:
        return division.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return division.floor_divide(other, self)

    def remainder(self, other: Any) -> Tensor:
        """``self % other`` with the divisor's sign (Python's ``%``); they broadcast."""
        return division.remainder(self, other)

    def fmod(self, other: Any) -> Tensor:
        """The remainder of ``self / other`` with the dividend's sign (C's ``fmod``); they broadcast."""
        return division.fmod(self, other)

    def floor_divide(self, other: Any) -> Tensor:
        """``self // other``: ⌊self / other⌋ element-wise; no gradient."""
        return division.floor_divide(self, other)

    def __pow__(self, other: Any) -> Tensor:
        return Pow.apply(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return Pow.apply(other, self)

    def __neg__(self) -> Tensor:
        return Neg.apply(self)

    def __abs__(self) -> Tensor:
        return Abs.apply(self)

    def __pos__(self) -> Tensor:
        return self

    def __matmul__(self, other: Any) -> Tensor:
        return MatMul.apply(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return MatMul.apply(other, self)

    # comparisons: non-differentiable boolean tensors
    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return False if other is None else compare.eq(self, other)  # t == None is False, as in PyTorch

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return True if other is None else compare.ne(self, other)

    def __lt__(self, other: Any) -> Tensor:
        return compare.lt(self, other)

    def __le__(self, other: Any) -> Tensor:
        return compare.le(self, other)

    def __gt__(self, other: Any) -> Tensor:
        return compare.gt(self, other)

    def __ge__(self, other: Any) -> Tensor:
        return compare.ge(self, other)

    # PyTorch's method names for the comparisons (boolean tensors, no gradient)
    def eq(self, other: Any) -> Tensor:
        """``self == other`` element-wise, as a boolean tensor (no gradient); they broadcast."""
        return compare.eq(self, other)

    def ne(self, other: Any) -> Tensor:
        """``self != other`` element-wise, as a boolean tensor (no gradient); they broadcast."""
        return compare.ne(self, other)

    def lt(self, other: Any) -> Tensor:
        """``self < other`` element-wise, as a boolean tensor (no gradient); they broadcast."""
        return compare.lt(self, other)

    def le(self, other: Any) -> Tensor:
        """``self <= other`` element-wise, as a boolean tensor (no gradient); they broadcast."""
        return compare.le(self, other)

    def gt(self, other: Any) -> Tensor:
        """``self > other`` element-wise, as a boolean tensor (no gradient); they broadcast."""
        return compare.gt(self, other)

    def ge(self, other: Any) -> Tensor:
        """``self >= other`` element-wise, as a boolean tensor (no gradient); they broadcast."""
        return compare.ge(self, other)

    def __invert__(self) -> Tensor:
        return compare.logical_not(self)

    def __and__(self, other: Any) -> Tensor:
        return compare.logical_and(self, other)

    def __or__(self, other: Any) -> Tensor:
        return compare.logical_or(self, other)

    # ------------------------------------------------------------------ in place
    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        """``self += alpha * other`` in place."""
        return inplace.apply(self, "add", other, alpha=alpha)

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        """``self -= alpha * other`` in place."""
        return inplace.apply(self, "sub", other, alpha=alpha)

    def mul_(self, other: Any) -> Tensor:
        """``self *= other`` in place."""
        return inplace.apply(self, "mul", other)

    def div_(self, other: Any) -> Tensor:
        """``self /= other`` in place."""
        return inplace.apply(self, "div", other)

    def clamp_(self, min: float | None = None, max: float | None = None) -> Tensor:
        """Clamp into [min, max] in place (either bound a number or None); ``clip_`` is the same method."""
        return inplace.apply(self, "clip", min, max)

    clip_ = clamp_
    """Another name for :meth:`clamp_`, as in PyTorch."""

    def copy_(self, src: Any) -> Tensor:
        """Overwrite this tensor's values with ``src`` (broadcast to this shape)."""
        return inplace.apply(self, "copy", src)

    def fill_(self, value: float) -> Tensor:
        """Overwrite every element with ``value``, in place; returns self."""
        return inplace.apply(self, "fill", value)

    def zero_(self) -> Tensor:
        """Overwrite every element with 0, in place (as optimizers clear gradients); returns self."""
        return inplace.apply(self, "fill", 0)

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
        """Overwrite with draws from N(mean, std²) (``chainrule.manual_seed`` or ``generator`` decides them)."""
        return self.copy_(random.resolve(generator).normal(mean, std, self.shape))

    def uniform_(self, low: float = 0.0, high: float = 1.0, *, generator: Any = None) -> Tensor:
        """Overwrite with draws from U(low, high) (PyTorch's ``from`` and ``to``)."""
        return self.copy_(random.resolve(generator).uniform(low, high, self.shape))

    def exp_(self) -> Tensor:
        """eˣ in place; returns self."""
        return inplace.apply_function(self, "exp", Tensor.exp)

    def log_(self) -> Tensor:
        """The natural logarithm in place; returns self."""
        return inplace.apply_function(self, "log", Tensor.log)

    def sqrt_(self) -> Tensor:
        """√x in place; returns self."""
        return inplace.apply_function(self, "sqrt", Tensor.sqrt)

    def sigmoid_(self) -> Tensor:
        """σ(x) in place; returns self."""
        return inplace.apply_function(self, "sigmoid", Tensor.sigmoid)

    def tanh_(self) -> Tensor:
        """tanh x in place; returns self."""
        return inplace.apply_function(self, "tanh", Tensor.tanh)

    def relu_(self) -> Tensor:
        """max(x, 0) in place; returns self."""
        return inplace.apply_function(self, "relu", Tensor.relu)

    def neg_(self) -> Tensor:
        """−x in place; returns self."""
        return inplace.apply_function(self, "neg", Tensor.__neg__)

    def pow_(self, exponent: Any) -> Tensor:
        """``self ** exponent`` in place; returns self."""
        return inplace.apply_function(self, "pow", lambda t: t.pow(exponent))

    def masked_fill_(self, mask: Any, value: Any) -> Tensor:
        """``value`` written where the boolean ``mask`` is True, in place; returns self."""
        return inplace.apply_function(self, "masked_fill", lambda t: t.masked_fill(mask, value))

    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    def __setitem__(self, key: Any, value: Any) -> None:
        inplace.apply(self, "setitem", value, key=key)

    # ------------------------------------------------------------------ math
    def exp(self) -> Tensor:
        """eˣ, element-wise; its derivative is eˣ itself."""
        return Exp.apply(self)

    def log(self) -> Tensor:
        """The natural logarithm, element-wise; its derivative is 1/x."""
        return Log.apply(self)

    def sqrt(self) -> Tensor:
        """√x, element-wise; its derivative is 1/(2√x)."""
        return Sqrt.apply(self)

    def abs(self) -> Tensor:
        """|x|, element-wise; its derivative is sign(x) (0 at 0, as in PyTorch)."""
        return Abs.apply(self)

    def sin(self) -> Tensor:
        """sin x, element-wise; its derivative is cos x."""
        return Sin.apply(self)

    def cos(self) -> Tensor:
        """cos x, element-wise; its derivative is −sin x."""
        return Cos.apply(self)

    def tanh(self) -> Tensor:
        """tanh x, element-wise; its derivative is 1 − tanh² x."""
        return Tanh.apply(self)

    def sigmoid(self) -> Tensor:
        """σ(x) = 1 / (1 + e^−x), element-wise; its derivative is σ(x)(1 − σ(x))."""
        return Sigmoid.apply(self)

    def relu(self) -> Tensor:
        """max(x, 0), element-wise; the gradient passes where the output is positive."""
        return Relu.apply(self)

    def pow(self, exponent: Any) -> Tensor:
        """``self ** exponent`` (a number or a tensor, broadcasting); both operands receive gradients."""
        return Pow.apply(self, exponent)

    def matmul(self, other: Any) -> Tensor:
        """``self @ other``: matrix product with NumPy's rules (vectors, and batches that broadcast)."""
        return MatMul.apply(self, other)

    def maximum(self, other: Any) -> Tensor:
        """The element-wise larger of ``self`` and ``other``; the gradient goes to the larger (half each on ties)."""
        return Maximum.apply(self, other)

    def minimum(self, other: Any) -> Tensor:
        """The element-wise smaller of ``self`` and ``other``; the gradient goes to the smaller (half each on ties)."""
        return Minimum.apply(self, other)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:
        """Clamp into [min, max]; either bound may be a tensor (broadcasting), which then receives its gradient
        where it is the value taken, as in PyTorch."""
        if min is None and max is None:
            raise ValueError("clip needs at least one of min and max (clamp(min=..., max=...))")
        if isinstance(min, _NUMBER_OR_NONE) and isinstance(max, _NUMBER_OR_NONE):
            return Clip.apply(self, lo=min, hi=max)
        return clamp_ops.clamp(self, min, max)

    clamp = clip
    """PyTorch's name for :meth:`clip`."""

    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self + alpha * other``, as ``torch.add``."""
        return Add.apply(self, other if alpha == 1 else other * alpha)

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self - alpha * other``, as ``torch.sub``."""
        return Sub.apply(self, other if alpha == 1 else other * alpha)

    def mul(self, other: Any) -> Tensor:
        """``self * other`` (they broadcast)."""
        return Mul.apply(self, other)

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """``self / other``; ``rounding_mode="floor"`` is ``//``, ``"trunc"`` rounds toward 0, as ``torch.div``."""
        if rounding_mode is None:
            return Div.apply(self, other)
        if rounding_mode == "floor":
            return division.floor_divide(self, other)
        if rounding_mode == "trunc":
            return division.trunc_divide(self, other)
        raise ValueError(f"div: rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}")

    def neg(self) -> Tensor:
        """−self."""
        return Neg.apply(self)

    negative = neg
    """PyTorch's other name for :meth:`neg`."""

    def square(self) -> Tensor:
        """x², element-wise."""
        return Pow.apply(self, 2)

    def rsqrt(self) -> Tensor:
        """1/√x, element-wise."""
        return Pow.apply(self, -0.5)

    def reciprocal(self) -> Tensor:
        """1/x, element-wise (integers give the default float dtype)."""
        return Div.apply(1.0, self)

    def log1p(self) -> Tensor:
        """log(1 + x), accurate for small x."""
        return Log1p.apply(self)

    def expm1(self) -> Tensor:
        """eˣ − 1, accurate for small x."""
        return Expm1.apply(self)

    def clamp_min(self, min: Any) -> Tensor:  # noqa: A002
        """``clamp(min=min)``."""
        return self.clamp(min=min)

    def clamp_max(self, max: Any) -> Tensor:  # noqa: A002
        """``clamp(max=max)``."""
        return self.clamp(max=max)

    def isnan(self) -> Tensor:
        """True where the element is NaN (a boolean tensor)."""
        return compare.isnan(self)

    def isinf(self) -> Tensor:
        """True where the element is +inf or −inf (a boolean tensor)."""
        return compare.isinf(self)

    def isfinite(self) -> Tensor:
        """True where the element is neither NaN nor infinite (a boolean tensor)."""
        return compare.isfinite(self)

    def round(self, decimals: int = 0) -> Tensor:
        """Rounded half to even (to ``decimals`` places), as ``torch.round``; no gradient (PyTorch's is 0)."""
        return compare.rounded(self, decimals)

    __round__ = round

    def sign(self) -> Tensor:
        """−1, 0 or +1 by each element's sign (0 at NaN); no gradient (PyTorch's is 0)."""
        return compare.sign(self)

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating-point one."""
        return self._data.dtype.kind == "f"

    def contiguous(self) -> Tensor:
        """This tensor (PyTorch's memory-layout call; NumPy handles any layout)."""
        return self

    def type_as(self, other: Tensor) -> Tensor:
        """This tensor in ``other``'s dtype."""
        return self.to(other.dtype)

    def new_tensor(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """A new tensor of ``data``, in this tensor's dtype unless ``dtype`` is given."""
        return Tensor(data, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad)

    def new_full(self, size: Any, fill_value: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """A new tensor of ``size`` filled with ``fill_value``, in this tensor's dtype unless ``dtype`` is given."""
        dtype = self.dtype if dtype is None else dtypes.as_dtype(dtype, "new_full")
        return Tensor._make(xp.full(shape_ops.shape_arg((size,)), fill_value, dtype)).requires_grad_(requires_grad)

    def new_zeros(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """Zeros of ``size``, in this tensor's dtype unless ``dtype`` is given."""
        return self.new_full(shape_ops.shape_arg(size), 0, dtype=dtype, requires_grad=requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """Ones of ``size``, in this tensor's dtype unless ``dtype`` is given."""
        return self.new_full(shape_ops.shape_arg(size), 1, dtype=dtype, requires_grad=requires_grad)

    new_empty = new_zeros
    """PyTorch's uninitialised tensor: :meth:`new_zeros`."""

    def dot(self, other: Any) -> Tensor:
        """The inner product of two 1-D tensors, as ``torch.dot``."""
        return matrices.dot(self, other)

    def outer(self, other: Any) -> Tensor:
        """The outer product of two 1-D tensors: ``out[i, j] = self[i] * other[j]``, as ``torch.outer``."""
        return matrices.outer(self, other)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """The diagonal over ``dim1`` and ``dim2`` (``offset`` above it), as its last dimension; a copy."""
        return selection.diagonal(self, offset, dim1, dim2)

    def flip(self, *dims: Any) -> Tensor:
        """Reversed along each of ``dims``, a copy, as ``torch.flip``."""
        return selection.flip(self, shape_ops.shape_arg(dims))

    def unbind(self, dim: int = 0) -> tuple:
        """The slices along ``dim``, each without that dimension (views)."""
        return selection.unbind(self, dim)

    def index_select(self, dim: int, index: Any) -> Tensor:
        """The entries at the 1-D integer ``index`` along ``dim`` (a copy)."""
        return selection.index_select(self, dim, index)

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
        """The int64 indices that sort along ``dim`` (stable), as ``torch.argsort``."""
        return sort_ops.sort(self, dim, descending, stable).indices

    def count_nonzero(self, dim: Any = None) -> Tensor:
        """The number of non-zero elements (of all, or over ``dim``), as int64."""
        return compare.count_nonzero(self, _axes(dim, self.ndim, "count_nonzero"))

    def erf(self) -> Tensor:
        """The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt, element-wise."""
        return Erf.apply(self)

    def mm(self, mat2: Any) -> Tensor:
        """Matrix product of two matrices (no vectors, no broadcasting), as ``torch.mm``."""
        return matrices.mm(self, mat2)

    def bmm(self, batch2: Any) -> Tensor:
        """Batched matrix product (B, n, k) @ (B, k, m), as ``torch.bmm``."""
        return matrices.bmm(self, batch2)

    def allclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
        """True when |self − other| ≤ atol + rtol·|other| everywhere, as ``torch.allclose``."""
        return close.allclose(self, other, rtol, atol, equal_nan)

    # Reductions take NumPy's ``axis``/``keepdims`` and PyTorch's ``dim``/``keepdim`` alike.
    def sum(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: bool | None = None,
            dtype: Any = None) -> Tensor:  # fmt: skip
        """The sum over ``axis``/``dim`` (all elements by default), keeping the reduced axes with ``keepdims``;
        ``dtype`` converts first."""
        axis, keepdims = _dims("sum", self.ndim, axis, keepdims, dim, keepdim)
        return Sum.apply(self if dtype is None else self.to(dtype), axis=axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: bool | None = None,
             dtype: Any = None) -> Tensor:  # fmt: skip
        """The mean over ``axis``/``dim`` (all elements by default), keeping the reduced axes with ``keepdims``;
        ``dtype`` converts first."""
        axis, keepdims = _dims("mean", self.ndim, axis, keepdims, dim, keepdim)
        return Mean.apply(self if dtype is None else self.to(dtype), axis=axis, keepdims=keepdims)

    def max(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Any:
        """The largest value: of all (``t.max()``), or along ``axis=`` (NumPy: values); ``t.max(dim)`` gives
        PyTorch's ``(values, indices)`` and ``t.max(other)`` the element-wise maximum."""
        return self._extreme(Max, compare.argmax, dim, keepdim, axis, keepdims)

    def min(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Any:
        """The smallest value; the same forms as :meth:`max`."""
        return self._extreme(Min, compare.argmin, dim, keepdim, axis, keepdims)

    def _extreme(self, op: type, arg: Any, dim: Any, keepdim: bool, axis: Any, keepdims: bool | None) -> Any:
        name = op.label
        if isinstance(dim, Tensor):  # torch.max(a, b)
            return Maximum.apply(self, dim) if op is Max else Minimum.apply(self, dim)
        if dim is None:  # all elements, or NumPy's axis=: the values alone
            axis, keepdims = _dims(name, self.ndim, axis, keepdim if keepdims is None else keepdims, None, None)
            return op.apply(self, axis=axis, keepdims=keepdims)
        if axis is not None:
            raise TypeError(f"{name}: give dim (PyTorch) or axis= (NumPy), not both")
        d = dim_index(dim, self.ndim, name)
        values = op.apply(self, axis=d, keepdims=keepdim, select="index")  # the gradient goes to the index
        indices = arg(self, d, keepdim) if self.ndim else Tensor._make(xp.zeros((), xp.int64))
        return (MaxResult if op is Max else MinResult)(values, indices)

    def amax(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """The largest values over ``dim`` (all by default), without indices (PyTorch's ``amax``)."""
        axis, keepdims = _dims("amax", self.ndim, None, keepdim, () if dim is None else dim, None)
        return Max.apply(self, axis=axis, keepdims=keepdims, select="equal")

    def amin(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """The smallest values over ``dim`` (all by default), without indices (PyTorch's ``amin``)."""
        axis, keepdims = _dims("amin", self.ndim, None, keepdim, () if dim is None else dim, None)
        return Min.apply(self, axis=axis, keepdims=keepdims, select="equal")

    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *, correction: int = 1,
            axis: Any = None, keepdims: bool | None = None) -> Tensor:  # fmt: skip
        """Variance over ``dim`` (all by default) in PyTorch's forms: ``var()``, ``var(unbiased)``,
        ``var(dim, unbiased, keepdim)``, ``var(dim, correction=0, keepdim=True)``; NumPy's ``axis``/``keepdims``
        too. Bessel's correction (n − 1) by default."""
        if isinstance(dim, bool):  # var(unbiased)
            dim, unbiased = None, dim
        axis, keepdims = _dims("var", self.ndim, axis, keepdim if keepdims is None else keepdims, dim, None)
        if unbiased is not None:
            correction = int(bool(unbiased))
        return reduce.var(self, axis, keepdims, correction)

    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *, correction: int = 1,
            axis: Any = None, keepdims: bool | None = None) -> Tensor:  # fmt: skip
        """Standard deviation √var, in var's forms."""
        return self.var(dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims).sqrt()

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
        """The vector p-norm over ``dim`` (all elements by default), as ``torch.norm``: p = 2 ('fro'), 1, inf ..."""
        return norms.norm(self, p, dim, keepdim, dtype)

    def prod(self, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None, axis: int | None = None,
             keepdims: bool | None = None) -> Tensor:  # fmt: skip
        """The product of all elements, or over one dimension; gradients exact at zeros (as PyTorch's)."""
        axis, keepdim = _dims("prod", self.ndim, axis, keepdim if keepdims is None else keepdims, dim, None)
        if isinstance(axis, tuple):
            raise TypeError(f"prod: dim must be one int (or None for all), got {dim if axis is None else axis!r}")
        return scan.Prod.apply(self if dtype is None else self.to(dtype), axis=axis, keepdims=keepdim)

    def cumsum(self, dim: int | None = None, *, dtype: Any = None, axis: int | None = None) -> Tensor:
        """Running sums along ``dim`` (integers and booleans sum as int64, as in PyTorch)."""
        return scan.Cumsum.apply(self if dtype is None else self.to(dtype), axis=_scan_dim("cumsum", self, dim, axis))

    def cumprod(self, dim: int | None = None, *, dtype: Any = None, axis: int | None = None) -> Tensor:
        """Running products along ``dim``; gradients exact where elements are 0 (as PyTorch's)."""
        src = self if dtype is None else self.to(dtype)
        return scan.Cumprod.apply(src, axis=_scan_dim("cumprod", self, dim, axis))

    def logsumexp(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
                  keepdim: bool | None = None) -> Tensor:  # fmt: skip
        """log Σ eˣ over ``axis``/``dim`` (all by default), computed stably (the maximum taken out first)."""
        axis, keepdims = _dims("logsumexp", self.ndim, axis, keepdims, dim, keepdim)
        return LogSumExp.apply(self, axis=axis, keepdims=keepdims)

    def softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        """eˣ / Σ eˣ along one axis (the last by default), computed stably; ``dim`` is PyTorch's name."""
        return Softmax.apply(self, axis=_one_dim("softmax", self.ndim, axis, dim))

    def log_softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        """x − logsumexp(x) along one axis (the last by default): the log of softmax, without its underflow."""
        return LogSoftmax.apply(self, axis=_one_dim("log_softmax", self.ndim, axis, dim))

    def argmax(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
               keepdim: bool | None = None) -> Tensor:  # fmt: skip
        """The int64 index of the largest value (of the flattened tensor, or along ``axis``/``dim``); no gradient."""
        axis, keepdims = _dims("argmax", self.ndim, axis, keepdims, dim, keepdim)
        return compare.argmax(self, axis, keepdims)

    def argmin(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
               keepdim: bool | None = None) -> Tensor:  # fmt: skip
        """The int64 index of the smallest value (of the flattened tensor, or along ``axis``/``dim``); no gradient."""
        axis, keepdims = _dims("argmin", self.ndim, axis, keepdims, dim, keepdim)
        return compare.argmin(self, axis, keepdims)

    def any(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Tensor:
        """Whether any element is non-zero (of all, or over ``dim``/``axis``), as a boolean tensor; no gradient."""
        axis, keepdims = _dims("any", self.ndim, axis, keepdim if keepdims is None else keepdims, dim, None)
        return Tensor._make(xp.asarray(self._data.any(axis=axis, keepdims=keepdims)))

    def all(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Tensor:
        """Whether every element is non-zero (of all, or over ``dim``/``axis``), as a boolean tensor; no gradient."""
        axis, keepdims = _dims("all", self.ndim, axis, keepdim if keepdims is None else keepdims, dim, None)
        return Tensor._make(xp.asarray(self._data.all(axis=axis, keepdims=keepdims)))

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape: Any) -> Tensor:
        """The same elements in another shape (``-1`` infers one size); a view when the memory allows. ``view`` is the
        same method."""
        return Reshape.apply(self, shape=shape_ops.shape_arg(shape))

    view = reshape
    """PyTorch's ``view``: :meth:`reshape` (a view where the memory allows, else a copy)."""

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Dimensions ``start_dim`` to ``end_dim`` merged into one (all of them by default)."""
        return shape_ops.flatten(self, start_dim, end_dim)

    def transpose(self, dim0: int = -2, dim1: int = -1) -> Tensor:
        """Dimensions ``dim0`` and ``dim1`` swapped (the last two by default), as a view."""
        return shape_ops.transpose(self, dim0, dim1)

    def permute(self, *axes: Any) -> Tensor:
        """The dimensions reordered: dimension i of the result is dimension ``axes[i]`` of this tensor."""
        return Permute.apply(self, axes=_axes(shape_ops.shape_arg(axes), self.ndim, "permute"))

    @property
    def T(self) -> Tensor:
        """All axes reversed (a matrix's transpose)."""
        return Permute.apply(self, axes=tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        """The last two axes swapped (a batch of matrices transposed)."""
        return shape_ops.transpose(self, -2, -1)

    def expand(self, *shape: Any) -> Tensor:
        """A broadcast view in a larger ``shape`` without copying; ``-1`` keeps a size (PyTorch's ``expand``)."""
        return shape_ops.expand(self, shape_ops.shape_arg(shape))

    def view_as(self, other: Tensor) -> Tensor:
        """This tensor in ``other``'s shape (PyTorch's ``view_as``)."""
        return self.reshape(other.shape)

    reshape_as = view_as
    """PyTorch's other name for :meth:`view_as`."""

    def expand_as(self, other: Tensor) -> Tensor:
        """A broadcast view in ``other``'s shape (PyTorch's ``expand_as``)."""
        return self.expand(other.shape)

    def broadcast_to(self, shape: Any) -> Tensor:
        """A broadcast view in ``shape``, as ``numpy.broadcast_to``."""
        return shape_ops.expand(self, shape_ops.shape_arg((shape,)))

    def squeeze(self, axis: Any = None, *, dim: Any = None) -> Tensor:
        """Size-1 dimensions dropped (all of them, or those in ``axis``/``dim``), as a view."""
        return shape_ops.squeeze(self, _either("squeeze", axis, dim))

    def unsqueeze(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        """A size-1 dimension inserted at ``axis``/``dim`` (``-1`` appends), as a view."""
        axis = _either("unsqueeze", axis, dim)
        if axis is None:
            raise TypeError("unsqueeze: missing the axis (dim) where the new size-1 dimension goes")
        return shape_ops.unsqueeze(self, axis)

    def clone(self) -> Tensor:
        """A copy with its own memory, still in the graph."""
        return Clone.apply(self)

    def t(self) -> Tensor:
        """A matrix transposed (0-d and 1-d tensors as they are), as ``torch.t``."""
        return matrices.t(self)

    def repeat(self, *sizes: Any) -> Tensor:
        """Tiled ``sizes[i]`` times along dimension i (``sizes`` may add leading dimensions), as ``torch.repeat``."""
        return tiling.repeat(self, sizes)

    def tile(self, *dims: Any) -> Tensor:
        """As ``repeat``, with 1s put in front of a short ``dims`` (``torch.tile``)."""
        return tiling.tile(self, dims)

    def split(self, split_size: Any, dim: int = 0) -> tuple:
        """Views of ``split_size`` elements along ``dim`` (the last may be shorter), or of the listed sizes."""
        return tiling.split(self, split_size, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple:
        """``chunks`` views along ``dim`` of ⌈n / chunks⌉ elements each (fewer when they run out)."""
        return tiling.chunk(self, chunks, dim)

    def gather(self, dim: int, index: Any, *, sparse_grad: bool = False) -> Tensor:
        """``out[i][j] = self[index[i][j]][j]`` (dim 0, and so on): values picked along ``dim``."""
        return gather_ops.gather(self, dim, index, sparse_grad=sparse_grad)

    def scatter(self, dim: int, index: Any, src: Any = None, *, value: Any = None, reduce: str | None = None) -> Tensor:
        """A copy with ``src`` (a tensor, or a number) written at ``index`` along ``dim``; the inverse of gather."""
        return gather_ops.scatter(self, dim, index, src, value, reduce=reduce)

    def scatter_add(self, dim: int, index: Any, src: Any) -> Tensor:
        """A copy with ``src`` added at ``index`` along ``dim`` (repeated places add up)."""
        return gather_ops.scatter(self, dim, index, src, add=True)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """``value`` where the boolean ``mask`` is True (they broadcast), ``self`` elsewhere."""
        return gather_ops.masked_fill(self, mask, value)

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
        """``(values, indices)`` sorted along ``dim``; equal values keep their order; NaN counts as largest."""
        return sort_ops.sort(self, dim, descending, stable)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
        """``(values, indices)`` of the ``k`` largest (or smallest) along ``dim``, in sorted order."""
        return sort_ops.topk(self, k, dim, largest, sorted)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        """The int64 indices of the non-zero elements, (count, ndim); or one tensor per dimension."""
        return sort_ops.nonzero(self, as_tuple=as_tuple)

    def __getitem__(self, key: Any) -> Tensor:
        return Index.apply(self, key=index_key(key))


_NDARRAY = backend.ndarray
_new = object.__new__


def _torch_arguments(args: tuple, dtype: Any) -> tuple:
    """The data and dtype of ``Tensor(*args)`` without ``dtype=``, as ``torch.Tensor`` reads them: sizes (all
    ints) give zeros of that shape, one other argument is the data; the dtype is the default float."""
    if dtype is _TORCH:
        dtype = backend.default_float
    if all(isinstance(a, (int, xp.integer)) and not isinstance(a, bool) for a in args):  # Tensor() is empty
        return xp.zeros(tuple(int(a) for a in args) if args else (0,), dtype), None
    if len(args) == 1:
        return args[0], dtype
    raise TypeError(
        f"Tensor: expected the data, or sizes (ints), got {len(args)} arguments of types "
        f"{', '.join(type(a).__name__ for a in args)}; pass dtype= by keyword"
    )


class VersionCounter:
    """How many times a tensor's memory was modified in place; one counter is shared by a base and its views.

    An op that saves a tensor for backward records the value, and refuses to use the tensor if it moved.
    """

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0

    def bump(self) -> None:
        """Count one more in-place modification."""
        self.value += 1

    def __repr__(self) -> str:
        return f"VersionCounter({self.value})"


def as_operand(value: Any, op: str) -> Any:
    """Make an array-like operand a constant Tensor, and a number a plain Python number; refuse other types."""
    if isinstance(value, Tensor):
        return value
    for kind in (bool, int, float):  # subclasses (Size, IntEnum ...) become the plain type NumPy treats as weak
        if isinstance(value, kind):
            return kind(value)
    if isinstance(value, (backend.ndarray, backend.xp.generic, list, tuple)):
        return Tensor._make(backend.as_array(value))
    raise TypeError(
        f"{op}: unsupported operand type {type(value).__name__}; expected a Tensor, a NumPy array or a Python number"
    )


def dim_index(dim: Any, ndim: int, op: str) -> int:
    """``dim`` as a non-negative index into ``ndim`` dimensions; a 0-d tensor takes 0 and -1, as in PyTorch."""
    if not isinstance(dim, (int, xp.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {dim!r}")
    span = max(ndim, 1)
    if not -span <= dim < span:
        raise IndexError(
            f"{op}: axis {dim} is out of range for a tensor with {ndim} dimension(s) "
            f"(expected a value in [{-span}, {span - 1}])"
        )
    return int(dim) % span


def _axes(axis: Any, ndim: int, op: str) -> Any:
    """Normalise an axis argument (int, tuple or None) to non-negative ints, naming bad ones."""
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):
        out = tuple(dim_index(a, ndim, op) for a in axis)
        if len(set(out)) != len(out):
            raise ValueError(f"{op}: repeated axis in {axis!r}")
        return out
    return dim_index(axis, ndim, op)


def to_arguments(args: tuple, dtype: Any, device: Any, op: str) -> Any:
    """The dtype asked for by PyTorch's ``to(...)`` arguments (a device, a dtype, both, or a tensor whose
    dtype to take), once a device named there is checked to be available; None when none is asked for."""
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype if dtype is None else dtype
        elif isinstance(a, (str, device_mod.device)):
            device = a
        else:
            dtype = a
    if device is not None:
        device_mod.available(device, op)
    return dtype


def _either(op: str, axis: Any, dim: Any) -> Any:
    """NumPy's ``axis`` or PyTorch's ``dim``, whichever was given (not both)."""
    if dim is None:
        return axis
    if axis is not None:
        raise TypeError(f"{op}: give axis (NumPy) or dim (PyTorch), not both")
    return dim


def _dims(op: str, ndim: int, axis: Any, keepdims: bool, dim: Any, keepdim: bool | None) -> tuple:
    """The reduced axes and keepdims of a reduction called in NumPy's or PyTorch's spelling.

    PyTorch's ``dim=()`` (or ``[]``) reduces over every dimension, as ``torch.sum`` does; NumPy's
    ``axis=()`` reduces over none.
    """
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}: give axis (NumPy) or dim (PyTorch), not both")
        axis = None if isinstance(dim, (tuple, list)) and not dim else dim
    return _axes(axis, ndim, op), keepdims if keepdim is None else keepdim


def _scan_dim(op: str, t: Tensor, dim: Any, axis: Any) -> int:
    """The one dimension of cumsum/cumprod (``dim`` or NumPy's ``axis``), which must be given."""
    chosen = _either(op, axis, dim)
    if chosen is None:
        raise TypeError(f"{op}: missing the dimension to run along (dim=)")
    return dim_index(chosen, t.ndim, op)


_NUMBER_OR_NONE = (int, float, type(None))


def _one_dim(op: str, ndim: int, axis: Any, dim: Any) -> int:
    """The one axis of softmax-like ops, given as ``axis`` or ``dim``."""
    return dim_index(axis if dim is None else dim, ndim, op)


class Size(int):
    """``t.size``: the element count (an int, as NumPy's ``size``); called, the shape (PyTorch's ``size()``)."""

    def __new__(cls, count: int, shape: tuple) -> Size:
        self = super().__new__(cls, count)
        self.shape = shape
        return self

    def __call__(self, dim: int | None = None) -> Any:
        if dim is None:
            return self.shape
        return self.shape[dim_index(dim, len(self.shape), "size")]


class MaxResult(NamedTuple):
    """``t.max(dim)``: the largest values along ``dim`` and their indices, as PyTorch returns them."""

    values: Tensor
    indices: Tensor


class MinResult(NamedTuple):
    """``t.min(dim)``: the smallest values along ``dim`` and their indices, as PyTorch returns them."""

    values: Tensor
    indices: Tensor


# PyTorch's repr: max(values=..., indices=...)
MaxResult.__name__, MinResult.__name__ = "max", "min"


def _rebuilt_leaf(cls: type, data: Any, requires_grad: bool, name: str | None, grad: Any = None) -> Tensor:
    """Unpickle a tensor as a leaf of the same values (a graph or a base stays behind)."""
    t = Tensor._make(data, requires_grad, cls=cls)
    t.name = name
    t.grad = grad
    return t


# The one import cycle in chainrule, on purpose: Tensor's methods call the ops, and the ops make
# Tensors. So the ops are imported here, once the class exists (pyproject.toml exempts this file
# from E402 for it); every other module imports at its top.
from chainrule.autograd import engine
from chainrule.autograd import functional as autograd_functional
from chainrule.ops import clamp as clamp_ops
from chainrule.ops import close, compare, division, inplace, matrices, norms, reduce, scan, selection, tiling
from chainrule.ops import gather as gather_ops
from chainrule.ops import indexing as index_ops
from chainrule.ops import shape as shape_ops
from chainrule.ops import sort as sort_ops
from chainrule.ops.activation import LogSoftmax, Relu, Sigmoid, Softmax, Tanh
from chainrule.ops.elementwise import (
    Abs,
    Add,
    Cast,
    Clip,
    Cos,
    Div,
    Exp,
    Expm1,
    Log,
    Log1p,
    Maximum,
    Minimum,
    Mul,
    Neg,
    Pow,
    Sin,
    Sqrt,
    Sub,
)
from chainrule.ops.erf import Erf
from chainrule.ops.indexing import Index, index_key
from chainrule.ops.linalg import MatMul
from chainrule.ops.reduce import LogSumExp, Max, Mean, Min, Sum
from chainrule.ops.shape import Clone, Permute, Reshape
