"""The baselines: function/class chunks of the remaining tree, ranked three ways, packed greedily.

Chunks are cut with ``ast`` from every Python file in scope, so they cover the whole code:
each top-level function, each class (a class over ``MAX_CHUNK_LINES`` lines becomes its header
plus one chunk per method), and each run of module-level statements between definitions
(imports, constants, ``router = APIRouter()``, ``Alias = Annotated[...]``). A chunk still over
``MAX_CHUNK_LINES`` lines is cut into windows of that size.

- ``random``: chunks in a seeded random order (the floor);
- ``bm25``: ranked by BM25 (k1=1.5, b=0.75) of the request against the chunk's path and code;
- ``dense``: ranked by cosine between the request and ``path + code`` embedded with the same
  encoder ``brain`` uses (all-MiniLM-L6-v2): the usual "RAG over the repo".

Packing is greedy in rank order: a chunk that does not fit in what is left of the budget is
skipped and the next one tried. Tokens are counted with ``memorybrain.tokens`` (characters/4).
"""

from __future__ import annotations

import ast
import hashlib
import math
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from memorybrain.tokens import count_tokens

MAX_CHUNK_LINES = 60


@dataclass(frozen=True)
class Chunk:
    path: str
    start: int  # 1-based, inclusive
    end: int
    name: str
    code: str

    @property
    def location(self) -> str:
        return f"{self.path}:{self.start}-{self.end}"

    def render(self) -> str:
        return f"### `{self.name}` — {self.location}\n```python\n{self.code}\n```\n\n"

    def embedding_text(self) -> str:
        return f"{self.path}\n{self.code}"


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None) or []
    return min([node.lineno, *(d.lineno for d in decorators)])


def _windows(path: str, name: str, lines: list[str], start: int, end: int) -> list[Chunk]:
    out = []
    part = 0
    s = start
    while s <= end:
        e = min(end, s + MAX_CHUNK_LINES - 1)
        code = "\n".join(lines[s - 1 : e]).rstrip()
        if code.strip():
            label = name if part == 0 else f"{name} (part {part + 1})"
            out.append(Chunk(path, s, e, label, code))
        part += 1
        s = e + 1
    return out


