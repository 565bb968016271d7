"""The store: the only code that touches SQLite.

One file per project (default ``.brain/brain.db``), WAL mode, a schema version with forward
migrations, FTS5 (porter stemming) over pattern names, summaries and code, and embeddings
as little-endian float32 blobs (``numpy.float32.tobytes()``), one row per pattern in
``vectors`` keyed by pattern id with the hash of the text that was embedded. The model name
and dimension live in ``meta``; a change of either drops every vector (re-embedding), so
vectors of two models are never mixed.

Everything written is passed through ``memorybrain.redact`` first: no secret reaches disk.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from memorybrain.errors import NotIndexedError, PatternNotFoundError, StoreError
from memorybrain.models import Fact, Pattern
from memorybrain.redact import redact
from memorybrain.store.migrations import MIGRATIONS, SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "FileRecord", "Store"]

_PATTERN_COLUMNS = "id, kind, name, qualname, path, start_line, end_line, code, summary, meta, usage"


class FileRecord(dict[str, Any]):
    """A row of ``files`` (path, hash, size, lines, kind, status, reason, indexer_version)."""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _redact_meta(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redact_meta(v) for v in value]
    if isinstance(value, dict):
        return {k: _redact_meta(v) for k, v in value.items()}
    return value


def _row_to_pattern(row: sqlite3.Row | tuple[Any, ...]) -> Pattern:
    (_id, kind, name, qualname, path, start, end, code, summary, meta, usage) = row
    return Pattern(
        kind=kind,
        name=name,
        qualname=qualname,
        path=path,
        start_line=start,
        end_line=end,
        code=code,
        summary=summary,
        meta=json.loads(meta or "{}"),
        usage=usage or 0,
    )


class Store:
    """The project's SQLite store. Open with ``Store.open(path)`` or ``Store.create(path)``."""

    def __init__(self, db: sqlite_utils.Database, path: Path) -> None:
        self.db = db
        self.path = path
        self._savepoints = 0

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: str | Path, *, create: bool = False) -> Store:
        """Open the store at ``path``; with ``create``, make it (and its folder) if missing.

        Raises NotIndexedError when the file does not exist and ``create`` is false, and
        StoreError when it is not a brain store or was written by a newer version.
        """
        path = Path(path)
        if not path.exists():
            if not create:
                raise NotIndexedError(f"no index at {path}", hint="run `brain index` in the project first")
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("PRAGMA journal_mode = wal")
            conn.execute("PRAGMA synchronous = normal")
            db = sqlite_utils.Database(conn, execute_plugins=False)  # no third-party code, no entry-point scan
            store = cls(db, path)
            store._migrate(create=create)
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{path} is not a usable brain store: {e}") from e
        return store

    @classmethod
    def memory(cls) -> Store:
        """A private in-memory store (a snapshot loaded read-only): nothing touches disk."""
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        db = sqlite_utils.Database(conn, execute_plugins=False)
        store = cls(db, Path(":memory:"))
        store._migrate(create=True)
        return store

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self, *, create: bool) -> None:
        tables = set(self.db.table_names())
        if "meta" not in tables:
            if tables - {"sqlite_sequence"}:
                raise StoreError(f"{self.path} is an SQLite file but not a brain store")
            if not create:
                raise NotIndexedError(f"{self.path} is empty", hint="run `brain index` first")
            with self.transaction():
                self.db.table("meta").create({"key": str, "value": str}, pk="key")
        version = int(self.get_meta("schema_version") or 0)
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {version}, newer than this brain ({SCHEMA_VERSION})",
                hint="upgrade memorybrain",
            )
        for number in range(version, SCHEMA_VERSION):
            with self.transaction():
                MIGRATIONS[number](self.db)
                self._set_meta("schema_version", str(number + 1))

    # ------------------------------------------------------------------ meta

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def set_meta(self, **values: str) -> None:
        with self.transaction():
            for key, value in values.items():
                self._set_meta(key, value)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One explicit transaction (``BEGIN IMMEDIATE``: the write lock first, waiting up to the
        busy timeout), committed at the end or rolled back on any error; nested, a savepoint.

        Every write goes through here. ``with conn:`` alone is not a transaction with
        sqlite-utils: its ``execute`` commits a write at once when no transaction is open, so
        a ``DELETE`` then ``INSERT`` would be two commits, and a reader on another connection
        (the server's queries while an index job runs) could see the rows gone in between.
        """
        conn = self.db.conn
        if conn.in_transaction:
            self._savepoints += 1
            name = f"brain_{self._savepoints}"
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                if conn.in_transaction:
                    conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                    conn.execute(f"RELEASE SAVEPOINT {name}")
                raise
            conn.execute(f"RELEASE SAVEPOINT {name}")
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    @contextmanager
    def read_snapshot(self) -> Iterator[None]:
        """Every read inside sees one committed state of the store: an index committing on
        another connection meanwhile (the server's index job) shows up only afterwards, so a
        pack never mixes the old index's hits with the new one's rows. Nested, or inside a
        write transaction, it is that transaction's view already."""
        conn = self.db.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN")  # deferred: the first read fixes the snapshot (WAL)
        try:
            yield
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")  # ends the read (commits a nested write, if any)

    # ------------------------------------------------------------------ files

    def file_states(self) -> dict[str, tuple[str, str]]:
        """path -> (content hash, indexer version) for every indexed file."""
        rows = self.db.execute("SELECT path, hash, indexer_version FROM files")
        return {path: (h, v) for path, h, v in rows}

    def files(self) -> list[FileRecord]:
        cur = self.db.execute(
            "SELECT path, hash, size, lines, kind, status, reason, indexer_version, indexed_at FROM files ORDER BY path"
        )
        cols = [c[0] for c in cur.description]
        return [FileRecord(zip(cols, row, strict=True)) for row in cur]

    def files_meta(self, kind: str = "python") -> dict[str, dict[str, Any]]:
        rows = self.db.execute("SELECT path, meta FROM files WHERE kind = ?", [kind])
        return {path: json.loads(meta or "{}") for path, meta in rows}

    def replace_file(
        self,
        *,
        path: str,
        content_hash: str,
        size: int,
        lines: int,
        kind: str,
        indexer_version: str,
        meta: dict[str, Any],
        patterns: list[Pattern],
        status: str = "indexed",
        reason: str = "",
    ) -> None:
        """Replace one file's record and patterns atomically (secrets redacted first)."""
        rows = [self._pattern_row(p) for p in patterns]
        with self.transaction():
            self.db.execute("DELETE FROM patterns WHERE path = ?", [path])
            if rows:
                self.db.table("patterns").insert_all(rows, replace=True)
            self.db.table("files").upsert(
                {
                    "path": path,
                    "hash": content_hash,
                    "size": size,
                    "lines": lines,
                    "kind": kind,
                    "status": status,
                    "reason": reason,
                    "indexer_version": indexer_version,
                    "meta": json.dumps(_redact_meta(meta), sort_keys=True),
                    "indexed_at": now_iso(),
                },
                pk="path",
            )

    def delete_files(self, paths: Iterable[str]) -> int:
        paths = list(paths)
        with self.transaction():
            for path in paths:
                self.db.execute("DELETE FROM patterns WHERE path = ?", [path])
                self.db.execute("DELETE FROM files WHERE path = ?", [path])
        return len(paths)

    @staticmethod
    def _pattern_row(p: Pattern) -> dict[str, Any]:
        code = redact(p.code)
        meta = json.dumps(_redact_meta(p.meta), sort_keys=True)
        return {
            "id": p.id,
            "kind": p.kind,
            "name": p.name,
            "qualname": p.qualname,
            "path": p.path,
            "start_line": p.start_line,
            "end_line": p.end_line,
            "code": code,
            "summary": redact(p.summary),
            "meta": meta,
            "extracted": meta,
            "usage": p.usage,
            "content_hash": p.content_hash(),
        }

    # ------------------------------------------------------------------ patterns

    def pattern_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM patterns").fetchone()[0])

    def counts_by_kind(self) -> dict[str, int]:
        rows = self.db.execute("SELECT kind, count(*) FROM patterns GROUP BY kind ORDER BY kind")
        return dict(rows.fetchall())

    def get_pattern(self, pattern_id: str) -> Pattern:
        row = self.db.execute(f"SELECT {_PATTERN_COLUMNS} FROM patterns WHERE id = ?", [pattern_id]).fetchone()
        if row is None:
            raise PatternNotFoundError(f"no pattern with id {pattern_id!r}", hint="see `brain patterns` for ids")
        return _row_to_pattern(row)

    def get_patterns(self, ids: Iterable[str]) -> dict[str, Pattern]:
        ids = list(dict.fromkeys(ids))
        out: dict[str, Pattern] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(f"SELECT {_PATTERN_COLUMNS} FROM patterns WHERE id IN ({marks})", chunk):
                out[row[0]] = _row_to_pattern(row)
        return out

    def iter_patterns(
        self,
        *,
        kind: str | None = None,
        path: str | None = None,
        text: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Pattern]:
        where, params = self._filters(kind, path, text)
        sql = f"SELECT {_PATTERN_COLUMNS} FROM patterns{where} ORDER BY path, start_line, id"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [_row_to_pattern(r) for r in self.db.execute(sql, params)]

    def count_matching(self, *, kind: str | None = None, path: str | None = None, text: str | None = None) -> int:
        where, params = self._filters(kind, path, text)
        return int(self.db.execute(f"SELECT count(*) FROM patterns{where}", params).fetchone()[0])

    @staticmethod
    def _filters(kind: str | None, path: str | None, text: str | None) -> tuple[str, list[Any]]:
        clauses, params = [], []
        if kind:
            clauses.append("kind = ?")
            params.append(kind)
        if path:
            clauses.append("(path = ? OR path LIKE ? ESCAPE '\\')")
            esc = path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params += [path, esc.rstrip("/") + "/%"]
        if text:
            clauses.append("(name LIKE ? OR summary LIKE ?)")
            params += [f"%{text}%", f"%{text}%"]
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def embedding_inputs(self) -> list[tuple[str, str, str, str, str, str]]:
        """(id, kind, name, path, summary, head of code) of every pattern."""
        return self.db.execute("SELECT id, kind, name, path, summary, substr(code, 1, 600) FROM patterns").fetchall()

    def pattern_index(self) -> list[tuple[str, str, str, str, dict[str, Any], int, str]]:
        """(id, kind, name, path, meta, usage, summary) of every pattern: the linker's input, with
        the meta as extracted (not as the last link left it)."""
        rows = self.db.execute(
            "SELECT id, kind, name, path, coalesce(extracted, meta), usage, summary FROM patterns"
            " ORDER BY path, start_line, id"
        )
        return [(i, k, n, p, json.loads(m or "{}"), u or 0, s) for i, k, n, p, m, u, s in rows]

    def python_paths(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT path FROM files WHERE kind = 'python' ORDER BY path")]

    def file_meta(self, path: str) -> dict[str, Any] | None:
        """One file's stored metadata (imports, routers, ...), or None when it is not indexed."""
        row = self.db.execute("SELECT meta FROM files WHERE path = ?", [path]).fetchone()
        return json.loads(row[0] or "{}") if row else None

    def pattern_kinds(self) -> list[tuple[str, str, str]]:
        """(id, kind, path) of every pattern."""
        return self.db.execute("SELECT id, kind, path FROM patterns").fetchall()

    def definitions(self) -> list[tuple[str, str, str, str, str]]:
        """(id, kind, name, path, qualname) of every pattern that is not a route: what a pack
        can point at by name."""
        return self.db.execute("SELECT id, kind, name, path, qualname FROM patterns WHERE kind != 'route'").fetchall()

    def class_code(self, path: str, qualname: str) -> str | None:
        """The code of the class ``qualname`` in ``path`` (any pattern kind it was stored as)."""
        row = self.db.execute(
            "SELECT code FROM patterns WHERE path = ? AND qualname = ? ORDER BY kind LIMIT 1", [path, qualname]
        ).fetchone()
        return str(row[0]) if row else None

    def test_requests(self) -> list[tuple[str, str, list[dict[str, Any]]]]:
        """(id, path, requests) of every endpoint-test pattern: the requests its client makes."""
        rows = self.db.execute("SELECT id, path, meta FROM patterns WHERE kind = 'test'")
        return [(i, p, json.loads(m or "{}").get("requests") or []) for i, p, m in rows]

    def module_outline(self, paths: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        """What each module offers to import: (name, kind) of its top-level definitions, in
        file order. Modules with routes or tests are left out (they are not imported)."""
        paths = list(paths)
        out: dict[str, list[tuple[str, str]]] = {}
        for i in range(0, len(paths), 500):
            chunk = paths[i : i + 500]
            marks = ",".join("?" * len(chunk))
            served = {
                r[0]
                for r in self.db.execute(
                    # (+kind: look rows up by path; the kind index would scan every route and test)
                    f"SELECT DISTINCT path FROM patterns WHERE path IN ({marks}) AND +kind IN ('route', 'test')",
                    chunk,
                )
            }
            for path, name, kind in self.db.execute(
                f"SELECT path, name, kind FROM patterns WHERE path IN ({marks}) AND qualname = name"
                " ORDER BY path, start_line, name",
                chunk,
            ):
                if path not in served:
                    out.setdefault(path, []).append((name, kind))
        return out

    def building_blocks(self, kinds: Iterable[str]) -> list[tuple[str, str, str, int]]:
        """(name, kind, path, usage) of the top-level definitions of these kinds."""
        kinds = list(kinds)
        marks = ",".join("?" * len(kinds))
        return [
            (n, k, p, u or 0)
            for n, k, p, u in self.db.execute(
                f"SELECT name, kind, path, usage FROM patterns WHERE kind IN ({marks}) AND qualname = name"
                " ORDER BY path, start_line",
                kinds,
            )
        ]

    def update_links(self, updates: list[tuple[str, int, dict[str, Any], str]]) -> None:
        """Write linker results: (id, usage, meta, summary) per changed pattern."""
        with self.transaction():
            self.db.conn.executemany(
                "UPDATE patterns SET usage = ?, meta = ?, summary = ? WHERE id = ?",
                [
                    (usage, json.dumps(_redact_meta(meta), sort_keys=True), redact(summary), pid)
                    for pid, usage, meta, summary in updates
                ],
            )

    def count_text_matches(self, query: str) -> int:
        """How many patterns match the FTS5 expression ``query`` (0 for an invalid one)."""
        try:
            return int(
                self.db.execute("SELECT count(*) FROM patterns_fts WHERE patterns_fts MATCH ?", [query]).fetchone()[0]
            )
        except sqlite3.OperationalError:
            return 0

    def search_text(self, query: str, *, limit: int = 50) -> list[tuple[str, float]]:
        """FTS5 search; ``query`` is an FTS5 expression. Returns (id, score), best first.

        The score is ``-bm25`` (higher is better).
        """
        try:
            # rank first, then look up the ids of the best ``limit`` rows only: joining before
            # the ORDER BY looked up every match (twice the time for a common word at 100k rows)
            rows = self.db.execute(
                "SELECT patterns.id, best.score FROM ("
                " SELECT rowid AS r, -bm25(patterns_fts, 4.0, 2.0, 2.0, 1.0) AS score FROM patterns_fts"
                " WHERE patterns_fts MATCH ? ORDER BY score DESC LIMIT ?"
                ") AS best JOIN patterns ON patterns.rowid = best.r ORDER BY best.score DESC",
                [query, limit],
            ).fetchall()
        except sqlite3.OperationalError:
            return []
        return [(r[0], float(r[1])) for r in rows]

    # ------------------------------------------------------------------ vectors

    def vector_state(self) -> dict[str, str]:
        """id -> hash of the text its stored vector was computed from."""
        return dict(self.db.execute("SELECT id, text_hash FROM vectors").fetchall())

    def ensure_model(self, model: str, dim: int) -> bool:
        """Record the embedding model; drop every vector if it changed. True if dropped."""
        old_model, old_dim = self.get_meta("model"), self.get_meta("dim")
        if old_model == model and old_dim == str(dim):
            return False
        with self.transaction():
            dropped = old_model is not None
            self.db.execute("DELETE FROM vectors")
            self._set_meta("model", model)
            self._set_meta("dim", str(dim))
        return dropped

    def put_vectors(self, rows: list[tuple[str, str, np.ndarray]]) -> None:
        with self.transaction():
            self.db.conn.executemany(
                "INSERT INTO vectors(id, text_hash, vector) VALUES (?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET text_hash = excluded.text_hash, "
                "vector = excluded.vector",
                [(i, h, np.asarray(v, dtype="<f4").tobytes()) for i, h, v in rows],
            )

    def prune_vectors(self) -> int:
        with self.transaction():
            cur = self.db.execute("DELETE FROM vectors WHERE id NOT IN (SELECT id FROM patterns)")
        return cur.rowcount

    def vector_matrix(self) -> tuple[list[str], np.ndarray]:
        """All vectors as (ids, float32 matrix of shape (n, dim))."""
        dim = int(self.get_meta("dim") or 0)
        rows = self.db.execute("SELECT id, vector FROM vectors ORDER BY id").fetchall()
        if not rows:
            return [], np.zeros((0, dim), dtype=np.float32)
        ids = [r[0] for r in rows]
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4").reshape(len(rows), -1)
        return ids, matrix

    # ------------------------------------------------------------------ facts

    def replace_detected_facts(self, facts: list[Fact]) -> None:
        """Replace the detected facts; a team fact with the same key wins and is kept."""
        with self.transaction():
            self.db.execute("DELETE FROM facts WHERE origin = 'detected'")
            team = {r[0] for r in self.db.execute("SELECT key FROM facts WHERE origin = 'team'")}
            rows = [self._fact_row(f) for f in facts if f.key not in team]
            if rows:
                self.db.table("facts").insert_all(rows, replace=True)

    @staticmethod
    def _fact_row(f: Fact) -> dict[str, Any]:
        return {
            "key": f.key,
            "category": f.category,
            "name": f.name,
            "value": redact(f.value) if f.value else None,
            "source_path": f.source_path,
            "source_line": f.source_line,
            "evidence": redact(f.evidence),
            "origin": f.origin,
        }

    def facts(self) -> list[Fact]:
        rows = self.db.execute(
            "SELECT category, name, value, source_path, source_line, evidence, origin "
            "FROM facts ORDER BY category, name"
        )
        return [Fact(*r) for r in rows]

    def set_team_fact(self, fact: Fact) -> None:
        """Write a hand-written fact (``origin = 'team'``); it replaces a detected one with its key."""
        with self.transaction():
            self.db.execute("DELETE FROM facts WHERE key = ?", [fact.key])
            self.db.table("facts").insert(self._fact_row(fact))

    def unset_team_fact(self, key: str) -> bool:
        with self.transaction():
            cur = self.db.execute("DELETE FROM facts WHERE key = ? AND origin = 'team'", [key])
        return cur.rowcount > 0

    # ------------------------------------------------------------------ curation

    def curation(self) -> list[dict[str, Any]]:
        """Every curated pattern: id, kind, path, qualname, content_hash, pinned, excluded, note."""
        cur = self.db.execute(
            "SELECT id, kind, path, qualname, content_hash, pinned, excluded, note FROM curation "
            "ORDER BY path, qualname, kind, id"
        )
        cols = [c[0] for c in cur.description]
        out = []
        for row in cur:
            d = dict(zip(cols, row, strict=True))
            d["pinned"], d["excluded"], d["note"] = bool(d["pinned"]), bool(d["excluded"]), d["note"] or ""
            out.append(d)
        return out

    def set_curation(self, row: dict[str, Any]) -> None:
        """Write one curation row (keys as ``curation()`` returns); a row with nothing set is deleted."""
        with self.transaction():
            self._write_curation(row)

    def _write_curation(self, row: dict[str, Any]) -> None:
        if not (row.get("pinned") or row.get("excluded") or row.get("note")):
            self.db.execute("DELETE FROM curation WHERE id = ?", [row["id"]])
            return
        self.db.execute(
            "INSERT INTO curation(id, kind, path, qualname, content_hash, pinned, excluded, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, "
            "path = excluded.path, qualname = excluded.qualname, content_hash = excluded.content_hash, "
            "pinned = excluded.pinned, excluded = excluded.excluded, note = excluded.note",
            [
                row["id"],
                row["kind"],
                row["path"],
                row["qualname"],
                row["content_hash"],
                int(bool(row.get("pinned"))),
                int(bool(row.get("excluded"))),
                redact(row.get("note") or ""),
            ],
        )

    def exclusion_globs(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT glob FROM exclusions ORDER BY glob")]

    def add_exclusion_glob(self, glob: str) -> bool:
        with self.transaction():
            cur = self.db.execute("INSERT OR IGNORE INTO exclusions(glob) VALUES (?)", [glob])
        return cur.rowcount > 0

    def remove_exclusion_glob(self, glob: str) -> bool:
        with self.transaction():
            cur = self.db.execute("DELETE FROM exclusions WHERE glob = ?", [glob])
        return cur.rowcount > 0

    def rules(self) -> list[dict[str, Any]]:
        """The team's rules, in the order they were written: id, text."""
        rows = self.db.execute("SELECT id, text FROM rules ORDER BY position, id")
        return [{"id": i, "text": t} for i, t in rows]

    def add_rule(self, rule_id: str, text: str) -> bool:
        with self.transaction():
            position = self.db.execute("SELECT coalesce(max(position), -1) + 1 FROM rules").fetchone()[0]
            cur = self.db.execute(
                "INSERT OR IGNORE INTO rules(id, text, position) VALUES (?, ?, ?)", [rule_id, redact(text), position]
            )
        return cur.rowcount > 0

    def remove_rule(self, rule_id: str) -> bool:
        with self.transaction():
            cur = self.db.execute("DELETE FROM rules WHERE id = ?", [rule_id])
        return cur.rowcount > 0

    def pattern_hashes(self, ids: Iterable[str] | None = None) -> dict[str, str]:
        """id -> content hash, of every pattern (or of ``ids``)."""
        if ids is None:
            return dict(self.db.execute("SELECT id, content_hash FROM patterns").fetchall())
        ids = list(dict.fromkeys(ids))
        out: dict[str, str] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            out.update(self.db.execute(f"SELECT id, content_hash FROM patterns WHERE id IN ({marks})", chunk))
        return out

    def pattern_refs(self, *, id_prefix: str | None = None, path: str | None = None) -> list[dict[str, Any]]:
        """Patterns and curated ids (a curated pattern may be gone) whose id starts with
        ``id_prefix`` or that are in ``path``: id, kind, path, qualname, start_line, end_line
        (``None`` lines for a curated pattern that is gone)."""
        if id_prefix is not None:
            where, arg = "substr(id, 1, ?) = ?", [len(id_prefix), id_prefix]
        else:
            where, arg = "path = ?", [path]
        rows = self.db.execute(
            f"SELECT id, kind, path, qualname, start_line, end_line FROM patterns WHERE {where} "
            f"UNION SELECT id, kind, path, qualname, NULL, NULL FROM curation WHERE {where} "
            "AND id NOT IN (SELECT id FROM patterns) ORDER BY path, start_line, id",
            arg + arg,
        ).fetchall()
        cols = ("id", "kind", "path", "qualname", "start_line", "end_line")
        return [dict(zip(cols, r, strict=True)) for r in rows]

    def pattern_paths(self) -> list[str]:
        """Every path that holds a pattern."""
        return [r[0] for r in self.db.execute("SELECT DISTINCT path FROM patterns")]

    def ids_under(self, paths: Iterable[str]) -> list[str]:
        """Ids of the patterns in these files."""
        paths = list(paths)
        out: list[str] = []
        for i in range(0, len(paths), 500):
            chunk = paths[i : i + 500]
            marks = ",".join("?" * len(chunk))
            out += [r[0] for r in self.db.execute(f"SELECT id FROM patterns WHERE path IN ({marks})", chunk)]
        return out

    # ------------------------------------------------------------------ snapshots

    def dump(self) -> dict[str, list[dict[str, Any]]]:
        """Everything a pack is built from, as plain rows (the snapshot's content)."""

        def rows(sql: str) -> list[dict[str, Any]]:
            cur = self.db.execute(sql)
            cols = [c[0] for c in cur.description]
            return [dict(zip(cols, r, strict=True)) for r in cur]

        return {
            "file": rows(
                "SELECT path, hash, size, lines, kind, status, reason, indexer_version, meta FROM files ORDER BY path"
            ),
            "pattern": rows(
                "SELECT id, kind, name, qualname, path, start_line, end_line, code, summary, meta, usage, "
                "content_hash FROM patterns ORDER BY id"
            ),
            "vector": rows("SELECT id, text_hash, vector FROM vectors ORDER BY id"),
            "fact": rows(
                "SELECT key, category, name, value, source_path, source_line, evidence, origin FROM facts ORDER BY key"
            ),
            "convention": rows("SELECT key, topic, statement, rank, data FROM conventions ORDER BY rank, key"),
            "curation": [{**r, "pinned": int(r["pinned"]), "excluded": int(r["excluded"])} for r in self.curation()],
            "exclusion": rows("SELECT glob FROM exclusions ORDER BY glob"),
            "rule": rows("SELECT id, text, position FROM rules ORDER BY position, id"),
        }

    def load(
        self,
        *,
        index: dict[str, list[dict[str, Any]]] | None,
        meta: dict[str, str],
        curation: list[dict[str, Any]],
        exclusions: list[str],
        rules: list[dict[str, Any]],
        team_facts: list[Fact],
    ) -> None:
        """Swap in a snapshot's content in ONE transaction: all of it or none of it.

        ``index`` (files, patterns, vectors, detected facts, conventions) replaces the index
        when given; curation, exclusions, rules and team facts always replace the store's.
        Rows have been validated by ``memorybrain.snapshot``; text is redacted again here.
        """
        conn = self.db.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            if index is not None:
                for table in ("files", "patterns", "vectors", "conventions"):
                    conn.execute(f"DELETE FROM {table}")
                conn.execute("DELETE FROM facts WHERE origin = 'detected'")
                conn.executemany(
                    "INSERT INTO files(path, hash, size, lines, kind, status, reason, indexer_version, meta, "
                    "indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            f["path"],
                            f["hash"],
                            f["size"],
                            f["lines"],
                            f["kind"],
                            f["status"],
                            f["reason"],
                            f["indexer_version"],
                            json.dumps(_redact_meta(f["meta"]), sort_keys=True),
                            meta.get("last_indexed") or now_iso(),
                        )
                        for f in index["file"]
                    ],
                )
                conn.executemany(
                    f"INSERT INTO patterns({_PATTERN_COLUMNS}, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                    "?, ?)",
                    [
                        (
                            p["id"],
                            p["kind"],
                            p["name"],
                            p["qualname"],
                            p["path"],
                            p["start_line"],
                            p["end_line"],
                            redact(p["code"]),
                            redact(p["summary"]),
                            json.dumps(_redact_meta(p["meta"]), sort_keys=True),
                            p["usage"],
                            p["content_hash"],
                        )
                        for p in index["pattern"]
                    ],
                )
                conn.executemany(
                    "INSERT INTO vectors(id, text_hash, vector) VALUES (?, ?, ?)",
                    [(v["id"], v["text_hash"], v["vector"]) for v in index["vector"]],
                )
                team_keys = {f.key for f in team_facts}
                conn.executemany(
                    "INSERT OR REPLACE INTO facts(key, category, name, value, source_path, source_line, evidence, "
                    "origin) VALUES (:key, :category, :name, :value, :source_path, :source_line, :evidence, :origin)",
                    [self._fact_row(f) for f in index["fact"] if f.key not in team_keys],
                )
                conn.executemany(
                    "INSERT INTO conventions(key, topic, statement, rank, data) VALUES (?, ?, ?, ?, ?)",
                    [
                        (
                            c["key"],
                            c["topic"],
                            redact(c["statement"]),
                            c["rank"],
                            json.dumps(_redact_meta(c["data"]), sort_keys=True),
                        )
                        for c in index["convention"]
                    ],
                )
            conn.execute("DELETE FROM facts WHERE origin = 'team'")
            for f in team_facts:
                conn.execute("DELETE FROM facts WHERE key = ?", [f.key])
            conn.executemany(
                "INSERT INTO facts(key, category, name, value, source_path, source_line, evidence, origin) "
                "VALUES (:key, :category, :name, :value, :source_path, :source_line, :evidence, :origin)",
                [self._fact_row(f) for f in team_facts],
            )
            conn.execute("DELETE FROM curation")
            for row in curation:
                self._write_curation(row)
            conn.execute("DELETE FROM exclusions")
            conn.executemany("INSERT INTO exclusions(glob) VALUES (?)", [(g,) for g in exclusions])
            conn.execute("DELETE FROM rules")
            conn.executemany(
                "INSERT INTO rules(id, text, position) VALUES (?, ?, ?)",
                [(r["id"], redact(r["text"]), i) for i, r in enumerate(rules)],
            )
            for key, value in meta.items():
                self._set_meta(key, value)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------------ conventions

    def replace_conventions(self, conventions: list[dict[str, Any]]) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM conventions")
            rows = [
                {
                    "key": c["key"],
                    "topic": c["topic"],
                    "statement": redact(c["statement"]),
                    "rank": i,
                    "data": json.dumps(_redact_meta(c.get("data", {})), sort_keys=True),
                }
                for i, c in enumerate(conventions)
            ]
            if rows:
                self.db.table("conventions").insert_all(rows)

    def conventions(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT key, topic, statement, data FROM conventions ORDER BY rank")
        return [{"key": k, "topic": t, "statement": s, "data": json.loads(d or "{}")} for k, t, s, d in rows]

    # ------------------------------------------------------------------ status

    def stats(self) -> dict[str, Any]:
        files = self.db.execute(
            "SELECT count(*), coalesce(sum(lines), 0) FROM files WHERE status = 'indexed'"
        ).fetchone()
        return {
            "schema_version": int(self.get_meta("schema_version") or 0),
            "model": self.get_meta("model"),
            "dim": int(self.get_meta("dim") or 0),
            "files": files[0],
            "lines": files[1],
            "patterns": self.pattern_count(),
            "patterns_by_kind": self.counts_by_kind(),
            "facts": int(self.db.execute("SELECT count(*) FROM facts").fetchone()[0]),
            "last_indexed": self.get_meta("last_indexed"),
            "indexer_version": self.get_meta("indexer_version"),
        }
