"""The run folder: where ``chainrule train`` writes, and how ``--resume`` reads it back.

Layout: ``config.json`` (the Config), ``checkpoint.npz`` (see :func:`chainrule.train.fit`),
``metrics.csv`` / ``metrics.json`` (the history), ``report.html``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from chainrule import __version__
from chainrule.cli.errors import RunFolderError
from chainrule.cli.recipe import LATER_SETTINGS, Config, check_settings
from chainrule.files import write_bytes
from chainrule.train import CHECKPOINT, METRICS
from chainrule.untrusted import check_nesting, read_bounded

CONFIG = "config.json"
REPORT = "report.html"
RUN_FILES = (CONFIG, CHECKPOINT, *METRICS, REPORT)
MAX_CONFIG_BYTES = 1 << 16  # a run's config.json is under 1 KiB


def default_out(root: Path = Path("runs")) -> Path:
    """``runs/<YYYYmmdd-HHMMSS>``, with ``-2``, ``-3``… appended if that name is taken."""
    base = root / time.strftime("%Y%m%d-%H%M%S")
    path, k = base, 1
    while path.exists():
        k += 1
        path = base.with_name(f"{base.name}-{k}")
    return path


def prepare(out: Path, force: bool) -> None:
    """Make ``out`` ready for a new run: refuse a previous run's folder unless ``force`` (then clear its files)."""
    if out.exists() and not out.is_dir():
        raise RunFolderError(f"--out {out} is a file, not a folder")
    previous = [name for name in RUN_FILES if (out / name).exists()]
    if previous and not force:
        raise RunFolderError(
            f"--out {out} already holds a run ({', '.join(previous)}); pass --force to overwrite it "
            f"or --resume {out} to continue it"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name in previous:
            (out / name).unlink()
    except OSError as exc:
        raise RunFolderError(f"cannot write the run folder {out}: {exc.strerror or exc}") from None


def save_config(out: Path, config: Config) -> None:
    text = json.dumps({"chainrule": __version__, **config.to_dict()}, indent=2) + "\n"
    try:
        write_bytes(out / CONFIG, text.encode())
    except OSError as exc:
        raise RunFolderError(f"cannot write the run folder {out}: {exc.strerror or exc}") from None


def read_config(run_dir: Path, option: str = "--resume") -> Config:
    """The Config saved in ``run_dir``, checked by the command line's own rules (RunFolderError naming the key)."""
    path = run_dir / CONFIG
    if run_dir.exists() and not run_dir.is_dir():
        raise RunFolderError(f"{option} {run_dir}: it is a file, not a run folder")
    if not run_dir.is_dir():
        raise RunFolderError(f"{option} {run_dir}: no such folder")
    if not path.is_file():
        raise RunFolderError(f"{option} {run_dir}: not a chainrule run folder (no {CONFIG})")
    try:
        text = read_bounded(path, MAX_CONFIG_BYTES).decode("utf-8")
        if check_nesting(text, 4) is not None:
            raise ValueError("it is nested deeper than a config is")
        saved = json.loads(text)
        if not isinstance(saved, dict):
            raise ValueError(f"it holds a JSON {type(saved).__name__}, not an object")
        saved.pop("chainrule", None)
        saved = {**LATER_SETTINGS, **saved}  # a run from before a setting existed was trained without it
        missing = [k for k in Config.keys() if k not in saved]
        if missing:
            raise ValueError(f"it lacks {', '.join(map(repr, missing))}")
        return Config(**check_settings(saved, name=lambda key: f'"{key}"'))
    except ValueError as exc:
        raise RunFolderError(f"{option} {run_dir}: {CONFIG} is damaged: {exc}") from None
    except OSError as exc:
        raise RunFolderError(f"{option} {run_dir}: cannot read {CONFIG}: {exc.strerror or exc}") from None


#: the settings a resumed run may change: how long it trains, and how many processes share the work (the steps
#: are one process's steps whatever their number, to float round-off)
RESUMABLE = ("epochs", "workers")


def merge_resume(saved: Config, given: dict, run_dir: Path) -> Config:
    """The saved config, refusing command-line settings that differ from it (only ``RESUMABLE`` ones may change)."""
    mismatches = [
        f"{key.replace('_', '-')} {getattr(saved, key)!r} in the run, {value!r} on the command line"
        for key, value in given.items()
        if key not in RESUMABLE and getattr(saved, key) != value
    ]
    if mismatches:
        raise RunFolderError(
            f"--resume {run_dir}: its config does not match: {'; '.join(mismatches)} "
            "(only --epochs and --workers may change when resuming)"
        )
    for key in RESUMABLE:
        if key in given:
            setattr(saved, key, given[key])
    return saved
