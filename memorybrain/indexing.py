"""The indexing pipeline: walk, hash, extract, link, embed, store.

Incremental by content hash: a file whose bytes and indexer version are unchanged is not
read twice by the parser, and a pattern whose embedding text is unchanged is not embedded
again. Files that disappeared lose their patterns. Every stage reports progress through an
optional callback so the CLI can draw a bar and the server can answer "how far along".
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from indexers import (
    INDEXER_VERSION,
    extract_metadata,
    extract_python,
    facts_from_imports,
    is_metadata_file,
)
from indexers.stack import merge_facts, qualify_by_usage
from memorybrain.config import Config
from memorybrain.embeddings import Encoder, get_encoder
from memorybrain.linker import LINKER_VERSION, link
from memorybrain.models import Fact, FileExtract
from memorybrain.modpath import module_name
from memorybrain.paths import vendored_paths
from memorybrain.store import Store, now_iso
from memorybrain.walk import Skip, SourceFile, walk_project

if TYPE_CHECKING:
    from memorybrain.vector_cache import VectorCache

Progress = Callable[[str, int, int], None]

#: Extraction runs in worker processes when at least this many files changed.
PARALLEL_THRESHOLD = 64
#: Texts per call to the encoder (one progress step, one write).
EMBED_BATCH = 256


@dataclass
class IndexReport:
    root: str
    db_path: str
    files_seen: int = 0
    indexed: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    parse_errors: list[str] = field(default_factory=list)
    lines: int = 0
    patterns_by_kind: dict[str, int] = field(default_factory=dict)
    facts: int = 0
    embedded: int = 0
    seconds: float = 0.0
    model: str = ""

    @property
    def patterns(self) -> int:
        return sum(self.patterns_by_kind.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "db_path": self.db_path,
            "files_seen": self.files_seen,
            "indexed": self.indexed,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "parse_errors": self.parse_errors,
            "lines": self.lines,
            "patterns": self.patterns,
            "patterns_by_kind": self.patterns_by_kind,
            "facts": self.facts,
            "embedded": self.embedded,
            "seconds": round(self.seconds, 3),
            "model": self.model,
        }


@dataclass
class _Read:
    file: SourceFile
    data: bytes
    digest: str
    lines: int


def _noop(stage: str, done: int, total: int) -> None:
    return None


def _read(file: SourceFile) -> _Read | Skip:
    try:
        data = file.abspath.read_bytes()
    except OSError as e:
        return Skip(file.path, f"unreadable: {e.strerror}")
    if b"\0" in data[:8192]:
        return Skip(file.path, "binary file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return Skip(file.path, "not valid UTF-8")
    digest = hashlib.sha256(data).hexdigest()
    return _Read(file, data, digest, text.count("\n") + (0 if text.endswith("\n") or not text else 1))


def _extract(item: tuple[str, str, bytes]) -> tuple[str, FileExtract | list[Fact] | str]:
    kind, path, data = item
    try:
        if kind == "python":
            result = extract_python(path, data)
            if is_metadata_file(path):  # setup.py, manage.py: code and metadata both
                result.meta["facts"] = [_fact_dict(f) for f in extract_metadata(path, data.decode("utf-8"))]
            return path, result
        return path, extract_metadata(path, data.decode("utf-8"))
    except Exception as e:  # noqa: BLE001 - one bad file must never stop an index
        return path, f"extractor failed: {type(e).__name__}: {e}"


def _extract_all(items: list[tuple[str, str, bytes]], progress: Progress) -> Iterable[tuple[str, Any]]:
    total = len(items)
    workers = min(os.cpu_count() or 1, 8)
    if total >= PARALLEL_THRESHOLD and workers > 1:
        # forking a process that runs other threads (the HTTP server's workers) can copy a held
        # lock into the child; spawn then, fork (faster) otherwise
        method = "fork" if threading.active_count() == 1 and "fork" in mp.get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context(method)) as pool:
            for i, result in enumerate(pool.map(_extract, items, chunksize=16), 1):
                progress("extract", i, total)
                yield result
    else:
        for i, item in enumerate(items, 1):
            progress("extract", i, total)
            yield _extract(item)


def plan(config: Config) -> tuple[list[SourceFile], list[Skip]]:
    """What an index would read: files to consider and files skipped, without reading them."""
    files: list[SourceFile] = []
    skips: list[Skip] = []
    for item in walk_project(config):
        (files if isinstance(item, SourceFile) else skips).append(item)
    return files, skips


def dry_run(config: Config) -> dict[str, Any]:
    """Per top-level folder: files and lines that would be indexed, and skips."""
    files, skips = plan(config)
    folders: dict[str, dict[str, int]] = defaultdict(lambda: {"files": 0, "lines": 0, "bytes": 0})
    for f in files:
        top = f.path.split("/", 1)[0] if "/" in f.path else "."
        try:
            lines = f.abspath.read_bytes().count(b"\n")
        except OSError:
            lines = 0
        folders[top]["files"] += 1
        folders[top]["lines"] += lines
        folders[top]["bytes"] += f.size
    return {
        "root": str(config.root),
        "folders": dict(sorted(folders.items())),
        "files": sum(v["files"] for v in folders.values()),
        "lines": sum(v["lines"] for v in folders.values()),
        "skipped": [{"path": s.path, "reason": s.reason} for s in skips],
    }


def index_project(
    config: Config,
    *,
    encoder: Encoder | None = None,
    progress: Progress | None = None,
    store: Store | None = None,
) -> IndexReport:
    """Index (incrementally) the project described by ``config`` into its store."""
    started = time.perf_counter()
    progress = progress or _noop
    own_store = store is None
    store = store or Store.open(config.db_path, create=True)
    report = IndexReport(root=str(config.root), db_path=str(config.db_path))
    try:
        _run(config, store, encoder, progress, report)
    finally:
        if own_store:
            store.close()
    report.seconds = time.perf_counter() - started
    return report


def _run(config: Config, store: Store, encoder: Encoder | None, progress: Progress, report: IndexReport) -> None:
    encoder = encoder or get_encoder(config.model)  # a bad model fails before anything is written
    progress("scan", 0, 0)
    files, skips = plan(config)
    report.skipped = [(s.path, s.reason) for s in skips]
    report.files_seen = len(files) + len(skips)
    known = store.file_states()
    todo: list[_Read] = []
    present: set[str] = set()
    for i, f in enumerate(files, 1):
        progress("scan", i, len(files))
        r = _read(f)
        if isinstance(r, Skip):
            report.skipped.append((r.path, r.reason))
            continue
        present.add(f.path)
        report.lines += r.lines if f.kind == "python" else 0
        if known.get(f.path) == (r.digest, INDEXER_VERSION):
            report.unchanged += 1
        else:
            todo.append(r)
    removed = [p for p in known if p not in present]
    if todo or removed:
        # Files are written one transaction each; until the linker has run over all of them
        # the conventions are stale. The flag survives a crash, so the next run relinks.
        store.set_meta(link_pending="1")
    if removed:
        store.delete_files(removed)
    report.removed = len(removed)

    by_path = {r.file.path: r for r in todo}
    items = [(r.file.kind, r.file.path, r.data) for r in todo]
    for path, result in _extract_all(items, progress):
        r = by_path[path]
        if isinstance(result, str):
            report.skipped.append((path, result))
            store.replace_file(
                path=path,
                content_hash=r.digest,
                size=r.file.size,
                lines=r.lines,
                kind=r.file.kind,
                indexer_version=INDEXER_VERSION,
                meta={},
                patterns=[],
                status="failed",
                reason=result,
            )
            continue
        if isinstance(result, FileExtract):
            if result.meta.get("parse_errors"):
                report.parse_errors.append(path)
            store.replace_file(
                path=path,
                content_hash=r.digest,
                size=r.file.size,
                lines=r.lines,
                kind="python",
                indexer_version=INDEXER_VERSION,
                meta=result.meta,
                patterns=result.patterns,
            )
        else:
            meta = {"facts": [_fact_dict(f) for f in result]}
            store.replace_file(
                path=path,
                content_hash=r.digest,
                size=r.file.size,
                lines=r.lines,
                kind="metadata",
                indexer_version=INDEXER_VERSION,
                meta=meta,
                patterns=[],
            )
        report.indexed += 1

    changed = (
        store.get_meta("link_pending") == "1"
        or store.get_meta("indexer_version") != INDEXER_VERSION
        or store.get_meta("linker_version") != LINKER_VERSION
    )
    if changed or not store.get_meta("last_indexed"):
        progress("link", 0, 1)
        files_meta = store.files_meta("python")
        result = link(store.pattern_index(), files_meta)
        store.update_links(result.updates)
        store.replace_conventions(result.conventions)
        store.replace_detected_facts(_facts(store, files_meta))
        store.set_meta(link_pending="0", linker_version=LINKER_VERSION)
        progress("link", 1, 1)

    report.model = encoder.name
    report.embedded = embed_missing(store, encoder, progress).embedded
    store.prune_vectors()
    store.set_meta(last_indexed=now_iso(), indexer_version=INDEXER_VERSION, root=str(config.root))
    report.patterns_by_kind = store.counts_by_kind()
    report.facts = len(store.facts())


def _fact_dict(f: Fact) -> dict[str, Any]:
    return {
        "category": f.category,
        "name": f.name,
        "value": f.value,
        "source_path": f.source_path,
        "source_line": f.source_line,
        "evidence": f.evidence,
        "origin": f.origin,
    }


def _unguarded_modules(meta: dict[str, Any]) -> list[str]:
    """The file's top-level imported modules, less those it imports only under an ImportError
    guard (``indexers.imports``)."""
    guarded: set[str] = set()
    plain: set[str] = set()
    for imp in meta.get("imports") or []:
        top = str(imp.get("module") or "").split(".")[0]
        if top and not imp.get("level"):
            (guarded if imp.get("guarded") else plain).add(top)
    return [m for m in meta.get("top_modules") or [] if m not in guarded - plain]


def _guarded_modules(meta: dict[str, Any]) -> list[str]:
    """The file's top-level modules imported only under an ImportError guard."""
    return sorted(set(meta.get("top_modules") or []) - set(_unguarded_modules(meta)))


