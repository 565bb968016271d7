"""Flask-AppBuilder (FAB) APIs and views, read statically from one parse tree.

FAB routes are methods of view classes rather than ``@app.route`` functions:

- ``BaseApi`` / ``ModelRestApi`` subclasses (``flask_appbuilder.api``): ``@expose("/<pk>",
  methods=["GET"])`` handlers under ``route_base``, which defaults to
  ``/api/<version>/<resource_name or class name, lowercased>`` (``version`` defaults to
  ``v1``). A ``ModelRestApi`` also serves the CRUD endpoints it inherits (``info``, ``get``,
  ``get_list``, ``post``, ``put``, ``delete``) when it has a ``datamodel`` (a base class for
  other APIs does not), limited by ``include_route_methods`` / ``exclude_route_methods``;
  each is a route pattern spanning the class header and attributes (the code that
  configures it), with ``meta["implied"]`` set.
- ``BaseView`` / ``ModelView`` subclasses (``flask_appbuilder``): ``@expose`` methods under
  ``route_base`` (default ``/<class name, lowercased>``, or the one of FAB's own view it
  extends); a ``ModelView`` with a ``datamodel`` serves ``list``, ``show``, ``add``,
  ``edit``, ``delete``, ``download``, ``action`` and ``action_post`` (its
  legacy JSON ``api*`` endpoints are not emitted).

Route meta follows the contract of ``indexers.flask`` (framework ``flask-appbuilder``) plus
FAB keys: ``fab_class``, ``fab_kind`` (api, model_api, view, model_view), ``permission``
(``@permission_name`` or the method name, mapped through an in-file
``method_permission_name``), ``class_permission_name``, ``datamodel`` (the model of
``SQLAInterface(Model)``), ``error_decorators`` (``@safe``: exceptions become JSON errors),
``error_responses`` (status codes of ``self.response_404()``-style helper calls),
``model_schemas`` (``add_model_schema = S()`` and friends) and, on inherited endpoints,
``input_schemas``/``output_schemas`` (``post`` reads ``add_model_schema``, ``put``
``edit_model_schema``; ``get`` writes ``show_model_schema``, ``get_list``
``list_model_schema``).

File meta ``fab_registrations`` lists ``appbuilder.add_api(Cls)`` / ``add_view(Cls, ...)`` /
``add_view_no_menu(...)`` calls; the linker marks the routes of registered classes.
``fab_classes`` describes each FAB class (bases, route base, methods it defines, route
method filters): the linker lists, on a base class's ``@expose`` handler, the subclasses in
other files that serve it (``inherited_by``).

A class is a FAB class when one of its bases is a FAB class imported from
``flask_appbuilder``, a FAB class defined earlier in the file, or (bases defined in another
project file) named like one (``...ModelRestApi``, ``...ModelView``) in a file that uses
``@expose`` or imports ``flask_appbuilder``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tree_sitter import Node

from indexers.base import (
    Definition,
    ParsedFile,
    as_definition,
    assignments_in,
    base_classes,
    call_args,
    class_attributes,
    decorator_expr,
    dotted_name,
    literal_list,
    string_value,
    walk,
)
from indexers.refs import body_refs
from memorybrain.models import FileExtract, Pattern

FRAMEWORK = "flask-appbuilder"
_TRIGGER = re.compile(rb"flask_appbuilder|expose|add_api|add_view|ModelRestApi|ModelView|BaseApi")

#: FAB base classes by name -> kind.
_FAB_BASES: dict[str, str] = {
    "BaseApi": "api",
    "BaseModelApi": "api",
    "ModelRestApi": "model_api",
    "OpenApi": "api",
    "SecurityApi": "api",
    "MenuApi": "api",
    "BaseView": "view",
    "IndexView": "view",
    "UtilView": "view",
    "BaseFormView": "view",
    "SimpleFormView": "view",
    "PublicFormView": "view",
    "BaseModelView": "view",
    "BaseCRUDView": "view",
    "RestCRUDView": "view",
    "MasterDetailView": "view",
    "MultipleView": "view",
    "CompactCRUDMixin": "view",
    "ModelView": "model_view",
    "BaseChartView": "view",
    "ChartView": "view",
    "DirectByChartView": "view",
    "GroupByChartView": "view",
    "DirectChartView": "view",
    "AuthView": "view",
    "AuthDBView": "view",
    "AuthLDAPView": "view",
    "AuthOAuthView": "view",
    "AuthOIDView": "view",
    "AuthRemoteUserView": "view",
}
#: ``route_base`` set by FAB's own classes (4.5), which subclasses inherit.
_FAB_ROUTE_BASE: dict[str, str] = {
    "IndexView": "",
    "UtilView": "",
    "AuthView": "",
    "AuthDBView": "",
    "AuthLDAPView": "",
    "AuthOIDView": "",
    "AuthOAuthView": "",
    "AuthRemoteUserView": "",
    "PermissionModelView": "/permissions",
    "ViewMenuModelView": "/viewmenus",
    "PermissionViewModelView": "/permissionviews",
    "ResetMyPasswordView": "/resetmypassword",
    "ResetPasswordView": "/resetpassword",
    "UserModelView": "/users",
    "UserOIDModelView": "/users",
    "UserLDAPModelView": "/users",
    "UserOAuthModelView": "/users",
    "UserRemoteUserModelView": "/users",
    "UserDBModelView": "/users",
    "RoleModelView": "/roles",
    "RegisterUserModelView": "/registeruser",
    "OpenApi": "/api",
    "SwaggerView": "/swagger",
}
_FAB_SUFFIXES = (("ModelRestApi", "model_api"), ("ModelView", "model_view"), ("Api", "api"), ("View", "view"))
_KIND_RANK = {"model_api": 0, "model_view": 1, "api": 2, "view": 3}

#: (method, path, http methods, permission, decorators written in FAB) of implied endpoints.
_MODEL_API_ROUTES: tuple[tuple[str, str, list[str], str, list[str]], ...] = (
    ("info", "/_info", ["GET"], "info", ["@protect()", "@safe", "@rison(get_info_schema)", '@permission_name("info")']),
    ("get", "/<int:pk>", ["GET"], "get", ["@protect()", "@safe", '@permission_name("get")', "@rison(get_item_schema)"]),
    ("get_list", "/", ["GET"], "get", ["@protect()", "@safe", '@permission_name("get")', "@rison(get_list_schema)"]),
    ("post", "/", ["POST"], "post", ["@protect()", "@safe", '@permission_name("post")']),
    ("put", "/<pk>", ["PUT"], "put", ["@protect()", "@safe", '@permission_name("put")']),
    ("delete", "/<pk>", ["DELETE"], "delete", ["@protect()", "@safe", '@permission_name("delete")']),
)
_MODEL_VIEW_ROUTES: tuple[tuple[str, str, list[str], str, list[str]], ...] = (
    ("list", "/list/", ["GET"], "list", ["@has_access"]),
    ("show", "/show/<pk>", ["GET"], "show", ["@has_access"]),
    ("add", "/add", ["GET", "POST"], "add", ["@has_access"]),
    ("edit", "/edit/<pk>", ["GET", "POST"], "edit", ["@has_access"]),
    ("delete", "/delete/<pk>", ["GET", "POST"], "delete", ["@has_access"]),
    ("download", "/download/<string:filename>", ["GET"], "download", ["@has_access"]),
    ("action", "/action/<string:name>/<pk>", ["GET", "POST"], "action", []),
    ("action_post", "/action_post", ["POST"], "action_post", []),
)
#: ``RouteMethod.X`` constants (Superset names FAB's route methods this way).
_ROUTE_METHOD_SETS: dict[str, set[str]] = {
    "REST_MODEL_VIEW_CRUD_SET": {"delete", "get", "get_list", "post", "put", "info"},
    "CRUD_SET": {"add", "list", "edit", "delete", "action_post", "show"},
    "RELATED_VIEW_SET": {"add", "list", "edit", "delete"},
    "API_SET": {"api_create", "api_delete", "api_get", "api_read", "api_update"},
}
_ROUTE_METHOD_NAMES = {"IMPORT": "import_"}
#: Class attributes naming the marshmallow schemas a ModelRestApi reads and writes.
_SCHEMA_ATTRS = ("add_model_schema", "edit_model_schema", "show_model_schema", "list_model_schema")
#: Inherited endpoint -> (the schema attribute it reads, the one it writes).
_ENDPOINT_SCHEMAS = {
    "post": ("add_model_schema", None),
    "put": ("edit_model_schema", None),
    "get": (None, "show_model_schema"),
    "get_list": (None, "list_model_schema"),
}
_RESPONSE_HELPER = re.compile(r"^self\.response_(\d{3})$")
_SCHEMA_USE = re.compile(r"^self\.(\w+)\.(load|loads|validate|dump|dumps)$")
_LOADS = frozenset({"load", "loads", "validate"})
_EXPOSE = frozenset({"expose", "expose_api"})
_SAFE = frozenset({"safe"})
_REGISTER_CALLS = frozenset({"add_api", "add_view", "add_view_no_menu"})


@dataclass
class _Class:
    name: str
    d: Definition
    kind: str
    bases: list[str]
    attrs: dict[str, Node] = field(default_factory=dict)


@dataclass
class _Ctx:
    pf: ParsedFile
    imported: dict[str, str]  # local name -> module it is imported from
    constants: dict[str, Node]
    uses_fab: bool
    classes: dict[str, _Class] = field(default_factory=dict)


def extract(pf: ParsedFile) -> FileExtract:
    if not _TRIGGER.search(pf.source):
        return FileExtract()
    ctx = _context(pf)
    patterns: list[Pattern] = []
    for d in pf.definitions(methods=False):
        if d.is_class:
            cls = _fab_class(ctx, d)
            if cls is not None:
                ctx.classes[cls.name] = cls
                patterns.extend(_class_routes(ctx, cls))
    meta: dict[str, Any] = {}
    registrations = _registrations(ctx)
    if registrations:
        meta["fab_registrations"] = registrations
    if ctx.classes:
        meta["fab_classes"] = {name: _class_info(ctx, cls) for name, cls in ctx.classes.items()}
    return FileExtract(patterns=patterns, meta=meta)


def _class_info(ctx: _Ctx, cls: _Class) -> dict[str, Any]:
    """What the linker needs to serve a base class's ``@expose`` handlers from its subclasses
    in other files: bases, route base, the methods it defines and its route method filters."""
    include = _route_methods(ctx, cls.attrs.get("include_route_methods"))
    exclude = _route_methods(ctx, cls.attrs.get("exclude_route_methods"))
    return {
        "kind": cls.kind,
        "bases": [b.rsplit(".", 1)[-1] for b in cls.bases],
        "route_base": _route_base(ctx, cls)[0],
        "defines": [m.name for m in _methods(ctx, cls.d)],
        "include": sorted(include) if include is not None and "include_route_methods" in cls.attrs else None,
        "exclude": sorted(exclude or ()),
        "line": cls.d.node.start_point[0] + 1,
    }


def fab_class_names(pf: ParsedFile) -> set[str]:
    """Names of the FAB classes of a file (``indexers.flask`` leaves them to this module)."""
    if not _TRIGGER.search(pf.source):
        return set()
    ctx = _context(pf)
    out: set[str] = set()
    for d in pf.definitions(methods=False):
        if d.is_class:
            cls = _fab_class(ctx, d)
            if cls is not None:
                ctx.classes[cls.name] = cls
                out.add(cls.name)
    return out


# --------------------------------------------------------------------------- context


def _context(pf: ParsedFile) -> _Ctx:
    imported: dict[str, str] = {}
    for stmt in walk(pf.root, {"import_from_statement", "import_statement"}):
        if stmt.type == "import_statement":
            for c in stmt.named_children:
                name = c.child_by_field_name("name") if c.type == "aliased_import" else c
                imported[pf.text(name).split(".")[0]] = pf.text(name)
            continue
        module = pf.text(stmt.child_by_field_name("module_name"))
        for c in stmt.children_by_field_name("name"):
            local = c.child_by_field_name("alias") if c.type == "aliased_import" else c
            imported[pf.text(local)] = module
    constants: dict[str, Node] = {}
    for stmt in pf.root.named_children:
        for left, right in assignments_in(stmt):
            constants.setdefault(left, right)
    uses_fab = any(m.startswith("flask_appbuilder") for m in imported.values())
    return _Ctx(pf, imported, constants, uses_fab)


def _class_attrs(pf: ParsedFile, d: Definition) -> dict[str, Node]:
    body = d.definition.child_by_field_name("body")
    return class_attributes(body) if body is not None else {}


def _fab_class(ctx: _Ctx, d: Definition) -> _Class | None:
    """The class as a FAB class (kind from its bases), or None."""
    bases = base_classes(ctx.pf, d)
    kinds = [k for b in bases if (k := _base_kind(ctx, b, d))]
    if not kinds:
        return None
    kind = min(kinds, key=lambda k: _KIND_RANK[k])
    attrs: dict[str, Node] = {}
    for b in bases:  # attributes inherited from in-file FAB parents, overridden by the class
        parent = ctx.classes.get(b.rsplit(".", 1)[-1])
        if parent is not None:
            attrs.update({k: v for k, v in parent.attrs.items() if k not in attrs})
    attrs.update(_class_attrs(ctx.pf, d))
    return _Class(d.name, d, kind, bases, attrs)


def _base_kind(ctx: _Ctx, base: str, d: Definition) -> str | None:
    name = base.rsplit(".", 1)[-1]
    local = ctx.classes.get(name)
    if local is not None:
        return local.kind
    head = base.split(".")[0]
    module = ctx.imported.get(head, "")
    if module.startswith("flask_appbuilder") or base.startswith("flask_appbuilder."):
        if name in _FAB_BASES:
            return _FAB_BASES[name]
        # FAB's other views (``UserDBModelView``, ``ResetMyPasswordView``, ...) by their names;
        # widgets, filters and forms are not views
        return next((kind for suffix, kind in _FAB_SUFFIXES if name.endswith(suffix)), None)
    # a project base class defined in another file: judged by its name and the file's use of FAB
    exposes = _has_expose(ctx, d)
    if not (ctx.uses_fab or exposes):
        return None
    if name.endswith("ModelRestApi"):
        return "model_api"
    if name.endswith("ModelView") and ("datamodel" in _class_attrs(ctx.pf, d) or exposes):
        return "model_view"
    if exposes and ctx.uses_fab:
        return "api" if re.search(r"(Api|API)$", name) or _expose_module(ctx).endswith(".api") else "view"
    return None


def _has_expose(ctx: _Ctx, d: Definition) -> bool:
    return any(_decorator_name(ctx, dec) in _EXPOSE for m in _methods(ctx, d) for dec in m.decorators)


def _expose_module(ctx: _Ctx) -> str:
    return ctx.imported.get("expose", "")


def _methods(ctx: _Ctx, d: Definition) -> list[Definition]:
    body = d.definition.child_by_field_name("body")
    out: list[Definition] = []
    for stmt in body.named_children if body is not None else []:
        m = as_definition(stmt)
        if m is None or m.is_class:
            continue
        m.name = ctx.pf.text(m.definition.child_by_field_name("name"))
        m.qualname = f"{d.name}.{m.name}"
        m.parent_class = d.name
        out.append(m)
    return out


def _decorator_name(ctx: _Ctx, dec: Node) -> str:
    expr = decorator_expr(dec)
    if expr is not None and expr.type == "call":
        expr = expr.child_by_field_name("function")
    return dotted_name(ctx.pf, expr) or ctx.pf.text(expr)


# --------------------------------------------------------------------------- values


def _text(ctx: _Ctx, node: Node | None, depth: int = 0) -> str | None:
    if node is None or depth > 4:
        return None
    if node.type in ("string", "concatenated_string"):
        return string_value(ctx.pf, node)
    if node.type == "identifier":
        return _text(ctx, ctx.constants.get(ctx.pf.text(node)), depth + 1)
    return None


def _route_methods(ctx: _Ctx, node: Node | None, depth: int = 0) -> set[str] | None:
    """Method names of ``include_route_methods``: set/list literals of strings,
    ``RouteMethod.X`` constants and sets, and ``|`` unions of those."""
    if node is None or depth > 4:
        return None
    if node.type == "binary_operator":
        left = _route_methods(ctx, node.child_by_field_name("left"), depth + 1)
        right = _route_methods(ctx, node.child_by_field_name("right"), depth + 1)
        return None if left is None or right is None else left | right
    if node.type == "call" and dotted_name(ctx.pf, node.child_by_field_name("function")) in ("set", "frozenset"):
        pos, _ = call_args(node)
        return _route_methods(ctx, pos[0], depth + 1) if pos else set()
    if node.type == "identifier":
        return _route_methods(ctx, ctx.constants.get(ctx.pf.text(node)), depth + 1)
    if node.type == "attribute":
        attr = ctx.pf.text(node.child_by_field_name("attribute"))
        if attr in _ROUTE_METHOD_SETS:
            return set(_ROUTE_METHOD_SETS[attr])
        if attr.isupper():
            return {_ROUTE_METHOD_NAMES.get(attr, attr.lower())}
        return None
    if node.type in ("set", "list", "tuple"):
        out: set[str] = set()
        for item in literal_list(ctx.pf, node):
            sub = _route_methods(ctx, item, depth + 1) if item.type != "string" else {string_value(ctx.pf, item) or ""}
            if sub is None:
                return None
            out |= sub
        return out
    return None


def _http_methods(ctx: _Ctx, node: Node | None) -> list[str]:
    if node is not None and node.type == "identifier":
        node = ctx.constants.get(ctx.pf.text(node))
    values = [string_value(ctx.pf, n) for n in literal_list(ctx.pf, node)]
    return list(dict.fromkeys(v.upper() for v in values if v)) or ["GET"]


def _join(prefix: str, rule: str) -> str:
    """Like Flask's blueprint ``url_prefix`` + rule."""
    if not prefix:
        return rule or "/"
    if not rule:
        return prefix
    return prefix.rstrip("/") + "/" + rule.lstrip("/")


