"""Layers, losses and initialisers (``chainrule.nn``), with PyTorch's names and semantics.

>>> from chainrule import nn
>>> net = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 1))
>>> loss = nn.BCEWithLogitsLoss()(net(x), y)
"""

from chainrule.nn import functional, init, utils
from chainrule.nn.activation import ELU, GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Softplus, Tanh
from chainrule.nn.container import MLP, ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from chainrule.nn.conv import Conv1d, Conv2d, ConvTranspose2d, Dropout2d
from chainrule.nn.hooks import RemovableHandle
from chainrule.nn.linear import Dropout, Flatten, Identity, Linear, Unflatten
from chainrule.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    MulticlassSVMLoss,
    NLLLoss,
    SmoothL1Loss,
)
from chainrule.nn.module import IncompatibleKeys, Module, StateDictError
from chainrule.nn.norm import BatchNorm1d, BatchNorm2d
from chainrule.nn.normalization import LayerNorm
from chainrule.nn.parameter import Parameter
from chainrule.nn.perceptron import Perceptron
from chainrule.nn.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from chainrule.nn.sparse import Embedding

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "Flatten", "Identity", "IncompatibleKeys",
    "LeakyReLU", "Linear", "LogSoftmax", "MLP", "MSELoss", "Module", "MulticlassSVMLoss", "NLLLoss", "Parameter",
    "ReLU", "Sequential", "Sigmoid", "Softmax", "StateDictError", "Tanh", "functional", "init",
    "AdaptiveAvgPool2d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "Conv1d", "Conv2d", "ConvTranspose2d", "Dropout2d",
    "MaxPool2d", "ModuleDict", "ModuleList", "ParameterList", "utils", "Perceptron",
    "ELU", "Embedding", "GELU", "LayerNorm", "SiLU", "Softplus",
    "HuberLoss", "L1Loss", "ParameterDict", "RemovableHandle", "SmoothL1Loss", "Unflatten",
]  # fmt: skip
