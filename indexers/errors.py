"""Error styles: exception classes, error handlers and error-response helpers.

Three things are extracted from one file:

- ``exception`` patterns: classes that are exceptions by their bases (``Exception``,
  ``...Error``, ``HTTPException``, werkzeug's ``NotFound`` ...) or by inheriting from a
  class of this file that is one. Nested classes count (``Outer.Inner``).
- ``error_handler`` patterns: functions registered for exceptions or status codes with
  ``@app.errorhandler(X)``, ``@bp.app_errorhandler(X)``, ``@app.exception_handler(X)``,
  ``app.add_exception_handler(X, fn)``, ``app.register_error_handler(X, fn)``,
  ``app.exception_handler(X)(fn)`` or ``FastAPI(exception_handlers={X: fn})``. Handlers
  defined inside a function (``def configure(app): @app.errorhandler(404) ...``) get the
  qualname ``configure.handler``. A function shaped like a Starlette/FastAPI handler,
  ``async def h(request: Request, exc: AppError)``, is one even when registered in another
  file (meta ``registered: false``).
- ``function`` patterns with ``error_helper: true`` for functions and methods that return
  an error-shaped response (``def error_response(code, msg): return jsonify(...), code``).

The response a function returns is read from its ``return`` statements: dict literals,
``jsonify(...)``/``dict(...)`` (positional or keyword form), ``JSONResponse(content=...)``,
``make_response(...)``/``Response(...)``/``*Response(...)``, ``(body, status)`` tuples, one assignment
followed back from a returned variable, and calls to error helpers of the same file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from tree_sitter import Node, QueryCursor

from indexers.base import (
    Definition,
    ParsedFile,
    as_definition,
    base_classes,
    call_args,
    callee,
    decorator_expr,
    definition_pattern,
    dotted_name,
    first_docline,
    load_query,
    signature,
    string_value,
)
from indexers.refs import body_refs
from memorybrain.models import FileExtract, Pattern

#: A response body shape: key -> None (leaf), a nested Shape, or [Shape] (list of objects).
Shape = dict[str, Any]
#: A handler registration: (handler, exceptions or status codes, framework, app variable).
Registration = tuple[Definition, list[int | str], str, str]

WERKZEUG_STATUS: dict[str, int] = {
    "BadRequest": 400,
    "BadRequestKeyError": 400,
    "BadHost": 400,
    "SecurityError": 400,
    "ClientDisconnected": 400,
    "Unauthorized": 401,
    "Forbidden": 403,
    "NotFound": 404,
    "MethodNotAllowed": 405,
    "NotAcceptable": 406,
    "RequestTimeout": 408,
    "Conflict": 409,
    "Gone": 410,
    "LengthRequired": 411,
    "PreconditionFailed": 412,
    "RequestEntityTooLarge": 413,
    "RequestURITooLarge": 414,
    "UnsupportedMediaType": 415,
    "RequestedRangeNotSatisfiable": 416,
    "ExpectationFailed": 417,
    "ImATeapot": 418,
    "UnprocessableEntity": 422,
    "Locked": 423,
    "FailedDependency": 424,
    "PreconditionRequired": 428,
    "TooManyRequests": 429,
    "RequestHeaderFieldsTooLarge": 431,
    "UnavailableForLegalReasons": 451,
    "InternalServerError": 500,
    "NotImplemented": 501,
    "BadGateway": 502,
    "ServiceUnavailable": 503,
    "GatewayTimeout": 504,
    "HTTPVersionNotSupported": 505,
}
_EXCEPTION_ROOTS = frozenset({"Exception", "BaseException", "HTTPException"})
_EXCEPTION_SUFFIXES = ("Error", "Exception", "Exc")

_FLASK_HANDLER_DECORATORS = frozenset({"errorhandler", "app_errorhandler"})
_FASTAPI_HANDLER_DECORATORS = frozenset({"exception_handler"})
_FLASK_REGISTRATIONS = frozenset({"register_error_handler"})
_FASTAPI_REGISTRATIONS = frozenset({"add_exception_handler"})
_APP_CONSTRUCTORS = frozenset({"FastAPI", "Starlette", "APIRouter"})
_REQUEST_NAMES = frozenset({"request", "req", "_request", "_req", "_"})
_EXCEPTION_PARAMS = frozenset({"exc", "exception", "error", "err", "e", "ex", "_exc"})

_STATUS_ATTRS = ("status_code", "http_status_code", "http_status", "status", "code", "status_int")
_ERROR_CODE_ATTRS = ("error_code", "code", "error", "error_type", "errcode", "type")
_MESSAGE_ATTRS = ("message", "detail", "description", "msg", "default_message", "default_detail")

_JSON_BODY_CALLS = frozenset({"jsonify", "dumps", "json_response"})
_RESPONSE_CALLS = frozenset(
    {
        "JSONResponse",
        "ORJSONResponse",
        "UJSONResponse",
        "Response",
        "make_response",
        "JsonResponse",
        "HTTPResponse",
    }
)
_BODY_KEYWORDS = ("content", "response", "body", "data", "json")
_STATUS_KEYWORDS = ("status_code", "status")
_TO_DICT_METHODS = frozenset({"dict", "model_dump", "to_dict", "as_dict", "_asdict"})
_SHAPE_METHODS = (
    "to_dict",
    "to_response",
    "to_json",
    "as_dict",
    "serialize",
    "get_body",
    "get_response",
    "__json__",
)

_ERROR_KEYS = frozenset(
    {
        "error",
        "errors",
        "detail",
        "error_code",
        "error_message",
        "error_description",
        "error_type",
        "err",
        "fault",
        "problem",
        "exception",
    }
)
_MESSAGE_KEYS = frozenset({"message", "msg", "code", "status", "status_code", "description", "title", "reason"})
_ERROR_VALUES = frozenset({"error", "err", "fail", "failed", "failure", "ko"})
#: Keys an error body commonly carries besides the error itself.
_ERROR_EXTRAS = frozenset(
    {
        "success",
        "ok",
        "help",
        "path",
        "timestamp",
        "request_id",
        "trace_id",
        "type",
        "data",
        "details",
        "field",
        "fields",
        "hint",
        "traceback",
        "trace",
        "loc",
        "instance",
        "url",
    }
)
_MAX_DEPTH = 6  # deeper dicts are shown as leaves
_MAX_OTHER_KEYS = 2  # a body with more unrelated keys is a record that has an error field
_ERROR_NAME = re.compile(r"err|fail|abort|exception|problem|invalid|denied|forbidden|not_?found")
_HTTP_STATUS_NAME = re.compile(r"HTTP_(\d{3})(?:_|$)")
_SCOPES = frozenset({"function_definition", "class_definition", "lambda"})
_NO_BODY = frozenset({"none", "true", "false", "integer", "float", "expression_list", "tuple"})


# --------------------------------------------------------------------------- small helpers


def own_nodes(node: Node, types: frozenset[str]) -> Iterator[Node]:
    """Pre-order nodes of ``types`` under ``node``, not entering nested defs, classes, lambdas."""
    stack = list(reversed(node.named_children))
    while stack:
        n = stack.pop()
        if n.type in types:
            yield n
        if n.type not in _SCOPES:
            stack.extend(reversed(n.named_children))


def unwrap(node: Node | None) -> Node | None:
    """Strip parentheses and ``await``."""
    while node is not None and node.type in ("parenthesized_expression", "await"):
        node = next((c for c in node.named_children if c.type != "comment"), None)
    return node


def compact(text: str, limit: int = 80) -> str:
    """Source text on one line (no padding inside brackets), cut at ``limit`` characters."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"([(\[{]) ", r"\1", re.sub(r",? ([)\]}])", r"\1", text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def status_value(pf: ParsedFile, node: Node | None) -> int | str | None:
    """An HTTP status: int for ``404`` or ``status.HTTP_404_NOT_FOUND``, else expression text."""
    node = unwrap(node)
    if node is None:
        return None
    text = pf.text(node)
    if node.type == "integer":
        try:
            return int(text, 0)
        except ValueError:
            return text
    match = _HTTP_STATUS_NAME.search(text) if node.type in ("attribute", "identifier") else None
    if match:
        return int(match.group(1))
    return compact(text, 60)


