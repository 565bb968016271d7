"""Integration: the Flask-RESTX fixture app indexed with the real model into a real SQLite file.

Ground truth: tests/fixtures/README.md (section 4, `restx_app/`).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def test_routes_with_full_paths(restx_brain):
    routes = {p.qualname: p for p in restx_brain.patterns(kind="route")}
    assert {q: (r.meta["methods"], r.meta["full_path"]) for q, r in routes.items()} == {
        "ProjectList.get": (["GET"], "/api/v1/projects/"),
        "ProjectList.post": (["POST"], "/api/v1/projects/"),
        "ProjectItem.get": (["GET"], "/api/v1/projects/<int:project_id>"),
        "ProjectItem.put": (["PUT"], "/api/v1/projects/<int:project_id>"),
        "ProjectItem.delete": (["DELETE"], "/api/v1/projects/<int:project_id>"),
        "TaskList.get": (["GET"], "/api/v1/tasks/"),
        "TaskList.post": (["POST"], "/api/v1/tasks/"),
        "TaskDone.post": (["POST"], "/api/v1/tasks/<int:task_id>/done"),
    }
    assert all(r.meta["framework"] == "flask-restx" for r in routes.values())
    assert routes["ProjectList.post"].meta["status_code"] == 201
    assert routes["TaskDone.post"].meta["status_code"] is None


def test_auth_validation_and_error_conventions(restx_brain):
    conventions = {c["key"]: c for c in restx_brain.conventions()}
    auth = conventions["auth"]
    assert (auth["data"]["form"], auth["data"]["count"], auth["data"]["total"]) == ("@token_required", 8, 8)
    validation = conventions["validation"]
    assert validation["data"]["library"] == "flask-restx"
    assert set(validation["data"]["schemas"]) == {"project_input", "task"}
    assert set(validation["data"]["outputs"]) == {"project", "task"}
    assert validation["data"]["count"] == 7
    assert conventions["errors:shape"]["data"]["shape"] == '{"error": {"code", "message"}}'
    # documentation decorators are not what guards a delete
    assert "ns.response" not in conventions["deletes"]["statement"]
    schemas = {p.name: p for p in restx_brain.patterns(kind="schema")}
    assert schemas["project"].usage == 4 and schemas["project_input"].usage == 2


def test_pack_for_notifications(restx_brain):
    pack = restx_brain.context("Add CRUD endpoints for notifications", budget=4000)
    md = pack.to_markdown()
    assert pack.tokens <= 4000
    closest = [e for e in pack.exemplars if e.role == "closest resource"]
    assert closest and closest[0].pattern.path == "taskboard/api/projects.py"
    methods = {m for e in closest for m in e.pattern.meta["methods"]}
    assert methods == {"GET", "POST", "PUT", "DELETE"}
    names = {e.pattern.name for e in pack.exemplars}
    assert {"token_required", "project_input", "project"} <= names
    assert "@token_required" in md and "8 of 8 handlers" in md
