"""Containers (PyTorch's semantics): Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict; and the MLP
helper.

What a container holds is registered, so ``parameters()``, ``state_dict()`` (keys such as
``"layers.0.weight"`` or ``"params.1"``), ``to()`` and ``train()`` reach it.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from chainrule.nn.activation import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from chainrule.nn.linear import Identity, Linear
from chainrule.nn.module import Module
from chainrule.nn.parameter import Parameter
from chainrule.random import Generator
from chainrule.tensor import Tensor

ACTIVATIONS: dict[str, Callable[[], Module]] = {
    "sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU, "leaky_relu": LeakyReLU, "identity": Identity,
    "softmax": lambda: Softmax(dim=-1),
}  # fmt: skip


class Sequential(Module):
    """Modules applied in order; built from modules (named "0", "1", ...) or an OrderedDict of them."""

    def __init__(self, *modules: Module | OrderedDict) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), module)

    def forward(self, input: Any) -> Any:
        """Each module applied in turn to the previous one's output."""
        for module in self._modules.values():
            input = module(input)  # through Module.__call__, as every caller of a layer goes
        return input

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end (named by its position); returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> Sequential:
        """Append each module of ``modules`` in order; returns self."""
        for module in list(_iterable(self, "extend", modules, "modules")):
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        """Put ``module`` at position ``index`` (-len to len); the modules are then named "0", "1", ... in order."""
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.insert: expected a Module, got {type(module).__name__}")
        n = len(self)
        if not -n <= operator.index(index) <= n:
            raise IndexError(f"Sequential.insert: index {index} is out of range for {n} module(s) (valid: {-n} to {n})")
        modules = list(self._modules.values())
        modules.insert(operator.index(index), module)
        _renumber(self, modules)
        return self

    def pop(self, index: int | slice) -> Module | Sequential:
        """Remove and return the module at ``index``; the rest are then named "0", "1", ... in order."""
        popped = self[index]
        del self[index]
        return popped

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Module:
        if isinstance(index, slice):  # the modules keep their names, as in PyTorch
            return type(self)(OrderedDict(list(self._modules.items())[index]))
        return list(self._modules.values())[_position(self, index)]

    def __setitem__(self, index: int, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"Sequential: can only hold Modules, got {type(module).__name__}")
        _set_module(self, list(self._modules)[_position(self, index)], module)

    def __delitem__(self, index: int | slice) -> None:
        modules = list(self._modules.values())
        del modules[index if isinstance(index, slice) else _position(self, index)]
        _renumber(self, modules)  # PyTorch renumbers what is left


def activation_module(spec: str | Callable[[], Module]) -> Module:
    """A fresh activation layer from a name ('sigmoid', 'relu', ...) or a factory such as ``nn.Tanh``."""
    if isinstance(spec, str):
        if spec not in ACTIVATIONS:
            raise ValueError(f"unknown activation {spec!r}; valid names: {sorted(ACTIVATIONS)}")
        return ACTIVATIONS[spec]()
    module = spec()
    if not isinstance(module, Module):
        raise TypeError(f"an activation factory must build a Module, got {type(module).__name__}")
    return module


class MLP(Sequential):
    """Linear layers of ``sizes`` with ``activation`` between them and ``output_activation`` after the last.

    >>> net = MLP([784, 100, 10], activation="sigmoid")   # Linear, Sigmoid, Linear (logits out)
    """

    def __init__(
        self, sizes: list[int], activation: str | Callable[[], Module] = "relu",
        output_activation: str | Callable[[], Module] | None = None, bias: bool = True,
        generator: Generator | None = None, device: Any = None, dtype: Any = None,
    ) -> None:
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs at least an input and an output size, got {list(sizes)}")
        layers: list[Module] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=False)):
            layers.append(Linear(n_in, n_out, bias=bias, device=device, dtype=dtype, generator=generator))
            if i < len(sizes) - 2:
                layers.append(activation_module(activation))
        if output_activation is not None:
            layers.append(activation_module(output_activation))
        super().__init__(*layers)


def _position(container: Module, index: Any) -> int:
    """``index`` (negative counts from the end) as a position in ``container``, or IndexError naming the range."""
    i, n = operator.index(index), len(container)
    if not -n <= i < n:
        raise IndexError(f"{type(container).__name__}: index {i} is out of range for {n} item(s)")
    return i + n if i < 0 else i


def _set_module(container: Module, name: str, module: Module | None) -> None:
    """Register ``module`` as ``name``; a name already there keeps its place in the order, as in PyTorch."""
    if name not in container._modules:
        container.add_module(name, module)
    elif module is None or isinstance(module, Module):
        container._modules[name] = module
    else:
        raise TypeError(f"{type(container).__name__}: {name!r} must be a Module or None, got {type(module).__name__}")


