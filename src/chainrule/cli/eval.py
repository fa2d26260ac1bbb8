"""``chainrule eval``: the test loss and accuracy of a saved run's model."""

from __future__ import annotations

import argparse
from pathlib import Path

from chainrule.cli import recipe
from chainrule.cli.errors import OK, RunFolderError, UsageError
from chainrule.cli.options import HelpFormatter
from chainrule.cli.rundir import read_config
from chainrule.errors import ChainruleError
from chainrule.io import load
from chainrule.train import CHECKPOINT, evaluate, load_checkpoint_model

EXAMPLES = """\
examples:
  chainrule eval runs/20250101-120000
  chainrule eval runs/mnist-run --data mnist --mnist-root ~/data/mnist   # a sample-trained net on full MNIST
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("eval", help="test metrics of a saved run", description=__doc__.split(":", 1)[1].strip(),
                            epilog=EXAMPLES, formatter_class=HelpFormatter)  # fmt: skip
    p.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a run folder written by chainrule train")
    p.add_argument("--data", choices=recipe.DATASETS, help="evaluate on this dataset's test set (default: the run's)")
    p.add_argument("--mnist-root", metavar="DIR", help="folder with the MNIST IDX files (for --data mnist)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = read_config(args.run_dir, option="eval")
    trained_on = config.data
    path = args.run_dir / CHECKPOINT
    if not path.is_file():
        raise RunFolderError(f"eval {args.run_dir}: no checkpoint yet ({CHECKPOINT} is written after the first epoch)")
    try:
        ckpt = load(path)
        weights = [v for k, v in ckpt["model"].items() if k.endswith("weight")]
        trained = (weights[0].shape[1], weights[-1].shape[0])  # (inputs, classes)
        model = recipe.build_model(config, *trained)
        load_checkpoint_model(path, model)
    except (ChainruleError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise RunFolderError(f"eval {args.run_dir}: cannot read {CHECKPOINT}: {_first_line(exc)}") from None
    config.data = args.data or config.data
    config.mnist_root = args.mnist_root or config.mnist_root
    split = recipe.load_data(config)
    if recipe.sizes(split) != trained:
        raise UsageError(
            f"--data {config.data} has {recipe.sizes(split)[0]} inputs and {split.num_classes} classes; the run's "
            f"model was trained on {trained_on} with {trained[0]} inputs and {trained[1]} classes"
        )
    loss, acc = evaluate(model, recipe.build_loss(config, split.num_classes), split.x_test, split.y_test)
    n = len(split.y_test)
    print(f"{args.run_dir} ({ckpt['epoch']} epochs on {trained_on}), test set of {config.data}: "
          f"loss {loss:.4f}, accuracy {acc:.2%} ({round(acc * n)}/{n})")  # fmt: skip
    return OK


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
