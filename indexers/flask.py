"""Flask routes, read statically from one parse tree.

Covers function routes (``@app.route``, ``@bp.get``, ``bp.add_url_rule(view_func=fn)``),
class-based views (``MethodView``/``View``, flask-restful and flask-restx ``Resource``,
flask-smorest ``@blp.route`` classes; one route pattern per HTTP method function),
request-handler classes whose ``_process``/``_process_GET`` methods dispatch (registered with
``bp.add_url_rule("/x", "x", RHEdit)``, usually from a blueprint file) and the
file-level wiring the linker joins across files: ``routers``, ``mounts``, ``url_rules``,
``exception_handlers`` and ``hooks`` (``before_request`` and friends).

A registration whose view lives in another file (``bp.add_url_rule("/x",
view_func=views.ItemAPI.as_view("item"))``) is kept in ``url_rules`` only; the views file
emits its route patterns with ``path`` None and the linker joins them by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tree_sitter import Node

from indexers import flask_appbuilder
from indexers.base import (
    FLASK_REQUEST_HOOKS,
    Definition,
    ParsedFile,
    as_definition,
    assignments_in,
    call_args,
    class_attributes,
    decorator_expr,
    definition_pattern,
    dotted_name,
    literal_list,
    string_value,
    view_decorator_entries,
    walk,
)
from indexers.refs import body_refs, except_raises
from memorybrain.models import FileExtract, Pattern

_FRAMEWORK_OF_MODULE = {
    "flask": "flask",
    "apiflask": "flask",
    "flask_smorest": "flask-smorest",
    "flask_restful": "flask-restful",
    "flask_restx": "flask-restx",
}
_FLASK_MODULES = frozenset(_FRAMEWORK_OF_MODULE)
#: Files importing one of these (and no Flask module) are not Flask code.
_OTHER_WEB = frozenset(
    {
        "fastapi",
        "starlette",
        "django",
        "rest_framework",
        "sanic",
        "aiohttp",
        "bottle",
        "litestar",
        "tornado",
        "falcon",
        "pyramid",
        "ninja",
    }
)
_HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
#: Dispatch methods of a request-handler class that is no Flask view class (``class
#: RHEdit(RHBase)`` with ``_process`` or ``_process_GET``/``_process_POST``), registered
#: elsewhere with ``bp.add_url_rule("/edit", "edit", RHEdit)``.
_PROCESS_RE = re.compile(r"^_process(?:_(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS))?$")
_SHORTCUTS = frozenset({"get", "post", "put", "patch", "delete"})
#: Request hooks and the other per-request callbacks a blueprint or app registers.
_HOOKS = FLASK_REQUEST_HOOKS | frozenset(
    {
        "url_value_preprocessor",
        "app_url_value_preprocessor",
        "url_defaults",
        "app_url_defaults",
        "context_processor",
        "app_context_processor",
    }
)
_ERROR_DECORATORS = frozenset({"errorhandler", "app_errorhandler"})
#: Decorators whose first positional argument is a request/response schema.
_SCHEMA_FIRST_ARG = frozenset(
    {
        "arguments",
        "marshal_with",
        "marshal_list_with",
        "expect",
        "use_kwargs",
        "use_args",
        "input",
        "output",
    }
)
#: Of those, the ones that shape the response.
_OUTPUT_FIRST_ARG = frozenset({"marshal_with", "marshal_list_with", "output"})
#: Decorators ``(status, [description,] schema)``: flask-smorest and flask-restx.
_SCHEMA_RESPONSE = frozenset({"response", "alt_response"})
#: ``X().load(...)``, ``schema.dump(...)``, ``Model.model_validate(...)`` in a body.
_SCHEMA_CALLS = frozenset(
    {
        "load",
        "loads",
        "dump",
        "dumps",
        "model_validate",
        "model_validate_json",
        "parse_obj",
        "parse_raw",
    }
)
_INDEXED = frozenset(
    {
        "call",
        "decorated_definition",
        "assignment",
        "class_definition",
        "function_definition",
        "import_statement",
        "import_from_statement",
    }
)
#: Calls that may register a view: by name, or by a ``view_func=`` argument.
_REGISTRATION_CALL = re.compile(r"\.(add_url_rule|add_resource)$")
_REGISTRATION_HINT = re.compile(r"\bview_func\s*=")
_VIEW_BASES = {"MethodView": "methodview", "View": "view", "Resource": "resource"}
#: Cheap pre-filter: files without any of these words have nothing for this indexer.
_TRIGGER = re.compile(
    rb"route|add_url_rule|add_resource|register_|errorhandler|[Ff]lask|Blueprint|_request|"
    rb"teardown|processor|url_defaults|View|Resource|view_func|Api\(|Namespace|def _process"
)


# --------------------------------------------------------------------------- data


@dataclass
class _Router:
    type: str  # Flask | Blueprint | Api | Namespace
    framework: str
    prefix: str | None
    name: str | None
    line: int

    def as_meta(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "prefix": self.prefix,
            "name": self.name,
            "tags": [],
            "dependencies": [],
            "line": self.line,
            "framework": self.framework,
        }


@dataclass
class _Rule:
    """One way a handler is reached: a route decorator or a registration call."""

    router: str | None
    paths: list[str | None]
    methods: list[str] | None  # None: not given
    line: int
    endpoint: str | None = None
    wrappers: list[str] = field(default_factory=list)  # view_func=login_required(fn)


@dataclass
class _ViewRef:
    """What a ``view_func`` value names."""

    name: str  # dotted as written
    is_class: bool
    endpoint: str | None = None  # X.as_view("endpoint")
    wrappers: list[str] = field(default_factory=list)  # login_required(view)


@dataclass
class _Registration:
    view: str  # dotted as written: "ItemAPI", "views.index"
    is_class: bool
    rule: _Rule
    target: str


@dataclass
class _Ctx:
    pf: ParsedFile
    imported: dict[str, str]  # local name -> qualified name
    modules: set[str]  # top-level modules imported
    constants: dict[str, Node]  # module-level NAME = <expr>
    routers: dict[str, _Router] = field(default_factory=dict)
    mounts: list[dict[str, Any]] = field(default_factory=list)
    #: Nodes of the file by type (one walk): see ``_INDEXED``.
    nodes: dict[str, list[Node]] = field(default_factory=dict)
    #: Loop variables while reading a registration inside ``for rule, view in RULES:``.
    env: dict[str, Node] = field(default_factory=dict)

    @property
    def flaskish(self) -> bool:
        return bool(self.modules & _FLASK_MODULES)

    @property
    def foreign(self) -> bool:
        return not self.flaskish and bool(self.modules & _OTHER_WEB)


@dataclass
class _ViewClass:
    name: str
    qualname: str
    node: Node  # class_definition
    decorators: list[Node]
    kind: str  # methodview | view | resource | handler (``_process`` dispatch) | other
    rules: list[_Rule] = field(default_factory=list)


# --------------------------------------------------------------------------- entry point


def extract(pf: ParsedFile) -> FileExtract:
    if not _TRIGGER.search(pf.source):
        return FileExtract()
    ctx = _context(pf)
    calls, decorated = ctx.nodes["call"], ctx.nodes["decorated_definition"]
    _collect_routers(ctx)
    registrations = _registrations(ctx, calls)
    _collect_mounts(ctx, calls)
    patterns = _function_routes(ctx, decorated, registrations)
    patterns += _class_routes(ctx, registrations)
    patterns += _restx_models(ctx)
    meta: dict[str, Any] = {
        "routers": {var: r.as_meta() for var, r in ctx.routers.items()},
        "mounts": sorted(ctx.mounts, key=lambda m: m["line"]),
        "url_rules": _unique_dicts(_url_rule_meta(r) for r in registrations),
        "exception_handlers": _exception_handlers(ctx, decorated, calls),
        "hooks": _hooks(ctx, decorated, calls),
        "router_decorators": _router_decorators(ctx, calls),
    }
    return FileExtract(patterns=patterns, meta={k: v for k, v in meta.items() if v})


# --------------------------------------------------------------------------- file context


def _context(pf: ParsedFile) -> _Ctx:
    nodes: dict[str, list[Node]] = {t: [] for t in _INDEXED}
    for node in walk(pf.root, _INDEXED):
        nodes[node.type].append(node)
    imported: dict[str, str] = {}
    modules: set[str] = set()
    for stmt in nodes["import_statement"] + nodes["import_from_statement"]:
        if stmt.type == "import_statement":
            for c in stmt.named_children:
                if c.type == "aliased_import":
                    module = pf.text(c.child_by_field_name("name"))
                    imported[pf.text(c.child_by_field_name("alias"))] = module
                else:
                    module = pf.text(c)
                    head = module.split(".")[0]
                    imported.setdefault(head, head)
                modules.add(module.split(".")[0])
            continue
        module = pf.text(stmt.child_by_field_name("module_name"))
        if not module.startswith("."):
            modules.add(module.split(".")[0])
        for c in stmt.children_by_field_name("name"):
            if c.type == "aliased_import":
                name = pf.text(c.child_by_field_name("name"))
                local = pf.text(c.child_by_field_name("alias"))
            else:
                name = local = pf.text(c)
            imported[local] = f"{module}.{name}" if not module.endswith(".") else module + name
    constants: dict[str, Node] = {}
    for stmt in pf.root.named_children:
        for left, right in assignments_in(stmt):
            constants.setdefault(left, right)
    return _Ctx(pf=pf, imported=imported, modules=modules, constants=constants, nodes=nodes)


def _qualified(ctx: _Ctx, dotted: str) -> str:
    """``Blueprint`` -> ``flask.Blueprint`` through the file's imports."""
    head, _, rest = dotted.partition(".")
    full = ctx.imported.get(head)
    if full is None:
        return dotted
    return f"{full}.{rest}" if rest else full


