"""Concurrency and faults: queries during a real index job, a failed job, a killed index."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import FASTAPI_APP, copy_app
from fastapi.testclient import TestClient

from memorybrain import Brain
from server.app import create_app
from server.settings import ServerSettings

BASE = "http://127.0.0.1:8765"
REQUEST = "Add CRUD endpoints for notifications"
MESSAGES = "app/api/routes/messages.py"


def add_resources(root: Path, count: int, prefix: str = "thing") -> None:
    """New route modules (copies of messages.py under other names): new patterns to embed."""
    source = (root / MESSAGES).read_text()
    for i in range(count):
        name = f"{prefix}{i}"
        text = source.replace("messages", f"{name}s").replace("message", name).replace("Message", name.title())
        (root / "app" / "api" / "routes" / f"{name}s.py").write_text(text)


def wait_for(client: TestClient, job_id: str, timeout: float = 300.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/index/{job_id}").json()
        if job["state"] in ("succeeded", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


@pytest.mark.integration
def test_queries_keep_answering_during_a_real_index_job(tmp_path, real_encoder):
    root = copy_app(FASTAPI_APP, tmp_path / "app")
    with Brain.open(root, encoder=real_encoder) as brain:
        brain.index()
    add_resources(root, 20)
    app = create_app(ServerSettings(project=root), encoder=real_encoder)
    with TestClient(app, base_url=BASE) as client:
        routes_before = client.get("/v1/patterns", params={"kind": "route", "limit": 1}).json()["total"]
        job_id = client.post("/v1/index").json()["id"]
        done = threading.Event()
        answers: list[tuple[str, int, str]] = []
        progress: list[tuple[int, int]] = []

        def ask(what: str) -> None:
            while not done.is_set():
                if what == "context":
                    r = client.post("/v1/context", json={"request": REQUEST, "budget": 2000})
                elif what == "patterns":
                    r = client.get("/v1/patterns", params={"kind": "route", "limit": 50})
                else:
                    r = client.get("/v1/health")
                answers.append((what, r.status_code, r.text if r.status_code != 200 else ""))

        threads = [threading.Thread(target=ask, args=(w,)) for w in ("context", "patterns", "health")]
        for t in threads:
            t.start()
        try:
            while True:
                job = client.get(f"/v1/index/{job_id}").json()
                progress.append((job["files_done"], job["files_total"]))
                if job["state"] not in ("queued", "running"):
                    break
                time.sleep(0.02)
        finally:
            done.set()
            for t in threads:
                t.join(60)
        assert job["state"] == "succeeded", job
        assert job["report"]["indexed"] == 20 and job["report"]["embedded"] >= 20 * 5
        failures = [a for a in answers if a[1] != 200]
        assert failures == [], failures[:3]
        assert not any("locked" in text for _, _, text in answers)
        assert sum(1 for w, _, _ in answers if w == "context") >= 3
        assert len(answers) >= 10
        # progress went forward and ended at files_total
        dones = [d for d, _ in progress]
        assert dones == sorted(dones) and progress[-1][0] == progress[-1][1] > 20
        # and the query side now sees the new index
        routes_after = client.get("/v1/patterns", params={"kind": "route", "limit": 1}).json()["total"]
        assert routes_after > routes_before
        pack = client.post("/v1/context", json={"request": "Add an endpoint to list thing7s", "format": "json"})
        assert any("thing7" in e["path"] for e in pack.json()["exemplars"])


class FlakyEncoder:
    """The real encoder, except that it can be made to fail on batches (what indexing sends)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name, self.dim = inner.name, inner.dim
        self.fail = True

    def encode(self, texts: list[str]) -> np.ndarray:
        if self.fail and len(texts) > 1:
            raise RuntimeError("encoder crashed")
        return self.inner.encode(texts)