def _dotted_imports(meta: dict[str, Any]) -> list[str]:
    """The file's unguarded absolute imports as ``module`` and ``module.name``, dotted ones
    only (``pulpcore.plugin.access_policy``, ``app.vendor.flask_principal``): what
    ``facts_from_imports`` reads for libraries used through another's module and vendored copies."""
    out: set[str] = set()
    for imp in meta.get("imports") or []:
        module = str(imp.get("module") or "")
        if not module or imp.get("level") or imp.get("guarded"):
            continue
        out.add(module)
        if imp.get("name") and imp["name"] != "*":
            out.add(f"{module}.{imp['name']}")
    return sorted(m for m in out if "." in m)


def _facts(store: Store, files_meta: dict[str, dict[str, Any]]) -> list[Fact]:
    metas = [*store.files_meta("metadata").values(), *files_meta.values()]
    declared = [Fact(**d) for meta in metas for d in meta.get("facts", [])]
    # the project's own top-level packages are not libraries (a local `factory` package is
    # not factory_boy)
    own: set[str] = set()
    for path in files_meta:
        parts = module_name(path).split(".")
        own.add(parts[0])
        if parts[0] in ("src", "lib") and len(parts) > 1:
            own.add(parts[1])
    # an import guarded against the module being missing (try/except ImportError) is an
    # optional integration: it makes no fact on its own (a declared dependency still is one)
    imported = facts_from_imports(
        {p: [m for m in _unguarded_modules(m_) if m not in own] + _dotted_imports(m_) for p, m_ in files_meta.items()}
    )
    # imported under a guard only: no fact on its own, but a declared library it shows used
    plain = {f.key for f in imported}
    guarded = facts_from_imports(
        {p: [m for m in _guarded_modules(m_) if m not in own] for p, m_ in files_meta.items()}, guarded=True
    )
    imported += [f for f in guarded if f.key not in plain]
    for fact in imported:  # give import evidence its line: the first import of that library
        if fact.source_line:
            continue
        for imp in files_meta.get(fact.source_path, {}).get("imports") or []:
            module = str(imp.get("module") or "")
            if not module or imp.get("level") or (imp.get("guarded") and fact.key in plain):
                continue
            shown = [m for m in {module.split(".")[0], module} if "." in m or m not in own]
            if imp.get("name") and imp["name"] != "*":
                shown.append(f"{module}.{imp['name']}")
            if any(f.key == fact.key for f in facts_from_imports({fact.source_path: shown})):
                fact.source_line = int(imp.get("line") or 0)
                break
    vendored = vendored_paths(files_meta)
    names: set[str] = set()  # absolute imports as module and module.name
    for path, meta in files_meta.items():
        if path in vendored:  # someone else's code: what it imports says nothing of the project
            continue
        for imp in meta.get("imports") or []:
            module = str(imp.get("module") or "")
            if imp.get("level") or not module or module.split(".")[0] in own:
                continue
            names.add(module)
            if imp.get("name") and imp["name"] != "*":
                names.add(f"{module}.{imp['name']}")
    return qualify_by_usage(merge_facts(declared + imported), names if files_meta else None)


