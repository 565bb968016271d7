"""Pagination helpers and middleware: ``pagination`` and ``middleware`` patterns.

Pagination: a function or class whose name or parameters speak of paging (``paginate``,
``Page``, ``page``/``per_page``/``limit``/``offset``/``cursor``) *and* whose body pages
(a slice, ``.limit()``/``.offset()``, ``.paginate(``, ``LIMIT``/``OFFSET`` in SQL, or a
returned dict with paging keys), plus generic page schemas (``class Page(BaseModel,
Generic[T])`` with items and a total).

Middleware: Starlette ``BaseHTTPMiddleware`` subclasses, pure ASGI and WSGI middleware classes
(recognised by their ``__call__``), ``@app.middleware("http")`` functions and Flask request
hooks (``@app.before_request``, ``bp.before_app_request``, ``app.after_request(func)``, ...).
File meta ``middleware_registrations`` lists {"app", "middleware", "line"} for
``app.add_middleware(X)`` (plus "dispatch" for ``dispatch=func``), ``app.wsgi_app =
X(app.wsgi_app)`` and starlette ``Middleware(X)`` (with "via": "Middleware"), and {"app",
"middleware", "line", "hook"} for ``app.before_request(func)``-style hook registrations; each
with "condition" when made inside an ``if`` (the nearest one's condition), and "authentication"
(the backend) for Starlette's ``AuthenticationMiddleware``. File meta ``auth_middleware`` lists
the file's middleware that enforces authentication (``indexers.auth_middleware``).
"""

from __future__ import annotations

import builtins
import re
from typing import Any

from indexers.auth_middleware import auth_evidence, enclosing_condition
from indexers.base import (
    FLASK_REQUEST_HOOKS,
    Definition,
    ParsedFile,
    base_classes,
    call_args,
    callee,
    class_attributes,
    class_methods,
    decorator_expr,
    dict_keys,
    dotted_name,
    string_value,
    walk,
)
from indexers.models import (
    class_assignments,
    compact,
    import_aliases,
    imports_module,
    is_page_schema,
    make_pattern,
)
from indexers.models import resolve as resolve_name
from indexers.testing import parameter_names
from memorybrain.models import FileExtract, Pattern

# --------------------------------------------------------------------------- pagination

_PAGE_WORDS = {
    "page",
    "pages",
    "paged",
    "paging",
    "paginate",
    "paginated",
    "pagination",
    "paginator",
    "cursor",
}
_PAGE_PARAMS = {
    "page",
    "per_page",
    "perpage",
    "page_size",
    "pagesize",
    "page_num",
    "page_number",
    "pagenum",
    "limit",
    "offset",
    "skip",
    "cursor",
    "next_cursor",
    "page_token",
    "next_token",
    "max_results",
}
_PAGE_KEYS = {
    "items",
    "results",
    "total",
    "count",
    "page",
    "pages",
    "per_page",
    "page_size",
    "size",
    "next",
    "prev",
    "previous",
    "has_next",
    "has_prev",
    "has_more",
    "next_cursor",
    "cursor",
    "total_pages",
    "total_count",
    "offset",
    "limit",
    "next_page",
    "prev_page",
}
_PAGING_CALLS = {"limit", "offset", "paginate", "slice", "skip"}
_BUILTINS = frozenset(dir(builtins))
_SQL_PAGING = re.compile(r"\b(LIMIT|OFFSET)\b")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_PAGE_INDEX = ("page", "page_number", "page_num", "pagenum", "index")
_PAGE_SIZE = ("per_page", "page_size", "pagesize", "size", "limit", "max_size")
_CURSOR_WORDS = ("cursor", "next_cursor", "page_token", "next_token", "after", "before")


def _words(name: str) -> set[str]:
    return {w.lower() for part in name.split("_") for w in _CAMEL.findall(part)} | {name.lower().strip("_")}


