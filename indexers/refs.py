"""What a function body refers to: calls, raises, aborts. Shared by several indexers."""

from __future__ import annotations

from typing import Any

from indexers.base import Definition, ParsedFile, call_args, dotted_name, walk

_BODY_TYPES = frozenset({"call", "raise_statement", "return_statement"})
_ABORT_NAMES = {"abort", "flask.abort", "flask_smorest.abort"}


def _status_literal(pf: ParsedFile, node: Any) -> int | str | None:
    if node is None:
        return None
    text = pf.text(node)
    if node.type == "integer":
        try:
            return int(text)
        except ValueError:
            return text
    if node.type == "attribute":  # status.HTTP_404_NOT_FOUND / HTTPStatus.NOT_FOUND
        return text
    return None


def body_refs(pf: ParsedFile, d: Definition) -> dict[str, Any]:
    """Names a definition's body uses.

    Returns ``{"calls": [...], "raises": [...], "aborts": [...], "http_errors": [...]}``:
    ``calls`` are dotted callee names in order of first use (deduplicated), ``raises`` the
    exception names after ``raise`` (``raise NotFound(...)`` -> ``NotFound``), ``aborts`` the
    status codes given to ``abort(...)``, ``http_errors`` those given to ``HTTPException``.
    """
    body = d.definition.child_by_field_name("body")
    calls: dict[str, None] = {}
    raises: dict[str, None] = {}
    aborts: list[int | str] = []
    http_errors: list[int | str] = []
    if body is None:
        return {"calls": [], "raises": [], "aborts": [], "http_errors": []}
    for node in walk(body, _BODY_TYPES):
        if node.type == "call":
            name = dotted_name(pf, node.child_by_field_name("function"))
            if not name:
                continue
            calls.setdefault(name, None)
            if name in _ABORT_NAMES or name.endswith(".abort"):
                pos, kw = call_args(node)
                code = _status_literal(pf, pos[0] if pos else kw.get("http_status_code"))
                if code is not None:
                    aborts.append(code)
            elif name.split(".")[-1] == "HTTPException":
                pos, kw = call_args(node)
                code = _status_literal(pf, kw.get("status_code") or (pos[0] if pos else None))
                if code is not None:
                    http_errors.append(code)
        elif node.type == "raise_statement":
            exc = next((c for c in node.named_children), None)
            if exc is None:
                continue
            target = exc.child_by_field_name("function") if exc.type == "call" else exc
            name = dotted_name(pf, target)
            if name:
                raises.setdefault(name.rsplit(".", 1)[-1], None)
    return {
        "calls": list(calls),
        "raises": list(raises),
        "aborts": aborts,
        "http_errors": http_errors,
    }
