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
