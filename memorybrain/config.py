"""Configuration: a ``[tool.brain]`` table in ``pyproject.toml`` or ``.brain/config.toml``.

Unknown keys and bad values are refused with a message naming the key; nothing is silently
ignored. ``.brain/config.toml`` wins over ``pyproject.toml`` when both set a key.

Keys (all optional)::

    include = ["app/**", "src/**"]     # only index paths matching these globs (gitignore syntax)
    exclude = ["legacy/**"]            # never index these (added to the built-in excludes)
    max_file_size = 1000000            # bytes; larger files are skipped with a reason
    db = ".brain/brain.db"             # store path, relative to the project root
    model = "all-MiniLM-L6-v2"         # embedding model: the packaged default, a local
                                       # sentence-transformers directory, or "hashing"
    budget = 4000                      # default token budget of `brain context`
    follow_symlinks = true             # follow symlinks that stay inside the project
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from memorybrain.errors import ConfigError, ProjectError

DEFAULT_DB = ".brain/brain.db"
DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_BUDGET = 4000
MIN_BUDGET = 200
MAX_BUDGET = 64000
DEFAULT_MAX_FILE_SIZE = 1_000_000


@dataclass(frozen=True, slots=True)
class Config:
    root: Path
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    db: str = DEFAULT_DB
    model: str = DEFAULT_MODEL
    budget: int = DEFAULT_BUDGET
    follow_symlinks: bool = True
    sources: tuple[str, ...] = field(default=())

    @property
    def db_path(self) -> Path:
        p = Path(self.db).expanduser()
        return p if p.is_absolute() else self.root / p

    def with_overrides(self, **overrides: Any) -> Config:
        clean = {k: v for k, v in overrides.items() if v is not None and v != ()}
        for key, value in clean.items():
            _check(key, value, "command line")
        return replace(self, **clean)


_KEYS = {f.name for f in fields(Config)} - {"root", "sources"}


def _check(key: str, value: Any, source: str) -> Any:
    def bad(expected: str) -> ConfigError:
        return ConfigError(f"{source}: '{key}' must be {expected}, got {value!r}")

    if key not in _KEYS:
        known = ", ".join(sorted(_KEYS))
        raise ConfigError(f"{source}: unknown key '{key}' (known keys: {known})")
    if key in ("include", "exclude"):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.strip() for v in value):
            raise bad("a list of glob strings")
        return tuple(value)
    if key == "max_file_size":
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise bad("a positive integer (bytes)")
        return value
    if key == "budget":
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("an integer")
        if not MIN_BUDGET <= value <= MAX_BUDGET:
            raise bad(f"between {MIN_BUDGET} and {MAX_BUDGET}")
        return value
    if key in ("db", "model"):
        if not isinstance(value, str) or not value.strip():
            raise bad("a non-empty string")
        return value
    if key == "follow_symlinks":
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    return value  # pragma: no cover - every key is handled above


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: invalid TOML: {e}") from e
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror}") from e


def find_root(start: Path) -> Path:
    """The project root for ``start``: the nearest ancestor holding ``.brain/``, else ``start``."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".brain").is_dir():
            return candidate
    return start


def load_config(root: str | os.PathLike[str]) -> Config:
    """Read and validate the configuration of the project at ``root``."""
    root_path = Path(root).expanduser()
    if not root_path.exists():
        raise ProjectError(f"project path does not exist: {root_path}")
    if not root_path.is_dir():
        raise ProjectError(f"project path is not a directory: {root_path}")
    root_path = root_path.resolve()
    values: dict[str, Any] = {}
    sources: list[str] = []
    pyproject = root_path / "pyproject.toml"
    if pyproject.is_file():
        try:
            table = _read_toml(pyproject).get("tool", {}).get("brain")
        except ConfigError:
            table = None  # a broken pyproject is the project's problem, not ours
        if table is not None:
            if not isinstance(table, dict):
                raise ConfigError("pyproject.toml: [tool.brain] must be a table")
            values.update({k: _check(k, v, "pyproject.toml [tool.brain]") for k, v in table.items()})
            sources.append("pyproject.toml")
    local = root_path / ".brain" / "config.toml"
    if local.is_file():
        table = _read_toml(local)
        values.update({k: _check(k, v, ".brain/config.toml") for k, v in table.items()})
        sources.append(".brain/config.toml")
    return Config(root=root_path, sources=tuple(sources), **values)
