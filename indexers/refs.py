"""What a function body refers to: calls, raises, aborts. Shared by several indexers."""

from __future__ import annotations

import re
from typing import Any

from indexers.base import Definition, ParsedFile, call_args, dotted_name, walk

_BODY_TYPES = frozenset({"call", "raise_statement", "return_statement", "except_clause"})
_ABORT_NAMES = {"abort", "flask.abort", "flask_smorest.abort"}
#: Helpers that build an HTTP error response, when a handler returns what they build
#: (pgAdmin's ``return gone(...)``, ``return internal_server_error(errormsg=...)``).
_ERROR_RESPONSE = re.compile(
    r"^(bad_request|not_found|forbidden|unauthori[sz]ed|gone|conflict|precondition_failed|service_unavailable"
    r"|unprocessable\w*|\w*_error|\w*error_response|error_\w+)$"
)


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
        match = re.search(r"HTTP_(\d{3})(?:_|$)", text)
        return int(match.group(1)) if match else text
    return None


def caught_names(pf: ParsedFile, clause: Any) -> list[str]:
    """Exception names of one ``except`` clause (``except (A, b.B) as e`` -> ["A", "B"])."""
    expr = next((c for c in clause.named_children if c.type != "block" and c.type != "comment"), None)
    if expr is None:
        return []
    if expr.type == "as_pattern":
        expr = expr.named_children[0] if expr.named_children else None
    nodes = expr.named_children if expr is not None and expr.type in ("tuple", "parenthesized_expression") else [expr]
    names = [dotted_name(pf, n) for n in nodes if n is not None]
    return [n.rsplit(".", 1)[-1] for n in names if n]


def except_clauses(pf: ParsedFile, body: Any) -> list[dict[str, Any]]:
    """Each ``except`` clause under ``body`` and what its block does with the error: ``catches``
    (names), ``raises`` (what it raises, as written, in order: ``exceptions.ValidationError``;
    a bare ``raise`` adds nothing), ``raises_new`` (it raises a new exception, ``raise X(...)``,
    not ``raise exc``), ``returns`` (it returns), ``calls`` (callee names) and ``line``."""
    out: list[dict[str, Any]] = []
    for clause in walk(body, frozenset({"except_clause"})):
        block = next((c for c in clause.named_children if c.type == "block"), None)
        if block is None:
            continue
        info: dict[str, Any] = {
            "catches": caught_names(pf, clause),
            "raises": [],
            "raises_new": False,
            "returns": False,
            "calls": [],
            "line": clause.start_point[0] + 1,
        }
        for node in walk(block, frozenset({"raise_statement", "return_statement", "call"})):
            if node.type == "return_statement":
                info["returns"] = True
            elif node.type == "call":
                info["calls"].append(dotted_name(pf, node.child_by_field_name("function")))
            else:
                exc = next((c for c in node.named_children if c.type != "comment"), None)
                if exc is None:
                    continue
                info["raises_new"] = info["raises_new"] or exc.type == "call"
                name = dotted_name(pf, exc.child_by_field_name("function") if exc.type == "call" else exc)
                if name and name not in info["raises"]:
                    info["raises"].append(name)
        out.append(info)
    return out


_STATUS_KEYWORDS = frozenset({"status_code", "code", "status", "http_status_code"})
_STATUS_TEXT = re.compile(r"(?i)http|status|code")


def error_call_form(pf: ParsedFile, call: Any, raised: bool) -> dict[str, Any]:
    """How one error is signalled: ``text`` with values elided but the status written as in
    the code (``raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail=...)``,
    ``abort(404)``), ``callee`` (last name), ``status`` (how the status is written: int,
    attr, name or none) and the ``keywords`` passed, sorted."""
    pos, kw = call_args(call)
    args: list[str] = []

    def status_like(node: Any) -> bool:
        return node.type == "integer" or (
            node.type in ("attribute", "identifier") and bool(_STATUS_TEXT.search(pf.text(node)))
        )

    status_node = next((n for name, n in kw.items() if name in _STATUS_KEYWORDS and status_like(n)), None)
    for i, node in enumerate(pos):
        text = pf.text(node)
        if i == 0 and status_node is None and status_like(node):
            status_node = node
        args.append(text if node is status_node and len(text) <= 60 else "...")
    for name, node in kw.items():
        text = pf.text(node)
        args.append(f"{name}={text if node is status_node and len(text) <= 60 else '...'}")
    callee = dotted_name(pf, call.child_by_field_name("function"))
    style = "none"
    if status_node is not None:
        style = {"integer": "int", "attribute": "attr", "identifier": "name"}.get(status_node.type, "expr")
    return {
        "text": f"{'raise ' if raised else ''}{callee}({', '.join(args)})",
        "callee": callee.rsplit(".", 1)[-1],
        "status": style,
        "keywords": sorted(kw),
    }


