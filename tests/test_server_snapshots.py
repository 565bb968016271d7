"""Snapshots over HTTP (`/v1/snapshot...`): download, export, import (file and upload), diff.

Through FastAPI's TestClient against real SQLite stores (hashing encoder: nothing here
depends on pack quality); paths confined to the project, read-only servers refuse changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from conftest import BASE, FASTAPI_APP, copy_app, problem
from fastapi.testclient import TestClient

from memorybrain import Brain
from memorybrain.models import pattern_id
from memorybrain.store import Store
from server.app import create_app
from server.settings import ServerSettings

GET_USER = pattern_id("app/api/deps.py", "get_current_user", "dependency")
RULE = "All new endpoints use @rate_limit"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    root = copy_app(FASTAPI_APP, tmp_path_factory.mktemp("snaphttp") / "app")
    with Brain.open(root, model="hashing") as brain:
        brain.index()
    return root


@pytest.fixture
def project(template, tmp_path) -> Path:
    root = tmp_path / "app"
    shutil.copytree(template, root)
    return root


def make_client(**settings) -> TestClient:
    return TestClient(create_app(ServerSettings(model="hashing", **settings)), base_url=BASE)


@pytest.fixture
def client(project):
    with make_client(project=project) as c:
        yield c


def store_dump(root: Path) -> dict:
    with Store.open(root / ".brain" / "brain.db") as store:
        return {"dump": store.dump(), "rules": store.rules(), "facts": store.facts()}


# ---------------------------------------------------------------------- export and download


def test_export_writes_the_snapshot_inside_the_project(client, project):
    r = client.post("/v1/snapshot/export", json={})
    assert r.status_code == 200, r.text
    info = r.json()
    written = project / ".brain" / "snapshot.jsonl"
    assert info["path"] == ".brain/snapshot.jsonl"
    assert info["sha256"] == hashlib.sha256(written.read_bytes()).hexdigest()
    assert info["counts"]["pattern"] == info["counts"]["vector"] > 50 and info["bytes"] == written.stat().st_size
    assert info["git_commit"] is None and info["git_dirty"] is None and info["model"] == "hashing-256"
    # the same bytes as the CLI's export of the same store, and as a download
    with Brain.open(project, model="hashing") as brain:
        cli = Path(brain.export_snapshot(project.parent / "cli.jsonl")["path"]).read_bytes()
    assert cli == written.read_bytes()
    got = client.get("/v1/snapshot")
    assert got.status_code == 200 and got.headers["content-type"] == "application/jsonl"
    assert got.content == cli and got.headers["etag"] == f'"{info["sha256"]}"'
    assert got.headers["content-disposition"] == 'attachment; filename="app.snapshot.jsonl"'

    bare = client.post("/v1/snapshot/export", json={"path": "team/brain.jsonl", "vectors": False}).json()
    assert bare["path"] == "team/brain.jsonl" and bare["counts"]["vector"] == 0 and bare["model"] is None
    assert (project / "team" / "brain.jsonl").read_bytes() == client.get("/v1/snapshot?vectors=false").content
    inside = client.post("/v1/snapshot/export", json={"path": str(project / "abs.jsonl")})
    assert inside.status_code == 200 and inside.json()["path"] == "abs.jsonl"
    named = client.post("/v1/snapshot/export", json={"path": "~no-such-user-here/x.jsonl"})  # a plain name
    assert named.status_code == 200 and (project / "~no-such-user-here" / "x.jsonl").is_file()


def test_paths_that_leave_the_project_are_refused(client, project, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.jsonl"
    victim.write_text("keep me\n")
    os.symlink(outside, project / "link")
    os.symlink(victim, project / "victim.jsonl")
    for path in (
        "../escape.jsonl",
        str(outside / "x.jsonl"),
        "link/x.jsonl",
        "victim.jsonl",
        "app/../../x.jsonl",
        "~/x.jsonl",
    ):
        problem(client.post("/v1/snapshot/export", json={"path": path}), 403, "outside the project")
    assert sorted(p.name for p in outside.iterdir()) == ["victim.jsonl"] and victim.read_text() == "keep me\n"
    assert not (tmp_path / "escape.jsonl").exists() and not (tmp_path / "x.jsonl").exists()

    # a valid snapshot outside, reached through a symlink, is still outside
    with Brain.open(project, model="hashing") as brain:
        brain.export_snapshot(outside / "team.jsonl")
    os.symlink(outside / "team.jsonl", project / "team-link.jsonl")
    for path in ("team-link.jsonl", "link/team.jsonl", str(outside / "team.jsonl"), "../outside/team.jsonl"):
        problem(client.post("/v1/snapshot/import", json={"path": path}), 403, "outside the project")
        problem(client.post("/v1/snapshot/diff", json={"a": path}), 403, "outside the project")
        problem(client.post("/v1/snapshot/diff", json={"a": ".brain/snapshot.jsonl", "b": path}), 403)


def test_export_never_overwrites_what_is_not_a_snapshot(client, project):
    main = project / "app" / "main.py"
    before = main.read_bytes()
    problem(client.post("/v1/snapshot/export", json={"path": "app/main.py"}), 422, ".jsonl")
    data = project / "data.jsonl"
    data.write_text('{"event": "signup"}\n')
    problem(client.post("/v1/snapshot/export", json={"path": "data.jsonl"}), 409, "not a memorybrain snapshot")
    (project / "folder.jsonl").mkdir()
    problem(client.post("/v1/snapshot/export", json={"path": "folder.jsonl"}), 409, "not a regular file")
    problem(client.post("/v1/snapshot/export", json={"path": "data.jsonl/x.jsonl"}), 409, "in the way")
    assert main.read_bytes() == before and data.read_text() == '{"event": "signup"}\n'
    problem(client.post("/v1/snapshot/export", json={"path": "x.jsonl", "extra": 1}), 422)
    problem(client.post("/v1/snapshot/export", json={"path": "bad\u0000.jsonl"}), 422)


# ---------------------------------------------------------------------- import


@pytest.fixture
def team_snapshot(project, tmp_path) -> Path:
    """A teammate's snapshot with a rule, a pin, a fact and a note, committed inside this project."""
    mate = tmp_path / "mate" / "app"
    shutil.copytree(project, mate)
    with Brain.open(mate, model="hashing") as brain:
        brain.rule_add(RULE)
        brain.pin(GET_USER)
        brain.note(GET_USER, "the team's note")
        brain.fact_set("database:postgresql", "16")
        return Path(brain.export_snapshot(project / "team" / "snapshot.jsonl")["path"])