#: Characters of code embedded after the one-line summary, by kind. The summary already
#: holds the signature and a docstring's first line (a model's or schema's fields, a test's
#: request); a route handler's body says what it does, and the few definitions packs are
#: built around (auth, error handlers, pagination, middleware) get some body too. The
#: thousands of plain functions, classes, tests, schemas and models get their summary only.
#: Tokens are what embedding costs: against the previous text (summary and 600 characters
#: of code) this is ~3x fewer tokens, 2-6x faster, with the same pack recall on the quality
#: suite (``benchmarks/RESULTS.md``); summaries alone lose recall on route-heavy codebases.
EMBED_CODE_CHARS = {
    "route": 320,
    "dependency": 240,
    "decorator": 240,
    "error_handler": 240,
    "pagination": 240,
    "middleware": 240,
}
_SIGNATURE_END = re.compile(r"\)\s*(->[^:]*)?:\s*(#.*)?$|^\s*class\b[^:]*:\s*(#.*)?$")


def _code_body(code: str, limit: int) -> str:
    """Up to ``limit`` characters of the body (after decorators and the signature), cut at a
    line boundary; the head of the code when no signature is found."""
    if limit <= 0 or not code:
        return ""
    lines = code.splitlines()
    start = 0
    for i, line in enumerate(lines[:40]):
        if _SIGNATURE_END.search(line) and not line.lstrip().startswith("@"):
            start = i + 1
            break
    body = [line.strip() for line in lines[start:] if line.strip()]
    out: list[str] = []
    used = 0
    for line in body:
        if used + len(line) > limit:
            if not out:
                out.append(line[:limit])
            break
        out.append(line)
        used += len(line) + 1
    return "\n".join(out)


