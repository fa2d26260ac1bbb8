"""``chainrule eval``: the test loss and accuracy of a saved run's model."""

from __future__ import annotations

import argparse

from chainrule.cli import recipe
from chainrule.cli.errors import OK, RunFolderError, UsageError, one_line
from chainrule.cli.options import HelpFormatter, argparse_type
from chainrule.cli.paths import folder_argument, kind, shown
from chainrule.cli.rundir import CONFIG, read_config
from chainrule.errors import ChainruleError
from chainrule.nn import Module
from chainrule.train import CHECKPOINT, evaluate, read_run_checkpoint

EXAMPLES = """\
examples:
  chainrule eval runs/20250101-120000
  chainrule eval runs/mnist-run --data mnist --mnist-root ~/data/mnist   # a sample-trained net on full MNIST
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("eval", help="test metrics of a saved run", description=__doc__.split(":", 1)[1].strip(),
                            epilog=EXAMPLES, formatter_class=HelpFormatter)  # fmt: skip
    p.add_argument("run_dir", type=folder_argument, metavar="RUN_DIR", help="a run folder written by chainrule train")
    data, root = recipe.RULES["data"], recipe.RULES["mnist_root"]
    p.add_argument("--data", type=argparse_type(data), metavar="DATA",
                   help="evaluate on the test set of this dataset, a name or a .npz or .csv file "
                        "(default: the run's)")  # fmt: skip
    p.add_argument("--mnist-root", type=argparse_type(root), metavar="DIR",
                   help="folder with the MNIST IDX files (for --data mnist)")  # fmt: skip
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = read_config(args.run_dir, option="eval")
    trained_on = config.data
    path = args.run_dir / CHECKPOINT
    named = f"eval {shown(args.run_dir)}"
    if kind(path, lambda why: RunFolderError(f"{named}: {why}")) != "file":
        raise RunFolderError(f"{named}: no checkpoint yet ({CHECKPOINT} is written after the first epoch)")
    try:
        ckpt = read_run_checkpoint(path)
        trained = _trained_sizes(ckpt["model"]) if config.model == "mlp" else None
    except (ChainruleError, ValueError) as exc:
        raise RunFolderError(f"eval {args.run_dir}: cannot read {CHECKPOINT}: {one_line(exc)}") from None
    model = None if trained is None else _load(args, config, ckpt["model"], trained)
    data = args.data or config.data
    root = args.mnist_root if args.mnist_root or data != config.data else config.mnist_root
    try:
        recipe.check_settings({"data": data, "mnist_root": root})
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    config.data, config.mnist_root = data, root
    split = recipe.load_data(config)
    if model is None:  # a convolutional network: its sizes follow from the images it takes
        model = _load_conv(args, config, ckpt["model"], split, trained_on)
    elif recipe.sizes(split) != trained:
        found = f"{recipe.sizes(split)[0]} inputs and {split.num_classes} classes"
        if args.data is None:  # the run's own config and checkpoint disagree: a run-folder problem
            raise RunFolderError(
                f"eval {args.run_dir}: its {CONFIG} names data {config.data} ({found}), but {CHECKPOINT} holds a "
                f"model for {trained[0]} inputs and {trained[1]} classes"
            )
        raise UsageError(
            f"--data {config.data} has {found}; the run's model was trained on {trained_on} with {trained[0]} inputs "
            f"and {trained[1]} classes"
        )
    split = recipe.inputs(config, split)
    loss, acc = evaluate(model, recipe.build_loss(config, split.num_classes), split.x_test, split.y_test)
    n = len(split.y_test)
    print(f"{args.run_dir} ({ckpt['epoch']} epochs on {trained_on}), test set of {config.data}: "
          f"loss {loss:.4f}, accuracy {acc:.2%} ({round(acc * n)}/{n})")  # fmt: skip
    return OK


def _load(args: argparse.Namespace, config: recipe.Config, state: dict, trained: tuple[int, int]) -> Module:
    """The run's MLP with its checkpoint's parameters (sizes from the checkpoint, checked before building)."""
    try:
        recipe.check_fits(config, *trained, 0)
    except ValueError as exc:
        raise RunFolderError(f"eval {args.run_dir}: {CONFIG}: {exc}") from None
    model = recipe.build_model(config, *trained)
    try:
        model.load_state_dict(state)
    except ChainruleError as exc:
        raise RunFolderError(f"eval {args.run_dir}: {CHECKPOINT} does not fit its {CONFIG}: {one_line(exc)}") from None
    return model


def _load_conv(args: argparse.Namespace, config: recipe.Config, state: dict, split: recipe.Data,
               trained_on: str) -> Module:  # fmt: skip
    """The run's convolutional network built for the images of ``split``, with its checkpoint's parameters; data
    it cannot take (given by --data) is a usage error, a checkpoint that does not fit the run's own data the run's."""
    n_inputs, n_classes = recipe.sizes(split)
    try:
        recipe.check_model(config, split)
        recipe.check_fits(config, n_inputs, n_classes, 0, split.image)
        model = recipe.build_model(config, n_inputs, n_classes, split.image)
        model.load_state_dict(state)
    except (ChainruleError, ValueError) as exc:
        if args.data is None:
            problem = f"eval {args.run_dir}: {CHECKPOINT} does not fit its {CONFIG}: {one_line(exc)}"
            raise RunFolderError(problem) from None
        raise UsageError(f"--data {config.data} does not fit the run's model, trained on {trained_on}: "
                         f"{one_line(exc)}") from None  # fmt: skip
    return model


def _trained_sizes(state: dict) -> tuple[int, int]:
    """(inputs, classes) of the MLP whose state dict this is: its first and last weight matrices."""
    weights = [v for k, v in state.items() if str(k).endswith("weight")]
    if not weights or any(getattr(w, "ndim", None) != 2 for w in weights):
        raise ValueError("its model has no weight matrices (not an MLP's state)")
    return weights[0].shape[1], weights[-1].shape[0]
