"""Hybrid retrieval: FTS5 (BM25) plus embeddings, over the store's patterns.

The vector matrix is loaded once per ``Retriever`` and ranked with numpy; FTS scores are
normalised to [0, 1] and mixed in. Usage across the codebase is the pack's business
(``memorybrain.pack``): retrieval answers "what is most like the request".
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from memorybrain.embeddings import Encoder
from memorybrain.store import Store

#: Words that say what to do, not what about: left out of the text query.
STOPWORDS = frozenset(
    """a an the for to of in on with and or add adding create creating build implement make
    new crud endpoint endpoints api apis route routes rest restful please write support
    resource resources handler handlers view views service that this it is be can should
    we i want need using use via like from into all some simple basic full set up setup
    model models""".split()
)

FTS_WEIGHT = 0.35


@dataclass(frozen=True, slots=True)
class Hit:
    id: str
    kind: str
    path: str
    score: float
    dense: float
    text: float


def request_terms(request: str) -> list[str]:
    words = re.findall(r"[A-Za-z][A-Za-z0-9_]+", request)
    out: list[str] = []
    for w in words:
        for part in re.split(r"_|(?<=[a-z])(?=[A-Z])", w):
            part = part.lower()
            if len(part) > 2 and part not in STOPWORDS and part not in out:
                out.append(part)
    return out


def fts_query(terms: list[str]) -> str:
    return " OR ".join(f'"{t}"' for t in terms)


#: From this many vectors on, the full-text query runs in a thread while the request is
#: embedded and compared (at 100,000 patterns: 50 ms of SQLite beside 35 ms of model and
#: numpy, on two cores).
PARALLEL_FTS_ROWS = 5000


#: From this many patterns on, words most patterns contain are left out of the text query
#: (``Retriever._text_search``); below it, full-text search is cheap whatever the words.
COMMON_TERMS_FROM_ROWS = 5000


class _Background:
    """A call run in a thread (``start``) or inline (``run``); ``result`` returns or raises."""

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self._call = (fn, args, kwargs)
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        fn, args, kwargs = self._call
        try:
            self._value = fn(*args, **kwargs)
        except BaseException as e:  # noqa: BLE001 - handed to the caller by result()
            self._error = e

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="brain-fts", daemon=True)
        self._thread.start()

    def result(self) -> Any:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def similarities(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Dot products of every row with ``vector``.

    ``einsum`` rather than ``matrix @ vector``: OpenBLAS's threaded matrix-vector product
    costs 8 ms instead of 0.5 ms at 10,000 rows when the other core is busy (its threads
    wait for each other), and a single thread reads 15 MB as fast as two.
    """
    return np.einsum("ij,j->i", matrix, vector)


