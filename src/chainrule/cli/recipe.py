"""A training recipe: the run's settings (``Config``) and the data, model, loss and optimizer they describe."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np

from chainrule import nn, optim
from chainrule.cli import datafile
from chainrule.cli import options as o
from chainrule.cli.errors import DataError
from chainrule.data import datasets
from chainrule.data.datasets import Split
from chainrule.data.transforms import one_hot
from chainrule.nn.container import activation_module
from chainrule.random import Generator
from chainrule.tensor import Tensor

DATASETS = ("mnist-sample", "digits", "mnist", "xor", "moons", "spirals", "linearly-separable")
#: mlp: fully connected layers; lenet: convolution blocks (conv, activation, max-pool 2), then the MLP's layers
MODELS = ("mlp", "lenet")
ACTIVATIONS = ("sigmoid", "tanh", "relu")
LOSSES = ("cross-entropy", "mse", "half-mse", "svm")
#: what follows the last linear layer: nothing (scores for cross-entropy or svm) or the essay's sigmoid units
OUTPUTS = ("linear", "sigmoid")
OPTIMIZERS = ("sgd", "momentum", "adam")
INITS = ("lecun", "xavier", "he", "uniform")
#: the settings every run starts from; a model's own (lenet: the recipe of examples/lenet_mnist.py), then the
#: datasets that need others to learn, take precedence
GENERAL_DEFAULTS = {"hidden": [100], "batch_size": 64, "epochs": 30, "activation": "sigmoid", "optimizer": "sgd",
                    "init": "lecun", "conv": []}  # fmt: skip
MODEL_DEFAULTS = {"lenet": {"conv": [8, 16], "hidden": [], "epochs": 15, "activation": "relu", "optimizer": "momentum",
                            "init": "he"}}  # fmt: skip
DATASET_DEFAULTS = {"xor": {"hidden": [4], "batch_size": 1, "epochs": 500}}  # 4 points: 1 step per point, 2000 steps
#: settings added after config.json first existed, with the values older runs were trained with
LATER_SETTINGS = {"output": "linear", "train_size": None, "model": "mlp", "conv": [], "workers": 1}
#: learning rate when --lr is not given: plain SGD takes big steps on these small nets, Adam small ones
DEFAULT_LR = {"sgd": 0.5, "momentum": 0.05, "adam": 0.001}
MOMENTUM = 0.9
#: the shape (C, H, W) of one input for datasets of images (pictures of inputs, convolutions)
IMAGE_SHAPES = {"mnist-sample": (1, 28, 28), "mnist": (1, 28, 28), "digits": (1, 8, 8)}


def dataset(value: Any) -> str:
    """A built-in dataset's name, or a ``.npz`` or ``.csv`` file as an absolute path (config.json records where
    the data is, so a run resumes and evaluates from any folder)."""
    if isinstance(value, str) and value in DATASETS:
        return value
    if isinstance(value, str) and value and datafile.is_file(value):
        return os.path.abspath(os.path.expanduser(value))
    raise ValueError(f"invalid choice: {o.shown(value)} (choose from {', '.join(map(repr, DATASETS))}, or give a "
                     ".npz or .csv file)")  # fmt: skip


#: the rule of every setting, for the command line and config.json alike (see chainrule.cli.options)
RULES = {
    "data": dataset, "mnist_root": o.optional(o.non_empty_text), "model": o.one_of(MODELS),
    "conv": o.comma_separated(o.positive_int), "hidden": o.layer_sizes,
    "activation": o.one_of(ACTIVATIONS), "output": o.one_of(OUTPUTS), "loss": o.one_of(LOSSES),
    "optimizer": o.one_of(OPTIMIZERS), "lr": o.positive_float, "batch_size": o.positive_int,
    "epochs": o.positive_int, "weight_decay": o.non_negative_float, "init": o.one_of(INITS),
    "seed": o.non_negative_int, "train_size": o.optional(o.positive_int), "workers": o.positive_int,
}  # fmt: skip


@dataclass
class Config:
    """Everything that defines a run; saved as the run folder's ``config.json``."""

    data: str = "mnist-sample"
    mnist_root: str | None = None
    model: str = "mlp"
    conv: list | None = None  # channels of the convolutions (lenet); None: the model's default ([] for mlp)
    hidden: list | None = None  # None: the default (DATASET_DEFAULTS, MODEL_DEFAULTS, GENERAL_DEFAULTS); []: none
    activation: str | None = None  # None: the model's default
    output: str = "linear"
    loss: str = "cross-entropy"
    optimizer: str | None = None  # None: the model's default
    lr: float | None = None  # None: DEFAULT_LR[optimizer]
    batch_size: int | None = None  # None: the dataset's default
    epochs: int | None = None  # None: the dataset's default
    weight_decay: float = 0.0
    init: str | None = None  # None: the model's default
    seed: int = 0
    train_size: int | None = None  # None: every training sample; N: a class-balanced subset drawn with ``seed``
    workers: int = 1  # processes that trained it (last); the results do not depend on it, so resume may change it

    def __post_init__(self) -> None:
        defaults = {**GENERAL_DEFAULTS, **MODEL_DEFAULTS.get(self.model, {}), **DATASET_DEFAULTS.get(self.data, {})}
        for key, value in defaults.items():
            if getattr(self, key) is None:
                setattr(self, key, value)
        if self.lr is None:
            self.lr = DEFAULT_LR[self.optimizer]
        self.hidden, self.conv = list(self.hidden), list(self.conv)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def keys(cls) -> list[str]:
        return [f.name for f in fields(cls)]


