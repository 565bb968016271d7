"""Find the files to index: gitignore-aware, with sane default excludes and a size cap.

Yields ``SourceFile`` records for Python sources and project metadata files, and ``Skip``
records (with a reason) for files it saw and will not index. Symlinks are followed only
while they stay inside the root, and directory loops are broken.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

from indexers import is_metadata_file
from memorybrain.config import Config
from memorybrain.paths import VENDORED_DIRS, is_vendored_dir
from memorybrain.redact import is_env_file

#: Directories never worth indexing (matched by name at any depth).
DEFAULT_EXCLUDED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".brain",
        ".venv",
        "venv",
        "env",
        ".env",
        "virtualenv",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        "build",
        "dist",
        "site-packages",
        ".eggs",
        ".idea",
        ".vscode",
        "htmlcov",
        ".cache",
        "bower_components",
        ".next",
        ".terraform",
    }
)


#: Machine-written modules whose names say so: protobuf messages and gRPC stubs are no pattern
#: of the project's (and can be thousands of lines of noise in its packs).
_GENERATED = re.compile(r"_pb2(_grpc)?\.py$")


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str  # relative, posix
    abspath: Path
    size: int
    kind: str  # "python" | "metadata"


@dataclass(frozen=True, slots=True)
class Skip:
    path: str
    reason: str


def _spec(lines: list[str]) -> pathspec.PathSpec:
    return pathspec.GitIgnoreSpec.from_lines(lines)


def walk_project(config: Config) -> Iterator[SourceFile | Skip]:
    root = config.root
    include = _spec(list(config.include)) if config.include else None
    exclude = _spec(list(config.exclude)) if config.exclude else None
    seen_dirs: set[tuple[int, int]] = set()
    # stack of (directory, list of (base_rel, spec)) gitignore specs in force
    stack: list[tuple[Path, list[tuple[str, pathspec.PathSpec]]]] = [(root, [])]
    while stack:
        directory, ignores = stack.pop()
        try:
            st = directory.stat()
        except OSError as e:
            yield Skip(_rel(directory, root), f"unreadable directory: {e.strerror}")
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            yield Skip(_rel(directory, root), "symlink loop")
            continue
        seen_dirs.add(key)
        gi = directory / ".gitignore"
        if gi.is_file():
            try:
                lines = gi.read_text("utf-8", errors="replace").splitlines()
                base = _rel(directory, root)
                ignores = [*ignores, (base, _spec(lines))]
            except OSError:
                pass
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as e:
            yield Skip(_rel(directory, root), f"unreadable directory: {e.strerror}")
            continue
        subdirs: list[Path] = []
        for entry in entries:
            path = Path(entry.path)
            rel = _rel(path, root)
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError as e:
                yield Skip(rel, f"unreadable: {e.strerror}")
                continue
            if is_link:
                reason = _symlink_problem(path, root, config)
                if reason:
                    if is_dir or path.suffix == ".py" or is_metadata_file(rel):
                        yield Skip(rel, reason)
                    continue
            if is_dir:
                if entry.name in DEFAULT_EXCLUDED_DIRS or entry.name.endswith(".egg-info"):
                    continue
                if _ignored(rel + "/", ignores) or (exclude and exclude.match_file(rel + "/")):
                    continue
                if entry.name in VENDORED_DIRS and _vendored(path, entry.name, config):
                    yield Skip(rel, "vendored third-party code (an include glob naming the folder indexes it)")
                    continue
                subdirs.append(path)
                continue
            if is_env_file(rel):
                yield Skip(rel, "environment file (never indexed)")
                continue
            if path.suffix == ".py":
                kind = "python"
            elif is_metadata_file(rel):
                kind = "metadata"
            else:
                continue
            if _ignored(rel, ignores):
                continue
            if exclude and exclude.match_file(rel):
                continue
            if include and kind == "python" and not include.match_file(rel):
                continue
            if kind == "python" and _GENERATED.search(path.name):
                yield Skip(rel, "generated protobuf/gRPC code (never indexed)")
                continue
            try:
                size = entry.stat(follow_symlinks=True).st_size
            except OSError as e:
                yield Skip(rel, f"unreadable: {e.strerror}")
                continue
            if size > config.max_file_size:
                yield Skip(rel, f"larger than max_file_size ({size} > {config.max_file_size} bytes)")
                continue
            yield SourceFile(rel, path, size, kind)
        stack.extend((d, ignores) for d in reversed(subdirs))


def _vendored(path: Path, name: str, config: Config) -> bool:
    """A folder of vendored code (``memorybrain.paths.is_vendored_dir``) that no include glob
    names (``octoprint/vendor/flask_principal.py``, ``**/_vendor/**``): someone else's code,
    not the project's patterns nor evidence of its stack."""
    if any(re.search(rf"(^|/){re.escape(name)}(/|$)", glob) for glob in config.include):
        return False
    try:
        children = [e.name for e in os.scandir(path)]
    except OSError:
        return False
    return is_vendored_dir(name, children)


def _rel(path: Path, root: Path) -> str:
    rel = os.path.relpath(path, root)
    return "" if rel == "." else Path(rel).as_posix()


def _ignored(rel: str, ignores: list[tuple[str, pathspec.PathSpec]]) -> bool:
    for base, spec in ignores:
        if base:
            if not rel.startswith(base + "/"):
                continue
            sub = rel[len(base) + 1 :]
        else:
            sub = rel
        if spec.match_file(sub):
            return True
    return False


def _symlink_problem(path: Path, root: Path, config: Config) -> str | None:
    if not config.follow_symlinks:
        return "symlink (follow_symlinks = false)"
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "broken or looping symlink"
    if target != root and root not in target.parents:
        return "symlink leaves the project root"
    return None