def _returned_keys(pf: ParsedFile, body: Any) -> list[str]:
    """Keys of dicts returned (``return {...}``, ``return jsonify({...})``, ``Page(items=...)``,
    or a name the body assigns a dict literal to: ``data = {...}; data.update({...}); return data``)."""
    keys: list[str] = []
    for ret in walk(body, {"return_statement"}):
        value = ret.named_children[0] if ret.named_children else None
        if value is not None and value.type == "call":
            if not _builds_mapping(pf, value):
                continue
            positional, keywords = call_args(value)
            if keywords:
                keys.extend(keywords)
                continue
            value = positional[0] if positional else None
        if value is not None and value.type == "identifier":
            keys.extend(_dict_variable_keys(pf, body, pf.text(value)))
            continue
        keys.extend(dict_keys(pf, value))
    return list(dict.fromkeys(keys))


def _dict_variable_keys(pf: ParsedFile, body: Any, name: str) -> list[str]:
    """The keys a body gives the dict it builds in ``name``: ``name = {...}``, ``name.update({...})``
    and ``name["key"] = ...`` (nothing when ``name`` is never assigned a dict literal)."""
    keys: list[str] = []
    literal = False
    for node in walk(body, {"assignment", "call"}):
        if node.type == "assignment":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None:
                continue
            if left.type == "identifier" and pf.text(left) == name and right is not None:
                literal = literal or right.type == "dictionary"
                keys.extend(dict_keys(pf, right))
            elif left.type == "subscript" and pf.text(left.child_by_field_name("value")) == name:
                key = string_value(pf, left.child_by_field_name("subscript"))
                if key:
                    keys.append(key)
        elif dotted_name(pf, node.child_by_field_name("function")) == f"{name}.update":
            positional, _ = call_args(node)
            keys.extend(dict_keys(pf, positional[0] if positional else None))
    return keys if literal else []


def _builds_mapping(pf: ParsedFile, call: Any) -> bool:
    """``dict(...)``, ``jsonify(...)`` or a class constructor such as ``Page(items=...)``."""
    name = dotted_name(pf, call.child_by_field_name("function")).rsplit(".", 1)[-1]
    return name in ("dict", "jsonify") or name[:1].isupper()


def _paging_actions(pf: ParsedFile, body: Any, paging: dict[str, str] | None = None) -> list[str]:
    """What in a body pages: ``slice``, ``limit``/``offset``/``paginate`` calls, a paginator
    (Django's ``Paginator(items, 25).page(n)``), ``sql``, or a call of one of ``paging``, the
    file's own pagination helpers by name (``helper:<name>``)."""
    found: list[str] = []
    for node in walk(body, {"slice", "call", "string_content"}):
        if node.type == "slice":
            if any(c.type not in ("integer", "unary_operator") for c in node.named_children):
                found.append("slice")
        elif node.type == "call":
            fn = node.child_by_field_name("function")
            dotted = dotted_name(pf, fn) if fn is not None else ""
            name = dotted.rsplit(".", 1)[-1]
            if name in _PAGING_CALLS and (fn.type == "attribute" or name == "paginate"):
                found.append(name)
            elif fn is not None and fn.type in ("identifier", "attribute") and "paginator" in dotted.lower():
                found.append("paginator")
            elif fn is not None and fn.type == "identifier" and name in (paging or {}):
                found.append(f"helper:{name}")
        elif _SQL_PAGING.search(pf.text(node)):
            found.append("sql")
    return list(dict.fromkeys(found))


def _style(names: set[str], actions: list[str]) -> str:
    if "paginate" in actions:
        return "flask-sqlalchemy paginate"
    if names & set(_CURSOR_WORDS):
        return "cursor"
    index = next((n for n in _PAGE_INDEX if n in names), None)
    size = next((n for n in _PAGE_SIZE if n in names), None)
    if index and size:
        return f"{index}/{size}"
    start = next((n for n in ("offset", "skip", "start") if n in names), None)
    if start and "limit" in names:
        return f"{start}/limit"
    if index or size:
        return index or size or ""
    return "slice" if "slice" in actions else ""


