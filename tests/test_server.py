"""The HTTP API with TestClient: every endpoint, every error, with the real model and store."""

from __future__ import annotations

import time

import pytest
from conftest import FASTAPI_APP, copy_app
from fastapi.testclient import TestClient

from memorybrain import Brain
from memorybrain.models import PATTERN_KINDS
from server.app import create_app
from server.deps import encode_cursor
from server.schemas import Kind
from server.settings import MAX_BUDGET, MAX_LIMIT, MAX_REQUEST_CHARS, MAX_TEXT_CHARS, ServerSettings

BASE = "http://127.0.0.1:8765"
PROBLEM = "application/problem+json"
REQUEST = "Add CRUD endpoints for notifications"

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def project(tmp_path_factory, real_encoder):
    root = copy_app(FASTAPI_APP, tmp_path_factory.mktemp("server") / "app")
    with Brain.open(root, encoder=real_encoder) as brain:
        brain.index()
    return root


@pytest.fixture(scope="module")
def client(project, real_encoder):
    app = create_app(ServerSettings(project=project), encoder=real_encoder)
    with TestClient(app, base_url=BASE) as c:
        yield c


def assert_problem(response, status: int, *words: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status and body["type"].startswith("urn:memorybrain:problem:")
    for word in words:
        assert word in body["detail"], body
    return body


def field_names(body: dict) -> list[str]:
    return [e["field"] for e in body["errors"]]


# ---------------------------------------------------------------------- /v1/context


def test_context_markdown_is_the_same_pack_as_the_cli(client, project, real_encoder):
    r = client.post("/v1/context", json={"request": REQUEST, "budget": 4000})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["format"] == "md" and body["budget"] == 4000 and body["request"] == REQUEST
    with Brain.open(project, encoder=real_encoder) as brain:
        expected = brain.context(REQUEST, budget=4000).to_markdown()
    assert body["content"] == expected
    assert body["tokens"] <= 4000
    assert "## Conventions" in body["content"] and "## Exemplars" in body["content"]


def test_context_bare_markdown_with_accept_header(client):
    r = client.post("/v1/context", json={"request": REQUEST}, headers={"Accept": "text/markdown"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
    assert r.text.startswith(f"# Context pack: {REQUEST}")


def test_context_json_is_the_pack_document(client):
    r = client.post("/v1/context", json={"request": REQUEST, "budget": 3000, "format": "json"})
    assert r.status_code == 200
    pack = r.json()
    assert pack["schema"] == "memorybrain.pack/1" and pack["budget"] == 3000
    assert pack["tokens"] <= 3000 and pack["exemplars"]
    assert all("location" in e and "code" in e for e in pack["exemplars"])


def test_context_kinds_filter(client):
    r = client.post("/v1/context", json={"request": REQUEST, "format": "json", "kinds": ["schema"]})
    assert r.status_code == 200
    assert {e["kind"] for e in r.json()["exemplars"]} == {"schema"}


@pytest.mark.parametrize(
    ("body", "fields", "words"),
    [
        ({"request": REQUEST, "budget": MAX_BUDGET + 1}, ["budget"], [str(MAX_BUDGET)]),
        ({"request": REQUEST, "budget": 10}, ["budget"], ["200"]),
        ({"request": "x" * (MAX_REQUEST_CHARS + 1)}, ["request"], [str(MAX_REQUEST_CHARS)]),
        ({"request": ""}, ["request"], []),
        ({"request": "   "}, ["request"], ["must say what to build"]),
        ({"request": REQUEST, "format": "html"}, ["format"], ["md"]),
        ({"request": REQUEST, "kinds": ["route", "nope"]}, ["kinds[1]"], []),
        ({"request": REQUEST, "kinds": ["route"] * 13}, ["kinds"], ["12"]),
        ({"request": REQUEST, "surprise": 1}, ["surprise"], []),
        ({"budget": 4000}, ["request"], ["Field required"]),
        ({"request": 42}, ["request"], []),
    ],
)
def test_context_validation_names_the_field_and_limit(client, body, fields, words):
    problem = assert_problem(client.post("/v1/context", json=body), 422, *words)
    assert field_names(problem) == fields
    assert all(f in problem["detail"] for f in fields)
    assert all(e["location"] == "body" for e in problem["errors"])


def test_context_invalid_json_and_missing_body(client):
    bad = client.post("/v1/context", content=b"{not json", headers={"Content-Type": "application/json"})
    assert field_names(assert_problem(bad, 422)) == ["body"]
    assert field_names(assert_problem(client.post("/v1/context"), 422)) == ["body"]


def test_body_size_limit(client):
    big = b'{"request": "' + b"x" * 70_000 + b'"}'
    problem = assert_problem(
        client.post("/v1/context", content=big, headers={"Content-Type": "application/json"}),
        413,
        "65536 bytes",
    )
    assert problem["title"] == "Request body too large"


def test_body_size_limit_while_streaming(client):
    def chunks():
        for _ in range(80):
            yield b"x" * 1024

    r = client.post("/v1/context", content=chunks(), headers={"Content-Type": "application/json"})
    assert_problem(r, 413, "65536 bytes")


# ---------------------------------------------------------------------- /v1/patterns


def test_patterns_filters_and_total(client):
    r = client.get("/v1/patterns", params={"kind": "route", "limit": 5})
    assert r.status_code == 200
    page = r.json()
    assert page["total"] == 17 and len(page["items"]) == 5 and page["page"] == 1
    assert all(p["kind"] == "route" for p in page["items"])
    by_path = client.get("/v1/patterns", params={"path": "app/core/pagination.py"}).json()
    assert by_path["total"] >= 1 and all(p["path"] == "app/core/pagination.py" for p in by_path["items"])
    by_text = client.get("/v1/patterns", params={"text": "paginate"}).json()
    assert any(p["name"] == "paginate" for p in by_text["items"])


def test_patterns_cursor_and_page_walk_the_same_list(client):
    everything = client.get("/v1/patterns", params={"limit": MAX_LIMIT}).json()
    total = everything["total"]
    assert everything["next_cursor"] is None and len(everything["items"]) == total
    seen, cursor = [], None
    while True:
        params = {"limit": 20, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/patterns", params=params).json()
        assert page["total"] == total
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [p["id"] for p in everything["items"]]
    page2 = client.get("/v1/patterns", params={"limit": 20, "page": 2}).json()
    assert [p["id"] for p in page2["items"]] == seen[20:40] and page2["offset"] == 20
    cursor_wins = client.get("/v1/patterns", params={"limit": 20, "page": 3, "cursor": encode_cursor(20)}).json()
    assert cursor_wins["offset"] == 20
    beyond = client.get("/v1/patterns", params={"limit": 20, "page": 99}).json()
    assert beyond["items"] == [] and beyond["next_cursor"] is None


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"limit": 0}, "limit", ["1"]),
        ({"limit": MAX_LIMIT + 1}, "limit", [str(MAX_LIMIT)]),
        ({"kind": "nope"}, "kind", ["route"]),
        ({"text": "x" * (MAX_TEXT_CHARS + 1)}, "text", [str(MAX_TEXT_CHARS)]),
        ({"cursor": "garbage!"}, "cursor", ["pattern"]),
        ({"page": 0}, "page", []),
    ],
)
def test_patterns_validation(client, params, field, words):
    problem = assert_problem(client.get("/v1/patterns", params=params), 422, *words)
    assert field_names(problem) == [field] and problem["errors"][0]["location"] == "query"


