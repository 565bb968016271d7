"""Database errors turned into HTTP errors, per ``except`` clause, for FastAPI and Flask routes
(``except_raises`` from ``indexers.refs``): a handler counts only when the clause that catches the
database error raises an HTTP error, aborts or returns an error response (fides catches
``IntegrityError`` to collect a failure and raises ``HTTPException`` elsewhere in the handler)."""

from __future__ import annotations

import textwrap

from memorybrain.linker import link
from tests.conftest import extract_files

FASTAPI = """
    from fastapi import APIRouter, HTTPException
    from fastapi.responses import JSONResponse
    from sqlalchemy.exc import IntegrityError
    router = APIRouter()

    @router.patch("/webhooks/{key}")
    def patch_webhook(key: str):
        try:
            webhook.save(db=db)
        except IntegrityError as exc:
            raise HTTPException(status_code=400, detail=str(exc))
        return webhook

    @router.post("/rules/bulk")
    def bulk_rules(rules: list):
        failed = []
        for rule in rules:
            try:
                Rule.create(db, data=rule)
            except IntegrityError as exc:
                failed.append({"message": str(exc)})
        if not rules:
            raise HTTPException(status_code=404, detail="no rules")
        return failed

    @router.post("/consent")
    def create_consent(body: dict):
        try:
            Consent.create(db, data=body)
        except IntegrityError:
            return JSONResponse(status_code=409, content={"detail": "exists"})
        return body
"""

FLASK = """
    from flask import Blueprint, abort, jsonify
    from sqlalchemy.exc import IntegrityError, OperationalError
    bp = Blueprint("shelves", __name__)

    @bp.route("/shelves", methods=["POST"])
    def create_shelf():
        try:
            db.session.commit()
        except IntegrityError:
            abort(409)
        return jsonify({})

    @bp.route("/shelves/<int:id>", methods=["DELETE"])
    def delete_shelf(id):
        try:
            db.session.commit()
        except OperationalError:
            db.session.rollback()
            log.error("retry")
        if not id:
            abort(404)
        return jsonify({})
"""


def test_fastapi_counts_only_the_clause_catching_the_db_error():
    rows, metas = extract_files({"app/endpoints.py": textwrap.dedent(FASTAPI)})
    routes = {p[2]: p[4] for p in rows if p[1] == "route"}
    assert routes["patch_webhook"]["except_raises"] == [
        {"catches": ["IntegrityError"], "raises": ["HTTPException"], "line": 11}
    ]
    assert "except_raises" not in routes["bulk_rules"]  # the clause neither raises nor returns an error
    assert routes["create_consent"]["except_raises"][0]["returns"] == [
        "return JSONResponse(status_code=409, content=...)"
    ]
    db = {c["key"]: c for c in link(rows, metas).conventions}["errors:db"]
    assert db["data"]["count"] == 2
    assert db["statement"].startswith("database errors: handlers catch `IntegrityError` and ")
    assert "(2 handlers, e.g. PATCH /webhooks/{key})" in db["statement"]


def test_flask_abort_in_the_clause_counts_an_abort_elsewhere_does_not():
    rows, metas = extract_files({"app/shelves.py": textwrap.dedent(FLASK)})
    routes = {p[2]: p[4] for p in rows if p[1] == "route"}
    assert routes["create_shelf"]["except_raises"] == [
        {"catches": ["IntegrityError"], "raises": [], "line": 10, "aborts": [409]}
    ]
    assert "except_raises" not in routes["delete_shelf"]
    db = {c["key"]: c for c in link(rows, metas).conventions}["errors:db"]
    assert db["statement"] == (
        "database errors: handlers catch `IntegrityError` and `abort(409)` (1 handler, e.g. POST /shelves)"
    )