@pytest.mark.integration
def test_a_failed_job_leaves_the_previous_index_usable_and_the_next_recovers(tmp_path, real_encoder):
    root = copy_app(FASTAPI_APP, tmp_path / "app")
    with Brain.open(root, encoder=real_encoder) as brain:
        brain.index()
    add_resources(root, 2)
    encoder = FlakyEncoder(real_encoder)
    app = create_app(ServerSettings(project=root), encoder=encoder)
    with TestClient(app, base_url=BASE) as client:
        failed = wait_for(client, client.post("/v1/index").json()["id"])
        assert failed["state"] == "failed" and "encoder crashed" in failed["error"]
        assert client.get("/v1/health").json()["ready"] is True
        r = client.post("/v1/context", json={"request": REQUEST, "format": "json"})
        assert r.status_code == 200 and r.json()["exemplars"]
        encoder.fail = False
        ok = wait_for(client, client.post("/v1/index").json()["id"])
        assert ok["state"] == "succeeded" and ok["report"]["embedded"] >= 10
    db = sqlite3.connect(root / ".brain" / "brain.db")
    patterns, vectors = db.execute("SELECT (SELECT count(*) FROM patterns), (SELECT count(*) FROM vectors)").fetchone()
    db.close()
    assert patterns == vectors


KILL_SCRIPT = """
import os, signal, sys
from memorybrain import Brain

root, stage, at = sys.argv[1], sys.argv[2], int(sys.argv[3])

def progress(s, done, total):
    if s == stage and done >= at:
        os.kill(os.getpid(), signal.SIGKILL)

with Brain.open(root, model="hashing") as brain:
    brain.index(progress=progress)
"""


def snapshot(root: Path, db: str | None = None) -> dict:
    with Brain.open(root, model="hashing", db=db) as brain:
        patterns = brain.patterns()
        return {
            "patterns": sorted((p.id, p.usage, p.summary) for p in patterns),
            "conventions": [c["statement"] for c in brain.conventions()],
            "facts": sorted((f.category, f.name, f.value) for f in brain.facts()),
            "vectors": len(brain.store.vector_state()),
        }


@pytest.mark.parametrize(("stage", "at"), [("extract", 3), ("embed", 0), ("link", 0)])
def test_a_killed_index_leaves_a_usable_store_and_the_next_index_recovers(tmp_path, stage, at):
    root = copy_app(FASTAPI_APP, tmp_path / "app")
    with Brain.open(root, model="hashing") as brain:
        brain.index()
        before = brain.status()["patterns"]
    add_resources(root, 8, prefix="gadget")
    (root / "app" / "api" / "routes" / "health.py").unlink()
    # the same change, indexed without interruption, is what recovery must reach
    uninterrupted = tmp_path / "uninterrupted"
    shutil.copytree(root, uninterrupted)
    with Brain.open(uninterrupted, model="hashing") as brain:
        brain.index()

    killed = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, str(root), stage, str(at)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    # the store is intact and answers from what it has
    db = sqlite3.connect(root / ".brain" / "brain.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    with Brain.open(root, model="hashing") as brain:
        assert brain.status()["patterns"] >= before - 5
        pack = brain.context(REQUEST, budget=2000)
        assert pack.exemplars and pack.tokens <= 2000

    # the next index recovers: the same store as the uninterrupted index
    with Brain.open(root, model="hashing") as brain:
        brain.index()
    recovered, expected = snapshot(root), snapshot(uninterrupted)
    assert recovered == expected
    assert recovered["vectors"] == len(recovered["patterns"]) > before


def test_shutdown_stops_a_running_job_between_files_and_keeps_the_index(tmp_path):
    from server.service import BrainService

    root = copy_app(FASTAPI_APP, tmp_path / "app")
    with Brain.open(root, model="hashing") as brain:
        brain.index()
        before = brain.status()["patterns"]
    add_resources(root, 20)
    service = BrainService(root, model="hashing")
    service.start()
    job = service.start_index()
    service.close()  # what the lifespan does when the server stops
    assert job.wait(30)
    snap = job.snapshot()
    assert snap["state"] == "failed" and snap["error"].startswith("cancelled")
    with Brain.open(root, model="hashing") as brain:
        assert brain.status()["patterns"] >= before
        assert brain.context(REQUEST, budget=1000).exemplars
        brain.index()  # and the next index finishes the work
        assert brain.count_patterns(path="app/api/routes/thing19s.py") > 0