def _model_name(ctx: _Ctx, node: Node | None) -> str | None:
    """``SQLAInterface(Model)`` -> ``Model``."""
    if node is None or node.type != "call":
        return None
    pos, _ = call_args(node)
    return dotted_name(ctx.pf, pos[0]).rsplit(".", 1)[-1] or None if pos else None


def _schema_name(ctx: _Ctx, node: Node | None) -> str | None:
    """``NotificationSchema()`` / ``NotificationSchema`` -> ``NotificationSchema``."""
    if node is None:
        return None
    if node.type == "call":
        node = node.child_by_field_name("function")
    name = dotted_name(ctx.pf, node).rsplit(".", 1)[-1]
    return name if name[:1].isupper() else None


# --------------------------------------------------------------------------- routes


def _route_base(ctx: _Ctx, cls: _Class) -> tuple[str, bool]:
    """(route base, written in the class or an in-file parent)."""
    given = _text(ctx, cls.attrs.get("route_base"))
    if given is not None:
        return given, True
    inherited = _inherited_route_base(ctx, cls)
    if inherited is not None:
        return inherited, False
    if cls.kind in ("api", "model_api"):
        version = _text(ctx, cls.attrs.get("version")) or "v1"
        resource = _text(ctx, cls.attrs.get("resource_name")) or cls.name
        return f"/api/{version}/{resource.lower()}", "resource_name" in cls.attrs
    return "/" + cls.name.lower(), False


