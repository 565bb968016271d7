from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from memorybrain.errors import NotIndexedError, PatternNotFoundError, StoreError
from memorybrain.models import Fact, Pattern
from memorybrain.store import SCHEMA_VERSION, Store


def _pattern(
    name="list_items",
    path="app/items.py",
    code="def list_items():\n    return []\n",
    kind="function",
):
    return Pattern(
        kind=kind,
        name=name,
        qualname=name,
        path=path,
        start_line=1,
        end_line=2,
        code=code,
        summary=f"def {name}()",
        meta={"calls": []},
    )


def _put_items(store: Store, patterns: list[Pattern], content_hash: str = "h1") -> None:
    """Store ``app/items.py`` with ``patterns``."""
    store.replace_file(
        path="app/items.py",
        content_hash=content_hash,
        size=10,
        lines=2,
        kind="python",
        indexer_version="1",
        meta={},
        patterns=patterns,
    )


def test_create_open_and_schema_version(tmp_path):
    db = tmp_path / ".brain" / "brain.db"
    with pytest.raises(NotIndexedError):
        Store.open(db)
    with Store.open(db, create=True) as s:
        assert s.get_meta("schema_version") == str(SCHEMA_VERSION)
        mode = s.db.execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"
    with Store.open(db) as s:  # reopening applies nothing twice
        assert s.get_meta("schema_version") == str(SCHEMA_VERSION)


def test_newer_schema_is_refused(tmp_path):
    db = tmp_path / "brain.db"
    Store.open(db, create=True).set_meta(schema_version=str(SCHEMA_VERSION + 1))
    with pytest.raises(StoreError, match="newer than this brain"):
        Store.open(db)


def test_foreign_files_are_refused(tmp_path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE users (id int)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not a brain store"):
        Store.open(other)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError):
        Store.open(junk)


def test_replace_file_patterns_fts_and_delete(tmp_path):
    with Store.open(tmp_path / "b.db", create=True) as s:
        s.replace_file(
            path="app/items.py",
            content_hash="h1",
            size=10,
            lines=2,
            kind="python",
            indexer_version="1",
            meta={"imports": []},
            patterns=[
                _pattern(),
                _pattern("create_invoice", code="def create_invoice():\n    pass\n"),
            ],
        )
        assert s.pattern_count() == 2
        assert s.file_states() == {"app/items.py": ("h1", "1")}
        ids = [i for i, _ in s.search_text('"invoices"')]  # porter stemming
        assert ids == [_pattern("create_invoice").id]
        # replacing drops old patterns of the file
        _put_items(s, [_pattern()], content_hash="h2")
        assert s.pattern_count() == 1 and s.search_text('"invoice"') == []
        s.delete_files(["app/items.py"])
        assert s.pattern_count() == 0 and s.file_states() == {}
        with pytest.raises(PatternNotFoundError):
            s.get_pattern("nope")


def test_secrets_are_redacted_before_storage(tmp_path):
    code = 'DATABASE_URL = "postgresql://app:hunter2hunter2@db:5432/app"\nKEY = "AKIAIOSFODNN7EXAMPLE"\n'
    with Store.open(tmp_path / "b.db", create=True) as s:
        s.replace_file(
            path="cfg.py",
            content_hash="h",
            size=1,
            lines=2,
            kind="python",
            indexer_version="1",
            meta={"note": "mysql://root:hunter2hunter2@localhost/x AKIAIOSFODNN7EXAMPLE"},
            patterns=[_pattern("cfg", code=code)],
        )
        s.replace_detected_facts(
            [
                Fact(
                    "database",
                    "PostgreSQL",
                    None,
                    "cfg.py",
                    1,
                    evidence="postgresql://app:hunter2hunter2@db/app",
                )
            ]
        )
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("b.db*"))
    assert b"hunter2hunter2" not in raw
    assert b"AKIAIOSFODNN7EXAMPLE" not in raw


