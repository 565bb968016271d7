"""FastAPI: route handlers, routers, mounts, dependency providers and Annotated aliases.

Everything is read from the syntax tree; the indexed code is never imported.

Path templates
    Route paths and router/mount prefixes are recorded as *templates*: literal string parts
    verbatim, every non-literal part as ``{<expression text>}``. So ``"/items"`` stays
    ``/items``, ``f"{API}/items"`` stays ``{API}/items``, ``API + VERSION_1 + RUNS`` becomes
    ``{API}{VERSION_1}{RUNS}`` and ``"/{id}" + RUNS`` becomes ``/{id}{RUNS}``. Placeholders of
    constants look like path parameters; constants are conventionally UPPER_CASE. The linker
    fills in a placeholder naming a path constant of this or another module (``V1_URL_PREFIX =
    "/api/v1"``; see ``memorybrain.route_constants``) where its every part is known.
    ``full_path`` is ``prefix + path`` (FastAPI concatenates) with repeated slashes collapsed.
    In a router or mount *prefix*, only UPPER_CASE constants become placeholders: any other
    non-literal part (``APIRouter(prefix=config.run.root_path)``) is known only at run time,
    is left out of the prefix and is kept, as written, in ``runtime_prefix`` (so a route
    reads ``/project/settings``, not ``{config.run.root_path}/project/settings``).
    Routers also keep ``call``, their constructor call as written (see ``_call_text``).

A handler with several route decorators is one pattern: the first (topmost) decorator gives
``path``/``router``/``full_path``; ``methods`` unites the decorators with that same router and
path (``@app.head(P)`` + ``@app.get(P)`` -> ``["HEAD", "GET"]``). Extra route meta key:
``routes``, every route decorator as ``{"methods", "path", "router", "full_path"}``.

What counts
    A route is ``<obj>.get/post/put/patch/delete/head/options/trace/api_route/websocket(...)``
    used as a decorator (or ``<obj>.add_api_route(path, fn)``) where ``<obj>`` is a
    ``FastAPI()``/``APIRouter()`` created in this file, or any name when the file imports
    fastapi and the first argument looks like a path (string, ``+`` expression, UPPER_CASE
    constant, or ``path=``). A dependency is a function or class used as a ``Depends``/
    ``Security`` target in this file, or a function (or class ``__call__``) whose own
    parameters use them. Mounts also carry ``dependencies`` from ``include_router``.

Known limits: handlers nested inside functions (``create_app()`` factories) are not routes
(their routers, mounts and exception handlers are still recorded); dependencies behind
aliases imported from other files are left to the linker via ``annotations``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tree_sitter import Node

from indexers.base import (
    Definition,
    ParsedFile,
    assignments_in,
    call_args,
    decorator_expr,
    definition_pattern,
    dotted_name,
    first_docline,
    literal_list,
    signature,
    string_value,
    walk,
)
from indexers.refs import body_refs, except_raises
from memorybrain.models import FileExtract, Pattern

_HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "trace"})
_ROUTE_ATTRS = _HTTP_METHODS | {"api_route", "websocket"}
_ROUTER_CLASSES = frozenset({"FastAPI", "APIRouter"})
_DEPENDS = frozenset({"Depends", "Security"})
#: Parameter markers that say "not the request body / not a schema".
_NON_BODY_MARKERS = frozenset({"Query", "Path", "Header", "Cookie", "Form", "File"})
#: Generic wrappers whose arguments (not the wrapper) are the interesting type names.
_TYPE_WRAPPERS = frozenset(
    (
        "Optional Union List list Sequence Set set FrozenSet frozenset Tuple tuple "
        "Iterable Iterator AsyncIterator Generator AsyncGenerator Type type Dict dict "
        "Mapping Awaitable Coroutine "
    ).split()
)
_OPAQUE_TYPES = frozenset({"Literal", "Callable"})
_NOT_SCHEMAS = frozenset(
    (
        "Any UUID Decimal Request Response WebSocket HTTPConnection BackgroundTasks "
        "SecurityScopes UploadFile Session AsyncSession JSONResponse HTMLResponse "
        "PlainTextResponse RedirectResponse StreamingResponse FileResponse ORJSONResponse "
        "UJSONResponse EventSourceResponse None NoReturn "
    ).split()
)
_DOTTED = re.compile(r"^[A-Za-z_][\w.]*$")
_CONSTANT = re.compile(r"^[A-Z][A-Z0-9_]*$")
_PATH_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
_SCAN_TYPES = frozenset(
    {
        "import_statement",
        "import_from_statement",
        "assignment",
        "type_alias_statement",
        "call",
        "decorator",
    }
)


# --------------------------------------------------------------------------- file context


@dataclass
class _Scan:
    """Nodes of interest, collected in one walk over the file."""

    imports: list[Node] = field(default_factory=list)
    assignments: list[Node] = field(default_factory=list)
    calls: list[Node] = field(default_factory=list)
    decorators: list[Node] = field(default_factory=list)


@dataclass
class _Ctx:
    pf: ParsedFile
    imports_fastapi: bool
    dep_imports: set[str]
    routers: dict[str, dict[str, Any]]
    aliases: dict[str, dict[str, Any]]


@dataclass
class _Param:
    name: str
    annotation: Node | None
    default: Node | None


@dataclass
class _RouteCall:
    methods: list[str]
    path: str
    router: str
    call: Node


def extract(pf: ParsedFile) -> FileExtract:
    scan = _scan(pf)
    ctx = _Ctx(
        pf=pf,
        imports_fastapi=_imports_fastapi(pf, scan.imports),
        dep_imports=_dependency_imports(pf, scan.imports),
        routers={},
        aliases={},
    )
    ctx.routers = _find_routers(ctx, scan.assignments)
    ctx.routers.update(_find_routers(ctx, scan.assignments, _router_subclass_candidates(ctx, scan.decorators)))
    ctx.aliases = _find_aliases(ctx, scan.assignments)
    routes, route_names = _route_patterns(ctx, scan.calls)
    deps = _dependency_patterns(ctx, scan.calls, route_names)
    meta: dict[str, Any] = {}
    mounts = _find_mounts(ctx, scan.calls)
    lists = router_lists(pf)
    handlers = _find_exception_handlers(ctx, scan.calls, scan.decorators)
    for key, value in (
        ("routers", ctx.routers),
        ("mounts", mounts),
        ("annotated_aliases", ctx.aliases),
        ("exception_handlers", handlers),
        ("router_lists", lists),
    ):
        if value:
            meta[key] = value
    return FileExtract(patterns=routes + deps, meta=meta)


def _scan(pf: ParsedFile) -> _Scan:
    scan = _Scan()
    for node in walk(pf.root, _SCAN_TYPES):
        if node.type in ("import_statement", "import_from_statement"):
            scan.imports.append(node)
        elif node.type in ("assignment", "type_alias_statement"):
            scan.assignments.append(node)
        elif node.type == "call":
            scan.calls.append(node)
        else:
            scan.decorators.append(node)
    return scan


def _imports_fastapi(pf: ParsedFile, imports: list[Node]) -> bool:
    for node in imports:
        if node.type == "import_from_statement":
            modules = [pf.text(node.child_by_field_name("module_name"))]
        else:
            modules = [
                pf.text(c.child_by_field_name("name") if c.type == "aliased_import" else c) for c in node.named_children
            ]
        if any(m == "fastapi" or m.startswith("fastapi.") for m in modules):
            return True
    return False


def _dependency_imports(pf: ParsedFile, imports: list[Node]) -> set[str]:
    """Names imported from a module that looks like a dependencies module (``app.deps``)."""
    names: set[str] = set()
    for node in imports:
        if node.type != "import_from_statement":
            continue
        module = pf.text(node.child_by_field_name("module_name")).lower()
        if not any("dep" in part for part in module.split(".")):
            continue
        for c in node.children_by_field_name("name"):
            target = c.child_by_field_name("alias") if c.type == "aliased_import" else c
            names.add(pf.text(target))
    return names


# --------------------------------------------------------------------------- small helpers


def _line(node: Node) -> int:
    return node.start_point[0] + 1


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def _unwrap(node: Node | None) -> Node | None:
    """Strip ``type`` wrappers and parentheses from a type or expression node."""
    while node is not None and node.type in ("type", "parenthesized_expression"):
        node = next((c for c in node.named_children if c.type != "comment"), None)
    return node


def _assignment_parts(node: Node) -> tuple[Node | None, Node | None]:
    """(target, value) of ``x = v`` / ``x: T = v`` / ``type x = v``."""
    if node.type == "type_alias_statement":
        return _unwrap(node.child_by_field_name("left")), _unwrap(node.child_by_field_name("right"))
    return node.child_by_field_name("left"), node.child_by_field_name("right")


def path_template(pf: ParsedFile, node: Node | None) -> str | None:
    """A path or prefix expression as a template (see the module docstring); None if absent."""
    node = _unwrap(node)
    if node is None:
        return None
    literal = string_value(pf, node)
    if literal is not None:
        return literal
    if node.type == "binary_operator" and pf.text(node.child_by_field_name("operator")) == "+":
        left = path_template(pf, node.child_by_field_name("left"))
        right = path_template(pf, node.child_by_field_name("right"))
        return f"{left or ''}{right or ''}"
    if node.type == "none":
        return None
    return "{" + _one_line(pf.text(node)) + "}"


def prefix_template(pf: ParsedFile, node: Node | None) -> tuple[str | None, list[str]]:
    """A router or mount prefix as a path template, and the parts of it known only at run time.

    Like :func:`path_template`, except that a non-literal part (an operand of ``+`` or an
    f-string's ``{...}``) is kept as a placeholder only when it names an UPPER_CASE constant
    (``{API}``, ``{settings.API_V1_STR}``). Anything else (``config.run.root_path``, ``prefix``,
    ``get_prefix()``) is a value only the running app knows, usually the root it is served
    under: it is left out of the template, which a ``{...}`` would make read as a path
    parameter, and returned in the list, as written. ``APIRouter(prefix=config.run.root_path)``
    gives ``("", ["config.run.root_path"])``; ``f"{root}/api/{{version}}"`` gives
    ``("/api/{version}", ["root"])``."""
    runtime: list[str] = []

    def part(expr: Node | None) -> str:
        expr = _unwrap(expr)
        if expr is None:
            return ""
        text = _one_line(pf.text(expr))
        if expr.type in ("identifier", "attribute") and _CONSTANT.match(_last(text)):
            return "{" + text + "}"
        runtime.append(text)
        return ""

    def template(expr: Node | None) -> str | None:
        expr = _unwrap(expr)
        if expr is None or expr.type == "none":
            return None
        if expr.type == "concatenated_string":
            parts = [template(c) for c in expr.named_children if c.type == "string"]
            return None if any(p is None for p in parts) else "".join(p or "" for p in parts)
        if expr.type == "string":
            start = next((c for c in expr.children if c.type == "string_start"), None)
            if start is None or "f" not in pf.text(start).lower():
                return string_value(pf, expr)
            out = []
            for c in expr.named_children:
                if c.type == "string_content":  # ``{{``/``}}`` of an f-string are ``{``/``}``
                    out.append(pf.text(c).replace("{{", "{").replace("}}", "}"))
                elif c.type == "escape_sequence":
                    out.append(pf.text(c))
                elif c.type == "interpolation":
                    out.append(part(c.child_by_field_name("expression")))
            return "".join(out)
        if expr.type == "binary_operator" and pf.text(expr.child_by_field_name("operator")) == "+":
            left = template(expr.child_by_field_name("left"))
            right = template(expr.child_by_field_name("right"))
            return f"{left or ''}{right or ''}"
        return part(expr)

    result = template(node)
    return (re.sub(r"/{2,}", "/", result) if result else result), runtime


def join_path(prefix: str, path: str) -> str:
    """``prefix + path`` as FastAPI does it, with repeated slashes collapsed."""
    return re.sub(r"/{2,}", "/", prefix + path) or "/"


def _literal_strings(pf: ParsedFile, node: Node | None) -> list[str]:
    """Strings of a list literal (non-literal items as their text)."""
    out = []
    for item in literal_list(pf, _unwrap(node)):
        value = string_value(pf, item)
        out.append(value if value is not None else _one_line(pf.text(item)))
    return out


def _status_value(pf: ParsedFile, node: Node | None) -> int | str | None:
    node = _unwrap(node)
    if node is None or node.type == "none":
        return None
    if node.type == "integer":
        try:
            return int(pf.text(node), 0)
        except ValueError:
            return pf.text(node)
    return _one_line(pf.text(node))


def _name_or_text(pf: ParsedFile, node: Node | None) -> str:
    return dotted_name(pf, node) or _one_line(pf.text(node))


# --------------------------------------------------------------------------- types & Depends


def _generic_parts(pf: ParsedFile, node: Node) -> tuple[str, list[Node]] | None:
    """``(base name, argument nodes)`` of ``Base[A, B]`` in type or expression position."""
    if node.type == "generic_type":
        named = [c for c in node.named_children if c.type != "comment"]
        if len(named) < 2:
            return None
        args = [c for c in named[1].named_children if c.type != "comment"]
        return dotted_name(pf, named[0]), args
    if node.type == "subscript":
        value = node.child_by_field_name("value")
        return dotted_name(pf, value), node.children_by_field_name("subscript")
    return None


def _annotated_parts(pf: ParsedFile, node: Node | None) -> tuple[Node | None, list[Node]] | None:
    """``(T, [metadata...])`` of ``Annotated[T, ...]``, else None."""
    node = _unwrap(node)
    parts = _generic_parts(pf, node) if node is not None else None
    if parts is None or _last(parts[0]) != "Annotated" or not parts[1]:
        return None
    return _unwrap(parts[1][0]), [m for m in (_unwrap(a) for a in parts[1][1:]) if m is not None]


def type_names(pf: ParsedFile, node: Node | None) -> list[str]:
    """Dotted class names in a type: wrappers (Optional, list, Annotated...) unwrapped."""
    node = _unwrap(node)
    if node is None:
        return []
    if node.type in ("identifier", "attribute"):
        name = dotted_name(pf, node)
        return [name] if name and name != "None" else []
    if node.type == "string":
        value = (string_value(pf, node) or "").strip()
        return [value] if _DOTTED.match(value) else []
    if node.type in ("binary_operator", "union_type"):
        return _dedupe(n for c in node.named_children for n in type_names(pf, c))
    parts = _generic_parts(pf, node)
    if parts is None:
        return []
    base, args = parts
    if _last(base) == "Annotated":
        return type_names(pf, args[0]) if args else []
    if _last(base) in _OPAQUE_TYPES:
        return []
    inner = [n for a in args for n in type_names(pf, a)]
    return _dedupe(inner if _last(base) in _TYPE_WRAPPERS else [base, *inner])


def _marker(pf: ParsedFile, node: Node | None) -> str:
    """Last name of a call's callee (``Depends``, ``Query``...), '' if not a call."""
    node = _unwrap(node)
    if node is None or node.type != "call":
        return ""
    return _last(dotted_name(pf, node.child_by_field_name("function")))


def depends_target(pf: ParsedFile, call: Node, annotated: Node | None) -> str | None:
    """Target of ``Depends(x)`` / ``Security(x, ...)``; ``Depends()`` means the annotation."""
    positional, keywords = call_args(call)
    target = positional[0] if positional else keywords.get("dependency")
    if target is not None:
        return _name_or_text(pf, target)
    names = type_names(pf, annotated)
    return names[0] if names else None


def _deps_in_list(pf: ParsedFile, node: Node | None, depth: int = 0) -> list[str]:
    """Targets of a ``dependencies=[Depends(a), Security(b)]`` list; also of a list built in a
    variable of the same function or module (``deps = [...]``, ``deps.append(Depends(c))``,
    ``deps += [...]``), and of both branches of ``[Depends(a)] if flag else []``."""
    node = _unwrap(node)
    if node is None or depth > 3:
        return []
    op = node.child_by_field_name("operator") if node.type == "binary_operator" else None
    if node.type == "conditional_expression" or (op is not None and pf.text(op) == "+"):
        parts = [c for c in node.named_children if c.type != "comment"]
        if node.type == "conditional_expression":
            parts = [parts[0], parts[2]] if len(parts) == 3 else parts[:1]
        return _dedupe(d for part in parts for d in _deps_in_list(pf, part, depth + 1))
    if node.type == "identifier":
        return _dedupe(d for item in _list_variable_items(pf, node) for d in _deps_in_list(pf, item, depth + 1))
    out = []
    for item in literal_list(pf, node):
        call = _unwrap(item)
        if call is not None and _marker(pf, call) in _DEPENDS:
            out.append(depends_target(pf, call, None) or "")
    return _dedupe(out)


def _list_variable_items(pf: ParsedFile, name: Node) -> list[Node]:
    """What a list variable is built from in its function (or module): the values assigned or
    added to it and the arguments of its ``append``/``extend`` calls (nested functions and
    classes left out)."""
    scope = name.parent
    while scope is not None and scope.type not in ("function_definition", "module"):
        scope = scope.parent
    if scope is None:
        return []
    var = pf.text(name)
    items: list[Node] = []

    def visit(node: Node) -> None:
        for child in node.named_children:
            if child.type in ("function_definition", "class_definition", "decorated_definition", "lambda"):
                continue
            if child.type in ("assignment", "augmented_assignment"):
                left, right = child.child_by_field_name("left"), child.child_by_field_name("right")
                if left is not None and right is not None and pf.text(left) == var:
                    items.append(right)
            elif child.type == "call":
                fn = child.child_by_field_name("function")
                if fn is not None and pf.text(fn) in (f"{var}.append", f"{var}.extend"):
                    positional, _kw = call_args(child)
                    if positional:
                        items.append(positional[0])
            visit(child)

    visit(scope.child_by_field_name("body") or scope)
    return items


# --------------------------------------------------------------------------- parameters


def _params(pf: ParsedFile, fn: Node) -> list[_Param]:
    params = fn.child_by_field_name("parameters")
    out: list[_Param] = []
    for p in params.named_children if params is not None else []:
        if p.type == "identifier":
            out.append(_Param(pf.text(p), None, None))
        elif p.type in ("typed_parameter", "default_parameter", "typed_default_parameter"):
            name_node = p.child_by_field_name("name") or next(iter(p.named_children), None)
            out.append(
                _Param(
                    pf.text(name_node).lstrip("*"),
                    p.child_by_field_name("type"),
                    p.child_by_field_name("value"),
                )
            )
    return out


def _param_markers(ctx: _Ctx, param: _Param) -> list[Node]:
    """Marker calls of a parameter: its default and any ``Annotated`` metadata."""
    pf = ctx.pf
    calls = [param.default] if _marker(pf, param.default) else []
    annotated = _annotated_parts(pf, param.annotation)
    if annotated is not None:
        calls.extend(m for m in annotated[1] if _marker(pf, m))
    return [c for c in (_unwrap(c) for c in calls) if c is not None]


def _param_dependencies(ctx: _Ctx, param: _Param) -> list[str]:
    pf = ctx.pf
    annotated = _annotated_parts(pf, param.annotation)
    base = annotated[0] if annotated is not None else param.annotation
    out = [depends_target(pf, call, base) or "" for call in _param_markers(ctx, param) if _marker(pf, call) in _DEPENDS]
    for name in type_names(pf, param.annotation):
        alias = ctx.aliases.get(name)
        if alias is not None:
            out.append(alias["depends"])
    return _dedupe(out)


def _is_body_param(ctx: _Ctx, param: _Param, path_params: set[str]) -> bool:
    if param.name in path_params or param.annotation is None:
        return False
    markers = {_marker(ctx.pf, c) for c in _param_markers(ctx, param)}
    if markers & (_DEPENDS | _NON_BODY_MARKERS):
        return False
    return not any(
        n in ctx.aliases or _looks_like_dependency_alias(ctx, n) for n in type_names(ctx.pf, param.annotation)
    )


def _looks_like_dependency_alias(ctx: _Ctx, name: str) -> bool:
    first = name.split(".")[0]
    return first in ctx.dep_imports or name.endswith(("Dep", "Deps"))


def _looks_like_schema(name: str) -> bool:
    last = _last(name)
    return bool(last) and last[0].isupper() and last not in _NOT_SCHEMAS


# --------------------------------------------------------------------------- routers & aliases


def _find_routers(
    ctx: _Ctx, assignments: list[Node], candidates: dict[str, bool] | None = None
) -> dict[str, dict[str, Any]]:
    """``FastAPI()``/``APIRouter()`` instances; with ``candidates``, instead the instances of
    a project's class (``class PrefectRouter(APIRouter)``, defined anywhere) bound to those
    names: any class when a decorator on the name is a route already, else one named
    ``...Router`` (a file that imports only the project's router needs the name)."""
    pf = ctx.pf
    routers: dict[str, dict[str, Any]] = {}
    for node in assignments:
        target, value = _assignment_parts(node)
        if target is None or value is None or value.type != "call":
            continue
        cls = _last(dotted_name(pf, value.child_by_field_name("function")))
        name = dotted_name(pf, target)
        if candidates is None:
            wanted = cls in _ROUTER_CLASSES
        else:
            wanted = name in candidates and cls[:1].isupper() and (candidates[name] or cls.endswith("Router"))
        if not wanted or not name or name in routers:
            continue
        _, kw = call_args(value)
        prefix, runtime = prefix_template(pf, kw.get("prefix"))
        routers[name] = {
            "type": cls,
            "prefix": prefix or "",
            "tags": _literal_strings(pf, kw.get("tags")),
            "dependencies": _deps_in_list(pf, kw.get("dependencies")),
            "name": None,
            "line": _line(node),
            "call": _call_text(pf, value, kw.get("prefix")),
        }
        if runtime:
            routers[name]["runtime_prefix"] = runtime
    return routers


#: Longest constructor call kept whole in router meta (``call``); a longer one keeps its prefix.
_MAX_CALL_TEXT = 120


def _call_text(pf: ParsedFile, call: Node, prefix: Node | None) -> str:
    """A router's constructor call as written, on one line; when longer than
    ``_MAX_CALL_TEXT``, abridged to its ``prefix=`` argument (``APIRouter(prefix=X, ...)``)."""
    raw, at = b"", call.start_byte
    for comment in walk(call, frozenset({"comment"})):
        raw, at = raw + pf.source[at : comment.start_byte], comment.end_byte
    source = (raw + pf.source[at : call.end_byte]).decode("utf-8", errors="replace")
    # a call laid out over lines loses its line breaks, and the comma before its closing bracket
    text = _one_line(re.sub(r",?\s*\n\s*([)\]}])", r"\1", re.sub(r"([(\[{])\s*\n\s*", r"\1", source)))
    if len(text) <= _MAX_CALL_TEXT:
        return text
    fn = _one_line(pf.text(call.child_by_field_name("function")))
    return f"{fn}(prefix={_one_line(pf.text(prefix))}, ...)" if prefix is not None else f"{fn}(...)"


def _router_subclass_candidates(ctx: _Ctx, decorators: list[Node]) -> dict[str, bool]:
    """Objects of route-like decorators (``@router.get(...)``) that are not ``FastAPI()`` or
    ``APIRouter()`` instances, each with whether one of its decorators is a route already (the
    file imports fastapi and the path looks like one). When such a name is bound here to
    ``SomeClass(prefix=...)``, that class is the project's router subclass."""
    names: dict[str, bool] = {}
    for dec in decorators:
        parts = _attribute_call(ctx.pf, decorator_expr(dec))
        if parts is None or parts[1] not in _ROUTE_ATTRS or parts[0] in ctx.routers:
            continue
        names[parts[0]] = names.get(parts[0], False) or _route_call(ctx, dec) is not None
    return names


def _find_aliases(ctx: _Ctx, assignments: list[Node]) -> dict[str, dict[str, Any]]:
    """``Alias = Annotated[T, Depends(f)]`` (also ``type Alias = ...``)."""
    pf = ctx.pf
    aliases: dict[str, dict[str, Any]] = {}
    for node in assignments:
        target, value = _assignment_parts(node)
        name = dotted_name(pf, target)
        annotated = _annotated_parts(pf, value)
        if not name or annotated is None:
            continue
        base, metadata = annotated
        for m in metadata:
            if _marker(pf, m) in _DEPENDS:
                dep = depends_target(pf, m, base)
                if dep:
                    aliases[name] = {"depends": dep, "line": _line(node)}
                    break
    return aliases


# --------------------------------------------------------------------------- mounts & handlers


def _attribute_call(pf: ParsedFile, call: Node | None) -> tuple[str, str] | None:
    """``(object, attribute)`` of a call ``obj.attr(...)``, else None."""
    fn = call.child_by_field_name("function") if call is not None and call.type == "call" else None
    if fn is None or fn.type != "attribute":
        return None
    return _name_or_text(pf, fn.child_by_field_name("object")), pf.text(fn.child_by_field_name("attribute"))


def _method_call(pf: ParsedFile, call: Node | None, method: str) -> str | None:
    """The object of ``obj.method(...)`` (dotted or text), else None."""
    parts = _attribute_call(pf, call)
    return parts[0] if parts is not None and parts[1] == method else None


def _find_mounts(ctx: _Ctx, calls: list[Node]) -> list[dict[str, Any]]:
    """``parent.include_router(child, prefix=...)`` (one mount per router when ``child`` is
    the variable of ``for router in [a.router, b.router]:`` or ``for router in ROUTERS:``),
    and ``app.mount("/api/v1", sub_app)`` of a sub-application with a literal path."""
    pf = ctx.pf
    mounts = []
    for call in calls:
        parent = _method_call(pf, call, "include_router")
        positional, kw = call_args(call)
        if parent is None:
            parent = _method_call(pf, call, "mount")
            app = positional[1] if len(positional) > 1 else kw.get("app")
            path = _unwrap(positional[0] if positional else kw.get("path"))
            literal = path is not None and path.type in ("string", "concatenated_string")
            prefix, runtime = prefix_template(pf, path) if literal else (None, [])
            if parent is None or app is None or app.type not in ("identifier", "attribute") or prefix is None:
                continue
            if not ctx.imports_fastapi and parent not in ctx.routers:
                continue
            mount = {"parent": parent, "child": pf.text(app), "prefix": prefix, "line": _line(call)}
            mounts.append({**mount, "runtime_prefix": runtime} if runtime else mount)
            continue
        child = positional[0] if positional else kw.get("router")
        if child is None:
            continue
        prefix, runtime = prefix_template(pf, kw.get("prefix"))
        items = _loop_items(pf, child)
        # a loop over a list another module defines (``for route in v1_routes:`` with
        # ``from app.routers.v1 import ROUTERS as v1_routes``): the list, mounted element-wise
        # (``each``); the linker reads its elements from that module's ``router_lists``
        imported = None if items else _loop_iterable(pf, child)
        for item in items or [child]:
            mounts.append(
                {
                    "parent": parent,
                    "child": imported or _one_line(pf.text(item)),
                    "prefix": prefix or "",
                    "line": _line(call),
                    "dependencies": _deps_in_list(pf, kw.get("dependencies")),
                    **({"runtime_prefix": runtime} if runtime else {}),
                    **({"each": True} if imported else {}),
                }
            )
    return mounts


def _enclosing_loop(pf: ParsedFile, name: Node) -> Node | None:
    """The ``for name in ...:`` statement that binds ``name`` (an identifier), if any."""
    if name.type != "identifier":
        return None
    loop = name.parent
    while loop is not None and loop.type not in ("for_statement", "function_definition", "module"):
        loop = loop.parent
    if loop is None or loop.type != "for_statement":
        return None
    left = loop.child_by_field_name("left")
    return loop if left is not None and pf.text(left) == pf.text(name) else None


def _loop_iterable(pf: ParsedFile, name: Node) -> str | None:
    """The name of what ``name`` is the loop variable of, when that is a plain name not bound
    in this module (``for route in v1_routes:`` with ``v1_routes`` imported); else None."""
    loop = _enclosing_loop(pf, name)
    right = _unwrap(loop.child_by_field_name("right")) if loop is not None else None
    if right is None or right.type not in ("identifier", "attribute"):
        return None
    if right.type == "identifier" and _module_value(pf, pf.text(right)) is not None:
        return None
    return pf.text(right)


#: A module-level list that holds routers: its name or one of its elements says so.
_ROUTER_LIST_RE = re.compile(r"router|blueprint", re.I)


def router_lists(pf: ParsedFile) -> dict[str, list[str]]:
    """Module-level lists and tuples of routers (``ROUTERS = [agents_router, blocks.router]``),
    name -> the elements as written: what a loop in another module mounts one by one."""
    out: dict[str, list[str]] = {}
    for stmt in pf.root.named_children:
        for left, right in assignments_in(stmt):
            items = literal_list(pf, right) if right.type in ("list", "tuple") else []
            if not items or any(i.type not in ("identifier", "attribute") for i in items):
                continue
            names = [pf.text(i) for i in items]
            if _ROUTER_LIST_RE.search(left) or any(_ROUTER_LIST_RE.search(n) for n in names):
                out[left] = names
    return out


def _loop_items(pf: ParsedFile, name: Node) -> list[Node]:
    """The elements ``name`` takes in an enclosing ``for name in [..]:`` over a list or tuple
    literal, or over a module-level name bound to one; [] otherwise."""
    loop = _enclosing_loop(pf, name)
    right = _unwrap(loop.child_by_field_name("right")) if loop is not None else None
    if right is None:
        return []
    if right.type == "identifier":
        right = _module_value(pf, pf.text(right))
    if right is None or right.type not in ("list", "tuple"):
        return []
    return [item for item in literal_list(pf, right) if item.type in ("identifier", "attribute")]


def _module_value(pf: ParsedFile, var: str) -> Node | None:
    """The value of the last module-level ``var = ...``."""
    found = None
    for stmt in pf.root.named_children:
        if stmt.type == "expression_statement" and stmt.named_children:
            node = stmt.named_children[0]
            if node.type == "assignment":
                left, right = _assignment_parts(node)
                if left is not None and pf.text(left) == var:
                    found = _unwrap(right)
    return found


def _find_exception_handlers(ctx: _Ctx, calls: list[Node], decorators: list[Node]) -> list[dict[str, Any]]:
    pf = ctx.pf
    found = []
    for call in calls:
        # app.add_exception_handler(Exc, handler)
        app = _method_call(pf, call, "add_exception_handler")
        positional, _ = call_args(call)
        if app is not None and len(positional) >= 2:
            found.append(_handler_record(pf, app, positional[0], positional[1], call))
            continue
        # app.exception_handler(Exc)(handler)
        inner = call.child_by_field_name("function")
        app = _method_call(pf, inner, "exception_handler")
        inner_args = call_args(inner)[0] if inner is not None and app is not None else []
        if app is not None and inner_args and positional:
            found.append(_handler_record(pf, app, inner_args[0], positional[0], call))
    for dec in decorators:
        # @app.exception_handler(Exc) on a function
        expr = decorator_expr(dec)
        app = _method_call(pf, expr, "exception_handler")
        positional = call_args(expr)[0] if expr is not None and app is not None else []
        definition = dec.parent.child_by_field_name("definition") if dec.parent else None
        if app is not None and positional and definition is not None:
            name = definition.child_by_field_name("name")
            found.append(_handler_record(pf, app, positional[0], name, dec))
    return sorted(found, key=lambda h: h["line"])


def _handler_record(pf: ParsedFile, app: str, exception: Node, handler: Node | None, at: Node) -> dict[str, Any]:
    return {
        "exception": _status_value(pf, exception),
        "handler": _name_or_text(pf, handler),
        "line": _line(at),
        "app": app,
    }


# --------------------------------------------------------------------------- routes


def _route_call(ctx: _Ctx, dec: Node) -> _RouteCall | None:
    """The route a decorator registers, or None if it is not a route decorator."""
    pf = ctx.pf
    expr = decorator_expr(dec)
    parts = _attribute_call(pf, expr)
    if expr is None or parts is None or parts[1] not in _ROUTE_ATTRS:
        return None
    router, attr = parts
    positional, kw = call_args(expr)
    path_node = positional[0] if positional else kw.get("path")
    if router not in ctx.routers and not (ctx.imports_fastapi and _is_path_like(pf, path_node)):
        return None
    if attr in _HTTP_METHODS:
        methods = [attr.upper()]
    else:
        methods = _route_methods(pf, attr, kw.get("methods"))
    return _RouteCall(methods, path_template(pf, path_node) or "", router, expr)


def _route_methods(pf: ParsedFile, attr: str, methods: Node | None) -> list[str]:
    if "websocket" in attr:
        return ["WEBSOCKET"]
    return [m.upper() for m in _literal_strings(pf, methods)] or ["GET"]


def _imperative_routes(ctx: _Ctx, calls: list[Node]) -> dict[str, list[_RouteCall]]:
    """``router.add_api_route(path, endpoint, ...)`` calls, by endpoint function name."""
    pf = ctx.pf
    out: dict[str, list[_RouteCall]] = {}
    for call in calls:
        parts = _attribute_call(pf, call)
        if parts is None or parts[1] not in ("add_api_route", "add_api_websocket_route"):
            continue
        router, attr = parts
        positional, kw = call_args(call)
        path_node = positional[0] if positional else kw.get("path")
        endpoint = positional[1] if len(positional) > 1 else kw.get("endpoint")
        if endpoint is None or endpoint.type != "identifier":
            continue
        if router not in ctx.routers and not ctx.imports_fastapi:
            continue
        methods = _route_methods(pf, attr, kw.get("methods"))
        route = _RouteCall(methods, path_template(pf, path_node) or "", router, call)
        out.setdefault(pf.text(endpoint), []).append(route)
    return out


def _is_path_like(pf: ParsedFile, node: Node | None) -> bool:
    node = _unwrap(node)
    if node is None:
        return False
    if node.type in ("string", "concatenated_string", "binary_operator"):
        return True
    return node.type in ("identifier", "attribute") and bool(_CONSTANT.match(_last(dotted_name(pf, node))))


def _route_patterns(ctx: _Ctx, calls: list[Node]) -> tuple[list[Pattern], set[str]]:
    imperative = _imperative_routes(ctx, calls)
    out: list[Pattern] = []
    for d in ctx.pf.definitions():
        if d.is_class:
            continue
        found = [_route_call(ctx, dec) for dec in d.decorators]
        routes = [r for r in found if r is not None]
        if d.parent_class is None:
            routes += imperative.get(d.name, [])
        if routes:
            others = [dec for dec, r in zip(d.decorators, found, strict=True) if r is None]
            out.append(_route_pattern(ctx, d, routes, others))
    return out, {p.qualname for p in out}


def _full_path(ctx: _Ctx, route: _RouteCall) -> str:
    prefix = ctx.routers.get(route.router, {}).get("prefix", "")
    return join_path(prefix, route.path)


def _route_pattern(ctx: _Ctx, d: Definition, routes: list[_RouteCall], others: list[Node]) -> Pattern:
    meta = _route_meta(ctx, d, routes, others)
    response = meta["response_model"] or meta["response_annotation"]
    summary = (
        f"{','.join(meta['methods'])} {meta['full_path']} → {d.qualname}"
        + _route_details(meta["dependencies"], response)
        + (f" — {meta['summary']}" if meta["summary"] else "")
    )
    return _pattern(ctx.pf, d, "route", summary, meta)


def _route_meta(ctx: _Ctx, d: Definition, routes: list[_RouteCall], others: list[Node]) -> dict[str, Any]:
    pf = ctx.pf
    route = routes[0]
    _, kw = call_args(route.call)
    router = ctx.routers.get(route.router, {})
    params = _params(pf, d.definition)
    response_model = kw.get("response_model")
    meta: dict[str, Any] = {
        "framework": "fastapi",
        "methods": _dedupe(m for r in routes if (r.router, r.path) == (route.router, route.path) for m in r.methods),
        "path": route.path,
        "router": route.router,
        "full_path": _full_path(ctx, route),
        "handler": d.qualname,
        "decorators": [_name_or_text(pf, _callee(dec)) for dec in others],
        "decorator_texts": [_one_line(pf.text(dec)) for dec in others],
        "dependencies": _dedupe(
            [
                *router.get("dependencies", []),
                *_deps_in_list(pf, kw.get("dependencies")),
                *(dep for p in params for dep in _param_dependencies(ctx, p)),
            ]
        ),
        "annotations": _dedupe(n for p in params for n in type_names(pf, p.annotation)),
        "response_model": (
            _one_line(pf.text(response_model)) if response_model is not None and response_model.type != "none" else None
        ),
        # without ``response_model=`` FastAPI validates and documents the response with the
        # return annotation (``-> schemas.WorkPoolResponse``)
        "response_annotation": _return_text(pf, d) if response_model is None else None,
        "status_code": _status_value(pf, kw.get("status_code")),
        "tags": _dedupe([*router.get("tags", []), *_literal_strings(pf, kw.get("tags"))]),
        "schemas": _route_schemas(ctx, d, route, params, response_model),
        "summary": string_value(pf, kw.get("summary")) or first_docline(pf, d) or None,
        "routes": [
            {
                "methods": r.methods,
                "path": r.path,
                "router": r.router,
                "full_path": _full_path(ctx, r),
            }
            for r in routes
        ],
    }
    security = _security_dependencies(ctx, kw.get("dependencies"), params)
    if security:  # the targets the project writes as ``Security(x)``, not ``Depends(x)``
        meta["security"] = security
    meta.update(body_refs(pf, d))
    meta.update(except_raises(pf, d))
    return meta


def _security_dependencies(ctx: _Ctx, listed: Node | None, params: list[_Param]) -> list[str]:
    pf = ctx.pf
    calls = [c for item in literal_list(pf, _unwrap(listed)) if (c := _unwrap(item)) is not None]
    out: list[str] = []
    for call in calls:
        if _marker(pf, call) == "Security":
            out.append(depends_target(pf, call, None) or "")
    for p in params:
        annotated = _annotated_parts(pf, p.annotation)
        base = annotated[0] if annotated is not None else p.annotation
        out.extend(depends_target(pf, c, base) or "" for c in _param_markers(ctx, p) if _marker(pf, c) == "Security")
    return [d for d in _dedupe(out) if d]


def _callee(dec: Node) -> Node | None:
    expr = decorator_expr(dec)
    return expr.child_by_field_name("function") if expr is not None and expr.type == "call" else expr


def _return_text(pf: ParsedFile, d: Definition) -> str | None:
    ret = d.definition.child_by_field_name("return_type")
    names = [n for n in type_names(pf, ret) if _looks_like_schema(n)]
    return _one_line(pf.text(ret)) if ret is not None and names else None


def _route_details(dependencies: list[str], response: str | None) -> str:
    parts = []
    if dependencies:
        parts.append("deps: " + ", ".join(dependencies))
    if response:
        parts.append(f"response: {response}")
    return f" ({'; '.join(parts)})" if parts else ""


def _route_schemas(
    ctx: _Ctx, d: Definition, route: _RouteCall, params: list[_Param], response_model: Node | None
) -> list[str]:
    pf = ctx.pf
    if response_model is not None:
        response = type_names(pf, response_model)
    else:
        response = type_names(pf, d.definition.child_by_field_name("return_type"))
    path_params = set(_PATH_PARAM.findall(route.path))
    body = [n for p in params if _is_body_param(ctx, p, path_params) for n in type_names(pf, p.annotation)]
    return _dedupe(n for n in [*response, *body] if _looks_like_schema(n))


# --------------------------------------------------------------------------- dependencies


def _dependency_patterns(ctx: _Ctx, calls: list[Node], route_names: set[str]) -> list[Pattern]:
    pf = ctx.pf
    used = {t for call in calls if _marker(pf, call) in _DEPENDS and (t := depends_target(pf, call, None)) is not None}
    defs = [d for d in pf.definitions() if d.qualname not in route_names]
    methods = {d.qualname: d for d in defs if d.parent_class}
    out = []
    for d in defs:
        if d.is_class:
            pattern = _class_dependency(ctx, d, methods, used)
        elif d.parent_class is None or d.qualname in used:
            pattern = _function_dependency(ctx, d, used)
        else:
            pattern = None
        if pattern is not None:
            out.append(pattern)
    return out


def _function_dependency(ctx: _Ctx, d: Definition, used: set[str]) -> Pattern | None:
    depends_on = _dedupe(dep for p in _params(ctx.pf, d.definition) for dep in _param_dependencies(ctx, p))
    if not depends_on and d.name not in used and d.qualname not in used:
        return None
    return _dependency_pattern(ctx, d, d, depends_on)


def _class_dependency(ctx: _Ctx, d: Definition, methods: dict[str, Definition], used: set[str]) -> Pattern | None:
    call = methods.get(f"{d.name}.__call__")
    init = methods.get(f"{d.name}.__init__")
    depends_on = _dedupe(
        dep
        for m in (init, call)
        if m is not None
        for p in _params(ctx.pf, m.definition)
        for dep in _param_dependencies(ctx, p)
    )
    if d.name not in used and not (call is not None and depends_on):
        return None
    return _dependency_pattern(ctx, d, call or init, depends_on)


def _dependency_pattern(ctx: _Ctx, d: Definition, body: Definition | None, depends_on: list[str]) -> Pattern:
    pf = ctx.pf
    refs = body_refs(pf, body) if body is not None else body_refs(pf, d)
    meta: dict[str, Any] = {
        "depends_on": depends_on,
        "yields": body is not None and not body.is_class and _yields(body.definition),
        **refs,
    }
    sig = re.sub(r"^(async\s+)?def\s+", "", signature(pf, d))
    doc = first_docline(pf, d)
    return _pattern(pf, d, "dependency", f"dependency {sig}" + (f" — {doc}" if doc else ""), meta)


def _yields(fn: Node) -> bool:
    """Whether a function body yields (nested functions, classes and lambdas excluded)."""
    body = fn.child_by_field_name("body")
    stack = [body] if body is not None else []
    while stack:
        node = stack.pop()
        if node.type == "yield":
            return True
        if node.type in ("function_definition", "class_definition", "lambda"):
            continue
        stack.extend(node.named_children)
    return False


_pattern = definition_pattern
