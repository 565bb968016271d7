"""Integration: the Flask fixture app indexed with the real model into a real SQLite file.

Ground truth: tests/fixtures/README.md.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def test_routes_blueprint_prefixes_and_class_views(flask_brain):
    routes = {p.qualname: p for p in flask_brain.patterns(kind="route")}
    assert len(routes) == 18
    expected = {
        "login": (["POST"], "/api/auth/login"),
        "list_books": (["GET"], "/api/books/"),
        "delete_book": (["DELETE"], "/api/books/<int:book_id>"),
        "AuthorListAPI.post": (["POST"], "/api/authors/"),
        "AuthorAPI.delete": (["DELETE"], "/api/authors/<int:author_id>"),
        "update_order": (["PATCH"], "/api/orders/<int:order_id>"),
        "cancel_order": (["POST"], "/api/orders/<int:order_id>/cancel"),
    }
    for name, (methods, path) in expected.items():
        assert routes[name].meta["methods"] == methods, name
        assert routes[name].meta["full_path"] == path, name
    # MethodView classes get their auth from `decorators = [jwt_required()]`
    assert "jwt_required" in routes["AuthorAPI.delete"].meta["decorators"]


def test_auth_and_role_conventions(flask_brain):
    conventions = {c["key"]: c for c in flask_brain.conventions()}
    auth = conventions["auth"]
    assert auth["data"]["form"] == "@jwt_required()"
    assert (auth["data"]["count"], auth["data"]["total"]) == (14, 18)
    assert auth["data"]["public"] == ["POST /api/auth/login"]
    roles = conventions["auth:roles_required"]
    assert roles["data"]["count"] == 3 and '@roles_required("admin")' in roles["statement"]
    decorator = next(p for p in flask_brain.patterns(kind="decorator") if p.name == "roles_required")
    assert decorator.usage == 3 and decorator.path == "bookshop/auth/decorators.py"
    assert 'deletes add `@roles_required("admin")`' in conventions["deletes"]["statement"]


def test_errors_pagination_models(flask_brain):
    conventions = {c["key"]: c for c in flask_brain.conventions()}
    errors = conventions["errors"]
    assert errors["data"]["base"] == "APIError"
    assert errors["data"]["shape"] == '{"error": {"code", "message"}}'
    assert "IntegrityError" in conventions["errors:db"]["statement"]
    assert '"details"' in conventions["errors:validation"]["statement"]
    assert "paginate_query(query, schema)" in conventions["pagination"]["statement"]
    assert "{items, total, page, pages}" in conventions["pagination"]["statement"]
    models = {p.name: p for p in flask_brain.patterns(kind="model")}
    assert models["Book"].meta["orm"] == "flask-sqlalchemy"
    schemas = {p.name: p for p in flask_brain.patterns(kind="schema")}
    assert schemas["BookSchema"].meta["library"] == "marshmallow"


def test_facts_with_sources(flask_brain):
    facts = {f.name: f for f in flask_brain.facts()}
    assert (facts["Flask"].value, facts["Flask"].source) == ("3.0.3", "requirements.txt:1")
    assert facts["Flask-JWT-Extended"].category == "auth"
    assert facts["pytest"].source == "requirements-dev.txt:2"
    assert facts["Python"].source == "setup.cfg:8"


def test_secrets_redacted(flask_brain):
    store = flask_brain.store
    dump = "\n".join(str(r) for r in store.db.execute("SELECT code, summary, meta FROM patterns"))
    dump += "\n".join(str(r) for r in store.db.execute("SELECT meta FROM files"))
    assert "9f8e7d6c5b4a39281706f5e4d3c2b1a0" not in dump
    assert "AKIAIOSFODNN7EXAMPLE" not in dump
    assert "hunter2hunter2" not in dump


def test_pack_for_notifications(flask_brain):
    pack = flask_brain.context("Add CRUD endpoints for notifications", budget=4000)
    md = pack.to_markdown()
    assert pack.tokens <= 4000
    closest = [e for e in pack.exemplars if e.role == "closest resource"]
    # a complete CRUD resource (all five of list/get/create/update/delete) is the template
    assert closest and closest[0].pattern.path in (
        "bookshop/authors/routes.py",
        "bookshop/books/routes.py",
    )
    methods = {m for e in closest for m in e.pattern.meta["methods"]}
    assert methods == {"GET", "POST", "PUT", "DELETE"}
    assert "@jwt_required()" in md and "14 of 18 handlers" in md
    names = {e.pattern.name for e in pack.exemplars}
    assert {"handle_api_error", "APIError", "paginate_query"} <= names
    checklist = {c.key: c for c in pack.checklist}
    assert checklist["auth"].found and "@jwt_required()" in checklist["auth"].answer
    assert checklist["deletes"].found and "roles_required" in checklist["deletes"].answer
