"""Where memorybrain keeps files outside a project, and which paths a project may name.

- ``cache_dir()``: the user cache folder shared by every project (the ONNX graph of the
  model, the vector cache): ``$MEMORYBRAIN_CACHE_DIR``, else ``$XDG_CACHE_HOME/memorybrain``,
  else ``~/.cache/memorybrain``.
- ``inside_project(root, path)``: a path given by a remote caller (HTTP, MCP) or written into
  a project (rule files), refused when it leaves the project: an absolute path elsewhere, a
  ``..`` that climbs out, or a symlink (of the file or of a folder on the way) that points out.
- ``is_test_path(path)``: a project-relative path of test code (pytest's and Django's file
  names, files under ``tests/``, ``test/`` or ``testing/``), one rule for indexers, linker and packs.
- ``is_migration_path(path)``: a module of a migrations folder (Django's ``migrations/``,
  Alembic's ``versions/`` under ``alembic/`` or ``migrations/``).
- ``is_vendored_dir(name, children)`` / ``vendored_paths(paths)``: copies of third-party code
  kept inside the project (``_vendor/``, ``vendor/``, ``vendored/``, ...).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from memorybrain.errors import PathOutsideProjectError, ProjectError

__all__ = [
    "VENDORED_DIRS",
    "cache_dir",
    "inside_project",
    "is_migration_path",
    "is_test_path",
    "is_vendored_dir",
    "vendored_paths",
]

_TEST_DIRS = frozenset({"tests", "test", "testing"})


def is_test_path(path: str) -> bool:
    """Test code: ``test_*.py``, ``*_test.py``, ``conftest.py``, Django's ``tests.py``, a
    ``test.py`` of test helpers (misago's ``threads/test.py``), or any
    file under a ``tests``/``test``/``testing`` folder (``path`` relative, ``/`` or ``\\``)."""
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    if name in ("conftest.py", "tests.py", "test.py") or name.startswith("test_") or name.endswith("_test.py"):
        return True
    return any(part in _TEST_DIRS for part in parts[:-1])


def is_migration_path(path: str) -> bool:
    """A migration module: under a ``migrations`` folder (Django's, Alembic's ``migrations/``)
    or an ``alembic`` folder (its env.py and ``versions`` revisions)."""
    return any(part in ("migrations", "alembic") for part in path.replace("\\", "/").split("/")[:-1])


#: Folder names that hold copies of other people's code, kept inside the project (pip's
#: ``_vendor``, ``vendor``): not the project's patterns, not its stack. ``third_party`` is
#: not one: projects name their own integrations so (fides' ``api/schemas/third_party``).
VENDORED_DIRS = frozenset({"_vendor", "_vendored", "vendor", "vendored", "_third_party"})
#: Modules a web app holds at its top: a folder named ``vendor`` holding them is the
#: project's own app (a marketplace's vendors), not vendored code.
_APP_MODULES = frozenset(
    {"apps.py", "models.py", "views.py", "urls.py", "admin.py", "routes.py", "serializers.py", "schemas.py"}
)


def is_vendored_dir(name: str, children: Iterable[str]) -> bool:
    """Whether a folder called ``name`` whose entries are ``children`` (file names) holds
    vendored code: a ``VENDORED_DIRS`` name that is no Django app of the project's own."""
    return name in VENDORED_DIRS and not _APP_MODULES.intersection(children)


def vendored_paths(paths: Iterable[str]) -> set[str]:
    """The paths (project-relative) under a vendored folder, judged by the paths given."""
    paths = [p.replace("\\", "/") for p in paths]
    children: dict[str, set[str]] = {}
    for p in paths:
        folder, _, name = p.rpartition("/")
        children.setdefault(folder, set()).add(name)
    out: set[str] = set()
    for p in paths:
        parts = p.split("/")[:-1]
        for i, part in enumerate(parts):
            if part in VENDORED_DIRS and is_vendored_dir(part, children.get("/".join(parts[: i + 1]), ())):
                out.add(p)
                break
    return out


def cache_dir() -> Path:
    base = os.environ.get("MEMORYBRAIN_CACHE_DIR")
    if base:
        return Path(base).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "memorybrain"


def inside_project(root: Path, path: str | Path, *, what: str = "path") -> Path:
    """``path`` (relative to ``root``, or absolute) resolved, if it stays inside ``root``.

    Every symlink on the way is followed (the file's own too), so a link that points out of
    the project is refused like the path it points to. The file need not exist.
    """
    text = str(path)
    if not text.strip() or "\0" in text:
        raise ProjectError(f"not a usable {what}: {text[:80]!r}")
    rel = Path(text)
    if text == "~" or text.startswith("~/"):  # the home folder (``~name`` is a plain name here)
        try:
            rel = rel.expanduser()
        except RuntimeError:  # no home folder known: a plain name
            pass
    full = rel if rel.is_absolute() else root / rel
    resolved_root = root.resolve()
    try:
        resolved = full.resolve()  # strict=False: follows every link that exists, the file's too
    except (OSError, RuntimeError) as e:  # a symlink loop, a name too long
        raise ProjectError(f"not a usable {what}: {text[:80]!r} ({e})") from None
    try:
        resolved.relative_to(resolved_root)
    except ValueError:
        raise PathOutsideProjectError(
            f"refusing {what} {text[:200]!r}: it is outside the project {root}",
            hint="give a path inside the project (relative to its root)",
        ) from None
    return resolved
