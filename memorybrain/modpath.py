"""Module names from file paths, as plain string functions (no parser needed to use them)."""

from __future__ import annotations


def module_name(path: str) -> str:
    """Dotted module name for a relative path: ``app/routers/users.py`` -> ``app.routers.users``."""
    parts = path.removesuffix(".py").split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def absolute_module(importer: str, module: str, level: int) -> str:
    """``from ..deps import x`` in app/api/routes/items.py -> ``app.api.deps``."""
    if not level:
        return module
    base = module_name(importer).split(".")
    if not importer.endswith("__init__.py"):
        base = base[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, module] if module else base)