def _is_error_status(pf: ParsedFile, node: Any) -> bool:
    code = _status_literal(pf, node)
    return isinstance(code, int) and 400 <= code <= 599


def _returned_status(pf: ParsedFile, value: Any) -> dict[str, Any] | None:
    """``return dict(message=...), 403`` / ``return {"error": ...}, status.HTTP_404_NOT_FOUND``
    / ``return jsonify(error=...), 400``: an error response returned as a (body, status) tuple
    (Flask and Flask-RESTful), described like ``error_call_form``; None for anything else."""
    if value.type == "parenthesized_expression" and value.named_children:
        value = value.named_children[0]
    if value.type not in ("expression_list", "tuple"):
        return None
    items = [c for c in value.named_children if c.type != "comment"]
    if len(items) not in (2, 3) or not _is_error_status(pf, items[1]):
        return None
    body, status = items[0], items[1]
    keywords: list[str] = []
    if body.type == "call":
        callee = dotted_name(pf, body.child_by_field_name("function"))
        _pos, kw = call_args(body)
        keywords = sorted(kw)
        shown = f"{callee}({', '.join(f'{k}=...' for k in kw) or '...'})"
    elif body.type == "dictionary":
        callee = "dict"
        keys = [pf.text(p.child_by_field_name("key")) for p in body.named_children if p.type == "pair"]
        keywords = sorted(k.strip("\"'") for k in keys)
        shown = "{" + ", ".join(f"{k}: ..." for k in keys) + "}"
    elif body.type in ("string", "concatenated_string"):
        callee, shown = "str", '"..."'
    else:
        return None
    if not callee:
        return None
    text = pf.text(status)
    return {
        "text": f"return {shown}, {text if len(text) <= 60 else '...'}" + (", ..." if len(items) == 3 else ""),
        "callee": callee.rsplit(".", 1)[-1],
        "status": {"integer": "int", "attribute": "attr"}.get(status.type, "expr"),
        "keywords": keywords,
        "returned": True,
    }


def body_refs(pf: ParsedFile, d: Definition) -> dict[str, Any]:
    """Names a definition's body uses.

    Returns ``{"calls", "raises", "catches", "aborts", "http_errors"}`` lists:
    ``calls`` are dotted callee names in order of first use (deduplicated), ``raises`` the
    exception names after ``raise`` (``raise NotFound(...)`` -> ``NotFound``), ``aborts`` the
    status codes given to ``abort(...)``, ``http_errors`` those given to ``HTTPException``
    (``status.HTTP_404_NOT_FOUND`` becomes 404), ``catches`` the exception names in
    ``except`` clauses, ``error_calls`` every ``raise X(...)`` and ``abort(...)`` as
    ``error_call_form`` describes it.
    """
    body = d.definition.child_by_field_name("body")
    calls: dict[str, None] = {}
    raises: dict[str, None] = {}
    aborts: list[int | str] = []
    http_errors: list[int | str] = []
    catches: dict[str, None] = {}
    error_calls: list[dict[str, Any]] = []
    if body is None:
        return {"calls": [], "raises": [], "catches": [], "aborts": [], "http_errors": [], "error_calls": []}
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
                error_calls.append(error_call_form(pf, node, raised=False))
            elif name.split(".")[-1] == "HTTPException":
                pos, kw = call_args(node)
                code = _status_literal(pf, kw.get("status_code") or (pos[0] if pos else None))
                if code is not None:
                    http_errors.append(code)
        elif node.type == "return_statement":
            value = next((c for c in node.named_children if c.type != "comment"), None)
            returned = _returned_status(pf, value) if value is not None else None
            if returned is not None:
                error_calls.append(returned)
            elif value is not None and value.type == "call":
                name = dotted_name(pf, value.child_by_field_name("function"))
                if name and name not in _ABORT_NAMES and _ERROR_RESPONSE.match(name.rsplit(".", 1)[-1]):
                    form = error_call_form(pf, value, raised=False)
                    form["text"] = "return " + form["text"]
                    form["returned"] = True
                    error_calls.append(form)
        elif node.type == "except_clause":
            for name in caught_names(pf, node):
                catches.setdefault(name, None)
        elif node.type == "raise_statement":
            exc = next((c for c in node.named_children), None)
            if exc is None:
                continue
            target = exc.child_by_field_name("function") if exc.type == "call" else exc
            name = dotted_name(pf, target)
            if exc.type == "call" and name:
                error_calls.append(error_call_form(pf, exc, raised=True))
            if name:
                raises.setdefault(name.rsplit(".", 1)[-1], None)
    return {
        "calls": list(calls),
        "raises": list(raises),
        "catches": list(catches),
        "aborts": aborts,
        "http_errors": http_errors,
        "error_calls": error_calls,
    }