def test_import_merges_the_teams_curation(client, project, team_snapshot):
    client.post("/v1/curation/note", json={"id": GET_USER, "text": "my note"})
    r = client.post("/v1/snapshot/import", json={"path": "team/snapshot.jsonl"})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["mode"] == "merge" and report["index"] == "local" and report["vectors"] == "local"
    assert report["added"] == {"curation": 0, "exclusions": 0, "rules": 1, "facts": 1}
    assert report["conflicts"] == [
        {"type": "curation", "id": GET_USER, "field": "pinned", "local": False, "snapshot": True, "kept": "local"},
        {
            "type": "curation",
            "id": GET_USER,
            "field": "note",
            "local": "my note",
            "snapshot": "the team's note",
            "kept": "local",
        },
    ]
    cur = client.get("/v1/curation").json()
    assert [r["text"] for r in cur["rules"]] == [RULE] and cur["facts"][0]["key"] == "database:postgresql"
    doc = client.post("/v1/context", json={"request": "Add CRUD endpoints for notifications", "format": "json"})
    assert doc.json()["conventions"][0]["statement"] == RULE  # the query side sees the import at once
    again = client.post("/v1/snapshot/import", json={"path": "team/snapshot.jsonl"}).json()
    assert again["added"] == {"curation": 0, "exclusions": 0, "rules": 0, "facts": 0}

    replaced = client.post("/v1/snapshot/import", json={"path": "team/snapshot.jsonl", "mode": "replace"}).json()
    assert replaced["mode"] == "replace" and replaced["index"] == "snapshot" and replaced["conflicts"] == []
    pins = client.get("/v1/curation").json()["pins"]
    assert [p["id"] for p in pins] == [GET_USER]


