"""Cross-file linking: what no single-file indexer can know.

Runs after extraction over the lightweight index of every stored pattern plus every file's
metadata. It resolves

- full route paths through mounts (``include_router``/``register_blueprint`` prefixes,
  ``add_url_rule``/``add_resource`` registrations in other files),
- ``Annotated`` dependency aliases defined in another module,
- usage: how many route handlers use each decorator, dependency, exception, helper, schema,

and derives the project's **conventions** (what it does most, with evidence), which the
pack states plainly. Pure computation: the pipeline reads and writes the store.
"""

from __future__ import annotations

import builtins
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from memorybrain.linker_django import (
    DJANGO_FRAMEWORKS,
    DjangoUrls,
    db_error_conventions,
    django_conventions,
    django_summary,
    merge_conventions,
    resolve_test_requests,
)
from memorybrain.mechanisms import (
    ACCESS_CHECK_METHOD,
    AUTH_RE,
    NOT_AUTH_RE,
    body_access_check,
    last_name,
    route_mechanisms,
    short_decorator,
    tally_auth,
)
from memorybrain.modpath import absolute_module, imported_name, module_name
from memorybrain.paths import is_migration_path, is_test_path
from memorybrain.route_constants import PathConstants

PatternRow = tuple[str, str, str, str, dict[str, Any], int, str]

#: Bump when linking or convention logic changes: stores linked by another version relink on
#: the next ``brain index`` even when no file changed.
LINKER_VERSION = "67"

_RATE_RE = re.compile(r"limit|throttl|rate", re.I)
#: A page-size parameter is no rate limit: ``Depends(LimitFilter.depends)``, ``limit_param``.
_NOT_RATE_RE = re.compile(r"filter|offset|pagin|param|query|size", re.I)
#: Nor is a check that rate limits are configured: ``_raise_if_rate_limits_required_but_missing``,
#: ``validate_rate_limit_config`` validate settings, they limit nothing.
_RATE_CHECK_RE = re.compile(r"valid|missing|required|config|setting", re.I)
#: What a function that does limit shows in its body: a 429, a throttling error, a counter.
_LIMITING_STATUS_RE = re.compile(r"429|too_?many", re.I)
_LIMITING_RAISE_RE = re.compile(r"rate_?limit|throttl|too_?many|quota", re.I)
_LIMITING_CALL_RE = re.compile(r"(^|\.)(incr|increment|increment_cache|hit|consume|acquire)$|limiter\.", re.I)
_DB_RE = re.compile(r"(^|_)(db|session|database|conn|uow|unit_of_work)($|_)|SessionDep|DbDep", re.I)
_DB_VERB_RE = re.compile(
    r"\.(add|add_all|commit|execute|exec|query|get|delete|scalars?|refresh|flush|merge|rollback|begin|bulk_\w+)$"
)
_DB_ERROR_RE = re.compile(
    r"IntegrityError|SQLAlchemyError|DatabaseError|OperationalError|DBAPIError|NoResultFound|DataError",
    re.I,
)
#: Decorators that lift a protection (``@csrf.exempt``, ``@csrf_exempt``): no guard.
_LOOSENS_RE = re.compile(r"csrf|exempt", re.I)
_ARGS_RE = re.compile(r"\((?!\)).*\)$")  # a decorator's arguments, not an empty ``()``
_DOC_DECORATOR_RE = re.compile(
    r"\.(doc|response|alt_response|param|header|expect|marshal_with|marshal_list_with|arguments|produces)\("
)
#: OpenAPI decorators of drf-spectacular and drf-yasg, also inside Django's
#: ``@method_decorator(name="delete", decorator=extend_schema(...))``: they document, not guard.
_SCHEMA_DOC_RE = re.compile(r"\b(extend_schema|extend_schema_view|swagger_auto_schema)\(")
_VALIDATION_ERROR_RE = re.compile(
    r"ValidationError|RequestValidationError|UnprocessableEntity|BadRequest|422|400", re.I
)


#: Django/DRF route meta naming classes a view uses (counted in ``usage``).
_DJANGO_USES = ("permission_classes", "authentication_classes", "throttle_classes", "django_auth")


@dataclass
class Route:
    id: str
    path: str
    meta: dict[str, Any]

    @property
    def methods(self) -> list[str]:
        return list(self.meta.get("methods") or [])

    @property
    def full_path(self) -> str:
        return str(self.meta.get("full_path") or self.meta.get("path") or "?")

    @property
    def label(self) -> str:
        return f"{','.join(self.methods) or '?'} {self.full_path}"

    def uses(self) -> set[str]:
        """Every name this handler uses, reduced to the last dotted segment."""
        names: set[str] = set()
        keys = ("decorators", "dependencies", "raises", "catches", "calls", "schemas", "annotations", *_DJANGO_USES)
        for key in keys:
            for value in self.meta.get(key) or []:
                names.add(last_name(str(value)))
        if self.meta.get("response_model"):
            names.update(_type_names(str(self.meta["response_model"])))
        for key in ("pagination_class", "serializer_class", "filterset_class"):
            if self.meta.get(key):
                names.add(last_name(str(self.meta[key])))
        names.discard("")
        return names


@dataclass
class LinkResult:
    updates: list[tuple[str, int, dict[str, Any], str]] = field(default_factory=list)
    conventions: list[dict[str, Any]] = field(default_factory=list)
    routes: int = 0


def _type_names(text: str) -> set[str]:
    return {t for t in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text) if t[:1].isupper()}


def _join(*parts: str | None) -> str:
    out = ""
    for part in parts:
        if not part:
            continue
        part = str(part)
        if not out:
            out = part
        else:
            out = out.rstrip("/") + "/" + part.lstrip("/")
    return out or "/"


# --------------------------------------------------------------------------- imports


class ModuleIndex:
    """Resolve ``import`` records to project files."""

    def __init__(self, files_meta: dict[str, dict[str, Any]], defined: dict[str, set[str]] | None = None) -> None:
        self.files_meta = files_meta
        #: file -> the top-level names it defines: for a module importing ``X`` from it, its own
        #: ``class X(base.X)`` wins over the ``from base import X`` above it
        self.defined = defined or {}
        self.by_module: dict[str, str] = {}
        for path in sorted(files_meta):
            mod = module_name(path)
            self.by_module.setdefault(mod, path)
            # src layouts and nested projects: also index every dotted suffix
            parts = mod.split(".")
            for i in range(1, len(parts)):
                self.by_module.setdefault(".".join(parts[i:]), path)

    def resolve_module(self, importer: str, module: str, level: int) -> str | None:
        return self.by_module.get(absolute_module(importer, module, level))

    def resolve_name(self, importer: str, name: str, depth: int = 0) -> tuple[str, str] | None:
        """(file, name) where ``name`` as used in ``importer`` is defined, if in the project."""
        meta = self.files_meta.get(importer, {})
        head, _, rest = name.partition(".")
        if depth and head in self.defined.get(importer, ()):  # what another module finds here
            return importer, name
        for imp in meta.get("imports", []):
            bound = imp.get("alias") or (imp.get("name") or imp.get("module", "").split(".")[0])
            if bound != head:
                continue
            if imp.get("name") is None:  # import a.b.c [as x]
                target = self.resolve_module(importer, imp["module"], 0)
                if target and rest:
                    return self._submodule(importer, imp["module"], rest, 0) or (target, rest)
                continue
            # from module import name
            sub = f"{imp['module']}.{imp['name']}" if imp["module"] else imp["name"]
            target_mod = self.resolve_module(importer, sub, imp.get("level", 0))
            if target_mod and rest:  # from pkg import module; module.router (module.sub.router)
                found = self._submodule(importer, sub, rest, imp.get("level", 0)) or (target_mod, rest)
                if depth < 3 and "." not in found[1]:  # `from . import views; views.X`, X re-exported
                    return self.resolve_name(found[0], found[1], depth + 1) or found
                return found
            target = self.resolve_module(importer, imp["module"], imp.get("level", 0))
            if target is None:
                return None
            if depth < 3 and not self._defines(target, imp["name"]):
                again = self.resolve_name(target, imp["name"], depth + 1)
                if again:
                    return again
            return target, imp["name"] if not rest else f"{imp['name']}.{rest}"
        if not rest:
            return importer, name
        return None

    def _submodule(self, importer: str, module: str, rest: str, level: int) -> tuple[str, str] | None:
        """``pkg.flows.router`` with ``pkg`` a package: (the file of ``pkg.flows``, ``router``)."""
        parts = rest.split(".")
        for i in range(len(parts) - 1, 0, -1):
            target = self.resolve_module(importer, ".".join([module, *parts[:i]]), level)
            if target:
                return target, ".".join(parts[i:])
        return None

    def _defines(self, path: str, var: str) -> bool:
        return var in (self.files_meta.get(path, {}).get("routers") or {})


# --------------------------------------------------------------------------- prefixes


_RouterNode = tuple[str, str]


def _router_tree(
    files_meta: dict[str, dict[str, Any]], modules: ModuleIndex, constants: PathConstants | None = None
) -> tuple[dict[_RouterNode, dict[str, Any]], dict[_RouterNode, tuple[_RouterNode, dict[str, Any]]]]:
    """The project's routers, (file, var) -> their info, and each mounted router's (parent, mount).
    With ``constants``, a prefix's ``{NAME}`` placeholders of path constants are filled in."""

    def filled(path: str, info: dict[str, Any]) -> dict[str, Any]:
        prefix = info.get("prefix")
        if constants is None or not isinstance(prefix, str):
            return info
        value = constants.fill(path, prefix)
        return info if value == prefix else {**info, "prefix": value}

    routers: dict[_RouterNode, dict[str, Any]] = {}
    for path, meta in files_meta.items():
        for var, info in (meta.get("routers") or {}).items():
            routers[(path, var)] = filled(path, info or {})
    parents: dict[_RouterNode, tuple[_RouterNode, dict[str, Any]]] = {}
    for path, meta in files_meta.items():
        for mount in meta.get("mounts") or []:
            mount = filled(path, mount)
            child = modules.resolve_name(path, str(mount.get("child", "")))
            parent = modules.resolve_name(path, str(mount.get("parent", "")))
            if child is None or parent is None or child == parent:
                continue
            children = [child]
            if mount.get("each"):  # a loop over another module's list of routers: its elements
                elements = (files_meta.get(child[0], {}).get("router_lists") or {}).get(child[1]) or []
                children = [c for e in elements if (c := modules.resolve_name(child[0], str(e))) and c != parent]
            for c in children:
                parents.setdefault(c, (parent, mount))
    return routers, parents


def _router_dependencies(
    routers: dict[_RouterNode, dict[str, Any]], parents: dict[_RouterNode, tuple[_RouterNode, dict[str, Any]]]
) -> dict[_RouterNode, list[str]]:
    """(file, router var) -> the dependencies its routes get from where it is mounted: the
    ``include_router(..., dependencies=[...])`` call's and every enclosing router's own
    (``APIRouter(prefix="/v1", dependencies=[Depends(is_authenticated)])`` including this one)."""
    out: dict[_RouterNode, list[str]] = {}
    for node in parents:
        deps: list[str] = []
        seen = {node}
        current = node
        while current in parents:
            parent, mount = parents[current]
            if parent in seen:
                break
            seen.add(parent)
            deps += [str(d) for d in mount.get("dependencies") or []]
            deps += [str(d) for d in routers.get(parent, {}).get("dependencies") or []]
            current = parent
        if deps:
            out[node] = list(dict.fromkeys(deps))
    return out


def _router_prefixes(
    routers: dict[_RouterNode, dict[str, Any]], parents: dict[_RouterNode, tuple[_RouterNode, dict[str, Any]]]
) -> dict[_RouterNode, str]:
    """(file, router var) -> the full prefix the router's routes get (own prefix included)."""
    cache: dict[tuple[str, str], str] = {}

    def prefix(node: tuple[str, str], seen: frozenset[tuple[str, str]]) -> str:
        if node in cache:
            return cache[node]
        info = routers.get(node, {})
        own = str(info.get("prefix") or "")
        rtype = str(info.get("type") or "")
        result = own
        if node in parents and node not in seen:
            parent, mount = parents[node]
            mount_prefix = str(mount.get("prefix") or "")
            base = prefix(parent, seen | {node})
            if rtype in ("Blueprint", "Namespace") and mount_prefix:
                # url_prefix at registration wins in Flask, add_namespace(ns, path=) in flask-restx
                result = _join(base, mount_prefix)
            else:
                result = _join(base, mount_prefix, own)
        cache[node] = result if result != "/" else ""
        return cache[node]

    return {node: prefix(node, frozenset()) for node in set(routers) | set(parents)}


# --------------------------------------------------------------------------- link


def link(rows: list[PatternRow], files_meta: dict[str, dict[str, Any]]) -> LinkResult:
    defined: dict[str, set[str]] = defaultdict(set)
    for _pid, kind, name, path, _meta, _u, _s in rows:
        if kind in ("class", "function", "route", "model", "schema", "pagination", "exception"):
            defined[path].add(name.split(".")[0])
    modules = ModuleIndex(files_meta, defined)
    constants = PathConstants(files_meta, modules)
    routers, parents = _router_tree(files_meta, modules, constants)
    prefixes = _router_prefixes(routers, parents)
    mounted_deps = _router_dependencies(routers, parents)
    aliases: dict[str, str] = {}
    for meta in files_meta.values():
        for alias, info in (meta.get("annotated_aliases") or {}).items():
            if isinstance(info, dict) and info.get("depends"):
                aliases.setdefault(alias, str(info["depends"]))
    url_rules: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for path, meta in files_meta.items():
        for rule in meta.get("url_rules") or []:
            if rule.get("view"):
                url_rules[last_name(str(rule["view"]))].append((path, rule))

    fab_registered = _fab_registrations(files_meta)
    app_auth = _app_auth(files_meta)
    hook_auth = _hook_auth(files_meta, modules, app_auth)
    _app_auth_ids(app_auth, rows)
    routes: list[Route] = []
    new_meta: dict[str, dict[str, Any]] = {}
    django: DjangoUrls | None = None
    for pid, kind, _name, path, meta, _usage, _summary in rows:
        if kind != "route":
            continue
        meta = dict(meta)
        if meta.get("framework") in DJANGO_FRAMEWORKS:
            django = django or DjangoUrls(files_meta, modules, rows)
            django.resolve(path, meta)
        else:
            _resolve_route_path(path, meta, prefixes, url_rules, modules, constants)
            node = _router_node(modules, path, meta.get("router"))
            if node in mounted_deps:  # dependencies of the routers it is included into
                meta["dependencies"] = list(dict.fromkeys([*mounted_deps[node], *(meta.get("dependencies") or [])]))
        if hook_auth and meta.get("framework") not in DJANGO_FRAMEWORKS:
            guards = hook_auth.get(_router_node(modules, path, meta.get("router")) or ("", ""))
            if guards:
                meta["hook_auth"] = guards
        if meta.get("fab_class") and fab_registered:
            meta["registered"] = fab_registered.get(str(meta["fab_class"]))
        deps = list(meta.get("dependencies") or [])
        for ann in meta.get("annotations") or []:
            target = aliases.get(last_name(str(ann)))
            if target and target not in deps:
                deps.append(target)
        meta["dependencies"] = deps
        new_meta[pid] = meta
        routes.append(Route(pid, path, meta))

    _fab_inherited(routes, files_meta)
    _served_by_subclasses(rows, routes, prefixes, url_rules, modules)
    classes = _ProjectClasses(rows, modules)
    _inherit_view_decorators(routes, classes)
    _inherit_access_checks(rows, routes, classes)
    usage: Counter[str] = Counter()
    for route in routes:
        usage.update(route.uses())

    result = LinkResult(routes=len(routes))
    for pid, kind, name, _path, meta, old_usage, old_summary in rows:
        if kind == "route":
            m = new_meta[pid]
            count = 0
            summary = route_summary(m)
        else:
            m = meta
            if kind == "test" and django is not None:
                m = resolve_test_requests(django, meta)
            count = usage.get(name, 0) if kind not in ("test",) else 0
            summary = old_summary
        if count != old_usage or m != meta or summary != old_summary:
            result.updates.append((pid, count, m, summary))
    result.conventions = derive_conventions(rows, routes, usage, files_meta, aliases, app_auth)
    return result