def test_vectors_roundtrip_and_model_change(tmp_path):
    with Store.open(tmp_path / "b.db", create=True) as s:
        p = _pattern()
        s.replace_file(
            path=p.path,
            content_hash="h",
            size=1,
            lines=2,
            kind="python",
            indexer_version="1",
            meta={},
            patterns=[p],
        )
        assert s.ensure_model("m1", 3) is False
        s.put_vectors([(p.id, "t", np.array([0.6, 0.8, 0.0], dtype=np.float32))])
        ids, matrix = s.vector_matrix()
        assert ids == [p.id] and matrix.dtype == np.dtype("<f4")
        np.testing.assert_allclose(matrix[0], [0.6, 0.8, 0.0])
        assert s.ensure_model("m1", 3) is False and s.vector_state() == {p.id: "t"}
        assert s.ensure_model("m2", 3) is True  # another model: never mix vectors
        assert s.vector_state() == {}
        s.put_vectors([("gone", "t", np.zeros(3, dtype=np.float32))])
        assert s.prune_vectors() == 1


# ---------------------------------------------------------------------- transactions


def _replace(store: Store, n: int, names=("get_user", "list_items", "delete_item")) -> None:
    store.replace_file(
        path="app/deps.py",
        content_hash=f"h{n}",
        size=n,
        lines=3,
        kind="python",
        indexer_version="1",
        meta={},
        patterns=[_pattern(name, path="app/deps.py", code=f"def {name}():\n    return {n}\n") for name in names],
    )


def test_a_reader_never_sees_a_file_half_replaced(tmp_path):
    """A re-index replaces a file's patterns (delete, insert) in ONE commit: another connection
    (the server's queries while an index job runs) sees the old patterns or the new, never none.
    Before every write went through ``Store.transaction``, about half of these reads failed."""
    import threading

    db = tmp_path / "brain.db"
    writer = Store.open(db, create=True)
    _replace(writer, 0)
    reader = Store.open(db)
    pid = _pattern("get_user", path="app/deps.py").id
    stop = threading.Event()
    writes = 0

    def rewrite() -> None:
        nonlocal writes
        while not stop.is_set():
            writes += 1
            _replace(writer, writes)

    thread = threading.Thread(target=rewrite)
    thread.start()
    missing = 0
    try:
        for _ in range(3000):
            try:
                reader.get_pattern(pid)
            except PatternNotFoundError:
                missing += 1
            assert len(reader.pattern_refs(path="app/deps.py")) == 3
    finally:
        stop.set()
        thread.join()
    assert writes > 10 and missing == 0
    writer.close()
    reader.close()


def test_a_write_that_fails_half_way_changes_nothing(tmp_path, monkeypatch):
    import sqlite_utils

    db = tmp_path / "brain.db"
    store = Store.open(db, create=True)
    _replace(store, 0)
    before = store.dump()

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sqlite_utils.db.Table, "upsert", explode)  # after the DELETE, before the file row
    with pytest.raises(RuntimeError):
        _replace(store, 1, names=("other",))
    assert store.dump() == before and not store.db.conn.in_transaction
    monkeypatch.undo()
    with Store.open(db) as other:  # and another connection agrees
        assert other.dump() == before


def test_nested_transactions_are_savepoints(tmp_path):
    store = Store.open(tmp_path / "brain.db", create=True)
    with store.transaction():
        store.add_rule("aaaaaaaa", "kept")
        with pytest.raises(RuntimeError), store.transaction():
            store.add_rule("bbbbbbbb", "rolled back")
            raise RuntimeError("inner")
        assert store.db.conn.in_transaction
    assert [r["text"] for r in store.rules()] == ["kept"] and not store.db.conn.in_transaction
    store.close()


def test_the_linker_reads_patterns_as_extracted_and_older_stores_migrate(tmp_path):
    db = tmp_path / "brain.db"
    with Store.open(db, create=True) as s:
        _put_items(s, [_pattern()])
        ((pid, *_rest),) = s.pattern_index()
        s.update_links([(pid, 3, {"calls": [], "full_path": "/items/"}, "GET /items/")])
        assert s.get_pattern(pid).meta["full_path"] == "/items/"  # what packs read
        assert s.pattern_index()[0][4] == {"calls": []}  # what the next link starts from
        # a store written before the column existed
        s.db.execute("ALTER TABLE patterns DROP COLUMN extracted")
        s.set_meta(schema_version=str(SCHEMA_VERSION - 1))
    with Store.open(db) as s:
        assert s.get_meta("schema_version") == str(SCHEMA_VERSION)
        assert s.pattern_index()[0][4]["full_path"] == "/items/"  # no extraction kept: the meta
