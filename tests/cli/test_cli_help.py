"""``chainrule COMMAND --help``: every option with its default said once."""

import re

import pytest
from cli_support import run_main

COMMANDS = [[], ["train"], ["eval"], ["graph"], ["gradcheck"]]


def options(text: str) -> list[str]:
    """The help of each option or argument: an entry starts on a line indented by two spaces."""
    section = text.split("\n\n", 2)[-1].split("\nexamples:")[0]
    return [entry for entry in re.split(r"\n(?=  \S)", section) if entry.startswith("  ")]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "chainrule")
def test_help_shows_each_default_once(capsys, command):
    code, out, _ = run_main(capsys, *command, "--help")
    assert code == 0
    entries = options(out)
    assert entries
    for entry in entries:
        assert len(re.findall(r"\(default", entry)) <= 1, entry
        assert "(default: None)" not in entry and "(default: False)" not in entry, entry


def test_help_keeps_real_defaults(capsys):
    out = run_main(capsys, "gradcheck", "--help")[1]
    assert "(default: 1e-06)" in out and "(default: 1e-05)" in out