def option(key: str) -> str:
    """The command-line option of a setting: ``batch_size`` → ``--batch-size``."""
    return "--" + key.replace("_", "-")


def check_settings(settings: dict, name: Callable[[str], str] = option) -> dict:
    """``settings`` (some or all Config keys) with every value checked by its rule and the combination checked.

    Raises ValueError naming the first setting at fault by ``name(key)``, e.g. ``--epochs: must be a positive
    integer (>= 1), got 0``; the command line and config.json get the same rules. Unknown keys are refused.
    """
    unknown = [k for k in settings if k not in RULES]
    if unknown:
        raise ValueError(f"unknown setting(s) {', '.join(map(repr, unknown))}; the settings are {', '.join(RULES)}")
    checked = {}
    for key, value in settings.items():
        try:
            checked[key] = RULES[key](value)
        except ValueError as exc:
            raise ValueError(f"{name(key)}: {exc}") from None
    data = checked.get("data", Config.data)
    if checked.get("conv") and "model" not in checked:
        checked["model"] = "lenet"  # --conv alone asks for the convolutional network
    model = checked.get("model", Config.model)
    if checked.get("conv") and model != "lenet":
        raise ValueError(f"{name('conv')} sets the channels of {name('model')} lenet's convolutions; "
                         f"{name('model')} {model} has none")  # fmt: skip
    if checked.get("conv") == [] and model == "lenet":
        raise ValueError(f"{name('model')} lenet needs at least one convolution ({name('conv')} is empty)")
    if checked.get("mnist_root") is not None and data != "mnist":
        raise ValueError(f"{name('mnist_root')} is only used with {name('data')} mnist (got {name('data')} {data})")
    loss = checked.get("loss", Config.loss)
    if checked.get("output") == "sigmoid" and loss not in ("mse", "half-mse"):
        raise ValueError(f"{name('output')} sigmoid goes with {name('loss')} mse or half-mse (got {name('loss')} "
                         f"{loss}, which takes the raw scores of {name('output')} linear)")  # fmt: skip
    return checked


@dataclass(frozen=True, repr=False)
class Data(Split):
    """A run's dataset: a Split of feature rows (N, D), and the shape (C, H, W) of one input when they are images."""

    image: tuple | None = None

    @classmethod
    def of(cls, split: Split, image: tuple | None) -> Data:
        return cls(**{f.name: getattr(split, f.name) for f in fields(Split)}, image=image)


def check_train_size(config: Config, n_samples: int) -> None:
    """ValueError when ``config.train_size`` asks for more training samples than the dataset has."""
    if config.train_size is not None and config.train_size > n_samples:
        raise ValueError(f"{option('train_size')} {config.train_size} is more than the {n_samples} training samples "
                         f"of {option('data')} {config.data}")  # fmt: skip


def balanced_subset(split: Split, size: int | None, seed: int) -> Split:
    """``split`` with ``size`` of its training samples, the classes taking turns (as equal as they allow).

    Each class's samples are drawn in a random order seeded by ``seed``; the subset keeps the dataset's order
    and the test set is unchanged. A class-sorted dataset's first ``size`` samples would hold few classes.
    """
    if size is None or size >= len(split.y_train):
        return split
    labels = np.asarray(split.y_train.numpy())
    rng, rank = np.random.default_rng(seed), np.empty(len(labels), dtype=np.int64)
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        rank[members] = np.arange(len(members))
    chosen = np.sort(np.lexsort((labels, rank))[:size])  # the 1st of each class, then the 2nd of each, …
    return replace(split, x_train=split.x_train[chosen], y_train=split.y_train[chosen])