def _line(node: Node) -> int:
    return node.start_point[0] + 1


# --------------------------------------------------------------------------- literals


def _resolve(ctx: _Ctx, ident: Node) -> Node | None:
    """What a name is bound to: a loop variable being unrolled, an earlier assignment in
    the enclosing function, or a module-level assignment."""
    name = ctx.pf.text(ident)
    if name in ctx.env:
        return ctx.env[name]
    scope = _scope(ident)
    if scope.type == "function_definition":
        for a in walk(scope, {"assignment"}):
            left, right = a.child_by_field_name("left"), a.child_by_field_name("right")
            if a.start_byte >= ident.start_byte:
                break
            if left is not None and left.type == "identifier" and ctx.pf.text(left) == name:
                return right
    return ctx.constants.get(name)


def _text_value(ctx: _Ctx, node: Node | None, depth: int = 0) -> str | None:
    """A rule string: literals, f-strings (text kept), ``"...".format(..)`` (filled in when
    its arguments are known), ``A + B`` of those, and names bound to them."""
    if node is None or depth > 6:
        return None
    if node.type in ("string", "concatenated_string"):
        return string_value(ctx.pf, node)
    if node.type == "integer":
        return ctx.pf.text(node)
    if node.type == "identifier":
        return _text_value(ctx, _resolve(ctx, node), depth + 1)
    if node.type == "call":
        fn = node.child_by_field_name("function")
        pos, kw = call_args(node)
        parts = _call_parts(ctx, node)
        if parts is not None and parts[1] == "format" and fn is not None:
            template = _text_value(ctx, fn.child_by_field_name("object"), depth + 1)
            return _format(template, [_text_value(ctx, a, depth + 1) for a in pos], kw)
        if dotted_name(ctx.pf, fn) == "str":  # str(u"name")
            return _text_value(ctx, pos[0], depth + 1) if len(pos) == 1 else None
    if node.type == "binary_operator" and ctx.pf.text(node.child_by_field_name("operator")) == "+":
        left = _text_value(ctx, node.child_by_field_name("left"), depth + 1)
        right = _text_value(ctx, node.child_by_field_name("right"), depth + 1)
        return None if left is None or right is None else left + right
    if node.type == "parenthesized_expression" and node.named_children:
        return _text_value(ctx, node.named_children[0], depth + 1)
    return None


#: An UPPER_CASE constant's name (``ITEMS``, ``API_PREFIX``).
_CONSTANT = re.compile(r"[A-Z][A-Z0-9_]*")


def _path_value(ctx: _Ctx, node: Node | None, depth: int = 0) -> str | None:
    """A rule or URL prefix: :func:`_text_value`, where an UPPER_CASE constant imported from
    another module (``from app.urls import ITEMS``, ``urls.ITEMS``), alone or in ``+``,
    becomes a ``{NAME}`` placeholder that the linker fills from that module's path constants
    (``memorybrain.route_constants``). None when any other part is unknown."""
    value = _text_value(ctx, node)
    if value is not None or node is None or depth > 6:
        return value
    if node.type == "parenthesized_expression" and node.named_children:
        return _path_value(ctx, node.named_children[0], depth + 1)
    if node.type == "binary_operator" and ctx.pf.text(node.child_by_field_name("operator")) == "+":
        left = _path_value(ctx, node.child_by_field_name("left"), depth + 1)
        right = _path_value(ctx, node.child_by_field_name("right"), depth + 1)
        return None if left is None or right is None else left + right
    if node.type in ("identifier", "attribute"):
        name = dotted_name(ctx.pf, node)
        head, last = name.split(".", 1)[0], name.rsplit(".", 1)[-1]
        bound_here = node.type == "identifier" and _resolve(ctx, node) is not None
        if name and head in ctx.imported and _CONSTANT.fullmatch(last) and not bound_here:
            return "{" + name + "}"
    return None


def _format(template: str | None, args: list[str | None], kw: dict[str, Node]) -> str | None:
    """``"/{0}/<id>".format("x")`` -> ``/x/<id>`` when every argument is known, else the
    template as written."""
    if template is None or kw or not args or any(a is None for a in args):
        return template
    try:
        return template.format(*args)
    except (IndexError, KeyError, ValueError):
        return template


def _methods(ctx: _Ctx, node: Node | None) -> list[str] | None:
    """Uppercase methods of ``methods=[...]`` / ``("GET",)`` / a name bound to one."""
    if node is None:
        return None
    if node.type == "identifier":
        node = _resolve(ctx, node)
        if node is None:
            return None
    values = [string_value(ctx.pf, n) for n in literal_list(ctx.pf, node)]
    out = _unique(v.upper() for v in values if v)
    return out or None


def _unique(items: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(items))


