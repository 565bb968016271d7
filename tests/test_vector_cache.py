"""The vector cache: a snapshot without usable vectors is embedded once, then read from the cache.

Real SQLite stores and real cache files (in a folder of each test's own, see conftest);
the pack comparison uses the real model.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import FASTAPI_APP, copy_app

from memorybrain import Brain
from memorybrain.embeddings import HashingEncoder
from memorybrain.vector_cache import ENV, FORMAT, VectorCache, cache_root, text_key


class CountingEncoder:
    """An encoder that counts the texts it is asked to embed."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name, self.dim = inner.name, inner.dim
        self.texts = 0

    def encode(self, texts):
        self.texts += len(texts)
        return self.inner.encode(texts)


@pytest.fixture(scope="module")
def bare_snapshot(tmp_path_factory) -> Path:
    """The fixture app indexed with the hashing encoder, exported without vectors."""
    root = copy_app(FASTAPI_APP, tmp_path_factory.mktemp("vc") / "app")
    with Brain.open(root, encoder=HashingEncoder(64)) as brain:
        brain.index()
        brain.pin("app/api/deps.py:get_current_user")
        return Path(brain.export_snapshot(root.parent / "bare.jsonl", vectors=False)["path"])


def load(path: Path, encoder) -> Brain:
    return Brain.from_snapshot(path, encoder=encoder)


def vectors(brain: Brain) -> tuple[list[str], np.ndarray]:
    return brain.store.vector_matrix()


def cache_files() -> list[Path]:
    return sorted(Path(os.environ[ENV]).glob("*"))


def test_the_second_load_embeds_nothing_and_gets_the_same_vectors(bare_snapshot):
    first_encoder = CountingEncoder(HashingEncoder(64))
    first = load(bare_snapshot, first_encoder)
    n = first.store.pattern_count()
    assert n > 50 and first.snapshot_embedded == first_encoder.texts == n and first.snapshot_cached == 0
    [cache] = cache_files()
    assert cache.name.startswith("hashing-64-64-") and cache.suffix == ".vec"
    header = json.loads(cache.read_bytes().split(b"\n", 1)[0])
    assert header["format"] == FORMAT and header["model"] == "hashing-64" and header["count"] == n

    second_encoder = CountingEncoder(HashingEncoder(64))
    second = load(bare_snapshot, second_encoder)
    assert second.snapshot_embedded == 0 and second.snapshot_cached == n and second_encoder.texts == 0
    ids1, m1 = vectors(first)
    ids2, m2 = vectors(second)
    assert ids1 == ids2 and np.array_equal(m1, m2)
    request = "Add CRUD endpoints for notifications"
    assert first.context(request, budget=3000).to_markdown() == second.context(request, budget=3000).to_markdown()
    assert [p.name for p in cache_files()] == [cache.name]  # no temporary file left behind
    first.close()
    second.close()


def test_a_changed_snapshot_embeds_only_its_new_patterns(bare_snapshot, tmp_path):
    load(bare_snapshot, HashingEncoder(64)).close()
    root = copy_app(FASTAPI_APP, tmp_path / "app")
    deps = root / "app" / "api" / "deps.py"
    deps.write_text(deps.read_text() + "\n\ndef brand_new_helper(x):\n    return x\n")
    with Brain.open(root, encoder=HashingEncoder(64)) as brain:
        brain.index()
        changed = Path(brain.export_snapshot(tmp_path / "changed.jsonl", vectors=False)["path"])
    encoder = CountingEncoder(HashingEncoder(64))
    brain = load(changed, encoder)
    # the new helper, and any pattern whose embedded text changed with it (line numbers are not embedded)
    print("EMBEDDED", brain.snapshot_embedded)
    assert 1 <= brain.snapshot_embedded <= 3 and brain.snapshot_cached > 50
    assert encoder.texts == brain.snapshot_embedded
    brain.close()