def _inherited_route_base(ctx: _Ctx, cls: _Class, depth: int = 0) -> str | None:
    """The ``route_base`` of a FAB class the class extends (``class X(RoleModelView)``:
    ``/roles``), through in-file parents."""
    if depth > 4 or "resource_name" in cls.attrs:
        return None
    for base in cls.bases:
        name = base.rsplit(".", 1)[-1]
        parent = ctx.classes.get(name)
        if parent is not None:
            found = _inherited_route_base(ctx, parent, depth + 1)
        else:
            module = ctx.imported.get(base.split(".")[0], "")
            fab = module.startswith("flask_appbuilder") or base.startswith("flask_appbuilder.")
            found = _FAB_ROUTE_BASE.get(name) if fab else None
        if found is not None:
            return found
    return None


def _allowed(ctx: _Ctx, cls: _Class, method: str) -> bool:
    include = _route_methods(ctx, cls.attrs.get("include_route_methods"))
    exclude = _route_methods(ctx, cls.attrs.get("exclude_route_methods")) or set()
    if include is not None and "include_route_methods" in cls.attrs and method not in include:
        return False
    return method not in exclude


def _class_meta(ctx: _Ctx, cls: _Class) -> dict[str, Any]:
    model_schemas = {a: n for a in _SCHEMA_ATTRS if (n := _schema_name(ctx, cls.attrs.get(a)))}
    # other schema instances held by the class (``put_filters_schema = FiltersSchema()``)
    model_schemas.update(
        {
            a: n
            for a, v in cls.attrs.items()
            if a not in model_schemas and v.type == "call" and (n := _schema_name(ctx, v)) and n.endswith("Schema")
        }
    )
    perm_map = cls.attrs.get("method_permission_name")
    return {
        "fab_class": cls.name,
        "fab_kind": cls.kind,
        "fab_bases": cls.bases,
        "datamodel": _model_name(ctx, cls.attrs.get("datamodel")),
        "class_permission_name": _text(ctx, cls.attrs.get("class_permission_name")),
        "method_permission_name": _permission_map_name(ctx, perm_map),
        "model_schemas": model_schemas,
    }


