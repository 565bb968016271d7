"""Curation over HTTP (`/v1/curation/...`) and `brain serve --snapshot` (read-only)."""

from __future__ import annotations

import pytest
from conftest import BASE, FASTAPI_APP, copy_app, problem
from fastapi.testclient import TestClient

from memorybrain import Brain
from memorybrain.models import pattern_id
from server.app import create_app
from server.settings import ServerSettings

REQUEST = "Add CRUD endpoints for notifications"
GET_USER = pattern_id("app/api/deps.py", "get_current_user", "dependency")


@pytest.fixture
def project(tmp_path):
    root = copy_app(FASTAPI_APP, tmp_path / "app")
    with Brain.open(root, model="hashing") as brain:
        brain.index()
    return root


@pytest.fixture
def client(project):
    with TestClient(create_app(ServerSettings(project=project, model="hashing")), base_url=BASE) as c:
        yield c


def test_curation_endpoints_change_what_packs_show(client):
    r = client.post("/v1/curation/pin", json={"id": GET_USER})
    assert r.status_code == 200 and r.json()["pinned"] is True and r.json()["qualname"] == "get_current_user"
    assert client.post("/v1/curation/note", json={"id": GET_USER, "text": "the one"}).json()["changed"]
    r = client.post("/v1/curation/exclude", json={"target": "app/api/routes/channels.py"})
    assert r.json() == {
        "changed": True,
        "detail": {
            "kind": "glob",
            "target": "app/api/routes/channels.py",
            "changed": True,
            "patterns": r.json()["detail"]["patterns"],
        },
    }
    rule = client.post("/v1/curation/rules", json={"text": "All new endpoints use @rate_limit"}).json()
    fact = client.post("/v1/curation/facts", json={"key": "database:postgresql", "value": "16"}).json()
    assert fact["origin"] == "team" and fact["value"] == "16"

    cur = client.get("/v1/curation").json()
    assert [p["id"] for p in cur["pins"]] == [GET_USER] and cur["exclusion_globs"] == ["app/api/routes/channels.py"]
    assert cur["rules"] == [rule] and cur["facts"][0]["key"] == "database:postgresql" and cur["stale_pins"] == []

    doc = client.post("/v1/context", json={"request": REQUEST, "format": "json"}).json()
    assert doc["conventions"][0]["origin"] == "team" and doc["stack"][0]["origin"] == "team"
    assert all(e["path"] != "app/api/routes/channels.py" for e in doc["exemplars"])
    pinned = [e for e in doc["exemplars"] if e["team_approved"]]
    assert [e["id"] for e in pinned] == [GET_USER] and pinned[0]["note"] == "the one"
    assert {u["type"] for u in doc["curation"]["used"]} == {"pin", "rule", "fact", "note"}

    assert client.post("/v1/curation/unpin", json={"id": GET_USER}).json()["changed"] is True
    assert client.post("/v1/curation/include", json={"target": "app/api/routes/channels.py"}).json()["changed"]
    remove = {"id": rule["id"]}
    assert client.post("/v1/curation/rules/remove", json=remove).json() == {"changed": True, "detail": rule}
    assert client.post("/v1/curation/rules/remove", json=remove).json() == {"changed": False, "detail": None}
    assert client.post("/v1/curation/facts/unset", json={"key": "database:postgresql"}).json()["changed"]


def test_curation_errors_are_problems(client):
    problem(client.post("/v1/curation/pin", json={"id": "nope"}), 422)
    problem(client.post("/v1/curation/pin", json={"id": "000000000000"}), 404, "no pattern with id")
    problem(client.post("/v1/curation/rules", json={"text": "   "}), 422)
    problem(client.post("/v1/curation/facts", json={"key": "Bad Key!", "value": "x"}), 422, "key")
    assert client.post("/v1/curation/include", json={"target": "never/**"}).json()["changed"] is False
    problem(client.post("/v1/curation/exclude", json={"target": "!"}), 422)
    problem(client.post("/v1/curation/exclude", json={"target": "000000000000"}), 404, "no pattern with id")
    problem(client.post("/v1/curation/note", json={"id": GET_USER, "text": "x", "extra": 1}), 422)


