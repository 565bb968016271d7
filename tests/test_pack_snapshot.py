"""A pack is read from one snapshot of the store, even while an index commits elsewhere."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from memorybrain import Brain
from memorybrain.store import Store
from tests.conftest import copy_app

FIXTURES = Path(__file__).parent / "fixtures"


def _wipe_patterns(db_path: Path) -> None:
    """What a concurrent re-index looks like from here: another connection commits a change."""
    other = sqlite3.connect(str(db_path), timeout=30)
    try:
        other.execute("DELETE FROM patterns")
        other.commit()
    finally:
        other.close()


@pytest.mark.integration
def test_a_pack_does_not_see_an_index_that_commits_while_it_is_built(tmp_path, real_encoder):
    root = copy_app(FIXTURES / "fastapi_app", tmp_path / "app")
    with Brain.open(root, encoder=real_encoder) as brain:
        brain.index()
        builder = brain._pack_builder()
        search = builder.retriever.search
        calls = []

        def search_after_a_concurrent_commit(*args, **kwargs):
            # the pack has read its facts and conventions; the patterns are read after this
            if not calls:
                _wipe_patterns(brain.store.path)
            calls.append(1)
            return search(*args, **kwargs)

        builder.retriever.search = search_after_a_concurrent_commit
        pack = brain.context("Add CRUD endpoints for notifications", budget=4000)
        assert calls
        assert pack.exemplars, "the pack lost its exemplars to a commit made while it was built"
        assert pack.stack
        # the commit did happen: the next pack, built afresh, sees it
        builder.retriever.search = search
        builder.refresh()
        assert not brain.context("Add CRUD endpoints for notifications", budget=4000).exemplars


def test_read_snapshot_nests_and_leaves_no_transaction_open(tmp_path):
    store = Store.open(tmp_path / "b.db", create=True)
    with store.read_snapshot():
        assert store.db.conn.in_transaction
        with store.read_snapshot():
            store.set_meta(k="v")  # a write inside a read is a savepoint of it
        assert store.db.conn.in_transaction
    assert not store.db.conn.in_transaction
    assert store.get_meta("k") == "v"
    store.close()