def _permission_map_name(ctx: _Ctx, node: Node | None) -> str | None:
    """``method_permission_name`` as written: a name, or ``{...}`` for an in-class dict."""
    if node is None:
        return None
    return "{...}" if node.type == "dictionary" else ctx.pf.text(node)


def _permission(ctx: _Ctx, cls: _Class, method: str, written: str | None) -> str:
    """The permission ``@protect()`` checks: ``method_permission_name[method]`` (an in-file
    dict), else ``@permission_name``, else the method name."""
    perm_map = cls.attrs.get("method_permission_name")
    if perm_map is not None and perm_map.type == "identifier":
        perm_map = ctx.constants.get(ctx.pf.text(perm_map))
    if perm_map is not None and perm_map.type == "dictionary":
        for pair in perm_map.named_children:
            if pair.type == "pair" and string_value(ctx.pf, pair.child_by_field_name("key")) == method:
                value = string_value(ctx.pf, pair.child_by_field_name("value"))
                if value:
                    return value
    return written or method


def _class_routes(ctx: _Ctx, cls: _Class) -> Iterator[Pattern]:
    base, _ = _route_base(ctx, cls)
    common = _class_meta(ctx, cls)
    defined: set[str] = set()
    for m in _methods(ctx, cls.d):
        defined.add(m.name)
        rules = [r for dec in m.decorators if (r := _expose_rule(ctx, dec))]
        if not rules or not _allowed(ctx, cls, m.name):
            continue
        yield _explicit_route(ctx, cls, m, rules, base, common)
    implied = {"model_api": _MODEL_API_ROUTES, "model_view": _MODEL_VIEW_ROUTES}.get(cls.kind, ())
    if not _has_datamodel(ctx, cls):
        implied = ()  # a base class for other APIs/views: it serves nothing by itself
    for method, path, http, permission, decorators in implied:
        if method in defined or not _allowed(ctx, cls, method):
            continue
        yield _implied_route(ctx, cls, method, path, http, permission, decorators, base, common)


