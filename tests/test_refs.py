"""indexers.refs: what a handler body refers to, and the exact form it signals errors in."""

from __future__ import annotations

import textwrap

from indexers import extract_python

SOURCE = """
from fastapi import HTTPException, status
from flask import abort


def handler(x):
    if not x:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail=f"no {x}")
    if x == 2:
        raise NotFound("thing", code=404)
    if x == 3:
        raise AuthError("bad login", code="invalid_credentials")
    if x == 4:
        raise HTTPException(403, "forbidden")
    abort(403, description="nope")
    raise ValueError("bad")
"""


def test_error_calls_keep_the_status_as_written_and_elide_the_rest():
    fe = extract_python("app/views.py", textwrap.dedent(SOURCE).encode())
    calls = fe.patterns[0].meta["error_calls"]
    assert [c["text"] for c in calls] == [
        "raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail=...)",
        "raise NotFound(..., code=404)",
        "raise AuthError(..., code=...)",  # an error code string is not an HTTP status
        "raise HTTPException(403, ...)",
        "abort(403, description=...)",
        "raise ValueError(...)",
    ]
    assert [c["status"] for c in calls] == ["attr", "int", "none", "int", "int", "none"]
    assert calls[0]["keywords"] == ["detail", "status_code"]
    assert calls[0]["callee"] == "HTTPException"


def test_no_error_calls_in_a_plain_body():
    fe = extract_python("app/views.py", b"def f():\n    return 1\n")
    assert fe.patterns[0].meta["error_calls"] == []


def test_error_responses_returned_as_body_status_tuples():
    """lemur (Flask-RESTful): ``return dict(message=...), 403``; also dict literals, jsonify,
    a status constant, a headers element; success tuples and a non-literal status are not."""
    source = """
    def handler(x):
        if x == 1:
            return dict(message="You are not authorized"), 403
        if x == 2:
            return {"error": "missing", "code": 7}, status.HTTP_404_NOT_FOUND
        if x == 3:
            return (jsonify(error="bad"), 400, {"Retry-After": "1"})
        if x == 4:
            return "gone", 410
        if x == 5:
            return dict(message=message), code
        if x == 6:
            return {"id": 1}, 201
        return data, 200
    """
    fe = extract_python("app/views.py", textwrap.dedent(source).encode())
    calls = fe.patterns[0].meta["error_calls"]
    assert [c["text"] for c in calls] == [
        "return dict(message=...), 403",
        'return {"error": ..., "code": ...}, status.HTTP_404_NOT_FOUND',
        "return jsonify(error=...), 400, ...",
        'return "...", 410',
    ]
    assert [(c["callee"], c["status"], c["keywords"]) for c in calls] == [
        ("dict", "int", ["message"]),
        ("dict", "attr", ["code", "error"]),
        ("jsonify", "int", ["error"]),
        ("str", "int", []),
    ]
    assert all(c["returned"] for c in calls)
