"""The docs stay honest: every command is in the README and has help."""

from __future__ import annotations

import re
from pathlib import Path

from cli.main import app

README = (Path(__file__).parents[1] / "README.md").read_text()


def _commands() -> list[str]:
    names = []
    for info in app.registered_commands:
        names.append(info.name or info.callback.__name__.replace("_", "-"))
    for group in app.registered_groups:
        names.append(group.name)
    return sorted(n for n in names if n)


def test_every_command_is_documented_in_the_readme():
    commands = _commands()
    assert {"index", "context", "patterns", "show", "facts", "status"} <= set(commands)
    for name in commands:
        assert re.search(rf"`brain {name}\b", README), f"`brain {name}` is missing from README.md"


def test_readme_names_the_two_make_targets_that_exist():
    makefile = (Path(__file__).parents[1] / "Makefile").read_text()
    for target in ("demo", "test"):
        assert f"make {target}" in README
        assert re.search(rf"^{target}:", makefile, re.M)
