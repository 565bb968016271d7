"""One project served to many callers: the shared core of the HTTP API and the MCP server.

Threads and SQLite: the library's ``Store`` wraps one ``sqlite3`` connection, so

- queries share one ``Brain`` (one connection, one warm ``PackBuilder``) behind a lock:
  requests are short (milliseconds) and a local server has few callers;
- an index job opens its own ``Brain`` and so its own connection, in its own thread
  (``server.jobs``); WAL and the busy timeout let it write while queries read the
  previous index;
- after a job, the query side is reopened so it sees the new index;
- the encoder is shared (loaded once) but its ``encode`` is serialised: a tokenizer is not
  safe to call from two threads at once.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from memorybrain import Brain, __version__
from memorybrain.config import Config
from memorybrain.embeddings import Encoder, get_encoder
from memorybrain.errors import BrainError, ModelError, NotIndexedError, ReadOnlyError
from memorybrain.models import Fact, Pattern
from memorybrain.pack import Pack
from server.jobs import IndexJob, JobManager

__all__ = ["BrainService", "LockedEncoder", "summarise_report"]

log = logging.getLogger("memorybrain.server")

WARM_REQUEST = "Add CRUD endpoints for items"


class LockedEncoder:
    """An encoder whose ``encode`` runs one call at a time (shared by queries and jobs)."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self.inner.encode(texts)


def summarise_report(report: dict[str, Any]) -> dict[str, Any]:
    """An ``IndexReport.as_dict()`` with its (possibly long) lists reduced to counts."""
    out = dict(report)
    out["skipped"] = len(report.get("skipped") or [])
    out["parse_errors"] = len(report.get("parse_errors") or [])
    return out