#: A call in a ``before_request`` hook that checks access (``require_login()``, ``check_auth()``).
_HOOK_CHECK_RE = re.compile(
    r"^(check|verify|require|ensure|authenticate|authori[sz]e)_?\w*(auth|login|user|permission|access|token|admin|role)"
    r"|^(login|auth|admin|permission|user)\w*_required$",
    re.I,
)


def _hook_auth(
    files_meta: dict[str, dict[str, Any]], modules: ModuleIndex, app_wide: list[dict[str, Any]] | None = None
) -> dict[_RouterNode, list[dict[str, Any]]]:
    """Blueprints guarded by their ``before_request`` hook: an auth decorator on the hook
    function (privacyidea's ``@resolver_blueprint.before_request @admin_required def
    before_admin_request()``), an auth check it calls, or a body that checks a credential and
    rejects (``indexers.auth_middleware``). Router (file, var) -> the guards, each
    ``{"name", "hook", "path", "line"}`` (and ``"checked"`` for a body that checks).

    A hook on the application itself (``@app.before_request``, ``bp.before_app_request``)
    runs before every view of the app: its guards go to ``app_wide`` (when given) instead."""
    out: dict[_RouterNode, list[dict[str, Any]]] = defaultdict(list)
    for path, meta in files_meta.items():
        for h in meta.get("hooks") or []:
            if h.get("hook") not in ("before_request", "before_app_request") or not h.get("app"):
                continue
            names = [last_name(str(d).split("(", 1)[0]) for d in h.get("decorators") or []]
            guards = [n for n in dict.fromkeys(names) if AUTH_RE.search(n) and not NOT_AUTH_RE.search(n)]
            # what it calls counts only when named like a check (``require_login()``), not
            # every call that mentions a user (``User(...)``, ``get_user_from_param()``)
            guards += [
                n
                for c in h.get("calls") or []
                if (n := last_name(str(c))) not in guards and _HOOK_CHECK_RE.search(n) and not NOT_AUTH_RE.search(n)
            ]
            hook_fn = last_name(str(h.get("handler") or "?"))
            evidence = _auth_middleware_entry(files_meta, modules, path, str(h.get("handler") or ""))
            if evidence is not None and not guards:  # the body checks: the hook is the guard
                guards = [hook_fn]
            node = _router_node(modules, path, h["app"])
            if not guards or node is None:
                continue
            if app_wide is not None and _on_whole_app(files_meta, node, str(h["hook"])):
                by_call = any(
                    r.get("hook") and r.get("line") == h.get("line") for r in meta.get("middleware_registrations") or []
                )
                app_wide.append(_hook_guard(path, h, hook_fn, guards, names, evidence, by_call))
                continue
            for name in guards:
                out[node].append(
                    {
                        "name": name,
                        "hook": hook_fn,
                        "router": str(h["app"]),
                        "decorated": name in names,
                        **({"checked": True} if name == hook_fn and evidence is not None else {}),
                        "path": path,
                        "line": h.get("line"),
                    }
                )
    return out


def _auth_middleware_entry(
    files_meta: dict[str, dict[str, Any]], modules: ModuleIndex, path: str, name: str
) -> dict[str, Any] | None:
    """The ``auth_middleware`` record of the function ``name`` as used in ``path`` (its own or imported)."""
    if not name:
        return None
    where = (path, name) if "." not in name else None
    for file, fn in filter(None, (where, modules.resolve_name(path, name))):
        for entry in files_meta.get(file, {}).get("auth_middleware") or []:
            if entry.get("name") == fn:
                return entry
    return None


def _on_whole_app(files_meta: dict[str, dict[str, Any]], node: _RouterNode, hook: str) -> bool:
    """Whether a request hook registered on ``node`` runs before every view of the app: a
    ``before_app_request`` hook, or one on the Flask app (``app = Flask(...)``, or an ``app``
    handed to a setup function) rather than on a blueprint."""
    if hook == "before_app_request":
        return True
    router = (files_meta.get(node[0], {}).get("routers") or {}).get(node[1])
    if router is not None:
        return router.get("type") == "Flask"
    return re.search(r"(?:^|_)app(?:lication)?$", node[1].rsplit(".", 1)[-1]) is not None


def _hook_guard(
    path: str,
    h: dict[str, Any],
    hook_fn: str,
    guards: list[str],
    decorators: list[str],
    evidence: dict[str, Any] | None,
    by_call: bool = False,
) -> dict[str, Any]:
    """An app-wide guard (see ``_app_auth``) from a Flask hook on the whole app."""
    name = guards[0]
    hook = f"@{h['app']}.{h['hook']}"
    if by_call:  # app.before_request(check), not a decorator
        form = f"{h['app']}.{h['hook']}({hook_fn})"
    elif name in decorators:
        form = f"{hook} @{name} def {hook_fn}()"
    elif name != hook_fn:
        form = f"{hook} def {hook_fn}(): {name}(...)"
    else:
        form = f"{hook} def {hook_fn}()"
    guard: dict[str, Any] = {
        "name": hook_fn,
        "kind": "hook",
        "form": form,
        "path": path,
        "line": (evidence or {}).get("line") or h.get("line"),
        "registered": f"{path}:{h.get('line')}",
    }
    for key in ("rejects", "checks", "exempt", "only", "exempt_check", "condition"):
        if (evidence or {}).get(key):
            guard[key] = evidence[key]  # type: ignore[index]
    if name != hook_fn:
        guard["checks"] = [f"`{name}`", *guard.get("checks", [])]
    return guard