def test_pattern_by_id_and_unknown_id(client):
    first = client.get("/v1/patterns", params={"kind": "pagination", "limit": 1}).json()["items"][0]
    r = client.get(f"/v1/patterns/{first['id']}")
    assert r.status_code == 200
    detail = r.json()
    assert detail["id"] == first["id"] and ("def " in detail["code"] or "class " in detail["code"])
    assert isinstance(detail["meta"], dict) and detail["location"] == first["location"]
    assert_problem(client.get("/v1/patterns/0123456789ab"), 404, "0123456789ab")


def test_path_filter_never_reads_files(client):
    # a path is a filter over stored patterns, never a file to open
    r = client.get("/v1/patterns", params={"path": "../../../../etc/passwd"})
    assert r.status_code == 200 and r.json()["total"] == 0


# ---------------------------------------------------------------------- /v1/facts, /v1/health


def test_facts(client):
    r = client.get("/v1/facts")
    assert r.status_code == 200
    facts = r.json()
    assert facts["total"] == len(facts["items"]) > 5
    fastapi = next(f for f in facts["items"] if f["name"] == "FastAPI")
    assert fastapi["source"].startswith("pyproject.toml:") and fastapi["value"]
    assert client.get("/v1/facts", params={"limit": 2}).json()["next_cursor"]
    assert_problem(client.get("/v1/facts", params={"limit": 0}), 422)


def test_health(client):
    r = client.get("/v1/health")
    assert r.status_code == 200
    h = r.json()
    assert h["ready"] is True and h["status"] == "ok" and h["model_loaded"] is True
    assert h["model"] == "all-MiniLM-L6-v2" and h["schema_version"] >= 1
    assert h["patterns"] == 73 and h["files"] > 20 and h["last_indexed"]


# ---------------------------------------------------------------------- /v1/index