def _page_function(pf: ParsedFile, d: Definition, paging: dict[str, str] | None = None) -> dict[str, Any] | None:
    params = parameter_names(pf, d)
    named = bool(_words(d.name) & _PAGE_WORDS)
    if not named and not set(params) & (_PAGE_PARAMS - {"limit"}):  # limit alone: "top N"
        return None
    body = d.definition.child_by_field_name("body")
    if body is None:
        return None
    keys = _returned_keys(pf, body)
    actions = _paging_actions(pf, body, paging)
    paged_keys = set(keys) & _PAGE_KEYS
    if not actions and len(paged_keys) < 2:
        return None
    if _words(d.name) & _PAGE_WORDS == {"cursor"} and not set(params) & _PAGE_PARAMS and len(paged_keys) < 2:
        return None  # a text cursor (pgAdmin's get_word_before_cursor(word) slices a string)
    style = _style(set(params) | paged_keys, actions)
    calls = _named_calls(pf, body)
    if not style:  # paging through the file's own helper: its style (paginate_with_after's cursor)
        helpers = [a.split(":", 1)[1] for a in actions if a.startswith("helper:")]
        style = next((s for h in helpers if (s := (paging or {}).get(h, ""))), "")
    out: dict[str, Any] = {
        "params": params,
        "returns_keys": keys,
        "style": style,
    }
    if calls:  # the functions it pages through (the linker follows them to the project's helper)
        out["calls"] = calls
    return out


def _named_calls(pf: ParsedFile, body: Any) -> list[str]:
    """Functions and classes a body calls by a bare name (``paginate(...)``,
    ``pagination_dict(page)``), builtins left out."""
    names = []
    for node in walk(body, {"call"}):
        fn = node.child_by_field_name("function")
        if fn is not None and fn.type == "identifier":
            name = pf.text(fn)
            if name not in _BUILTINS:
                names.append(name)
    return list(dict.fromkeys(names))


def _class_fields(pf: ParsedFile, d: Definition) -> list[str]:
    """Names assigned or annotated in a class body (pydantic fields, marshmallow fields)."""
    return [name for name, _, _ in class_assignments(pf, d) if not name.startswith("_")]


def _self_attributes(pf: ParsedFile, d: Definition) -> list[str]:
    """``self.x`` attributes assigned anywhere in a class, then its method names."""
    body = d.definition.child_by_field_name("body")
    names: list[str] = []
    for node in walk(body, {"assignment"}) if body is not None else []:
        left = node.child_by_field_name("left")
        if left is not None and left.type == "attribute" and pf.text(left).startswith("self."):
            names.append(pf.text(left).removeprefix("self."))
    return list(dict.fromkeys(names + list(class_methods(d))))


def _init_params(pf: ParsedFile, d: Definition) -> list[str]:
    init = class_methods(d).get("__init__")
    return _params_of(pf, init) if init is not None else []


def _page_class(pf: ParsedFile, d: Definition) -> dict[str, Any] | None:
    bases = base_classes(pf, d)
    fields = _class_fields(pf, d)
    if fields and is_page_schema(d.name, fields, bases):
        return {
            "params": [],
            "returns_keys": fields,
            "style": _style(set(fields), []) or "page schema",
            "fields": fields,
            "generic": any(b.rsplit(".", 1)[-1] == "Generic" for b in bases),
            "bases": bases,
        }
    if not _words(d.name) & _PAGE_WORDS:
        return None
    if _words(d.name) & _PAGE_WORDS == {"cursor"} and any("Cursor" in b.rsplit(".", 1)[-1] for b in bases):
        return None  # a database driver's cursor subclass (pgAdmin's AsyncDictServerCursor), not a page
    attributes = _self_attributes(pf, d)
    paged_base = any(_words(b.rsplit(".", 1)[-1]) & _PAGE_WORDS for b in bases)
    if paged_base and b"wagtail" in pf.source and not any("aginat" in b for b in bases):
        paged_base = False  # a Wagtail `Page` subclass is a CMS page model, not pagination
    body = d.definition.child_by_field_name("body")
    actions = _paging_actions(pf, body) if body is not None else []
    if not paged_base and not actions and len(set(attributes) & _PAGE_KEYS) < 2:
        return None
    params = _init_params(pf, d)
    return {
        "params": params,
        "returns_keys": [],
        "style": _style(set(params) | set(attributes), actions),
        "attributes": attributes,
        "bases": bases,
    }


