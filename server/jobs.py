"""Background index jobs: one at a time, in a thread of their own, with progress.

A job runs ``Brain.index`` on its own ``Brain`` (so its own SQLite connection): the query
side keeps answering from the previous index while it runs (WAL, per-file transactions).
A second start while one runs is refused (``IndexJobRunning``, HTTP 409). Progress comes
from the library's ``progress(stage, done, total)`` callback; the same callback is where a
cancelled job (server shutting down) stops, between two files.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from memorybrain.errors import BrainError

__all__ = ["IndexJob", "IndexJobRunning", "JobManager", "JobNotFoundError", "ServerBusyError"]

log = logging.getLogger("memorybrain.server")

#: Finished jobs remembered for ``GET /v1/index/{job}``.
KEEP_JOBS = 20


class IndexJobRunning(BrainError):
    exit_code = 1
    status = 409
    title = "Index already running"

    def __init__(self, job_id: str) -> None:
        super().__init__(f"index job {job_id} is still running", hint=f"follow it at /v1/index/{job_id}")
        self.job_id = job_id


class ServerBusyError(BrainError):
    """Another operation that rewrites the store (a snapshot import) is running."""

    exit_code = 1
    status = 409
    title = "Busy"


class JobNotFoundError(BrainError):
    exit_code = 1
    status = 404
    title = "Index job not found"


class JobCancelled(Exception):
    """Raised inside the progress callback to stop a job between two files."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class IndexJob:
    """One run of the indexer, with what the progress callback last said."""

    id: str
    state: str = "queued"  # queued | running | succeeded | failed
    stage: str | None = None  # scan | extract | link | embed
    stage_done: int = 0
    stage_total: int = 0
    files_done: int = 0
    files_total: int = 0
    created_at: str = field(default_factory=_now)
    started_at: str | None = None
    finished_at: str | None = None
    report: dict[str, Any] | None = None
    error: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)
    _done: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    @property
    def running(self) -> bool:
        return self.state in ("queued", "running")

    def progress(self, stage: str, done: int, total: int) -> None:
        """The library's progress callback: files done / total across the stages.

        ``scan`` hashes every file (total = files considered); ``extract`` parses the changed
        ones; unchanged files count as done once extraction starts.
        """
        if self._cancel.is_set():
            raise JobCancelled("the server is shutting down")
        with self._lock:
            self.stage, self.stage_done, self.stage_total = stage, done, total
            if stage == "scan":
                self.files_total = max(self.files_total, total)
            elif stage == "extract":
                self.files_total = max(self.files_total, total)
                self.files_done = self.files_total - total + done
            else:
                self.files_done = self.files_total

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "id": self.id,
                "state": self.state,
                "stage": self.stage,
                "stage_done": self.stage_done,
                "stage_total": self.stage_total,
                "files_done": self.files_done,
                "files_total": self.files_total,
                "created_at": self.created_at,
                "started_at": self.started_at,
                "finished_at": self.finished_at,
                "report": self.report,
                "error": self.error,
            }

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)


class JobManager:
    """Start, follow and (on shutdown) stop index jobs; at most one runs at a time."""

    def __init__(self, run: Callable[[IndexJob], dict[str, Any]]) -> None:
        self._run = run
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, IndexJob] = OrderedDict()
        self._threads: dict[str, threading.Thread] = {}
        self._closed = False
        self._held: str | None = None  # what keeps jobs from starting (a snapshot import)

    def start(self) -> IndexJob:
        with self._lock:
            if self._closed:
                raise BrainError("the server is shutting down")
            running = self._running()
            if running is not None:
                raise IndexJobRunning(running.id)
            if self._held is not None:
                raise ServerBusyError(f"{self._held} is running", hint="start the index when it has finished")
            job = IndexJob(id=uuid.uuid4().hex[:12])
            self._jobs[job.id] = job
            while len(self._jobs) > KEEP_JOBS:
                old_id, old = next(iter(self._jobs.items()))
                if old.running:  # pragma: no cover - only one job runs at a time
                    break
                del self._jobs[old_id]
                self._threads.pop(old_id, None)
            thread = threading.Thread(target=self._work, args=(job,), name=f"brain-index-{job.id}", daemon=True)
            self._threads[job.id] = thread
            thread.start()
            return job

    @contextmanager
    def exclusive(self, what: str) -> Iterator[None]:
        """Run ``what`` (a snapshot import) with no index job: refused (409) while one runs,
        and no job starts until it ends."""
        with self._lock:
            running = self._running()
            if running is not None:
                raise IndexJobRunning(running.id)
            if self._held is not None:
                raise ServerBusyError(f"{self._held} is running", hint="try again when it has finished")
            self._held = what
        try:
            yield
        finally:
            with self._lock:
                self._held = None

    def _running(self) -> IndexJob | None:
        return next((j for j in self._jobs.values() if j.running), None)

    def running(self) -> IndexJob | None:
        with self._lock:
            return self._running()

    def latest(self) -> IndexJob | None:
        with self._lock:
            return next(reversed(self._jobs.values()), None) if self._jobs else None

    def get(self, job_id: str) -> IndexJob:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise JobNotFoundError(
                f"no index job with id {job_id!r}",
                hint=f"only the last {KEEP_JOBS} jobs of this server are kept",
            )
        return job

    def _work(self, job: IndexJob) -> None:
        with job._lock:
            job.state, job.started_at = "running", _now()
        try:
            report = self._run(job)
        except JobCancelled as e:
            self._finish(job, "failed", error=f"cancelled: {e}")
        except BrainError as e:
            self._finish(job, "failed", error=str(e))
        except Exception as e:  # noqa: BLE001 - a job failure is reported, never raised
            log.exception("index job %s failed", job.id)
            self._finish(job, "failed", error=f"{type(e).__name__}: {e}")
        else:
            self._finish(job, "succeeded", report=report)

    @staticmethod
    def _finish(job: IndexJob, state: str, *, report: dict[str, Any] | None = None, error: str | None = None) -> None:
        with job._lock:
            job.state, job.finished_at, job.report, job.error = state, _now(), report, error
            if state == "succeeded":
                job.files_done = job.files_total
        job._done.set()

    def reopen(self) -> None:
        with self._lock:
            self._closed = False

    def close(self, timeout: float = 30.0) -> None:
        """Stop a running job at its next file and wait for its thread."""
        with self._lock:
            self._closed = True
            threads = list(self._threads.values())
            for job in self._jobs.values():
                job._cancel.set()
        for thread in threads:
            thread.join(timeout)