def _unique_dicts(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = repr(sorted(item.items()))
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _name_of(ctx: _Ctx, node: Node | None) -> str:
    """Dotted name of an expression, a call's callee, or ``[X]``'s element; '' otherwise."""
    if node is None:
        return ""
    if node.type in ("list", "tuple") and len(node.named_children) == 1:
        return _name_of(ctx, node.named_children[0])
    return dotted_name(ctx.pf, node)


def _call_parts(ctx: _Ctx, node: Node | None) -> tuple[str, str, Node] | None:
    """For ``obj.attr(...)``: (obj dotted name, attr, call node)."""
    if node is None or node.type != "call":
        return None
    fn = node.child_by_field_name("function")
    if fn is None or fn.type != "attribute":
        return None
    obj = dotted_name(ctx.pf, fn.child_by_field_name("object"))
    return obj, ctx.pf.text(fn.child_by_field_name("attribute")), node


def _attr_parts(ctx: _Ctx, node: Node | None) -> tuple[str, str] | None:
    """For ``obj.attr`` (not called): (obj dotted name, attr)."""
    if node is None or node.type != "attribute":
        return None
    return dotted_name(ctx.pf, node.child_by_field_name("object")), ctx.pf.text(node.child_by_field_name("attribute"))


def _status_or_name(ctx: _Ctx, node: Node | None) -> int | str | None:
    if node is None:
        return None
    if node.type == "integer":
        try:
            return int(ctx.pf.text(node))
        except ValueError:
            return ctx.pf.text(node)
    return dotted_name(ctx.pf, node) or ctx.pf.text(node)


# --------------------------------------------------------------------------- routers, mounts


def _router_kind(ctx: _Ctx, callee: str, depth: int = 0) -> tuple[str, str] | None:
    """(type, framework) when ``callee`` constructs a Flask app/blueprint/api object, or a
    subclass of one defined in the file (``class UDataApi(Api)``)."""
    module, _, cls = _qualified(ctx, callee).rpartition(".")
    top = module.split(".")[0]
    if not module and depth < 3:
        local = next(
            (n for n in ctx.nodes["class_definition"] if ctx.pf.text(n.child_by_field_name("name")) == cls), None
        )
        if local is not None:
            return next((k for b in _bases(ctx, local) if (k := _router_kind(ctx, b, depth + 1))), None)
    if top in _OTHER_WEB:
        return None
    if cls in ("Flask", "APIFlask"):
        return "Flask", "flask"
    if cls in ("Blueprint", "APIBlueprint") or (cls.endswith("Blueprint") and ctx.flaskish):  # I18nBlueprint
        smorest = top == "flask_smorest" or (top not in ("flask", "apiflask") and "flask_smorest" in ctx.modules)
        return "Blueprint", "flask-smorest" if smorest else "flask"
    if cls == "Api":
        if top in ("flask_restful", "flask_restx", "flask_smorest"):
            return "Api", _FRAMEWORK_OF_MODULE[top]
        if top in _FLASK_MODULES:
            return None
        for mod in ("flask_restx", "flask_restful", "flask_smorest"):
            if mod in ctx.modules:
                return "Api", _FRAMEWORK_OF_MODULE[mod]
        return None
    if cls == "Namespace" and (top == "flask_restx" or (not module and "flask_restx" in ctx.modules)):
        return "Namespace", "flask-restx"
    return None


def _collect_routers(ctx: _Ctx) -> None:
    for a in ctx.nodes["assignment"]:
        left, right = a.child_by_field_name("left"), a.child_by_field_name("right")
        if left is None or right is None or left.type != "identifier" or right.type != "call":
            continue
        var = ctx.pf.text(left)
        if _api_namespace(ctx, var, right):
            continue
        callee = dotted_name(ctx.pf, right.child_by_field_name("function"))
        kind = _router_kind(ctx, callee)
        if kind is None and callee.endswith("Blueprint") and not ctx.foreign and _gets_rules(ctx, var):
            kind = ("Blueprint", "flask")  # a project Blueprint subclass in a file importing no flask
        if kind is None or var in ctx.routers:
            continue
        ctx.routers[var] = _make_router(ctx, right, *kind)
        if kind[0] == "Api":
            pos, kw = call_args(right)
            parent = _name_of(ctx, pos[0] if pos else kw.get("app"))
            if parent:
                ctx.mounts.append(_mount(parent, var, None, right))


def _gets_rules(ctx: _Ctx, var: str) -> bool:
    """Whether the file adds URL rules to ``var`` (``var.add_url_rule(``, ``@var.route(``)."""
    name = re.escape(var.encode())
    return re.search(rb"(?<![\w.])" + name + rb"\.(add_url_rule|route)\(", ctx.pf.source) is not None


def _api_namespace(ctx: _Ctx, var: str, call: Node) -> bool:
    """``ns = api.namespace("harvest", "description", path=...)``: flask-restx creates the
    namespace and adds it to ``api`` (which may live in another file)."""
    parts = _call_parts(ctx, call)
    if parts is None or parts[1] != "namespace" or not parts[0] or var in ctx.routers:
        return False
    pos, kw = call_args(call)
    name = _text_value(ctx, pos[0] if pos else kw.get("name"))
    parent = ctx.routers.get(parts[0])
    routes = re.search(rb"@" + re.escape(var.encode()) + rb"\.route\(", ctx.pf.source) is not None
    if name is None or not (ctx.flaskish or routes or (parent is not None and parent.type == "Api")):
        return False
    prefix = _text_value(ctx, kw.get("path"))
    own = prefix if prefix is not None else "/" + name
    ctx.routers[var] = _Router("Namespace", "flask-restx", own, name, _line(call))
    ctx.mounts.append(_mount(parts[0], var, None, call))
    return True


def _make_router(ctx: _Ctx, call: Node, type_: str, framework: str) -> _Router:
    pos, kw = call_args(call)
    name = _text_value(ctx, pos[0] if pos else kw.get("name"))
    prefix: str | None = None
    if type_ == "Blueprint":
        prefix = _path_value(ctx, kw.get("url_prefix"))
    elif type_ == "Api":
        prefix = _text_value(ctx, kw.get("prefix"))
    elif type_ == "Namespace":
        prefix = _text_value(ctx, kw.get("path"))
        if prefix is None and name:
            prefix = "/" + name
    return _Router(type_, framework, prefix, name, _line(call))


def _mount(parent: str, child: str, prefix: str | None, node: Node) -> dict[str, Any]:
    return {"parent": parent, "child": child, "prefix": prefix, "line": _line(node)}


def _partial_registration(ctx: _Ctx, call: Node) -> tuple[str, list[Node], dict[str, Node]] | None:
    """``functools.partial(app.register_blueprint, api, url_prefix="/api")``, called later
    (a list of registrators): (the app's name, the remaining arguments)."""
    fn = call.child_by_field_name("function")
    if fn is None or dotted_name(ctx.pf, fn).rsplit(".", 1)[-1] != "partial":
        return None
    pos, kw = call_args(call)
    target = _attr_parts(ctx, pos[0] if pos else None)
    if target is None or target[1] != "register_blueprint":
        return None
    return target[0], pos[1:], kw


def _collect_mounts(ctx: _Ctx, calls: list[Node]) -> None:
    for call in calls:
        partial = _partial_registration(ctx, call)
        if partial is not None:
            obj, pos, kw = partial
            child = pos[0] if pos else kw.get("blueprint")
            if child is not None:
                prefix = _path_value(ctx, pos[1] if len(pos) > 1 else kw.get("url_prefix"))
                ctx.mounts.append(_mount(obj or "", ctx.pf.text(child), prefix, call))
            continue
        parts = _call_parts(ctx, call)
        if parts is None:
            continue
        obj, attr, _ = parts
        pos, kw = call_args(call)
        if attr == "register_blueprint":
            child = pos[0] if pos else kw.get("blueprint")
            if child is not None:
                prefix = _path_value(ctx, kw.get("url_prefix"))
                ctx.mounts.append(_mount(obj or "", ctx.pf.text(child), prefix, call))
        elif attr == "add_namespace" and pos:
            ctx.mounts.append(_mount(obj, ctx.pf.text(pos[0]), _text_value(ctx, kw.get("path")), call))
        elif attr == "init_app" and obj in ctx.routers and ctx.routers[obj].type == "Api":
            parent = _name_of(ctx, pos[0] if pos else kw.get("app"))
            if parent:
                ctx.mounts.append(_mount(parent, obj, None, call))


def join_path(prefix: str | None, rule: str | None) -> str | None:
    """Join like Flask: ``/api`` + ``/items`` -> ``/api/items``; ``/api`` + ``""`` -> ``/api``."""
    if rule is None:
        return None
    if not prefix:
        return rule
    if not rule:
        return prefix
    return prefix.rstrip("/") + "/" + rule.lstrip("/")


def _prefix(ctx: _Ctx, var: str | None, seen: frozenset[str] = frozenset()) -> str | None:
    """In-file prefix of a router: its own prefix, replaced by an in-file registration's
    ``url_prefix`` and joined under the prefix of an in-file parent router."""
    if var is None or var in seen:
        return None
    router = ctx.routers.get(var)
    own = router.prefix if router else None
    mount = next((m for m in ctx.mounts if m["child"] == var), None)
    if mount is None:
        return own
    local = mount["prefix"] if mount["prefix"] is not None else own
    parent = mount["parent"]
    base = _prefix(ctx, parent, seen | {var}) if parent in ctx.routers else None
    if base is None:
        return local
    return join_path(base, local or "")


# --------------------------------------------------------------------------- rules


def _route_rule(ctx: _Ctx, dec: Node, *, on_class: bool) -> _Rule | None:
    """A route decorator (``@bp.route(..)``, ``@bp.get(..)``, ``@ns.route(..)``) or None."""
    parts = _call_parts(ctx, decorator_expr(dec))
    if parts is None:
        return None
    obj, attr, call = parts
    if not obj or (attr != "route" and (attr not in _SHORTCUTS or on_class)):
        return None
    pos, kw = call_args(call)
    paths = [_path_value(ctx, n) for n in pos or ([kw["rule"]] if "rule" in kw else [])]
    router = ctx.routers.get(obj)
    if router is None and not _looks_like_rule(ctx, paths, attr):
        return None
    if router is not None and attr in _SHORTCUTS and router.type not in ("Flask", "Blueprint"):
        return None
    methods = [attr.upper()] if attr in _SHORTCUTS else _methods(ctx, kw.get("methods"))
    endpoint = _text_value(ctx, kw.get("endpoint"))
    return _Rule(obj, paths or [None], methods, _line(dec), endpoint)


def _looks_like_rule(ctx: _Ctx, paths: list[str | None], attr: str) -> bool:
    """An unknown object's decorator is a route when the file is Flask code (``.route`` is
    accepted anywhere but in other frameworks' files) and the first argument is a rule."""
    if not paths or paths[0] is None:
        return False
    first = paths[0]
    if not (first == "" or first.startswith(("/", "{", "<"))):
        return False
    return ctx.flaskish or (attr == "route" and not ctx.foreign)


def _view_ref(ctx: _Ctx, node: Node | None, wrappers: list[str] | None = None, depth: int = 0) -> _ViewRef | None:
    """What a ``view_func`` value names: ``index``, ``X.as_view("x")``, a name bound to
    one of those, ``login_required(index)`` (wrapper kept) or ``globals()["index"]``."""
    wrappers = [] if wrappers is None else wrappers
    if node is None or depth > 4:
        return None
    if node.type == "identifier":
        bound = _resolve(ctx, node)
        if bound is not None and bound.type in ("call", "identifier", "attribute", "subscript"):
            ref = _view_ref(ctx, bound, wrappers, depth + 1)
            if ref is not None:
                return ref
    if node.type == "subscript" and ctx.pf.text(node).startswith("globals()"):
        name = _text_value(ctx, node.child_by_field_name("subscript"))
        return _ViewRef(name, False, None, wrappers) if name else None
    if node.type in ("identifier", "attribute"):
        name = dotted_name(ctx.pf, node)
        return _ViewRef(name, False, None, wrappers) if name else None
    parts = _call_parts(ctx, node)
    if parts is not None and parts[1] == "as_view":
        args, _ = call_args(node)
        endpoint = _text_value(ctx, args[0]) if args else None
        return _ViewRef(parts[0], True, endpoint, wrappers) if parts[0] else None
    if node.type == "call":
        pos, _ = call_args(node)
        callee = dotted_name(ctx.pf, node.child_by_field_name("function"))
        if len(pos) == 1 and callee:
            wrappers.append(callee)
            return _view_ref(ctx, pos[0], wrappers, depth + 1)
    return None


def _scope(node: Node) -> Node:
    n = node.parent
    while n is not None and n.type not in ("function_definition", "module"):
        n = n.parent
    return n if n is not None else node


def _registrations(ctx: _Ctx, calls: list[Node]) -> list[_Registration]:
    """Registration calls; one inside ``for rule, view in RULES:`` is read once per element
    of a literal ``RULES``."""
    out: list[_Registration] = []
    for call in calls:
        if not _REGISTRATION_HINT.search(ctx.pf.text(call.child_by_field_name("arguments"))) and (
            _REGISTRATION_CALL.search(ctx.pf.text(call.child_by_field_name("function"))) is None
        ):
            continue
        for env in _loop_bindings(ctx, call):
            ctx.env = env
            out.extend(_registration(ctx, call))
    ctx.env = {}
    return out


def _loop_bindings(ctx: _Ctx, call: Node) -> list[dict[str, Node]]:
    loop = call.parent
    while loop is not None and loop.type not in ("for_statement", "function_definition"):
        loop = loop.parent
    if loop is None or loop.type != "for_statement":
        return [{}]
    left, right = loop.child_by_field_name("left"), loop.child_by_field_name("right")
    if left is None or right is None:
        return [{}]
    names = (
        [ctx.pf.text(n) for n in left.named_children]
        if left.type in ("pattern_list", "tuple_pattern", "list_pattern")
        else [ctx.pf.text(left)]
    )
    items = _resolve(ctx, right) if right.type == "identifier" else right
    if items is None or items.type not in ("list", "tuple"):
        return [{}]
    out: list[dict[str, Node]] = []
    for item in literal_list(ctx.pf, items):
        values = literal_list(ctx.pf, item) if len(names) > 1 else [item]
        if len(values) == len(names):
            out.append(dict(zip(names, values, strict=True)))
    return out or [{}]


def _positional(ctx: _Ctx, call: Node) -> tuple[list[Node], dict[str, Node]]:
    """call_args, with ``*rule`` spread when ``rule`` is bound to a tuple literal."""
    _, kw = call_args(call)
    args = call.child_by_field_name("arguments")
    out: list[Node] = []
    for arg in args.named_children if args is not None else []:
        if arg.type in ("keyword_argument", "comment", "dictionary_splat"):
            continue
        inner = arg.named_children[0] if arg.type == "list_splat" and arg.named_children else None
        bound = _resolve(ctx, inner) if inner is not None and inner.type == "identifier" else None
        if bound is not None and bound.type in ("tuple", "list"):
            out.extend(literal_list(ctx.pf, bound))
        else:
            out.append(arg)
    return out, kw


def _registration(ctx: _Ctx, call: Node) -> list[_Registration]:
    fn = call.child_by_field_name("function")
    if fn is None:
        return []
    attr = ctx.pf.text(fn.child_by_field_name("attribute")) if fn.type == "attribute" else ""
    target_node = fn.child_by_field_name("object") if attr else None
    pos, kw = _positional(ctx, call)
    if attr == "add_url_rule":
        view = _view_ref(ctx, pos[2] if len(pos) > 2 else kw.get("view_func"))
        rules = [pos[0] if pos else kw.get("rule")]
        endpoint_node = pos[1] if len(pos) > 1 else kw.get("endpoint")
    elif attr == "add_resource" and pos:
        view = _view_ref(ctx, pos[0])
        if view is not None:
            view.is_class = True
        rules = list(pos[1:]) or _rule_nodes(ctx, kw.get("urls"))
        endpoint_node = kw.get("endpoint")
    elif "view_func" in kw and attr not in ("route", *_SHORTCUTS):  # register_view(bp, ...)
        view = _view_ref(ctx, kw["view_func"])
        target_node = pos[0] if pos else target_node
        routes = kw.get("routes") or kw.get("rules") or kw.get("urls")
        rules = _rule_nodes(ctx, routes) if routes else [kw.get("rule") or kw.get("url")]
        endpoint_node = kw.get("endpoint")
    else:
        return []
    if view is None or view.name in _params(ctx, _scope(call)):
        return []  # a helper like ``def register_view(bp, routes, view_func)``
    endpoint = _text_value(ctx, endpoint_node) or view.endpoint
    methods = _methods(ctx, kw.get("methods"))
    return [
        _Registration(
            view.name,
            view.is_class,
            _Rule(target or None, [_path_value(ctx, r)], methods, _line(call), endpoint, view.wrappers),
            target,
        )
        for target in _targets(ctx, target_node, call)
        for r in rules or [None]
    ]


def _rule_nodes(ctx: _Ctx, node: Node | None) -> list[Node | None]:
    """Rule expressions of ``routes=[...]`` (or a name bound to a list)."""
    if node is not None and node.type == "identifier":
        bound = _resolve(ctx, node)
        node = bound if bound is not None and bound.type in ("list", "tuple") else node
    return list(literal_list(ctx.pf, node)) or [None]


def _targets(ctx: _Ctx, node: Node | None, call: Node) -> list[str]:
    """The object a rule is added to. A parameter of the enclosing function
    (``def register_rules(blueprint): blueprint.add_url_rule(..)``) becomes the in-file
    routers that function is called with (``register_rules(dataset)``)."""
    text = dotted_name(ctx.pf, node) or (ctx.pf.text(node) if node is not None else "")
    if node is None or node.type != "identifier" or text in ctx.routers:
        return [text]
    scope = _scope(call)
    names = _params(ctx, scope)
    if text not in names:
        return [text]
    index = names.index(text)
    fname = ctx.pf.text(scope.child_by_field_name("name"))
    found: list[str] = []
    for other in ctx.nodes["call"]:
        if dotted_name(ctx.pf, other.child_by_field_name("function")) != fname:
            continue
        args, _ = call_args(other)
        arg = ctx.pf.text(args[index]) if len(args) > index else ""
        if arg in ctx.routers:
            found.append(arg)
    return _unique(found) or [text]


def _params(ctx: _Ctx, scope: Node) -> list[str]:
    """Parameter names of a function definition ([] for a module)."""
    params = scope.child_by_field_name("parameters") if scope.type == "function_definition" else None
    return [_param_name(ctx, p) for p in params.named_children] if params is not None else []


def _param_name(ctx: _Ctx, param: Node) -> str:
    if param.type == "identifier":
        return ctx.pf.text(param)
    name = param.child_by_field_name("name")
    if name is None and param.named_children:
        name = param.named_children[0]
    return ctx.pf.text(name) if name is not None and name.type == "identifier" else ""


def _url_rule_meta(reg: _Registration) -> dict[str, Any]:
    return {
        "target": reg.target or None,
        "view": reg.view,
        "rule": reg.rule.paths[0],
        "methods": reg.rule.methods,
        "line": reg.rule.line,
        "endpoint": reg.rule.endpoint,
    }


# --------------------------------------------------------------------------- function routes


def _function_routes(ctx: _Ctx, decorated: list[Node], registrations: list[_Registration]) -> list[Pattern]:
    rules: dict[int, list[_Rule]] = {}
    defs: dict[int, Definition] = {}
    for node in decorated:
        d = _definition(ctx, node)
        if d is None or d.is_class:
            continue
        found = [r for dec in d.decorators if (r := _route_rule(ctx, dec, on_class=False))]
        if found:
            rules.setdefault(d.node.id, []).extend(found)
            defs[d.node.id] = d
    functions = _functions_by_name(ctx) if any(not r.is_class for r in registrations) else {}
    for reg in registrations:
        d = functions.get(reg.view) if not reg.is_class else None
        if d is not None:
            rules.setdefault(d.node.id, []).append(reg.rule)
            defs[d.node.id] = d
    return [_function_pattern(ctx, defs[key], found) for key, found in rules.items()]


def _definition(ctx: _Ctx, node: Node) -> Definition | None:
    d = as_definition(node)
    if d is None:
        return None
    d.name = ctx.pf.text(d.definition.child_by_field_name("name"))
    outer = _enclosing_names(ctx, node)
    d.qualname = ".".join([*outer, d.name])
    parent = node.parent.parent if node.parent is not None else None
    if parent is not None and parent.type == "class_definition":
        d.parent_class = ctx.pf.text(parent.child_by_field_name("name"))
    return d


def _enclosing_names(ctx: _Ctx, node: Node) -> list[str]:
    names: list[str] = []
    n = node.parent
    while n is not None:
        if n.type in ("function_definition", "class_definition"):
            names.append(ctx.pf.text(n.child_by_field_name("name")))
        n = n.parent
    return names[::-1]


def _functions_by_name(ctx: _Ctx) -> dict[str, Definition]:
    """Functions by plain name: module level first, then nested ones (``create_app``)."""
    out: dict[str, Definition] = {}
    nodes = sorted(
        ctx.nodes["function_definition"],
        key=lambda n: len(_enclosing_names(ctx, n)),
    )
    for fn in nodes:
        if _enclosing_class(fn) is not None:
            continue
        d = _definition(ctx, _holder(fn))
        if d is not None:
            out.setdefault(d.name, d)
    return out


def _holder(definition: Node) -> Node:
    """The decorated_definition around a definition, or the definition itself."""
    parent = definition.parent
    return parent if parent is not None and parent.type == "decorated_definition" else definition


def _enclosing_class(node: Node) -> Node | None:
    n = node.parent
    while n is not None and n.type not in ("class_definition", "function_definition", "module"):
        n = n.parent
    return n if n is not None and n.type == "class_definition" else None


def _function_pattern(ctx: _Ctx, d: Definition, rules: list[_Rule]) -> Pattern:
    router = next((r.router for r in rules if r.router), None)
    methods = _unique(m for r in rules for m in (r.methods or ["GET"]))
    framework = _function_framework(ctx, router, d)
    meta = _route_meta(ctx, d, rules, methods, framework, extra_decorators=[])
    return _pattern(ctx, d, meta)


def _function_framework(ctx: _Ctx, router: str | None, d: Definition) -> str:
    known = ctx.routers.get(router or "")
    if known is not None:
        return known.framework
    names = [_decorator_name(ctx, dec) for dec in d.decorators]
    if any(n.endswith((".arguments", ".response")) for n in names) and "flask_smorest" in (ctx.modules):
        return "flask-smorest"
    return "flask"


# --------------------------------------------------------------------------- class views


def _class_routes(ctx: _Ctx, registrations: list[_Registration]) -> list[Pattern]:
    classes = _view_classes(ctx, registrations)
    out: list[Pattern] = []
    for vc in classes:
        out.extend(_class_patterns(ctx, vc))
    return out


def _view_classes(ctx: _Ctx, registrations: list[_Registration]) -> list[_ViewClass]:
    nodes = ctx.nodes["class_definition"]
    by_name = {ctx.pf.text(n.child_by_field_name("name")): n for n in nodes}
    kinds: dict[str, str | None] = {}
    out: list[_ViewClass] = []
    fab = flask_appbuilder.fab_class_names(ctx.pf)  # Flask-AppBuilder views: indexers.flask_appbuilder
    for node in nodes:
        name = ctx.pf.text(node.child_by_field_name("name"))
        if name in fab:
            continue
        decorators = [c for c in _holder(node).named_children if c.type == "decorator"]
        rules = [r for dec in decorators if (r := _route_rule(ctx, dec, on_class=True))]
        rules += [reg.rule for reg in registrations if reg.view == name]
        kind = _view_kind(ctx, name, by_name, kinds, frozenset())
        if kind is None and not ctx.foreign and _is_handler_class(ctx, node):
            kind = "handler"
        if kind is None and not rules:
            continue
        qualname = ".".join([*_enclosing_names(ctx, node), name])
        out.append(_ViewClass(name, qualname, node, decorators, kind or "other", rules))
    return out


def _view_kind(
    ctx: _Ctx,
    name: str,
    by_name: dict[str, Node],
    memo: dict[str, str | None],
    seen: frozenset[str],
) -> str | None:
    """methodview | view | resource for Flask view classes (through in-file bases)."""
    if name in memo:
        return memo[name]
    node = by_name.get(name)
    if node is None or name in seen:
        return None
    kind: str | None = None
    for base in _bases(ctx, node):
        kind = _base_kind(ctx, base) or _view_kind(ctx, base, by_name, memo, seen | {name})
        if kind:
            break
    memo[name] = kind
    return kind


def _is_handler_class(ctx: _Ctx, node: Node) -> bool:
    """A subclass defining a ``_process``/``_process_<METHOD>`` dispatch method and no
    HTTP-method or ``dispatch_request`` method: a request handler another file may
    register as a view."""
    body = node.child_by_field_name("body")
    if body is None or not _bases(ctx, node):
        return False
    defs = [d for stmt in body.named_children if (d := as_definition(stmt)) and not d.is_class]
    names = {ctx.pf.text(d.definition.child_by_field_name("name")) for d in defs}
    if names & {*_HTTP_METHODS, "dispatch_request"}:
        return False
    return any(_is_dispatch(ctx, d) for d in defs)


def _is_dispatch(ctx: _Ctx, d: Definition) -> bool:
    """``def _process(self)`` (or ``_process_GET``): only ``self``, unless a decorator
    supplies the arguments (``@use_kwargs({...})``). ``def _process(self, stream)`` of a
    filter class is no request handler."""
    if not _PROCESS_RE.match(ctx.pf.text(d.definition.child_by_field_name("name"))):
        return False
    params = [_param_name(ctx, p) for p in d.definition.child_by_field_name("parameters").named_children]
    return params[:1] == ["self"] and (len(params) == 1 or bool(d.decorators))


def _bases(ctx: _Ctx, node: Node) -> list[str]:
    sup = node.child_by_field_name("superclasses")
    if sup is None:
        return []
    return [n for c in sup.named_children if c.type != "keyword_argument" if (n := dotted_name(ctx.pf, c))]


def _base_kind(ctx: _Ctx, base: str) -> str | None:
    module, _, cls = _qualified(ctx, base).rpartition(".")
    top = module.split(".")[0]
    if top in _FLASK_MODULES and cls in _VIEW_BASES:
        return _VIEW_BASES[cls]
    if not ctx.flaskish or top in _OTHER_WEB:
        return None
    if cls in _VIEW_BASES:
        return _VIEW_BASES[cls]
    if cls.endswith("Resource"):
        return "resource"
    if cls.endswith("View"):
        return "methodview"
    return None


def _class_patterns(ctx: _Ctx, vc: _ViewClass) -> Iterator[Pattern]:
    body = vc.node.child_by_field_name("body")
    if body is None:
        return
    methods = [d for stmt in body.named_children if (d := _method(ctx, stmt, vc))]
    handlers = [d for d in methods if d.name in _HTTP_METHODS]
    if not handlers:
        handlers = [d for d in methods if d.name == "dispatch_request"]
    if not handlers and vc.kind == "handler":
        process = [d for d in methods if _is_dispatch(ctx, d)]
        handlers = [d for d in process if d.name != "_process"] or process
    attrs = class_attributes(body)
    framework = _class_framework(ctx, vc)
    class_decorators = [_decorator_name(ctx, dec) for dec in vc.decorators]
    for d in handlers:
        if d.name == "dispatch_request":
            http = (
                _methods(ctx, attrs.get("methods"))
                or _unique(m for r in vc.rules for m in (r.methods or []))
                or ["GET"]
            )
        elif d.name == "_process":  # methods of the rule; an unknown rule (another file): the linker's
            http = _unique(m for r in vc.rules for m in (r.methods or ["GET"]))
        elif d.name.startswith("_process_"):
            http = [d.name.rsplit("_", 1)[1]]
        else:
            http = [d.name.upper()]
        entries = view_decorator_entries(ctx.pf, attrs, d.name)
        meta = _route_meta(
            ctx,
            d,
            vc.rules,
            http,
            framework,
            extra_decorators=[_name_of(ctx, e) or ctx.pf.text(e) for e in entries],
        )
        meta["class"] = vc.name
        meta["class_decorators"] = class_decorators
        meta["view_decorators"] = [ctx.pf.text(e) for e in entries]
        yield _pattern(ctx, d, meta)


def _method(ctx: _Ctx, stmt: Node, vc: _ViewClass) -> Definition | None:
    d = as_definition(stmt)
    if d is None or d.is_class:
        return None
    d.name = ctx.pf.text(d.definition.child_by_field_name("name"))
    d.qualname = f"{vc.qualname}.{d.name}"
    d.parent_class = vc.name
    return d


def _class_framework(ctx: _Ctx, vc: _ViewClass) -> str:
    for rule in vc.rules:
        router = ctx.routers.get(rule.router or "")
        if router is not None and router.framework != "flask":
            return router.framework
    if vc.kind == "handler":
        return "flask"
    if vc.kind == "resource":
        return "flask-restx" if "flask_restx" in ctx.modules else "flask-restful"
    if "flask_smorest" in ctx.modules and any(_decorator_name(ctx, dec).endswith(".route") for dec in vc.decorators):
        return "flask-smorest"
    if "flask_restx" in ctx.modules and vc.kind == "other":
        return "flask-restx"
    return "flask-methodview"


# --------------------------------------------------------------------------- route meta


def _route_meta(
    ctx: _Ctx,
    d: Definition,
    rules: list[_Rule],
    methods: list[str],
    framework: str,
    extra_decorators: list[str],
) -> dict[str, Any]:
    paths = _unique(p for r in rules for p in r.paths if p is not None)
    router = next((r.router for r in rules if r.router), None)
    path = paths[0] if paths else None
    prefix_router = next((r.router for r in rules if path in r.paths), router)
    other = [dec for dec in d.decorators if _route_rule(ctx, dec, on_class=False) is None]
    wrappers = [w for r in rules for w in r.wrappers]
    meta: dict[str, Any] = {
        "framework": framework,
        "methods": methods,
        "path": path,
        "paths": paths,
        "router": router,
        "full_path": join_path(_prefix(ctx, prefix_router), path),
        "handler": d.qualname,
        "endpoint": next((r.endpoint for r in rules if r.endpoint), None),
        "decorators": _unique([*(_decorator_name(ctx, dec) for dec in other), *wrappers, *extra_decorators]),
        "decorator_texts": [ctx.pf.text(dec) for dec in other],
        "dependencies": [],
        "annotations": [],
        "response_model": None,
        "status_code": None,
        "tags": [],
        "schemas": [],
    }
    if len(paths) > 1:  # several rules: every full path, as far as this file knows its prefixes
        meta["full_paths"] = _unique(
            join_path(_prefix(ctx, next((r.router for r in rules if p in r.paths), router)), p) for p in paths
        )
    meta.update(_decorator_schemas(ctx, other))
    meta["schemas"] = _unique([*meta["schemas"], *_body_schemas(ctx, d)])
    meta.update(body_refs(ctx.pf, d))
    meta.update(except_raises(ctx.pf, d))
    return meta


def _decorator_name(ctx: _Ctx, dec: Node) -> str:
    expr = decorator_expr(dec)
    return dotted_name(ctx.pf, expr) or ctx.pf.text(expr)


def _decorator_schemas(ctx: _Ctx, decorators: list[Node]) -> dict[str, Any]:
    """Schemas of ``@blp.arguments(S)``, ``@blp.response(200, S)``, ``@marshal_with(f)``,
    ``@ns.expect(model)``: ``input_schemas`` (arguments, expect, use_kwargs, ...) and
    ``output_schemas`` (response, marshal_with, ...). ``status_code`` is the first success
    (2xx) code of a ``response``/``marshal_with(code=)`` decorator; ``response_model`` the
    schema of the first ``response``."""
    schemas: list[str] = []
    inputs: list[str] = []
    outputs: list[str] = []
    response_model: str | None = None
    statuses: list[int | str] = []
    for dec in decorators:
        expr = decorator_expr(dec)
        if expr is None or expr.type != "call":
            continue
        attr = _decorator_name(ctx, dec).split(".")[-1]
        pos, kw = call_args(expr)
        if attr in _SCHEMA_FIRST_ARG:
            name = _name_of(ctx, pos[0] if pos else kw.get("schema") or kw.get("fields"))
            schemas += [name] if name else []
            (outputs if attr in _OUTPUT_FIRST_ARG else inputs).extend([name] if name else [])
            code = _status_or_name(ctx, kw.get("code")) if attr in _OUTPUT_FIRST_ARG else None
            statuses += [code] if code is not None else []
        elif attr in _SCHEMA_RESPONSE:
            code = pos[0] if pos else kw.get("status_code") or kw.get("code")
            cands = [*pos[1:], kw.get("schema"), kw.get("model")]
            name = next(
                (n for c in cands if c is not None and c.type != "string" if (n := _name_of(ctx, c))),
                "",
            )
            if attr == "response":
                status = _status_or_name(ctx, code)
                statuses += [status] if status is not None else []
                response_model = response_model or name or None
                outputs += [name] if name and _is_success(status) else []
            schemas += [name] if name else []
    # an error code documented with ``@ns.response(404, ...)`` is not the handler's status
    status = next((c for c in statuses if _is_success(c)), None)
    return {
        "schemas": _unique(schemas),
        "input_schemas": _unique(inputs),
        "output_schemas": _unique(outputs),
        "response_model": response_model,
        "status_code": status,
    }


def _is_success(code: int | str | None) -> bool:
    return isinstance(code, int) and 200 <= code < 300 or (isinstance(code, str) and "_2" in code)


def _body_schemas(ctx: _Ctx, d: Definition) -> list[str]:
    """``ItemSchema().load(..)``, ``ItemSchema(many=True).dump(..)``, ``schema.dump(..)`` with
    ``schema = ItemSchema()`` in the body or at module level, ``Item.model_validate(..)``."""
    body = d.definition.child_by_field_name("body")
    if body is None:
        return []
    local = {left: right for stmt in walk(body, {"expression_statement"}) for left, right in assignments_in(stmt)}
    out: list[str] = []
    for call in walk(body, {"call"}):
        parts = _call_parts(ctx, call)
        if parts is None or parts[1] not in _SCHEMA_CALLS:
            continue
        fn = call.child_by_field_name("function")
        name = _schema_object(ctx, fn.child_by_field_name("object") if fn else None, local)
        if name:
            out.append(name)
    return _unique(out)


def _schema_object(ctx: _Ctx, obj: Node | None, local: dict[str, Node]) -> str:
    if obj is None:
        return ""
    if obj.type == "call":
        name = dotted_name(ctx.pf, obj.child_by_field_name("function"))
        return name if name.split(".")[-1][:1].isupper() else ""
    if obj.type == "identifier":
        text = ctx.pf.text(obj)
        if text[:1].isupper():
            return text
        bound = local.get(text) or _resolve(ctx, obj)
        if bound is not None and bound.type == "call":
            return _schema_object(ctx, bound, {})
    return ""


def _pattern(ctx: _Ctx, d: Definition, meta: dict[str, Any]) -> Pattern:
    return definition_pattern(ctx.pf, d, "route", _summary(meta), meta)


def _summary(meta: dict[str, Any]) -> str:
    """``GET, POST /api/items → items (login_required)``."""
    where = meta["full_path"] if meta["full_path"] is not None else meta["path"]
    head = ", ".join(meta["methods"])
    if where is not None:
        head += f" {where or '/'}"
        if len(meta["paths"]) > 1:
            head += f" (+{len(meta['paths']) - 1} more)"
    out = f"{head} → {meta['handler']}"
    if meta["decorators"]:
        out += f" ({', '.join(meta['decorators'])})"
    return out


# --------------------------------------------------------------------------- flask-restx models

_RESTX_MODEL_CALLS = frozenset({"model", "inherit", "clone", "schema_model"})


def _restx_models(ctx: _Ctx) -> list[Pattern]:
    """``todo = ns.model("Todo", {"id": fields.Integer(...), ...})`` (also ``api.model``,
    ``ns.inherit``, ``ns.clone``, ``Model("Todo", {...})``) at module level: ``schema``
    patterns named by the variable (the name ``@ns.expect``/``@ns.marshal_with`` use)."""
    restx = {"flask_restx", "flask_restplus"} & ctx.modules or any(
        r.framework == "flask-restx" for r in ctx.routers.values()
    )
    if not (restx or ctx.flaskish):
        return []
    out: list[Pattern] = []
    for stmt in ctx.pf.root.named_children:
        for var, call in assignments_in(stmt):
            if call.type != "call":
                continue
            callee = dotted_name(ctx.pf, call.child_by_field_name("function"))
            head, _, attr = callee.rpartition(".")
            if not (attr in _RESTX_MODEL_CALLS and head) and _qualified(ctx, callee) not in (
                "flask_restx.Model",
                "flask_restplus.Model",
            ):
                continue
            pos, _ = call_args(call)
            title = _text_value(ctx, pos[0]) if pos else None
            spec = next((a for a in pos if a.type == "dictionary"), None)
            if title is None or (spec is None and attr != "clone"):
                continue
            fields_ = _restx_fields(ctx, spec)
            if not restx and not any(f["module"] == "fields" for f in fields_):
                continue  # in a plain Flask file, only a spec of ``fields.X(...)`` is a restx model
            for f in fields_:
                del f["module"]
            parents = [n for a in pos[1:] if a.type == "identifier" if (n := ctx.pf.text(a))]
            d = Definition(stmt, stmt, var, var, [])
            meta = {
                "library": "flask-restx",
                "model_name": title,
                "fields": fields_,
                "required": [f["name"] for f in fields_ if f.get("required")],
                "bases": parents,
            }
            names = ", ".join(f["name"] for f in fields_[:8])
            summary = f"flask-restx model {var} = {callee}({title!r}) fields: {names}"
            out.append(definition_pattern(ctx.pf, d, "schema", summary, meta))
    return out


def _restx_fields(ctx: _Ctx, spec: Node | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for pair in spec.named_children if spec is not None else []:
        if pair.type != "pair":
            continue
        name = string_value(ctx.pf, pair.child_by_field_name("key"))
        value = pair.child_by_field_name("value")
        if not name or value is None:
            continue
        type_ = dotted_name(ctx.pf, value.child_by_field_name("function") if value.type == "call" else value)
        _, kw = call_args(value) if value.type == "call" else ([], {})
        required = kw.get("required") is not None and ctx.pf.text(kw["required"]) == "True"
        out.append(
            {
                "name": name,
                "type": type_.rsplit(".", 1)[-1] or ctx.pf.text(value),
                "required": required,
                "module": type_.rsplit(".", 1)[0] if "." in type_ else "",
            }
        )
    return out


# --------------------------------------------------------------------------- handlers, hooks


def _exception_handlers(ctx: _Ctx, decorated: list[Node], calls: list[Node]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for node in decorated:
        d = _definition(ctx, node)
        if d is None:
            continue
        for dec in d.decorators:
            expr = decorator_expr(dec)
            called = expr is not None and expr.type == "call"
            parts = _attr_parts(ctx, expr.child_by_field_name("function") if called else expr)
            if parts is not None and parts[1] in _ERROR_DECORATORS:
                pos = call_args(expr)[0] if called and expr is not None else []
                out.append(_handler(ctx, pos[0] if pos else None, d.qualname, dec, parts[0]))
    for call in calls:
        fn = call.child_by_field_name("function")
        pos, _ = call_args(call)
        parts = _call_parts(ctx, call)
        if parts is not None and parts[1] == "register_error_handler" and len(pos) >= 2:
            out.append(_handler(ctx, pos[0], _name_of(ctx, pos[1]), call, parts[0]))
            continue
        inner = _call_parts(ctx, fn)  # app.errorhandler(404)(handler)
        if inner is not None and inner[1] in _ERROR_DECORATORS and pos:
            args, _ = call_args(inner[2])
            out.append(_handler(ctx, args[0] if args else None, _name_of(ctx, pos[0]), call, inner[0]))
    return sorted(out, key=lambda h: h["line"])


def _handler(ctx: _Ctx, exc: Node | None, handler: str, node: Node, app: str) -> dict[str, Any]:
    return {
        "exception": _status_or_name(ctx, exc),
        "handler": handler or None,
        "line": _line(node),
        "app": app or None,
    }


def _router_decorators(ctx: _Ctx, calls: list[Node]) -> list[dict[str, Any]]:
    """Decorators applied to a whole blueprint: ``limiter.limit("5/minute")(auth)`` (Flask-Limiter's
    way to limit every view of a blueprint) and ``limiter.exempt(bp)``."""
    out: list[dict[str, Any]] = []
    for call in calls:
        fn = call.child_by_field_name("function")
        pos, _ = call_args(call)
        if fn is None or len(pos) != 1 or ctx.pf.text(pos[0]) not in ctx.routers:
            continue
        if fn.type == "call":  # deco(...)(bp)
            text = re.sub(r"\(\s+", "(", re.sub(r",?\s+\)", ")", " ".join(ctx.pf.text(fn).split())))
        elif fn.type == "attribute" and ctx.pf.text(fn).rsplit(".", 1)[-1] == "exempt":  # x.exempt(bp)
            text = ctx.pf.text(fn)
        else:
            continue
        out.append({"router": ctx.pf.text(pos[0]), "decorator": text[:200], "line": _line(call)})
    return out


def _hooks(ctx: _Ctx, decorated: list[Node], calls: list[Node]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for node in decorated:
        d = _definition(ctx, node)
        if d is None:
            continue
        for dec in d.decorators:
            parts = _attr_parts(ctx, decorator_expr(dec))
            if parts is not None and parts[1] in _HOOKS:
                hook = {"hook": parts[1], "handler": d.qualname, "line": _line(dec), "app": parts[0] or None}
                # what the hook does (``limiter.check()``): a hook nested in a setup function
                # is no pattern of its own
                called = body_refs(ctx.pf, d)["calls"][:20]
                if called:
                    hook["calls"] = called
                # what wraps it (``@admin_required`` under ``@bp.before_request``): it runs
                # before every view of that blueprint
                wrapping = [
                    _decorator_name(ctx, x)
                    for x in d.decorators
                    if (p := _attr_parts(ctx, decorator_expr(x))) is None or p[1] not in _HOOKS
                ]
                if wrapping:
                    hook["decorators"] = wrapping
                out.append(hook)
    for call in calls:
        parts = _call_parts(ctx, call)
        if call.parent is None or call.parent.type == "decorator" or parts is None:
            continue
        pos, _ = call_args(call)
        if parts[1] in _HOOKS and len(pos) == 1:
            out.append(
                {
                    "hook": parts[1],
                    "handler": _name_of(ctx, pos[0]) or None,
                    "line": _line(call),
                    "app": parts[0] or None,
                }
            )
    return sorted(out, key=lambda h: h["line"])