def test_serving_a_snapshot_alone_is_read_only(project, tmp_path):
    with Brain.open(project, model="hashing") as brain:
        brain.rule_add("All new endpoints use @rate_limit")
        brain.pin(GET_USER)
        snap = brain.export_snapshot(tmp_path / "team.jsonl")["path"]
        expected = brain.context(REQUEST, budget=3000).to_markdown()
    import shutil

    shutil.rmtree(project)
    app = create_app(ServerSettings(snapshot=snap, model="hashing"))
    with TestClient(app, base_url=BASE) as c:
        health = c.get("/v1/health").json()
        assert health["ready"] and health["read_only"] and health["project"] == "app"
        r = c.post("/v1/context", json={"request": REQUEST, "budget": 3000}, headers={"Accept": "text/markdown"})
        assert r.status_code == 200 and r.text == expected
        assert c.get("/v1/curation").json()["rules"][0]["text"] == "All new endpoints use @rate_limit"
        assert c.get("/v1/patterns", params={"kind": "dependency"}).json()["total"] >= 3
        for path, body in (
            ("/v1/curation/pin", {"id": GET_USER}),
            ("/v1/curation/rules", {"text": "x"}),
            ("/v1/curation/exclude", {"target": "app/**"}),
        ):
            problem(c.post(path, json=body), 409, "read-only")
        problem(c.post("/v1/index"), 409, "read-only")
    assert not project.exists()


def test_a_bad_snapshot_is_refused_before_the_server_starts(tmp_path):
    from memorybrain.errors import SnapshotError

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"schema": "memorybrain.snapshot/9"}\n')
    with pytest.raises(SnapshotError, match="newer than this brain reads"):
        create_app(ServerSettings(snapshot=bad, model="hashing"))


def test_mcp_from_a_snapshot_alone_is_read_only(project, tmp_path):
    import sys
    from pathlib import Path

    import anyio
    from mcp import Client, StdioServerParameters

    with Brain.open(project, model="hashing") as brain:
        brain.rule_add("All new endpoints use @rate_limit")
        snap = brain.export_snapshot(tmp_path / "team.jsonl")["path"]
    import shutil

    shutil.rmtree(project)
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "cli.main", "mcp", "--snapshot", snap, "--model", "hashing"],
        cwd=str(Path(__file__).resolve().parents[1]),
    )

    def text(result) -> str:
        return "".join(c.text for c in result.content if getattr(c, "type", "") == "text")

    async def session() -> None:
        async with Client(params, read_timeout_seconds=60) as client:
            ctx = await client.call_tool("get_context", {"request": REQUEST, "budget": 2000})
            assert not ctx.is_error and "All new endpoints use @rate_limit — team rule" in text(ctx)
            refused = await client.call_tool("reindex", {})
            assert refused.is_error and "read-only" in text(refused)

    anyio.run(session)


def test_curation_while_an_index_job_runs_is_kept(client, project):
    (project / "app" / "api" / "deps.py").write_text(
        (project / "app" / "api" / "deps.py").read_text() + "\n\ndef extra_helper():\n    return 1\n"
    )
    job = client.post("/v1/index")
    assert job.status_code == 202
    r = client.post("/v1/curation/pin", json={"id": GET_USER})
    assert r.status_code == 200, r.text
    assert client.post("/v1/curation/rules", json={"text": "Written during an index"}).status_code == 200
    assert client.post("/v1/curation/facts", json={"key": "framework:fastapi", "value": "team says 0.115"}).is_success
    import time

    deadline = time.monotonic() + 60
    while client.get(job.headers["Location"]).json()["state"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert client.get(job.headers["Location"]).json()["state"] == "succeeded"
    cur = client.get("/v1/curation").json()
    assert [p["id"] for p in cur["pins"]] == [GET_USER] and cur["rules"][0]["text"] == "Written during an index"
    facts = {f["name"]: f for f in client.get("/v1/facts", params={"limit": 200}).json()["items"]}
    assert facts["fastapi"]["value"] == "team says 0.115" and facts["fastapi"]["origin"] == "team"