def wait_for(client, job_id: str, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/index/{job_id}").json()
        if job["state"] in ("succeeded", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def test_index_job_202_progress_and_409(client):
    r = client.post("/v1/index")
    assert r.status_code == 202
    job = r.json()
    assert r.headers["location"] == f"/v1/index/{job['id']}" and job["state"] in ("queued", "running")
    second = client.post("/v1/index")
    if second.status_code == 409:  # usually: the first one is still running
        assert_problem(second, 409, job["id"])
        done = wait_for(client, job["id"])
    else:  # the first one finished already (nothing changed): this is a new job
        assert second.status_code == 202
        wait_for(client, job["id"])
        done = wait_for(client, second.json()["id"])
    assert done["state"] == "succeeded" and done["error"] is None
    assert done["files_total"] > 20 and done["files_done"] == done["files_total"]
    assert done["report"]["unchanged"] == done["files_total"] and done["report"]["indexed"] == 0
    assert client.get("/v1/health").json()["index_job"]["state"] == "succeeded"


def test_unknown_job_is_404(client):
    assert_problem(client.get("/v1/index/nope"), 404, "nope")


# ---------------------------------------------------------------------- generic errors


def test_unknown_route_and_wrong_method_are_problems(client):
    assert_problem(client.get("/v2/context"), 404, "/v2/context")
    problem = assert_problem(client.get("/v1/context"), 405, "GET")
    assert problem["title"] == "Method Not Allowed"


def test_unexpected_error_is_a_problem_without_internals(project, real_encoder, monkeypatch):
    app = create_app(ServerSettings(project=project), encoder=real_encoder)
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as c:

        def boom(**kwargs):
            raise RuntimeError("secret internals")

        monkeypatch.setattr(app.state.service, "facts", boom)
        problem = assert_problem(c.get("/v1/facts"), 500)
        assert "secret" not in problem["detail"]


def test_not_indexed_is_503_and_health_says_why(tmp_path, real_encoder):
    root = copy_app(FASTAPI_APP, tmp_path / "fresh")
    app = create_app(ServerSettings(project=root), encoder=real_encoder)
    with TestClient(app, base_url=BASE) as c:
        health = c.get("/v1/health").json()
        assert health["ready"] is False and health["status"] == "not_indexed"
        assert "POST /v1/index" in health["detail"]
        for r in (
            c.post("/v1/context", json={"request": REQUEST}),
            c.get("/v1/patterns"),
            c.get("/v1/patterns/0123456789ab"),
            c.get("/v1/facts"),
        ):
            problem = assert_problem(r, 503, "not been indexed")
            assert problem["title"] == "Project not indexed" and r.headers["retry-after"]
        # and the index job makes it ready
        job = wait_for(c, c.post("/v1/index").json()["id"])
        assert job["state"] == "succeeded" and job["report"]["indexed"] > 20
        assert c.get("/v1/health").json()["ready"] is True
        assert c.post("/v1/context", json={"request": REQUEST}).status_code == 200


def test_model_unavailable_is_503(tmp_path):
    root = copy_app(FASTAPI_APP, tmp_path / "nomodel")
    settings = ServerSettings(project=root, model=str(tmp_path / "no-such-model"))
    with TestClient(create_app(settings), base_url=BASE) as c:
        health = c.get("/v1/health").json()
        assert health["status"] == "model_unavailable" and health["ready"] is False
        assert_problem(c.post("/v1/context", json={"request": REQUEST}), 503, "no-such-model")
        assert_problem(c.post("/v1/index"), 503, "no-such-model")


# ---------------------------------------------------------------------- OpenAPI


def test_openapi_documents_models_and_problems(client):
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    assert set(paths) == {
        "/v1/context",
        "/v1/patterns",
        "/v1/patterns/{pattern_id}",
        "/v1/facts",
        "/v1/index",
        "/v1/index/{job_id}",
        "/v1/health",
        "/v1/curation",
        "/v1/curation/pin",
        "/v1/curation/unpin",
        "/v1/curation/exclude",
        "/v1/curation/include",
        "/v1/curation/note",
        "/v1/curation/rules",
        "/v1/curation/rules/remove",
        "/v1/curation/facts",
        "/v1/curation/facts/unset",
        "/v1/snapshot",
        "/v1/snapshot/export",
        "/v1/snapshot/import",
        "/v1/snapshot/upload",
        "/v1/snapshot/diff",
    }
    components = schema["components"]["schemas"]
    assert {"ContextRequest", "ContextMarkdown", "PackDocument", "PatternPage", "Problem", "Health"} <= set(components)
    assert "HTTPValidationError" not in components
    ctx = paths["/v1/context"]["post"]["responses"]
    assert set(ctx["200"]["content"]) == {"application/json", "text/markdown"}
    for code in ("413", "422", "503"):
        assert list(ctx[code]["content"]) == [PROBLEM]
    assert "202" in paths["/v1/index"]["post"]["responses"] and "409" in paths["/v1/index"]["post"]["responses"]
    assert "404" in paths["/v1/patterns/{pattern_id}"]["get"]["responses"]
    assert client.get("/docs").status_code == 200


def test_kind_literal_matches_the_library():
    assert set(Kind.__args__) == set(PATTERN_KINDS)