def _error_return(pf: ParsedFile, value: Any) -> str | None:
    """How a ``return`` in an ``except`` block answers with an HTTP error, or None: a (body,
    4xx/5xx) tuple, an error-response helper (``return not_found(...)``) or a response built with
    an error status (``return JSONResponse(status_code=409, ...)``)."""
    if value is None:
        return None
    returned = _returned_status(pf, value)
    if returned is not None:
        return str(returned["text"])
    if value.type != "call":
        return None
    name = dotted_name(pf, value.child_by_field_name("function"))
    if not name or name in _ABORT_NAMES:
        return None
    pos, kw = call_args(value)
    status = next((kw[k] for k in _STATUS_KEYWORDS if k in kw), None)
    if _ERROR_RESPONSE.match(name.rsplit(".", 1)[-1]) or (status is not None and _is_error_status(pf, status)):
        return "return " + str(error_call_form(pf, value, raised=False)["text"])
    return None


def except_raises(pf: ParsedFile, d: Definition) -> dict[str, Any]:
    """``{"except_raises": [...]}``: per ``except`` clause of a handler's body that answers with
    an error, what it catches and how: ``{"catches", "raises"`` (as written, a bare ``raise``
    adds nothing), ``"line"``, and when it does so ``"aborts"`` (``abort(409)`` codes) and
    ``"returns"`` (an error response it returns, as ``error_call_form`` writes it)``}``.
    Empty when no clause raises, aborts or returns an error. The linker counts a handler as
    turning a database error into an HTTP error only through the clause that catches it."""
    body = d.definition.child_by_field_name("body")
    if body is None:
        return {}
    out: list[dict[str, Any]] = []
    blocks = {
        clause.start_point[0] + 1: next((x for x in clause.named_children if x.type == "block"), None)
        for clause in walk(body, frozenset({"except_clause"}))
    }
    for c in except_clauses(pf, body):
        info: dict[str, Any] = {"catches": c["catches"], "raises": c["raises"], "line": c["line"]}
        block = blocks.get(c["line"])
        aborts: list[int | str] = []
        returns: list[str] = []
        for node in walk(block, frozenset({"call", "return_statement"})) if block is not None else []:
            if node.type == "call":
                name = dotted_name(pf, node.child_by_field_name("function"))
                if name in _ABORT_NAMES or name.endswith(".abort"):
                    pos, kw = call_args(node)
                    code = _status_literal(pf, pos[0] if pos else kw.get("http_status_code"))
                    aborts.append(code if code is not None else "?")
            else:
                value = next((x for x in node.named_children if x.type != "comment"), None)
                text = _error_return(pf, value)
                if text is not None:
                    returns.append(text)
        if aborts:
            info["aborts"] = aborts
        if returns:
            info["returns"] = returns
        if info["raises"] or aborts or returns:
            out.append(info)
    return {"except_raises": out} if out else {}