#: FAB's generic bases: a subclass must set ``datamodel`` to serve CRUD endpoints. FAB's
#: concrete views (``RoleModelView``, ``UserDBModelView``, ...) get theirs from FAB.
_GENERIC_MODEL_BASES = frozenset(
    {"ModelView", "ModelRestApi", "BaseModelApi", "BaseModelView", "BaseCRUDView", "RestCRUDView"}
)


def _has_datamodel(ctx: _Ctx, cls: _Class, depth: int = 0) -> bool:
    """``datamodel = SQLAInterface(Model)`` in the class or an in-file parent, or a concrete
    FAB model view as a base."""
    if "datamodel" in cls.attrs or depth > 4:
        return "datamodel" in cls.attrs
    for base in cls.bases:
        name = base.rsplit(".", 1)[-1]
        parent = ctx.classes.get(name)
        if parent is not None and _has_datamodel(ctx, parent, depth + 1):
            return True
        module = ctx.imported.get(base.split(".")[0], "")
        fab = module.startswith("flask_appbuilder") or base.startswith("flask_appbuilder.")
        if parent is None and fab and name not in _GENERIC_MODEL_BASES and _base_kind(ctx, base, cls.d):
            return True
    return False


def _expose_rule(ctx: _Ctx, dec: Node) -> tuple[str, list[str]] | None:
    """(url, methods) of ``@expose(url, methods=...)`` / ``@expose_api(url=..., methods=...)``."""
    expr = decorator_expr(dec)
    if expr is None or expr.type != "call" or _decorator_name(ctx, dec).rsplit(".", 1)[-1] not in _EXPOSE:
        return None
    pos, kw = call_args(expr)
    name = _decorator_name(ctx, dec).rsplit(".", 1)[-1]
    url_node = kw.get("url") if name == "expose_api" else (pos[0] if pos else kw.get("url"))
    url = _text(ctx, url_node) if url_node is not None else "/"
    methods = kw.get("methods") or (pos[1] if len(pos) > 1 and name == "expose" else None)
    return (url if url is not None else "/"), _http_methods(ctx, methods)


