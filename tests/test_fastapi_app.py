"""Integration: the FastAPI fixture app indexed with the real model into a real SQLite file.

Ground truth: tests/fixtures/README.md.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def _routes(brain):
    return {p.meta["handler"]: p for p in brain.patterns(kind="route")}


def test_routes_have_methods_and_full_paths(fastapi_brain):
    routes = _routes(fastapi_brain)
    assert len(routes) == 17
    expected = {
        "health_check": (["GET"], "/health"),
        "login_for_access_token": (["POST"], "/api/v1/auth/token"),
        "list_users": (["GET"], "/api/v1/users/"),
        "get_user": (["GET"], "/api/v1/users/{user_id}"),
        "join_channel": (["POST"], "/api/v1/channels/{channel_id}/members"),
        "list_messages": (["GET"], "/api/v1/messages/"),
        "create_message": (["POST"], "/api/v1/messages/"),
        "update_message": (["PATCH"], "/api/v1/messages/{message_id}"),
        "delete_message": (["DELETE"], "/api/v1/messages/{message_id}"),
    }
    for handler, (methods, path) in expected.items():
        assert routes[handler].meta["methods"] == methods, handler
        assert routes[handler].meta["full_path"] == path, handler
    create = routes["create_message"]
    assert create.meta["status_code"] == 201
    assert create.meta["response_model"] == "MessageOut"
    assert create.path == "app/api/routes/messages.py"
    assert (create.start_line, create.end_line) == (43, 55)
    assert "get_current_user" in create.meta["dependencies"]  # through the CurrentUser alias
    assert create.summary.startswith("POST /api/v1/messages/ → create_message")


def test_auth_convention_with_count(fastapi_brain):
    conventions = {c["key"]: c for c in fastapi_brain.conventions()}
    auth = conventions["auth"]
    assert auth["data"]["name"] == "get_current_user"
    assert (auth["data"]["count"], auth["data"]["total"]) == (14, 17)
    assert "CurrentUser" in auth["statement"]
    assert sorted(auth["data"]["public"]) == ["GET /health", "POST /api/v1/auth/token"]
    deps = {p.name: p for p in fastapi_brain.patterns(kind="dependency")}
    assert deps["get_current_user"].usage == 14
    assert deps["get_db"].usage == 15


def test_error_style_and_shape(fastapi_brain):
    conventions = {c["key"]: c for c in fastapi_brain.conventions()}
    errors = conventions["errors"]
    assert errors["data"]["base"] == "AppError"
    assert errors["data"]["handler"] == "app_error_handler"
    assert errors["data"]["shape"] == '{"error": {"code", "message"}}'
    assert "IntegrityError" in conventions["errors:db"]["statement"]
    exceptions = {p.name: p for p in fastapi_brain.patterns(kind="exception")}
    assert set(exceptions) >= {
        "AppError",
        "NotFoundError",
        "PermissionDeniedError",
        "ConflictError",
        "AuthError",
    }
    assert exceptions["PermissionDeniedError"].usage >= 4


def test_error_form_convention_as_code(fastapi_brain):
    form = next(c for c in fastapi_brain.conventions() if c["key"] == "errors:form")
    # raised in 4 handlers (channels.py:90, messages.py:50/74/86); the others in helpers
    assert form["statement"].startswith("errors are signalled as `raise PermissionDeniedError(...)` (4 of 17")
    assert form["data"]["form"] == "raise PermissionDeniedError(...)"
    assert "raise AuthError(..., code=...)" in form["data"]["others"]


def test_models_schemas_pagination_tests(fastapi_brain):
    models = {p.name: p for p in fastapi_brain.patterns(kind="model")}
    assert {"User", "Channel", "Message"} <= set(models)
    rels = {r["name"]: r["target"] for r in models["Message"].meta["relationships"]}
    assert rels.get("channel") == "Channel"
    schemas = {p.name for p in fastapi_brain.patterns(kind="schema")}
    assert {"MessageCreate", "MessageUpdate", "MessageOut"} <= schemas
    pagination = {p.name: p for p in fastapi_brain.patterns(kind="pagination")}
    assert pagination["paginate"].usage == 3
    tests = [p for p in fastapi_brain.patterns(kind="test") if p.meta.get("requests")]
    assert any(r["method"] == "DELETE" for t in tests for r in t.meta["requests"])


def test_stack_facts_have_sources(fastapi_brain):
    facts = {f.name: f for f in fastapi_brain.facts()}
    assert facts["FastAPI"].value == "0.115.2"
    assert facts["FastAPI"].source == "pyproject.toml:11"
    assert facts["SQLAlchemy"].source == "pyproject.toml:12"
    assert facts["PyJWT"].category == "auth"
    assert facts["Alembic"].category == "migrations"
    assert facts["pytest"].category == "testing"
    assert facts["Python"].value == ">=3.11"


def test_planted_secrets_are_redacted_everywhere(fastapi_brain):
    store = fastapi_brain.store
    dump = "\n".join(
        str(row)
        for table in ("patterns", "files", "facts", "conventions")
        for row in store.db.execute(f"SELECT * FROM {table}")
    )
    assert "S3cretPassw0rd" not in dump
    assert "dev-4f9a8c1e7b2d6a3f9e8d7c6b5a4f3e2d" not in dump
    assert "prod-9a8b7c6d5e4f3a2b1c0d" not in dump
    indexed = {r["path"] for r in store.files()}
    assert ".env" not in indexed
    raw = store.path.read_bytes()
    assert b"S3cretPassw0rd" not in raw


def test_pack_for_notifications(fastapi_brain):
    pack = fastapi_brain.context("Add CRUD endpoints for notifications", budget=4000)
    md = pack.to_markdown()
    assert pack.tokens <= 4000
    assert (len(md) + 3) // 4 == pack.tokens
    # sections in their fixed order
    positions = [md.index(h) for h in ("## Stack", "## Conventions", "## Exemplars", "## Checklist")]
    assert positions == sorted(positions)
    # the closest resource is messages, shown as a CRUD set with provenance
    first = pack.exemplars[0]
    assert first.pattern.path == "app/api/routes/messages.py"
    methods = {m for e in pack.exemplars if e.role == "closest resource" for m in e.pattern.meta["methods"]}
    assert {"GET", "POST", "PATCH", "DELETE"} <= methods
    assert "app/api/routes/messages.py:43-55" in md
    # the conventions, stated with evidence
    assert "14 of 17 handlers" in md
    assert '{"error": {"code", "message"}}' in md
    # the definitions an assistant must copy
    names = {e.pattern.name for e in pack.exemplars}
    assert {"get_current_user", "app_error_handler", "AppError", "paginate"} <= names
    assert "MessageOut" in names or "MessageCreate" in names
    assert any(e.pattern.kind == "test" and e.pattern.path == "tests/test_messages.py" for e in pack.exemplars)
    # checklist answered the way this project does it
    checklist = {c.key: c for c in pack.checklist}
    assert all(c.found for c in checklist.values())
    assert "get_current_user" in checklist["auth"].answer
    assert "IntegrityError" in checklist["db_errors"].answer
    assert "limiter.limit" in checklist["rate_limit"].answer


@pytest.mark.parametrize("budget", [600, 1500, 4000, 8000])
def test_pack_never_exceeds_budget(fastapi_brain, budget):
    for fmt in ("md", "json"):
        pack = fastapi_brain.context("Add CRUD endpoints for notifications", budget=budget, fmt=fmt)
        assert (len(pack.render(fmt)) + 3) // 4 <= budget


def test_trimming_is_visible_and_on_line_boundaries(fastapi_brain):
    pack = fastapi_brain.context("Add CRUD endpoints for notifications", budget=1500)
    for ex in pack.exemplars:
        original = ex.pattern.code.splitlines()
        shown = ex.code.splitlines()
        if ex.trimmed_lines:
            assert shown[-1].strip().startswith("# …") and ex.pattern.location in shown[-1]
            assert shown[:-1] == original[: len(shown) - 1]
        else:
            assert shown == original


def test_pack_json_schema(fastapi_brain):
    import json

    data = json.loads(fastapi_brain.context("Add CRUD endpoints for notifications", fmt="json").to_json())
    assert data["schema"] == "memorybrain.pack/1"
    assert set(data) >= {
        "request",
        "budget",
        "tokens",
        "token_counting",
        "stack",
        "conventions",
        "exemplars",
        "checklist",
        "omitted",
    }
    ex = data["exemplars"][0]
    assert set(ex) >= {"id", "role", "kind", "path", "start_line", "end_line", "location", "code"}
    assert data["stack"][0]["source"]


def test_library_search_ranks_pages_and_filters(fastapi_brain):
    found, more = fastapi_brain.search("join a channel", limit=3)
    assert len(found) == 3 and more
    assert found[0][0].kind == "route" and "channel" in found[0][0].path
    assert [s for _p, s in found] == sorted((s for _p, s in found), reverse=True)
    page2, _ = fastapi_brain.search("join a channel", limit=3, offset=3)
    assert not {p.id for p, _ in found} & {p.id for p, _ in page2}
    schemas, _ = fastapi_brain.search("channel", kind="schema", limit=5)
    assert schemas and all(p.kind == "schema" for p, _ in schemas)
    from memorybrain.errors import RequestError

    with pytest.raises(RequestError):
        fastapi_brain.search("   ")
