"""Tests that exercise endpoints through a client: ``test`` patterns.

Only test files are read (a ``tests``/``test`` directory, ``test_*.py``, ``*_test.py``,
``conftest.py``). A pattern is emitted for every test function or ``test_*`` method that makes
at least one request through a client (``client.get("/x")``, ``self.client.post(...)``,
``await ac.get(...)``, ``app.test_client().get(...)``, ``requests.get(...)``), and for
fixtures / ``setUp`` methods that create a client (``TestClient(app)``, ``app.test_client()``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from indexers.base import (
    Definition,
    ParsedFile,
    call_args,
    callee,
    decorator_expr,
    dotted_name,
    string_value,
    walk,
)
from indexers.models import make_pattern
from memorybrain.models import FileExtract, Pattern
from memorybrain.paths import is_test_path

_VERBS = {"get", "post", "put", "patch", "delete", "head", "options"}
_WEBTEST_VERBS = {
    "post_json": "POST",
    "put_json": "PUT",
    "patch_json": "PATCH",
    "delete_json": "DELETE",
}
#: Receivers that are clients whatever their origin.
_CLIENT_NAME = re.compile(r"(?i)client\d*$|^ac$")
#: Receivers that are clients when they are fixtures (parameters) or ``self.`` attributes
#: (a webtest/CKAN-style test app: ``app.get(url, status=404)``), or made by such a fixture
#: (``app = make_app()``).
_APP_NAME = re.compile(r"(?i)(^|_)(test_?|web)?app$")
#: ... but not the framework application itself (``flask_app.get`` declares a route).
_FRAMEWORK_APP = re.compile(r"(?i)flask|fastapi|starlette|asgi|wsgi|django")
_HTTP_MODULES = {"requests", "httpx"}
#: Calls that create a test client (last component of the callee).
_FACTORY = re.compile(r"(?i:test_?(client|app))$|^(Async)?Client$")
_STATUS_ATTRS = {"status_code", "status_int", "status"}
_SETUP_METHODS = {"setUp", "asyncSetUp", "setUpClass", "setup_method", "setup_class", "setup"}
_ASSERT_CODE = re.compile(r"^assert(\d{3})$")
_HTTP_CONSTANT = re.compile(r"HTTP_(\d{3})")
_SUMMARY_REQUESTS = 3
_MAX_EXPR = 100


#: Test code (``memorybrain.paths.is_test_path``): only such files are read for endpoint tests.
is_test_file = is_test_path


def _compact(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= _MAX_EXPR else text[: _MAX_EXPR - 1] + "…"


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


# --------------------------------------------------------------------------- statuses


def _status_value(pf: ParsedFile, node: Any) -> list[int | str]:
    """Status codes named by a literal: 404, status.HTTP_404_NOT_FOUND, HTTPStatus.OK, "200 OK"."""
    if node is None:
        return []
    if node.type in ("tuple", "list", "set", "parenthesized_expression"):
        return [v for c in node.named_children for v in _status_value(pf, c)]
    text = pf.text(node)
    if node.type == "integer":
        return [int(text)] if text.isdigit() else [text]
    if node.type == "attribute":
        m = _HTTP_CONSTANT.search(text)
        if m:
            return [int(m.group(1))]
        attr = _last(text)
        if "HTTPStatus" in text and attr in HTTPStatus.__members__:
            return [HTTPStatus[attr].value]
        return [text] if "status" in text.lower() else []
    value = string_value(pf, node)
    if value is not None and value[:3].isdigit():
        return [int(value[:3])]
    return []


def _is_status_expr(pf: ParsedFile, node: Any) -> bool:
    return node is not None and node.type == "attribute" and _last(pf.text(node)) in _STATUS_ATTRS


def _asserted_statuses(pf: ParsedFile, body: Any) -> list[int | str]:
    out: list[int | str] = []
    for node in walk(body, {"comparison_operator", "call"}):
        if node.type == "comparison_operator":
            operands = list(node.named_children)
            if any(_is_status_expr(pf, o) for o in operands):
                for o in operands:
                    if not _is_status_expr(pf, o):
                        out.extend(_status_value(pf, o))
            continue
        name = _last(dotted_name(pf, node.child_by_field_name("function")))
        positional, _ = call_args(node)
        m = _ASSERT_CODE.match(name)
        if m:
            out.append(int(m.group(1)))
        elif name == "assertStatus":  # (response, code) in flask-testing, some suites swap them
            out.extend(v for arg in positional for v in _status_value(pf, arg))
        elif name in ("assertEqual", "assertEquals", "assertIn") and len(positional) >= 2:
            a, b = positional[0], positional[1]
            if _is_status_expr(pf, a):
                out.extend(_status_value(pf, b))
            elif _is_status_expr(pf, b):
                out.extend(_status_value(pf, a))
    return out


# --------------------------------------------------------------------------- clients


@dataclass
class _Scope:
    """What a test body can call requests through."""

    params: set[str]
    aliases: set[str] = field(default_factory=set)  # names bound to a created client
    constants: dict[str, Any] = field(default_factory=dict)  # name -> value node


def _is_factory_call(pf: ParsedFile, node: Any) -> bool:
    if node is None or node.type != "call":
        return False
    return bool(_FACTORY.search(_last(dotted_name(pf, node.child_by_field_name("function")))))


def _bindings(pf: ParsedFile, node: Any) -> Iterator[tuple[str, Any]]:
    """``(name, value node)`` for simple assignments and ``with ... as name`` items."""
    for n in walk(node, {"assignment", "as_pattern"}):
        if n.type == "assignment":
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            if left is not None and right is not None and left.type in ("identifier", "attribute"):
                yield pf.text(left), right
        else:
            value = n.named_children[0] if n.named_children else None
            target = next((c for c in n.named_children if c.type == "as_pattern_target"), None)
            if value is not None and target is not None and target.named_children:
                inner = target.named_children[0]
                if inner.type in ("identifier", "attribute"):
                    yield pf.text(inner), value


def _module_scope(pf: ParsedFile) -> tuple[set[str], dict[str, Any]]:
    aliases: set[str] = set()
    constants: dict[str, Any] = {}
    for stmt in pf.root.named_children:
        if stmt.type != "expression_statement":
            continue
        for name, value in _bindings(pf, stmt):
            if _is_factory_call(pf, value):
                aliases.add(name)
            elif value.type in ("string", "concatenated_string"):
                constants[name] = value
    return aliases, constants


def _function_scope(pf: ParsedFile, d: Definition, module: tuple[set[str], dict[str, Any]]) -> _Scope:
    scope = _Scope(params=set(parameter_names(pf, d)))
    scope.aliases |= module[0]
    scope.constants.update(module[1])
    body = d.definition.child_by_field_name("body")
    counts: dict[str, int] = {}
    for name, value in _bindings(pf, body) if body is not None else []:
        if _is_factory_call(pf, value) or _is_app_fixture_call(pf, value, scope.params):
            scope.aliases.add(name)
        counts[name] = counts.get(name, 0) + 1
        scope.constants[name] = value
    for name, n in counts.items():
        if n > 1:  # reassigned: the value at a given request is unknown
            scope.constants.pop(name, None)
    return scope


def _is_app_name(name: str) -> bool:
    return bool(_APP_NAME.search(name)) and not _FRAMEWORK_APP.search(name)


def _is_app_fixture_call(pf: ParsedFile, node: Any, params: set[str]) -> bool:
    """``make_app()`` where ``make_app`` is a fixture parameter."""
    if node.type != "call":
        return False
    fn = node.child_by_field_name("function")
    return fn is not None and fn.type == "identifier" and pf.text(fn) in params and _is_app_name(pf.text(fn))


def _client_of(pf: ParsedFile, receiver: Any, scope: _Scope) -> str | None:
    """The client expression a request goes through, or None if ``receiver`` is no client."""
    if _is_factory_call(pf, receiver):
        return _compact(pf.text(receiver))
    name = dotted_name(pf, receiver)
    if not name or receiver.type == "call":
        return None
    last = _last(name)
    if "mock" in last.lower():
        return None
    if name in scope.aliases or _CLIENT_NAME.search(last) or name in _HTTP_MODULES:
        return name
    if _is_app_name(last) and (name in scope.params or name == f"self.{last}"):
        return name
    return None


def _in_decorator(node: Any) -> bool:
    parent = node.parent
    while parent is not None and parent.type not in ("function_definition", "module"):
        if parent.type == "decorator":
            return True
        parent = parent.parent
    return False


def _path(pf: ParsedFile, node: Any, scope: _Scope) -> str:
    if node is None:
        return ""
    if node.type == "identifier" and pf.text(node) in scope.constants:
        node = scope.constants[pf.text(node)]
    value = string_value(pf, node)
    return value if value is not None else _compact(pf.text(node))


def _request(pf: ParsedFile, call: Any, scope: _Scope) -> tuple[str, dict[str, str], Any] | None:
    """``(client, {"method", "path"}, status kw node)`` for a request call, else None."""
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "attribute" or _in_decorator(call):
        return None
    attr = pf.text(fn.child_by_field_name("attribute"))
    if attr not in _VERBS and attr not in _WEBTEST_VERBS and attr not in ("request", "open"):
        return None
    client = _client_of(pf, fn.child_by_field_name("object"), scope)
    if client is None:
        return None
    positional, keywords = call_args(call)
    url = keywords.get("url") or keywords.get("path")
    if attr == "request":
        method_node = positional[0] if positional else keywords.get("method")
        method = (string_value(pf, method_node) or pf.text(method_node)).upper()
        url = url or (positional[1] if len(positional) > 1 else None)
    elif attr == "open":
        method = (string_value(pf, keywords.get("method")) or "GET").upper()
        url = url or (positional[0] if positional else None)
    else:
        method = _WEBTEST_VERBS.get(attr, attr.upper())
        url = url or (positional[0] if positional else None)
    return client, {"method": method, "path": _path(pf, url, scope)}, keywords.get("status")


# --------------------------------------------------------------------------- definitions


def parameter_names(pf: ParsedFile, d: Definition) -> list[str]:
    """Plain parameter names of a function (no ``*args``/``**kwargs``, no self/cls)."""
    params = d.definition.child_by_field_name("parameters")
    out: list[str] = []
    for p in params.named_children if params is not None else []:
        if p.type == "identifier":
            name = pf.text(p)
        elif p.type in ("default_parameter", "typed_default_parameter"):
            name = pf.text(p.child_by_field_name("name"))
        elif p.type == "typed_parameter":
            ident = next((c for c in p.named_children if c.type == "identifier"), None)
            name = pf.text(ident)
        else:
            continue
        if name and name not in ("self", "cls"):
            out.append(name)
    return out


def _decorators(pf: ParsedFile, d: Definition) -> list[str]:
    return [dotted_name(pf, callee(decorator_expr(x))) for x in d.decorators]


def _markers(decorators: list[str]) -> list[str]:
    return [n.removeprefix("pytest.mark.") for n in decorators if n.startswith("pytest.mark.")]


def _role(pf: ParsedFile, d: Definition, decorators: list[str]) -> str | None:
    """``test``, ``fixture``, or None for definitions this indexer ignores."""
    if d.is_class:
        return None
    if any(_last(n) in ("fixture", "yield_fixture") for n in decorators) or (
        d.parent_class and d.name in _SETUP_METHODS
    ):
        return "fixture"
    if d.name.startswith("test"):
        return "test"
    return None


def _first_factory(pf: ParsedFile, body: Any) -> Any:
    return next((n for n in walk(body, {"call"}) if _is_factory_call(pf, n)), None)


def _setup_client(pf: ParsedFile, body: Any) -> str | None:
    """The name a ``setUp`` method binds a created client to (``self.client``)."""
    return next((name for name, value in _bindings(pf, body) if _is_factory_call(pf, value)), None)


def _unique(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _summary(name: str, requests: list[dict[str, str]], statuses: list[int | str]) -> str:
    parts = [f"{r['method']} {r['path']}" for r in requests[:_SUMMARY_REQUESTS]]
    text = ", ".join(parts) + (", …" if len(requests) > _SUMMARY_REQUESTS else "")
    if statuses:
        text += " → " + ", ".join(str(s) for s in statuses)
    return f"{name} — {text}" if text else name


def _test_pattern(pf: ParsedFile, d: Definition, module: tuple[set[str], dict[str, Any]]) -> Pattern | None:
    decorators = _decorators(pf, d)
    role = _role(pf, d, decorators)
    body = d.definition.child_by_field_name("body")
    if role is None or body is None:
        return None
    scope = _function_scope(pf, d, module)
    found = [r for r in (_request(pf, c, scope) for c in walk(body, {"call"})) if r is not None]
    requests = _unique([r[1] for r in found])
    statuses = [s for r in found for s in _status_value(pf, r[2])]
    statuses = _unique(statuses + _asserted_statuses(pf, body))
    meta: dict[str, Any] = {
        "client": found[0][0] if found else None,
        "requests": requests,
        "fixtures": parameter_names(pf, d),
        "asserts_status": statuses,
        "fixture": role == "fixture",
        "markers": _markers(decorators),
    }
    if role == "fixture":
        factory = _first_factory(pf, body)
        if factory is None and not _CLIENT_NAME.search(d.name):
            return None
        meta["client"] = _setup_client(pf, body) if d.parent_class else d.name
        meta["creates"] = dotted_name(pf, factory.child_by_field_name("function")) if factory else None
        head = f"test fixture {d.qualname}"
        made = _compact(pf.text(factory)) if factory is not None else ""
        summary = _summary(head, requests, statuses)
        if made:
            summary = f"{summary}, creates {made}" if requests else f"{head} — creates {made}"
    else:
        if not requests:
            return None
        summary = _summary(f"test {d.qualname}", requests, statuses)
    return make_pattern(pf, d, "test", summary, meta)


def extract(pf: ParsedFile) -> FileExtract:
    if not is_test_file(pf.path) or not pf.source.strip():
        return FileExtract()
    module = _module_scope(pf)
    out = [p for d in pf.definitions() if (p := _test_pattern(pf, d, module)) is not None]
    return FileExtract(patterns=out)