def chunk_source(path: str, source: str) -> list[Chunk]:
    """The chunks of one file (none if it does not parse)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    lines = source.splitlines()
    out: list[Chunk] = []
    pending: list[ast.stmt] = []

    def flush() -> None:
        if pending:
            start, end = _first_line(pending[0]), pending[-1].end_lineno or pending[-1].lineno
            out.extend(_windows(path, "module code", lines, start, end))
            pending.clear()

    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            flush()
            start, end = _first_line(stmt), stmt.end_lineno or stmt.lineno
            methods = [
                s for s in stmt.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)
            ] if isinstance(stmt, ast.ClassDef) else []  # fmt: skip
            if isinstance(stmt, ast.ClassDef) and end - start + 1 > MAX_CHUNK_LINES and methods:
                head_end = _first_line(methods[0]) - 1
                out.extend(_windows(path, stmt.name, lines, start, head_end))
                for m in methods:
                    out.extend(_windows(path, f"{stmt.name}.{m.name}", lines, _first_line(m), m.end_lineno or m.lineno))
            else:
                out.extend(_windows(path, stmt.name, lines, start, end))
        else:
            pending.append(stmt)
    flush()
    return out


def chunk_files(sources: dict[str, str]) -> list[Chunk]:
    out: list[Chunk] = []
    for path in sorted(sources):
        out.extend(chunk_source(path, sources[path]))
    return out


# ---------------------------------------------------------------------- packing


def pack_header(request: str, budget: int) -> str:
    return f"# Context: {request}\n\n_{budget} tokens of code chunks from the repository._\n\n"


def pack_greedy(request: str, ranked: Iterable[Chunk], budget: int) -> tuple[str, list[Chunk]]:
    """Chunks in rank order while they fit the budget (characters/4 of the whole text)."""
    text = pack_header(request, budget)
    chosen: list[Chunk] = []
    limit = budget * 4  # count_tokens(t) <= budget  <=>  len(t) <= 4 * budget
    size = len(text)
    for chunk in ranked:
        piece = chunk.render()
        if size + len(piece) <= limit:
            text += piece
            size += len(piece)
            chosen.append(chunk)
        if limit - size < 120:  # nothing useful fits any more
            break
    assert count_tokens(text) <= budget
    return text, chosen


# ---------------------------------------------------------------------- rankers


def rank_random(chunks: Sequence[Chunk], seed: str) -> list[Chunk]:
    order = list(chunks)
    random.Random(seed).shuffle(order)
    return order


_WORD = re.compile(r"[A-Za-z][a-z]+|[A-Z]+(?![a-z])|\d+")
_STOP = frozenset("a an and the for to of in on with or is are be by it this that as at from".split())


def bm25_tokens(text: str) -> list[str]:
    """Lower-cased word pieces (snake_case and CamelCase split), plural 's' stripped."""
    out = []
    for w in _WORD.findall(text):
        w = w.lower()
        if w in _STOP:
            continue
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.append(w)
    return out


class BM25:
    """Okapi BM25 over a fixed list of documents."""

    def __init__(self, docs: Sequence[list[str]], k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.tfs = [Counter(d) for d in docs]
        self.lens = np.array([len(d) for d in docs], dtype=np.float64)
        self.avg = float(self.lens.mean()) if len(docs) else 0.0
        df: Counter[str] = Counter()
        for tf in self.tfs:
            df.update(tf.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def scores(self, query: list[str], mask: np.ndarray | None = None) -> np.ndarray:
        out = np.zeros(len(self.tfs), dtype=np.float64)
        terms = [t for t in dict.fromkeys(query) if t in self.idf]
        if not terms:
            return out
        norm = self.k1 * (1 - self.b + self.b * self.lens / (self.avg or 1.0))
        for i, tf in enumerate(self.tfs):
            if mask is not None and not mask[i]:
                continue
            s = 0.0
            for t in terms:
                f = tf.get(t)
                if f:
                    s += self.idf[t] * f * (self.k1 + 1) / (f + norm[i])
            out[i] = s
        return out


def rank_by(scores: np.ndarray, chunks: Sequence[Chunk], keep: np.ndarray) -> list[Chunk]:
    idx = [i for i in np.argsort(-scores, kind="stable") if keep[i]]
    return [chunks[i] for i in idx]


def chunk_vectors(chunks: Sequence[Chunk], encoder, cache_dir: Path | None = None) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Unit vectors of the chunks (cached on disk by model and content)."""
    texts = [c.embedding_text() for c in chunks]
    digest = hashlib.sha256()
    digest.update(f"{type(encoder).__name__}:{encoder.name}".encode())
    for t in texts:
        digest.update(hashlib.sha1(t.encode()).digest())
    path = cache_dir / f"chunks-{digest.hexdigest()[:20]}.npy" if cache_dir else None
    if path is not None and path.is_file():
        vectors = np.load(path)
        if vectors.shape[0] == len(texts):
            return vectors
    vectors = np.zeros((0, encoder.dim), dtype=np.float32)
    parts = []
    for i in range(0, len(texts), 256):
        parts.append(encoder.encode(texts[i : i + 256]))
    if parts:
        vectors = np.concatenate(parts).astype(np.float32)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.stem + ".tmp.npy")
        np.save(tmp, vectors)
        tmp.replace(path)
    return vectors


class Baselines:
    """The three baselines over one codebase's chunks; tasks mask out their removed module."""

    SYSTEMS = ("random", "bm25", "dense")

    def __init__(self, chunks: list[Chunk], encoder, cache_dir: Path | None = None) -> None:  # type: ignore[no-untyped-def]
        self.chunks = chunks
        self.encoder = encoder
        self.paths = np.array([c.path for c in chunks])
        self.bm25 = BM25([bm25_tokens(f"{c.path} {c.code}") for c in chunks])
        self.vectors = chunk_vectors(chunks, encoder, cache_dir) if encoder is not None else None

    def keep(self, removed: str) -> np.ndarray:
        return self.paths != removed

    def rank(self, system: str, request: str, removed: str, seed: str = "") -> list[Chunk]:
        keep = self.keep(removed)
        if system == "random":
            return rank_random([c for c, k in zip(self.chunks, keep, strict=True) if k], seed)
        if system == "bm25":
            return rank_by(self.bm25.scores(bm25_tokens(request), keep), self.chunks, keep)
        if system == "dense":
            assert self.vectors is not None
            q = self.encoder.encode([request])[0]
            return rank_by(self.vectors @ q, self.chunks, keep)
        raise ValueError(f"unknown baseline {system!r}")