def _explicit_route(
    ctx: _Ctx,
    cls: _Class,
    m: Definition,
    rules: list[tuple[str, list[str]]],
    base: str,
    common: dict[str, Any],
) -> Pattern:
    others = [dec for dec in m.decorators if _expose_rule(ctx, dec) is None]
    names = [_decorator_name(ctx, dec) for dec in others]
    written = next(
        (
            _text(ctx, call_args(e)[0][0])
            for dec in others
            if _decorator_name(ctx, dec).rsplit(".", 1)[-1] == "permission_name"
            and (e := decorator_expr(dec)) is not None
            and e.type == "call"
            and call_args(e)[0]
        ),
        None,
    )
    paths = list(dict.fromkeys(url for url, _ in rules))
    methods = list(dict.fromkeys(meth for _, ms in rules for meth in ms))
    refs = body_refs(ctx.pf, m)
    meta = _route_meta(
        cls,
        m.qualname,
        methods,
        paths,
        base,
        names,
        [ctx.pf.text(dec) for dec in others],
        common,
        refs,
    )
    meta["class"] = cls.name
    meta["permission"] = _permission(ctx, cls, m.name, written) if _guarded(names) else None
    return Pattern(
        kind="route",
        name=m.name,
        qualname=m.qualname,
        path=ctx.pf.path,
        start_line=m.node.start_point[0] + 1,
        end_line=m.node.end_point[0] + 1,
        code=ctx.pf.code(m.node),
        summary=_summary(meta),
        meta=meta,
    )


