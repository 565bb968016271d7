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
    db.table("patterns").enable_fts(
        ["name", "qualname", "summary", "code"], create_triggers=True, tokenize="porter"
    )
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
    db.table("conventions").create(
        {"key": str, "topic": str, "statement": str, "rank": int, "data": str}, pk="key"
    )


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [m001_initial]
SCHEMA_VERSION = len(MIGRATIONS)