def check_fits(config: Config, n_inputs: int, n_classes: int, n_samples: int, image: tuple | None = None) -> None:
    """ValueError when training the network ``config`` describes would need more memory than this machine has.

    Estimated before anything is allocated: float32 parameters, their gradients, the optimizer's state and an
    initialisation temporary, plus a mini-batch's activations (forward and backward) for every layer.
    """
    params, activations = 0, 0
    if config.model == "lenet":
        channels = image[0]
        for out, (kernel, _, (h, w)) in zip(config.conv, conv_layout(image, config.conv)):
            params += (channels * kernel * kernel + 1) * out
            activations += 2 * out * 4 * h * w + out * h * w  # the convolution's and activation's maps, pooled
            channels, n_inputs = out, out * h * w
    sizes = [n_inputs, *config.hidden, n_classes]
    params += sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    copies = 3 + {"sgd": 0, "momentum": 1, "adam": 2}[config.optimizer]
    needed = 4 * (copies * params + 4 * min(config.batch_size, max(n_samples, 1)) * (sum(sizes) + activations))
    available = physical_memory()
    if available is not None and needed > available:
        raise ValueError(
            f"a {describe(config, sizes[0], n_classes, image)} network has {params:.3g} parameters and needs about "
            f"{_bytes(needed)} to train; this machine has {_bytes(available)} of memory"
        )


def conv_layout(image: tuple, channels: list) -> list[tuple[int, int, tuple[int, int]]]:
    """(kernel size, padding, (h, w) after pooling) of each convolution block of ``--model lenet`` on ``image``
    (C, H, W), one block per entry of ``channels``: a convolution, the activation, a 2×2 max-pool.

    Images 16 pixels a side or more get LeNet's 5×5 convolutions, the first padded by 2 (28×28 → 14×14 → 5×5);
    smaller ones (the 8×8 digits) 3×3 convolutions padded by 1, which keep the size for the pool to halve (8×8 →
    4×4 → 2×2 → 1×1). ValueError when a block would get maps too small to convolve and pool.
    """
    (_, h, w), layout = image, []
    small = min(h, w) < 16
    for i in range(len(channels)):
        kernel, padding = (3, 1) if small else (5, 2 if i == 0 else 0)
        ch, cw = h + 2 * padding - kernel + 1, w + 2 * padding - kernel + 1
        if min(ch, cw) < 2:
            raise ValueError(
                f"{option('conv')} {','.join(map(str, channels))}: {image[1]}x{image[2]} images allow {i} "
                f"convolution{'s' if i != 1 else ''} ({kernel}x{kernel}, each followed by a 2x2 max-pool); "
                f"convolution {i + 1} would get {h}x{w} maps, too small to convolve and pool"
            )
        h, w = ch // 2, cw // 2
        layout.append((kernel, padding, (h, w)))
    return layout


def check_model(config: Config, data: Data) -> None:
    """ValueError when the model cannot take the data: ``--model lenet`` needs images, big enough for its blocks."""
    if config.model != "lenet":
        return
    if data.image is None:
        raise ValueError(
            f"{option('model')} lenet needs images; {option('data')} {config.data} has {data.x_train.shape[1]} "
            "features per sample (images: mnist-sample, mnist, digits, or a .npz file whose x is (N, H, W) or "
            "(N, C, H, W))"
        )
    conv_layout(data.image, config.conv)


def describe(config: Config, n_inputs: int, n_classes: int, image: tuple | None = None) -> str:
    """The network in a few words: ``784-100-10``, or ``lenet 1x28x28 (conv 5x5 8, pool 2, ...) 400-10``."""
    if config.model != "lenet":
        return "-".join(map(str, [n_inputs, *config.hidden, n_classes]))
    layout = conv_layout(image, config.conv)
    blocks = ", ".join(f"conv {k}x{k} {c}, pool 2" for c, (k, _, _) in zip(config.conv, layout))
    h, w = layout[-1][2]
    sizes = [config.conv[-1] * h * w, *config.hidden, n_classes]
    return f"lenet {'x'.join(map(str, image))} ({blocks}) {'-'.join(map(str, sizes))}"