def test_upload_imports_the_request_body(client, project, team_snapshot):
    data = team_snapshot.read_bytes()
    r = client.post("/v1/snapshot/upload", content=data, headers={"Content-Type": "application/jsonl"})
    assert r.status_code == 200, r.text and r.json()["added"]["rules"] == 1
    assert [x["text"] for x in client.get("/v1/curation").json()["rules"]] == [RULE]
    r = client.post(
        "/v1/snapshot/upload?mode=replace",
        content=data,
        headers={"Content-Type": "application/x-ndjson; charset=utf-8"},
    )
    assert r.status_code == 200 and r.json()["mode"] == "replace"


def test_a_bad_snapshot_changes_nothing(client, project, team_snapshot):
    before = store_dump(project)
    data = team_snapshot.read_bytes()
    problem(
        client.post("/v1/snapshot/upload", content=data[:-40], headers={"Content-Type": "application/jsonl"}),
        422,
        "checksum mismatch",
    )
    problem(
        client.post("/v1/snapshot/upload", content=b"", headers={"Content-Type": "application/jsonl"}), 422, "empty"
    )
    problem(
        client.post("/v1/snapshot/upload", content=data, headers={"Content-Type": "text/plain"}),
        415,
        "application/jsonl",
    )
    problem(client.post("/v1/snapshot/upload", json={"path": "team/snapshot.jsonl"}), 415)
    problem(
        client.post("/v1/snapshot/upload?mode=sideways", content=data, headers={"Content-Type": "application/jsonl"}),
        422,
        "mode",
    )
    (project / "bad.jsonl").write_bytes(data[:-40])
    problem(client.post("/v1/snapshot/import", json={"path": "bad.jsonl"}), 422, "checksum mismatch")
    problem(client.post("/v1/snapshot/import", json={"path": "missing.jsonl"}), 404, "no such file")
    problem(client.post("/v1/snapshot/import", json={"path": "app"}), 404, "not a file")
    problem(client.post("/v1/snapshot/import", json={"path": "team/snapshot.jsonl", "mode": "x"}), 422)
    assert store_dump(project) == before


def test_request_size_limits(project, team_snapshot):
    data = team_snapshot.read_bytes()
    assert len(data) > 64 * 1024  # bigger than any other body may be, yet accepted as an upload
    with make_client(project=project, max_snapshot_bytes=len(data) - 1) as c:
        problem(
            c.post("/v1/snapshot/upload", content=data, headers={"Content-Type": "application/jsonl"}),
            413,
            f"limit of {len(data) - 1} bytes",
        )
        problem(
            c.post(
                "/v1/snapshot/diff",
                content=json.dumps({"a": "x" * 70_000}),
                headers={"Content-Type": "application/json"},
            ),
            413,
            "limit of 65536 bytes",
        )
        ok = c.post("/v1/snapshot/upload", content=data[: 64 * 1024], headers={"Content-Type": "application/jsonl"})
        problem(ok, 422, "checksum")  # within the limit: read, and refused for what it is


def test_import_waits_for_no_index_job_and_blocks_new_ones(client, project, team_snapshot):
    service = client.app.state.service
    release = threading.Event()
    service.jobs._run = lambda job: (release.wait(30), {})[1]  # a job that runs until released
    job = client.post("/v1/index")
    assert job.status_code == 202
    try:
        problem(client.post("/v1/snapshot/import", json={"path": "team/snapshot.jsonl"}), 409, "still running")
        problem(
            client.post(
                "/v1/snapshot/upload", content=team_snapshot.read_bytes(), headers={"Content-Type": "application/jsonl"}
            ),
            409,
            "still running",
        )
    finally:
        release.set()
    assert service.jobs.get(job.json()["id"]).wait(30)
    with service.jobs.exclusive("a snapshot import"):
        problem(client.post("/v1/index"), 409, "a snapshot import is running")
    assert client.post("/v1/snapshot/import", json={"path": "team/snapshot.jsonl"}).status_code == 200