def _status_int(value: int | str | None) -> int | None:
    return value if isinstance(value, int) and 100 <= value <= 599 else None


def render_shape(shape: Shape) -> str:
    """``{"error": {"code", "message"}}``: nested dict keys as a set, lists as ``[...]``."""
    parts: list[str] = []
    for key, sub in shape.items():
        quoted = json.dumps(key, ensure_ascii=False)
        if isinstance(sub, dict) and sub:
            parts.append(f"{quoted}: {render_shape(sub)}")
        elif isinstance(sub, list) and sub:
            parts.append(f"{quoted}: [{render_shape(sub[0])}]")
        else:
            parts.append(quoted)
    return "{" + ", ".join(parts) + "}"


def _scope_names(pf: ParsedFile, node: Node) -> list[str] | None:
    """Names of the enclosing defs/classes of ``node`` (outermost first); None inside a lambda."""
    names: list[str] = []
    parent = node.parent
    while parent is not None:
        if parent.type in ("function_definition", "class_definition"):
            names.append(pf.text(parent.child_by_field_name("name")))
        elif parent.type == "lambda":
            return None
        parent = parent.parent
    return list(reversed(names))


def _qualname(pf: ParsedFile, definition: Node) -> str:
    names = _scope_names(pf, definition) or []
    return ".".join([*names, pf.text(definition.child_by_field_name("name"))])