class Retriever:
    """Ranks the store's patterns against a request; the vectors are loaded once.

    Only the best ``limit`` patterns by similarity (plus every full-text match) are scored
    in Python: with a text score in [0, 1] added to a similarity, a pattern outside both
    can never reach the top ``limit``, so the result is the same as scoring everything, at
    a fraction of the cost on large stores.
    """

    def __init__(self, store: Store, encoder: Encoder) -> None:
        self.store = store
        self.encoder = encoder
        self._ids: list[str] | None = None
        self._matrix: np.ndarray | None = None
        self._kinds: dict[str, tuple[str, str]] = {}
        self._kind_of_row: np.ndarray | None = None
        self._kind_masks: dict[tuple[str, ...], np.ndarray] = {}
        self._row: dict[str, int] = {}
        self._term_rows: dict[str, int] = {}

    def _load(self) -> None:
        if self._ids is None:
            ids, matrix = self.store.vector_matrix()
            rows = self.store.pattern_kinds()
            self._kinds = {i: (k, p) for i, k, p in rows}
            self._kind_of_row = np.array([self._kinds.get(i, ("", ""))[0] for i in ids], dtype=object)
            self._kind_masks = {}
            self._row = {pid: i for i, pid in enumerate(ids)}
            self._matrix = matrix
            self._ids = ids

    def refresh(self) -> None:
        self._ids = None
        self._matrix = None
        self._kind_of_row = None
        self._kind_masks = {}
        self._row = {}
        self._term_rows = {}

    def _text_search(self, terms: list[str], rows: int, limit: int) -> list[tuple[str, float]]:
        """The FTS5 search for ``terms``, leaving out the words most patterns contain.

        A word in more than a third of ``rows`` patterns weighs next to nothing in BM25 (its
        idf is under ln 2, against 5 or more for a word that names a resource), yet FTS5 scores
        every row that has it: "delete" in a store of CRUD code took 80 ms of a pack's 100. The
        rarest word is always kept. Counts are kept until the next refresh.
        """
        if len(terms) > 1 and rows >= COMMON_TERMS_FROM_ROWS:
            for t in terms:
                if t not in self._term_rows:
                    self._term_rows[t] = self.store.count_text_matches(fts_query([t]))
            rare = [t for t in terms if self._term_rows[t] * 3 <= rows]
            terms = rare or [min(terms, key=lambda t: self._term_rows[t])]
        return self.store.search_text(fts_query(terms), limit=limit)

    def _rows_of_kinds(self, kinds: tuple[str, ...]) -> np.ndarray:
        mask = self._kind_masks.get(kinds)
        if mask is None:
            assert self._kind_of_row is not None
            mask = np.flatnonzero(np.isin(self._kind_of_row, list(kinds)))
            self._kind_masks[kinds] = mask
        return mask

    def _top_dense(self, sims: np.ndarray, kinds: tuple[str, ...] | None, limit: int) -> np.ndarray:
        """Rows of the ``limit`` highest similarities (with ties at the boundary)."""
        rows = self._rows_of_kinds(kinds) if kinds else None
        values = sims if rows is None else sims[rows]
        if limit <= 0 or values.size == 0:
            return np.zeros(0, dtype=np.int64)
        if values.size > limit:
            cut = np.partition(values, values.size - limit)[values.size - limit]
            picked = np.flatnonzero(values >= cut)
        else:
            picked = np.arange(values.size)
        return picked if rows is None else rows[picked]

    def search(self, request: str, *, kinds: tuple[str, ...] | None = None, limit: int = 50) -> list[Hit]:
        self._load()
        assert self._ids is not None and self._matrix is not None
        ids = self._ids
        terms = request_terms(request)
        fts = _Background(self._text_search, terms, len(ids), max(200, limit * 4)) if terms else None
        if fts is not None and len(ids) < PARALLEL_FTS_ROWS:
            fts.run()  # small store: not worth a thread
        elif fts is not None:
            fts.start()  # SQLite and the model both release the GIL: run the two at once
        dense: dict[str, float] = {}
        sims: np.ndarray | None = None
        try:
            if len(ids):
                qv = self.encoder.encode([request])[0]
                if qv.shape[0] == self._matrix.shape[1]:
                    sims = similarities(self._matrix, qv)
                    top = self._top_dense(sims, kinds, limit)
                    dense = dict(zip([ids[i] for i in top], sims[top].tolist(), strict=True))
        finally:
            found = fts.result() if fts is not None else []
        text: dict[str, float] = {}
        if found:
            top_score = max(s for _, s in found) or 1.0
            text = {i: max(s, 0.0) / top_score for i, s in found}
        if sims is not None:
            for pid in text:
                if pid not in dense and (r := self._row.get(pid)) is not None:
                    dense[pid] = float(sims[r])
        hits = []
        for pid in set(dense) | set(text):
            kind, path = self._kinds.get(pid, ("", ""))
            if kinds and kind not in kinds:
                continue
            d, t = dense.get(pid, 0.0), text.get(pid, 0.0)
            hits.append(Hit(pid, kind, path, d + FTS_WEIGHT * t, d, t))
        hits.sort(key=lambda h: (-h.score, h.id))
        return hits[:limit]