def test_a_project_not_indexed_yet_takes_its_index_from_a_snapshot(project, tmp_path):
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    with Brain.open(project, model="hashing") as brain:
        brain.rule_add(RULE)
        brain.export_snapshot(fresh / "team.jsonl")
    with make_client(project=fresh) as c:
        problem(c.post("/v1/context", json={"request": "Add CRUD endpoints"}), 503, "not been indexed")
        r = c.post("/v1/snapshot/import", json={"path": "team.jsonl"})
        assert r.status_code == 200 and r.json()["index"] == "snapshot" and r.json()["vectors"] == "from snapshot"
        doc = c.post("/v1/context", json={"request": "Add CRUD endpoints for notifications", "format": "json"})
        assert doc.status_code == 200 and doc.json()["exemplars"] and doc.json()["conventions"][0]["statement"] == RULE
        assert c.get("/v1/health").json()["ready"] is True


# ---------------------------------------------------------------------- diff


def test_diff_between_files_and_against_the_store_now(client, project):
    assert client.post("/v1/snapshot/export", json={"path": "before.jsonl"}).status_code == 200
    same = client.post("/v1/snapshot/diff", json={"a": "before.jsonl"}).json()
    assert same["identical"] is True and same["text"].endswith("no differences\n")
    client.post("/v1/curation/rules", json={"text": RULE})
    client.post("/v1/curation/pin", json={"id": GET_USER})
    d = client.post("/v1/snapshot/diff", json={"a": "before.jsonl"}).json()
    assert d["identical"] is False and d["rules"] == {"added": [RULE], "removed": []}
    assert d["curation"] == [
        {
            "id": GET_USER,
            "qualname": "get_current_user",
            "path": "app/api/deps.py",
            "field": "pinned",
            "from": False,
            "to": True,
        }
    ]
    assert f"+ rule: {RULE}" in d["text"] and d["from"]["project"] == d["to"]["project"] == "app"
    client.post("/v1/snapshot/export", json={"path": "after.jsonl"})
    files = client.post("/v1/snapshot/diff", json={"a": "before.jsonl", "b": "after.jsonl"}).json()
    assert files == d
    problem(client.post("/v1/snapshot/diff", json={"a": "nope.jsonl"}), 404, "no such file")
    problem(client.post("/v1/snapshot/diff", json={}), 422)


# ---------------------------------------------------------------------- read-only servers


def test_a_snapshot_server_serves_and_diffs_but_never_writes(project, tmp_path):
    folder = tmp_path / "ci"
    folder.mkdir()
    with Brain.open(project, model="hashing") as brain:
        brain.rule_add(RULE)
        snap = Path(brain.export_snapshot(folder / "team.jsonl")["path"])
    shutil.rmtree(project)
    before = sorted(tmp_path.rglob("*"))
    with make_client(snapshot=snap) as c:
        assert c.get("/v1/snapshot").content == snap.read_bytes()  # the same file, rebuilt from memory
        d = c.post("/v1/snapshot/diff", json={"a": "team.jsonl"}).json()  # paths: the snapshot's folder
        assert d["identical"] is True
        problem(c.post("/v1/snapshot/export", json={}), 409, "read-only")
        problem(c.post("/v1/snapshot/import", json={"path": "team.jsonl"}), 409, "read-only")
        problem(
            c.post("/v1/snapshot/upload", content=snap.read_bytes(), headers={"Content-Type": "application/jsonl"}),
            409,
            "read-only",
        )
        problem(c.post("/v1/snapshot/diff", json={"a": "../elsewhere.jsonl"}), 403)
    assert sorted(tmp_path.rglob("*")) == before