def physical_memory() -> int | None:
    """Bytes of RAM (None where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def _bytes(n: float) -> str:
    units = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    i = 0
    while n >= 1024 and i < len(units) - 1:
        n, i = n / 1024, i + 1
    return f"{n:.3g} {units[i]}"


def load_data(config: Config) -> Data:
    """The dataset the config names, as a fixed train/test split (the split does not depend on ``--seed``)."""
    name = config.data
    if name not in DATASETS:
        return Data.of(*datafile.read(name))
    try:
        return Data.of(_builtin(config), IMAGE_SHAPES.get(name))
    except datasets.DatasetError as exc:
        raise DataError(str(exc)) from None


def _builtin(config: Config) -> Split:
    name = config.data
    if name == "mnist-sample":
        return datasets.mnist_sample()
    if name == "mnist":
        if config.mnist_root is None:
            raise DataError("--data mnist needs --mnist-root DIR, a folder with the four MNIST IDX files")
        return datasets.mnist(config.mnist_root)
    if name == "digits":
        return datasets.digits()
    return {"xor": datasets.xor, "moons": datasets.moons, "spirals": datasets.spirals,
            "linearly-separable": datasets.linearly_separable}[name]()  # fmt: skip


def build_model(config: Config, n_inputs: int, n_classes: int, image: tuple | None = None) -> nn.Sequential:
    """An MLP n_inputs → hidden… → n_classes (scores out, or sigmoid units with ``--output sigmoid``), weights
    initialised by ``config.init``, biases zero. No hidden sizes: the linear classifier (one Linear layer).

    ``--model lenet`` puts convolution blocks before it (each a convolution, the activation and a 2×2 max-pool, as
    :func:`conv_layout` sets them out for ``image`` (C, H, W)), and a Flatten; it takes images (N, C, H, W).
    """
    gen = Generator(config.seed)
    output = None if config.output == "linear" else config.output
    layers = []
    if config.model == "lenet":
        channels = image[0]
        for out, (kernel, padding, (h, w)) in zip(config.conv, conv_layout(image, config.conv)):
            layers += [nn.Conv2d(channels, out, kernel, padding=padding, generator=gen),
                       activation_module(config.activation), nn.MaxPool2d(2)]  # fmt: skip
            channels, n_inputs = out, out * h * w
        layers.append(nn.Flatten())
    mlp = nn.MLP([n_inputs, *config.hidden, n_classes], activation=config.activation, output_activation=output,
                 generator=gen)  # fmt: skip
    model = nn.Sequential(*layers, *mlp) if layers else mlp
    for layer in model:
        if isinstance(layer, nn.Linear | nn.Conv2d):
            _initialise(layer.weight, config.init, config.activation, gen)
            nn.init.zeros_(layer.bias)
    return model


def inputs(config: Config, data: Data) -> Data:
    """``data`` as the model takes it: feature rows (N, D) for the MLP, images (N, C, H, W) for lenet."""
    if config.model != "lenet":
        return data
    shape = data.image
    return replace(data, x_train=data.x_train.reshape(-1, *shape), x_test=data.x_test.reshape(-1, *shape))


def _initialise(weight: Tensor, scheme: str, activation: str, gen: Generator) -> None:
    if scheme == "lecun":
        nn.init.lecun_normal_(weight, generator=gen)
    elif scheme == "uniform":
        nn.init.uniform_(weight, 0.0, 1.0, generator=gen)  # the notes' example: saturates sigmoid units
    elif scheme == "xavier":
        nn.init.xavier_normal_(weight, gain=nn.init.calculate_gain(activation), generator=gen)
    else:
        nn.init.kaiming_normal_(weight, nonlinearity="relu", generator=gen)


def build_loss(config: Config, n_classes: int) -> Any:
    """The loss of (outputs, integer labels); ``mse`` and ``half-mse`` regress the outputs onto one-hot targets t.

    ``mse`` is PyTorch's MSELoss: the mean of (a − t)² over every output of every sample. ``half-mse`` is the
    essay's cost c = ½‖a − t‖² (summed over the outputs), averaged over the batch: ``n_classes / 2`` times ``mse``,
    so a sample's gradient with respect to its outputs is (a − t), divided by the batch size.
    """
    if config.loss == "cross-entropy":
        return nn.CrossEntropyLoss()
    if config.loss == "svm":
        return nn.MulticlassSVMLoss()
    mse, scale = nn.MSELoss(), 0.5 * n_classes if config.loss == "half-mse" else 1.0

    def mse_one_hot(output: Tensor, labels: Tensor) -> Tensor:
        loss = mse(output, one_hot(labels, n_classes, dtype=output.dtype))
        return loss if scale == 1.0 else loss * scale

    return mse_one_hot


def build_optimizer(config: Config, model: nn.Module) -> optim.Optimizer:
    params, lr, wd = model.parameters(), config.lr, config.weight_decay
    if config.optimizer == "sgd":
        return optim.SGD(params, lr=lr, weight_decay=wd)
    if config.optimizer == "momentum":
        return optim.SGD(params, lr=lr, momentum=MOMENTUM, weight_decay=wd)
    return optim.Adam(params, lr=lr, weight_decay=wd)


def sizes(split: Split) -> tuple[int, int]:
    """(number of input features, number of classes) of a split."""
    return int(split.x_train.shape[1]), split.num_classes
