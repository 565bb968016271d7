"""Indexers: pure functions from one parsed file to patterns and file metadata.

``extract_python(path, source)`` runs every Python indexer over one parse tree and merges
their output; ``extract_metadata(path, text)`` reads project metadata files (pyproject,
requirements, ...) into stack facts. Neither imports nor runs the code it reads.

Bump ``INDEXER_VERSION`` whenever extraction output changes: stored files indexed by an
older version are re-extracted on the next ``brain index``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from indexers.base import ParsedFile
from memorybrain.models import KIND_PRIORITY, Fact, FileExtract, Pattern

INDEXER_VERSION = "49"

#: Python indexers, run in this order; each module has ``extract(pf) -> FileExtract``.
PYTHON_INDEXERS: tuple[str, ...] = (
    "indexers.imports",
    "indexers.fastapi",
    "indexers.flask_appbuilder",
    "indexers.flask",
    "indexers.django",
    "indexers.errors",
    "indexers.decorators",
    "indexers.models",
    "indexers.testing",
    "indexers.misc",
    "indexers.symbols",
)


def _modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in PYTHON_INDEXERS]


def extract_python(path: str, source: bytes) -> FileExtract:
    """Parse ``source`` once and run every Python indexer over it.

    When two indexers claim the same qualified name, the more specific kind wins
    (``memorybrain.models.PATTERN_KINDS`` order). File metadata is merged key by key:
    lists are concatenated, dicts updated.
    """
    pf = ParsedFile.parse(path, source)
    merged: dict[str, Pattern] = {}
    meta: dict[str, object] = {}
    for module in _modules():
        result: FileExtract = module.extract(pf)
        for p in result.patterns:
            current = merged.get(p.qualname)
            if current is None or KIND_PRIORITY[p.kind] < KIND_PRIORITY[current.kind]:
                merged[p.qualname] = p
        for key, value in result.meta.items():
            existing = meta.get(key)
            if isinstance(existing, list) and isinstance(value, list):
                existing.extend(value)
            elif isinstance(existing, dict) and isinstance(value, dict):
                existing.update(value)
            else:
                meta[key] = value
    meta["parse_errors"] = pf.root.has_error
    patterns = sorted(merged.values(), key=lambda p: (p.start_line, p.qualname))
    return FileExtract(patterns=patterns, meta=meta)


def extract_metadata(path: str, text: str) -> list[Fact]:
    """Stack facts from one project metadata file (see ``indexers.stack``)."""
    from indexers import stack

    return stack.extract_facts(path, text)


def is_metadata_file(path: str) -> bool:
    from indexers import stack

    return stack.is_metadata_file(path)


def facts_from_imports(files: dict[str, list[str]], *, guarded: bool = False) -> list[Fact]:
    """Stack facts from imports: ``files`` maps a path to the modules it imports (top-level,
    and dotted ones); ``guarded``: imports made only under an ImportError guard."""
    from indexers import stack

    return stack.facts_from_imports(files, guarded=guarded)


__all__ = [
    "INDEXER_VERSION",
    "PYTHON_INDEXERS",
    "extract_metadata",
    "extract_python",
    "facts_from_imports",
    "is_metadata_file",
]