def _app_auth(files_meta: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Auth that an app-wide middleware enforces on every request, each ``{"name", "kind",
    "form", "path", "line", "registered", "condition"?, "rejects", "checks", "exempt"?,
    "only"?, "exempt_check"?, "backend"?, "pattern_id"?}``: a middleware class that checks
    auth (``indexers.auth_middleware``) and is added to the app (``app.add_middleware(X)``,
    ``Middleware(X)``), an ``@app.middleware("http")`` function that does, Starlette's
    ``AuthenticationMiddleware`` with its backend. (Flask hooks on the whole app come from
    ``_hook_auth``, the pattern ids from ``_app_auth_ids``.)"""
    by_name: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for path, meta in files_meta.items():
        if is_test_path(path):
            continue
        for entry in meta.get("auth_middleware") or []:
            by_name[str(entry["name"])].append((path, entry))
    out: list[dict[str, Any]] = []
    for path, meta in sorted(files_meta.items()):
        if is_test_path(path):
            continue
        for reg in meta.get("middleware_registrations") or []:
            if "hook" in reg:
                continue
            name = last_name(str(reg.get("dispatch") or reg["middleware"]))
            written = last_name(str(reg["middleware"]))
            if reg.get("via") == "Middleware":
                how = f"Middleware({written}, ...)"
            else:
                how = f"{reg.get('app') or 'app'}.add_middleware({written}, ...)"
            where = {"registered": f"{path}:{reg['line']}", "form": how}
            if reg.get("condition"):
                where["condition"] = reg["condition"]
            if reg.get("authentication"):  # Starlette's: a backend identifies the user
                out.append(
                    {
                        "name": name,
                        "kind": "authentication",
                        "backend": reg["authentication"],
                        "path": path,
                        "line": reg["line"],
                        "rejects": [],
                        "checks": [f"`{reg['authentication']}`"],
                        **where,
                    }
                )
                continue
            for file, entry in by_name.get(name, [])[:1]:
                if entry.get("style") in ("decorator",) or entry.get("hook"):
                    continue
                out.append({**_evidence(entry), "name": name, "kind": "middleware", "path": file, **where})
    for name, entries in sorted(by_name.items()):
        for file, entry in entries:
            if entry.get("style") == "decorator" and not entry.get("hook"):  # @app.middleware("http")
                out.append(
                    {
                        **_evidence(entry),
                        "name": name,
                        "kind": "middleware",
                        "path": file,
                        "form": f'@{entry.get("app", "app")}.middleware("http")',
                        "registered": f"{file}:{entry['line']}",
                    }
                )
    return out


def _app_auth_ids(app_auth: list[dict[str, Any]], rows: list[PatternRow]) -> None:
    """The middleware pattern of each app-wide guard (its exemplar), in place."""
    ids = {(path, name): pid for pid, kind, name, path, _m, _u, _s in rows if kind == "middleware"}
    for guard in app_auth:
        pid = ids.get((guard["path"], guard["name"]))
        if pid:
            guard["pattern_id"] = pid


def _evidence(entry: dict[str, Any]) -> dict[str, Any]:
    keys = ("line", "condition", "rejects", "checks", "exempt", "only", "exempt_check")
    return {k: entry[k] for k in keys if entry.get(k)}


def _router_node(modules: ModuleIndex, path: str, router: Any) -> _RouterNode | None:
    """(file, var) of the router a route in ``path`` is declared on (imported or local)."""
    if not router:
        return None
    return modules.resolve_name(path, str(router)) or (path, str(router))


def _resolve_route_path(
    path: str,
    meta: dict[str, Any],
    prefixes: dict[tuple[str, str], str],
    url_rules: dict[str, list[tuple[str, dict[str, Any]]]],
    modules: ModuleIndex,
    constants: PathConstants | None = None,
) -> None:
    """A route's ``full_path``: its path under the prefix of the router it is declared on
    (through every mount), or the rule registering its class; ``{NAME}`` placeholders of path
    constants are filled in (``memorybrain.route_constants``) where every part is known."""
    router = meta.get("router")
    local = meta.get("path")
    if local is None and meta.get("class"):
        cls = str(meta["class"])
        rules = [(f, r) for f, r in url_rules.get(cls, []) if _names_class(modules, f, str(r["view"]), path, cls)]
        if rules:
            rule_file, rule = rules[0]
            local = rule.get("rule")
            target = str(rule.get("target") or "")
            resolved = modules.resolve_name(rule_file, target) if target else None
            base = prefixes.get(resolved, "") if resolved else ""
            meta["path"] = local
            meta["router"] = target or None
            meta["full_path"] = _join(base, local) if local else base or None
            meta["paths"] = list(dict.fromkeys(str(r["rule"]) for _, r in rules if r.get("rule")))
            if not meta.get("methods"):  # a ``_process`` handler: the methods its rules allow
                meta["methods"] = list(dict.fromkeys(m for _, r in rules for m in (r.get("methods") or ["GET"])))
            return
    if router:
        base = prefixes.get(_router_node(modules, path, router))
        if base is not None and local is not None:
            own = constants.fill(path, str(local)) if constants is not None else str(local)
            meta["full_path"] = _join(base, own or "")
            _other_full_paths(meta, base)
            return
    if local is not None and not meta.get("full_path"):
        meta["full_path"] = str(local)
    if constants is not None and isinstance(meta.get("full_path"), str):
        meta["full_path"] = constants.fill(path, meta["full_path"])


def _other_full_paths(meta: dict[str, Any], base: str) -> None:
    """A view under several rules (``@bp.route("/")`` and ``@bp.route("/<serial>")``): all its
    full paths, the first one first, in ``full_paths``."""
    paths = [str(p) for p in meta.get("paths") or [] if p is not None]
    if len(paths) > 1:
        meta["full_paths"] = list(dict.fromkeys(_join(base, p) for p in paths))


def _served_by_subclasses(
    rows: list[PatternRow],
    routes: list[Route],
    prefixes: dict[tuple[str, str], str],
    url_rules: dict[str, list[tuple[str, dict[str, Any]]]],
    modules: ModuleIndex,
) -> None:
    """A view class no rule registers (``RHImageUploadBase._process_POST``) is served by its
    registered subclasses (in any file) that do not override the handler: list them on the
    route as ``inherited_by``, and give it their rules' methods when it has none."""
    pending = [r for r in routes if r.meta.get("class") and not r.meta.get("path") and not r.meta.get("full_path")]
    if not pending or not url_rules:
        return
    children: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for _pid, kind, name, path, meta, _u, _s in rows:
        if kind == "class":
            for base in meta.get("bases") or []:
                if last_name(str(base)) != name:
                    children[last_name(str(base))].append((path, name))
    own = {(r.path, str(r.meta.get("handler"))) for r in routes}
    for r in pending:
        method = str(r.meta.get("handler", "")).rsplit(".", 1)[-1]
        served: list[dict[str, str]] = []
        methods: list[str] = []
        todo, seen = list(children.get(str(r.meta["class"]), [])), set()
        while todo:
            path, name = todo.pop(0)
            if (path, name) in seen or (path, f"{name}.{method}") in own:
                continue  # overridden: the subclass has its own route
            seen.add((path, name))
            todo.extend(children.get(name, []))
            sub: dict[str, Any] = {"class": name, "path": None}
            _resolve_route_path(path, sub, prefixes, url_rules, modules)
            if sub.get("full_path"):
                served.append({"class": name, "full_path": str(sub["full_path"])})
                methods.extend(sub.get("methods") or [])
        if served:
            r.meta["inherited_by"] = sorted(served, key=lambda x: x["class"])
            if not r.meta.get("methods"):
                r.meta["methods"] = list(dict.fromkeys(methods))


class _ProjectClasses:
    """The project's classes (every class pattern records its bases) and a walk up their bases
    across modules, for what a class-based handler inherits from project base classes."""

    MAX_DEPTH = 6

    def __init__(self, rows: list[PatternRow], modules: ModuleIndex) -> None:
        self.modules = modules
        self.meta: dict[tuple[str, str], dict[str, Any]] = {}
        for _pid, _kind, name, path, meta, _u, _s in rows:
            if "." not in name and "bases" in meta:
                self.meta.setdefault((path, name), meta)

    def nearest(
        self, path: str, cls: str, decide: Callable[[str, str], tuple[bool, Any]], memo: dict[tuple[str, str], Any]
    ) -> Any:
        """What ``decide(path, cls)`` answers for ``cls`` or its nearest base that settles it
        (``(True, value)``; ``(False, _)`` looks further), depth first in base order; None when
        none does. ``memo`` keeps answers per class (and ends cycles)."""

        def walk(path: str, cls: str, depth: int) -> Any:
            key = (path, cls)
            if key in memo:
                return memo[key]
            memo[key] = None  # a cycle ends here
            settled, value = decide(path, cls)
            if not settled and depth < self.MAX_DEPTH:
                for base in (self.meta.get(key) or {}).get("bases") or []:
                    where = self.modules.resolve_name(path, str(base))
                    if where and "." not in where[1] and (value := walk(where[0], where[1], depth + 1)) is not None:
                        break
            memo[key] = value
            return value

        return walk(path, cls, 0)


def _inherit_view_decorators(routes: list[Route], classes: _ProjectClasses) -> None:
    """A class-based view that sets no ``decorators``/``method_decorators`` of its own gets its
    nearest project base class's (``class ItemAPI(ProtectedView)`` with ``ProtectedView.decorators
    = [login_required]`` in another module): they wrap its handlers all the same."""

    def decide(path: str, cls: str) -> tuple[bool, Any]:
        names = (classes.meta.get((path, cls)) or {}).get("view_decorators")
        return (True, (cls, list(names))) if names is not None else (False, None)

    memo: dict[tuple[str, str], Any] = {}
    for route in routes:
        cls = route.meta.get("class")
        own = classes.meta.get((route.path, str(cls))) if cls else None
        if own is None or own.get("view_decorators") is not None:
            continue
        found = classes.nearest(route.path, str(cls), decide, memo)
        if found and found[1]:
            base, names = found
            route.meta["decorators"] = list(dict.fromkeys([*(route.meta.get("decorators") or []), *names]))
            route.meta["inherited_decorators"] = {"base": base, "decorators": names}


def _inherit_access_checks(rows: list[PatternRow], routes: list[Route], classes: _ProjectClasses) -> None:
    """A class-based handler whose class, or a project base class of it, defines an access-check
    method that does something (``RHProtected._check_access`` calling ``_require_user()``, not the
    root's empty hook) is guarded by it: recorded as ``access_check`` on the route."""
    methods: dict[tuple[str, str], dict[str, tuple[str, bool]]] = defaultdict(dict)
    for pid, kind, name, path, meta, _u, _s in rows:
        if kind != "route" and meta.get("class") and ACCESS_CHECK_METHOD.match(name):
            acts = bool(meta.get("calls") or meta.get("raises") or meta.get("aborts"))
            methods[(path, str(meta["class"]))][name] = (pid, acts)
    if not methods:
        return

    def decide(path: str, cls: str) -> tuple[bool, Any]:
        own = methods.get((path, cls))
        if not own:
            return False, None
        # the class's own methods override its bases' (an empty one switches the check off)
        acting = sorted((name, pid) for name, (pid, acts) in own.items() if acts)
        return True, ({"class": cls, "method": acting[0][0], "path": path, "id": acting[0][1]} if acting else None)

    memo: dict[tuple[str, str], Any] = {}
    for route in routes:
        cls = route.meta.get("class")
        if cls and (route.path, str(cls)) in classes.meta:
            hit = classes.nearest(route.path, str(cls), decide, memo)
            if hit:
                route.meta["access_check"] = hit


def _names_class(modules: ModuleIndex, rule_file: str, view: str, path: str, cls: str) -> bool:
    """Whether the view of a rule in ``rule_file`` can be class ``cls`` of ``path``: it
    resolves there, or to no other project file (a name no import binds, ``import *``)."""
    resolved = modules.resolve_name(rule_file, view)
    if resolved is None or resolved[0] == rule_file or resolved[0] not in modules.files_meta:
        return True
    return resolved[0] == path and last_name(resolved[1]) == cls


def route_summary(meta: dict[str, Any]) -> str:
    if meta.get("framework") in DJANGO_FRAMEWORKS:
        return django_summary(meta)
    methods = ",".join(meta.get("methods") or []) or "?"
    heirs = meta.get("inherited_by") or []
    full = meta.get("full_path") or meta.get("path") or ("(base class)" if heirs else "(unregistered)")
    if len(meta.get("full_paths") or []) > 1:
        full = ", ".join(meta["full_paths"])
    parts = [f"{methods} {full} → {meta.get('handler', '?')}"]
    if meta.get("implied"):  # Flask-AppBuilder CRUD endpoints a class inherits
        parts.append(f"[inherited from {meta.get('implied_by') or 'its base class'}]")
    if "registered" in meta and not meta["registered"]:  # the project registers others, not this class
        parts.append("[not registered with appbuilder]")
    if heirs:
        more = f" and {len(heirs) - 1} more" if len(heirs) > 1 else ""
        noun = "subclasses" if len(heirs) > 1 else "subclass"
        parts.append(f"[served by {len(heirs)} {noun}: {heirs[0]['full_path']}{more}]")
    extras = []
    decos = [" ".join(str(d).split()) for d in meta.get("decorator_texts") or [] if d]
    if decos:
        extras.append(" ".join(decos))
    inherited = meta.get("inherited_decorators") or {}
    if inherited.get("decorators"):
        names = ", ".join(f"@{d}" for d in inherited["decorators"])
        extras.append(f"{names} from base {inherited.get('base')}.decorators")
    for guard in meta.get("hook_auth") or []:
        extras.append(f"@{guard['name']} via before_request hook {guard['hook']} ({guard['path']})")
    deps = meta.get("dependencies") or []
    if deps:
        security = set(meta.get("security") or [])  # written Security(x): say so
        extras.append("deps: " + ", ".join(f"Security({d})" if d in security else str(d) for d in deps))
    response = meta.get("response_model") or meta.get("response_annotation")
    if response:
        extras.append(f"response: {response}")
    if meta.get("status_code"):
        extras.append(f"status {meta['status_code']}")
    if extras:
        parts.append("(" + "; ".join(extras) + ")")
    return " ".join(parts)


# --------------------------------------------------------------------------- conventions


def _pct(n: int, total: int) -> str:
    return f"{n} of {total} handlers"


def derive_conventions(
    rows: list[PatternRow],
    routes: list[Route],
    usage: Counter[str],
    files_meta: dict[str, dict[str, Any]],
    aliases: dict[str, str] | None = None,
    app_auth: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The project's conventions, most important first, each with evidence (``app_auth``: the
    app-wide auth the linker found, ``_app_auth`` and ``_hook_auth``)."""
    defs: dict[str, list[tuple[str, str, str, dict[str, Any]]]] = defaultdict(list)
    for pid, kind, name, path, meta, _u, _s in rows:
        if kind not in ("route", "test"):
            defs[name].append((pid, kind, path, meta))
    out: list[dict[str, Any]] = []
    total = len(routes)
    if total:
        out += _auth_conventions(routes, defs, aliases or {}, app_auth)
        out += _error_conventions(rows, routes, defs, files_meta)
        out += _error_form_conventions(routes, defs)  # (before the next: the exact form matters more)
        if not any(c["key"] == "errors:db" for c in out):  # no handler for them: caught in handler bodies?
            out += db_error_conventions(routes, defs, django=False, files_meta=files_meta)
        out += _pagination_conventions(rows, routes, files_meta)
        out += _response_conventions(routes, defs)
        out += _validation_conventions(rows, routes, defs)
        calls = _project_calls(routes, defs, files_meta)  # (the helpers convention below too)
        out += _validation_helper_conventions(routes, defs, calls)
        out += _rate_limit_conventions(routes, defs, files_meta)
        out += _db_conventions(routes, defs)
        out += _delete_conventions(routes)
        out += _fab_conventions(routes)
        out += _helper_conventions(routes, defs, files_meta, calls)
        out += _import_conventions(routes, files_meta)
        out += _base_conventions(rows, routes, files_meta)
    out += _model_conventions(rows, usage)
    out += _test_conventions(rows)
    out += _middleware_conventions(rows, files_meta)
    if total:
        share = sum(1 for r in routes if r.meta.get("framework") in DJANGO_FRAMEWORKS) / total
        out = merge_conventions(out, django_conventions(rows, routes, files_meta), share)
    return out


def _ids_for(
    defs: dict[str, list[tuple[str, str, str, dict[str, Any]]]],
    name: str,
    kinds: tuple[str, ...] = (),
) -> list[str]:
    found = [d for d in defs.get(last_name(name), []) if not kinds or d[1] in kinds]
    found.sort(key=lambda d: (d[1] in ("function", "class"), d[2]))
    return [d[0] for d in found[:2]]


def _auth_conventions(
    routes: list[Route],
    defs: dict[str, Any],
    aliases_map: dict[str, str],
    app_auth: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    total = len(routes)
    users, written = tally_auth((r.id, r.meta) for r in routes)
    variants = _auth_families(users, written)
    middleware, covered = _middleware_auth_convention(routes, app_auth or [])
    if not users:
        inline = _inline_auth(routes, defs)
        inherited = _class_access_checks(routes)
        if inherited and (not inline or inherited[0]["data"]["count"] > inline[0]["data"]["count"]):
            inline = inherited
        if middleware:  # the middleware is the rule; a check in the handlers comes second
            return [middleware, *({**c, "key": f"auth:{c['data']['name']}"} for c in inline)]
        if inline:
            return inline
        return [
            {
                "key": "auth",
                "topic": "auth",
                "statement": f"no authentication decorator or dependency found on any of the {total} route handlers",
                "data": {"count": 0, "total": total, "pattern_ids": []},
            }
        ]
    # among equals, the project's own dependency (``is_authenticated``) before a framework
    # class (``APIKeyHeader``) on the same routes
    ranked = sorted(users, key=lambda n: (-len(users[n]), last_name(n) not in defs, n))
    main = ranked[0]
    form = _usual_form(written[main])
    n = len(users[main])
    # the Annotated aliases (CurrentUser = Annotated[User, Depends(get_current_user)]) of
    # the main mechanism that its routes actually write
    written_aliases = Counter(str(a) for r in routes if r.id in users[main] for a in r.meta.get("annotations") or [])
    # (only an alias a good share of them write: litellm's ``Auth`` is in 4 of 476)
    aliases = sorted(
        (
            a
            for a in written_aliases
            if last_name(aliases_map.get(last_name(a), "")) == last_name(main) and written_aliases[a] * 4 >= n
        ),
        key=lambda a: -written_aliases[a],
    )
    how = f"`{form}`" + (f" (written as `{aliases[0]}` in signatures)" if aliases else "")
    authed = set().union(*users.values())
    unguarded = [r for r in routes if r.id not in authed]
    # no decorator, but a check in the body (OctoPrint: ``if not Permissions.ADMIN.can():
    # abort(403)``, ``current_user.has_permission(...)``): not "without any auth"
    checking = [r for r in unguarded if any(body_access_check(str(c)) for c in r.meta.get("calls") or [])]
    # (the routes an app-wide auth middleware covers are no "without any auth")
    bare = [r for r in unguarded if r not in checking]
    public = [r.label for r in bare if r.id not in covered]
    statement = f"routes require {how} ({_pct(n, total)}"
    if main in variants:  # which one the routes name: the permission, most often first
        shown = ", ".join(f"{v} ×{k}" for v, k in variants[main].most_common(4))
        statement += f"; {shown}" + (", …" if len(variants[main]) > 4 else "")
    statement += ")"
    if n * 10 < total:  # a rare exception is no rule: say that most routes go without
        statement = f"most routes have no auth dependency or decorator ({len(bare)} of {total}); {how} on {n} only"
    if checking:
        shown = ", ".join(r.label for r in checking[:2]) + (f", … (+{len(checking) - 2})" if len(checking) > 2 else "")
        they = "checks access in its body" if len(checking) == 1 else "check access in their body"
        statement += f"; {len(checking)} {they} instead: {shown}"
    if middleware and covered - authed:
        statement += (
            f"; the other {len(covered - authed)} pass only the middleware `{middleware['data']['middleware']}`"
        )
    if public:
        shown = ", ".join(public[:4]) + (f", … (+{len(public) - 4})" if len(public) > 4 else "")
        statement += f"; without any auth: {shown}"
    out = [
        {
            "key": "auth",
            "topic": "auth",
            "statement": statement,
            "data": {
                "name": main,
                "form": form,
                "count": n,
                "total": total,
                "aliases": aliases,
                "variants": [v for v, _k in variants[main].most_common()] if main in variants else [],
                "public": public,
                "pattern_ids": _family_ids(defs, main) if main in variants else _ids_for(defs, main),
            },
        }
    ]
    if middleware and n * 10 < total:  # the middleware is the rule, the rare dependency an exception
        out = [middleware, {**out[0], "key": f"auth:{main}"}]
    elif middleware:
        out.append({**middleware, "key": f"auth:{middleware['data']['middleware']}"})
    # the next two that guard only some of the routes (a companion on exactly the main one's
    # routes, such as an API-key header scheme, is no role check)
    others = [o for o in ranked[1:] if users[o] != users[main]][:2]
    for other in others:
        m = len(users[other])
        if m < 2 and total > 3:
            continue
        form2 = _usual_form(written[other])
        methods = Counter(meth for r in routes if r.id in users[other] for meth in r.methods)
        where = ", ".join(f"{k} {v}" for k, v in methods.most_common(3))
        # another way to log in, on other routes than the main one (calibre-web's
        # ``@login_required_if_no_ano`` on the pages anonymous browsing may open), is no role check
        instead = (
            len(users[other] & users[main]) * 2 < m
            and _LOGIN_RE.search(last_name(other)) is not None
            and not _ROLE_RE.search(last_name(other))
        )
        verb = "authenticates instead on" if instead else "guards"
        out.append(
            {
                "key": f"auth:{other}",
                "topic": "auth",
                "statement": f"`{form2}` {verb} {_pct(m, total)} ({where})",
                "data": {
                    "name": other,
                    "form": form2,
                    "count": m,
                    "total": total,
                    "instead": instead,
                    "pattern_ids": _ids_for(defs, other),
                },
            }
        )
    return out


def _middleware_auth_convention(
    routes: list[Route], app_auth: list[dict[str, Any]]
) -> tuple[dict[str, Any] | None, set[str]]:
    """The auth convention of an app-wide auth middleware (``_app_auth``), and the ids of the
    routes it covers: every route of the app but those whose path it skips."""
    scope = [r for r in routes if r.meta.get("framework") not in DJANGO_FRAMEWORKS]
    if not app_auth or not scope:
        return None, set()
    # an unconditional one before one added under an ``if``, one that rejects before one that identifies
    guard = min(app_auth, key=lambda g: (bool(g.get("condition")), g.get("kind") == "authentication", g["name"]))
    total = len(routes)
    skipped = [r for r in scope if _skipped_by(guard, r.meta)]
    covered = {r.id for r in scope if r not in skipped}
    name, form, registered = guard["name"], guard["form"], guard["registered"]
    at = f"{guard['path']}:{guard['line']}"
    condition = f" only when `{guard['condition']}`" if guard.get("condition") else ""
    exempt = [str(p) for p in guard.get("exempt") or []]
    shown = ", ".join(exempt[:4]) + (f", … ({len(exempt)} paths)" if len(exempt) > 4 else "")
    if guard["kind"] == "authentication":
        statement = (
            f"requests are authenticated by Starlette's `AuthenticationMiddleware` with the backend "
            f"`{guard['backend']}`, added by `{form}` ({registered}){condition}: it sets `request.user` "
            "and lets anonymous requests through, so a route that needs a user checks it"
        )
        advice = f"read `request.user` (set by `AuthenticationMiddleware` with `{guard['backend']}`, {registered})"
    else:
        what = "the app-wide request hook" if guard["kind"] == "hook" else "the app-wide middleware"
        statement = f"routes are authenticated by {what} `{name}` ({at})"
        if registered != at:
            statement += f", added by `{form}` ({registered})"
        elif guard["kind"] != "hook":
            statement = statement[:-1] + f", written `{form}`)"
        statement += condition
        if guard.get("checks") or guard.get("rejects"):
            statement += ": it checks " + _checks_text([str(c) for c in guard.get("checks") or []])
            if guard.get("rejects"):
                statement += " and answers " + "/".join(guard["rejects"])
        advice = f"nothing to add on the route: `{name}` ({registered}) authenticates every request"
        if exempt:
            statement += f"; it lets {shown} through"
            advice += f" except {shown}"
        elif guard.get("exempt_check"):
            statement += f"; it lets through what `{guard['exempt_check']}` allows"
            advice += f" except what `{guard['exempt_check']}` allows"
        if guard.get("only"):
            only = ", ".join(str(p) for p in guard["only"][:4])
            statement += f"; it guards only {only}"
            advice = f"nothing to add on a route under {only}: `{name}` ({registered}) authenticates them"
        advice += f",{condition}" if condition else ""
        statement += f" ({_pct(len(covered), total)}"
        if skipped:
            statement += "; not: " + ", ".join(r.label for r in skipped[:3]) + (", …" if len(skipped) > 3 else "")
        statement += ")"
    data: dict[str, Any] = {
        "middleware": name,
        "form": form,
        "count": len(covered),
        "total": total,
        "inline": True,
        "registered": registered,
        "condition": guard.get("condition"),
        "exempt": exempt,
        "public": [r.label for r in skipped],
        "advice": advice,
        "pattern_ids": [guard["pattern_id"]] if guard.get("pattern_id") else [],
    }
    return {"key": "auth", "topic": "auth", "statement": statement, "data": data}, covered


def _checks_text(checks: list[str]) -> str:
    """``the `X-Key` or `Authorization` header (password)`` from the checks a middleware makes."""
    headers = [c.removesuffix(" header") for c in checks if c.endswith(" header")]
    rest = [c for c in checks if not c.endswith(" header")]
    if not headers:
        return ", ".join(rest) or "the request"
    text = f"the {' or '.join(headers)} header"
    return text + (f" ({', '.join(rest)})" if rest else "")


#: A route path's leading unresolved prefix (``{API_PREFIX}/health/``) and its parameters.
_LEADING_PLACEHOLDER = re.compile(r"^\{[^}/]*\}")
_PATH_PARAM = re.compile(r"\\\{[^}/]*\\\}|<[^>/]*>")


def _path_matches(path: str, rule: str) -> bool:
    """Whether a route's ``path`` is the middleware's ``rule`` (``/x*``: a prefix); a route
    path whose prefix the linker could not resolve (``{API_PREFIX}/health/``) matches any
    prefix, its parameters any one segment."""
    lead = _LEADING_PLACEHOLDER.match(path)
    if rule.endswith("*"):  # a prefix: known only of a resolved path
        return not lead and path.startswith(rule[:-1])
    body = _PATH_PARAM.sub("[^/]+", re.escape(path[lead.end() if lead else 0 :].rstrip("/")))
    return re.fullmatch(("(?:/[^/]+)*" if lead else "") + body, rule.rstrip("/")) is not None


def _skipped_by(guard: dict[str, Any], meta: dict[str, Any]) -> bool:
    """Whether an auth middleware lets a route's path through unchecked (its ``exempt``
    paths, ``/x*`` a prefix) or guards only other paths (its ``only``)."""
    paths = [str(p) for p in meta.get("full_paths") or [meta.get("full_path") or meta.get("path") or ""] if p]
    if not paths:
        return False

    def hits(rules: list[str]) -> bool:
        return any(_path_matches(p, rule) for p in paths for rule in rules)

    if guard.get("only"):
        return not hits([str(x) for x in guard["only"]])
    return hits([str(x) for x in guard.get("exempt") or []])


#: A mechanism whose name says it logs a user in, and one that says it lets only some act.
_LOGIN_RE = re.compile(r"login|logged|signed_in|auth(?!ori)|token|jwt|session", re.I)
_ROLE_RE = re.compile(r"admin|role|permission|perm|staff|superuser|owner|scope|group", re.I)

#: The middle of ``Permissions.ADMIN.require``: the one part that varies within a family.
_FAMILY_MIDDLE = "<…>"


def _auth_families(users: dict[str, set[str]], written: dict[str, Counter[str]]) -> dict[str, Counter[str]]:
    """One mechanism written with a varying middle part (OctoPrint's ``@Permissions.ADMIN.require(403)``,
    ``@Permissions.STATUS.require(403)``, ... on most routes) is one convention,
    ``@Permissions.<…>.require(403)``, not as many as there are permissions. Merges them in
    place; returns each family's middle parts and how many routes name each."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name in users:
        parts = name.split(".")
        if len(parts) == 3 and _FAMILY_MIDDLE not in parts:
            groups[(parts[0], parts[2])].append(name)
    out: dict[str, Counter[str]] = {}
    for (head, tail), names in groups.items():
        if len(names) < 2:
            continue
        family = f"{head}.{_FAMILY_MIDDLE}.{tail}"
        out[family] = Counter({name.split(".")[1]: len(users[name]) for name in names})
        users[family] = set().union(*(users.pop(name) for name in names))
        texts: Counter[str] = Counter()
        for name in names:
            middle = f".{name.split('.')[1]}."
            for text, k in written.pop(name).items():
                texts[text.replace(middle, f".{_FAMILY_MIDDLE}.", 1)] += k
        written[family] = texts
    return out


