"""The run folder: where ``chainrule train`` writes, and how ``--resume`` reads it back.

Layout: ``config.json`` (the Config), ``checkpoint.npz`` (see :func:`chainrule.train.fit`),
``metrics.csv`` / ``metrics.json`` (the history), ``report.html``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from chainrule import __version__
from chainrule.cli.errors import RunFolderError
from chainrule.cli.paths import kind, reason, shown
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
    while kind(path, lambda why: RunFolderError(f"cannot write the run folder {shown(root)}: {why}")):
        k += 1
        path = base.with_name(f"{base.name}-{k}")
    return path


def prepare(out: Path, force: bool) -> None:
    """Make ``out`` ready for a new run: refuse a previous run's folder unless ``force`` (then clear its files)."""

    def unusable(why: str) -> RunFolderError:
        return RunFolderError(f"cannot write the run folder {shown(out)}: {why}")

    found = kind(out, unusable)
    if found not in (None, "folder"):
        raise RunFolderError(f"--out {shown(out)} is a file, not a folder")
    previous = [name for name in RUN_FILES if found and kind(out / name, unusable)]
    if previous and not force:
        raise RunFolderError(
            f"--out {shown(out)} already holds a run ({', '.join(previous)}); pass --force to overwrite it "
            f"or --resume {shown(out)} to continue it"
        )
    if found:
        check_run_files(out, unusable)  # before anything is removed
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name in previous:
            (out / name).unlink()
    except OSError as exc:
        raise unusable(reason(exc)) from None


def check_run_files(out: Path, unusable: Callable[[str], RunFolderError]) -> None:
    """Refuse a run folder where a file the run writes is a folder (or a device…): before training, not after."""
    for name in RUN_FILES:
        if kind(out / name, unusable) not in (None, "file"):
            raise RunFolderError(f"the run folder {shown(out)} holds a {name} that is not a file; remove it")


def save_config(out: Path, config: Config) -> None:
    text = json.dumps({"chainrule": __version__, **config.to_dict()}, indent=2) + "\n"
    try:
        write_bytes(out / CONFIG, text.encode())
    except OSError as exc:
        raise RunFolderError(f"cannot write the run folder {shown(out)}: {reason(exc)}") from None


def read_config(run_dir: Path, option: str = "--resume") -> Config:
    """The Config saved in ``run_dir``, checked by the command line's own rules (RunFolderError naming the key)."""
    path, named = run_dir / CONFIG, f"{option} {shown(run_dir)}"

    def unusable(why: str) -> RunFolderError:
        return RunFolderError(f"{named}: {why}")

    found = kind(run_dir, unusable)
    if found is None:
        raise RunFolderError(f"{named}: no such folder")
    if found != "folder":
        raise RunFolderError(f"{named}: it is a file, not a run folder")
    if kind(path, unusable) != "file":
        raise RunFolderError(f"{named}: not a chainrule run folder (no {CONFIG})")
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
        raise RunFolderError(f"{named}: {CONFIG} is damaged: {exc}") from None
    except OSError as exc:
        raise RunFolderError(f"{named}: cannot read {CONFIG}: {reason(exc)}") from None


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