class BrainService:
    """The project, its warm model, the query connection and the index jobs."""

    def __init__(
        self,
        project: str | Path | None = None,
        *,
        db: str | None = None,
        model: str | None = None,
        encoder: Encoder | None = None,
        snapshot: str | Path | None = None,
    ) -> None:
        # Reads and validates the configuration now: a bad project or config is a clear
        # error before anything listens. With a snapshot, no project is read at all.
        self.snapshot = Path(snapshot).expanduser().resolve() if snapshot else None
        if self.snapshot is not None:
            self.config = Config(root=self.snapshot.parent)
            if model:
                self.config = self.config.with_overrides(model=model)
            from memorybrain import snapshot as snapshots

            snapshots.read(self.snapshot)  # a bad snapshot is refused before anything listens
        else:
            self.config = Brain.open(project, db=db, model=model).config
        self._encoder_override = encoder
        self._encoder: LockedEncoder | None = None
        self._encoder_lock = threading.Lock()
        self._lock = threading.RLock()
        self._brain: Brain | None = None
        self.model_error: ModelError | None = None
        self.model_loaded = False
        self.jobs = JobManager(self._run_index)
        self.started_at: float | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def encoder(self) -> LockedEncoder:
        with self._encoder_lock:
            if self._encoder is None:
                inner = self._encoder_override or get_encoder(self.config.model)
                self._encoder = LockedEncoder(inner)
            return self._encoder

    def start(self) -> None:
        """Load the model (warm) and open the store; never raises for a missing index."""
        if self.started_at is not None:
            return
        self.started_at = time.time()
        self.jobs.reopen()
        self.warm()

    def warm(self) -> None:
        try:
            self.encoder.encode([WARM_REQUEST])
            self.model_loaded = True
            self.model_error = None
        except ModelError as e:
            self.model_error = e
            log.error("embedding model unavailable: %s", e)
            return
        try:
            # build the pack machinery once (vector matrix, name index) so the first
            # request is as fast as the next
            self.context(WARM_REQUEST, budget=self.config.budget)
        except BrainError as e:
            log.info("not ready yet: %s", e)

    def close(self) -> None:
        """Stop a running index job (at its next file) and close the store; ``start`` reopens."""
        self.jobs.close()
        with self._lock:
            self._close_query()
        self.started_at = None

    def _close_query(self) -> None:
        if self._brain is not None:
            self._brain.close()
        self._brain = None

    def refresh(self) -> None:
        """Reopen the query side so it sees a new index, and warm it again."""
        with self._lock:
            self._close_query()
        if self.model_loaded:
            try:
                self.context(WARM_REQUEST, budget=self.config.budget)
            except BrainError as e:
                log.info("not ready after index: %s", e)

    # ------------------------------------------------------------------ queries

    def _query(self) -> Brain:
        """The query ``Brain`` (call with the lock held); NotIndexedError until indexed."""
        if self.model_error is not None:
            raise self.model_error
        if self._brain is None and self.snapshot is not None:
            self._brain = Brain.from_snapshot(self.snapshot, model=self.config.model, encoder=self.encoder)
        if self._brain is None:
            self._brain = Brain(self.config, encoder=self.encoder)
        try:
            store = self._brain.store
            if not store.get_meta("last_indexed"):
                raise NotIndexedError("not indexed")
        except NotIndexedError:
            self._close_query()
            raise self._not_indexed() from None
        return self._brain

    def _not_indexed(self) -> NotIndexedError:
        job = self.jobs.running()
        if job is not None:
            return NotIndexedError(
                f"{self.config.root} is being indexed for the first time (job {job.id})",
                hint=f"follow it at /v1/index/{job.id} and try again when it has finished",
            )
        return NotIndexedError(
            f"{self.config.root} has not been indexed yet",
            hint=f"start an index with POST /v1/index, the MCP tool `reindex`, or `brain index {self.config.root}`",
        )

    def context(
        self,
        request: str,
        *,
        budget: int | None = None,
        fmt: str = "md",
        kinds: tuple[str, ...] | None = None,
    ) -> Pack:
        with self._lock:
            return self._query().context(request, budget=budget, fmt=fmt, kinds=kinds)

    def patterns(
        self,
        *,
        kind: str | None = None,
        path: str | None = None,
        text: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[Pattern], int]:
        with self._lock:
            brain = self._query()
            found = brain.patterns(kind=kind, path=path, text=text, limit=limit, offset=offset)
            return found, brain.count_patterns(kind=kind, path=path, text=text)

    def pattern(self, pattern_id: str) -> Pattern:
        with self._lock:
            return self._query().pattern(pattern_id)

    def facts(self) -> list[Fact]:
        with self._lock:
            return self._query().facts()

    def search(
        self, query: str, *, kind: str | None = None, limit: int = 10, offset: int = 0
    ) -> tuple[list[tuple[Pattern, float]], bool]:
        """Patterns ranked by similarity to ``query`` (embeddings + full text).

        Returns (pattern, score) pairs for ``[offset, offset + limit)`` and whether more follow.
        """
        with self._lock:
            return self._query().search(query, kind=kind, limit=limit, offset=offset)

    def status(self) -> dict[str, Any] | None:
        """The store's statistics, or None while it is not indexed (or the model is missing)."""
        with self._lock:
            try:
                return self._query().status()
            except BrainError:
                return None

    def health(self) -> dict[str, Any]:
        stats = self.status()
        job = self.jobs.latest()
        if self.model_error is not None:
            state, detail = "model_unavailable", str(self.model_error)
        elif stats is None:
            state, detail = "not_indexed", str(self._not_indexed())
        else:
            state, detail = "ok", None
        return {
            "status": state,
            "ready": state == "ok",
            "detail": detail,
            "version": __version__,
            "project": self._brain.project_name if self._brain is not None else self.config.root.name,
            "root": str(self.snapshot or self.config.root),
            "read_only": self.read_only,
            "model": (stats or {}).get("model") or self.config.model,
            "model_loaded": self.model_loaded,
            "schema_version": (stats or {}).get("schema_version"),
            "files": (stats or {}).get("files", 0),
            "lines": (stats or {}).get("lines", 0),
            "patterns": (stats or {}).get("patterns", 0),
            "patterns_by_kind": (stats or {}).get("patterns_by_kind", {}),
            "facts": (stats or {}).get("facts", 0),
            "last_indexed": (stats or {}).get("last_indexed"),
            "index_job": None if job is None else {"id": job.id, "state": job.state},
            "uptime_seconds": round(time.time() - self.started_at, 1) if self.started_at else 0.0,
        }

    # ------------------------------------------------------------------ indexing

    @property
    def read_only(self) -> bool:
        return self.snapshot is not None

    def curate(self, operation: str, *args: Any) -> Any:
        """Run one curation method of ``Brain`` (pin, exclude, rule_add, ...) on the query store."""
        with self._lock:
            return getattr(self._query(), operation)(*args)

    # ------------------------------------------------------------------ snapshots

    def refuse_read_only(self, what: str) -> None:
        if self.snapshot is not None:
            raise ReadOnlyError(
                f"this server answers from the snapshot {self.snapshot}, read-only: it cannot {what}",
                hint="export, import and curate in the project itself (`brain serve` there)",
            )

    def snapshot_data(self, *, vectors: bool = True) -> tuple[bytes, str]:
        """The snapshot of what the server answers from (nothing written), and the project name."""
        with self._lock:
            brain = self._query()
            return brain.snapshot_data(vectors=vectors), brain.project_name

    def export_snapshot(self, path: str | None = None, *, vectors: bool = True) -> dict[str, Any]:
        """Write the snapshot to ``path`` (a ``.jsonl`` file inside the project; default
        ``.brain/snapshot.jsonl``). The answer's ``path`` is relative to the project root."""
        from memorybrain import snapshot

        self.refuse_read_only("write a snapshot")
        with self._lock:
            brain = self._query()
            target = snapshot.project_target(self.config.root, path)
            info = brain.export_snapshot(target, vectors=vectors)
        info["path"] = target.relative_to(self.config.root.resolve()).as_posix()
        return info

    def import_snapshot(
        self, *, mode: str = "merge", path: str | None = None, data: bytes | None = None
    ) -> dict[str, Any]:
        """Import a snapshot file inside the project (``path``) or uploaded bytes (``data``).

        Refused (409) while an index job runs, and no job starts until it has finished; queries
        wait for it (it holds the query lock: they see the store before or after, never during).
        """
        from memorybrain import snapshot

        self.refuse_read_only("import a snapshot")
        if self.model_error is not None:
            raise self.model_error
        source: Path | bytes
        if path is not None:
            source = snapshot.project_source(self.config.root, path)
        elif data is not None:
            source = data
        else:  # pragma: no cover - the routes always give one
            raise ValueError("a path or the snapshot's bytes")
        with self._lock, self.jobs.exclusive("a snapshot import"):
            if self._brain is None:  # a project not indexed yet may take its index from a snapshot
                self._brain = Brain(self.config, encoder=self.encoder)
            try:
                return self._brain.import_snapshot(source, mode=mode)
            except BrainError:
                raise  # refused before anything was written
            except BaseException:
                self._close_query()  # something unexpected: reopen cleanly on the next request
                raise

    def diff_snapshot(self, a: str, b: str | None = None) -> dict[str, Any]:
        """What changed from the snapshot file ``a`` to ``b`` (default: the store the server
        answers from now); both paths inside the project (the snapshot's folder when serving one)."""
        from memorybrain import snapshot

        old = snapshot.project_source(self.config.root, a)
        new = snapshot.project_source(self.config.root, b) if b is not None else None
        with self._lock:
            if new is None:
                return self._query().diff_snapshot(old)
        return snapshot.diff(snapshot.read(old), snapshot.read(new))

    def start_index(self) -> IndexJob:
        if self.model_error is not None:
            raise self.model_error
        if self.snapshot is not None:
            raise ReadOnlyError(
                f"this server answers from the snapshot {self.snapshot}, read-only: there is nothing to index",
                hint="index and curate in the project, then export a new snapshot",
            )
        return self.jobs.start()

    def _run_index(self, job: IndexJob) -> dict[str, Any]:
        # Its own Brain, so its own SQLite connection: never the query connection.
        brain = Brain(self.config, encoder=self.encoder)
        try:
            report = brain.index(progress=job.progress)
        finally:
            brain.close()
        self.refresh()
        return summarise_report(report.as_dict())