def _guarded(decorators: list[str]) -> bool:
    return any(n.rsplit(".", 1)[-1] in ("protect", "has_access", "has_access_api") for n in decorators)


def _implied_route(
    ctx: _Ctx,
    cls: _Class,
    method: str,
    path: str,
    http: list[str],
    permission: str,
    decorators: list[str],
    base: str,
    common: dict[str, Any],
) -> Pattern:
    names = [t.lstrip("@").split("(", 1)[0] for t in decorators]
    refs: dict[str, Any] = {"calls": [], "raises": [], "catches": [], "aborts": [], "http_errors": []}
    meta = _route_meta(cls, f"{cls.name}.{method}", http, [path], base, names, decorators, common, refs)
    meta["implied"] = True
    meta["implied_by"] = "ModelRestApi" if cls.kind == "model_api" else "ModelView"
    meta["permission"] = _permission(ctx, cls, method, permission) if _guarded(names) else None
    reads, writes = _ENDPOINT_SCHEMAS.get(method, (None, None)) if cls.kind == "model_api" else (None, None)
    model_schemas = common["model_schemas"]
    meta["input_schemas"] = [model_schemas[reads]] if reads in model_schemas else []
    meta["output_schemas"] = [model_schemas[writes]] if writes in model_schemas else []
    meta["schemas"] = list(dict.fromkeys([*meta["input_schemas"], *meta["output_schemas"], *meta["schemas"]]))
    end = _class_header_end(cls)
    while end > cls.d.node.start_point[0] + 1 and not ctx.pf.lines[end - 1].strip():
        end -= 1  # no trailing blank lines
    return Pattern(
        kind="route",
        name=method,
        qualname=f"{cls.name}.{method}",
        path=ctx.pf.path,
        start_line=cls.d.node.start_point[0] + 1,
        end_line=end,
        code="\n".join(ctx.pf.lines[cls.d.node.start_point[0] : end]),
        summary=_summary(meta),
        meta=meta,
    )