def _pagination_pattern(pf: ParsedFile, d: Definition, paging: dict[str, str] | None = None) -> Pattern | None:
    if d.name.startswith(("test", "Test")):  # a test of pagination is not a helper
        return None
    meta = _page_class(pf, d) if d.is_class else _page_function(pf, d, paging)
    if meta is None:
        return None
    head = f"pagination {d.qualname}" + ("" if d.is_class else f"({', '.join(meta['params'])})")
    keys = meta["returns_keys"]
    if keys:
        summary = f"{head} → {{{', '.join(keys)}}}"
    elif meta["style"]:
        summary = f"{head} — {meta['style']}"
    else:
        summary = f"{head} — extends {', '.join(meta['bases'])}" if meta.get("bases") else head
    return make_pattern(pf, d, "pagination", summary, meta)


# --------------------------------------------------------------------------- middleware

_FLASK_HOOKS = FLASK_REQUEST_HOOKS


def _params_of(pf: ParsedFile, fn: Any) -> list[str]:
    return parameter_names(pf, Definition(fn, fn, "", "", []))


def _call_style(pf: ParsedFile, methods: dict[str, Any]) -> tuple[str, str, str] | None:
    """``(framework, style, label)`` from a class's ``__call__``/``__init__`` signatures."""
    call = methods.get("__call__")
    init = methods.get("__init__")
    if call is not None:
        params = _params_of(pf, call)
        is_async = any(c.type == "async" for c in call.children)
        if is_async and (len(params) == 3 or "scope" in params):
            return "asgi", "class", "pure ASGI"
        if "start_response" in params or (params[:1] and params[0] in ("environ", "env")):
            return "wsgi", "wsgi", "WSGI"
        if init is not None and "get_response" in _params_of(pf, init):
            return "django", "class", "django"
    return None


def _class_middleware(pf: ParsedFile, d: Definition, aliases: dict[str, str]) -> dict[str, Any] | None:
    methods = class_methods(d)
    hooks = [m for m in methods if m != "__init__"]
    for base in base_classes(pf, d):
        last = base.rsplit(".", 1)[-1]
        if not last.endswith("Middleware"):
            continue
        full = resolve_name(aliases, base)
        if last == "BaseHTTPMiddleware" or full.startswith(("starlette", "fastapi")):
            framework = "starlette"
        else:
            style = _call_style(pf, methods)
            framework = style[0] if style else _framework_from_imports(aliases)
        return {
            "framework": framework,
            "style": "class",
            "hooks": hooks,
            "label": f"{framework} {last}",
        }
    style = _call_style(pf, methods)
    if style is None:
        return None
    framework, kind, label = style
    return {"framework": framework, "style": kind, "hooks": hooks, "label": label}


def _framework_from_imports(aliases: dict[str, str]) -> str:
    if imports_module(aliases, "starlette", "fastapi"):
        return "starlette"
    if imports_module(aliases, "flask", "werkzeug"):
        return "wsgi"
    if imports_module(aliases, "django"):
        return "django"
    return "unknown"


def _decorated_middleware(pf: ParsedFile, d: Definition, aliases: dict[str, str]) -> dict[str, Any] | None:
    for dec in d.decorators:
        expr = decorator_expr(dec)
        name = dotted_name(pf, callee(expr))
        obj, _, attr = name.rpartition(".")
        if attr == "middleware" and obj and expr is not None and expr.type == "call":
            positional, _ = call_args(expr)
            kind = string_value(pf, positional[0]) if positional else None
            framework = "fastapi" if imports_module(aliases, "fastapi") else "starlette"
            return {
                "framework": framework,
                "style": "decorator",
                "hooks": [kind or "http"],
                "label": f"@{compact(pf.text(expr))}",
            }
        if attr in _FLASK_HOOKS and obj:
            return _flask_hook(attr, obj)
    return None


def _flask_hook(hook: str, app: str) -> dict[str, Any]:
    return {
        "framework": "flask",
        "style": "function",
        "hooks": [hook],
        "label": f"flask {app}.{hook}",
    }


def _registered_function(reg: dict[str, Any], aliases: dict[str, str]) -> dict[str, Any]:
    """Middleware meta for a function registered by name (a Flask hook or a dispatch)."""
    if "hook" in reg:
        return _flask_hook(reg["hook"], reg["app"])
    framework = "fastapi" if imports_module(aliases, "fastapi") else "starlette"
    return {
        "framework": framework,
        "style": "function",
        "hooks": ["dispatch"],
        "label": f"{reg['middleware']} dispatch on {reg['app']}",
    }


