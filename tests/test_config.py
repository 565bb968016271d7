from __future__ import annotations

import pytest

from memorybrain.config import load_config
from memorybrain.errors import ConfigError, ProjectError


def test_defaults(tmp_path):
    c = load_config(tmp_path)
    assert c.root == tmp_path.resolve()
    assert c.db_path == tmp_path.resolve() / ".brain" / "brain.db"
    assert c.budget == 4000 and c.sources == ()


def test_pyproject_table_and_local_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.brain]\nexclude = ["legacy/**"]\nbudget = 3000\n')
    (tmp_path / ".brain").mkdir()
    (tmp_path / ".brain" / "config.toml").write_text("budget = 5000\nmax_file_size = 2048\n")
    c = load_config(tmp_path)
    assert c.exclude == ("legacy/**",)
    assert c.budget == 5000  # .brain/config.toml wins
    assert c.max_file_size == 2048
    assert c.sources == ("pyproject.toml", ".brain/config.toml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool.brain]\nbudgett = 10\n", "unknown key 'budgett'"),
        ("[tool.brain]\nbudget = 'big'\n", "'budget' must be an integer"),
        ("[tool.brain]\nbudget = 10\n", "'budget' must be between"),
        ("[tool.brain]\nexclude = [1]\n", "'exclude' must be a list of glob strings"),
        ("[tool.brain]\nmax_file_size = -1\n", "'max_file_size' must be a positive integer"),
        ("[tool.brain]\nfollow_symlinks = 'yes'\n", "'follow_symlinks' must be true or false"),
        ("[tool]\nbrain = 3\n", "[tool.brain] must be a table"),
    ],
)
def test_bad_keys_and_values_are_refused_by_name(tmp_path, text, message):
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config(tmp_path)


def test_invalid_local_toml(tmp_path):
    (tmp_path / ".brain").mkdir()
    (tmp_path / ".brain" / "config.toml").write_text("budget = \n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(tmp_path)


def test_bad_project_paths(tmp_path):
    with pytest.raises(ProjectError, match="does not exist"):
        load_config(tmp_path / "nope")
    f = tmp_path / "file.py"
    f.write_text("x = 1\n")
    with pytest.raises(ProjectError, match="not a directory"):
        load_config(f)


def test_command_line_overrides_are_checked(tmp_path):
    c = load_config(tmp_path)
    assert c.with_overrides(budget=None, exclude=("a/**",)).exclude == ("a/**",)
    with pytest.raises(ConfigError, match="'budget' must be between"):
        c.with_overrides(budget=5)