def _inside_function(node: Node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type in ("function_definition", "lambda"):
            return True
        parent = parent.parent
    return False


def _definition_of(node: Node) -> Definition | None:
    """Definition for a function/class node, including its decorators if it has any."""
    parent = node.parent
    if parent is not None and parent.type == "decorated_definition":
        return as_definition(parent)
    return as_definition(node)


def _named(pf: ParsedFile, d: Definition, qualname: str) -> Definition:
    d.name = pf.text(d.definition.child_by_field_name("name"))
    d.qualname = qualname
    d.parent_class = None
    parent = d.node.parent
    while parent is not None and parent.type not in ("function_definition", "class_definition"):
        parent = parent.parent
    if parent is not None and parent.type == "class_definition":
        d.parent_class = pf.text(parent.child_by_field_name("name"))
    return d


def _lines(d: Definition) -> tuple[int, int]:
    return d.node.start_point[0] + 1, d.node.end_point[0] + 1


def parameters(pf: ParsedFile, fn: Node) -> list[tuple[str, Node | None]]:
    """Plain and keyword parameter names of a def with their default value nodes."""
    params = fn.child_by_field_name("parameters")
    out: list[tuple[str, Node | None]] = []
    for p in params.named_children if params is not None else []:
        if p.type == "identifier":
            out.append((pf.text(p), None))
        elif p.type == "typed_parameter":
            first = p.named_children[0] if p.named_children else None
            if first is not None and first.type == "identifier":
                out.append((pf.text(first), None))
        elif p.type in ("default_parameter", "typed_default_parameter"):
            name = p.child_by_field_name("name")
            if name is not None and name.type == "identifier":
                out.append((pf.text(name), p.child_by_field_name("value")))
    return out


# --------------------------------------------------------------------------- responses


@dataclass
class ResponseInfo:
    """What one ``return`` gives back: a body shape (None if not a dict) and a status."""

    shape: Shape | None = None
    status: int | str | None = None
    error_literal: bool = False  # a value such as "error" / "fail" appears in the body
    params: tuple[str, ...] = ()  # for helpers: parameter names, to map a status parameter
    body: str | None = None  # source of a body that is not a dict (``render_template(...)``)
    explicit: bool = False  # built with jsonify/JSONResponse/make_response/...

    @property
    def keys(self) -> list[str]:
        return list(self.shape or {})


@dataclass
class _Context:
    pf: ParsedFile
    function: Node | None = None  # the function whose returns are read
    helpers: dict[str, ResponseInfo] = field(default_factory=dict)


def _value_shape(ctx: _Context, node: Node | None, flags: list[bool], depth: int = 0) -> Shape | list | None:
    node = unwrap(node)
    if node is None or depth > _MAX_DEPTH:
        return None
    if node.type == "dictionary":
        return _dict_shape(ctx, node, flags, depth)
    if node.type == "call" and dotted_name(ctx.pf, callee(node)).split(".")[-1] == "dict":
        return _keyword_shape(ctx, node, flags, depth)
    if node.type in ("list", "tuple"):
        first = unwrap(next((c for c in node.named_children if c.type != "comment"), None))
        inner = _value_shape(ctx, first, flags, depth + 1) if first is not None else None
        return [inner] if isinstance(inner, dict) and inner else None
    if node.type == "string" and (string_value(ctx.pf, node) or "").lower() in _ERROR_VALUES:
        flags.append(True)
    return None


def _dict_shape(ctx: _Context, node: Node, flags: list[bool], depth: int = 0) -> Shape:
    shape: Shape = {}
    for pair in node.named_children:
        if pair.type != "pair":
            continue
        key = string_value(ctx.pf, pair.child_by_field_name("key"))
        if key is not None:
            shape[key] = _value_shape(ctx, pair.child_by_field_name("value"), flags, depth + 1)
    return shape


def _keyword_shape(ctx: _Context, node: Node, flags: list[bool], depth: int = 0) -> Shape:
    pos, kw = call_args(node)
    shape: Shape = {}
    first = unwrap(pos[0]) if pos else None
    if first is not None and first.type == "dictionary":
        shape.update(_dict_shape(ctx, first, flags, depth))
    for key, value in kw.items():
        shape[key] = _value_shape(ctx, value, flags, depth + 1)
    return shape


def _positional(node: Node) -> list[Node]:
    pos, _ = call_args(node)
    return [p for p in pos if p.type not in ("list_splat", "dictionary_splat", "comment")]


def response_of(ctx: _Context, expr: Node | None, follow: bool = True) -> ResponseInfo:
    """The response a returned expression gives back (shape None when it is not a dict)."""
    expr = unwrap(expr)
    if expr is None:
        return ResponseInfo()
    if expr.type in ("expression_list", "tuple"):
        items = [c for c in expr.named_children if c.type != "comment"]
        if not items:
            return ResponseInfo()
        body = response_of(ctx, items[0], follow)
        status = status_value(ctx.pf, items[1]) if len(items) > 1 else None
        return replace(body, status=status if status is not None else body.status)
    if expr.type == "dictionary":
        flags: list[bool] = []
        return ResponseInfo(_dict_shape(ctx, expr, flags), None, bool(flags))
    if expr.type == "call":
        found = _call_response(ctx, expr, follow)
    elif expr.type == "identifier" and follow:
        found = _variable_response(ctx, expr)
    else:
        found = ResponseInfo()
    return _with_body(ctx.pf, found, expr)


def _with_body(pf: ParsedFile, resp: ResponseInfo, node: Node | None) -> ResponseInfo:
    """Record the source of a non-dict body (``render_template(...)``, ``error.to_dict()``)."""
    node = unwrap(node)
    if resp.shape or resp.body or node is None or node.type in _NO_BODY:
        return resp
    return replace(resp, body=compact(pf.text(node), 80))


def _call_response(ctx: _Context, node: Node, follow: bool) -> ResponseInfo:
    pf = ctx.pf
    function = node.child_by_field_name("function")
    name = dotted_name(pf, function).split(".")[-1]
    pos, kw = _positional(node), call_args(node)[1]
    if name in _JSON_BODY_CALLS or name == "dict":
        if pos:
            body = _with_body(pf, response_of(ctx, pos[0], follow), pos[0])
            return replace(body, shape=body.shape or None, status=None, explicit=True)
        flags: list[bool] = []
        shape = _keyword_shape(ctx, node, flags)
        return ResponseInfo(shape or None, None, bool(flags), explicit=True)
    if name in _RESPONSE_CALLS or name.endswith("Response"):
        body_node = next((kw[k] for k in _BODY_KEYWORDS if k in kw), pos[0] if pos else None)
        status_node = next((kw[k] for k in _STATUS_KEYWORDS if k in kw), None)
        if status_node is None and len(pos) > 1:
            status_node = pos[1]
        body = _with_body(pf, response_of(ctx, body_node, follow), body_node)
        status = status_value(pf, status_node) if status_node is not None else body.status
        return replace(body, status=status, explicit=True)
    if name in _TO_DICT_METHODS and function is not None and function.type == "attribute":
        obj = unwrap(function.child_by_field_name("object"))
        if obj is not None and obj.type == "call" and not ctx.helpers.get(name):
            flags = []
            shape = _keyword_shape(ctx, obj, flags)
            return ResponseInfo(shape or None, None, bool(flags))
        if obj is not None and obj.type == "identifier" and follow and not ctx.helpers.get(name):
            return _variable_response(ctx, obj)
    helper = ctx.helpers.get(name)
    if helper is None:
        return ResponseInfo()
    return ResponseInfo(helper.shape, _helper_status(ctx, node, helper), helper.error_literal)


def _helper_status(ctx: _Context, call: Node, helper: ResponseInfo) -> int | str | None:
    """A helper's status, with a status parameter replaced by the argument of this call."""
    if not isinstance(helper.status, str) or helper.status not in helper.params:
        return helper.status
    pos, kw = _positional(call), call_args(call)[1]
    if helper.status in kw:
        return status_value(ctx.pf, kw[helper.status])
    index = helper.params.index(helper.status)
    return status_value(ctx.pf, pos[index]) if index < len(pos) else helper.status


def _variable_response(ctx: _Context, ident: Node) -> ResponseInfo:
    """Follow ``name = <expr>`` (the last one before the use) and ``name["k"] = v`` additions."""
    if ctx.function is None:
        return ResponseInfo()
    body = ctx.function.child_by_field_name("body")
    if body is None:
        return ResponseInfo()
    name = ctx.pf.text(ident)
    value: Node | None = None
    extra: list[str] = []
    for assign in own_nodes(body, frozenset({"assignment"})):
        left, right = assign.child_by_field_name("left"), assign.child_by_field_name("right")
        if left is None or right is None or assign.start_byte > ident.start_byte:
            continue
        if left.type == "identifier" and ctx.pf.text(left) == name:
            value, extra = right, []
        elif left.type == "subscript" and ctx.pf.text(left.child_by_field_name("value")) == name:
            key = string_value(ctx.pf, left.child_by_field_name("subscript"))
            if key is not None:
                extra.append(key)
    if value is None:
        return ResponseInfo()
    found = response_of(ctx, value, follow=False)
    if found.shape is None:
        return found
    shape = dict(found.shape)
    for key in extra:
        shape.setdefault(key, None)
    return ResponseInfo(shape, found.status, found.error_literal)


def returned_values(fn: Node) -> Iterator[Node]:
    """Expressions after `return` in `fn` itself (not in nested defs or lambdas)."""
    body = fn.child_by_field_name("body")
    if body is None:
        return
    returns = QueryCursor(load_query("errors_returns")).captures(body).get("return", [])
    for ret in sorted(returns, key=lambda n: n.start_byte):
        if _owner(ret) != fn:
            continue
        value = next((c for c in ret.named_children if c.type != "comment"), None)
        if value is not None:
            yield value


def nested_functions(fn: Node) -> list[Node]:
    """Defs directly inside ``fn`` (also under if/try/with), not inside a nested def."""
    body = fn.child_by_field_name("body")
    if body is None:
        return []
    found = QueryCursor(load_query("errors")).captures(body).get("function", [])
    return sorted((n for n in found if _owner(n) == fn), key=lambda n: n.start_byte)


def _owner(node: Node) -> Node | None:
    """The closest enclosing def, class or lambda."""
    parent = node.parent
    while parent is not None and parent.type not in _SCOPES:
        parent = parent.parent
    return parent


def _is_error_shaped(name: str, resp: ResponseInfo) -> bool:
    """An error body: error keys (and not many others), an error literal, or a 4xx/5xx status."""
    if not resp.shape:
        return False
    keys = set(resp.shape)
    status = _status_int(resp.status)
    if resp.error_literal or (status is not None and status >= 400):
        return True
    others = keys - _ERROR_KEYS - _MESSAGE_KEYS - _ERROR_EXTRAS
    if len(others) > _MAX_OTHER_KEYS:
        return False
    return bool(keys & _ERROR_KEYS or (_ERROR_NAME.search(name.lower()) and keys & _MESSAGE_KEYS))


def returned_response(
    pf: ParsedFile,
    fn: Node,
    helpers: dict[str, ResponseInfo] | None = None,
    *,
    error_only: bool = False,
) -> ResponseInfo:
    """The first dict-shaped response ``fn`` returns (with ``error_only``, the first
    error-shaped one); the status is taken from that return, else the first return with one."""
    ctx = _Context(pf, fn, helpers or {})
    name = pf.text(fn.child_by_field_name("name"))
    chosen: ResponseInfo | None = None
    fallback: ResponseInfo | None = None
    first_status: int | str | None = None
    for value in returned_values(fn):
        resp = response_of(ctx, value)
        if first_status is None:
            first_status = resp.status
        if chosen is None and resp.shape and (not error_only or _is_error_shaped(name, resp)):
            chosen = resp
        if fallback is None and not resp.shape and resp.body:
            if not error_only or _is_error_response(resp):
                fallback = resp
    if chosen is None and fallback is not None:
        status = fallback.status if fallback.status is not None or error_only else first_status
        return ResponseInfo(None, status, body=fallback.body, explicit=fallback.explicit)
    if chosen is None:
        return ResponseInfo(None, None if error_only else first_status)
    status = chosen.status if chosen.status is not None else first_status
    return ResponseInfo(chosen.shape, status, chosen.error_literal, explicit=chosen.explicit)


def _is_error_response(resp: ResponseInfo) -> bool:
    """An explicit response (JSONResponse, jsonify) whose status is an error or computed."""
    status = resp.status
    return resp.explicit and status is not None and (not isinstance(status, int) or status >= 400)


def response_meta(resp: ResponseInfo) -> dict[str, Any]:
    """``response_keys``/``response_shape`` (or ``response_body``) and ``status`` for meta."""
    meta: dict[str, Any] = {}
    if resp.shape:
        meta["response_keys"] = resp.keys
        meta["response_shape"] = render_shape(resp.shape)
    elif resp.body:
        meta["response_body"] = resp.body
    if resp.status is not None:
        meta["status"] = resp.status
    return meta


# --------------------------------------------------------------------------- exceptions


@dataclass
class _ExceptionClass:
    d: Definition
    bases: list[str]
    status: int | str | None = None
    error_code: str | None = None
    message: str | None = None
    fields: list[str] = field(default_factory=list)
    response: ResponseInfo = field(default_factory=ResponseInfo)
    response_method: str | None = None


def _classes(pf: ParsedFile, nodes: list[Node]) -> Iterator[Definition]:
    """Classes not defined inside a function, qualname ``Outer.Inner`` for nested ones."""
    for node in nodes:
        if _inside_function(node):
            continue
        d = _definition_of(node)
        if d is not None:
            yield _named(pf, d, _qualname(pf, node))


def _is_exception_base(name: str, known: set[str]) -> bool:
    last = name.split(".")[-1]
    return last in _EXCEPTION_ROOTS or last in WERKZEUG_STATUS or last.endswith(_EXCEPTION_SUFFIXES) or last in known


def _exception_classes(pf: ParsedFile, nodes: list[Node]) -> list[tuple[Definition, list[str]]]:
    """Classes that are exceptions, resolving the hierarchy inside the file."""
    candidates = [(d, base_classes(pf, d)) for d in _classes(pf, nodes)]
    known: set[str] = set()
    changed = True
    while changed:
        changed = False
        for d, bases in candidates:
            if d.name not in known and any(_is_exception_base(b, known) for b in bases):
                known.add(d.name)
                changed = True
    return [(d, bases) for d, bases in candidates if d.name in known]


def _class_body(d: Definition) -> list[Node]:
    body = d.definition.child_by_field_name("body")
    return list(body.named_children) if body is not None else []


def _class_assignments(pf: ParsedFile, d: Definition) -> Iterator[tuple[str, Node | None]]:
    for stmt in _class_body(d):
        if stmt.type != "expression_statement":
            continue
        for assign in stmt.named_children:
            left = assign.child_by_field_name("left") if assign.type == "assignment" else None
            if left is not None and left.type == "identifier":
                yield pf.text(left), assign.child_by_field_name("right")


def _methods(pf: ParsedFile, d: Definition) -> dict[str, Node]:
    out: dict[str, Node] = {}
    for stmt in _class_body(d):
        m = as_definition(stmt)
        if m is not None and not m.is_class:
            out.setdefault(pf.text(m.definition.child_by_field_name("name")), m.definition)
    return out


def _string_attr(pf: ParsedFile, values: dict[str, Node | None], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = string_value(pf, unwrap(values.get(name)))
        if value is not None:
            return value
    return None


def _init_status(pf: ParsedFile, init: Node) -> int | str | None:
    """``self.status_code = 404`` or ``super().__init__(404, ...)``/``(status_code=404)``."""
    body = init.child_by_field_name("body")
    if body is None:
        return None
    for node in own_nodes(body, frozenset({"assignment", "call"})):
        if node.type == "assignment":
            left = node.child_by_field_name("left")
            right = unwrap(node.child_by_field_name("right"))
            attr = left.child_by_field_name("attribute") if left is not None else None
            if (
                left is not None
                and left.type == "attribute"
                and pf.text(left.child_by_field_name("object")) == "self"
                and pf.text(attr) in _STATUS_ATTRS
                and right is not None
                and right.type in ("integer", "attribute")
            ):
                status = status_value(pf, right)
                if _status_int(status) is not None:
                    return status
            continue
        if dotted_name(pf, callee(node)).split(".")[-1] != "__init__":
            continue
        pos, kw = call_args(node)
        for key in ("status_code", "code", "status"):
            if key in kw and _status_int(status_value(pf, kw[key])) is not None:
                return status_value(pf, kw[key])
        for arg in pos:
            if arg.type == "integer" and _status_int(status_value(pf, arg)) is not None:
                return status_value(pf, arg)
    return None


def _describe_exception(pf: ParsedFile, d: Definition, bases: list[str]) -> _ExceptionClass:
    exc = _ExceptionClass(d, bases)
    values: dict[str, Node | None] = {}
    for name, value in _class_assignments(pf, d):
        values[name] = value
        exc.fields.append(name)
    methods = _methods(pf, d)
    init = methods.get("__init__")
    defaults: dict[str, Node | None] = {}
    if init is not None:
        for name, default in parameters(pf, init)[1:]:
            exc.fields.append(name)
            defaults[name] = default
    exc.fields = list(dict.fromkeys(exc.fields))
    for source in (values, defaults):
        for name in _STATUS_ATTRS:
            status = status_value(pf, source.get(name)) if source.get(name) is not None else None
            if exc.status is None and _status_int(status) is not None:
                exc.status = status
    if exc.status is None and init is not None:
        exc.status = _init_status(pf, init)
    exc.error_code = _string_attr(pf, values, _ERROR_CODE_ATTRS) or _string_attr(pf, defaults, _ERROR_CODE_ATTRS)
    exc.message = _string_attr(pf, values, _MESSAGE_ATTRS) or _string_attr(pf, defaults, _MESSAGE_ATTRS)
    exc.response_method, exc.response = _class_response(pf, methods)
    return exc


def _class_response(pf: ParsedFile, methods: dict[str, Node]) -> tuple[str | None, ResponseInfo]:
    """The first method (``to_dict`` and friends first) that returns a dict body."""
    names = [n for n in _SHAPE_METHODS if n in methods]
    names += [n for n in methods if n not in _SHAPE_METHODS and not n.startswith("__")]
    for name in names:
        resp = returned_response(pf, methods[name])
        if resp.shape:
            return name, resp
    return None, ResponseInfo()


def _inherit_status(classes: list[_ExceptionClass]) -> None:
    """Fill a missing status from an in-file parent or a werkzeug base (``NotFound`` -> 404)."""
    by_name = {c.d.name: c for c in classes}

    def resolve(exc: _ExceptionClass, seen: frozenset[str]) -> int | str | None:
        if exc.status is not None:
            return exc.status
        for base in exc.bases:
            last = base.split(".")[-1]
            parent = by_name.get(last)
            if parent is not None and last not in seen:
                found = resolve(parent, seen | {last})
                if found is not None:
                    return found
            elif last in WERKZEUG_STATUS:
                return WERKZEUG_STATUS[last]
        return None

    for exc in classes:
        exc.status = resolve(exc, frozenset({exc.d.name}))


def _exception_pattern(pf: ParsedFile, exc: _ExceptionClass) -> Pattern:
    d = exc.d
    meta: dict[str, Any] = {
        "bases": exc.bases,
        "status_code": exc.status,
        "fields": exc.fields,
        "signature": signature(pf, d),
        "decorators": [pf.text(x)[1:].strip() for x in d.decorators],
    }
    if exc.error_code is not None:
        meta["error_code"] = exc.error_code
    if exc.message is not None:
        meta["message"] = exc.message
    if exc.response.shape:
        meta["response_keys"] = exc.response.keys
        meta["response_shape"] = render_shape(exc.response.shape)
    details: list[str] = []
    if exc.status is not None:
        details.append(f"status {exc.status}")
    if exc.error_code is not None:
        details.append(f"code {json.dumps(exc.error_code, ensure_ascii=False)}")
    tail = ", ".join(details)
    if exc.response.shape:
        tail = f"{tail} → {render_shape(exc.response.shape)}".strip()
    summary = f"exception {d.name}({', '.join(exc.bases)})"
    tail = tail or first_docline(pf, d)
    return definition_pattern(pf, d, "exception", summary + (f" — {tail}" if tail else ""), meta)


# --------------------------------------------------------------------------- handlers


@dataclass
class _Handler:
    d: Definition
    exceptions: list[int | str] = field(default_factory=list)
    frameworks: list[str] = field(default_factory=list)
    apps: list[str] = field(default_factory=list)
    registered: bool = True  # False: recognised by its (request, exc) signature only

    def add(self, exceptions: list[int | str], framework: str, app: str) -> None:
        for exc in exceptions:
            if exc not in self.exceptions:
                self.exceptions.append(exc)
        if framework not in self.frameworks:
            self.frameworks.append(framework)
        if app and app not in self.apps:
            self.apps.append(app)


def _functions(pf: ParsedFile, nodes: list[Node]) -> dict[str, Definition]:
    """Functions of the file (any depth, not in lambdas) by qualname."""
    out: dict[str, Definition] = {}
    for node in nodes:
        if _scope_names(pf, node) is None:
            continue
        d = _definition_of(node)
        if d is not None:
            qualname = _qualname(pf, node)
            out.setdefault(qualname, _named(pf, d, qualname))
    return out


def _exception_names(pf: ParsedFile, nodes: list[Node]) -> list[int | str]:
    """``404`` -> 404, ``NotFound`` -> "NotFound"; loop variables resolve to their iterable."""
    out: list[int | str] = []
    for node in nodes:
        for item in _literal_items(node):
            value = status_value(pf, item)
            if isinstance(value, str) and item.type == "identifier":
                value = _loop_iterable(pf, item) or value
            if value is not None:
                out.append(value)
    return out


def _literal_items(node: Node) -> list[Node]:
    node = unwrap(node) or node
    if node.type in ("tuple", "list", "set"):
        return [c for c in node.named_children if c.type != "comment"]
    return [node]


def _loop_iterable(pf: ParsedFile, ident: Node) -> str | None:
    """For ``for code in default_exceptions: register(code, fn)``, the text of the iterable."""
    parent = ident.parent
    name = pf.text(ident)
    while parent is not None and parent.type not in _SCOPES:
        if parent.type == "for_statement":
            left = parent.child_by_field_name("left")
            if left is not None and pf.text(left) == name:
                return pf.text(parent.child_by_field_name("right")) or None
        parent = parent.parent
    return None


def _resolve_function(pf: ParsedFile, functions: dict[str, Definition], target: Node, at: Node) -> Definition | None:
    """The function of this file a handler expression names, preferring the closest scope."""
    target = unwrap(target) or target
    if target.type not in ("identifier", "attribute"):
        return None
    name = dotted_name(pf, target).split(".")[-1]
    scope = _scope_names(pf, at) or []
    for depth in range(len(scope), -1, -1):
        d = functions.get(".".join([*scope[:depth], name]))
        if d is not None:
            return d
    return next((d for q, d in functions.items() if q.split(".")[-1] == name), None)


def _decorator_registrations(pf: ParsedFile, d: Definition) -> Iterator[tuple[list[int | str], str, str]]:
    for dec in d.decorators:
        expr = decorator_expr(dec)
        if expr is None or expr.type != "call":
            continue
        name = dotted_name(pf, callee(expr))
        method = name.split(".")[-1]
        if method in _FLASK_HANDLER_DECORATORS:
            framework = "flask"
        elif method in _FASTAPI_HANDLER_DECORATORS:
            framework = "fastapi"
        else:
            continue
        app = name.rsplit(".", 1)[0] if "." in name else ""
        yield _exception_names(pf, _positional(expr)), framework, app


def _split_callee(pf: ParsedFile, call: Node) -> tuple[str, str]:
    """``app.errorhandler`` -> ("app", "errorhandler"); ``errorhandler`` -> ("", "errorhandler")."""
    name = dotted_name(pf, call.child_by_field_name("function"))
    app, _, method = name.rpartition(".")
    return app, method


def _framework(method: str) -> str:
    flask = _FLASK_HANDLER_DECORATORS | _FLASK_REGISTRATIONS
    return "flask" if method in flask else "fastapi"


def _registration(pf: ParsedFile, functions: dict[str, Definition], call: Node) -> Registration | None:
    """``app.add_exception_handler(X, fn)`` / ``app.register_error_handler(X, fn)``."""
    app, method = _split_callee(pf, call)
    pos, kw = _positional(call), call_args(call)[1]
    exc = pos[0] if pos else kw.get("exc_class_or_status_code", kw.get("code_or_exception"))
    target = pos[1] if len(pos) > 1 else kw.get("handler", kw.get("f"))
    if exc is None or target is None:
        return None
    d = _resolve_function(pf, functions, target, call)
    return (d, _exception_names(pf, [exc]), _framework(method), app) if d else None


def _curried(pf: ParsedFile, functions: dict[str, Definition], call: Node) -> Registration | None:
    """``app.exception_handler(X)(fn)`` / ``app.errorhandler(404)(fn)``."""
    inner = call.child_by_field_name("function")
    pos = _positional(call)
    if inner is None or not pos:
        return None
    app, method = _split_callee(pf, inner)
    d = _resolve_function(pf, functions, pos[0], call)
    return (d, _exception_names(pf, _positional(inner)), _framework(method), app) if d else None


def _call_registrations(
    pf: ParsedFile, functions: dict[str, Definition], scan: dict[str, list[Node]]
) -> Iterator[Registration]:
    """Registrations by call, and ``FastAPI(exception_handlers={X: fn})``."""
    for call in scan.get("registration", []):
        found = _registration(pf, functions, call)
        if found is not None:
            yield found
    for call in scan.get("curried", []):
        found = _curried(pf, functions, call)
        if found is not None:
            yield found
    for keyword in scan.get("mapping", []):
        call = keyword.parent.parent if keyword.parent is not None else None
        value = keyword.child_by_field_name("value")
        if call is not None and call.type == "call" and value is not None:
            yield from _handlers_mapping(pf, functions, call, value)


def _handlers_mapping(
    pf: ParsedFile, functions: dict[str, Definition], call: Node, mapping: Node
) -> Iterator[Registration]:
    mapping = unwrap(mapping) or mapping
    if mapping.type != "dictionary":
        return
    method = _split_callee(pf, call)[1]
    framework = "fastapi" if method in _APP_CONSTRUCTORS else "unknown"
    for pair in mapping.named_children:
        key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if pair.type != "pair" or key is None or value is None:
            continue
        d = _resolve_function(pf, functions, value, call)
        if d is not None:
            yield d, _exception_names(pf, [key]), framework, ""


def _typed_params(pf: ParsedFile, d: Definition) -> list[tuple[str, str]]:
    """(name, annotation text) of the plain parameters, without ``self``/``cls``."""
    params = d.definition.child_by_field_name("parameters")
    out: list[tuple[str, str]] = []
    for p in params.named_children if params is not None else []:
        if p.type == "identifier":
            out.append((pf.text(p), ""))
        elif p.type in ("typed_parameter", "default_parameter", "typed_default_parameter"):
            name = p.child_by_field_name("name") or (p.named_children or [None])[0]
            if name is not None and name.type == "identifier":
                out.append((pf.text(name), pf.text(p.child_by_field_name("type"))))
    if d.parent_class and out and out[0][0] in ("self", "cls"):
        return out[1:]
    return out


def _signature_handler(pf: ParsedFile, d: Definition, known: set[str]) -> list[int | str] | None:
    """``async def h(request: Request, exc: AppError)`` returning something is a Starlette/FastAPI
    exception handler even when it is registered in another file: the exceptions it takes."""
    params = _typed_params(pf, d)
    if len(params) != 2 or not next(returned_values(d.definition), None):
        return None
    (request, request_type), (exc, exc_type) = params
    if request not in _REQUEST_NAMES and not request_type.endswith("Request"):
        return None
    if exc_type and _is_exception_base(exc_type, known):
        return [exc_type]
    return [] if exc in _EXCEPTION_PARAMS else None


def _handlers(
    pf: ParsedFile, functions: dict[str, Definition], scan: dict[str, list[Node]], known: set[str]
) -> dict[str, _Handler]:
    handlers: dict[str, _Handler] = {}
    for d in functions.values():
        for exceptions, framework, app in _decorator_registrations(pf, d):
            handlers.setdefault(d.qualname, _Handler(d)).add(exceptions, framework, app)
    for d, exceptions, framework, app in _call_registrations(pf, functions, scan):
        handlers.setdefault(d.qualname, _Handler(d)).add(exceptions, framework, app)
    for d in functions.values():
        taken = None if d.qualname in handlers else _signature_handler(pf, d, known)
        if taken is not None:
            handler = _Handler(d, registered=False)
            handler.add(taken, "fastapi", "")
            handlers[d.qualname] = handler
    return handlers


def _handler_pattern(pf: ParsedFile, h: _Handler, helpers: dict[str, ResponseInfo]) -> Pattern:
    d = h.d
    resp = returned_response(pf, d.definition, helpers)
    framework = h.frameworks[0] if len(h.frameworks) == 1 else "unknown"
    meta: dict[str, Any] = {
        "exceptions": h.exceptions,
        "response_keys": resp.keys,
        "response_shape": render_shape(resp.shape) if resp.shape else None,
        "status": resp.status,
        "response_body": resp.body,
        "framework": framework,
        "app": h.apps[0] if h.apps else None,
        "registered": h.registered,
        "signature": signature(pf, d),
        "decorators": [pf.text(x)[1:].strip() for x in d.decorators],
        **body_refs(pf, d),
    }
    handled = ", ".join(str(e) for e in h.exceptions) or "?"
    summary = f"error handler for {handled}"
    if resp.shape or resp.body:
        summary += f" → {render_shape(resp.shape) if resp.shape else resp.body}"
    if resp.status is not None:
        summary += f" (status {resp.status})"
    return definition_pattern(pf, d, "error_handler", summary, meta)


# --------------------------------------------------------------------------- helpers


def _helper_candidates(pf: ParsedFile, skip: set[str], exception_names: set[str]) -> list[Definition]:
    return [
        d
        for d in pf.definitions()
        if not d.is_class and d.qualname not in skip and d.parent_class not in exception_names
    ]


def _error_helpers(
    pf: ParsedFile, candidates: list[Definition], extra: dict[str, ResponseInfo]
) -> dict[str, tuple[Definition, ResponseInfo]]:
    """Functions returning an error-shaped response (two passes so helpers may call helpers)."""
    found: dict[str, tuple[Definition, ResponseInfo]] = {}
    todo = candidates
    for _ in range(2):
        known = {**extra, **{d.name: r for d, r in found.values()}}
        for d in todo:
            resp = returned_response(pf, d.definition, known, error_only=True)
            if resp.shape:
                params = [name for name, _ in parameters(pf, d.definition)]
                resp.params = tuple(params[1:] if d.parent_class else params)
                found[d.qualname] = (d, resp)
        names = [f"{d.name}(" for d, _ in found.values()]
        todo = [d for d in candidates if d.qualname not in found and any(n in pf.text(d.definition) for n in names)]
    return found


def _helper_pattern(pf: ParsedFile, d: Definition, resp: ResponseInfo) -> Pattern:
    sig = signature(pf, d)
    meta: dict[str, Any] = {
        "signature": sig,
        "decorators": [pf.text(x)[1:].strip() for x in d.decorators],
        **body_refs(pf, d),
        "error_helper": True,
        **response_meta(resp),
    }
    if d.parent_class:
        meta["class"] = d.parent_class
    return definition_pattern(pf, d, "function", f"{sig} — error response {render_shape(resp.shape or {})}", meta)


# --------------------------------------------------------------------------- entry point


def _scan(pf: ParsedFile) -> dict[str, list[Node]]:
    """One query over the file: classes, functions and handler registrations, in order."""
    captures = QueryCursor(load_query("errors")).captures(pf.root)
    return {name: sorted(nodes, key=lambda n: n.start_byte) for name, nodes in captures.items()}


def extract(pf: ParsedFile) -> FileExtract:
    scan = _scan(pf)
    classes = [_describe_exception(pf, d, bases) for d, bases in _exception_classes(pf, scan.get("class", []))]
    _inherit_status(classes)
    method_shapes = {exc.response_method: exc.response for exc in classes if exc.response_method is not None}
    functions = _functions(pf, scan.get("function", []))
    handlers = _handlers(pf, functions, scan, {c.d.name for c in classes})
    candidates = _helper_candidates(pf, set(handlers), {c.d.name for c in classes})
    helpers = _error_helpers(pf, candidates, method_shapes)
    helper_shapes = {**method_shapes, **{d.name: r for d, r in helpers.values()}}
    patterns = [_exception_pattern(pf, exc) for exc in classes]
    patterns += [_handler_pattern(pf, h, helper_shapes) for h in handlers.values()]
    patterns += [_helper_pattern(pf, d, r) for d, r in helpers.values()]
    return FileExtract(patterns=patterns)