def embedding_text(kind: str, name: str, path: str, summary: str, code_head: str) -> str:
    """The compact text a pattern is embedded from: kind, name, path and summary, then a
    little of the body for the kinds packs are built around (``EMBED_CODE_CHARS``)."""
    head = f"{kind} {name} in {path}: {summary}"
    body = _code_body(code_head, EMBED_CODE_CHARS.get(kind, 0))
    return f"{head}\n{body}" if body else head


@dataclass(frozen=True)
class EmbedReport:
    """What ``embed_missing`` did: patterns run through the encoder, and taken from the cache."""

    embedded: int = 0
    cached: int = 0


def embed_missing(
    store: Store, encoder: Encoder, progress: Progress = _noop, *, cache: VectorCache | None = None
) -> EmbedReport:
    """Embed every pattern whose vector is missing or was computed from other text.

    Texts go to the encoder longest first in chunks of ``EMBED_BATCH``, so every batch the
    model sees holds texts of about one length (little padding); vectors are written per
    chunk, so an interrupted index keeps what it embedded. With a ``cache``
    (``memorybrain.vector_cache``), vectors it holds for the same text are taken from it and
    the new ones are added to it.
    """
    store.ensure_model(encoder.name, encoder.dim)
    state = store.vector_state()
    todo: list[tuple[str, str, str]] = []
    for pid, kind, name, path, summary, head in store.embedding_inputs():
        text = embedding_text(kind, name, path, summary, head or "")
        digest = hashlib.sha1(text.encode()).hexdigest()
        if state.get(pid) != digest:
            todo.append((pid, digest, text))
    todo.sort(key=lambda t: (-len(t[2]), t[0]))
    cached = 0
    keys: dict[str, bytes] = {}
    if cache is not None and todo:
        from memorybrain.vector_cache import text_key

        keys = {pid: text_key(text) for pid, _, text in todo}
        found = cache.get(keys.values())
        hits = [(pid, digest, found[keys[pid]]) for pid, digest, _ in todo if keys[pid] in found]
        if hits:
            store.put_vectors(hits)
        cached = len(hits)
        todo = [t for t in todo if keys[t[0]] not in found]
    total = len(todo)
    done = 0
    new: dict[bytes, np.ndarray] = {}
    progress("embed", 0, total)
    for i in range(0, total, EMBED_BATCH):
        batch = todo[i : i + EMBED_BATCH]
        vectors = encoder.encode([t for _, _, t in batch])
        store.put_vectors([(pid, digest, vec) for (pid, digest, _), vec in zip(batch, vectors, strict=True)])
        if cache is not None:
            new.update((keys[pid], vec) for (pid, _, _), vec in zip(batch, vectors, strict=True))
        done += len(batch)
        progress("embed", done, total)
    if cache is not None and new:
        cache.put(new, used=keys.values())
    return EmbedReport(embedded=total, cached=cached)