def _renumber(container: Module, modules: list) -> None:
    """Register ``modules`` (already checked) under "0", "1", ... in order, as after a list edit."""
    container._modules.clear()
    for i, module in enumerate(modules):
        container._modules[str(i)] = module


def _held_line(key: Any, value: Any) -> str:
    """One line of a ParameterList's or ParameterDict's repr, PyTorch's layout."""
    if isinstance(value, Tensor):
        kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
        size = "x".join(str(d) for d in value.shape)
        return f"({key}): {kind} containing: [{value.dtype.name} of size {size}]"
    return f"({key}): Object of type: {type(value).__name__}"


def _iterable(container: Module, method: str, values: Any, what: str) -> Iterable:
    if not isinstance(values, Iterable) or isinstance(values, Tensor):
        raise TypeError(f"{type(container).__name__}.{method} expects an iterable of {what}, got "
                        f"{type(values).__name__}")  # fmt: skip
    return values


class ModuleList(Module):
    """Sub-modules in a list, each registered under its position ("0", "1", ...), as ``torch.nn.ModuleList``.

    >>> self.layers = nn.ModuleList([nn.Linear(8, 8) for _ in range(3)])   # state_dict: layers.0.weight, ...
    >>> for layer in self.layers: x = layer(x).relu()
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Module | ModuleList:
        if isinstance(index, slice):
            return type(self)(list(self._modules.values())[index])
        return self._modules[str(_position(self, index))]

    def __setitem__(self, index: int, module: Module) -> None:
        _set_module(self, str(_position(self, index)), module)

    def __delitem__(self, index: int | slice) -> None:
        modules = list(self._modules.values())
        del modules[index if isinstance(index, slice) else _position(self, index)]
        _renumber(self, modules)

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *_iterable(self, "__add__", other, "modules")])

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end, registered under its position; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append each module of ``modules`` in order; returns self."""
        for module in list(_iterable(self, "extend", modules, "modules")):
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Put ``module`` before position ``index`` (Python's ``list.insert``); later modules move up one."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"ModuleList.insert: expected a Module, got {type(module).__name__}")
        modules = list(self._modules.values())
        modules.insert(operator.index(index), module)
        _renumber(self, modules)

    def pop(self, index: int | slice = -1) -> Module | ModuleList:
        """Remove and return the module at ``index`` (the last by default); later modules move down one."""
        popped = self[index]
        del self[index]
        return popped

    def __repr__(self) -> str:
        """PyTorch's layout: a run of equal children is one line, ``(0-2): 3 x Linear(...)``."""
        runs: list[list] = []  # [first, last, repr]
        for i, module in enumerate(self):
            text = repr(module)
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        if not runs:
            return "ModuleList()"
        lines = [f"({a}): {t}" if a == b else f"({a}-{b}): {b - a + 1} x {t}" for a, b, t in runs]
        return "ModuleList(\n  " + "\n  ".join(line.replace("\n", "\n  ") for line in lines) + "\n)"


class ModuleDict(Module):
    """Sub-modules in an ordered dict, each registered under its key, as ``torch.nn.ModuleDict``.

    >>> self.heads = nn.ModuleDict({"digit": nn.Linear(64, 10), "parity": nn.Linear(64, 2)})
    >>> logits = self.heads[task](features)
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(key, str):
            raise TypeError(f"ModuleDict: keys are strings, got {type(key).__name__} {key!r}")
        if not key or "." in key:
            raise KeyError(f"ModuleDict: key {key!r} must be a non-empty name without '.' (dots join state_dict keys)")
        if key not in self._modules and hasattr(self, key):
            raise KeyError(f"ModuleDict: key {key!r} is already an attribute of ModuleDict; choose another name")
        _set_module(self, key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Any:
        """The keys, in insertion order."""
        return self._modules.keys()

    def items(self) -> Any:
        """(key, module) pairs, in insertion order."""
        return self._modules.items()

    def values(self) -> Any:
        """The modules, in insertion order."""
        return self._modules.values()

    def clear(self) -> None:
        """Remove every entry."""
        self._modules.clear()

    def pop(self, key: str) -> Module:
        """Remove the entry ``key`` and return its module."""
        return self._modules.pop(key)

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace entries from a mapping or from (key, module) pairs, in their order."""
        pairs = modules.items() if isinstance(modules, Mapping | ModuleDict) else modules
        for j, pair in enumerate(_iterable(self, "update", pairs, "(key, module) pairs")):
            if not isinstance(pair, tuple | list) or len(pair) != 2:
                raise ValueError(f"ModuleDict.update: element #{j} is {pair!r}; each must be a (key, module) pair")
            self[pair[0]] = pair[1]


class ParameterList(Module):
    """Parameters in a list, each registered under its position, as ``torch.nn.ParameterList``.

    A Tensor that is not a Parameter becomes one when added; other objects are kept as they are (unregistered).

    >>> self.weights = nn.ParameterList([nn.Parameter(cr.randn(4, 4)) for _ in range(3)])   # keys weights.0, ...
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self)))

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return type(self)([self[i] for i in range(len(self))[index]])
        return getattr(self, str(_position(self, index)))

    def __setitem__(self, index: int, value: Any) -> None:
        self._put(_position(self, index), value)

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def append(self, value: Any) -> ParameterList:
        """Add ``value`` at the end (a Tensor becomes a registered Parameter); returns self."""
        self._put(len(self), value)
        self._size += 1
        return self

    def _put(self, i: int, value: Any) -> None:
        """Store ``value`` at position ``i``: a Tensor as a registered Parameter, anything else as is."""
        if isinstance(value, Tensor) and not isinstance(value, Parameter):
            value = Parameter(value)
        if isinstance(value, Parameter) and str(i) in self._parameters:
            self._parameters[str(i)] = value  # replaced where it stands: state_dict keeps its order, as in PyTorch
        else:
            setattr(self, str(i), value)

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Append each value of ``values`` in order; returns self."""
        for value in list(_iterable(self, "extend", values, "parameters")):
            self.append(value)
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ParameterList should not be called: it holds parameters; index it or iterate over it")

    def extra_repr(self) -> str:
        return "\n".join(_held_line(i, p) for i, p in enumerate(self))

    def __repr__(self) -> str:
        body = self.extra_repr()
        return "ParameterList(\n    " + body.replace("\n", "\n    ") + "\n)" if body else "ParameterList()"


class ParameterDict(Module):
    """Parameters in an ordered dict, each registered under its key, as ``torch.nn.ParameterDict``.

    A Tensor that is not a Parameter becomes one when added; other objects are kept as they are (unregistered).

    >>> self.scales = nn.ParameterDict({"a": nn.Parameter(cr.ones(3))})   # state_dict key: scales.a
    """

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> None:
        super().__init__()
        self._keys: dict = {}
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys:
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str) or not key or "." in key:
            raise KeyError(f"ParameterDict: key {key!r} must be a non-empty string without '.' (dots join "
                           "state_dict keys)")  # fmt: skip
        if isinstance(value, Tensor) and not isinstance(value, Parameter):
            value = Parameter(value)
        self._keys[key] = None
        if isinstance(value, Parameter) and key in self._parameters:
            self._parameters[key] = value  # replaced where it stands, as in PyTorch
        else:
            setattr(self, key, value)

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def keys(self) -> Any:
        """The keys, in insertion order."""
        return self._keys.keys()

    def items(self) -> list:
        """(key, value) pairs, in insertion order."""
        return [(k, self[k]) for k in self._keys]

    def values(self) -> list:
        """The values, in insertion order."""
        return [self[k] for k in self._keys]

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key``, or ``default`` when there is none."""
        return self[key] if key in self._keys else default

    def pop(self, key: str) -> Any:
        """Remove the entry ``key`` and return its value."""
        value = self[key]
        del self[key]
        return value

    def clear(self) -> None:
        """Remove every entry."""
        for key in list(self._keys):
            del self[key]

    def update(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Add or replace entries from (key, value) pairs or an OrderedDict in their order, or from another mapping
        in sorted key order (as PyTorch's)."""
        if isinstance(parameters, OrderedDict | ParameterDict):
            pairs = parameters.items()
        else:
            pairs = sorted(parameters.items()) if isinstance(parameters, Mapping) else parameters
        for j, pair in enumerate(_iterable(self, "update", pairs, "(key, parameter) pairs")):
            if not isinstance(pair, tuple | list) or len(pair) != 2:
                raise ValueError(f"ParameterDict.update: element #{j} is {pair!r}; each must be a (key, value) pair")
            self[pair[0]] = pair[1]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ParameterDict should not be called: it holds parameters; index it by key")

    def extra_repr(self) -> str:
        return "\n".join(_held_line(k, p) for k, p in self.items())

    def __repr__(self) -> str:
        body = self.extra_repr()
        return "ParameterDict(\n    " + body.replace("\n", "\n    ") + "\n)" if body else "ParameterDict()"