def _class_header_end(cls: _Class) -> int:
    """The class up to its first method: its decorators, bases and attributes (1-based end line)."""
    body = cls.d.definition.child_by_field_name("body")
    end = cls.d.node.end_point[0] + 1
    for stmt in body.named_children if body is not None else []:
        if stmt.type in ("function_definition", "decorated_definition"):
            end = stmt.start_point[0]
            break
    return max(cls.d.node.start_point[0] + 1, end)


def _route_meta(
    cls: _Class,
    handler: str,
    methods: list[str],
    paths: list[str],
    base: str,
    decorators: list[str],
    texts: list[str],
    common: dict[str, Any],
    refs: dict[str, Any],
) -> dict[str, Any]:
    codes = [int(mt.group(1)) for c in refs.get("calls") or [] if (mt := _RESPONSE_HELPER.match(str(c)))]
    schemas: list[str] = []
    if common["datamodel"] and cls.kind in ("api", "model_api"):
        schemas.append(common["datamodel"])  # a REST API reads and writes it as JSON
    meta: dict[str, Any] = {
        "framework": FRAMEWORK,
        "methods": methods,
        "path": paths[0],
        "paths": paths,
        "router": None,
        "route_base": base,
        "full_path": _join(base, paths[0]),
        "handler": handler,
        "endpoint": None,
        "decorators": list(dict.fromkeys(decorators)),
        "decorator_texts": texts,
        "dependencies": [],
        "annotations": [],
        "response_model": None,
        "status_code": None,
        "tags": [],
        "schemas": list(dict.fromkeys(schemas)),
        "error_decorators": [n for n in decorators if n.rsplit(".", 1)[-1] in _SAFE],
        "error_responses": list(dict.fromkeys(codes)),
        **common,
    }
    # explicit handlers: the class's schemas their body loads (``self.add_model_schema.load(...)``)
    # or dumps
    used = [_SCHEMA_USE.match(str(c)) for c in refs.get("calls") or []]
    schemas_of = common["model_schemas"]
    meta["input_schemas"] = list(
        dict.fromkeys(schemas_of[m[1]] for m in used if m and m[1] in schemas_of and m[2] in _LOADS)
    )
    meta["output_schemas"] = list(
        dict.fromkeys(schemas_of[m[1]] for m in used if m and m[1] in schemas_of and m[2] not in _LOADS)
    )
    meta["schemas"] = list(dict.fromkeys([*meta["input_schemas"], *meta["output_schemas"], *meta["schemas"]]))
    meta.update(refs)
    return meta


def _summary(meta: dict[str, Any]) -> str:
    head = f"{', '.join(meta['methods'])} {meta['full_path']}"
    if len(meta["paths"]) > 1:
        head += f" (+{len(meta['paths']) - 1} more)"
    out = f"{head} → {meta['handler']}"
    if meta.get("implied"):
        out += f" (inherited from {meta['implied_by']})"
    if meta["decorators"]:
        out += f" ({', '.join(meta['decorators'])})"
    return out


# --------------------------------------------------------------------------- registrations


def _registrations(ctx: _Ctx) -> list[dict[str, Any]]:
    """``appbuilder.add_api(NotificationApi)``, ``appbuilder.add_view(V, "Name", ...)``."""
    out: list[dict[str, Any]] = []
    if not (b"add_api" in ctx.pf.source or b"add_view" in ctx.pf.source):
        return out
    for call in walk(ctx.pf.root, {"call"}):
        fn = call.child_by_field_name("function")
        if fn is None or fn.type != "attribute":
            continue
        attr = ctx.pf.text(fn.child_by_field_name("attribute"))
        if attr not in _REGISTER_CALLS:
            continue
        pos, kw = call_args(call)
        target = pos[0] if pos else kw.get("baseview")
        if target is not None and target.type == "call":  # add_view(MyView(), ...)
            target = target.child_by_field_name("function")
        view = dotted_name(ctx.pf, target)
        if not view:
            continue
        name = pos[1] if len(pos) > 1 else kw.get("name")
        out.append(
            {
                "call": attr,
                "target": dotted_name(ctx.pf, fn.child_by_field_name("object")) or None,
                "view": view,
                "name": _text(ctx, name),
                "category": _text(ctx, kw.get("category")),
                "line": call.start_point[0] + 1,
            }
        )
    return out