def _family_ids(defs: dict[str, Any], family: str) -> list[str]:
    """The class that declares a family's members (``class Permissions``: ADMIN, STATUS, ...),
    then the method the routes call on them (``require``)."""
    head, _middle, tail = family.split(".")
    return (_ids_for(defs, head, ("class",)) + _ids_for(defs, tail))[:2]


def _usual_form(written: Counter[str]) -> str:
    """How a mechanism is written: its most common text, or with its arguments elided when no
    text covers half its uses (pgAdmin's ``@permissions_required(AllPermissionTypes.tools_ai)``
    is 14 of 52 ``@permissions_required(...)``)."""
    form, n = written.most_common(1)[0]
    if n * 2 >= sum(written.values()) or not form.endswith(")") or "(" not in form:
        return form
    if form.startswith(("Depends(", "Security(")):  # the dependency stays: Security(auth, ...)
        head = form.split(",", 1)[0]
        return head + ", ...)" if "," in form else form
    return form[: form.index("(")] + "(...)"


def _class_access_checks(routes: list[Route]) -> list[dict[str, Any]]:
    """Handler classes that check access in a method they define or inherit (``_check_access``)."""
    total = len(routes)
    checks = Counter(
        (str(c["class"]), str(c["method"]), str(c["path"]), str(c["id"]))
        for r in routes
        if isinstance(c := r.meta.get("access_check"), dict)
    )
    n = sum(checks.values())
    if n < max(2, total // 10):
        return []
    methods = Counter(m for (_c, m, _p, _i), k in checks.items() for _ in range(k))
    method = methods.most_common(1)[0][0]
    ranked = checks.most_common(3)
    shown = ", ".join(f"`{c}.{m}` ({p}) ×{k}" for (c, m, p, _i), k in ranked)
    statement = (
        f"no auth decorator: handler classes check access in a `{method}()` method they define or inherit "
        f"({_pct(n, total)}): {shown}"
    )
    if n < total:
        statement += f"; no such check on {total - n} handlers"
    base, _m, _p, pid = ranked[0][0]
    return [
        {
            "key": "auth",
            "topic": "auth",
            "statement": statement,
            "data": {
                "name": method,
                "form": f"def {method}(self)",
                "base": base,
                "count": n,
                "total": total,
                "inline": True,
                "class_check": True,
                "public": [],
                "pattern_ids": [pid],
            },
        }
    ]


def _inline_auth(routes: list[Route], defs: dict[str, Any]) -> list[dict[str, Any]]:
    """Auth checked inside handler bodies: `check_access(...)`, `if not current_user...`."""
    total = len(routes)
    calls: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    for r in routes:
        calls.update(
            {
                str(c)
                for c in r.meta.get("calls") or []
                if AUTH_RE.search(last_name(str(c))) and not NOT_AUTH_RE.search(last_name(str(c)))
            }
        )
        caught.update(
            {str(c) for c in r.meta.get("catches") or [] if re.search(r"Auth|Permission|Forbidden|Access", str(c))}
        )
    threshold = max(2, total // 10)
    if (not calls or calls.most_common(1)[0][1] < threshold) and caught and caught.most_common(1)[0][1] >= threshold:
        # auth enforced below the views (a service/action layer): the handlers' part is the catch
        exc, m = caught.most_common(1)[0]
        aborts = Counter(
            str(a) for r in routes if exc in (r.meta.get("catches") or []) for a in r.meta.get("aborts") or []
        )
        then = (" and `abort(...)` with " + "/".join(c for c, _ in aborts.most_common(2))) if aborts else ""
        return [
            {
                "key": "auth",
                "topic": "auth",
                "statement": f"no auth decorator: access is checked below the handlers; handlers catch `{exc}`{then} "
                f"({_pct(m, total)})",
                "data": {
                    "name": exc,
                    "form": f"except {exc}",
                    "count": m,
                    "total": total,
                    "inline": True,
                    "public": [],
                    "pattern_ids": _ids_for(defs, exc, ("exception",)),
                },
            }
        ]
    if not calls or calls.most_common(1)[0][1] < threshold:
        return []
    name, n = calls.most_common(1)[0]
    statement = f"no auth decorator: handlers check access in their body by calling `{name}(...)` ({_pct(n, total)})"
    if caught:
        exc, m = caught.most_common(1)[0]
        statement += f" and catching `{exc}` ({m} handlers)"
    return [
        {
            "key": "auth",
            "topic": "auth",
            "statement": statement,
            "data": {
                "name": name,
                "form": f"{name}(...)",
                "count": n,
                "total": total,
                "inline": True,
                "public": [],
                "pattern_ids": _ids_for(defs, name),
            },
        }
    ]


def _helper_conventions(
    routes: list[Route],
    defs: dict[str, Any],
    files_meta: dict[str, dict[str, Any]] | None = None,
    used: Counter[str] | None = None,
) -> list[dict[str, Any]]:
    """Project functions most handlers call (the service layer, lookup helpers, ...).

    A dotted call counts only through a module the file imports (``services.create_item``),
    not as a method of some object (``request.GET.get`` is no call of a project ``get``)."""
    total = len(routes)
    used = used if used is not None else _project_calls(routes, defs, files_meta)
    common = [(n, c) for n, c in used.most_common(4) if c >= max(3, total // 5)]
    if not common:
        return []
    shown = ", ".join(f"`{n}(...)` ({c})" for n, c in common)
    ids = [i for n, _ in common[:2] for i in _ids_for(defs, n)[:1]]
    return [
        {
            "key": "helpers",
            "topic": "helpers",
            "statement": f"handlers call the project's helpers {shown} of {total} handlers",
            "data": {"names": [n for n, _ in common], "count": common[0][1], "total": total, "pattern_ids": ids},
        }
    ]


def _project_calls(
    routes: list[Route], defs: dict[str, Any], files_meta: dict[str, dict[str, Any]] | None = None
) -> Counter[str]:
    """How many handlers call each project function (by last name)."""
    callable_kinds = ("function", "dependency", "pagination", "decorator")
    used: Counter[str] = Counter()
    # project modules: every file with meta, and every file defining a pattern
    modules = ModuleIndex({**{d[2]: {} for ds in defs.values() for d in ds}, **(files_meta or {})})
    bound: dict[str, tuple[set[str], set[str]]] = {}
    for r in routes:
        if r.path not in bound:
            bound[r.path] = _bound_imports(r.path, (files_meta or {}).get(r.path, {}).get("imports") or [], modules)
        project, outside = bound[r.path]
        used.update(
            {
                last_name(str(c))
                for c in r.meta.get("calls") or []
                if any(d[1] in callable_kinds for d in defs.get(last_name(str(c)), []))
                # `messages.success(...)` (Django) is no call of the project's own `success`
                and (str(c).split(".", 1)[0] in project if "." in str(c) else str(c) not in outside)
            }
        )
    return used


#: An exception a helper raises on bad input (``ParameterError``, ``ValidationError``, ``BadRequest``).
_INPUT_ERROR_RE = re.compile(r"Param|Valid|Invalid|BadRequest|Missing|Required|Argument", re.I)


def _validation_helper_conventions(
    routes: list[Route], defs: dict[str, Any], used: Counter[str]
) -> list[dict[str, Any]]:
    """Request input checked by project helpers rather than schemas: privacyidea's
    ``get_required(request.all_data, "serial")`` raising ``ParameterError`` in 66 handlers."""
    total = len(routes)
    found: list[tuple[str, int, str]] = []
    for name, n in used.most_common():
        if n < max(3, total // 10):
            break
        raised = [str(x) for d in defs.get(name, []) if d[1] == "function" for x in d[3].get("raises") or []]
        error = next((x for x in raised if _INPUT_ERROR_RE.search(x)), None)
        # or aborts with a client error itself (OctoPrint's ``get_json_command_from_request``:
        # ``abort(400, description="Mandatory parameters missing")``)
        aborts = {str(x) for d in defs.get(name, []) if d[1] == "function" for x in d[3].get("aborts") or []}
        error = error or next((f"abort({code})" for code in ("400", "422") if code in aborts), None)
        if error:
            found.append((name, n, error))
    if not found:
        return []
    shown = ", ".join(f"`{name}(...)` ({n})" for name, n, _e in found[:3])
    name, n, error = found[0]
    return [
        {
            "key": "validation:helpers",
            "topic": "validation",
            "statement": f"handlers check request input with the project's helpers {shown} of {total} handlers, "
            + (
                f"which call `{error}` on bad input"
                if error.startswith("abort(")
                else f"which raise `{error}` on bad input"
            ),
            "data": {
                "name": name,
                "form": f"{name}(...)",
                "error": error,
                "count": n,
                "total": total,
                "pattern_ids": _ids_for(defs, name, ("function",)),
            },
        }
    ]


def _bound_imports(path: str, imports: list[dict[str, Any]], modules: ModuleIndex) -> tuple[set[str], set[str]]:
    """The names a file's imports bind: (those naming project code, those naming outside code)."""
    project: set[str] = set()
    outside: set[str] = set()
    for imp in imports:
        module = str(imp.get("module") or "")
        name = imp.get("name")
        level = int(imp.get("level") or 0)
        if name is None:  # import a.b [as x]
            bound_name = str(imp.get("alias") or module.split(".")[0])
            ours = modules.resolve_module(path, module, 0) is not None
        else:  # from a import b: b a project module, or defined in one
            bound_name = str(imp.get("alias") or name)
            sub = f"{module}.{name}" if module else str(name)
            ours = (
                modules.resolve_module(path, sub, level) is not None
                or modules.resolve_module(path, module, level) is not None
            )
        (project if ours else outside).add(bound_name)
    return project, outside - project


_BUILTIN_NAMES = frozenset(dir(builtins))


#: Exceptions (and helpers) frameworks turn into HTTP error responses: FastAPI/Starlette,
#: Flask/Werkzeug, Django and Django REST Framework.
_HTTP_ERRORS = frozenset(
    """HTTPException abort Http404 PermissionDenied SuspiciousOperation BadRequest Unauthorized Forbidden
    NotFound MethodNotAllowed Conflict Gone UnprocessableEntity TooManyRequests InternalServerError
    ValidationError APIException ParseError AuthenticationFailed NotAuthenticated NotAcceptable
    UnsupportedMediaType Throttled""".split()
)


def _error_form_conventions(routes: list[Route], defs: dict[str, Any]) -> list[dict[str, Any]]:
    """The exact form handlers signal HTTP errors in, as code: callee, how the status is
    written (``404``, ``status.HTTP_404_NOT_FOUND``), which keywords are passed."""
    exceptions = {name for name, ds in defs.items() if any(d[1] == "exception" for d in ds)}
    groups: Counter[tuple[str, str, tuple[str, ...]]] = Counter()
    examples: dict[tuple[str, str, tuple[str, ...]], Counter[str]] = defaultdict(Counter)
    for r in routes:
        seen: set[tuple[str, str, tuple[str, ...]]] = set()
        for form in r.meta.get("error_calls") or []:
            if not isinstance(form, dict) or not form.get("text"):
                continue
            callee, style = str(form.get("callee")), str(form.get("status"))
            key = (callee, style, tuple(str(k) for k in form.get("keywords") or []))
            http_like = callee in _HTTP_ERRORS or callee in exceptions or style != "none" or form.get("returned")
            if not http_like or (callee in _BUILTIN_NAMES and style == "none"):
                continue
            examples[key][str(form["text"])] += 1
            if key not in seen:
                seen.add(key)
                groups[key] += 1
    if not groups:
        return []
    ranked = groups.most_common(3)
    (top, n), rest = ranked[0], ranked[1:]
    example = examples[top].most_common(1)[0][0]
    statement = f"errors are signalled as `{example}` ({_pct(n, len(routes))})"
    if rest:
        statement += "; also " + ", ".join(f"`{examples[k].most_common(1)[0][0]}` ×{m}" for k, m in rest)
    return [
        {
            "key": "errors:form",
            "topic": "errors",
            "statement": statement,
            "data": {
                "form": example,
                "count": n,
                "others": [examples[k].most_common(1)[0][0] for k, _m in rest],
                "pattern_ids": [],
            },
        }
    ]


def _error_conventions(
    rows: list[PatternRow],
    routes: list[Route],
    defs: dict[str, Any],
    files_meta: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    out = []
    exceptions = {name for name, ds in defs.items() if any(d[1] == "exception" for d in ds)}
    raised: Counter[str] = Counter()
    raising_routes: Counter[str] = Counter()
    for r in routes:
        names = {last_name(str(x)) for x in r.meta.get("raises") or []}
        for x in names:
            raised[x] += 1
        for x in names & exceptions:
            raising_routes[x] += 1
    aborts = Counter(str(c) for r in routes for c in r.meta.get("aborts") or [])
    abort_routes = sum(1 for r in routes if r.meta.get("aborts"))
    http_routes = sum(
        1
        for r in routes
        if r.meta.get("http_errors") or "HTTPException" in {last_name(str(x)) for x in r.meta.get("raises") or []}
    )
    handlers = [(pid, name, path, meta) for pid, kind, name, path, meta, _u, _s in rows if kind == "error_handler"]
    registered = [h for m in files_meta.values() for h in m.get("exception_handlers") or []]
    handler_for: dict[str, tuple[str, str, str, dict[str, Any]]] = {}
    # what the application registers first (litellm's ``@app.exception_handler(ProxyException)``),
    # then functions that only look like handlers (a local ``_google_error_response(request, exc)``)
    for reg in registered:
        hname = last_name(str(reg.get("handler", "")))
        match = next((h for h in handlers if h[1] == hname), None)
        if match is None:
            match = next(((d[0], hname, d[2], d[3]) for d in defs.get(hname, [])), None)
        if match is not None:
            handler_for.setdefault(last_name(str(reg.get("exception", ""))), match)
    for h in handlers:
        for exc in h[3].get("exceptions") or []:
            handler_for.setdefault(last_name(str(exc)), h)

    custom = [x for x, _ in raising_routes.most_common()]
    total = len(routes)
    raised: dict[str, Any] | None = None
    if custom:
        # the base class most raised exceptions share
        bases = Counter()
        for x in custom:
            for d in defs.get(x, []):
                for b in d[3].get("bases") or []:
                    if last_name(str(b)) in exceptions:
                        bases[last_name(str(b))] += raising_routes[x]
        base = bases.most_common(1)[0][0] if bases else None
        n_routes = sum(1 for r in routes if {last_name(str(x)) for x in r.meta.get("raises") or []} & exceptions)
        shown = ", ".join(f"`{x}`" for x in custom[:4])
        statement = f"handlers signal errors by raising project exceptions {shown}"
        if base:
            statement += f" (subclasses of `{base}`)"
        statement += f" in {_pct(n_routes, total)}"
        handler = handler_for.get(base or "") or next((handler_for[x] for x in custom if x in handler_for), None)
        ids = [i for x in ([base] if base else []) + custom[:2] for i in _ids_for(defs, x, ("exception",))]
        shape = None
        if handler is not None:
            shape = handler[3].get("response_shape")
            statement += f", rendered by `{handler[1]}` ({handler[2]})"
            if shape:
                statement += f" as `{shape}`"
            ids.insert(0, handler[0])
        raised_convention = {
            "key": "errors",
            "topic": "errors",
            "statement": statement,
            "data": {
                "exceptions": custom,
                "base": base,
                "count": n_routes,
                "total": total,
                "shape": shape,
                "handler": handler[1] if handler else None,
                "pattern_ids": list(dict.fromkeys(ids)),
            },
        }
        if n_routes * 4 < max(abort_routes, http_routes):
            # a rare exception beside the usual ``abort(...)`` (OctoPrint: 1 handler raises
            # ``CommandFailed``, 57 abort) is no way to signal errors to copy: after them
            raised_convention["key"] = "errors:raised"
            raised = raised_convention
        else:
            out.append(raised_convention)
    # decorators that turn exceptions into HTTP errors (category from indexers.decorators)
    wrappers = {
        name
        for name, ds in defs.items()
        if any(
            d[1] == "decorator" and d[3].get("category") == "error_handling" and d[3].get("converts_errors", True)
            for d in ds
        )
    }
    wrapped: Counter[str] = Counter()
    for r in routes:
        # project decorators, and library ones the indexers know do it (Flask-AppBuilder's @safe)
        wrapped.update(
            {last_name(str(x)) for x in r.meta.get("decorators") or [] if last_name(str(x)) in wrappers}
            | {last_name(str(x)) for x in r.meta.get("error_decorators") or []}
        )
    if wrapped:
        name, n = wrapped.most_common(1)[0]
        out.append(
            {
                "key": "errors:decorator",
                "topic": "errors",
                "statement": f"`@{name}` turns exceptions into HTTP error responses ({_pct(n, total)})",
                "data": {"name": name, "count": n, "total": total, "pattern_ids": _ids_for(defs, name, ("decorator",))},
            }
        )
    caught = Counter(last_name(str(c)) for r in routes if r.meta.get("aborts") for c in r.meta.get("catches") or [])
    if abort_routes:
        codes = ", ".join(f"{c} ×{n}" for c, n in aborts.most_common(5))
        if caught:
            codes += "; often after catching " + ", ".join(f"`{c}`" for c, _ in caught.most_common(3))
        statement = f"`abort(code)` is used in {_pct(abort_routes, total)} (codes: {codes})"
        # what answers an abort: a handler registered for werkzeug's HTTPException, or for each
        # of its ``default_exceptions`` (OctoPrint's JSON for /api, calibre-web's error page)
        abort_handler = next(
            (handler_for[k] for k in ("HTTPException", "default_exceptions") if k in handler_for), None
        )
        if abort_handler is not None:
            statement += f"; rendered by `{abort_handler[1]}` ({abort_handler[2]})"
        out.append(
            {
                "key": "errors:abort",
                "topic": "errors",
                "statement": statement,
                "data": {
                    "count": abort_routes,
                    "total": total,
                    "handler": abort_handler[1] if abort_handler else None,
                    "pattern_ids": [abort_handler[0]] if abort_handler else [],
                },
            }
        )
    if http_routes:
        codes = Counter(str(c) for r in routes for c in r.meta.get("http_errors") or [])
        shown = ", ".join(f"{c} ×{n}" for c, n in codes.most_common(5))
        out.append(
            {
                "key": "errors:httpexception",
                "topic": "errors",
                "statement": f"`raise HTTPException(status_code=...)` in {_pct(http_routes, total)}"
                + (f" (codes: {shown})" if shown else ""),
                "data": {"count": http_routes, "total": total, "pattern_ids": []},
            }
        )
    if raised is not None:
        out.append(raised)
    shapes = Counter(str(h[3].get("response_shape")) for h in handlers if h[3].get("response_shape"))
    top = shapes.most_common(1)[0] if shapes else None
    # one handler's shape among several that build theirs elsewhere (privacyidea: 1 of 7, the
    # web UI's 404; the API's six call send_error) is no convention
    if top and top[1] * 2 >= len(handlers) and not any(c["key"] == "errors" and c["data"].get("shape") for c in out):
        shape, n = top
        ids = [h[0] for h in handlers if h[3].get("response_shape") == shape][:2]
        out.append(
            {
                "key": "errors:shape",
                "topic": "errors",
                "statement": f"error responses have the shape `{shape}` ({n} of {len(handlers)} exception handlers)",
                "data": {"shape": shape, "pattern_ids": ids},
            }
        )
    db_excs = sorted(exc for exc in handler_for if _DB_ERROR_RE.search(exc))
    db_handlers = [handler_for[exc] for exc in db_excs]
    db_handlers += [
        h
        for h in handlers
        if h not in db_handlers and any(_DB_ERROR_RE.search(str(e)) for e in h[3].get("exceptions") or [])
    ]
    if db_handlers:
        h = db_handlers[0]
        excs = ", ".join(f"`{e}`" for e in db_excs) or ", ".join(
            f"`{e}`" for e in h[3].get("exceptions") or [] if _DB_ERROR_RE.search(str(e))
        )
        out.append(
            {
                "key": "errors:db",
                "topic": "db_errors",
                "statement": f"database errors ({excs}) are turned into HTTP errors by `{h[1]}` ({h[2]})"
                + (f" as `{h[3]['response_shape']}`" if h[3].get("response_shape") else ""),
                "data": {"pattern_ids": [h[0]]},
            }
        )
    # the framework's request validation error first, then other validation errors, then
    # lookalikes (letta's ``LLMBadRequestError`` is an LLM provider's answer, not the request's)
    val_excs = sorted(
        (e for e in handler_for if _VALIDATION_ERROR_RE.search(e)),
        key=lambda e: (e != "RequestValidationError", not e.endswith("ValidationError"), e),
    )
    val_handlers = [handler_for[e] for e in val_excs]
    val_handlers += [
        h
        for h in handlers
        if h not in val_handlers and any(_VALIDATION_ERROR_RE.search(str(e)) for e in h[3].get("exceptions") or [])
    ]
    if val_handlers:
        h = val_handlers[0]
        out.append(
            {
                "key": "errors:validation",
                "topic": "validation_errors",
                "statement": f"validation errors are rendered by `{h[1]}` ({h[2]})"
                + (f" as `{h[3]['response_shape']}`" if h[3].get("response_shape") else ""),
                "data": {"pattern_ids": [h[0]]},
            }
        )
    return out


def _pagination_conventions(
    rows: list[PatternRow], routes: list[Route], files_meta: dict[str, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    helpers = {name: (pid, path, meta) for pid, kind, name, path, meta, _u, _s in rows if kind == "pagination"}
    # a handler returning ``GetUsersResponseBody(PaginatedResponseBody[User])`` uses that page
    # type too (Phoenix's cursor pages): the bases of the schemas it names count as its uses
    bases: dict[str, set[str]] = defaultdict(set)
    for _pid, kind, name, _path, meta, _u, _s in rows:
        if kind in ("schema", "class") and meta.get("bases"):
            bases[name].update(last_name(str(b).split("[", 1)[0]) for b in meta["bases"])
    # what the project's functions and helpers call by a bare name: a handler calling
    # ``list_endpoint(request)`` -> ``rank_users`` -> ``paginate`` pages through ``paginate``,
    # and a helper paging through another (misago's ``search(query, page)`` around
    # ``paginate``/``pagination_dict``) makes that other one the convention
    calls: dict[str, set[str]] = defaultdict(set)
    for _pid, kind, name, _path, meta, _u, _s in rows:
        if kind in ("function", "pagination"):
            calls[name].update(str(c) for c in meta.get("calls") or [] if "." not in str(c))
    reached: dict[str, set[str]] = {}

    def reach(name: str) -> set[str]:
        if name not in reached:
            found: set[str] = set()
            todo, seen = [(name, 0)], {name}
            while todo:
                current, depth = todo.pop()
                for c in calls.get(current, ()):
                    if c in seen or depth >= 3:
                        continue
                    seen.add(c)
                    if c in helpers:
                        found.add(c)
                    todo.append((c, depth + 1))
            reached[name] = found
        return reached[name]

    uses: dict[str, set[str]] = {}
    for r in routes:
        named = r.uses()
        named |= {b for n in named for b in bases.get(n, ())}
        bare = {str(c) for c in r.meta.get("calls") or [] if "." not in str(c)}
        uses[r.id] = named | {h for n in (named & set(helpers)) | bare for h in reach(n)}
    users: Counter[str] = Counter()
    for r in routes:
        for name in uses[r.id] & set(helpers):
            users[name] += 1
    # a pagination library the handlers page through (fastapi-pagination's ``Page[...]`` and
    # ``paginate``) over project helpers fewer handlers use (fides' cursor strategies page
    # the external APIs its connectors call, not its own lists)
    library = _library_pagination(routes, files_meta or {})
    if library and library["data"]["count"] > max(users.values(), default=0):
        return [library]
    under = {h for n in helpers for h in reach(n) if h != n}  # helpers other helpers page through
    if not users:
        decorated = _paginate_decorator_convention(routes)
        if decorated or not helpers:
            return decorated
    out = []
    # most used first; on a tie, the callable helper (it has parameters) over the page type
    # (then a helper another one pages through: the project's own way to page under a provider)
    ranked = sorted(helpers, key=lambda n: (-users[n], not helpers[n][2].get("params"), n not in under, n))
    main = ranked[0]
    pid, path, meta = helpers[main]
    n = users[main]
    list_routes = [r for r in routes if "GET" in r.methods and main in uses[r.id]]
    # the project's own list handlers first: views of a test project (``testproject/views.py``) last
    list_routes.sort(key=lambda r: bool(re.search(r"(^|/)[^/]*test[^/]*/", r.path)))
    keys = meta.get("returns_keys") or []
    params = meta.get("params") or []
    if meta.get("generic"):  # a page type list responses derive from
        statement = f"list responses derive from `{main}[...]` ({path})"
        if keys:
            statement += ": `{" + ", ".join(map(str, keys)) + "}`"
        if meta.get("style") == "cursor":
            statement += " (cursor pagination)"
    else:
        statement = f"lists paginate with `{main}({', '.join(map(str, params))})` ({path})"
        if keys:
            statement += " and return `{" + ", ".join(map(str, keys)) + "}`"
    if n:
        statement += f"; used by {n} handler{'s' if n != 1 else ''}"
        if list_routes:
            statement += " e.g. " + ", ".join(r.label for r in list_routes[:2])
    else:
        statement += "; no route calls it directly"
    lists = sum(1 for r in routes if "GET" in r.methods)
    if n == 1 and lists >= 10 and not meta.get("generic"):
        # one handler among many lists paging through a helper is no convention (letta: a
        # batch-messages manager method; its other lists take before/after/limit queries)
        where = list_routes[0].label if list_routes else "one handler"
        return [
            {
                "key": "pagination",
                "topic": "pagination",
                "statement": f"no shared pagination helper: only {where} of {lists} GET handlers pages, "
                f"through `{main}` ({path})",
                "data": {"name": None, "helper": main, "count": n, "keys": keys, "pattern_ids": []},
            }
        ]
    ids = [pid] + [helpers[x][0] for x in ranked[1:2] if users[x]]
    other = [x for x in ranked[1:2] if users[x]]
    if other:
        statement += f"; with `{other[0]}` ({helpers[other[0]][1]})"
    out.append(
        {
            "key": "pagination",
            "topic": "pagination",
            "statement": statement,
            "data": {"name": main, "count": n, "keys": keys, "pattern_ids": ids},
        }
    )
    return out


#: A module of a pagination library: ``fastapi_pagination``, ``fastapi_pagination.ext.sqlalchemy``.
_PAGINATION_MODULE_RE = re.compile(r"paginat", re.I)


def _library_pagination(routes: list[Route], files_meta: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """Handlers paging through names imported from a pagination library outside the project
    (``from fastapi_pagination import Page, Params`` with ``response_model=Page[Item]``,
    ``params: Params = Depends()`` and ``paginate(db, query, params)``): the convention, in the
    forms they are written in, most used first."""
    modules = ModuleIndex(files_meta)
    bound: dict[str, dict[str, str]] = {}  # file -> name its imports bind -> library module
    for path in {r.path for r in routes}:
        names: dict[str, str] = {}
        for imp in files_meta.get(path, {}).get("imports") or []:
            module = str(imp.get("module") or "")
            if int(imp.get("level") or 0) or not _PAGINATION_MODULE_RE.search(module):
                continue
            if modules.resolve_module(path, module, 0) is not None:  # the project's own module
                continue
            name = imp.get("name")
            names[str(imp.get("alias") or name or module.split(".")[0])] = module
        if names:
            bound[path] = names
    forms: Counter[str] = Counter()
    libraries: Counter[str] = Counter()
    paging: list[Route] = []
    for r in routes:
        names = bound.get(r.path)
        if not names:
            continue
        response = str(r.meta.get("response_model") or r.meta.get("response_annotation") or "")
        calls = {str(c) for c in r.meta.get("calls") or []}
        found: set[str] = set()
        for name in names:
            if any(c == name or c.startswith(name + ".") for c in calls):
                found.add(f"{name}(...)" if name in calls else f"{name}.*")
            elif re.search(rf"(^|[^\w.]){re.escape(name)}\[", response):
                found.add(f"{name}[...]")
            elif name in r.uses():
                found.add(name)
        if found:
            paging.append(r)
            forms.update(found)
            libraries.update({names[f.split("(")[0].split("[")[0].split(".")[0]].split(".")[0] for f in found})
    if not paging:
        return None
    library = libraries.most_common(1)[0][0]
    shown = [f for f, _ in sorted(forms.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
    lists = [r for r in paging if "GET" in r.methods] or paging
    n = len(paging)
    statement = (
        f"lists paginate with `{library}`: "
        + ", ".join(f"`{f}`" for f in shown)
        + f" ({_pct(n, len(routes))}, e.g. "
        + ", ".join(r.label for r in lists[:2])
        + ")"
    )
    return {
        "key": "pagination",
        "topic": "pagination",
        "statement": statement,
        "data": {
            "name": shown[0].split("(")[0].split("[")[0],
            "library": library,
            "forms": shown,
            "count": n,
            "keys": [],
            "pattern_ids": [lists[0].id],
        },
    }


def _paginate_decorator_convention(routes: list[Route]) -> list[dict[str, Any]]:
    """flask-smorest's ``@blp.paginate()`` (and other ``.paginate`` decorators) on list routes."""
    forms: Counter[str] = Counter()
    labels: list[str] = []
    for r in routes:
        found = [text for name, text in route_mechanisms(r.meta) if last_name(name) == "paginate"]
        if found:
            forms[found[0]] += 1
            labels.append(r.label)
    if not forms:
        return []
    form, _ = forms.most_common(1)[0]
    n = sum(forms.values())
    return [
        {
            "key": "pagination",
            "topic": "pagination",
            "statement": f"lists paginate with the `{form}` decorator ({_pct(n, len(routes))}: "
            + ", ".join(labels[:2])
            + ")",
            "data": {"name": last_name(form), "form": form, "count": n, "keys": [], "pattern_ids": []},
        }
    ]


#: Flask's response helpers, and the word a project wrapper of each bears in its name.
_RESPONSE_HELPERS = {"render_template": "render|template", "jsonify": "json", "make_response": "response"}


def _response_wrappers(defs: dict[str, Any]) -> dict[str, str]:
    """Project functions that answer through a Flask helper and say so in their name
    (calibre-web's ``render_title_template`` returns ``render_template(...)`` with the sidebar):
    name -> the helper. Error helpers (``make_api_error``) are the errors' business."""
    out: dict[str, str] = {}
    for name, ds in defs.items():
        if name in _RESPONSE_HELPERS or re.search(r"error|abort|fail", name, re.I):
            continue
        for d in ds:
            if d[1] != "function":
                continue
            called = {last_name(str(c)) for c in d[3].get("calls") or []}
            helper = next((h for h, word in _RESPONSE_HELPERS.items() if h in called and re.search(word, name)), None)
            if helper:
                out[name] = helper
                break
    return out


def _response_conventions(routes: list[Route], defs: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    total = len(routes)
    out = []
    with_model = [r for r in routes if r.meta.get("response_model")]
    by_method: dict[str, Counter[str]] = defaultdict(Counter)
    for r in routes:
        code = r.meta.get("status_code")
        for m in r.methods:
            by_method[m][str(code) if code else "default"] += 1
    parts = []
    for method in ("POST", "DELETE"):
        if by_method.get(method):
            code, n = by_method[method].most_common(1)[0]
            if code != "default":
                parts.append(f"{method} → `status_code={code}` ({n} of {sum(by_method[method].values())})")
    fastapi = [r for r in routes if r.meta.get("framework") == "fastapi"]
    if fastapi:
        statement = f"handlers declare `response_model=` ({len(with_model)} of {total})"
        annotated = sum(1 for r in routes if not r.meta.get("response_model") and r.meta.get("response_annotation"))
        if annotated:
            forms = [(len(with_model), "`response_model=`"), (annotated, "a return annotation (`-> Schema`)")]
            forms.sort(key=lambda f: -f[0])
            statement = "handlers declare the response schema with " + ", ".join(
                f"{form} ({n} of {total})" for n, form in forms if n
            )
        if parts:
            statement += "; " + "; ".join(parts)
        out.append(
            {
                "key": "responses",
                "topic": "responses",
                "statement": statement,
                "data": {"count": len(with_model), "total": total},
            }
        )
    else:
        calls = Counter()
        wrappers = _response_wrappers(defs or {})
        wrapped: Counter[str] = Counter()
        for r in routes:
            cs = {last_name(str(c)) for c in r.meta.get("calls") or []} | {
                str(c) for c in r.meta.get("calls") or [] if str(c) == "self.response"
            }
            wrapped.update(cs & set(wrappers))
            for marker in (
                "self.response",
                "jsonify",
                "dump",
                "make_response",
                "render_template",
                "marshal",
                "abort",
            ):
                if marker in cs:
                    calls[marker] += 1
        schemas = sum(1 for r in routes if r.meta.get("schemas"))
        bits = []
        if calls.get("self.response"):
            bits.append(f"`self.response(code, ...)` (Flask-AppBuilder) in {calls['self.response']}")
        if calls.get("jsonify"):
            bits.append(f"`jsonify(...)` in {calls['jsonify']}")
        if calls.get("dump") or schemas:
            bits.append(f"schema `.dump()` / response schemas in {max(calls.get('dump', 0), schemas)}")
        if calls.get("render_template"):
            bits.append(f"`render_template` in {calls['render_template']}")
        # the project's own wrapper, when routes call it more than the helper it wraps
        for name, n in wrapped.most_common():
            helper = wrappers[name]
            if n >= max(3, calls.get(helper, 0)):
                bits.insert(0, f"`{name}(...)` (the project's wrapper of `{helper}`) in {n}")
                break
        if bits or parts:
            statement = "responses: " + "; ".join(bits + parts) + f" (of {total} handlers)"
            out.append(
                {
                    "key": "responses",
                    "topic": "responses",
                    "statement": statement,
                    "data": {"total": total},
                }
            )
    return out


_SCHEMA_DECORATOR = re.compile(r"^@([\w.]+)\((.*)\)$", re.S)


def _decorator_schemas(texts: list[str], schema_names: set[str]) -> tuple[set[str], set[str]]:
    """Schemas a validating decorator names (lemur's ``@validate_schema(api_key_input_schema,
    api_key_output_schema)``): a schema class, or a module-level instance named after one
    (``api_key_input_schema`` -> ``ApiKeyInputSchema``); (inputs, outputs), an argument
    whose name says output or response going to the outputs."""
    inputs: set[str] = set()
    outputs: set[str] = set()
    for text in texts:
        m = _SCHEMA_DECORATOR.match(str(text).strip())
        if m is None or not re.search(r"(?i)schema|validat", last_name(m.group(1))):
            continue
        for ident in re.findall(r"\b[A-Za-z_]\w*\b", m.group(2)):
            name = ident if ident in schema_names else "".join(w.capitalize() for w in ident.split("_"))
            if name not in schema_names:
                continue
            (outputs if re.search(r"(?i)output|response", ident) else inputs).add(name)
    return inputs, outputs


def _validation_conventions(rows: list[PatternRow], routes: list[Route], defs: dict[str, Any]) -> list[dict[str, Any]]:
    """Which schemas validate input (request bodies) and which shape output."""
    schema_names = {name for name, ds in defs.items() if any(d[1] == "schema" for d in ds)}
    inputs: Counter[str] = Counter()
    outputs: Counter[str] = Counter()
    n_routes = 0
    for r in routes:
        out_names = _type_names(str(r.meta.get("response_model") or r.meta.get("response_annotation") or ""))
        out_names |= {last_name(str(x)) for x in r.meta.get("output_schemas") or []}
        in_names = {last_name(str(x)) for x in r.meta.get("input_schemas") or []}
        dec_in, dec_out = _decorator_schemas(r.meta.get("decorator_texts") or [], schema_names)
        in_names |= dec_in
        out_names |= dec_out
        used = {last_name(str(x)) for x in r.meta.get("schemas") or []}
        built = {last_name(str(c)) for c in r.meta.get("calls") or [] if last_name(str(c)) in schema_names}
        # FastAPI validates what the signature declares; a schema built in the body is a value
        # it makes (fides' ``BulkUpdateFailed(**failure)`` in bulk results), not the input.
        # Elsewhere the body validates: ``UserSchema().load(request.json)``
        if r.meta.get("framework") != "fastapi":
            used |= built
        hit = (used | built | out_names | in_names) & schema_names
        if hit:
            n_routes += 1
        inputs.update(((used - out_names) | in_names) & schema_names)
        outputs.update(out_names & schema_names)
    if not n_routes:
        return []
    libs: Counter[str] = Counter()
    for name in set(inputs) | set(outputs):
        for d in defs.get(name, []):
            if d[1] == "schema":
                libs[str(d[3].get("library") or "schema")] += inputs[name] + outputs[name]
    lib = libs.most_common(1)[0][0] if libs else "schema"
    # ties by name: the counters were filled from sets, whose order changes between runs
    top_in = [n for n, _ in sorted(inputs.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
    top_out = [n for n, _ in sorted(outputs.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
    parts = []
    if top_in:
        parts.append("request bodies are validated by " + ", ".join(f"`{n}`" for n in top_in))
    if top_out:
        parts.append("responses are shaped by " + ", ".join(f"`{n}`" for n in top_out))
    statement = f"{lib} schemas: " + "; ".join(parts) + f" ({_pct(n_routes, len(routes))} use one)"
    ids = [i for n in (top_in[:2] + top_out[:1]) for i in _ids_for(defs, n, ("schema",))[:1]]
    return [
        {
            "key": "validation",
            "topic": "validation",
            "statement": statement,
            "data": {
                "library": lib,
                "schemas": top_in or top_out,
                "outputs": top_out,
                "count": n_routes,
                "pattern_ids": ids,
            },
        }
    ]


def _rate_limit_conventions(
    routes: list[Route], defs: dict[str, Any], files_meta: dict[str, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    users: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    labels: dict[str, list[str]] = defaultdict(list)
    for r in routes:
        for name, text in route_mechanisms(r.meta):
            if _is_rate_limit(name):
                users[name] += 1
                forms[name][text] += 1
                labels[name].append(r.label)
    if not users:
        return (
            _middleware_rate_limits(routes, files_meta or {})
            or _router_rate_limits(routes, files_meta or {})
            or _inline_rate_limits(routes, defs)
            or _unused_rate_limiters(len(routes), defs)
        )
    name, n = users.most_common(1)[0]
    form = forms[name].most_common(1)[0][0]
    shown = ", ".join(labels[name][:3])
    return [
        {
            "key": "rate_limit",
            "topic": "rate_limit",
            "statement": f"rate limits use `{form}` ({_pct(n, len(routes))}: {shown})",
            "data": {"name": name, "form": form, "count": n, "pattern_ids": _ids_for(defs, name)},
        }
    ]


def _is_rate_limit(name: str) -> bool:
    """A decorator, dependency or call that limits the rate, by its name or its object's
    (``limiter.limit``, ``limiter.check``): not an exemption, not a page size, not a check of
    the rate-limit settings."""
    head, last = name.split(".")[0], last_name(name)
    return (
        bool(_RATE_RE.search(last) or _RATE_RE.search(head))
        and not re.search(r"exempt|skip|disable", last, re.I)
        and not (_NOT_RATE_RE.search(last) or _NOT_RATE_RE.search(head))
        and not _RATE_CHECK_RE.search(last)
    )


def _limits_in_body(name: str, defs: dict[str, Any]) -> bool:
    """Whether the project's own definition of ``name`` evidently limits: it answers 429, raises
    a throttling error or counts (``cache.increment_cache``, ``limiter.hit``)."""
    for _pid, kind, _path, meta in defs.get(last_name(name), [])[:3]:
        if kind not in ("function", "decorator", "dependency", "middleware"):
            continue
        if any(_LIMITING_STATUS_RE.search(str(e)) for e in meta.get("http_errors") or []):
            return True
        if any(_LIMITING_RAISE_RE.search(str(e)) for e in meta.get("raises") or []):
            return True
        if any(_LIMITING_CALL_RE.search(str(c)) for c in meta.get("calls") or []):
            return True
    return False


def _is_limiter_call(call: str, defs: dict[str, Any]) -> bool:
    """A call in a handler body named like a limiter (``rate_limit(...)``, ``login_rate_limiter.test()``)
    that is not an exemption or reset, nor a check that rate limits are set
    (``_raise_if_model_update_adds_missing_rate_limits(...)`` validates a request: it raises a 400
    when limits are missing) unless its body shows it limits after all."""
    if not _LIMITER_RE.search(call) or re.search(r"exempt|reset|delay|register", call, re.I):
        return False
    return not _RATE_CHECK_RE.search(last_name(call)) or _limits_in_body(call, defs)


#: Modules of rate-limiting libraries whose middleware limits every route of an app.
_LIMITER_MODULES = re.compile(r"^(slowapi|fastapi_limiter|ratelimit|asgi_ratelimit|starlette_\w*limit\w*|limits)(\.|$)")


def _middleware_rate_limits(routes: list[Route], files_meta: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """An app-wide rate-limit middleware (``app.add_middleware(SlowAPIMiddleware)`` with the
    limiter's ``default_limits``, a project ``RateLimitMiddleware``): every route is limited."""
    for path, meta in sorted(files_meta.items()):
        for reg in meta.get("middleware_registrations") or []:
            name = str(reg.get("middleware") or "")
            head = name.split(".", 1)[0]
            module = next(
                (
                    str(i.get("module") or "")
                    for i in meta.get("imports") or []
                    if (i.get("alias") or i.get("name") or str(i.get("module") or "").split(".")[0]) == head
                ),
                "",
            )
            if _LIMITER_MODULES.match(module) or _LIMITER_RE.search(last_name(name)):
                source = f"; from `{module}`" if module else ""
                return [
                    {
                        "key": "rate_limit",
                        "topic": "rate_limit",
                        "statement": f"rate limits apply to every route through the middleware `{last_name(name)}` "
                        f"({path}:{reg.get('line', '?')}{source}): {len(routes)} handlers",
                        "data": {
                            "name": last_name(name),
                            "form": f"app.add_middleware({last_name(name)})",
                            "count": len(routes),
                            "pattern_ids": [],
                        },
                    }
                ]
    return []


def _router_rate_limits(routes: list[Route], files_meta: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Rate limits put on a whole blueprint (``limiter.limit("5/minute")(auth)``) or checked in
    its ``before_request`` hook (``limiter.check()``) rather than on each view."""
    # (file, router, how, line, whether a hook does it): in file order, a file's decorators first
    found: list[tuple[str, str, str, int, bool]] = []
    for path, meta in sorted(files_meta.items()):
        for d in meta.get("router_decorators") or []:
            if _is_rate_limit(str(d.get("decorator", "")).split("(", 1)[0]):
                how = f"{d['decorator']}({d['router']})"
                found.append((path, str(d["router"]), how, int(d.get("line") or 0), False))
        for h in meta.get("hooks") or []:
            limiter = next((str(c) for c in h.get("calls") or [] if _is_rate_limit(str(c))), None)
            if limiter and h.get("hook") in ("before_request", "before_app_request") and h.get("app"):
                how = f"its {h['hook']} hook `{last_name(str(h.get('handler') or '?'))}` calls `{limiter}()`"
                found.append((path, str(h["app"]), how, int(h.get("line") or 0), True))
    if not found:
        return []
    limited = {(x[0], x[1]) for x in found}
    covered = [r for r in routes if (r.path, str(r.meta.get("router") or "")) in limited]
    if not covered:
        return []
    exempt = [r for r in covered if any("exempt" in str(d) for d in r.meta.get("decorators") or [])]
    path, router, _how, line, _hook = found[0]
    ways = [how if hook else f"`{how}`" for p, r, how, _l, hook in found if (p, r) == (path, router)]
    statement = (
        f"rate limits apply to the whole `{router}` blueprint ({path}:{line}): {'; '.join(ways)} "
        f"({_pct(len(covered) - len(exempt), len(routes))})"
    )
    if exempt:
        name = next(str(d) for d in exempt[0].meta.get("decorators") or [] if "exempt" in str(d))
        statement += f"; exempt with `{name}`: {', '.join(r.label for r in exempt[:4])}"
    form = next((how for _p, _r, how, _l, hook in found if not hook), ways[0])
    return [
        {
            "key": "rate_limit",
            "topic": "rate_limit",
            "statement": statement,
            "data": {"name": router, "form": form, "count": len(covered) - len(exempt), "pattern_ids": []},
        }
    ]


#: Names of rate limiters a project may define without putting them on any route yet.
_LIMITER_RE = re.compile(r"rate_?limit|limiter|throttl", re.I)
#: ... but a view, form or error named after one is not a limiter (``Reset2FADriftThrottleView``).
_NOT_LIMITER_RE = re.compile(r"(View|ViewSet|Resource|Api|API|Form|Serializer|Error|Exception|Exceeded)$")
#: ... nor one that limits something other than a rate (letta's ``RecursionLimiter`` sets the
#: recursion limit while pickling; a concurrency limiter caps parallel work, not requests).
_OTHER_LIMIT_RE = re.compile(r"recursion|depth|concurren|parallel|memory|stack|length|semaphore", re.I)


def _inline_rate_limits(routes: list[Route], defs: dict[str, Any]) -> list[dict[str, Any]]:
    """Rate limits checked in handler bodies: ``if rate_limit("pwreset", user.pk, ...)`` (pretix),
    ``login_rate_limiter.test()`` (indico): usually on the few endpoints worth abusing."""
    calls: Counter[str] = Counter()
    limited: list[Route] = []
    for r in routes:
        found = {str(c) for c in r.meta.get("calls") or [] if _is_limiter_call(str(c), defs)}
        if found:
            calls.update(found)
            limited.append(r)
    if not limited:
        return []
    ranked = sorted(calls, key=lambda c: (-calls[c], c))
    n = len(limited)
    shown = ", ".join(f"`{c}(...)`" for c in ranked[:3])
    where = ", ".join(r.label for r in limited[:4]) + (f", … (+{n - 4})" if n > 4 else "")
    return [
        {
            "key": "rate_limit",
            "topic": "rate_limit",
            "statement": f"rate limits are checked in handler bodies with {shown} ({_pct(n, len(routes))}: {where})",
            "data": {
                "name": ranked[0],
                "form": f"{ranked[0]}(...)",
                "count": n,
                "inline": True,
                "pattern_ids": _ids_for(defs, last_name(ranked[0])),
            },
        }
    ]


def _unused_rate_limiters(total: int, defs: dict[str, Any]) -> list[dict[str, Any]]:
    """No route is rate limited, but the project has a limiter (``rate_limit_requests``,
    ``RequestLimiter``): say where it is, since a new endpoint that needs one should use it."""
    found = sorted(
        (
            (d[1] not in ("decorator", "dependency"), name, d[2], d[0])
            for name, ds in defs.items()
            if _LIMITER_RE.search(name)
            and not _NOT_RATE_RE.search(name)
            and not _RATE_CHECK_RE.search(name)
            and not name.startswith("_")
            and not _NOT_LIMITER_RE.search(name)
            and not _OTHER_LIMIT_RE.search(name)
            for d in ds[:1]
            if d[1] in ("decorator", "dependency", "function", "class", "middleware")
            and "class" not in d[3]  # a method is no limiter of its own
            and not is_test_path(d[2])
            and not is_migration_path(d[2])  # a data migration setting a default is no limiter
        )
    )[:3]
    if not found:
        return []
    shown = ", ".join(f"`{name}` ({path})" for _rank, name, path, _pid in found)
    return [
        {
            "key": "rate_limit",
            "topic": "rate_limit",
            "statement": f"no route is rate limited ({total} handlers), but the project defines {shown}",
            "data": {
                "name": found[0][1],
                "count": 0,
                "total": total,
                "defined": [name for _r, name, _p, _i in found],
                "pattern_ids": [found[0][3]],
            },
        }
    ]


def _db_conventions(routes: list[Route], defs: dict[str, Any]) -> list[dict[str, Any]]:
    deps: Counter[str] = Counter()
    for r in routes:
        for d in set(map(str, r.meta.get("dependencies") or [])) | set(map(str, r.meta.get("annotations") or [])):
            # (``require_human_session`` and ``_byok_session_auth`` check who calls: auth, not a database)
            if _DB_RE.search(last_name(d)) and not AUTH_RE.search(last_name(d)):
                deps[d] += 1
    session_calls = Counter()
    for r in routes:
        for c in r.meta.get("calls") or []:
            c = str(c)
            # a database session's verbs only (chainlit's ``session`` is a websocket session)
            if c.startswith(("db.session.", "session.", "db.", "self.session.")) and _DB_VERB_RE.search(c):
                session_calls[
                    c.split(".")[0] + "." + c.split(".")[1] if c.startswith("db.session") else c.split(".")[0]
                ] += 1
    total = len(routes)
    if deps:
        # prefer the alias people write (SessionDep) over the provider behind it (get_db)
        name, n = sorted(deps.items(), key=lambda kv: (-kv[1], not kv[0][:1].isupper(), kv[0]))[0]
        return [
            {
                "key": "db",
                "topic": "db",
                "statement": f"handlers get the database session through `{name}` ({_pct(n, total)})",
                "data": {"name": name, "count": n, "pattern_ids": _ids_for(defs, name)},
            }
        ]
    if session_calls:
        name, _ = session_calls.most_common(1)[0]
        n = sum(
            1
            for r in routes
            if any(str(c).startswith(name + ".") and _DB_VERB_RE.search(str(c)) for c in r.meta.get("calls") or [])
        )
        if n < 2 and total > 3:  # one handler is no convention (chainlit's websocket ``session.get``)
            return []
        return [
            {
                "key": "db",
                "topic": "db",
                "statement": f"handlers use `{name}` directly ({_pct(n, total)})",
                "data": {"name": name, "count": n, "pattern_ids": []},
            }
        ]
    return []


def _delete_conventions(routes: list[Route]) -> list[dict[str, Any]]:
    deletes = [r for r in routes if "DELETE" in r.methods]
    if not deletes:
        return []
    others = [r for r in routes if "DELETE" not in r.methods]

    def guards(rs: list[Route]) -> Counter[str]:
        c: Counter[str] = Counter()
        for r in rs:
            documenting = {
                short_decorator(str(t)) for t in r.meta.get("decorator_texts") or [] if _SCHEMA_DOC_RE.search(str(t))
            }
            for _name, text in route_mechanisms(r.meta):
                if text not in documenting:
                    c[text] += 1
        return c

    on_delete, elsewhere = guards(deletes), guards(others)
    # documentation and schema decorators (flask-restx, flask-smorest) guard nothing
    for c in (on_delete, elsewhere):
        for text in [t for t in c if _DOC_DECORATOR_RE.search(t)]:
            del c[text]
    extra = [
        t
        for t, n in on_delete.most_common()
        if n / len(deletes) > (elsewhere.get(t, 0) / max(len(others), 1)) + 0.25
        # a CSRF exemption loosens, it guards nothing (calibre-web's e-reader API: `@csrf.exempt`)
        and not _LOOSENS_RE.search(t.split("(", 1)[0])
    ]
    checks = Counter()  # check -> how many DELETE handlers make it
    checking: list[Route] = []  # the DELETE handlers with such a check in their body
    for r in deletes:
        found: set[str] = set()
        for x in (r.meta.get("aborts") or []) + (r.meta.get("http_errors") or []):
            if str(x) in ("403", "HTTP_403_FORBIDDEN", "status.HTTP_403_FORBIDDEN"):
                found.add("403 check")
        for x in r.meta.get("raises") or []:
            if re.search(r"Permission|Forbidden|Owner|NotAllowed", str(x)):
                found.add(f"raise {last_name(str(x))}")
        checks.update(found)
        if found:
            checking.append(r)
    n = len(deletes)
    handlers = f"{n} DELETE handler{'s' if n != 1 else ''}"
    parts = []
    if extra:  # (how many, when not all: OctoPrint's re-authentication is on 4 of 12)
        parts.append(
            "deletes add "
            + ", ".join(f"`{t}`" + (f" ({on_delete[t]} of {n})" if on_delete[t] < n else "") for t in extra[:2])
        )
    shown = ", ".join(f"{k} ×{v}" for k, v in checks.most_common(2))
    lone = ""  # one handler of several checking is no convention: said after the usual wording
    if len(checking) == n:
        parts.append(f"ownership/permission checks in the body ({shown})")
    elif len(checking) > 1:
        parts.append(f"{len(checking)} of them check ownership/permission in the body ({shown})")
    elif checking:
        lone = (
            f"only {_handler_name(checking[0])} checks ownership/permission in its body: {checks.most_common(1)[0][0]}"
        )
    # the usual code, when more of them set it than leave the default (letta: 7 of 27 set 204)
    codes = Counter(str(r.meta.get("status_code") or "") for r in deletes)
    code, k = codes.most_common(1)[0]
    if code:
        parts.append(f"return `status_code={code}`" + (f" ({k} of {n})" if k < n else ""))
    if lone and parts:
        parts.append(lone)
    statement = (
        (f"{handlers}: " + "; ".join(parts))
        if parts
        else f"{handlers}, guarded like the other routes (" + (lone or "no extra check found") + ")"
    )
    return [
        {
            "key": "deletes",
            "topic": "deletes",
            "statement": statement,
            "data": {
                "count": len(deletes),
                "extra": extra[:2],
                "checks": dict(checks),
                "checking": len(checking),
                "examples": [r.id for r in [*checking, *(r for r in deletes if r not in checking)][:2]],
                "pattern_ids": [],
            },
        }
    ]


def _handler_name(r: Route) -> str:
    """``favourite_view`` / ``OrderViewSet.destroy``, else the route's methods and path."""
    name = r.meta.get("handler")
    if name and r.meta.get("class") and str(name) != str(r.meta["class"]) and "." not in str(name):
        name = f"{r.meta['class']}.{name}"
    return f"`{name}`" if name else r.label


def _model_conventions(rows: list[PatternRow], usage: Counter[str]) -> list[dict[str, Any]]:
    models = [(pid, name, path, meta) for pid, kind, name, path, meta, _u, _s in rows if kind == "model"]
    if not models:
        return []
    orms = Counter(str(m[3].get("orm") or "orm") for m in models)
    used: Counter[str] = Counter()
    for m in models:
        used[str(m[3].get("orm") or "orm")] += usage.get(m[1], 0)
    # the ORM the code uses most, then the one with most models (generated or legacy mappings
    # can outnumber the models handlers actually use)
    orm = max(orms, key=lambda o: (used[o], orms[o], o))
    n = orms[orm]
    models = [m for m in models if str(m[3].get("orm") or "orm") == orm]
    style = ""
    mapped = sum(
        1
        for m in models
        if any(
            "Mapped" in str(f.get("type", "")) or str(f.get("type", "")).startswith("Mapped")
            for f in m[3].get("fields") or []
        )
    )
    if orm == "sqlalchemy" and mapped:
        style = " with 2.0 `Mapped[...]` / `mapped_column`"
    dirs = Counter(m[2].rsplit("/", 1)[0] if "/" in m[2] else "." for m in models)
    where = dirs.most_common(1)[0][0]
    return [
        {
            "key": "models",
            "topic": "models",
            "statement": f"models are {orm}{style} ({n} models, mostly in `{where}/`)",
            "data": {
                "orm": orm,
                "count": n,
                "pattern_ids": [max(models, key=lambda m: (usage.get(m[1], 0), len(m[3].get("fields") or [])))[0]],
            },
        }
    ]


def _test_conventions(rows: list[PatternRow]) -> list[dict[str, Any]]:
    tests = [(pid, name, path, meta) for pid, kind, name, path, meta, _u, _s in rows if kind == "test"]
    endpoint_tests = [t for t in tests if t[3].get("requests")]
    if not endpoint_tests:
        return []
    fixtures = [t for t in tests if t[3].get("fixture")]
    clients = Counter(str(t[3].get("client")) for t in endpoint_tests if t[3].get("client"))
    client = clients.most_common(1)[0][0] if clients else "client"
    files = Counter(t[2] for t in endpoint_tests)
    statement = f"endpoint tests call the API through `{client}` ({len(endpoint_tests)} tests in {len(files)} files)"
    if fixtures:
        statement += f"; the client fixture is `{fixtures[0][1]}` in {fixtures[0][2]}"
    return [
        {
            "key": "tests",
            "topic": "tests",
            "statement": statement,
            "data": {
                "client": client,
                "count": len(endpoint_tests),
                "pattern_ids": [fixtures[0][0]] if fixtures else [],
            },
        }
    ]


def _import_conventions(routes: list[Route], files_meta: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """What route modules import: the names a new route module will most likely need."""
    route_files = sorted({r.path for r in routes})
    if len(route_files) < 2:
        return []
    counts: Counter[tuple[str, str]] = Counter()
    aliases: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for path in route_files:
        seen = set()
        for imp in files_meta.get(path, {}).get("imports") or []:
            if imp.get("local") or not imp.get("name") or imp.get("name") == "*":
                continue
            module = absolute_module(path, str(imp.get("module") or ""), int(imp.get("level") or 0))
            if (module, str(imp["name"])) not in seen:
                aliases[(module, str(imp["name"]))][str(imp.get("alias") or "")] += 1
            seen.add((module, str(imp["name"])))
        counts.update(sorted(seen))
    threshold = max(2, len(route_files) // 5)
    common = [(key, n) for key, n in counts.most_common() if n >= threshold][:40]
    if not common:
        return []
    by_module: dict[str, list[str]] = defaultdict(list)
    weight: Counter[str] = Counter()
    for (module, name), n in common:
        # as most of them write it: ``gettext_lazy as _`` (code that calls ``_()`` needs the alias)
        alias, used = aliases[(module, name)].most_common(1)[0]
        by_module[module].append(f"{name} as {alias}" if alias and used * 2 > n else name)
        weight[module] += n
    lines = [f"from {m} import {', '.join(sorted(by_module[m]))}" for m, _ in weight.most_common()]
    return [
        {
            "key": "imports",
            "topic": "imports",
            "statement": f"route modules share imports ({len(common)} names used by at least {threshold} of "
            f"{len(route_files)} route modules; shown with the first exemplar)",
            "data": {"lines": lines, "modules": len(route_files), "pattern_ids": []},
        }
    ]


#: What a project's classes are grouped by for ``_base_conventions``, in the order shown.
_BASE_ROLES = ("views", "schemas", "models")
_MAX_BASES = 8


def _object_attribute(key: tuple[str, str], modules: ModuleIndex) -> tuple[str, str]:
    """``db.Model`` with ``from app.models.db import db`` resolves to (``app.models.db.db``,
    ``Model``); ``db`` is an object that project module defines, not a module, so the base is
    (``app.models.db``, ``db.Model``): the line imports ``db``, never a ``Model`` it lacks."""
    module, name = key
    parent, _, obj = module.rpartition(".")
    if module in modules.by_module or parent not in modules.by_module:
        return key
    return parent, f"{obj}.{name}"


def _merge_reexports(
    counts: Counter[tuple[str, str]],
    modules: ModuleIndex,
    files_meta: dict[str, dict[str, Any]],
    local: dict[str, set[str]],
) -> Counter[tuple[str, str]]:
    """One count per class: ``from app.models import LoggedModel`` and ``from app.models.base
    import LoggedModel`` (the package re-exports it) are the same base, shown as most written."""

    def canonical(key: tuple[str, str]) -> tuple[str, str]:
        for _ in range(4):
            path = modules.by_module.get(key[0])
            if path is None or key[1] in local.get(path, set()):
                return key
            nxt = imported_name(key[1], path, files_meta.get(path, {}).get("imports") or [], set())
            if nxt is None or nxt == key:
                return key
            key = nxt
        return key

    groups: dict[tuple[str, str], list[tuple[tuple[str, str], int]]] = defaultdict(list)
    for key, n in counts.items():
        groups[canonical(key)].append((key, n))
    merged: Counter[tuple[str, str]] = Counter()
    for spellings in groups.values():
        shown = sorted(spellings, key=lambda kv: (-kv[1], kv[0]))[0][0]
        merged[shown] = sum(n for _k, n in spellings)
    return merged


#: A helper class a route module defines that is a view all the same (a base for its views);
#: its other classes are schemas, typing helpers and enums (litellm's route modules define 166
#: ``Protocol`` and 119 ``TypedDict`` classes, Phoenix's pydantic response bodies).
_VIEW_NAME = re.compile(r"(View|ViewSet|Viewset|Resource|Handler|Api|API|Endpoint|Controller|Mixin)$")


def _base_conventions(
    rows: list[PatternRow], routes: list[Route], files_meta: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """What the project's views, schemas and models derive from, most used first: which
    generic view, which serializer or schema base, which model base a new class should use."""
    route_files = {r.path for r in routes}
    local: dict[str, set[str]] = defaultdict(set)
    for _pid, _kind, name, path, _meta, _u, _s in rows:
        if "." not in name:
            local[path].add(name)
    seen: set[tuple[str, str]] = set()
    # classes whose methods are routes (flask-restx ``ProjectList(Resource)``)
    route_classes = {
        (path, str(meta["class"])) for _p, kind, _n, path, meta, _u, _s in rows if kind == "route" and meta.get("class")
    }
    counts: dict[str, Counter[tuple[str, str]]] = {role: Counter() for role in _BASE_ROLES}
    modules = ModuleIndex(files_meta)
    for _pid, kind, name, path, meta, _u, _s in rows:
        bases = meta.get("bases") or []
        if not bases or is_test_path(path):
            continue
        cls = str(meta.get("class") or name) if kind == "route" else name
        if (path, cls) in seen:
            continue
        seen.add((path, cls))
        if kind in ("schema", "model"):
            role = kind + "s"
        elif path in route_files and kind in ("route", "class"):
            role = "views"
        else:
            continue
        if role == "views" and kind == "class" and (path, name) not in route_classes and not _VIEW_NAME.search(name):
            continue  # a schema, typing construct or enum a route module defines is no view
        imports = files_meta.get(path, {}).get("imports") or []
        for base in bases:
            resolved = imported_name(str(base), path, imports, local[path])
            if resolved and resolved[1] not in ("object", "Exception"):
                counts[role][_object_attribute(resolved, modules)] += 1
    lines: list[str] = []  # views, then schemas, then models (a list: stored JSON keeps no key order)
    parts: list[str] = []
    for role in _BASE_ROLES:
        counts[role] = _merge_reexports(counts[role], modules, files_meta, local)
        ranked = [(key, n) for key, n in counts[role].most_common() if not key[1].startswith("_")]
        if not ranked:
            continue
        # the usual bases, not the long tail: used by at least 3 classes and a tenth of the top one
        common = [(key, n) for key, n in ranked[:_MAX_BASES] if n >= max(3, ranked[0][1] // 10)]
        if not common:
            continue
        by_module: dict[str, list[str]] = {}
        for (module, name), _n in common:
            names = by_module.setdefault(module, [])
            if name.split(".")[0] not in names:  # ``db.Model``: the line imports ``db``
                names.append(name.split(".")[0])
        lines += [f"from {m} import {', '.join(names)}" for m, names in by_module.items()]
        parts.append(f"{role} from " + ", ".join(f"`{name}` ({n})" for (_m, name), n in common[:3]))
    if not lines:
        return []
    return [
        {
            "key": "bases",
            "topic": "bases",
            "statement": "classes derive from the project's usual bases: " + "; ".join(parts),
            "data": {"lines": lines, "pattern_ids": []},
        }
    ]


def _middleware_conventions(rows: list[PatternRow], files_meta: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    mws = [
        (pid, name, path)
        for pid, kind, name, path, _m, _u, _s in rows
        if kind == "middleware" and not is_test_path(path)
    ]
    if not mws:
        return []
    shown = ", ".join(f"`{n}` ({p})" for _, n, p in mws[:4])
    return [
        {
            "key": "middleware",
            "topic": "middleware",
            "statement": f"middleware and request hooks: {shown}",
            "data": {"count": len(mws), "pattern_ids": [m[0] for m in mws[:2]]},
        }
    ]


# --------------------------------------------------------------------------- Flask-AppBuilder


def _fab_registrations(files_meta: dict[str, dict[str, Any]]) -> dict[str, str]:
    """FAB class name -> ``path:line (appbuilder.add_api)`` of its registration."""
    out: dict[str, str] = {}
    for path, meta in sorted(files_meta.items()):
        for reg in meta.get("fab_registrations") or []:
            call = f"{reg.get('target') or 'appbuilder'}.{reg.get('call')}"
            out.setdefault(last_name(str(reg.get("view", ""))), f"{path}:{reg.get('line')} ({call})")
    return out


def _fab_inherited(routes: list[Route], files_meta: dict[str, dict[str, Any]]) -> None:
    """A Flask-AppBuilder base class's ``@expose`` handler is served by every subclass (in any
    file) that neither overrides it nor filters it out with ``include_route_methods`` /
    ``exclude_route_methods``: list them on the handler as ``inherited_by``."""
    classes: dict[str, dict[str, Any]] = {}
    for _path, meta in sorted(files_meta.items()):
        for name, info in (meta.get("fab_classes") or {}).items():
            classes.setdefault(name, info)
    if not classes:
        return
    children: dict[str, list[str]] = defaultdict(list)
    for name, info in classes.items():
        for base in info.get("bases") or []:
            if base != name:
                children[base].append(name)
    for r in routes:
        owner = r.meta.get("fab_class")
        if not owner or r.meta.get("implied") or owner not in children:
            continue
        method = str(r.meta.get("handler", "")).rsplit(".", 1)[-1]
        served: list[dict[str, str]] = []
        todo, seen = list(children[owner]), {owner}
        while todo:
            name = todo.pop(0)
            if name in seen:
                continue
            seen.add(name)
            info = classes[name]
            if method in (info.get("defines") or []):
                continue  # overridden: the subclass has its own route (or none)
            todo.extend(children.get(name, []))
            include = info.get("include")
            if (include is not None and method not in include) or method in (info.get("exclude") or []):
                continue
            served.append({"class": name, "full_path": _join(str(info.get("route_base") or ""), str(r.meta["path"]))})
        if served:
            r.meta["inherited_by"] = sorted(served, key=lambda x: x["class"])


def _fab_conventions(routes: list[Route]) -> list[dict[str, Any]]:
    """Flask-AppBuilder: the permissions ``@protect()`` checks, the ``self.response_4xx()``
    error helpers and how API classes are registered."""
    fab = [r for r in routes if r.meta.get("framework") == "flask-appbuilder"]
    if not fab:
        return []
    total = len(routes)
    out: list[dict[str, Any]] = []
    guarded = [r for r in fab if r.meta.get("permission")]
    if guarded:
        perms = Counter(str(r.meta["permission"]) for r in guarded)
        classes = {str(r.meta["fab_class"]) for r in guarded}
        named = {str(r.meta["fab_class"]) for r in guarded if r.meta.get("class_permission_name")}
        mapped = {str(r.meta["fab_class"]) for r in guarded if r.meta.get("method_permission_name")}
        shown = ", ".join(f"`{p}` ×{n}" for p, n in perms.most_common(6))
        statement = (
            f"FAB permissions: {_pct(len(guarded), total)} check `can_<permission> on <class_permission_name>` "
            f"(permissions {shown}); `class_permission_name` set on {len(named)} of {len(classes)} classes"
        )
        if mapped:
            statement += f", `method_permission_name` on {len(mapped)}"
        out.append(
            {
                "key": "auth:fab_permissions",
                "topic": "auth",
                "statement": statement,
                "data": {
                    "count": len(guarded),
                    "total": total,
                    "permissions": dict(perms),
                    "classes": len(classes),
                    "class_permission_name": len(named),
                    "pattern_ids": [],
                },
            }
        )
    helpers = [r for r in fab if r.meta.get("error_responses")]
    if helpers:
        codes = Counter(int(c) for r in helpers for c in r.meta["error_responses"])
        shown = ", ".join(f"`self.response_{c}()` ×{n}" for c, n in codes.most_common(5))
        example = max(helpers, key=lambda r: len(r.meta["error_responses"]))
        out.append(
            {
                "key": "errors:fab_responses",
                "topic": "errors",
                "statement": f"handlers return errors with FAB's response helpers ({_pct(len(helpers), total)}: "
                f"{shown}), e.g. `self.response_400(message=...)`",
                "data": {
                    "count": len(helpers),
                    "total": total,
                    "codes": {str(c): n for c, n in codes.items()},
                    "pattern_ids": [example.id],
                },
            }
        )
    written = [r for r in fab if not r.meta.get("implied")]
    decorated = [r for r in written if r.meta.get("decorators")]
    if decorated:
        counts = Counter(last_name(str(d)) for r in decorated for d in dict.fromkeys(r.meta["decorators"]))
        stacks = Counter(
            " ".join(_ARGS_RE.sub("(...)", " ".join(str(t).split())) for t in r.meta.get("decorator_texts") or [])
            for r in decorated
        )
        stack, n_stack = stacks.most_common(1)[0]
        shown = ", ".join(f"`@{d}` ×{n}" for d, n in counts.most_common(6))
        out.append(
            {
                "key": "fab_decorators",
                "topic": "decorators",
                "statement": f"`@expose` handlers written in the project use {shown} (of {len(written)}); "
                f"the most common stack is `@expose(...) {stack}` ({n_stack})",
                "data": {"count": len(written), "decorators": dict(counts), "stack": stack, "pattern_ids": []},
            }
        )
    classes: dict[str, Any] = {}
    for r in fab:
        classes.setdefault(str(r.meta["fab_class"]), r.meta.get("registered"))
    registered = {c: w for c, w in classes.items() if w}
    if registered:
        calls = Counter(str(w).rsplit("(", 1)[-1].rstrip(")") for w in registered.values())
        where = Counter(str(w).split(":", 1)[0] for w in registered.values())
        statement = (
            "FAB classes are registered with "
            + ", ".join(f"`{c}(...)` ×{n}" for c, n in calls.most_common(3))
            + f" in {where.most_common(1)[0][0]} ({len(registered)} of {len(classes)} classes with routes)"
        )
        out.append(
            {
                "key": "fab_registration",
                "topic": "registration",
                "statement": statement,
                "data": {"count": len(registered), "total": len(classes), "pattern_ids": []},
            }
        )
    return out
