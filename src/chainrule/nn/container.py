"""Sequential and the multi-layer perceptron helper MLP."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from chainrule.nn.activation import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from chainrule.nn.linear import Identity, Linear
from chainrule.nn.module import Module
from chainrule.random import Generator

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
        for module in self._modules.values():
            input = module(input)  # through Module.__call__, as every caller of a layer goes
        return input

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Module:
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*modules[index])
        return modules[index]


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
        generator: Generator | None = None,
    ) -> None:
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs at least an input and an output size, got {list(sizes)}")
        layers: list[Module] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=False)):
            layers.append(Linear(n_in, n_out, bias=bias, generator=generator))
            if i < len(sizes) - 2:
                layers.append(activation_module(activation))
        if output_activation is not None:
            layers.append(activation_module(output_activation))
        super().__init__(*layers)