def _registrations(pf: ParsedFile, aliases: dict[str, str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for node in walk(pf.root, {"call", "assignment"}):
        line = node.start_point[0] + 1
        if node.type == "assignment":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            target = pf.text(left) if left is not None else ""
            if target.endswith(".wsgi_app") and right is not None and right.type == "call":
                mw = dotted_name(pf, right.child_by_field_name("function"))
                out.append({"app": target.removesuffix(".wsgi_app"), "middleware": mw, "line": line})
            continue
        fn = node.child_by_field_name("function")
        name = dotted_name(pf, fn)
        obj, _, attr = name.rpartition(".")
        positional, keywords = call_args(node)
        first = positional[0] if positional else None
        if attr == "add_middleware" and first is not None:
            reg = {"app": obj, "middleware": _name_or_text(pf, first), "line": line}
            dispatch = keywords.get("dispatch")
            if dispatch is not None and dispatch.type == "identifier":
                reg["dispatch"] = pf.text(dispatch)
            out.append(_with_auth_details(pf, aliases, node, reg, keywords))
        elif _is_starlette_middleware(aliases, name) and first is not None:
            reg = {"app": _middleware_owner(pf, node), "middleware": _name_or_text(pf, first), "line": line}
            reg["via"] = "Middleware"  # Middleware(X, ...) in a list, not app.add_middleware(X)
            out.append(_with_auth_details(pf, aliases, node, reg, keywords))
        elif attr in _FLASK_HOOKS and obj and first is not None and first.type == "identifier":
            if node.parent is not None and node.parent.type == "decorator":
                continue
            reg = {"app": obj, "middleware": pf.text(first), "line": line, "hook": attr}
            out.append(_with_auth_details(pf, aliases, node, reg, keywords))
    return out


def _with_auth_details(
    pf: ParsedFile, aliases: dict[str, str], node: Any, reg: dict[str, Any], keywords: dict[str, Any]
) -> dict[str, Any]:
    """A registration made only under a condition (``if settings.secure: app.add_middleware(...)``)
    says so; Starlette's ``AuthenticationMiddleware`` says which backend authenticates."""
    condition = enclosing_condition(pf, node)
    if condition:
        reg["condition"] = condition
    full = resolve_name(aliases, str(reg["middleware"]))
    if full.startswith(("starlette", "fastapi")) and full.endswith(".AuthenticationMiddleware"):
        backend = keywords.get("backend")
        reg["authentication"] = compact(pf.text(backend))[:80] if backend is not None else "?"
    return reg


def _is_starlette_middleware(aliases: dict[str, str], name: str) -> bool:
    """``Middleware(X, ...)`` from starlette/fastapi (not a project class named Middleware)."""
    full = resolve_name(aliases, name)
    return full.rsplit(".", 1)[-1] == "Middleware" and full.startswith(("starlette", "fastapi"))


def _name_or_text(pf: ParsedFile, node: Any) -> str:
    return dotted_name(pf, node) or compact(pf.text(node))


def _middleware_owner(pf: ParsedFile, node: Any) -> str | None:
    """``app`` for ``app = FastAPI(middleware=[Middleware(X)])``."""
    parent = node.parent
    while parent is not None and parent.type not in ("module", "function_definition"):
        if parent.type == "assignment":
            left = parent.child_by_field_name("left")
            return pf.text(left) if left is not None else None
        parent = parent.parent
    return None


def _middleware_pattern(
    pf: ParsedFile,
    d: Definition,
    aliases: dict[str, str],
    hooked: dict[str, dict[str, Any]],
) -> Pattern | None:
    if d.is_class:
        info = _class_middleware(pf, d, aliases) if d.parent_class is None else None
    else:
        info = _decorated_middleware(pf, d, aliases)
        if info is None and d.parent_class is None and d.name in hooked:
            info = _registered_function(hooked[d.name], aliases)
    if info is None:
        return None
    label = info.pop("label")
    consts = class_attributes(pf.root)
    if d.is_class and (body := d.definition.child_by_field_name("body")) is not None:
        consts.update(class_attributes(body))
    evidence = auth_evidence(pf, d.definition, d.qualname, consts)
    if evidence is not None:
        info["auth"] = {**_hooked_on(pf, d, hooked), **evidence}
    return make_pattern(pf, d, "middleware", f"middleware {d.qualname} ({label})", info)


def _hooked_on(pf: ParsedFile, d: Definition, hooked: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """{"app", "hook"?} of a middleware function: what it is registered on."""
    for dec in d.decorators:
        expr = decorator_expr(dec)
        obj, _, attr = dotted_name(pf, callee(expr)).rpartition(".")
        if obj and attr == "middleware":
            return {"app": obj}
        if obj and attr in _FLASK_HOOKS:
            return {"app": obj, "hook": attr}
    reg = hooked.get(d.name) if d.parent_class is None else None
    if reg is not None and "hook" in reg:
        return {"app": reg["app"], "hook": reg["hook"]}
    return {}


def _auth_middleware(pf: ParsedFile, patterns: list[Pattern], top: set[int]) -> list[dict[str, Any]]:
    """File meta ``auth_middleware``: each middleware of the file that checks auth (see
    ``indexers.auth_middleware``), the top-level ones (from their patterns) and those defined
    inside a setup function (``if auth_string: @api_app.middleware("http") async def ...``),
    which are no pattern of their own: {"name", "line", "style", "app"?, "hook"?, "condition"?,
    "rejects", "checks", "exempt"?, "only"?, "exempt_check"?}."""
    out: list[dict[str, Any]] = []
    for p in patterns:
        if p.kind == "middleware" and p.meta.get("auth"):
            out.append({"name": p.qualname, "line": p.start_line, "style": p.meta.get("style"), **p.meta["auth"]})
    consts = class_attributes(pf.root)
    for node in walk(pf.root, {"decorated_definition"}):
        inner = node.child_by_field_name("definition")
        if node.start_byte in top or inner is None or inner.type != "function_definition":
            continue
        for dec in node.named_children:
            if dec.type != "decorator":
                continue
            expr = decorator_expr(dec)
            obj, _, attr = dotted_name(pf, callee(expr)).rpartition(".")
            is_http = attr == "middleware" and expr is not None and expr.type == "call"
            if not obj or not (is_http or attr in _FLASK_HOOKS):
                continue
            name = pf.text(inner.child_by_field_name("name"))
            evidence = auth_evidence(pf, inner, name, consts)
            if evidence is None:
                break
            entry: dict[str, Any] = {"name": name, "line": node.start_point[0] + 1, "style": "decorator", "app": obj}
            if not is_http:
                entry["hook"] = attr
            condition = enclosing_condition(pf, node)
            if condition:
                entry["condition"] = condition
            out.append({**entry, **evidence})
            break
    return out


def extract(pf: ParsedFile) -> FileExtract:
    if not pf.source.strip():
        return FileExtract()
    aliases = import_aliases(pf)
    registrations = _registrations(pf, aliases)
    hooked = {r["middleware"]: r for r in registrations if "hook" in r}
    hooked.update({r["dispatch"]: r for r in registrations if "dispatch" in r})
    out: list[Pattern] = []
    paging_classes: set[str] = set()
    definitions = list(pf.definitions())
    found: dict[int, Pattern | None] = {}
    for i, d in enumerate(definitions):
        p = _middleware_pattern(pf, d, aliases, hooked)
        if p is None and d.parent_class not in paging_classes:
            p = _pagination_pattern(pf, d)
            if p is not None and d.is_class:
                paging_classes.add(d.name)
        found[i] = p
    # a module function that pages through the file's own helpers (``get_page`` slicing with
    # ``_slice_queryset``, ``paginated_response`` around ``pagination_dict``) pages too
    for _round in range(3):
        paging = {
            definitions[i].name: str(p.meta.get("style") or "")
            for i, p in found.items()
            if p is not None and p.kind == "pagination" and definitions[i].parent_class is None
        }
        more = False
        for i, d in enumerate(definitions):
            if found[i] is None and not d.is_class and d.parent_class is None:
                p = _pagination_pattern(pf, d, paging)
                if p is not None:
                    found[i], more = p, True
        if not more:
            break
    out = [p for _i, p in sorted(found.items()) if p is not None]
    meta: dict[str, Any] = {"middleware_registrations": registrations} if registrations else {}
    guards = _auth_middleware(pf, out, {d.node.start_byte for d in definitions})
    if guards:
        meta["auth_middleware"] = guards
    return FileExtract(patterns=out, meta=meta)
