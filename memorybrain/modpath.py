"""Module names from file paths, as plain string functions (no parser needed to use them)."""

from __future__ import annotations

import re
from typing import Any


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


def imported_name(
    base: str, path: str, imports: list[dict[str, Any]], local: set[str] | frozenset[str] = frozenset()
) -> tuple[str, str] | None:
    """What a name written in ``path`` stands for, by the file's (module-level) imports:
    ``viewsets.ModelViewSet`` with ``from rest_framework import viewsets`` ->
    (``rest_framework.viewsets``, ``ModelViewSet``); one of ``local`` (the file's own) -> its module."""
    base = base.split("[", 1)[0].strip()
    if not base or "=" in base or not re.fullmatch(r"[A-Za-z_][\w.]*", base):
        return None
    head, _, rest = base.partition(".")
    name = base.rsplit(".", 1)[-1]
    for imp in imports:
        if imp.get("local"):
            continue
        module = absolute_module(path, str(imp.get("module") or ""), int(imp.get("level") or 0))
        bound = imp.get("alias") or (imp.get("name") or str(imp.get("module") or "").split(".")[0])
        if bound != head:
            continue
        if not rest:  # the name the module defines, not the file's alias for it
            return (module, str(imp["name"])) if imp.get("name") else None
        if imp.get("name"):  # from rest_framework import viewsets; viewsets.ModelViewSet
            target = f"{module}.{imp['name']}"
        else:  # import a.b; a.b.C (or import a.b as m; m.C)
            target = str(imp.get("module")) if imp.get("alias") else head
        middle = rest.rsplit(".", 1)[0] if "." in rest else ""
        return (f"{target}.{middle}" if middle else target, name)
    if not rest and base in local:
        return module_name(path), name
    return None
