"""Module: the base class of layers and models (PyTorch's ``nn.Module`` semantics).

Assigning a :class:`Parameter` or a ``Module`` to an attribute registers it, so
``parameters()`` and ``state_dict()`` find it under a dotted name such as
``"layers.0.weight"``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from types import MappingProxyType
from typing import Any, NamedTuple

from chainrule import backend, dtypes
from chainrule import device as device_mod
from chainrule.autograd.mode import no_grad
from chainrule.backend import xp
from chainrule.errors import ChainruleError, DTypeError
from chainrule.nn.hooks import RemovableHandle
from chainrule.nn.parameter import Parameter
from chainrule.tensor import Tensor, to_arguments


class StateDictError(ChainruleError, RuntimeError):
    """A state dict that does not fit the module: missing, unexpected or wrongly shaped keys."""


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` returns: the model's keys the state lacked and the state's keys the model lacks."""

    missing_keys: list
    unexpected_keys: list


class Module:
    """Base class of every layer and model: subclass it and define ``forward``.

    Example::

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.hidden = nn.Linear(3, 4)
                self.out = nn.Linear(4, 1)

            def forward(self, x):
                return self.out(self.hidden(x).sigmoid()).sigmoid()
    """

    training: bool
    # Created on first use (an instance without them, e.g. unpickled from an earlier version, reads these):
    _forward_pre_hooks: Any = MappingProxyType({})  # id -> (hook, with_kwargs)
    _forward_hooks: Any = MappingProxyType({})
    _non_persistent_buffers_set: Any = frozenset()

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The layer's computation, which each subclass defines; call the module (``layer(x)``), not ``forward``."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward``, between the forward pre-hooks and hooks when there are any (every caller of a layer,
        ``Sequential`` too, comes here)."""
        if not (self._forward_pre_hooks or self._forward_hooks):
            return self.forward(*args, **kwargs)
        for hook, with_kwargs in list(self._forward_pre_hooks.values()):
            if with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(f"forward pre-hook {hook!r} must return None or a tuple of (new_args, "
                                           f"new_kwargs), but got {result!r}")  # fmt: skip
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook, with_kwargs in list(self._forward_hooks.values()):
            result = hook(self, args, kwargs, output) if with_kwargs else hook(self, args, output)
            if result is not None:
                output = result
        return output

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:  # fmt: skip
        """Call ``hook(module, args)`` before each ``forward`` (``with_kwargs``: ``hook(module, args, kwargs)``);
        a value it returns replaces the arguments (a non-tuple is wrapped in one). ``handle.remove()`` undoes it."""
        return self._add_hook("_forward_pre_hooks", hook, prepend, with_kwargs)

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False) -> RemovableHandle:  # fmt: skip
        """Call ``hook(module, args, output)`` after each ``forward`` (``with_kwargs``: ``hook(module, args,
        kwargs, output)``); a value it returns replaces the output. ``handle.remove()`` undoes it."""
        return self._add_hook("_forward_hooks", hook, prepend, with_kwargs)

    def _add_hook(self, registry: str, hook: Callable, prepend: bool, with_kwargs: bool) -> RemovableHandle:
        if not callable(hook):
            raise TypeError(f"{type(self).__name__}.register{registry[:-1]}: hook must be callable, got "
                            f"{type(hook).__name__}")  # fmt: skip
        hooks = self.__dict__.get(registry)
        if hooks is None:
            hooks = OrderedDict()
            object.__setattr__(self, registry, hooks)
        handle = RemovableHandle(hooks)
        hooks[handle.id] = (hook, with_kwargs)
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        registries = self.__dict__.get("_parameters")
        if registries is None and isinstance(value, (Parameter, Module)):
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() is called (call super().__init__())")
        if isinstance(value, Parameter):
            self._forget(name, keep=self._parameters)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._forget(name, keep=self._modules)
            self._modules[name] = value
        elif registries is not None and name in self._parameters:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to parameter {name!r} (use a Parameter or None)")
            self._parameters[name] = None
        elif registries is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} to buffer {name!r} (use a Tensor or None)")
            self._buffers[name] = value
        elif registries is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to sub-module {name!r} (use a Module or None)")
            self._modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        params = self.__dict__.get("_parameters")
        if params is not None and name in params:  # the common case first: a layer reading its weights
            return params[name]
        for registry in ("_buffers", "_modules"):
            found = self.__dict__.get(registry)
            if found is not None and name in found:
                return found[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        if any(name in r for r in (self._parameters, self._buffers, self._modules)):
            self._forget(name)
        else:
            object.__delattr__(self, name)

    def _forget(self, name: str, keep: dict | None = None) -> None:
        """Drop ``name`` from every registry but ``keep`` and from the plain attributes, before registering it
        anew (in ``keep``, replacing it keeps its place in the order, as in PyTorch)."""
        for registry in (self._parameters, self._buffers, self._modules):
            if registry is not keep:
                registry.pop(name, None)
        self.__dict__.pop(name, None)
        if keep is not self._buffers and name in self._non_persistent_buffers_set:
            self._non_persistent_buffers_set.discard(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (a Parameter, or None for an absent one) under ``name``, as assigning it does."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter or None, got {type(param).__name__}")
        _check_name(name, "parameter")
        self._forget(name, keep=self._parameters)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """A non-learnable tensor (e.g. running statistics), moved by ``to()`` and saved in ``state_dict`` unless
        ``persistent=False``."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None, got {type(tensor).__name__}")
        _check_name(name, "buffer")
        self._forget(name, keep=self._buffers)
        self._buffers[name] = tensor
        if not persistent and "_non_persistent_buffers_set" not in self.__dict__:
            object.__setattr__(self, "_non_persistent_buffers_set", set())
        if not persistent:
            self._non_persistent_buffers_set.add(name)
        elif name in self._non_persistent_buffers_set:
            self._non_persistent_buffers_set.discard(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` (or None) as a child under ``name``, as assigning an attribute does."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module or None, got {type(module).__name__}")
        _check_name(name, "module")
        self._forget(name, keep=self._modules)
        self._modules[name] = module

    def register_module(self, name: str, module: Module | None) -> None:
        """PyTorch's alias of :meth:`add_module`."""
        self.add_module(name, module)

    def get_submodule(self, target: str) -> Module:
        """The descendant at the dotted path ``target`` (``"encoder.layers.0"``; ``""`` is this module)."""
        module: Any = self
        for item in target.split(".") if target else ():
            if not hasattr(module, item):
                raise AttributeError(f"{type(module).__name__} has no attribute `{item}` (looking up {target!r})")
            module = getattr(module, item)
            if not isinstance(module, Module):
                raise AttributeError(f"`{item}` is not an nn.Module (looking up {target!r})")
        return module

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at the dotted path ``target`` (``"encoder.layers.0.weight"``)."""
        return self._get_tensor(target, "_parameters", "parameter")

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at the dotted path ``target`` (``"bn.running_mean"``)."""
        return self._get_tensor(target, "_buffers", "buffer")

    def _get_tensor(self, target: str, registry: str, kind: str) -> Any:
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if name not in getattr(module, registry):
            raise AttributeError(f"`{name}` is not a {kind} of {type(module).__name__} (looking up {target!r})")
        return getattr(module, registry)[name]

    # ------------------------------------------------------------------ traversal
    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:  # fmt: skip
        """This module and every descendant with dotted names ('' for self, or ``prefix``), depth first; a module
        registered twice appears once unless ``remove_duplicate=False`` (``memo``: ids of modules to skip)."""
        seen: set = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in seen:
                    continue
                seen.add(id(module))
            yield name, module
            children = [(f"{name}.{k}" if name else k, m) for k, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and every descendant, each once (``named_modules`` without the names)."""
        return (m for _, m in self.named_modules())

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) pairs of the direct children, in registration order."""
        return ((k, m) for k, m in self._modules.items() if m is not None)

    def children(self) -> Iterator[Module]:
        """The direct children, in registration order."""
        return (m for _, m in self.named_children())

    def _named(self, registry: str, prefix: str, recurse: bool,
               remove_duplicate: bool) -> Iterator[tuple[str, Tensor]]:  # fmt: skip
        seen: set = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for name, module in modules:
            for key, value in getattr(module, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{name}.{key}" if name else key), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:  # fmt: skip
        """(dotted name, parameter) pairs, names after ``prefix``; a parameter shared by two layers appears once
        (unless ``remove_duplicate=False``); ``recurse=False``: this module's own."""
        return self._named("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter of this module and its descendants (``recurse=False``: its own), each once; what an optimizer
        takes."""
        return (p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:  # fmt: skip
        """(dotted name, buffer) pairs, e.g. BatchNorm's running statistics; a shared buffer appears once (unless
        ``remove_duplicate=False``)."""
        return self._named("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer of this module and its descendants (``recurse=False``: its own), each once."""
        return (b for _, b in self.named_buffers(recurse=recurse))

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every sub-module and then on self (e.g. to re-initialise)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ modes and gradients
    def train(self, mode: bool = True) -> Module:
        """Set training mode (Dropout active) here, then call each child's own ``train(mode)``; returns self.

        As in PyTorch, a child that overrides ``train`` (to freeze a part, say) is obeyed, not bypassed.
        """
        if not isinstance(mode, bool):
            raise ValueError(
                f"{type(self).__name__}.train: training mode is expected to be boolean, got {type(mode).__name__} "
                f"{mode!r}; pass True or False"
            )
        object.__setattr__(self, "training", mode)
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``, so overrides of ``train`` see it too."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (False freezes the module); returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad`` (to None by default, like PyTorch)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad = Tensor._make(xp.zeros_like(p.grad._data))

    def to(self, *args: Any, dtype: Any = None, device: Any = None, non_blocking: bool = False) -> Module:
        """PyTorch's ``model.to(device)``, ``to(dtype)`` or ``to(device, dtype)``, in place; returns the module.

        A floating dtype converts every floating parameter and buffer (their gradients are dropped);
        "cpu" is where they are already, and another device is a clear error.
        """
        dtype = to_arguments(args, dtype, device, "Module.to")
        if dtype is None:
            return self
        dtype = dtypes.as_dtype(dtype, "Module.to")
        if dtype.kind != "f":
            raise DTypeError(f"Module.to: parameters can only become a floating dtype, got {dtype}")
        for t in [*self.parameters(), *self.buffers()]:
            if t.dtype.kind == "f" and t.dtype != dtype:
                t._data = t._data.astype(dtype)
                t.grad = None
                t._vc.bump()
        return self

    def cpu(self) -> Module:
        """This module: its parameters are on the CPU already."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """A clear :class:`~chainrule.device.DeviceError`, as ``Tensor.cuda``: chainrule has no CUDA device."""
        device_mod.available("cuda" if device is None else device, "Module.cuda")
        return self

    def type(self, dst_type: Any) -> Module:
        """Convert the floating parameters and buffers to the floating ``dst_type``, in place (``to(dst_type)``)."""
        return self.to(dtypes.as_dtype(dst_type, "Module.type"))

    def half(self) -> Module:
        """Convert the floating parameters and buffers to float16, in place (``to(cr.float16)``); returns self."""
        return self.to(xp.float16)

    def bfloat16(self) -> Module:
        """A clear :class:`~chainrule.errors.DTypeError`: NumPy, which chainrule computes with, has no bfloat16."""
        dtypes.as_dtype(dtypes.bfloat16, "Module.bfloat16")
        return self

    def double(self) -> Module:
        """Convert the floating parameters and buffers to float64, in place (``to(cr.float64)``); returns self."""
        return self.to(xp.float64)

    def float(self) -> Module:
        """Convert the floating parameters and buffers to float32, in place (``to(cr.float32)``); returns self."""
        return self.to(xp.float32)

    # ------------------------------------------------------------------ state
    def state_dict(self, destination: dict | None = None, prefix: str = "", keep_vars: bool = False) -> Any:
        """Every parameter and persistent buffer under its dotted name (after ``prefix``), detached (sharing
        memory) unless ``keep_vars``; put into ``destination`` when given, else a new OrderedDict."""
        out = OrderedDict() if destination is None else destination
        for key, value in self._named_tensors(prefix):
            out[key] = value if keep_vars else value.detach()
        return out

    def load_state_dict(self, state_dict: dict, strict: bool = True) -> IncompatibleKeys:
        """Copy values into this module's tensors, in place, all or nothing.

        Every key is checked first — its value must be a Tensor or array of the model's shape whose dtype casts
        to the model's (NumPy's same_kind rule) — and every problem is reported in one :class:`StateDictError`
        (its ``problems`` lists them): wrong values always, missing and unexpected keys when ``strict``. On an
        error no tensor has been changed. Returns the missing and unexpected keys (PyTorch's ``IncompatibleKeys``).
        """
        if not isinstance(state_dict, dict):
            raise StateDictError(f"load_state_dict for {type(self).__name__}: expected a dict of tensors, got "
                                 f"{type(state_dict).__name__}")  # fmt: skip
        targets = dict(self._named_tensors())
        missing = [k for k in targets if k not in state_dict]
        unexpected = [k for k in state_dict if k not in targets]
        values, wrong = {}, []
        for key, target in targets.items():
            if key in state_dict:
                value, problem = _loadable(state_dict[key], target)
                if problem:
                    wrong.append(f"{key}: {problem}")
                values[key] = value
        problems = wrong + ([f"missing key {k!r}" for k in missing] + [f"unexpected key {k!r}" for k in unexpected]
                            if strict else [])  # fmt: skip
        if problems:
            error = StateDictError(
                f"load_state_dict for {type(self).__name__}: {len(problems)} problem(s):\n  " + "\n  ".join(problems)
            )
            error.problems = problems
            raise error
        with no_grad():
            for key, value in values.items():
                targets[key].copy_(value)
        return IncompatibleKeys(missing, unexpected)

    def _named_tensors(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        """The state's (key, tensor) pairs, each key after ``prefix``: a module or tensor registered under two
        names appears under both, as PyTorch's ``state_dict`` keeps them (``remove_duplicate=False``);
        non-persistent buffers are left out."""
        for name, module in self.named_modules(remove_duplicate=False):
            head = f"{prefix}{name}." if name else prefix  # PyTorch's state prefix is put before, dot included
            skip = module._non_persistent_buffers_set
            for key, value in module._parameters.items():
                if value is not None:
                    yield head + key, value
            for key, value in module._buffers.items():
                if value is not None and key not in skip:
                    yield head + key, value

    # ------------------------------------------------------------------ description
    def extra_repr(self) -> str:
        """The text between the parentheses of this module's repr line (override in layers)."""
        return ""

    def __repr__(self) -> str:
        lines = []
        for name, child in self._modules.items():
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {body}")
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


def factory_dtype(device: Any, dtype: Any, op: str) -> Any:
    """The dtype a layer's ``device=``/``dtype=`` arguments ask its parameters to take (the default float for None),
    once the device is checked to be the CPU (or None); a non-floating dtype is a clear error, as in PyTorch."""
    if device is not None:
        device_mod.available(device, op)
    if dtype is None:
        return backend.default_float
    dtype = dtypes.as_dtype(dtype, op)
    if dtype.kind != "f":
        raise DTypeError(f"{op}: parameters must have a floating dtype (float16, float32 or float64), got {dtype}")
    return dtype


def _loadable(value: Any, target: Tensor) -> tuple[Any, str | None]:
    """(the array to copy into ``target``, None) or (None, what is wrong with ``value``)."""
    if isinstance(value, Tensor):
        value = value._data
    elif not isinstance(value, xp.ndarray | xp.generic | int | float):
        return None, f"checkpoint value is a {type(value).__name__}, not a tensor"
    value = xp.asarray(value)
    if value.shape != target.shape:
        return None, f"checkpoint shape {value.shape}, model shape {target.shape}"
    if not xp.can_cast(value.dtype, target.dtype, casting="same_kind"):
        return None, f"checkpoint dtype {value.dtype} cannot be cast to the model's {target.dtype}"
    return value, None


def _check_name(name: Any, kind: str) -> None:
    """A registered name becomes one part of a dotted state_dict key: a non-empty string without dots."""
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
    if not name or "." in name:
        raise KeyError(f"{kind} name can't be empty or contain \".\", got: {name!r}")
