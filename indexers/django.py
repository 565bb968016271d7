"""Django and Django REST Framework, read statically from one parse tree.

Patterns:

- **route**: one per handler. DRF viewsets (``ModelViewSet``, ``ReadOnlyModelViewSet``,
  ``GenericViewSet`` + mixins, ``ViewSet``): every action method the class defines
  (``list``, ``create``, ``retrieve``, ``update``, ``partial_update``, ``destroy``) and every
  ``@action`` gets its own pattern (``InvoiceViewSet.create``); the actions the class inherits
  without defining them are one pattern for the class itself (``InvoiceViewSet`` with
  ``actions`` list/retrieve/...). ``APIView``/generic views (``ListCreateAPIView``, ...) and
  Django class-based views: one pattern per ``get``/``post``/... method, plus the class for
  the methods a generic view implies. ``@api_view([...])`` functions and plain Django function
  views (first parameter ``request`` in a file importing Django). Class-level
  ``permission_classes``, ``authentication_classes``, ``throttle_classes``,
  ``pagination_class``, ``serializer_class``, ``queryset``, ``filterset_class`` ... are in
  the meta of every route of the class. ``path`` is None: the linker finds the URL in the
  urlconfs (file meta below).
- **model** (``orm`` "django"): ``models.Model`` subclasses with fields, relations, ``Meta``.
- **schema**: DRF serializers (``library`` "drf": declared and ``Meta.fields``, ``Meta.model``,
  nested serializers, ``validate_<field>`` methods) and django-filter ``FilterSet`` classes.
- **pagination**: DRF pagination classes (``PageNumberPagination`` subclasses ...).
- **dependency** (``role`` "permission"/"authentication"/"throttle"): DRF permission,
  authentication and throttle classes.
- **error_handler**: a DRF exception handler ``def handler(exc, context)`` with the
  ``response_shape`` it produces.

File meta (consumed by the linker): ``django_urls``, ``django_routers``,
``router_registrations``, ``django_error_handlers`` (``handler500 = ...``), ``django_settings``
and ``facts`` (see ``FileExtract``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from indexers.base import (
    Definition,
    ParsedFile,
    as_definition,
    base_classes,
    call_args,
    class_methods,
    decorator_expr,
    definition_pattern,
    dict_keys,
    dotted_name,
    first_docline,
    literal_list,
    string_value,
    walk,
)
from indexers.errors import own_nodes
from indexers.refs import body_refs, except_clauses
from indexers.testing import is_test_file
from memorybrain.models import FileExtract, Pattern

# --------------------------------------------------------------------------- tables

#: action -> (HTTP method, detail route?)
VIEWSET_ACTIONS: dict[str, tuple[str, bool]] = {
    "list": ("GET", False),
    "create": ("POST", False),
    "retrieve": ("GET", True),
    "update": ("PUT", True),
    "partial_update": ("PATCH", True),
    "destroy": ("DELETE", True),
}
_ALL_ACTIONS = list(VIEWSET_ACTIONS)
#: DRF's mixins -> the viewset actions each serves (the linker reads it for project mixins' bases).
MIXIN_ACTIONS = {
    "ListModelMixin": ["list"],
    "CreateModelMixin": ["create"],
    "RetrieveModelMixin": ["retrieve"],
    "UpdateModelMixin": ["update", "partial_update"],
    "DestroyModelMixin": ["destroy"],
}
_VIEWSETS = {
    "ModelViewSet": _ALL_ACTIONS,
    "ReadOnlyModelViewSet": ["list", "retrieve"],
    "GenericViewSet": [],
    "ViewSet": [],
    "ViewSetMixin": [],
}
_GENERIC_VIEWS = {
    "ListAPIView": ["GET"],
    "CreateAPIView": ["POST"],
    "RetrieveAPIView": ["GET"],
    "DestroyAPIView": ["DELETE"],
    "UpdateAPIView": ["PUT", "PATCH"],
    "ListCreateAPIView": ["GET", "POST"],
    "RetrieveUpdateAPIView": ["GET", "PUT", "PATCH"],
    "RetrieveDestroyAPIView": ["GET", "DELETE"],
    "RetrieveUpdateDestroyAPIView": ["GET", "PUT", "PATCH", "DELETE"],
    "GenericAPIView": [],
    "APIView": [],
}
_DJANGO_VIEWS = {
    "View": [],
    "TemplateView": ["GET"],
    "RedirectView": ["GET"],
    "ListView": ["GET"],
    "DetailView": ["GET"],
    "ArchiveIndexView": ["GET"],
    "YearArchiveView": ["GET"],
    "MonthArchiveView": ["GET"],
    "DayArchiveView": ["GET"],
    "DateDetailView": ["GET"],
    "CreateView": ["GET", "POST"],
    "UpdateView": ["GET", "POST"],
    "DeleteView": ["GET", "POST"],
    "FormView": ["GET", "POST"],
    "LoginView": ["GET", "POST"],
    "LogoutView": ["POST"],
    "PasswordChangeView": ["GET", "POST"],
    "PasswordResetView": ["GET", "POST"],
}
_HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
_CLASS_ATTRS = (
    "permission_classes",
    "authentication_classes",
    "throttle_classes",
    "filter_backends",
    "parser_classes",
    "renderer_classes",
)
_SINGLE_ATTRS = ("pagination_class", "serializer_class", "filterset_class", "model", "form_class")
_STRING_ATTRS = (
    "lookup_field",
    "lookup_url_kwarg",
    "throttle_scope",
    "template_name",
    "permission_required",
    "paginate_by",
)
_VIEW_DECORATORS = {"permission_classes", "authentication_classes", "throttle_classes"}
_AUTH_DECORATORS = frozenset(
    {"login_required", "permission_required", "user_passes_test", "staff_member_required", "superuser_required"}
)
_AUTH_MIXINS = frozenset({"LoginRequiredMixin", "PermissionRequiredMixin", "UserPassesTestMixin", "AccessMixin"})
#: A project's own access mixins named like Django's (pretalx's ``EventPermissionRequired``,
#: ``PermissionRequired``; ``StaffRequiredMixin``, ``LoginRequired``).
_AUTH_MIXIN_NAME = re.compile(r"(Login|Permission|Perm|Staff|Superuser|Admin|Auth\w*|Owner)Required(Mixin)?$")


def _is_auth_mixin(name: str) -> bool:
    return name in _AUTH_MIXINS or bool(_AUTH_MIXIN_NAME.search(name))


_REQUIRE_METHODS = {"require_GET": ["GET"], "require_POST": ["POST"], "require_safe": ["GET", "HEAD"]}
_SERIALIZER_BASES = frozenset({"Serializer", "ModelSerializer", "HyperlinkedModelSerializer", "ListSerializer"})
_MODEL_BASES = frozenset({"Model", "AbstractUser", "AbstractBaseUser", "PolymorphicModel", "MPTTModel"})
_PAGINATION_STYLE = {
    "PageNumberPagination": "page number",
    "LimitOffsetPagination": "limit/offset",
    "CursorPagination": "cursor",
    "BasePagination": "custom",
}
_RELATION_FIELDS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField", "GenericForeignKey", "TreeForeignKey"})
_WEB_MODULES = ("django", "rest_framework", "django_filters")
#: Module aliases whose classes are DRF's (``serializers.ModelSerializer``, ``permissions.BasePermission``).
_DRF_MODULE_ALIASES = frozenset(
    {"serializers", "pagination", "permissions", "throttling", "authentication", "filters", "django_filters"}
)
_SETTINGS_KEYS = frozenset(
    {"INSTALLED_APPS", "REST_FRAMEWORK", "MIDDLEWARE", "DATABASES", "ROOT_URLCONF", "AUTH_USER_MODEL"}
)
_ENGINES = {
    "postgresql": "PostgreSQL",
    "postgis": "PostgreSQL",
    "postgresql_psycopg2": "PostgreSQL",
    "mysql": "MySQL",
    "sqlite3": "SQLite",
    "oracle": "Oracle",
    "spatialite": "SQLite",
}


# --------------------------------------------------------------------------- helpers


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _shadowing_names(pf: ParsedFile) -> frozenset[str]:
    """Names of DRF's view classes (``ViewSet``, ``ModelViewSet``, ...) that are the project's
    own here: a module-level class of this file (``class ViewSet(viewsets.ViewSet)`` under its
    ``ThreadViewSet(ViewSet)``) or a name imported from outside ``rest_framework``
    (``from .base import ViewSet``)."""
    drf_names = set(_VIEWSETS) | set(_GENERIC_VIEWS)
    out: set[str] = set()
    for node in pf.root.named_children:
        inner = node.child_by_field_name("definition") if node.type == "decorated_definition" else node
        if inner is not None and inner.type == "class_definition":
            name = pf.text(inner.child_by_field_name("name"))
            if name in drf_names:
                out.add(name)
        elif node.type == "import_from_statement":
            module = pf.text(node.child_by_field_name("module_name"))
            if module.split(".")[0] == "rest_framework":
                continue
            for c in node.children_by_field_name("name"):
                bound = c.child_by_field_name("alias") if c.type == "aliased_import" else c
                if pf.text(bound) in drf_names:
                    out.add(pf.text(bound))
    return frozenset(out)


def _imports(pf: ParsedFile) -> set[str]:
    """Top-level modules the file imports (cheap: from the tree's import statements)."""
    out: set[str] = set()
    for node in pf.root.named_children:
        if node.type == "import_statement":
            for c in node.named_children:
                name = c.child_by_field_name("name") if c.type == "aliased_import" else c
                out.add(pf.text(name).split(".")[0])
        elif node.type == "import_from_statement":
            mod = node.child_by_field_name("module_name")
            text = pf.text(mod)
            if text and not text.startswith("."):
                out.add(text.split(".")[0])
    return out


_CONSTANT_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_DEFAULT_CLASSES = re.compile(r"DEFAULT_(?:PERMISSION|AUTHENTICATION|THROTTLE)_CLASSES")


def _names(pf: ParsedFile, node: Node | None) -> list[str] | None:
    """Class names in ``[A, B]``/``(A,)``/``A & B``; None when not a literal we can read."""
    if node is None:
        return None
    if node.type == "none":
        return []
    if node.type not in ("list", "tuple", "set", "identifier", "attribute", "binary_operator", "boolean_operator"):
        if node.type == "parenthesized_expression":
            return _names(pf, node.named_children[0] if node.named_children else None)
        return None
    out: list[str] = []
    for el in literal_list(pf, node):
        name = dotted_name(pf, el)
        if name:
            out.append(name)
            continue
        for sub in walk(el, frozenset({"identifier", "attribute"})):
            if sub.parent is not None and sub.parent.type == "attribute":
                continue
            n = dotted_name(pf, sub)
            if n and n[:1].isupper() or "." in n:
                out.append(n)
    # a list constant is no class, except ``api_settings.DEFAULT_PERMISSION_CLASSES + [X]``: the
    # settings defaults with X added (kept as ``DEFAULT_PERMISSION_CLASSES``; the linker knows them)
    kept: list[str] = []
    for n in out:
        last = n.rsplit(".", 1)[-1]
        if _DEFAULT_CLASSES.fullmatch(last):
            kept.append(last)
        elif not _CONSTANT_NAME.fullmatch(last):
            kept.append(n)
    return kept


def _class_body(d: Definition) -> list[Node]:
    body = d.definition.child_by_field_name("body")
    return list(body.named_children) if body is not None else []


def _assignments(nodes: list[Node]) -> list[tuple[str, Node, Node]]:
    """(name, value, statement) of simple ``name = value`` statements."""
    out = []
    for stmt in nodes:
        if stmt.type != "expression_statement" or not stmt.named_children:
            continue
        a = stmt.named_children[0]
        if a.type != "assignment":
            continue
        left, right = a.child_by_field_name("left"), a.child_by_field_name("right")
        if left is not None and right is not None and left.type == "identifier":
            out.append((left.text.decode() if left.text else "", right, stmt))
    return out


def _inner_class(d: Definition, name: str) -> Node | None:
    for stmt in _class_body(d):
        if stmt.type == "class_definition":
            n = stmt.child_by_field_name("name")
            if n is not None and n.text == name.encode():
                return stmt
    return None


def _inner_assignments(node: Node | None) -> dict[str, Node]:
    if node is None:
        return {}
    body = node.child_by_field_name("body")
    return {name: value for name, value, _ in _assignments(list(body.named_children) if body else [])}


def _literal(pf: ParsedFile, node: Node | None) -> Any:
    """A JSON-able value for simple literals (strings, numbers, lists, dicts), else the text."""
    if node is None:
        return None
    if node.type in ("string", "concatenated_string"):
        return string_value(pf, node)
    if node.type == "integer":
        try:
            return int(pf.text(node))
        except ValueError:
            return pf.text(node)
    if node.type in ("true", "false"):
        return node.type == "true"
    if node.type == "none":
        return None
    if node.type in ("list", "tuple", "set"):
        return [_literal(pf, c) for c in node.named_children if c.type != "comment"]
    if node.type == "dictionary":
        out: dict[str, Any] = {}
        for pair in node.named_children:
            if pair.type == "pair":
                key = _literal(pf, pair.child_by_field_name("key"))
                out[str(key)] = _literal(pf, pair.child_by_field_name("value"))
        return out
    if node.type == "conditional_expression":  # ``a if flag else b``
        branches = [c for c in node.named_children if c.type != "comment"]
        first = _literal(pf, branches[0]) if branches else None
        other = _literal(pf, branches[2]) if len(branches) == 3 else None
        if isinstance(first, str) and isinstance(other, str) and other != first:
            # both, the second by its last name: ``...permissions.IsAuthenticated or IsAuthenticatedOrReadOnly``
            return f"{first} or {_last(other)}"
        return first
    if node.type == "binary_operator":  # [..] + [..]
        left = _literal(pf, node.child_by_field_name("left"))
        right = _literal(pf, node.child_by_field_name("right"))
        if isinstance(left, list) and isinstance(right, list):
            return left + right
        return left if isinstance(left, list) else right if isinstance(right, list) else pf.text(node)
    return " ".join(pf.text(node).split())


def dict_shape(pf: ParsedFile, node: Node | None, depth: int = 0) -> str | None:
    """``{"error": {"code", "message"}}`` for a dict literal (keys only, nested dicts opened)."""
    if node is None or node.type != "dictionary":
        return None
    items = []
    for pair in node.named_children:
        if pair.type != "pair":
            continue
        key = string_value(pf, pair.child_by_field_name("key"))
        if key is None:
            continue
        inner = dict_shape(pf, pair.child_by_field_name("value"), depth + 1) if depth < 2 else None
        items.append(f'"{key}": {inner}' if inner else f'"{key}"')
    return "{" + ", ".join(items) + "}" if items else None


def _decorator_info(pf: ParsedFile, dec: Node) -> tuple[str, Node | None]:
    expr = decorator_expr(dec)
    if expr is None:
        return "", None
    if expr.type == "call":
        return dotted_name(pf, expr.child_by_field_name("function")), expr
    return dotted_name(pf, expr), None


def _compact(text: str) -> str:
    return " ".join(text.split()).replace("( ", "(").replace(", )", ")").replace(" )", ")")


# --------------------------------------------------------------------------- views


def _view_kind(bases: list[str], django_file: bool) -> tuple[str, list[str]] | None:
    """(view type, implied actions for viewsets / methods for generic views) or None."""
    lasts = [_last(b) for b in bases]
    mixin_actions = [a for b in lasts for a in MIXIN_ACTIONS.get(b, [])]
    for b in lasts:
        if b in _VIEWSETS:
            return "viewset", list(dict.fromkeys(_VIEWSETS[b] + mixin_actions))
    for b in (x.lower() for x in lasts):  # kolibri spells its bases `ValuesViewset`
        if b.endswith("readonlymodelviewset"):
            return "viewset", ["list", "retrieve"]
        if b.endswith("modelviewset"):
            return "viewset", _ALL_ACTIONS
        if b.endswith("viewset"):
            return "viewset", list(dict.fromkeys(mixin_actions))
    for b in lasts:
        if b in _GENERIC_VIEWS:
            return ("generic" if _GENERIC_VIEWS[b] else "apiview"), list(_GENERIC_VIEWS[b])
    for b in lasts:
        if b.endswith("APIView"):
            return "apiview", []
    if not django_file:
        return None
    for b in lasts:
        if b in _DJANGO_VIEWS:
            return "django-class", list(_DJANGO_VIEWS[b])
    for b in lasts:
        if b.endswith("View") and b not in ("MethodView",) and not b.endswith("Mixin"):
            return "django-class", []
    return None


#: Class attributes a view inherits from a project mixin (``class LocalSettingsMixin:
#: pagination_class = ...``) or base view; the linker reads them through the MRO.
MIXIN_ATTRS = (
    "permission_classes",
    "authentication_classes",
    "throttle_classes",
    "pagination_class",
    "serializer_class",
    "filterset_class",
    "filter_backends",
    "lookup_field",
    "lookup_url_kwarg",
    "throttle_scope",
    "form_class",
    "paginate_by",
)


def _runtime_value(pf: ParsedFile, value: Node) -> str | None:
    """Where a class attribute's value comes from when it is computed at run time: a constant
    (``authentication_classes = GALAXY_AUTHENTICATION_CLASSES``) or a setting
    (``pagination_class = settings.API_PAGINATION``). The setting it reads when the constant
    is bound in this module to an expression of one (``GALAXY_X = perform_import(settings.GALAXY_X,
    ...)`` -> ``settings.GALAXY_X``), else the constant as written. None for a class name or literal."""
    if value.type not in ("identifier", "attribute"):
        return None
    written = dotted_name(pf, value)
    last = _last(written)
    if written.startswith("settings."):
        return written
    if not _CONSTANT_NAME.fullmatch(last) or _DEFAULT_CLASSES.fullmatch(last):
        return None
    if value.type == "identifier":
        for stmt in pf.root.named_children:
            if stmt.type != "expression_statement" or not stmt.named_children:
                continue
            a = stmt.named_children[0]
            left, right = a.child_by_field_name("left"), a.child_by_field_name("right")
            if a.type != "assignment" or left is None or right is None or pf.text(left) != written:
                continue
            for sub in walk(right, frozenset({"attribute"})):
                text = dotted_name(pf, sub)
                if text.startswith("settings.") and text.count(".") == 1:
                    return text
            if right.type == "call":  # getattr(settings, "X", ...)
                pos, _kw = call_args(right)
                if len(pos) >= 2 and pf.text(pos[0]) == "settings" and string_value(pf, pos[1]):
                    return f"settings.{string_value(pf, pos[1])}"
    return written


def _class_attrs(pf: ParsedFile, d: Definition) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value, _stmt in _assignments(_class_body(d)):
        runtime = _runtime_value(pf, value) if name in _CLASS_ATTRS or name in _SINGLE_ATTRS else None
        if runtime is not None:
            # computed at run time: kept as written, with where it comes from (not a class name)
            written = dotted_name(pf, value)
            out[name] = [written] if name in _CLASS_ATTRS else written
            out.setdefault("runtime_attrs", {})[name] = runtime
        elif name in _CLASS_ATTRS:
            names = _names(pf, value)
            if names is not None:
                out[name] = names
            else:
                out[name] = [_compact(pf.text(value))]
        elif name in _SINGLE_ATTRS:
            if value.type == "none":
                out[name] = None
            else:
                out[name] = dotted_name(pf, value) or _compact(pf.text(value))[:60]
        elif name in _STRING_ATTRS:
            out[name] = _literal(pf, value)
        elif name == "queryset":
            model = _queryset_model(pf, value)
            if model:
                out["queryset_model"] = model
        elif name == "http_method_names":
            lit = _literal(pf, value)
            if isinstance(lit, list):
                out[name] = [str(x).upper() for x in lit]
    return out


def _queryset_model(pf: ParsedFile, node: Node) -> str | None:
    """``Invoice.objects.select_related(...)`` -> ``Invoice``."""
    for sub in walk(node, frozenset({"attribute"})):
        text = dotted_name(pf, sub)
        if ".objects" in text:
            return text.split(".objects", 1)[0].rsplit(".", 1)[-1]
    return None


def _action_meta(pf: ParsedFile, call: Node | None, method_name: str) -> dict[str, Any]:
    out: dict[str, Any] = {"detail": False, "methods": ["GET"], "url_path": method_name}
    if call is None:
        return out
    _pos, kw = call_args(call)
    if "detail" in kw:
        out["detail"] = kw["detail"].type == "true"
    if "methods" in kw:
        lit = _literal(pf, kw["methods"])
        if isinstance(lit, list):
            out["methods"] = [str(m).upper() for m in lit if m]
    if "url_path" in kw:
        out["url_path"] = _literal(pf, kw["url_path"]) or method_name
    if "url_name" in kw:
        out["url_name"] = _literal(pf, kw["url_name"])
    for key in ("permission_classes", "authentication_classes", "throttle_classes"):
        if key in kw:
            names = _names(pf, kw[key])
            if names is not None:
                out[key] = names
    if "serializer_class" in kw:
        out["serializer_class"] = dotted_name(pf, kw["serializer_class"])
    return out


def _other_decorators(pf: ParsedFile, decorators: list[Node], skip: set[str]) -> tuple[list[str], list[str]]:
    names, texts = [], []
    for dec in decorators:
        name, _call = _decorator_info(pf, dec)
        if not name or _last(name) in skip:
            continue
        names.append(name)
        texts.append(_compact(pf.text(dec)))
    return names, texts


#: Other access decorators named like Django's (django-guardian's ``object_permission_required``,
#: ``permission_required_or_403``, a project's ``staff_or_owner_required``).
_AUTH_DECORATOR_NAME = re.compile(r"(?i)(login|permission|perm|staff|superuser|admin|auth|owner)\w*_required")


def is_auth_decorator(name: str) -> bool:
    return name in _AUTH_DECORATORS or bool(_AUTH_DECORATOR_NAME.search(name))


def _django_auth(pf: ParsedFile, decorators: list[Node], bases: list[str]) -> list[str]:
    """login_required/permission_required... from decorators (also inside method_decorator) and mixins."""
    out: list[str] = []
    for dec in decorators:
        name, call = _decorator_info(pf, dec)
        if is_auth_decorator(_last(name)):
            out.append(_last(name))
        elif _last(name) == "method_decorator" and call is not None:
            pos, _kw = call_args(call)
            for arg in literal_list(pf, pos[0] if pos else None):
                inner = dotted_name(pf, arg.child_by_field_name("function") if arg.type == "call" else arg)
                if is_auth_decorator(_last(inner)):
                    out.append(_last(inner))
    out += [_last(b) for b in bases if _is_auth_mixin(_last(b))]
    return list(dict.fromkeys(out))


def _route_pattern(
    pf: ParsedFile, d: Definition, meta: dict[str, Any], summary_head: str, skip: frozenset[str] = frozenset()
) -> Pattern:
    meta.setdefault("path", None)
    meta.setdefault("full_path", None)
    meta.setdefault("router", None)
    if d.is_class:
        refs = {"calls": [], "raises": [], "catches": [], "aborts": [], "http_errors": [], "error_calls": []}
        for stmt in _class_body(d):
            m = as_definition(stmt)
            if m is None or m.is_class or pf.text(m.definition.child_by_field_name("name")) in skip:
                continue  # handler methods with patterns of their own carry their own refs
            for key, values in body_refs(pf, m).items():
                known = refs.setdefault(key, [])
                for v in values:
                    if v not in known:
                        known.append(v)
    else:
        refs = body_refs(pf, d)
    meta.update(refs)
    handled = _except_raises(pf, d, skip)
    if handled:
        meta["except_raises"] = handled
    schemas = [s for s in (meta.get("serializer_class"), meta.get("filterset_class")) if s]
    schemas += [c for c in refs["calls"] if _last(c).endswith("Serializer") and c not in schemas]
    # the models behind the view: queryset = Invoice.objects..., Project.objects.filter(...) in a body
    models = [meta.get("queryset_model"), meta.get("model")]
    models += [m.group(1) for c in refs["calls"] if (m := re.match(r"([A-Z]\w*)\.objects\.", c))]
    schemas += [m for m in models if m]
    meta["schemas"] = list(dict.fromkeys(_last(s) for s in schemas))
    methods = ",".join(meta.get("methods") or []) or "ANY"
    extras = []
    if meta.get("permission_classes") is not None:
        extras.append("permission_classes=[" + ", ".join(map(_last, meta["permission_classes"])) + "]")
    if meta.get("django_auth"):
        extras.append(", ".join(meta["django_auth"]))
    if meta.get("serializer_class"):
        extras.append(f"serializer {_last(meta['serializer_class'])}")
    summary = f"{methods} {summary_head}" + (f" ({'; '.join(extras)})" if extras else "")
    return definition_pattern(pf, d, "route", summary, meta)


def _except_raises(pf: ParsedFile, d: Definition, skip: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """What the body raises where it catches: ``except ProtectedError: raise
    exceptions.ValidationError(...)`` -> ``{"catches": ["ProtectedError"], "raises":
    ["exceptions.ValidationError"], "line": n}`` per ``except`` clause that raises a new exception
    (as written; a bare ``raise`` re-raises and is left out). For a class view, its methods that
    have no pattern of their own."""
    bodies: list[Node] = []
    if d.is_class:
        for stmt in _class_body(d):
            m = as_definition(stmt)
            if m is None or m.is_class or pf.text(m.definition.child_by_field_name("name")) in skip:
                continue
            body = m.definition.child_by_field_name("body")
            if body is not None:
                bodies.append(body)
    else:
        body = d.definition.child_by_field_name("body")
        if body is not None:
            bodies.append(body)
    return [
        {"catches": c["catches"], "raises": c["raises"], "line": c["line"]}
        for body in bodies
        for c in except_clauses(pf, body)
        if c["raises"]
    ]


def _class_views(
    pf: ParsedFile, d: Definition, django_file: bool, shadowed: frozenset[str] = frozenset()
) -> list[Pattern]:
    bases = base_classes(pf, d)
    kind = _view_kind(bases, django_file)
    if kind is None or d.name.endswith("Mixin"):
        return []
    # a base spelled like DRF's class but the project's own (misago's in-module ``ViewSet``):
    # what it serves is the linker's to find, from that class
    own_bases = [b for b in bases if b in shadowed]
    view_type, implied = kind
    framework = "django" if view_type == "django-class" else "drf"
    attrs = _class_attrs(pf, d)
    class_decos, class_texts = _other_decorators(pf, d.decorators, set())
    class_auth = _django_auth(pf, d.decorators, bases)
    base_meta: dict[str, Any] = {
        "framework": framework,
        "view_type": view_type,
        "class": d.name,
        "bases": bases,
        **attrs,
    }
    lasts = [_last(b) for b in bases if b not in own_bases]
    if view_type == "viewset" and not any(b in _VIEWSETS for b in lasts):
        # the actions come from a base's name (``NamedModelViewSet``): the linker checks them
        # against that base when it is the project's own (pulpcore's is a GenericViewSet)
        base_meta["actions_guessed"] = True
        base_meta["mixin_actions"] = list(dict.fromkeys(a for b in lasts for a in MIXIN_ACTIONS.get(b, [])))
    if class_auth:
        base_meta["django_auth"] = class_auth
    out: list[Pattern] = []
    defined: set[str] = set()
    for stmt in _class_body(d):
        m = as_definition(stmt)
        if m is None or m.is_class:
            continue
        m.name = pf.text(m.definition.child_by_field_name("name"))
        m.parent_class = d.name
        m.qualname = f"{d.name}.{m.name}"
        action_call = None
        is_action = False
        for dec in m.decorators:
            name, call = _decorator_info(pf, dec)
            if _last(name) in ("action", "detail_route", "list_route"):
                is_action, action_call = True, call
                break
        meta = dict(base_meta)
        meta["handler"] = m.qualname
        decos, texts = _other_decorators(pf, m.decorators, {"action", "detail_route", "list_route"})
        meta["decorators"] = class_decos + decos
        meta["decorator_texts"] = class_texts + texts
        method_auth = _django_auth(pf, m.decorators, [])
        if method_auth:
            meta["django_auth"] = list(dict.fromkeys(class_auth + method_auth))
        if is_action and view_type == "viewset":
            info = _action_meta(pf, action_call, m.name)
            meta["action"] = m.name
            meta["methods"] = info.pop("methods")
            meta["detail"] = info.pop("detail")
            meta["url_path"] = info.pop("url_path")
            for key, value in info.items():
                meta[key] = value  # action-level overrides (permission_classes=...)
            overrides = [k for k in info if k.endswith("_classes") or k == "serializer_class"]
            if overrides:
                meta["action_overrides"] = overrides
            head = f"@action {m.qualname}"
        elif view_type == "viewset" and m.name in VIEWSET_ACTIONS:
            method, detail = VIEWSET_ACTIONS[m.name]
            meta.update(action=m.name, methods=[method], detail=detail)
            head = f"{m.qualname} ({'detail' if detail else 'list'} route)"
        elif view_type != "viewset" and m.name in _HTTP_METHODS:
            meta["methods"] = [m.name.upper()]
            head = m.qualname
        elif view_type == "viewset" and m.name in _HTTP_METHODS:
            # a ViewSet method named like a verb: served where a urlconf maps it
            # (``UserAPILoginView.as_view({"post": "post"})``), and on the routes a router
            # generates for the class (DRF dispatches any verb the class has a method for)
            meta.update(action=m.name, methods=[m.name.upper()], detail=False, verb_action=True)
            head = m.qualname
        else:
            continue
        defined.add(m.name)
        out.append(_route_pattern(pf, m, meta, head))
    # the class itself for the handlers it inherits (ModelViewSet's six actions, a generic view's methods)
    meta = dict(base_meta)
    meta["handler"] = d.name
    meta["decorators"], meta["decorator_texts"] = class_decos, class_texts
    if view_type == "viewset":
        actions = [a for a in implied if a not in defined]
        meta["actions"] = [
            {"action": a, "methods": [VIEWSET_ACTIONS[a][0]], "detail": VIEWSET_ACTIONS[a][1]} for a in actions
        ]
        meta["methods"] = list(dict.fromkeys(VIEWSET_ACTIONS[a][0] for a in actions))
    else:
        actions = [m for m in implied if m.lower() not in defined and not (m == "PATCH" and "put" in defined)]
        meta["methods"] = actions
    # a viewset on a project base class (`ValuesViewset`) may inherit actions the linker finds: keep its class
    project_base = view_type == "viewset" and any(
        x in own_bases
        or (_last(x) not in _VIEWSETS and _last(x) not in MIXIN_ACTIONS and not _last(x).endswith("ModelViewSet"))
        for x in bases
    )
    if actions or not out or project_base:
        base = ", ".join(_last(b) for b in bases)
        pattern = _route_pattern(pf, d, meta, f"{d.name}({base})", frozenset(defined))
        pattern.code = _without_handlers(pf, d, out)
        out.insert(0, pattern)
    return out


def _without_handlers(pf: ParsedFile, d: Definition, handlers: list[Pattern]) -> str:
    """The class's code with the handler methods that are patterns of their own replaced by a
    one-line pointer (the class attributes and helpers such as get_queryset stay)."""
    lines = pf.code(d.node).split("\n")
    first = d.node.start_point[0] + 1
    for h in sorted(handlers, key=lambda p: -p.start_line):
        start, end = h.start_line - first, h.end_line - first
        indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
        lines[start : end + 1] = [f"{indent}# {h.qualname}: its own pattern ({h.path}:{h.start_line}-{h.end_line})"]
    return "\n".join(lines)


#: Where plain Django function views live (a helper taking ``request`` elsewhere is not a view).
_VIEWS_PATH = re.compile(r"(^|/)(views?/|[^/]*views?\.py$|api\.py$)")
_VIEW_FUNCTION_DECORATORS = _AUTH_DECORATORS | frozenset(
    {"require_http_methods", "require_GET", "require_POST", "require_safe", "csrf_exempt", "cache_page", "never_cache"}
)


def _has_view_decorator(pf: ParsedFile, d: Definition) -> bool:
    return any(_last(_decorator_info(pf, dec)[0]) in _VIEW_FUNCTION_DECORATORS for dec in d.decorators)


#: Shortcuts whose result is an HTTP response (besides the response classes: ``HttpResponse*``,
#: ``JsonResponse``, DRF's ``Response`` ... all name ``Response``).
_RESPONSE_CALLS = frozenset({"render", "render_to_response", "redirect"})


def _is_response(pf: ParsedFile, node: Node | None, request: str, bound: dict[str, list[Node]], depth: int = 0) -> bool:
    """Whether ``node`` evidently evaluates to an HTTP response: a call to a response class or shortcut
    (``render``, ``redirect``, ``...Response``), ``SomeView.as_view()(request)``, a call handed the
    request itself (delegation to another view: ``return legal_view(request, TOS)``), or a local name
    bound to one of those (``response = HttpResponse(); ...; return response``)."""
    if node is None or depth > 3:
        return False
    if node.type in ("parenthesized_expression", "await"):
        return any(_is_response(pf, c, request, bound, depth + 1) for c in node.named_children)
    if node.type == "conditional_expression":
        branches = node.named_children[0:1] + node.named_children[2:3]  # `a if cond else b`
        return any(_is_response(pf, c, request, bound, depth + 1) for c in branches)
    if node.type == "identifier":
        return any(_is_response(pf, v, request, bound, depth + 1) for v in bound.get(pf.text(node), []))
    if node.type != "call":
        return False
    fn = node.child_by_field_name("function")
    if fn is not None and fn.type == "call":  # SomeView.as_view(...)(request, ...)
        fn = fn.child_by_field_name("function")
    name = _last(dotted_name(pf, fn))
    if name in _RESPONSE_CALLS or "Response" in name or name.endswith("Redirect") or name == "as_view":
        return True
    pos, kw = call_args(node)
    return any(a.type == "identifier" and pf.text(a) == request for a in [*pos, *kw.values()])


def _responds(pf: ParsedFile, d: Definition, request: str) -> bool:
    """Whether a plain function taking ``request`` shows it is a view: a ``return`` evidently gives an
    HTTP response (see ``_is_response``), or it never returns and ends by raising (``raise Http404``).
    A helper that returns a model, a dict, a string or ``None`` (``plan_from_request_or_none(request)``)
    is not a view: Django refuses a view whose result is not a response."""
    body = d.definition.child_by_field_name("body")
    if body is None:
        return False
    bound: dict[str, list[Node]] = {}
    for a in own_nodes(body, frozenset({"assignment"})):
        left, right = a.child_by_field_name("left"), a.child_by_field_name("right")
        if left is not None and left.type == "identifier" and right is not None:
            bound.setdefault(pf.text(left), []).append(right)
    returns = list(own_nodes(body, frozenset({"return_statement"})))
    if not returns:
        statements = [c for c in body.named_children if c.type != "comment"]
        return bool(statements) and statements[-1].type == "raise_statement"
    return any(_is_response(pf, r.named_children[0] if r.named_children else None, request, bound) for r in returns)


def _function_view(pf: ParsedFile, d: Definition, django_file: bool) -> Pattern | None:
    api_view = None
    for dec in d.decorators:
        name, call = _decorator_info(pf, dec)
        if _last(name) == "api_view":
            api_view = (name, call)
            break
    params = d.definition.child_by_field_name("parameters")
    first = params.named_children[0] if params is not None and params.named_children else None
    first_name = pf.text(
        first.child_by_field_name("name") if first is not None and first.type != "identifier" else first
    )
    if api_view is None and not (
        django_file
        and first_name in ("request", "req")
        and d.parent_class is None
        and not d.name.startswith("_")
        and (_has_view_decorator(pf, d) or (_VIEWS_PATH.search(pf.path) and _responds(pf, d, first_name)))
    ):
        return None
    meta: dict[str, Any] = {"handler": d.qualname}
    if api_view is not None:
        meta["framework"] = "drf"
        meta["view_type"] = "api_view"
        methods = ["GET"]
        call = api_view[1]
        if call is not None:
            pos, kw = call_args(call)
            lit = _literal(pf, pos[0] if pos else kw.get("http_method_names"))
            if isinstance(lit, list) and lit:
                methods = [str(m).upper() for m in lit]
        meta["methods"] = methods
    else:
        meta["framework"] = "django"
        meta["view_type"] = "django-function"
        meta["methods"] = []
    skip = {"api_view"} | _VIEW_DECORATORS
    for dec in d.decorators:
        name, call = _decorator_info(pf, dec)
        last = _last(name)
        if last in _VIEW_DECORATORS and call is not None:
            pos, _kw = call_args(call)
            names = _names(pf, pos[0] if pos else None)
            if names is not None:
                meta[last] = names
        elif last in _REQUIRE_METHODS:
            meta["methods"] = _REQUIRE_METHODS[last]
        elif last == "require_http_methods" and call is not None:
            pos, _kw = call_args(call)
            lit = _literal(pf, pos[0] if pos else None)
            if isinstance(lit, list):
                meta["methods"] = [str(m).upper() for m in lit]
    meta["decorators"], meta["decorator_texts"] = _other_decorators(pf, d.decorators, skip)
    auth = _django_auth(pf, d.decorators, [])
    if auth:
        meta["django_auth"] = auth
    return _route_pattern(pf, d, meta, d.qualname + ("" if api_view else " (Django view)"))


# --------------------------------------------------------------------------- models, serializers, ...


def _field_call(pf: ParsedFile, value: Node) -> tuple[str, Node] | None:
    if value.type != "call":
        return None
    name = dotted_name(pf, value.child_by_field_name("function"))
    return (name, value) if name else None


def _model_pattern(pf: ParsedFile, d: Definition, bases: list[str]) -> Pattern | None:
    fields, relations = [], []
    model_fields = 0
    for name, value, _stmt in _assignments(_class_body(d)):
        fc = _field_call(pf, value)
        if fc is None:
            continue
        callee, call = fc
        ftype = _last(callee)
        if not (ftype.endswith("Field") or ftype in _RELATION_FIELDS or callee.startswith("models.")):
            continue
        pos, kw = call_args(call)
        model_fields += callee.startswith("models.")
        if ftype in _RELATION_FIELDS:
            target = pos[0] if pos else kw.get("to")
            target_name = (
                _literal(pf, target) if target is not None and target.type == "string" else dotted_name(pf, target)
            )
            relations.append({"name": name, "target": str(target_name or "?"), "type": ftype})
            fields.append({"name": name, "type": f"{ftype}({target_name})"})
        else:
            fields.append({"name": name, "type": ftype})
    is_model = any(_last(b) in _MODEL_BASES for b in bases) or (
        fields and (any(b.startswith("models.") for b in bases) or model_fields)
    )
    if not is_model:
        return None
    meta_opts = {k: _literal(pf, v) for k, v in _inner_assignments(_inner_class(d, "Meta")).items()}
    meta = {
        "orm": "django",
        "bases": bases,
        "fields": fields,
        "relationships": relations,
        "options": {
            k: v
            for k, v in meta_opts.items()
            if k in ("ordering", "db_table", "abstract", "verbose_name", "unique_together", "proxy", "managed")
        },
    }
    if meta_opts.get("db_table"):
        meta["table"] = meta_opts["db_table"]
    items = [f"{f['name']}: {f['type']}" for f in fields[:8]]
    summary = f"django model {d.name}({', '.join(_last(b) for b in bases)}) — " + ", ".join(items)
    if meta["options"]:
        summary += "; Meta " + ", ".join(f"{k}={v}" for k, v in meta["options"].items())
    return definition_pattern(pf, d, "model", summary, meta)


def _serializer_pattern(pf: ParsedFile, d: Definition, bases: list[str]) -> Pattern | None:
    lasts = [_last(b) for b in bases]
    if any(b.endswith("FilterSet") for b in lasts):
        library = "django-filter"
    elif any(b in _SERIALIZER_BASES or b.endswith("Serializer") for b in lasts):
        library = "drf"
    else:
        return None
    declared = []
    nested = []
    for name, value, _stmt in _assignments(_class_body(d)):
        fc = _field_call(pf, value)
        if fc is None:
            continue
        ftype = _last(fc[0])
        if not (ftype.endswith(("Field", "Serializer", "Filter")) or fc[0].startswith(("serializers.", "filters."))):
            continue
        declared.append({"name": name, "type": ftype})
        if ftype.endswith("Serializer"):
            nested.append({"name": name, "serializer": ftype})
    inner = _inner_assignments(_inner_class(d, "Meta"))
    meta_fields = _literal(pf, inner.get("fields")) if "fields" in inner else None
    model = dotted_name(pf, inner.get("model")) if inner.get("model") is not None else None
    validators = []
    for stmt in _class_body(d):
        node = stmt.child_by_field_name("definition") if stmt.type == "decorated_definition" else stmt
        if node is not None and node.type == "function_definition":
            fname = pf.text(node.child_by_field_name("name"))
            if fname == "validate" or fname.startswith("validate_"):
                validators.append(fname)
    names = [f["name"] for f in declared]
    if isinstance(meta_fields, list):
        names += [str(f) for f in meta_fields if str(f) not in names]
    meta: dict[str, Any] = {
        "library": library,
        "bases": bases,
        "fields": declared + [{"name": n, "type": "model"} for n in names if n not in {f["name"] for f in declared}],
        "model": model,
        "validators": validators,
        "nested": nested,
    }
    if meta_fields == "__all__":
        meta["all_fields"] = True
    what = "serializer" if library == "drf" else "filterset"
    summary = f"{what} {d.name}({', '.join(lasts)})"
    if model:
        summary += f" — model {model}"
    if names:
        summary += "; fields " + ", ".join(names[:10])
    elif meta_fields == "__all__":
        summary += "; fields __all__"
    if validators:
        summary += "; validates " + ", ".join(validators)
    if nested:
        summary += "; nested " + ", ".join(f"{n['name']}: {n['serializer']}" for n in nested)
    return definition_pattern(pf, d, "schema", summary, meta)


def _response_dict(pf: ParsedFile, fn: Node) -> Node | None:
    """The dict of ``Response({...})``/``JsonResponse({...})`` or ``response.data = {...}`` in a body."""
    for node in walk(fn, frozenset({"call", "assignment"})):
        if node.type == "call":
            if _last(dotted_name(pf, node.child_by_field_name("function"))) in ("Response", "JsonResponse"):
                pos, kw = call_args(node)
                arg = pos[0] if pos else kw.get("data")
                if arg is not None and arg.type == "identifier":  # data = {...}; Response(data, status=...)
                    arg = _assigned_dict(pf, fn, pf.text(arg))
                if arg is not None and arg.type == "dictionary":
                    return arg
        else:
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and left.type == "attribute" and pf.text(left).endswith(".data"):
                if right is not None and right.type == "dictionary":
                    return right
    return None


def _assigned_dict(pf: ParsedFile, fn: Node, name: str) -> Node | None:
    """The dict literal last assigned to the local ``name`` in a function body."""
    found = None
    for node in walk(fn, frozenset({"assignment"})):
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is not None and left.type == "identifier" and pf.text(left) == name:
            found = right if right is not None and right.type == "dictionary" else None
    return found


def _pagination_pattern(pf: ParsedFile, d: Definition, bases: list[str]) -> Pattern | None:
    lasts = [_last(b) for b in bases]
    style = next((_PAGINATION_STYLE[b] for b in lasts if b in _PAGINATION_STYLE), None)
    if style is None and not any(b.endswith("Pagination") for b in lasts):
        return None
    attrs = {n: _literal(pf, v) for n, v, _ in _assignments(_class_body(d))}
    methods = class_methods(d)
    params = [
        str(attrs[k])
        for k in (
            "page_query_param",
            "page_size_query_param",
            "limit_query_param",
            "offset_query_param",
            "cursor_query_param",
        )
        if isinstance(attrs.get(k), str)
    ]
    if not params:
        params = {"page number": ["page"], "limit/offset": ["limit", "offset"], "cursor": ["cursor"]}.get(
            style or "", []
        )
    keys: list[str] = []
    if "get_paginated_response" in methods:
        keys = dict_keys(pf, _response_dict(pf, methods["get_paginated_response"]))
    elif style == "page number" or style == "limit/offset":
        keys = ["count", "next", "previous", "results"]
    elif style == "cursor":
        keys = ["next", "previous", "results"]
    meta: dict[str, Any] = {
        "framework": "drf",
        "bases": bases,
        "style": style or "custom",
        "params": params,
        "returns_keys": keys,
        "page_size": attrs.get("page_size") if isinstance(attrs.get("page_size"), int) else None,
        "max_page_size": attrs.get("max_page_size") if isinstance(attrs.get("max_page_size"), int) else None,
    }
    summary = f"DRF pagination {d.name}({', '.join(lasts)}) — {meta['style']}"
    if meta["page_size"]:
        summary += f", page_size {meta['page_size']}"
    if params:
        summary += f", query params {', '.join(params)}"
    if keys:
        summary += " → {" + ", ".join(keys) + "}"
    return definition_pattern(pf, d, "pagination", summary, meta)


def _policy_pattern(pf: ParsedFile, d: Definition, bases: list[str]) -> Pattern | None:
    """DRF permission/authentication/throttle classes (what views list in ``*_classes``)."""
    lasts = [_last(b) for b in bases]
    role = None
    if any(b.endswith(("Permission", "Permissions")) or b in ("IsAuthenticated", "IsAdminUser") for b in lasts):
        role = "permission"
    elif any(b.endswith("Authentication") for b in lasts):
        role = "authentication"
    elif any(b.endswith("Throttle") for b in lasts):
        role = "throttle"
    if role is None:
        return None
    methods = class_methods(d)
    attrs = {n: _literal(pf, v) for n, v, _ in _assignments(_class_body(d))}
    hooks = [m for m in methods if m.startswith(("has_", "authenticate", "allow_request", "get_cache_key"))]
    meta: dict[str, Any] = {"framework": "drf", "role": role, "bases": bases, "methods": hooks}
    for key in ("message", "scope", "rate"):
        if isinstance(attrs.get(key), str):
            meta[key] = attrs[key]
    refs: dict[str, list[Any]] = {"calls": [], "raises": []}
    for node in methods.values():
        r = body_refs(pf, Definition(node, node, "", "", []))
        for key in refs:
            refs[key] += [v for v in r[key] if v not in refs[key]]
    meta.update(refs)
    doc = first_docline(pf, d)
    summary = f"DRF {role} class {d.name}({', '.join(lasts)})"
    if hooks:
        summary += " — " + ", ".join(hooks)
    if doc:
        summary += f": {doc}"
    elif meta.get("message"):
        summary += f": {meta['message']}"
    return definition_pattern(pf, d, "dependency", summary, meta)


def _exception_handler(pf: ParsedFile, d: Definition) -> Pattern | None:
    """``def handler(exc, context)`` that calls DRF's ``exception_handler`` or builds a Response."""
    if d.is_class or d.parent_class:
        return None
    params = d.definition.child_by_field_name("parameters")
    names = [pf.text(p) for p in (params.named_children if params else []) if p.type == "identifier"]
    if names[:2] != ["exc", "context"]:
        return None
    body = _response_dict(pf, d.definition)
    refs = body_refs(pf, d)
    calls = {_last(c) for c in refs["calls"]}
    if body is None:  # the response built by a function of the module it calls (_handle_api_exception(exc))
        helpers = {h.name: h for h in pf.definitions(methods=False) if not h.is_class and h.name != d.name}
        for name in refs["calls"]:
            if name in helpers:
                body = _response_dict(pf, helpers[name].definition)
                if body is not None:
                    break
    shape = dict_shape(pf, body)
    if shape is None and "exception_handler" not in calls:
        return None
    meta: dict[str, Any] = {"framework": "drf", "exceptions": ["APIException"], **refs}
    if shape:
        meta["response_shape"] = shape
        meta["response_keys"] = dict_keys(pf, body)
    summary = f"DRF exception handler {d.name}(exc, context)" + (f" → {shape}" if shape else "")
    return definition_pattern(pf, d, "error_handler", summary, meta)


# --------------------------------------------------------------------------- urlconfs


def _regex_to_path(rx: str) -> str:
    rx = rx.lstrip("^").rstrip("$")
    rx = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", rx)
    return rx.replace("\\.", ".").replace("\\/", "/")


def _url_entry(pf: ParsedFile, call: Node, prefix: str, var: str) -> list[dict[str, Any]]:
    fn = _last(dotted_name(pf, call.child_by_field_name("function")))
    pos, kw = call_args(call)
    # path("x/", view) and, as Django allows, path(route="x/", view=view) (mayan writes these)
    route_node = pos[0] if pos else kw.get("route") or kw.get("regex")
    target = pos[1] if len(pos) > 1 else kw.get("view")
    if route_node is None or target is None:
        return []
    route = string_value(pf, route_node)
    if route is None:  # path(settings_prefix, ...): a prefix known only at run time
        route = ""
    if fn in ("re_path", "url"):
        route = _regex_to_path(route)
    route = prefix + route
    entry: dict[str, Any] = {"var": var, "route": route, "line": call.start_point[0] + 1}
    name = kw.get("name") or (pos[2] if len(pos) > 2 and pos[2].type == "string" else None)
    if name is not None:
        entry["name"] = string_value(pf, name)
    if target.type == "call":
        callee = dotted_name(pf, target.child_by_field_name("function"))
        tpos, tkw = call_args(target)
        if _last(callee) == "include":
            arg = tpos[0] if tpos else tkw.get("arg")
            if arg is not None and arg.type == "tuple" and arg.named_children:
                arg = arg.named_children[0]
            if arg is None:
                return []
            if arg.type == "call":  # include(i18n_patterns(patterns)): the wrapped list
                if _last(dotted_name(pf, arg.child_by_field_name("function"))) == "i18n_patterns":
                    entry["route"] = route + I18N_PREFIX
                inner, _ikw = call_args(arg)
                arg = inner[0] if inner else None
                if arg is None:
                    return []
            if arg.type == "string":
                entry["include"] = string_value(pf, arg)
            elif arg.type == "list":
                out = []
                for sub in arg.named_children:
                    if sub.type == "call":
                        out += _url_entry(pf, sub, route, var)
                    elif sub.type == "list_splat":  # *RoomView.get_urls(url_base="rooms", ...)
                        out += _classmethod_entry(pf, sub, route, var)
                return out
            else:
                ref = dotted_name(pf, arg)
                if ref.endswith(".urls") and ref.count(".") == 1:
                    entry["router"] = ref.split(".")[0]
                elif ref:
                    entry["include_ref"] = ref
                else:
                    return []
            return [entry]
        if callee.endswith(".as_view"):
            entry["view"] = callee.removesuffix(".as_view")
            entry["class_view"] = True
            mapping = _literal(pf, tpos[0]) if tpos else None
            if isinstance(mapping, dict):
                entry["actions"] = {k.upper(): str(v) for k, v in mapping.items()}
            return [entry]
        sub = _url_entry_view(pf, target)  # login_required(views.x), csrf_exempt(View.as_view())
        return [{**entry, **sub}] if sub else []
    ref = dotted_name(pf, target)
    if not ref:
        return []
    if ref.endswith(".urls"):
        if ref.count(".") == 1:
            entry["router"] = ref.split(".")[0]
        else:
            entry["include_ref"] = ref
        return [entry]
    entry["view"] = ref
    return [entry]


def _url_entry_view(pf: ParsedFile, node: Node, depth: int = 0) -> dict[str, Any] | None:
    """The view a urlconf entry serves, through the decorators applied to it there, outermost
    first: ``login_required(permission_required("x")(View.as_view()))`` -> ``wrappers``
    ``["login_required", "permission_required"]`` and ``wrapper_texts`` as written."""
    if node.type != "call":
        ref = dotted_name(pf, node)
        return {"view": ref} if ref else None
    function = node.child_by_field_name("function")
    callee = dotted_name(pf, function)
    if callee.endswith(".as_view"):
        return {"view": callee.removesuffix(".as_view"), "class_view": True}
    pos, _kw = call_args(node)
    if depth > 4 or not pos:
        return None
    text = ""
    if function is not None and function.type == "call":  # permission_required("x")(view)
        text = _compact(pf.text(function))
        callee = dotted_name(pf, function.child_by_field_name("function"))
    if not callee or _last(callee)[:1].isupper():  # FormPreview(Form): an instance, not a decorator
        return None
    sub = _url_entry_view(pf, pos[0], depth + 1)
    if not sub:
        return None
    return {
        **sub,
        "wrappers": [callee, *sub.get("wrappers", [])],
        "wrapper_texts": [text or callee, *sub.get("wrapper_texts", [])],
    }


#: Blocks whose statements still run at import time: ``if settings.API_ENABLED: urlpatterns += [...]``.
_MODULE_BLOCKS = frozenset(
    {
        "if_statement",
        "elif_clause",
        "else_clause",
        "try_statement",
        "except_clause",
        "finally_clause",
        "with_statement",
        "for_statement",
        "block",
    }
)


def _module_statements(node: Node) -> Iterator[Node]:
    """The module's top-level statements, and those in its top-level ``if``/``try``/``with``
    blocks (feature flags, optional apps), in file order; not function or class bodies."""
    for child in node.named_children:
        if child.type in _MODULE_BLOCKS:
            yield from _module_statements(child)
        else:
            yield child


def _urlconf(pf: ParsedFile) -> dict[str, Any]:
    routers: dict[str, dict[str, Any]] = {}
    registrations: list[dict[str, Any]] = []
    urls: list[dict[str, Any]] = []
    handlers: list[dict[str, Any]] = []
    for stmt in _module_statements(pf.root):
        if stmt.type != "expression_statement" or not stmt.named_children:
            continue
        expr = stmt.named_children[0]
        if expr.type == "assignment":
            left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
            var = pf.text(left)
            if right is None or left is None or left.type != "identifier":
                continue
            if _ERROR_HANDLER_VAR.match(var):  # handler500 = "pkg.views.server_error" / views.server_error
                if right.type == "call":  # handler404 = NotFoundView.as_view()
                    right = right.child_by_field_name("function") or right
                view = string_value(pf, right) if right.type == "string" else dotted_name(pf, right)
                view = (view or "").removesuffix(".as_view")
                if view:
                    handlers.append(
                        {
                            "code": var.removeprefix("handler"),
                            "view": view,
                            "dotted": right.type == "string",
                            "line": stmt.start_point[0] + 1,
                        }
                    )
                continue
            if right.type == "call":
                callee = dotted_name(pf, right.child_by_field_name("function"))
                if _last(callee).endswith("Router"):
                    pos, kw = call_args(right)
                    info: dict[str, Any] = {"type": _last(callee), "line": stmt.start_point[0] + 1}
                    ts = kw.get("trailing_slash")
                    info["trailing_slash"] = not (ts is not None and ts.type == "false")
                    if ts is not None and ts.type == "string":
                        info["trailing_slash"] = bool(string_value(pf, ts))
                    if _last(callee).startswith("Nested") and len(pos) >= 2:
                        info["parent"] = dotted_name(pf, pos[0])
                        info["parent_prefix"] = string_value(pf, pos[1])
                        lookup = kw.get("lookup")
                        info["lookup"] = string_value(pf, lookup) if lookup is not None else None
                    routers[var] = info
                    continue
            urls += _urls_in(pf, right, var)
        elif expr.type == "augmented_assignment":
            left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
            if left is not None and right is not None:
                urls += _urls_in(pf, right, pf.text(left))
        elif expr.type == "call":
            callee = dotted_name(pf, expr.child_by_field_name("function"))
            obj, _, method = callee.rpartition(".")
            if method in ("register", "register_endpoint") and obj in routers:
                pos, kw = call_args(expr)
                if len(pos) >= 2:
                    prefix = string_value(pf, pos[0])
                    if prefix is not None and "(?P<" in prefix:  # a router prefix is a regex: users/(?P<user>[\d]+)/x
                        prefix = _regex_to_path(prefix)
                    viewset = dotted_name(pf, pos[1])
                    if prefix is not None and viewset:
                        reg = {"router": obj, "prefix": prefix, "viewset": viewset, "line": stmt.start_point[0] + 1}
                        basename = kw.get("basename") or kw.get("base_name") or (pos[2] if len(pos) > 2 else None)
                        if basename is not None:
                            reg["basename"] = string_value(pf, basename)
                        registrations.append(reg)
            elif method in ("extend", "append", "insert") and obj:
                pos, _kw = call_args(expr)
                if method == "insert":  # urlpatterns.insert(1, path("v1/", include(...)))
                    pos = pos[1:]
                if pos:
                    urls += _urls_in(pf, pos[0], obj)
    # a router nothing registers with nor includes (FastAPI's `APIRouter()`) is not a DRF router
    used = {r["router"] for r in registrations} | {str(u.get("router")) for u in urls}
    used |= {str(info.get("parent")) for info in routers.values()}
    routers = {var: info for var, info in routers.items() if var in used}
    out: dict[str, Any] = {}
    if urls:
        out["django_urls"] = urls
    if routers:
        out["django_routers"] = routers
    if registrations:
        out["router_registrations"] = registrations
    if handlers:
        out["django_error_handlers"] = handlers
    return out


#: The error views a root urlconf names: ``handler400``, ``handler403``, ``handler404``, ``handler500``.
_ERROR_HANDLER_VAR = re.compile(r"^handler(400|403|404|500)$")


#: What Django's ``i18n_patterns`` puts before its URLs: the active language's code (``/en/``).
I18N_PREFIX = "<lang>/"


def _urls_in(pf: ParsedFile, node: Node, var: str) -> list[dict[str, Any]]:
    """URL entries in a list literal (or ``[...] + router.urls``)."""
    out: list[dict[str, Any]] = []
    if node.type == "parenthesized_expression" and node.named_children:
        return _urls_in(pf, node.named_children[0], var)
    if node.type == "binary_operator":
        out += _urls_in(pf, node.child_by_field_name("left"), var)
        out += _urls_in(pf, node.child_by_field_name("right"), var)
        return out
    if node.type in ("attribute",):
        ref = dotted_name(pf, node)
        if ref.endswith(".urls") and ref.count(".") == 1:
            out.append({"var": var, "route": "", "router": ref.split(".")[0], "line": node.start_point[0] + 1})
        return out
    if node.type == "call":
        callee = _last(dotted_name(pf, node.child_by_field_name("function")))
        if callee in ("path", "re_path", "url"):
            return _url_entry(pf, node, "", var)
        pos, _kw = call_args(node)
        if callee == "patterns":  # Django < 1.10: patterns("", url(...), ...)
            for sub in pos[1:]:
                if sub.type == "call":
                    out += _url_entry(pf, sub, "", var)
        elif callee == "i18n_patterns":  # i18n_patterns(path(...), ...): served under /<lang>/
            for sub in pos:
                for entry in _urls_in(pf, sub, var):
                    out.append({**entry, "route": I18N_PREFIX + str(entry.get("route") or "")})
        elif built := _classmethod_entry(pf, node, "", var):  # urlpatterns += RoomView.get_urls(...)
            out += built
        else:  # format_suffix_patterns([...]) and other wrappers of a list
            for arg in pos:
                if arg.type in ("list", "tuple", "binary_operator", "parenthesized_expression"):
                    out += _urls_in(pf, arg, var)
        return out
    if node.type in ("list", "tuple"):
        for el in node.named_children:
            if el.type in ("list", "tuple"):  # core_urlpatterns = ([...], "app_name")
                out += _urls_in(pf, el, var)
            elif el.type == "call":
                callee = _last(dotted_name(pf, el.child_by_field_name("function")))
                if callee in ("path", "re_path", "url"):
                    out += _url_entry(pf, el, "", var)
            elif el.type == "list_splat":
                inner = el.named_children[0] if el.named_children else None
                if inner is not None:
                    ref = dotted_name(pf, inner)
                    if ref.endswith(".urls") and ref.count(".") == 1:
                        out.append(
                            {"var": var, "route": "", "router": ref.split(".")[0], "line": el.start_point[0] + 1}
                        )
                    else:
                        out += _classmethod_entry(pf, el, "", var)
    return out


#: Arguments that carry the URL prefix a view class's URL-building classmethod is given.
_URL_BASE_ARGS = ("url_base", "base_url", "prefix", "url_prefix", "route", "path")


def _classmethod_entry(pf: ParsedFile, node: Node, prefix: str, var: str) -> list[dict[str, Any]]:
    """``*RoomView.get_urls(url_base="schedule/rooms", url_name=...)`` in a urlconf list: a view
    class's classmethod builds its ``path()`` entries at run time. The view is the class; its
    routes are not read (that would mean evaluating the classmethod), only the prefix it is
    given: ``{"view": "RoomView", "via": "RoomView.get_urls", "url_base": "schedule/rooms"}``."""
    call = node.named_children[0] if node.type == "list_splat" and node.named_children else node
    if call.type != "call":
        return []
    callee = dotted_name(pf, call.child_by_field_name("function"))
    owner, _, method = callee.rpartition(".")
    if not owner or not _last(owner)[:1].isupper() or method == "as_view":
        return []
    pos, kw = call_args(call)
    base_node = next((kw[k] for k in _URL_BASE_ARGS if k in kw), None)
    if base_node is None and pos and pos[0].type == "string":
        base_node = pos[0]
    entry: dict[str, Any] = {
        "var": var,
        "route": prefix,
        "view": owner,
        "via": callee,
        "class_view": True,
        "line": call.start_point[0] + 1,
    }
    url_base = string_value(pf, base_node) if base_node is not None else None
    if url_base is not None:
        entry["url_base"] = url_base
    return [entry]


# --------------------------------------------------------------------------- settings


def _settings(pf: ParsedFile) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    rest: dict[str, Any] = {}
    rest_lines: dict[str, int] = {}
    seen_key = False
    for stmt in pf.root.named_children:
        if stmt.type != "expression_statement" or not stmt.named_children:
            continue
        expr = stmt.named_children[0]
        line = stmt.start_point[0] + 1
        if expr.type in ("assignment", "augmented_assignment"):
            left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
            if left is None or right is None:
                continue
            if left.type == "identifier":
                name = pf.text(left)
                if not name.isupper():
                    continue
                seen_key = seen_key or name in _SETTINGS_KEYS
                if name.startswith("REST_FRAMEWORK__") and len(name) > 16:
                    # dynaconf's nested key: REST_FRAMEWORK__DEFAULT_PERMISSION_CLASSES = (...)
                    # merges into REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]
                    rest[name.removeprefix("REST_FRAMEWORK__")] = _literal(pf, right)
                    rest_lines[name.removeprefix("REST_FRAMEWORK__")] = line
                elif name == "REST_FRAMEWORK":
                    lit = _literal(pf, right)
                    if right.type == "call":  # built by a function: the linker looks it up
                        values["rest_framework_call"] = dotted_name(pf, right.child_by_field_name("function"))
                    if isinstance(lit, dict):
                        rest.update(lit)
                        rest_lines.update(_key_lines(pf, right))
                    lines[name] = line
                elif name in ("INSTALLED_APPS", "MIDDLEWARE", "MIDDLEWARE_CLASSES"):
                    lit = _literal(pf, right)
                    items = [x for x in lit if isinstance(x, str)] if isinstance(lit, list) else []
                    key = "middleware" if name.startswith("MIDDLEWARE") else "installed_apps"
                    if expr.type == "augmented_assignment":
                        values[key] = list(values.get(key, [])) + items
                    else:
                        values[key] = items
                    lines[key] = line
                elif name == "DATABASES":
                    engine = next(
                        (
                            string_value(pf, p.child_by_field_name("value"))
                            for p in walk(right, frozenset({"pair"}))
                            if string_value(pf, p.child_by_field_name("key")) == "ENGINE"
                        ),
                        None,
                    )
                    if engine:
                        values["database_engine"] = engine
                        lines["database_engine"] = line
                elif name in ("ROOT_URLCONF", "AUTH_USER_MODEL"):
                    lit = _literal(pf, right)
                    if isinstance(lit, str):
                        values[name.lower()] = lit
                        lines[name.lower()] = line
            elif left.type == "subscript" and pf.text(left.child_by_field_name("value")) == "REST_FRAMEWORK":
                key = _literal(pf, left.child_by_field_name("subscript"))
                if isinstance(key, str):
                    rest[key] = _literal(pf, right)
                    rest_lines[key] = line
        elif expr.type == "call":
            callee = dotted_name(pf, expr.child_by_field_name("function"))
            if callee == "REST_FRAMEWORK.update":
                pos, _kw = call_args(expr)
                lit = _literal(pf, pos[0]) if pos else None
                if isinstance(lit, dict):
                    rest.update(lit)
                    rest_lines.update(dict.fromkeys(lit, line))
    if not seen_key and not rest:
        return None
    if rest:
        values["rest_framework"] = rest
        values["rest_framework_lines"] = rest_lines
    values["lines"] = lines
    return values


def _settings_facts(pf: ParsedFile, settings: dict[str, Any]) -> list[dict[str, Any]]:
    from indexers.stack import facts_from_imports

    facts: list[dict[str, Any]] = []
    engine = str(settings.get("database_engine") or "")
    if engine:
        short = engine.rsplit(".", 1)[-1]
        name = _ENGINES.get(short, short)
        facts.append(
            {
                "category": "database",
                "name": name,
                "value": None,
                "source_path": pf.path,
                "source_line": settings["lines"].get("database_engine", 0),
                "evidence": f'DATABASES ENGINE "{engine}"',
                "origin": "detected",
            }
        )
    modules = [str(a).split(".")[0] for a in settings.get("installed_apps") or []]
    rest = settings.get("rest_framework") or {}
    for value in rest.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and "." in item:
                modules.append(item.split(".")[0])
    line = settings["lines"].get("installed_apps", 0)
    for fact in facts_from_imports({pf.path: sorted(set(modules))}):
        facts.append(
            {
                "category": fact.category,
                "name": fact.name,
                "value": fact.value,
                "source_path": pf.path,
                "source_line": line,
                "evidence": "INSTALLED_APPS / REST_FRAMEWORK in settings",
                "origin": "detected",
            }
        )
    return facts


# --------------------------------------------------------------------------- extract


def extract(pf: ParsedFile) -> FileExtract:
    if not pf.source.strip():
        return FileExtract()
    text = pf.source
    mods = _imports(pf)
    django_file = bool(mods & set(_WEB_MODULES))
    hint = django_file or re.search(
        rb"ViewSet|APIView|Serializer|FilterSet|urlpatterns|INSTALLED_APPS|REST_FRAMEWORK|DEFAULT_\w+_CLASSES"
        rb"|\b(permission|authentication)_classes\s*=|\bpagination_class\s*=",
        text,
    )
    if not hint or "flask" in mods:
        return FileExtract()
    patterns: list[Pattern] = []
    meta: dict[str, Any] = {}
    tests = is_test_file(pf.path)
    shadowed = _shadowing_names(pf)
    seen: set[str] = set()
    for d in pf.definitions(methods=False):
        if d.qualname in seen:
            continue
        seen.add(d.qualname)
        if d.is_class:
            bases = base_classes(pf, d)
            if not tests:
                views = _class_views(pf, d, django_file, shadowed) if bases else []
                if views:
                    patterns += views
                    continue
                mixin = _mixin_attrs(pf, d, bases)
                if mixin is not None:
                    meta.setdefault("django_mixins", {})[d.name] = mixin
            if not bases:
                continue
            # a `TokenSerializer` of a Flask app is not DRF's: only in Django files or on DRF's modules
            drf = django_file or any(b.split(".")[0] in _DRF_MODULE_ALIASES for b in bases)
            p = None
            for make in (_serializer_pattern, _pagination_pattern, _policy_pattern) if drf else ():
                p = make(pf, d, bases)
                if p is not None:
                    break
            if p is None and (django_file or any(b.startswith("models.") for b in bases)):
                p = _model_pattern(pf, d, bases)
            if p is not None:
                patterns.append(p)
        elif not tests:
            p = _exception_handler(pf, d)
            if p is None:
                p = _function_view(pf, d, django_file and "urls" not in pf.path.rsplit("/", 1)[-1])
            if p is not None:
                patterns.append(p)
    # a urlconf: urlpatterns, router registrations, or path()/re_path() lists of another name
    # in a Django file (mayan's ``api_urls = [re_path(...)]``, mounted at run time)
    if b"urlpatterns" in text or b"register(" in text or (django_file and re.search(rb"\b(re_)?path\(", text)):
        meta.update(_urlconf(pf))
    if b"INSTALLED_APPS" in text or b"REST_FRAMEWORK" in text or b"DATABASES" in text:
        settings = _settings(pf)
        if settings is not None:
            meta["django_settings"] = settings
            facts = _settings_facts(pf, settings)
            if facts:
                meta["facts"] = facts
    if re.search(rb"DEFAULT_\w+_CLASSES|EXCEPTION_HANDLER", text):
        builders = _drf_settings_builders(pf)
        if builders:
            meta["drf_settings_builders"] = builders
    return FileExtract(patterns=patterns, meta=meta)


def _mixin_attrs(pf: ParsedFile, d: Definition, bases: list[str]) -> dict[str, Any] | None:
    """A project class that is no view but sets view attributes its subclasses inherit
    (``class LocalSettingsMixin: pagination_class = GALAXY_PAGINATION_CLASS``): ``{"bases",
    "line", "lines": {attr: line}, attr: value ..., "runtime_attrs"}``; None when it sets none."""
    attrs = {k: v for k, v in _class_attrs(pf, d).items() if k in MIXIN_ATTRS or k == "runtime_attrs"}
    if not any(k in MIXIN_ATTRS for k in attrs):
        return None
    lines = {n: stmt.start_point[0] + 1 for n, _v, stmt in _assignments(_class_body(d)) if n in attrs}
    return {"bases": bases, "line": d.node.start_point[0] + 1, "lines": lines, **attrs}


def _drf_settings_builders(pf: ParsedFile) -> dict[str, dict[str, Any]]:
    """Top-level functions that return DRF settings as a dict literal
    (``REST_FRAMEWORK = get_drf_settings(require_login=...)`` in settings): name -> {"rest":
    the dict, "lines": key -> line}. The linker reads them for a settings module that calls one."""
    out: dict[str, dict[str, Any]] = {}
    for stmt in pf.root.named_children:
        d = as_definition(stmt)
        if d is None or d.is_class:
            continue
        body = d.definition.child_by_field_name("body")
        for ret in body.named_children if body is not None else []:
            value = ret.named_children[0] if ret.type == "return_statement" and ret.named_children else None
            if value is None or value.type != "dictionary":
                continue
            rest = _literal(pf, value)
            if isinstance(rest, dict) and any(k.startswith("DEFAULT_") or k == "EXCEPTION_HANDLER" for k in rest):
                out[pf.text(d.definition.child_by_field_name("name"))] = {"rest": rest, "lines": _key_lines(pf, value)}
                break
    return out


def _key_lines(pf: ParsedFile, dictionary: Node) -> dict[str, int]:
    """Each key of a dict literal -> the line it is on."""
    return {
        str(_literal(pf, pair.child_by_field_name("key"))): pair.start_point[0] + 1
        for pair in dictionary.named_children
        if pair.type == "pair"
    }
