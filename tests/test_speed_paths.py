"""The fast paths stay fast (not timed: what they import and what they compute).

- ``brain context`` from a new process embeds the request with onnxruntime: torch,
  sentence-transformers and transformers are never imported, nor the indexing pipeline
  (tree-sitter, the indexers).
- The retriever's top-k shortcut returns exactly what scoring every pattern returns.
- Embedding texts are compact: summary first, a little body only where packs need it.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from memorybrain.indexing import EMBED_CODE_CHARS, embedding_text
from memorybrain.retrieve import FTS_WEIGHT, Hit, Retriever, fts_query, request_terms, similarities

HEAVY = ("torch", "sentence_transformers", "transformers", "tree_sitter", "indexers")

CHECK = """
import sys
from cli.main import app
try:
    app(["context", "--project", {root!r}, "Add CRUD endpoints for notifications"])
except SystemExit as e:
    assert not e.code, e.code
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
print("HEAVY=" + ",".join(heavy))
print("ONNX=" + str("onnxruntime" in sys.modules))
"""


@pytest.mark.integration
def test_context_from_a_new_process_imports_no_ml_stack(fastapi_brain):
    root = str(fastapi_brain.config.root)
    out = subprocess.run(
        [sys.executable, "-c", CHECK.format(root=root, heavy=HEAVY)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "## Exemplars" in out.stdout
    lines = out.stdout.splitlines()
    assert "HEAVY=" in lines, lines[-2:]
    assert "ONNX=True" in lines  # the request really was embedded, by onnxruntime


def _brute_force(retriever: Retriever, request: str, kinds, limit: int) -> list[Hit]:
    """The retriever before the shortcut: score every pattern."""
    retriever._load()
    ids, matrix = retriever._ids, retriever._matrix
    qv = retriever.encoder.encode([request])[0]
    dense = dict(zip(ids, similarities(matrix, qv).tolist(), strict=True))
    text = {}
    found = retriever.store.search_text(fts_query(request_terms(request)), limit=max(200, limit * 4))
    if found:
        top = max(s for _, s in found) or 1.0
        text = {i: max(s, 0.0) / top for i, s in found}
    hits = []
    for pid in set(dense) | set(text):
        kind, path = retriever._kinds.get(pid, ("", ""))
        if kinds and kind not in kinds:
            continue
        d, t = dense.get(pid, 0.0), text.get(pid, 0.0)
        hits.append(Hit(pid, kind, path, d + FTS_WEIGHT * t, d, t))
    hits.sort(key=lambda h: (-h.score, h.id))
    return hits[:limit]


@pytest.fixture(scope="module")
def hashed_brain(tmp_path_factory):
    from memorybrain import Brain
    from memorybrain.embeddings import HashingEncoder
    from tests.conftest import FASTAPI_APP, copy_app

    root = copy_app(FASTAPI_APP, tmp_path_factory.mktemp("topk") / "app")
    brain = Brain.open(root, encoder=HashingEncoder(64))
    brain.index()
    yield brain
    brain.close()


@pytest.mark.parametrize("limit", [1, 5, 20, 400])
@pytest.mark.parametrize("kinds", [None, ("route",), ("schema", "model"), ("nothing",)])
def test_top_k_search_equals_scoring_everything(hashed_brain, limit, kinds):
    retriever = Retriever(hashed_brain.store, hashed_brain.encoder)
    for request in (
        "Add CRUD endpoints for notifications",
        "delete a message",
        "paginate channels for the current user",
        "zzz qqq",
    ):
        fast = retriever.search(request, kinds=kinds, limit=limit)
        slow = _brute_force(retriever, request, kinds, limit)
        assert fast == slow
        assert fast or kinds == ("nothing",)


def test_top_k_keeps_ties_at_the_boundary(hashed_brain):
    retriever = Retriever(hashed_brain.store, hashed_brain.encoder)
    retriever._load()
    sims = np.array([0.5, 0.9, 0.5, 0.1, 0.5], dtype=np.float32)
    retriever._ids = [f"p{i}" for i in range(5)]
    retriever._kind_of_row = np.array(["route"] * 5, dtype=object)
    assert sorted(retriever._top_dense(sims, None, 2).tolist()) == [0, 1, 2, 4]
    assert retriever._top_dense(sims, None, 9).tolist() == [0, 1, 2, 3, 4]
    assert retriever._top_dense(sims, ("route",), 1).tolist() == [1]
    assert retriever._top_dense(sims, ("model",), 3).tolist() == []


def test_embedding_texts_are_compact():
    code = (
        '@router.get("/", response_model=Page[MessageOut])\n'
        "def list_messages(\n    channel_id: int,\n    db: SessionDep,\n    user: CurrentUser,\n):\n"
        "    channel = get_channel_for_user(db, channel_id, user)\n"
        "    query = db.query(Message).filter(Message.channel_id == channel.id)\n"
        "    return paginate(query, page=page, size=size)\n" + "    # filler line\n" * 60
    )
    summary = "GET /api/v1/messages/ → list_messages"
    route = embedding_text("route", "list_messages", "app/api/routes/messages.py", summary, code)
    assert route.startswith(f"route list_messages in app/api/routes/messages.py: {summary}\n")
    body = route.split("\n", 1)[1]
    assert body.startswith("channel = get_channel_for_user(db, channel_id, user)")  # the signature is in the summary
    assert "paginate(query" in body
    assert len(body) <= EMBED_CODE_CHARS["route"]
    helper = embedding_text("function", "helper", "app/x.py", "def helper(a, b) — Add two numbers.", code)
    assert helper == "function helper in app/x.py: def helper(a, b) — Add two numbers."
    # no signature found in the head: the head itself, still bounded
    odd = embedding_text("dependency", "dep", "a.py", "dependency dep", "x = 1\n" * 200)
    assert odd.count("\n") >= 1 and len(odd.split("\n", 1)[1]) <= EMBED_CODE_CHARS["dependency"]


def test_full_text_in_a_thread_gives_the_same_hits(hashed_brain, monkeypatch):
    import memorybrain.retrieve as retrieve

    retriever = Retriever(hashed_brain.store, hashed_brain.encoder)
    inline = retriever.search("delete a message in a channel", limit=50)
    monkeypatch.setattr(retrieve, "PARALLEL_FTS_ROWS", 0)
    assert retriever.search("delete a message in a channel", limit=50) == inline

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(hashed_brain.store, "search_text", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        retriever.search("delete a message", limit=5)


def test_words_most_patterns_contain_are_left_out_of_the_text_query(hashed_brain, monkeypatch):
    """On a large store, a word in more than a third of the patterns makes FTS5 score most
    rows for next to nothing in BM25: it is dropped (the rarest word always stays)."""
    import memorybrain.retrieve as retrieve

    store = hashed_brain.store
    rows = store.pattern_count()
    assert store.count_text_matches('"return"') * 3 > rows  # precondition: a word most code has
    assert 0 < store.count_text_matches('"member"') * 3 <= rows
    queries: list[str] = []
    real = store.search_text
    monkeypatch.setattr(store, "search_text", lambda q, limit: queries.append(q) or real(q, limit=limit))
    retriever = Retriever(store, hashed_brain.encoder)

    retriever.search("return the member", limit=10)  # a small store: every word is searched
    assert queries[-1] == '"return" OR "member"'
    monkeypatch.setattr(retrieve, "COMMON_TERMS_FROM_ROWS", 0)
    retriever.refresh()
    hits = retriever.search("return the member", limit=10)
    assert queries[-1] == '"member"'
    assert hits and all(h.text > 0 or h.dense > 0 for h in hits)
    retriever.search("return", limit=10)  # the only word is kept however common
    assert queries[-1] == '"return"'
