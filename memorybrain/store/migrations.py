"""Schema migrations: numbered functions, applied in order when the store opens.

Each runs in its own transaction and bumps ``meta.schema_version``. Never edit a released
migration; add a new one. The store refuses a file whose version is newer than it knows.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils


def m001_initial(db: sqlite_utils.Database) -> None:
    db.table("files").create(
        {
            "path": str,
            "hash": str,
            "size": int,
            "lines": int,
            "kind": str,
            "status": str,
            "reason": str,
            "indexer_version": str,
            "meta": str,
            "indexed_at": str,
        },
        pk="path",
    )
    db.table("patterns").create(
        {
            "id": str,
            "kind": str,
            "name": str,
            "qualname": str,
            "path": str,
            "start_line": int,
            "end_line": int,
            "code": str,
            "summary": str,
            "meta": str,
            "usage": int,
            "content_hash": str,
        },
        pk="id",
    )
    db.table("patterns").create_index(["path"])
    db.table("patterns").create_index(["kind"])
    db.table("patterns").create_index(["name"])
    db.table("patterns").enable_fts(["name", "qualname", "summary", "code"], create_triggers=True, tokenize="porter")
    db.table("vectors").create({"id": str, "text_hash": str, "vector": bytes}, pk="id")
    db.table("facts").create(
        {
            "key": str,
            "category": str,
            "name": str,
            "value": str,
            "source_path": str,
            "source_line": int,
            "evidence": str,
            "origin": str,
        },
        pk="key",
    )
    db.table("conventions").create({"key": str, "topic": str, "statement": str, "rank": int, "data": str}, pk="key")


def m002_curation(db: sqlite_utils.Database) -> None:
    """Team curation, keyed by pattern id (stable across re-indexing).

    ``curation`` remembers what a pattern was when it was curated (path, qualname, kind,
    content hash) so a pin outlives its pattern and can be reported stale. ``exclusions``
    holds path globs; ``rules`` the team's hand-written conventions, in the order written.
    Team facts live in ``facts`` with ``origin = 'team'``.
    """
    db.table("curation").create(
        {
            "id": str,
            "kind": str,
            "path": str,
            "qualname": str,
            "content_hash": str,
            "pinned": int,
            "excluded": int,
            "note": str,
        },
        pk="id",
    )
    db.table("exclusions").create({"glob": str}, pk="glob")
    db.table("rules").create({"id": str, "text": str, "position": int}, pk="id")


def m003_extracted_meta(db: sqlite_utils.Database) -> None:
    """``patterns.extracted``: the meta as the indexer extracted it. The linker rewrites
    ``meta`` with what it derives across files (full paths, inherited attributes); it starts
    each link from ``extracted``, so nothing an older link derived outlives its reason (a URL
    removed from the urlconf). NULL in rows written before: they read ``meta``."""
    db.table("patterns").add_column("extracted", str)


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [m001_initial, m002_curation, m003_extracted_meta]
SCHEMA_VERSION = len(MIGRATIONS)