def test_models_do_not_share_vectors(bare_snapshot):
    load(bare_snapshot, HashingEncoder(64)).close()
    other = load(bare_snapshot, HashingEncoder(32))
    assert other.snapshot_cached == 0 and other.snapshot_embedded > 50
    assert len(cache_files()) == 2
    other.close()


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[: len(b) // 2], id="truncated"),
        pytest.param(lambda b: b[:-5] + bytes([b[-5] ^ 0xFF]) + b[-4:], id="flipped-byte"),
        pytest.param(lambda b: b"", id="empty"),
        pytest.param(lambda b: b"\x00\xff" * 100, id="garbage"),
        pytest.param(lambda b: b.replace(b'"hashing-64"', b'"hashing-65"', 1), id="other-model"),
        pytest.param(lambda b: b.split(b"\n", 1)[0], id="header-only"),
    ],
)
def test_a_damaged_cache_is_ignored_with_a_warning_and_rebuilt(bare_snapshot, damage, caplog):
    load(bare_snapshot, HashingEncoder(64)).close()
    [cache] = cache_files()
    good = cache.read_bytes()
    cache.write_bytes(damage(good))
    with caplog.at_level(logging.WARNING, logger="memorybrain.vector_cache"):
        brain = load(bare_snapshot, HashingEncoder(64))
    assert brain.snapshot_cached == 0 and brain.snapshot_embedded > 50
    assert any("ignoring the vector cache" in r.getMessage() and "rebuilt" in r.getMessage() for r in caplog.records)
    assert cache.read_bytes() == good  # rebuilt: the same vectors, the same order
    brain.close()
    again = load(bare_snapshot, HashingEncoder(64))
    assert again.snapshot_embedded == 0
    again.close()


def test_a_cache_that_cannot_be_written_never_stops_a_load(bare_snapshot, tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(ENV, str(blocker / "vectors"))
    with caplog.at_level(logging.WARNING, logger="memorybrain.vector_cache"):
        brain = load(bare_snapshot, HashingEncoder(64))
    assert brain.snapshot_embedded > 50 and brain.context("Add a route", budget=1000).exemplars
    assert any("cannot write the vector cache" in r.getMessage() for r in caplog.records)
    assert blocker.read_text() == "not a folder"
    brain.close()


def test_the_cache_can_be_turned_off(bare_snapshot, monkeypatch):
    folder = Path(os.environ[ENV])
    monkeypatch.setenv(ENV, "off")
    assert cache_root() is None
    for _ in range(2):
        brain = load(bare_snapshot, HashingEncoder(64))
        assert brain.snapshot_embedded > 50 and brain.snapshot_cached == 0
        brain.close()
    assert not list(folder.glob("*"))
    monkeypatch.setenv(ENV, str(folder))
    brain = Brain.from_snapshot(bare_snapshot, encoder=HashingEncoder(64), vector_cache=False)
    assert brain.snapshot_cached == 0 and not list(folder.glob("*"))
    brain.close()


def test_the_default_folder_is_under_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV)
    monkeypatch.setenv("MEMORYBRAIN_CACHE_DIR", str(tmp_path / "c"))
    assert cache_root() == tmp_path / "c" / "vectors"
    monkeypatch.delenv("MEMORYBRAIN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "memorybrain" / "vectors"


def test_the_most_recently_used_entries_are_kept_up_to_the_cap(tmp_path):
    rng = np.random.default_rng(0)

    def vec() -> np.ndarray:
        v = rng.standard_normal(8).astype(np.float32)
        return v / np.linalg.norm(v)

    keys = [text_key(f"text {i}") for i in range(6)]
    cache = VectorCache(tmp_path, "m", 8, max_entries=4)
    first = {k: vec() for k in keys[:4]}
    assert cache.put(first, used=keys[:4])
    second = {k: vec() for k in keys[4:]}
    assert cache.put(second, used=[keys[0], *keys[4:]])  # keys[0] was read again
    fresh = VectorCache(tmp_path, "m", 8, max_entries=4)
    got = fresh.get(keys)
    assert set(got) == {keys[4], keys[5], keys[0], keys[1]}  # keys[2] and keys[3] were the oldest
    assert np.array_equal(got[keys[0]], first[keys[0]]) and np.array_equal(got[keys[5]], second[keys[5]])
    # one load that needs more than the cap keeps all of its own
    many = {text_key(f"other {i}"): vec() for i in range(7)}
    assert fresh.put(many, used=list(many)) and len(VectorCache(tmp_path, "m", 8, max_entries=4)) == 7
    # vectors with NaN are never cached
    assert not fresh.put({text_key("nan"): np.full(8, np.nan, dtype=np.float32)})
