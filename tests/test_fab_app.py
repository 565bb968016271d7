"""Integration: the Flask-AppBuilder fixture app indexed with the real model into a real SQLite file.

Ground truth: tests/fixtures/README.md (section 3, `fab_app/`).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def test_routes_with_full_paths_and_methods(fab_brain):
    routes = {p.qualname: p for p in fab_brain.patterns(kind="route")}
    assert len(routes) == 25
    expected = {
        # TicketApi: ModelRestApi CRUD (info excluded) + two @expose handlers
        "TicketApi.get_list": (["GET"], "/api/v1/ticket/"),
        "TicketApi.get": (["GET"], "/api/v1/ticket/<int:pk>"),
        "TicketApi.post": (["POST"], "/api/v1/ticket/"),
        "TicketApi.put": (["PUT"], "/api/v1/ticket/<pk>"),
        "TicketApi.delete": (["DELETE"], "/api/v1/ticket/<pk>"),
        "TicketApi.assign": (["PUT"], "/api/v1/ticket/<int:pk>/assign"),
        "TicketApi.close": (["POST"], "/api/v1/ticket/<int:pk>/close"),
        # CommentApi: include_route_methods keeps four
        "CommentApi.get_list": (["GET"], "/api/v1/comment/"),
        "CommentApi.get": (["GET"], "/api/v1/comment/<int:pk>"),
        "CommentApi.post": (["POST"], "/api/v1/comment/"),
        "CommentApi.delete": (["DELETE"], "/api/v1/comment/<pk>"),
        # BaseApi classes
        "StatsApi.ticket_stats": (["GET"], "/api/v1/stats/tickets"),
        "HealthApi.health": (["GET"], "/health/"),
        # ModelView classes
        "TicketView.list": (["GET"], "/tickets/list/"),
        "TicketView.edit": (["GET", "POST"], "/tickets/edit/<pk>"),
        "TicketView.action_post": (["POST"], "/tickets/action_post"),
        "TeamView.show": (["GET"], "/teamview/show/<pk>"),
    }
    for name, (methods, path) in expected.items():
        assert (routes[name].meta["methods"], routes[name].meta["full_path"]) == (methods, path), name
    assert "TicketApi.info" not in routes and "CommentApi.put" not in routes and "TeamView.delete" not in routes
    assert routes["TicketApi.assign"].path == "helpdesk/api/tickets.py"
    assert (routes["TicketApi.assign"].start_line, routes["TicketApi.assign"].end_line) == (41, 72)
    # registered in another module: the linker joins them
    assert routes["TicketApi.post"].meta["registered"] == "helpdesk/registry.py:8 (appbuilder.add_api)"
    assert routes["TeamView.list"].meta["registered"] == "helpdesk/registry.py:13 (appbuilder.add_view)"


def test_protect_permission_and_error_conventions(fab_brain):
    conventions = {c["key"]: c for c in fab_brain.conventions()}
    auth = conventions["auth"]
    assert auth["data"]["form"] == "@protect()"
    assert (auth["data"]["count"], auth["data"]["total"]) == (12, 25)
    assert sorted(auth["data"]["public"]) == [
        "GET /health/",
        "GET,POST /tickets/action/<string:name>/<pk>",
        "POST /tickets/action_post",
    ]
    assert conventions["auth:has_access"]["data"]["count"] == 10
    perms = conventions["auth:fab_permissions"]["data"]
    assert perms["count"] == 22 and perms["permissions"]["write"] == 10 and perms["permissions"]["read"] == 8
    assert (perms["classes"], perms["class_permission_name"]) == (5, 4)
    safe = conventions["errors:decorator"]
    assert safe["data"]["name"] == "safe" and safe["data"]["count"] == 12
    helpers = conventions["errors:fab_responses"]["data"]
    assert helpers["count"] == 3 and helpers["codes"] == {"400": 2, "404": 2, "422": 2}
    decorators = conventions["fab_decorators"]["data"]
    assert decorators["count"] == 4  # the @expose handlers: assign, close, ticket_stats, health
    assert decorators["decorators"] == {"protect": 3, "safe": 3, "permission_name": 3, "rison": 1}
    assert decorators["stack"] == "@protect() @safe @permission_name(...)"
    registration = conventions["fab_registration"]
    assert registration["data"]["count"] == 6 and "helpdesk/registry.py" in registration["statement"]
    validation = conventions["validation"]["data"]
    # post reads add_model_schema, put edit_model_schema; assign loads AssignSchema in its body
    assert validation["count"] == 4  # TicketApi.post, .put, .assign and CommentApi.post
    assert validation["schemas"] == ["AssignSchema", "CommentCreateSchema", "TicketCreateSchema"]


def test_pack_for_notifications(fab_brain):
    pack = fab_brain.context("Add CRUD endpoints for notifications", budget=4000)
    md = pack.to_markdown()
    assert pack.tokens <= 4000
    closest = [e for e in pack.exemplars if e.role == "closest resource"]
    assert closest and closest[0].pattern.path == "helpdesk/api/tickets.py"
    # the inherited CRUD routes share the class header: shown once, the others named
    first = closest[0]
    assert first.pattern.meta.get("implied")
    assert "class TicketApi(ModelRestApi):" in first.code and "datamodel = SQLAInterface(Ticket)" in first.code
    assert "the same code also serves" in first.reason
    assert md.count("class TicketApi(ModelRestApi):") <= 2  # the header, and the prologue of an @expose route
    assert "`@protect()` (12 of 25 handlers)" in md
    assert "`@safe` turns exceptions into HTTP error responses (12 of 25 handlers)" in md
    assert "self.response_404()" in md
    names = {e.pattern.name for e in pack.exemplars}
    assert {"Ticket", "TicketCreateSchema"} <= names
    checklist = {c.key: c for c in pack.checklist}
    assert checklist["auth"].found and "@protect()" in checklist["auth"].answer
    assert checklist["tests"].found
