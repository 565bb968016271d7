"""Cross-file linking for Django and Django REST Framework (used by ``memorybrain.linker``).

- **URLs**: walks the urlconfs from ``ROOT_URLCONF`` (then any urlconf nobody includes)
  through ``path()``/``re_path()``/``include()`` prefixes and DRF routers
  (``router.register(prefix, ViewSet)``) and gives every view handler its full path(s):
  ``{prefix}/`` for list/create, ``{prefix}/{pk}/`` for retrieve/update/partial_update/destroy,
  ``@action`` URLs, ``View.as_view()`` and function views.
- **settings**: merges the ``REST_FRAMEWORK``/``INSTALLED_APPS``/``MIDDLEWARE``/``DATABASES``
  read from the settings modules (split settings: the base module first).
- **conventions**: permissions (explicit ``permission_classes`` vs what views that set nothing
  inherit from ``settings.REST_FRAMEWORK``), authentication, throttling, pagination, the
  exception handler and its response shape, serializer validation, filtering and the
  project-wide defaults. They use the convention keys of the generic linker (``auth``,
  ``errors``, ``pagination``, ``validation``, ``rate_limit``) so packs and checklists use them.

Pure computation over the pattern rows and file metadata.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

from indexers.django import MIXIN_ACTIONS, VIEWSET_ACTIONS, is_auth_decorator
from memorybrain.modpath import imported_name
from memorybrain.paths import is_test_path

if TYPE_CHECKING:
    from memorybrain.linker import ModuleIndex, PatternRow, Route

DJANGO_FRAMEWORKS = frozenset({"drf", "django"})
#: Class attributes a view inherits from a project base view class.
INHERITED_ATTRS = (
    "permission_classes",
    "authentication_classes",
    "throttle_classes",
    "pagination_class",
    "serializer_class",
    "filterset_class",
    "lookup_field",
    "lookup_url_kwarg",
    "throttle_scope",
    "django_auth",
    "form_class",
    "paginate_by",
)

#: DRF's classes that define view attributes (an attribute lookup through the MRO stops at
#: them: the settings default, or DRF's own, applies): node -> the attributes it defines.
_DRF_API = ("rest_framework", "APIView")
_DRF_GENERIC = ("rest_framework", "GenericAPIView")
_DRF_DEFINES = {
    _DRF_API: frozenset({"permission_classes", "authentication_classes", "throttle_classes"}),
    _DRF_GENERIC: frozenset({"pagination_class", "serializer_class", "lookup_field", "lookup_url_kwarg"}),
}

#: DRF's own defaults when settings.REST_FRAMEWORK does not say.
_DRF_DEFAULTS = {
    "DEFAULT_PERMISSION_CLASSES": ["AllowAny"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["SessionAuthentication", "BasicAuthentication"],
}
_SETTINGS_FIRST = re.compile(r"(^|/)(settings|base|common|defaults?|settings_base)\.py$")


def _last(name: Any) -> str:
    return str(name).strip().rsplit(".", 1)[-1]


def _norm(path: str) -> str:
    path = re.sub(r"/{2,}", "/", "/" + path.lstrip("/"))
    return path


def _join(base: str, part: str) -> str:
    if not base:
        return part
    if not part:
        return base
    return base.rstrip("/") + "/" + part.lstrip("/")


# --------------------------------------------------------------------------- settings


def merged_settings(files_meta: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The project's settings: base modules first, later modules only fill what is missing.

    Returns {"rest_framework": {...}, "sources": {KEY: "path:line"}, "installed_apps",
    "middleware", "database_engine", "root_urlconf", "path"} (empty dict if none).
    """
    files = [p for p, m in files_meta.items() if m.get("django_settings")]
    if not files:
        return {}
    files.sort(key=lambda p: (not _SETTINGS_FIRST.search(p), "test" in p, p))
    out: dict[str, Any] = {"rest_framework": {}, "sources": {}, "path": files[0]}
    builders = {
        name: (path, b)
        for path, m in sorted(files_meta.items())
        for name, b in (m.get("drf_settings_builders") or {}).items()
    }
    for path in files:
        s = files_meta[path]["django_settings"]
        lines = s.get("rest_framework_lines") or {}
        rest = s.get("rest_framework") or {}
        call = s.get("rest_framework_call")
        source = path  # where the REST_FRAMEWORK keys are written
        if call and not rest:  # ``REST_FRAMEWORK = get_drf_settings(...)``: read what the function returns
            found = builders.get(_last(str(call)))
            if found is not None:
                source, builder = found
                rest, lines = builder["rest"], builder["lines"]
            elif "rest_framework_unread" not in out:
                line = (s.get("lines") or {}).get("REST_FRAMEWORK", 0)
                out["rest_framework_unread"] = f"`{call}(...)` ({path}:{line})"
        for key, value in rest.items():
            if key not in out["rest_framework"]:
                out["rest_framework"][key] = value
                out["sources"][key] = f"{source}:{lines.get(key, 0)}"
        for key in ("installed_apps", "middleware", "database_engine", "root_urlconf", "auth_user_model"):
            if s.get(key) and key not in out:
                out[key] = s[key]
                out["sources"][key] = f"{path}:{(s.get('lines') or {}).get(key, 0)}"
    return out


# --------------------------------------------------------------------------- urls


class DjangoUrls:
    """Every view's URL(s), from the urlconfs and routers of all files."""

    def __init__(
        self, files_meta: dict[str, dict[str, Any]], modules: ModuleIndex, rows: list[PatternRow] | None = None
    ) -> None:
        self.files_meta = files_meta
        self.modules = modules
        #: (file, view class) -> its class-level meta (bases, permission_classes, ...), for inheritance
        self.classes: dict[tuple[str, str], dict[str, Any]] = {}
        #: (file, viewset class) -> the standard actions it serves (inherited ones and its own methods)
        self.class_actions: dict[tuple[str, str], set[str]] = defaultdict(set)
        #: (file, viewset class) -> the standard actions it defines as methods
        self.own_methods: dict[tuple[str, str], set[str]] = defaultdict(set)
        #: (file, viewset class) -> its ``@action`` methods: {"action", "methods", "detail", "url_path", ...}
        self.extra_actions: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for _pid, kind, _name, path, meta, _u, _s in rows or []:
            if kind == "route" and meta.get("class") and meta.get("url_path") and meta.get("action"):
                self.extra_actions[(path, str(meta["class"]))].append(
                    {
                        "action": str(meta["action"]),
                        "methods": list(meta.get("methods") or []),
                        "detail": bool(meta.get("detail")),
                        "url_path": str(meta["url_path"]),
                        "url_name": meta.get("url_name"),
                        "handler": meta.get("handler"),
                    }
                )
            if kind == "route" and meta.get("class") and meta.get("url_path") is None:
                node = (path, str(meta["class"]))
                if meta.get("handler") == meta["class"]:
                    self.classes[node] = meta  # the class pattern first: it has the class attributes
                else:
                    self.classes.setdefault(node, meta)
                if meta.get("view_type") == "viewset":
                    self.class_actions[node].update(a["action"] for a in meta.get("actions") or [])
                    if meta.get("action") in VIEWSET_ACTIONS:
                        self.class_actions[node].add(str(meta["action"]))
                        self.own_methods[node].add(str(meta["action"]))
        #: the project's other classes (mixins): (file, class) -> (bases, viewset actions it defines)
        self.mixins: dict[tuple[str, str], tuple[list[str], list[str]]] = {
            (path, name): (list(meta.get("bases") or []), list(meta.get("viewset_actions") or []))
            for _pid, kind, name, path, meta, _u, _s in rows or []
            if kind == "class" and meta.get("bases") is not None
        }
        #: the project's plain classes that set view attributes (``class LocalSettingsMixin:
        #: pagination_class = ...``): (file, class) -> their attributes (indexer's ``django_mixins``)
        self.mixin_attrs: dict[tuple[str, str], dict[str, Any]] = {
            (path, name): m for path, fm in files_meta.items() for name, m in (fm.get("django_mixins") or {}).items()
        }
        self._mro: dict[tuple[str, str], list[tuple[str, str]]] = {}
        #: project class -> the project classes that list it among their bases
        self.subclasses: dict[tuple[str, str], list[str]] = defaultdict(list)
        for node in [*self.classes, *self.mixins, *self.mixin_attrs]:
            for base in self._bases(node):
                target = self.modules.resolve_name(node[0], str(base))
                if target is None or target == node or is_test_path(node[0]):
                    continue
                if node[1] not in self.subclasses[target]:
                    self.subclasses[target].append(node[1])
        #: viewset classes whose actions the indexer guessed from a base's name, corrected from
        #: that base when it is the project's: (file, class) -> the actions its class pattern serves
        self.corrected: dict[tuple[str, str], set[str]] = {}
        guessed = [n for n, m in self.classes.items() if m.get("actions_guessed")]
        for node in guessed:
            self._served(node, set())
        # any viewset also serves what the project's mixins among its bases define
        # (pulpcore's DistributionViewSet(ReadOnlyDistributionViewSet, AsyncUpdateMixin, ...))
        for node, meta in self.classes.items():
            if meta.get("view_type") != "viewset":
                continue
            extra: set[str] = set()
            for base in meta.get("bases") or []:
                target = self.modules.resolve_name(node[0], str(base))
                if target is not None and target not in self.classes and target in self.mixins:
                    extra |= self._mixin_actions(target, set())
            if extra - self.class_actions[node]:
                self.class_actions[node] |= extra
                self.corrected[node] = set(self.class_actions[node])
        self.settings = merged_settings(files_meta)
        #: (file, view name) -> [{"path", "actions"}]
        self.views: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        #: (file, viewset name) -> [{"base", "trailing_slash", "router", "prefix"}]
        self.viewsets: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self.router_prefix: dict[tuple[str, str], str] = {}
        #: routers whose URLs are known from ROOT_URLCONF down (not only relative to a urlconf
        #: mounted at run time)
        self.rooted_routers: set[tuple[str, str]] = set()
        #: URL name (``reverse("invoice-list")``) -> full path, filled as routes are resolved
        self.url_names: dict[str, str] = {}
        self._visited: set[tuple[str, str]] = set()
        #: (file, view class) -> [{"via", "under", "urlconf"}]: urlconf entries a classmethod of the
        #: class builds at run time (``*RoomView.get_urls(url_base="rooms")``), their URLs unread
        self.registered_via: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        #: (file, view name) -> [{"code": "500", "urlconf": "path:line"}]: ``handler500 = ...`` in a root urlconf
        self.error_handlers: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self._build()

    # -- urlconf walk

    def _module_file(self, module: str) -> str | None:
        return self.modules.by_module.get(module)

    def _ref_file(self, importer: str, ref: str) -> tuple[str, str] | None:
        """``include(api_urls)``/``include(views.urlpatterns)``: (file, var) it names."""
        head, _, rest = ref.partition(".")
        from memorybrain.modpath import absolute_module

        for imp in self.files_meta.get(importer, {}).get("imports") or []:
            bound = imp.get("alias") or imp.get("name") or str(imp.get("module", "")).split(".")[0]
            if bound != head:
                continue
            module = str(imp.get("module") or "")
            full = f"{module}.{imp['name']}" if imp.get("name") else (module if imp.get("alias") else head)
            full = absolute_module(importer, full, int(imp.get("level") or 0)) if imp.get("level") else full
            target = self._module_file(f"{full}.{rest}" if rest else full)
            if target:
                return target, "urlpatterns"
            target = self._module_file(full)
            if target:
                return target, rest or "urlpatterns"
        return None

    def _process(self, path: str, var: str, prefix: str, depth: int = 0, rooted: bool = False) -> None:
        if (path, var) in self._visited or depth > 12:
            return
        self._visited.add((path, var))
        meta = self.files_meta.get(path, {})
        for entry in meta.get("django_urls") or []:
            if entry.get("var") != var:
                continue
            route = _join(prefix, str(entry.get("route") or ""))
            if entry.get("include"):
                target = self._module_file(str(entry["include"]))
                if target:
                    self._process(target, "urlpatterns", route, depth + 1, rooted)
            elif entry.get("include_ref"):
                ref = str(entry["include_ref"])
                local = [e for e in meta.get("django_urls") or [] if e.get("var") == ref]
                found = (path, ref) if local else self._ref_file(path, ref)
                if found:
                    self._process(found[0], found[1], route, depth + 1, rooted)
            elif entry.get("router"):
                resolved = self._router_node(path, str(entry["router"]))
                if resolved and resolved not in self.router_prefix:
                    self.router_prefix[resolved] = route
                    if rooted:
                        self.rooted_routers.add(resolved)
            elif entry.get("via"):  # *RoomView.get_urls(url_base=...): routes built at run time
                target = self.modules.resolve_name(path, str(entry["view"]))
                if target:
                    under = (
                        _join(route, str(entry.get("url_base") or "")) if entry.get("url_base") is not None else route
                    )
                    self.registered_via[target].append(
                        {
                            "via": f"{_last(entry['view'])}.{_last(entry['via'])}",
                            "under": _norm(under),
                            "url_base_known": entry.get("url_base") is not None,
                            "urlconf": f"{path}:{entry.get('line')}",
                        }
                    )
            elif entry.get("view"):
                target = self.modules.resolve_name(path, str(entry["view"]))
                if target:
                    self.views[target].append(
                        {
                            "path": _norm(route),
                            "actions": entry.get("actions"),
                            "name": entry.get("name"),
                            "wrappers": entry.get("wrappers"),
                            "wrapper_texts": entry.get("wrapper_texts") or entry.get("wrappers"),
                            "urlconf": path,
                            "rooted": rooted,
                        }
                    )

    def _error_handlers(self, root: str | None) -> None:
        """``handler404 = views.not_found`` / ``handler500 = "pkg.views.server_error"``: the views
        Django renders its error pages with (read from the root urlconf when settings name it)."""
        for path, m in sorted(self.files_meta.items()):
            if root is not None and path != root:
                continue
            for h in m.get("django_error_handlers") or []:
                view = str(h.get("view") or "")
                target = None
                if h.get("dotted"):  # a dotted path Django imports
                    module, _, name = view.rpartition(".")
                    file = self._module_file(module) if module else None
                    if file:
                        target = self.modules.resolve_name(file, name) or (file, name)
                else:
                    target = self.modules.resolve_name(path, view)
                if target:
                    where = f"{path}:{h.get('line')}"
                    self.error_handlers[target].append({"code": str(h.get("code")), "urlconf": where})

    def _router_node(self, path: str, var: str) -> tuple[str, str] | None:
        if var in (self.files_meta.get(path, {}).get("django_routers") or {}):
            return path, var
        resolved = self.modules.resolve_name(path, var)
        if resolved and resolved[1] in (self.files_meta.get(resolved[0], {}).get("django_routers") or {}):
            return resolved
        return None

    def _build(self) -> None:
        urlconfs = sorted(p for p, m in self.files_meta.items() if m.get("django_urls"))
        included: set[str] = set()
        for p in urlconfs:
            for e in self.files_meta[p].get("django_urls") or []:
                if e.get("include"):
                    target = self._module_file(str(e["include"]))
                    if target:
                        included.add(target)
                elif e.get("include_ref"):  # include(api_urls), `from .api import urls as api_urls`
                    found = self._ref_file(p, str(e["include_ref"]))
                    if found and found[0] != p and found[1] == "urlpatterns":
                        included.add(found[0])
        roots = []
        root_conf = self.settings.get("root_urlconf")
        if root_conf and self._module_file(str(root_conf)):
            roots.append(self._module_file(str(root_conf)))
        roots += [p for p in urlconfs if p not in included and p not in roots]
        roots += [p for p in urlconfs if p not in roots]
        for i, root in enumerate(roots):
            if root:
                self._process(root, "urlpatterns", "", rooted=bool(root_conf) and i == 0)
        self._error_handlers(roots[0] if root_conf and roots else None)
        for p in urlconfs:  # urlconfs with other list names (api_patterns = [...]) not reached
            for var in dict.fromkeys(str(e.get("var")) for e in self.files_meta[p].get("django_urls") or []):
                self._process(p, var, "")
        # routers
        routers: dict[tuple[str, str], dict[str, Any]] = {}
        for p, m in self.files_meta.items():
            for var, info in (m.get("django_routers") or {}).items():
                routers[(p, var)] = info or {}

        def prefix_of(node: tuple[str, str], depth: int = 0) -> str:
            info = routers.get(node, {})
            if info.get("parent") and depth < 5:
                parent = self._router_node(node[0], str(info["parent"]))
                if parent:
                    lookup = info.get("lookup") or "parent"
                    base = _join(prefix_of(parent, depth + 1), str(info.get("parent_prefix") or ""))
                    return _join(base, f"{{{lookup}_pk}}")
            return self.router_prefix.get(node, "")

        def rooted(node: tuple[str, str], depth: int = 0) -> bool:
            parent = routers.get(node, {}).get("parent")
            found = self._router_node(node[0], str(parent)) if parent and depth < 5 else None
            return node in self.rooted_routers or (found is not None and rooted(found, depth + 1))

        for p, m in self.files_meta.items():
            for reg in m.get("router_registrations") or []:
                node = (p, str(reg.get("router")))
                info = routers.get(node, {})
                target = self.modules.resolve_name(p, str(reg.get("viewset")))
                if not target:
                    continue
                self.viewsets[target].append(
                    {
                        "base": _norm(_join(prefix_of(node), str(reg.get("prefix") or ""))),
                        "trailing_slash": info.get("trailing_slash", True),
                        "router": str(reg.get("router")),
                        "prefix": reg.get("prefix"),
                        "basename": reg.get("basename"),
                        "rooted": rooted(node),
                    }
                )

    def _served(self, node: tuple[str, str], seen: set[tuple[str, str]]) -> set[str]:
        """The standard actions a viewset class serves: for one whose actions were guessed from
        a project base's name, what its mixins, its own methods and that base really serve
        (``class_actions`` is corrected in place; a base outside the project keeps the guess)."""
        meta = self.classes.get(node) or {}
        if not meta.get("actions_guessed") or node in self.corrected or node in seen or len(seen) > 6:
            return self.corrected.get(node, self.class_actions.get(node, set()))
        seen = seen | {node}
        served = set(meta.get("mixin_actions") or []) | self.own_methods.get(node, set())
        found = False
        for base in meta.get("bases") or []:
            target = self.modules.resolve_name(node[0], str(base))
            if target is None or target == node:
                continue
            if target in self.classes:
                served |= self._served(target, seen)
            elif target in self.mixins:  # a project mixin: what it and its bases define
                served |= self._mixin_actions(target, set())
            else:
                continue
            found = found or str(base).lower().endswith("modelviewset")
        if not found:  # the base the guess came from is not the project's: keep the guess
            return self.class_actions.get(node, set())
        self.corrected[node] = served
        self.class_actions[node] = set(served)
        return served

    def _mixin_actions(self, node: tuple[str, str], seen: set[tuple[str, str]]) -> set[str]:
        """The viewset actions a project mixin serves: its own methods, DRF's mixins among its
        bases, and what its project bases serve (pulpcore's ``AsyncUpdateMixin``: update,
        partial_update)."""
        if node in seen or len(seen) > 6 or node not in self.mixins:
            return set()
        seen.add(node)
        bases, actions = self.mixins[node]
        out = set(actions)
        for base in bases:
            out |= set(MIXIN_ACTIONS.get(_last(str(base)), []))
            target = self.modules.resolve_name(node[0], str(base))
            if target is not None and target != node:
                out |= self._mixin_actions(target, seen)
        return out

    # -- class attributes through the MRO

    def _bases(self, node: tuple[str, str]) -> list[str]:
        meta = self.classes.get(node) or self.mixin_attrs.get(node)
        if meta is not None:
            return list(meta.get("bases") or [])
        return list(self.mixins.get(node, ([], []))[0])

    def mro(self, node: tuple[str, str], depth: int = 0) -> list[tuple[str, str]]:
        """The class's method resolution order as Python computes it (C3), over the project's
        classes; a base outside the project is one node, and DRF's view classes end in the
        ``APIView``/``GenericAPIView`` that define the attributes (``_DRF_DEFINES``).
        Left-to-right depth-first when the bases as read admit no C3 order."""
        if node in self._mro:
            return self._mro[node]
        self._mro[node] = [node]  # a cycle stops here
        if depth > 12:
            return [node]
        seqs: list[list[tuple[str, str]]] = []
        for base in self._bases(node):
            target = self.modules.resolve_name(node[0], str(base))
            if (
                target is not None
                and target != node
                and (target in self.classes or target in self.mixins or target in self.mixin_attrs)
            ):
                seqs.append(self.mro(target, depth + 1))
            else:
                seqs.append(_external_mro(str(base)))
        heads = [s[0] for s in seqs]
        merged = _c3([*seqs, heads])
        if merged is None:
            merged = list(dict.fromkeys(n for s in seqs for n in s))
        self._mro[node] = [node, *merged]
        return self._mro[node]

    def lookup(self, node: tuple[str, str], key: str) -> tuple[tuple[str, str], dict[str, Any]] | None:
        """The class after ``node`` in its MRO that sets ``key`` (a project view or mixin) and its
        attributes; None when no project class does before DRF's class that defines it."""
        for n in self.mro(node)[1:]:
            if n in _DRF_DEFINES:
                if key in _DRF_DEFINES[n]:
                    return None
                continue
            attrs = self.classes.get(n) or self.mixin_attrs.get(n)
            if attrs is not None and key in attrs:
                return n, attrs
        return None

    # -- per route

    def inherit(self, path: str, meta: dict[str, Any]) -> None:
        """Class attributes a view does not set but a project base view class does
        (``class OrderViewSet(BaseViewSet)``): copied, with ``inherited_from`` saying from where.
        A viewset's class pattern also gets the standard actions its project bases serve."""
        if not meta.get("class"):
            return
        node = (path, str(meta["class"]))
        seen = {node}
        if node in self.corrected and meta.get("handler") == meta.get("class"):
            _set_actions(meta, self.corrected[node] - self.own_methods.get(node, set()))
        own = set(self.class_actions.get(node, set()))
        inherited_actions: set[str] = set()
        # the @action methods of its project bases it does not redefine (misago's
        # ThreadPostsViewSet(ViewSet) serves the merge/move/split/... of the module's ViewSet)
        extra_actions: list[dict[str, Any]] = []
        named = {a["action"] for a in self.extra_actions.get(node, [])} | own
        # attributes: from the project classes of its MRO, views and plain mixins alike
        # (galaxy-ng's ``class APIView(LocalSettingsMixin, views.APIView)``)
        for key in INHERITED_ATTRS:
            found = self.lookup(node, key) if key not in meta else None
            if found is None:
                continue
            source, attrs = found
            meta[key] = attrs[key]
            meta.setdefault("inherited_from", {})[key] = f"{source[1]} ({source[0]})"
            runtime = (attrs.get("runtime_attrs") or {}).get(key)
            if runtime:  # computed at run time (read from settings): where, not a guess
                line = (attrs.get("lines") or {}).get(key)
                meta.setdefault("runtime_attrs", {})[key] = runtime
                meta.setdefault("runtime_from", {})[key] = f"{source[0]}:{line}" if line else source[0]
        for _depth in range(6):
            base_meta = None
            for base in self.classes.get(node, meta).get("bases") or []:
                target = self.modules.resolve_name(node[0], str(base))
                if target and target not in seen and target in self.classes:
                    node, base_meta = target, self.classes[target]
                    seen.add(node)
                    break
            if base_meta is None:
                break
            inherited_actions |= self.class_actions.get(node, set())
            for a in self.extra_actions.get(node, []):
                if a["action"] not in named:
                    named.add(a["action"])
                    extra_actions.append({**a, "inherited_from": f"{node[1]} ({node[0]})"})
        is_class_pattern = meta.get("handler") == meta.get("class") and meta.get("view_type") == "viewset"
        extra = [a for a in VIEWSET_ACTIONS if a in inherited_actions - own] if is_class_pattern else []
        if extra:
            _set_actions(meta, {a["action"] for a in meta.get("actions") or []} | set(extra))
        if is_class_pattern:
            if extra_actions:
                meta["inherited_actions"] = extra_actions
            else:
                meta.pop("inherited_actions", None)

    def resolve(self, path: str, meta: dict[str, Any]) -> None:
        """Set ``full_path``, ``path``, ``router`` and ``urls`` of one Django/DRF route in place;
        ``base_of`` on a class view no urlconf routes that other project classes subclass
        (galaxy-ng's ``api/base.py`` ``ModelViewSet``): a base class, not an unmounted view."""
        meta.pop("base_of", None)  # the meta read back from the store carries the last link's
        self._resolve(path, meta)
        name = str(meta.get("class") or "")
        children = self.subclasses.get((path, name)) if name else None
        routed = meta.get("urls") or meta.get("registered_via") or meta.get("django_error_handler")
        if children and not routed:
            meta["base_of"] = sorted(children)

    def _resolve(self, path: str, meta: dict[str, Any]) -> None:
        self.inherit(path, meta)
        meta.pop("rooted", None)  # the meta read back from the store carries the last link's
        name = str(meta.get("class") or meta.get("handler") or "")
        via = self.registered_via.get((path, name))
        if via:
            meta["registered_via"] = via
        handlers = self.error_handlers.get((path, name))
        if handlers:  # the project's error page view, not a URL of its own
            meta["django_error_handler"] = handlers
        if meta.get("view_type") == "viewset":
            regs = self.viewsets.get((path, name)) or []
            if regs and meta.get("verb_action"):
                # a router maps no verb-named method, but DRF dispatches a request to it on the
                # routes the router does generate for the class (misago's bulk `def delete`)
                self._verb_urls(meta, regs[0], self.class_actions.get((path, name), set()))
                return
            if regs:
                self._viewset_urls(meta, regs[0])
                return
        entries = self.views.get((path, name)) or []
        if entries:
            urls = []
            for e in entries:
                methods = list(meta.get("methods") or [])
                if e.get("actions"):  # ViewSet.as_view({"get": "list"})
                    wanted = [a["action"] for a in meta.get("actions") or []] or [meta.get("action")]
                    whole = meta.get("view_type") == "viewset" and meta.get("handler") == name
                    if not any(wanted) and whole:
                        # a viewset class whose actions are not known (a base outside the project,
                        # custom methods): it serves what the urlconf maps to it, less the actions
                        # its own method patterns serve
                        own = self.own_methods.get((path, name), set())
                        wanted = [str(act) for act in e["actions"].values() if act not in own]
                    elif not any(wanted):  # an APIView's handler: UserAPILoginView.as_view({"post": "post"})
                        wanted = [str(m).lower() for m in meta.get("methods") or []]
                    methods = [m for m, act in e["actions"].items() if act in wanted]
                    if not methods:
                        continue
                urls.append({"methods": methods, "path": e["path"]})
                if e.get("name"):
                    self.url_names.setdefault(str(e["name"]), e["path"])
                _urlconf_auth(meta, e)
            if not urls and meta.get("view_type") == "viewset" and meta.get("handler") == name:
                # its own methods serve every action mapped to it: the class is mounted there all the same
                urls = [{"methods": list(e["actions"] or []), "path": e["path"]} for e in entries if e.get("actions")]
            if urls:
                meta["urls"] = urls
                meta["full_path"] = urls[0]["path"]
                meta["path"] = urls[0]["path"]
                if any(e.get("rooted") for e in entries):
                    meta["rooted"] = True

    def _verb_urls(self, meta: dict[str, Any], reg: dict[str, Any], served: set[str]) -> None:
        """The routes a router generates for a viewset serving ``served`` (its list route for
        list/create, its detail route for the others) also take the verb of a method named
        like it (``def delete``); none generated, none served."""
        _base, _lookup, _slash, list_path, detail_path = _router_paths(meta, reg)
        paths = [list_path] if served & {"list", "create"} else []
        paths += [detail_path] if served - {"list", "create"} else []
        if not paths:
            return
        meta["urls"] = [{"methods": list(meta.get("methods") or []), "path": p} for p in paths]
        meta["full_path"] = paths[0]
        meta["path"] = reg.get("prefix")
        meta["router"] = reg.get("router")
        if reg.get("rooted"):
            meta["rooted"] = True

    def _viewset_urls(self, meta: dict[str, Any], reg: dict[str, Any]) -> None:
        base, lookup, slash, list_path, detail_path = _router_paths(meta, reg)
        urls: list[dict[str, Any]] = []
        if meta.get("actions") is not None and meta.get("action") is None:  # the class: inherited actions
            for a in meta.get("actions") or []:
                p = detail_path if a.get("detail") else list_path
                found = next((u for u in urls if u["path"] == p), None)
                if found:
                    found["methods"] += [m for m in a["methods"] if m not in found["methods"]]
                else:
                    urls.append({"methods": list(a["methods"]), "path": p})
            for a in meta.get("inherited_actions") or []:  # @action methods of its project bases
                urls.append({"methods": list(a.get("methods") or []), "path": _action_path(a, base, lookup, slash)})
        elif meta.get("url_path"):  # @action
            urls.append({"methods": list(meta.get("methods") or []), "path": _action_path(meta, base, lookup, slash)})
        elif meta.get("action"):
            urls.append(
                {"methods": list(meta.get("methods") or []), "path": detail_path if meta.get("detail") else list_path}
            )
        if not urls:
            urls.append({"methods": list(meta.get("methods") or []), "path": list_path})
        # DRF's URL names: {basename}-list, {basename}-detail, {basename}-{action url_name}
        basename = reg.get("basename") or str(meta.get("queryset_model") or "").lower()
        if basename:
            self.url_names.setdefault(f"{basename}-list", list_path)
            self.url_names.setdefault(f"{basename}-detail", detail_path)
            if meta.get("url_path"):
                url_name = meta.get("url_name") or str(meta.get("action") or "").replace("_", "-")
                self.url_names.setdefault(f"{basename}-{url_name}", urls[0]["path"])
            for a in meta.get("inherited_actions") or []:
                url_name = a.get("url_name") or str(a["action"]).replace("_", "-")
                self.url_names.setdefault(f"{basename}-{url_name}", _action_path(a, base, lookup, slash))
        meta["urls"] = urls
        meta["full_path"] = urls[0]["path"]
        meta["path"] = reg.get("prefix")
        meta["router"] = reg.get("router")
        if reg.get("rooted"):
            meta["rooted"] = True


def _external_mro(name: str) -> list[tuple[str, str]]:
    """A base outside the project, as an MRO: DRF's views end in the classes that define the
    view attributes (``ListAPIView`` -> it, ``GenericAPIView``, ``APIView``)."""
    last = _last(name)
    if last == "APIView":
        return [_DRF_API]
    if last == "GenericAPIView":
        return [_DRF_GENERIC, _DRF_API]
    if last == "ViewSetMixin":
        return [("", last)]
    if last == "ViewSet":
        return [("", last), _DRF_API]
    if last.endswith("APIView") or last.lower().endswith("viewset"):
        return [("", last), _DRF_GENERIC, _DRF_API]
    return [("", last)]


def _c3(seqs: list[list[tuple[str, str]]]) -> list[tuple[str, str]] | None:
    """C3 merge of linearizations; None when they admit no order."""
    seqs = [list(s) for s in seqs if s]
    out: list[tuple[str, str]] = []
    while seqs:
        head = next((s[0] for s in seqs if not any(s[0] in t[1:] for t in seqs)), None)
        if head is None:
            return None
        out.append(head)
        seqs = [t for t in ([x for x in s if x != head] for s in seqs) if t]
    return out


def _router_paths(meta: dict[str, Any], reg: dict[str, Any]) -> tuple[str, str, str, str, str]:
    """(base, lookup, slash, list path, detail path) of a viewset's router registration."""
    slash = "/" if reg.get("trailing_slash", True) else ""
    base = reg["base"].rstrip("/")
    lookup = meta.get("lookup_url_kwarg") or meta.get("lookup_field") or "pk"
    return base, lookup, slash, base + slash, f"{base}/{{{lookup}}}{slash}"


def _action_path(action: dict[str, Any], base: str, lookup: str, slash: str) -> str:
    """The URL of an ``@action``: ``{prefix}/{pk}/{url_path}/`` (detail) or ``{prefix}/{url_path}/``."""
    if action.get("detail"):
        return f"{base}/{{{lookup}}}/{action['url_path']}{slash}"
    return f"{base}/{action['url_path']}{slash}"


def _urlconf_auth(meta: dict[str, Any], entry: dict[str, Any]) -> None:
    """Access decorators a urlconf applies to the view (``login_required(View.as_view())``)
    guard it as if written on it: added to ``django_auth``, and ``urlconf_auth`` says where."""
    for name, text in zip(entry.get("wrappers") or [], entry.get("wrapper_texts") or [], strict=False):
        short = _last(str(name))
        if not is_auth_decorator(short):
            continue
        meta["django_auth"] = list(dict.fromkeys([*(meta.get("django_auth") or []), short]))
        found = meta.setdefault("urlconf_auth", [])
        if not any(f["name"] == short for f in found):
            found.append({"name": short, "text": str(text), "urlconf": entry.get("urlconf")})


_REVERSE = re.compile(r"""^(?:[\w.]+\.)?reverse(?:_lazy)?\(\s*f?["']([^"']+)["']""")


def resolve_test_requests(urls: DjangoUrls, meta: dict[str, Any]) -> dict[str, Any]:
    """A test's ``client.get(reverse("invoice-list"))`` request gets the view's full path
    (``reverse`` keeps the name), so packs find the tests of a resource; ``meta`` is not changed."""
    requests = meta.get("requests") or []
    if not urls.url_names or not any(r.get("reverse") or "reverse" in str(r.get("path")) for r in requests):
        return meta
    out = []
    for r in requests:
        m = _REVERSE.match(str(r.get("path") or ""))
        written = r.get("reverse") or (m.group(1) if m else None)
        name = str(written).rsplit(":", 1)[-1] if written else None
        if name and name in urls.url_names:
            out.append({**r, "path": urls.url_names[name], "reverse": written})
        else:
            out.append(r)
    return {**meta, "requests": out} if out != requests else meta


def django_summary(meta: dict[str, Any]) -> str:
    """``GET,POST /api/invoices/; GET,PUT,PATCH,DELETE /api/invoices/{pk}/ → InvoiceViewSet (...)``."""
    urls = meta.get("urls") or []
    handles = meta.get("django_error_handler") or []
    if urls:
        where = "; ".join(f"{','.join(u['methods']) or 'ANY'} {u['path']}" for u in urls)
        if handles:
            where += " (also " + ", ".join(f"handler{h['code']}" for h in handles) + ")"
    elif handles:  # handler500 → server_error (error page handler set in urls.py:41)
        where = ", ".join(f"handler{h['code']}" for h in handles)
    elif meta.get("registered_via"):  # ANY (registered through RoomView.get_urls(...) under /orga/rooms/ ...)
        where = f"{','.join(meta.get('methods') or []) or 'ANY'} (" + "; ".join(
            f"registered through {v['via']}(...) in {v['urlconf']}"
            + (f", URLs under {v['under']}" if v.get("url_base_known") else "")
            for v in meta["registered_via"][:2]
        )
        more = len(meta["registered_via"]) - 2
        where += f"; and {more} more)" if more > 0 else ")"
    elif meta.get("base_of"):  # ANY (base class of 12 project views, not routed)
        n = len(meta["base_of"])
        where = f"{','.join(meta.get('methods') or []) or 'ANY'} (base class of {n} project "
        where += f"class{'es' if n != 1 else ''}, e.g. {meta['base_of'][0]}; not routed)"
    else:
        where = f"{','.join(meta.get('methods') or []) or 'ANY'} (not in any urlconf found)"
    extras = []
    if handles and not urls:
        extras.append(f"error page handler set in {', '.join(dict.fromkeys(h['urlconf'] for h in handles))}")
    if meta.get("permission_classes") is not None:
        extras.append("permission_classes=[" + ", ".join(_last(x) for x in meta["permission_classes"]) + "]")
    if meta.get("django_auth"):
        in_urls = {f["name"]: f for f in meta.get("urlconf_auth") or []}
        extras.append(
            ", ".join(
                f"{in_urls[x]['text']}(…) in {in_urls[x]['urlconf']}" if x in in_urls else _auth_form(x)
                for x in meta["django_auth"]
            )
        )
    if meta.get("throttle_classes"):
        extras.append("throttle_classes=[" + ", ".join(_last(x) for x in meta["throttle_classes"]) + "]")
    if meta.get("serializer_class"):
        extras.append(f"serializer {_last(meta['serializer_class'])}")
    if meta.get("pagination_class") is not None and "pagination_class" in meta:
        extras.append(f"pagination {_last(meta['pagination_class'])}")
    out = f"{where} → {meta.get('handler', '?')}"
    return out + (f" ({'; '.join(extras)})" if extras else "")


# --------------------------------------------------------------------------- conventions


def _views(routes: list[Route]) -> dict[tuple[str, str], list[Route]]:
    """Routes grouped by view (class or function)."""
    out: dict[tuple[str, str], list[Route]] = defaultdict(list)
    for r in routes:
        if r.meta.get("base_of"):  # a project base view no urlconf routes: not a view of its own
            continue
        if r.meta.get("framework") in DJANGO_FRAMEWORKS:
            out[(r.path, str(r.meta.get("class") or r.meta.get("handler")))].append(r)
    return out


def _view_value(rs: list[Route], key: str) -> Any:
    """The class-level value of ``key`` for a view (the class pattern, else any method's)."""
    for r in sorted(rs, key=lambda r: r.meta.get("action") is not None):
        if key in r.meta and r.meta.get("url_path") is None:
            return r.meta[key]
    return None


def _runtime(rs: list[Route], key: str) -> tuple[str, str, str, str] | None:
    """(as written, what it is computed from, the class that sets it, file:line) when a view's
    ``key`` is computed at run time (``authentication_classes = GALAXY_AUTHENTICATION_CLASSES``,
    bound to ``perform_import(settings.GALAXY_AUTHENTICATION_CLASSES, ...)``); None otherwise."""
    for r in sorted(rs, key=lambda r: r.meta.get("action") is not None):
        runtime = r.meta.get("runtime_attrs") or {}
        if r.meta.get("url_path") is not None or key not in runtime or key not in r.meta:
            continue
        value = r.meta[key]
        written = str(value[0]) if isinstance(value, list) and value else str(value)
        via = (r.meta.get("inherited_from") or {}).get(key)
        name = str(via).split(" (", 1)[0] if via else str(r.meta.get("class") or r.meta.get("handler"))
        where = (r.meta.get("runtime_from") or {}).get(key) or r.path
        return written, str(runtime[key]), name, str(where)
    return None


def _runtime_text(key: str, found: tuple[str, str, str, str]) -> str:
    """``authentication_classes = GALAXY_AUTHENTICATION_CLASSES`` in `LocalSettingsMixin`
    (path:36), computed at run time from `settings.GALAXY_AUTHENTICATION_CLASSES` (not read)."""
    written, source, name, where = found
    text = f"`{key} = {written}` in `{name}` ({where}), computed at run time"
    return text + (f" from `{source}` (not read)" if source != written else " (not read)")


def _classes(rs: list[Route], key: str, settings: dict[str, Any]) -> tuple[list[str], list[str] | None] | None:
    """A view's ``permission_classes``/``authentication_classes``/``throttle_classes`` (last name
    segments) with the settings defaults spliced in where it writes
    ``api_settings.DEFAULT_PERMISSION_CLASSES + [X]``, and then the classes it adds (``[X]``;
    None when it does not extend the defaults). None: it sets none."""
    value = _view_value(rs, key)
    if value is None:
        return None
    setting = _default_setting(key)
    own = [_last(v) for v in value if _last(v) != setting]
    if len(own) == len(value):
        return own, None
    defaults = [_last(x) for x in settings.get("rest_framework", {}).get(setting) or _DRF_DEFAULTS.get(setting, [])]
    return [n for v in value for n in (defaults if _last(v) == setting else [_last(v)])], own


def _set_actions(meta: dict[str, Any], actions: set[str]) -> None:
    """A viewset class pattern serves ``actions``: its ``actions`` and ``methods``, in DRF's order."""
    meta["actions"] = [
        {"action": a, "methods": [VIEWSET_ACTIONS[a][0]], "detail": VIEWSET_ACTIONS[a][1]}
        for a in VIEWSET_ACTIONS
        if a in actions
    ]
    meta["methods"] = list(dict.fromkeys(x["methods"][0] for x in meta["actions"]))


def _default_setting(key: str) -> str:
    """``permission_classes`` -> ``DEFAULT_PERMISSION_CLASSES``."""
    return f"DEFAULT_{key.split('_', 1)[0].upper()}_CLASSES"


def _written(key: str, rs: list[Route], names: list[str], added: list[str] | None) -> str:
    """How a view sets its classes, as code: ``permission_classes = [A, B]``, the decorator form
    of an ``@api_view``, or ``api_settings.DEFAULT_PERMISSION_CLASSES + [X]``."""
    listed = f"[{', '.join(names if added is None else added)}]"
    if added is not None:
        listed = f"api_settings.{_default_setting(key)} + {listed}"
    if rs[0].meta.get("view_type") == "api_view":
        return f"@{key}({listed})"
    return f"{key} = {listed}"


def _labels(views: list[list[Route]], limit: int = 2) -> str:
    shown = []
    for rs in views[:limit]:
        r = rs[0]
        name = r.meta.get("class") or r.meta.get("handler")
        shown.append(f"{name} ({r.full_path})" if r.meta.get("full_path") else str(name))
    return ", ".join(shown) + (f", … (+{len(views) - limit})" if len(views) > limit else "")


def _setting_text(settings: dict[str, Any], key: str) -> str:
    src = settings.get("sources", {}).get(key)
    return f"settings.REST_FRAMEWORK['{key}']" + (f" ({src})" if src else "")


def _defs_by_name(rows: list[PatternRow]) -> dict[str, list[tuple[str, str, str, dict[str, Any]]]]:
    out: dict[str, list[tuple[str, str, str, dict[str, Any]]]] = defaultdict(list)
    for pid, kind, name, path, meta, _u, _s in rows:
        if kind not in ("route", "test"):
            out[name].append((pid, kind, path, meta))
    return out


def _ids(defs: dict[str, list[tuple[str, str, str, dict[str, Any]]]], name: str, kinds: tuple[str, ...]) -> list[str]:
    return [d[0] for d in defs.get(_last(name), []) if d[1] in kinds][:1]


def django_conventions(
    rows: list[PatternRow], routes: list[Route], files_meta: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Conventions of a Django/DRF project (empty when it has no Django views)."""
    views = _views(routes)
    if not views:
        return []
    settings = merged_settings(files_meta)
    defs = _defs_by_name(rows)
    out: list[dict[str, Any]] = []
    out += _permission_conventions(views, settings, defs)
    out += _authentication_conventions(views, settings, defs)
    out += _error_conventions(rows, routes, settings, defs)
    out += db_error_conventions(routes, defs, files_meta=files_meta)
    out += _pagination_conventions(views, settings, defs)
    out += _throttle_conventions(views, settings, defs)
    out += _validation_conventions(rows, views, defs)
    out += _form_conventions(views, defs)
    out += _page_pagination_conventions(views)
    out += _filter_conventions(views, settings, defs)
    out += _defaults_convention(settings, " ".join(c["statement"] for c in out))
    return out


def _form_conventions(views: dict[tuple[str, str], list[Route]], defs: dict[str, Any]) -> list[dict[str, Any]]:
    """Server-rendered pages validate input with Django forms (``form_class = RoomForm``):
    what a request for pages should follow, where an API follows its serializers."""
    plain = [rs for rs in views.values() if rs[0].meta.get("framework") == "django"]
    used: Counter[str] = Counter()
    for rs in plain:
        form = _view_value(rs, "form_class")
        if form:
            used[_last(str(form))] += 1
    n = sum(used.values())
    if n < 3:
        return []
    shown = ", ".join(f"`{name}`" for name, _ in used.most_common(3))
    top = used.most_common(1)[0][0]
    return [
        {
            "key": "validation:forms",
            "topic": "validation",
            "statement": f"pages validate input with Django forms: `form_class` on {n} of {len(plain)} plain Django "
            f"views ({shown})",
            "data": {
                "name": top,
                "count": n,
                "total": len(plain),
                "forms": [f for f, _ in used.most_common(3)],
                "pages": True,
                "pattern_ids": _ids(defs, top, ("schema", "class")),
            },
        }
    ]


def _page_pagination_conventions(views: dict[tuple[str, str], list[Route]]) -> list[dict[str, Any]]:
    """Server-rendered list pages paginate with ``paginate_by = 20`` (Django's ``ListView``)."""
    plain = [rs for rs in views.values() if rs[0].meta.get("framework") == "django"]
    sizes: Counter[str] = Counter()
    lists = 0  # list pages: a ListView base, or a page size of their own
    for rs in plain:
        size = _view_value(rs, "paginate_by")
        if size is not None:
            sizes[str(size)] += 1
        bases = _view_value(rs, "bases") or []
        lists += size is not None or any(_last(str(b)).endswith("ListView") for b in bases)
    n = sum(sizes.values())
    if n < 3:
        return []
    size, most = sizes.most_common(1)[0]
    return [
        {
            "key": "pagination:pages",
            "topic": "pagination",
            "statement": f"list pages paginate with `paginate_by` ({n} of {lists} list pages; "
            f"`paginate_by = {size}` on {most})",
            "data": {
                "name": "paginate_by",
                "form": f"paginate_by = {size}",
                "count": n,
                "total": lists,
                "pages": True,
                "pattern_ids": [],
            },
        }
    ]


def _permission_conventions(
    views: dict[tuple[str, str], list[Route]], settings: dict[str, Any], defs: dict[str, Any]
) -> list[dict[str, Any]]:
    drf = {k: rs for k, rs in views.items() if rs[0].meta.get("framework") == "drf"}
    plain = {k: rs for k, rs in views.items() if rs[0].meta.get("framework") == "django"}
    total = len(views)
    uses: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    explicit: list[list[Route]] = []
    inherit: list[list[Route]] = []
    public: list[list[Route]] = []
    extending = 0
    perm_names: dict[int, list[str]] = {}  # id(view) -> its classes
    for rs in drf.values():
        found = _classes(rs, "permission_classes", settings)
        if found is None:
            inherit.append(rs)
            continue
        explicit.append(rs)
        names, added = found
        perm_names[id(rs)] = names
        extending += added is not None
        form = _written("permission_classes", rs, names, added)
        if not names or names == ["AllowAny"]:
            public.append(rs)
        for n in set(names):
            uses[n] += 1
            forms[n][form] += 1
    django_auth: Counter[str] = Counter()
    in_urlconf: Counter[str] = Counter()  # applied in a urlconf: login_required(View.as_view())
    for rs in plain.values():
        wrapped = {f["name"] for r in rs for f in r.meta.get("urlconf_auth") or []}
        for a in {a for r in rs for a in r.meta.get("django_auth") or []}:
            django_auth[a] += 1
            in_urlconf[a] += a in wrapped
    default = [
        _last(x) for x in settings.get("rest_framework", {}).get("DEFAULT_PERMISSION_CLASSES") or []
    ] or _DRF_DEFAULTS["DEFAULT_PERMISSION_CLASSES"]
    from_settings = "DEFAULT_PERMISSION_CLASSES" in settings.get("rest_framework", {})
    project = {n for n in uses if any(d[1] == "dependency" for d in defs.get(n, []))}
    # what most views use leads (ephios: `IsAuthenticatedOrTokenHasScope` on 10 of 13), then the
    # project's own classes, then the others
    ranked = sorted(uses, key=lambda n: (-uses[n], n not in project, n))
    ranked = [n for n in ranked if n != "AllowAny"] or ranked
    ranked = ranked[:1] + sorted(ranked[1:], key=lambda n: (n not in project, -uses[n], n))
    parts: list[str] = []
    n_drf = len(drf)
    data: dict[str, Any] = {"total": n_drf or total, "drf_views": n_drf, "default": default, "inherit": len(inherit)}
    if from_settings:
        where = _setting_text(settings, "DEFAULT_PERMISSION_CLASSES")
    elif settings.get("rest_framework"):
        where = f"DRF's default (settings.REST_FRAMEWORK in {settings['path']} does not set DEFAULT_PERMISSION_CLASSES)"
    elif settings.get("rest_framework_unread"):
        where = (
            f"DRF's default, unless settings.REST_FRAMEWORK = {settings['rest_framework_unread']} sets one (not read)"
        )
    else:
        where = "DRF's default (no REST_FRAMEWORK in settings)"
    inherit_text = (
        f"{len(inherit)} of {n_drf} DRF views set nothing and inherit `{', '.join(default)}` from {where}"
        + (f": {_labels(inherit)}" if inherit else "")
    )
    main = ranked[0] if ranked else None
    if main is not None and uses[main] >= len(inherit):
        form = forms[main].most_common(1)[0][0]
        n = uses[main]
        users_of_main = [rs for rs in explicit if main in perm_names[id(rs)]]
        parts.append(
            f"views set `{form}`: `{main}` is used by {n} of {n_drf} DRF views (e.g. {_labels(users_of_main)})"
        )
        others = [f"`{o}` ({uses[o]})" for o in ranked[1:4]]
        if others:
            parts.append("also " + ", ".join(others))
        data.update(name=main, form=form, count=n, pattern_ids=_ids(defs, main, ("dependency", "class")))
        if inherit:
            parts.append(inherit_text)
    elif drf:
        # most views set nothing: the settings default is the convention
        parts.append(inherit_text)
        data.update(
            name=default[0],
            form=f"no permission_classes (inherit {', '.join(default)})",
            count=len(inherit),
            inherited=True,
            pattern_ids=_ids(defs, default[0], ("dependency", "class")),
        )
        if main is not None:
            parts.append(
                f"{len(explicit)} set `permission_classes`: " + ", ".join(f"`{o}` ({uses[o]})" for o in ranked[:3])
            )
            data["explicit"] = [[o, uses[o]] for o in ranked[:3]]
    if extending:
        parts.append(
            f"{extending} of the views that set `permission_classes` keep the settings defaults and add to "
            "them (`api_settings.DEFAULT_PERMISSION_CLASSES + [...]`)"
        )
    if public:
        parts.append("open to anyone (`AllowAny`): " + _labels(public))
    if django_auth:

        def form(a: str) -> str:  # how most views that use it apply it
            return f"{a}(View.as_view()) in the urlconf" if in_urlconf[a] * 2 > django_auth[a] else _auth_form(a)

        shown = ", ".join(
            f"`{form(a)}` ({n}"
            + (f", {in_urlconf[a]} in the urlconf" if 0 < in_urlconf[a] < n and in_urlconf[a] * 2 <= n else "")
            + ")"
            for a, n in django_auth.most_common(3)
        )
        parts.append(f"plain Django views ({len(plain)}) use {shown}")
        if not drf:
            a, n = django_auth.most_common(1)[0]
            data.update(name=a, form=form(a), count=n, total=len(plain), pattern_ids=_ids(defs, a, ("decorator",)))
    if "name" not in data:
        return []
    action_level = Counter(
        _last(p)
        for rs in drf.values()
        for r in rs
        if "permission_classes" in (r.meta.get("action_overrides") or [])
        for p in r.meta.get("permission_classes") or []
    )
    if action_level:
        parts.append("@action overrides: " + ", ".join(f"`{a}` ({n})" for a, n in action_level.most_common(2)))
    data["public"] = [rs[0].label for rs in public]
    data["by_class"] = dict(uses.most_common())  # permission class -> DRF views that list it
    data.setdefault("pattern_ids", [])
    return [{"key": "auth", "topic": "auth", "statement": "permissions: " + "; ".join(parts), "data": data}]


def _auth_form(name: str) -> str:
    """A mixin (``LoginRequiredMixin``, a project's ``EventPermissionRequired``) is written as a
    base class; a decorator (``login_required``) with ``@``."""
    return name if name[:1].isupper() else f"@{name}"


def _authentication_conventions(
    views: dict[tuple[str, str], list[Route]], settings: dict[str, Any], defs: dict[str, Any]
) -> list[dict[str, Any]]:
    drf = [rs for rs in views.values() if rs[0].meta.get("framework") == "drf"]
    if not drf:
        return []
    rest = settings.get("rest_framework", {})
    default = [_last(x) for x in rest.get("DEFAULT_AUTHENTICATION_CLASSES") or []]
    explicit = Counter()
    n_explicit = 0
    runtime: Counter[tuple[str, str, str, str]] = Counter()
    for rs in drf:
        found = _runtime(rs, "authentication_classes")
        if found is not None:  # computed at run time: where, not which classes
            runtime[found] += 1
            continue
        auth = _classes(rs, "authentication_classes", settings)
        if auth is not None:
            n_explicit += 1
            explicit.update(sorted(set(auth[0])))
    if not default and not explicit and not runtime:
        return []
    parts = []
    n_runtime = sum(runtime.values())
    # one statement per value, with the classes that set it (the mixin most views get it from first)
    by_value: dict[tuple[str, str], Counter[tuple[str, str, str, str]]] = defaultdict(Counter)
    for found, n in runtime.items():
        by_value[found[:2]][found] = n
    for _value, sources in sorted(by_value.items(), key=lambda kv: -sum(kv[1].values()))[:2]:
        (top, _n), *more = sources.most_common()
        text = f"{sum(sources.values())} of {len(drf)} DRF views get " + _runtime_text("authentication_classes", top)
        if more:
            text += "; also set in " + ", ".join(f"`{f[2]}` ({f[3]})" for f, _m in more[:2])
        parts.append(text)
    if default:
        parts.append(
            f"{len(drf) - n_explicit - n_runtime} of {len(drf)} DRF views inherit `{', '.join(default)}` from "
            + _setting_text(settings, "DEFAULT_AUTHENTICATION_CLASSES")
        )
    if explicit:
        parts.append(
            f"{n_explicit} set `authentication_classes` ("
            + ", ".join(f"`{a}` ×{n}" for a, n in explicit.most_common(3))
            + ")"
        )
    ids = [i for a, _ in explicit.most_common(2) for i in _ids(defs, a, ("dependency",))]
    return [
        {
            "key": "auth:authentication",
            "topic": "auth",
            "statement": "authentication: " + "; ".join(parts),
            "data": {
                "default": default,
                "count": n_explicit,
                "runtime": n_runtime,
                "total": len(drf),
                "pattern_ids": ids,
            },
        }
    ]


def _error_conventions(
    rows: list[PatternRow], routes: list[Route], settings: dict[str, Any], defs: dict[str, Any]
) -> list[dict[str, Any]]:
    exceptions = {name: d for name, ds in defs.items() for d in ds if d[1] == "exception"}
    api_excs = {n: d for n, d in exceptions.items() if _is_api_exception(n, exceptions)}
    handler_path = settings.get("rest_framework", {}).get("EXCEPTION_HANDLER")
    handler = None
    if handler_path:
        hname = _last(handler_path)
        handler = next((d for d in defs.get(hname, []) if d[1] in ("error_handler", "function")), None)
    else:  # none in settings: the project's own DRF handler, which views pick with get_exception_handler()
        own = [
            d
            for ds in defs.values()
            for d in ds
            if d[1] == "error_handler" and d[3].get("framework") == "drf" and not is_test_path(d[2])
        ]
        handler = own[0] if len(own) == 1 else None
    raised: Counter[str] = Counter()
    n_routes = 0
    for r in routes:
        names = {_last(x) for x in r.meta.get("raises") or []} & set(api_excs)
        if names:
            n_routes += 1
        raised.update(sorted(names))
    validation = [(name, d) for name, ds in defs.items() for d in ds if d[1] == "schema" and d[3].get("validators")]
    pages = _error_pages(routes)
    if not handler and not api_excs:
        if not pages:
            return []
        return [
            {
                "key": "errors",
                "topic": "errors",
                "statement": "errors: " + pages[0],
                "data": {"error_pages": pages[1], "pattern_ids": pages[2]},
            }
        ]
    parts = []
    shape = handler[3].get("response_shape") if handler else None
    if handler_path:
        if handler:
            parts.append(
                f"`{_last(handler_path)}` ({handler[2]}) is the EXCEPTION_HANDLER in "
                + _setting_text(settings, "EXCEPTION_HANDLER")
            )
            if shape:
                parts[-1] += f"; every error response is `{shape}`"
        else:
            parts.append(f"EXCEPTION_HANDLER is `{handler_path}` ({_setting_text(settings, 'EXCEPTION_HANDLER')})")
    elif handler:
        name = handler[3].get("qualname") or next(n for n, ds in defs.items() if handler in ds)
        parts.append(
            f"the project's DRF exception handler `{name}` ({handler[2]}) is not settings' EXCEPTION_HANDLER:"
            " views that use it select it (`get_exception_handler()`), the others use DRF's default"
            ' `{"detail": ...}`'
        )
        if shape:
            parts[-1] += f"; its error responses are `{shape}`"
    else:
        parts.append("errors use DRF's default handler: `{\"detail\": ...}` with the exception's status")
    bases: Counter[str] = Counter()
    for d in api_excs.values():
        for b in d[3].get("bases") or []:
            if _last(b) in api_excs:
                bases[_last(b)] += 1
    base = bases.most_common(1)[0][0] if bases else None
    shown = [x for x, _ in raised.most_common(4)] or sorted(api_excs)[:4]
    if shown:
        with_status = [
            f"`{x}`" + (f" ({api_excs[x][3]['status_code']})" if api_excs[x][3].get("status_code") else "")
            for x in shown
        ]
        text = "project APIException subclasses " + ", ".join(with_status)
        if base:
            text += f" (base `{base}`)"
        if n_routes:
            text += f" are raised in {n_routes} of {len(routes)} handlers"
        parts.append(text)
    if validation:
        parts.append(
            "serializers raise `serializers.ValidationError` in `validate_<field>`/`validate` "
            f"({len(validation)} serializers) → 400"
        )
    if pages:
        parts.append(pages[0])
    ids = ([handler[0]] if handler else []) + [
        i for x in ([base] if base else []) + shown[:2] for i in _ids(defs, x, ("exception",))
    ]
    ids += pages[2] if pages else []
    return [
        {
            "key": "errors",
            "topic": "errors",
            "statement": "errors: " + "; ".join(parts),
            "data": {
                "exceptions": shown,
                "base": base,
                "count": n_routes,
                "total": len(routes),
                "shape": shape,
                "handler": _last(handler_path) if handler_path else None,
                "error_pages": pages[1] if pages else {},
                "pattern_ids": list(dict.fromkeys(ids)),
            },
        }
    ]


def _error_pages(routes: list[Route]) -> tuple[str, dict[str, str], list[str]] | None:
    """The error page views the root urlconf names (``handler500 = "pkg.views.server_error"``):
    (``error pages: `handler500` → `server_error` (urls.py:41)``, {code: view}, their ids)."""
    found: dict[str, tuple[str, str, str]] = {}
    for r in routes:
        for h in r.meta.get("django_error_handler") or []:
            view = str(r.meta.get("class") or r.meta.get("handler") or "?")
            found.setdefault(str(h.get("code")), (view, str(h.get("urlconf")), r.id))
    if not found:
        return None
    codes = sorted(found)
    text = "error pages: " + ", ".join(f"`handler{c}` → `{found[c][0]}` ({found[c][1]})" for c in codes)
    return text, {c: found[c][0] for c in codes}, list(dict.fromkeys(found[c][2] for c in codes))


_DB_ERRORS = re.compile(
    r"IntegrityError|DatabaseError|OperationalError|DoesNotExist|ProtectedError|RestrictedError"
    r"|SQLAlchemyError|NoResultFound|MultipleResultsFound|UniqueViolation|ForeignKeyViolation|DBAPIError"
)


def db_error_conventions(
    routes: list[Route],
    defs: dict[str, Any],
    django: bool = True,
    files_meta: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """``except IntegrityError: raise Conflict(...)`` in view bodies: how database errors become
    HTTP errors (Django views, or with ``django=False`` the other routes: ``raise
    HTTPException(409)``, ``abort(409)``). A Django view counts when an ``except`` clause of its
    own that catches a database error raises an HTTP error (``_is_http_error``): catching
    ``DoesNotExist`` to return, or raising an exception the UI shows as a message, is no HTTP error.
    Other routes likewise, per ``except`` clause (``except_raises`` from ``indexers.refs``): the
    clause catching the database error raises an HTTP error, calls ``abort(...)`` or returns an
    error response (fides' ``except IntegrityError: failed.append(...)`` is none)."""
    caught: Counter[str] = Counter()
    raised: Counter[str] = Counter()
    where: list[tuple[Route, int | None]] = []
    exceptions = {name: d for name, ds in defs.items() for d in ds if d[1] == "exception"}
    for r in routes:
        if (r.meta.get("framework") in DJANGO_FRAMEWORKS) != django:
            continue
        if django:  # the raise in the clause that catches the database error
            clauses = [
                (c, [x for x in c.get("raises") or [] if _is_http_error(str(x), r.path, exceptions, files_meta)])
                for c in r.meta.get("except_raises") or []
                if any(_DB_ERRORS.search(str(x)) for x in c.get("catches") or [])
            ]
            clauses = [(c, xs) for c, xs in clauses if xs]
            if not clauses:
                continue
            db = [_last(x) for c, _xs in clauses for x in c.get("catches") or [] if _DB_ERRORS.search(str(x))]
            then = {f"raise {x}" for _c, xs in clauses for x in xs}  # as written: `exceptions.ValidationError`
            where.append((r, clauses[0][0].get("line")))
        else:  # the clause that catches the database error raises an HTTP error, aborts or returns one
            answers = []
            for c in r.meta.get("except_raises") or []:
                if not any(_DB_ERRORS.search(str(x)) for x in c.get("catches") or []):
                    continue
                said = [
                    f"raise {_last(x)}"
                    for x in c.get("raises") or []
                    if _is_http_error(str(x), r.path, exceptions, files_meta)
                ]
                said += [f"abort({a})" for a in c.get("aborts") or []]
                said += [str(x) for x in c.get("returns") or []]
                if said:  # caught and logged, collected or retried: no HTTP error said
                    answers.append((c, said))
            if not answers:
                continue
            db = [_last(x) for c, _s in answers for x in c.get("catches") or [] if _DB_ERRORS.search(str(x))]
            then = {x for _c, said in answers for x in said}
            where.append((r, answers[0][0].get("line")))
        caught.update(sorted(set(db)))
        raised.update(sorted(then))
    if not where:
        return []
    exc = ", ".join(f"`{c}`" for c, _ in caught.most_common(3))
    then = ", ".join(f"`{x}`" for x, _ in raised.most_common(2))
    who = "views" if django else "handlers"
    first, line = where[0]
    example = f"{first.meta.get('handler')} in {first.path}:{line}" if django else first.label
    statement = f"database errors: {who} catch {exc}" + (f" and {then}" if then else "")
    statement += f" ({len(where)} handler{'s' if len(where) != 1 else ''}, e.g. {example})"
    ids = [first.id] + [
        i for x, _ in raised.most_common(1) for i in _ids(defs, _last(x.removeprefix("raise ")), ("exception",))
    ]
    return [
        {
            "key": "errors:db",
            "topic": "db_errors",
            "statement": statement,
            "data": {
                "count": len(where),
                "caught": [c for c, _ in caught.most_common()],
                "then": [x for x, _ in raised.most_common(1)],
                "pattern_ids": ids,
            },
        }
    ]


#: DRF's exceptions (``rest_framework.exceptions``; ``serializers.ValidationError``): each has a status.
_DRF_HTTP = frozenset(
    {
        "APIException",
        "ValidationError",
        "ParseError",
        "AuthenticationFailed",
        "NotAuthenticated",
        "PermissionDenied",
        "NotFound",
        "MethodNotAllowed",
        "NotAcceptable",
        "UnsupportedMediaType",
        "Throttled",
    }
)
#: Django's exceptions its request handler turns into a response (404, 403, 400).
_DJANGO_HTTP = frozenset({"Http404", "PermissionDenied", "SuspiciousOperation", "BadRequest"})
#: Names that are an HTTP error whatever module they come from (Django's ``ValidationError``
#: raised in a view is a 500, so that name needs DRF's module).
_HTTP_NAMES = (_DRF_HTTP | _DJANGO_HTTP | {"HTTPException", "HttpError", "HTTPError"}) - {"ValidationError"}


def _is_http_error(
    written: str, path: str, exceptions: dict[str, Any], files_meta: dict[str, dict[str, Any]] | None
) -> bool:
    """Whether ``raise <written>`` in a view of ``path`` is answered with an HTTP error status:
    DRF's exceptions, Django's ``Http404``/``PermissionDenied``/``SuspiciousOperation``, an
    ``HTTPException``, or a project exception with a status or one of those among its bases."""
    last = _last(written)
    if last in exceptions:  # the project's own
        return _maps_to_status(last, exceptions)
    imports = (files_meta or {}).get(path, {}).get("imports") or []
    module = (imported_name(written, path, imports) or ("", ""))[0]
    if module.startswith("rest_framework"):
        return last in _DRF_HTTP
    if module.startswith("django"):
        return last in _DJANGO_HTTP
    if module.startswith(("werkzeug.exceptions", "http.client")):
        return True
    return last in _HTTP_NAMES


def _maps_to_status(name: str, exceptions: dict[str, Any], depth: int = 0) -> bool:
    d = exceptions.get(name)
    if d is None or depth > 6:
        return False
    if d[3].get("status_code") is not None:
        return True
    for b in d[3].get("bases") or []:
        last = _last(b)
        if last in _DRF_HTTP or last in _HTTP_NAMES:
            return True
        if last != name and _maps_to_status(last, exceptions, depth + 1):
            return True
    return False


def _is_api_exception(name: str, exceptions: dict[str, Any], depth: int = 0) -> bool:
    d = exceptions.get(name)
    if d is None or depth > 6:
        return False
    for b in d[3].get("bases") or []:
        last = _last(b)
        if last in (
            "APIException",
            "ValidationError",
            "PermissionDenied",
            "NotFound",
            "NotAuthenticated",
            "AuthenticationFailed",
            "Throttled",
            "ParseError",
            "MethodNotAllowed",
        ):
            return True
        if _is_api_exception(last, exceptions, depth + 1):
            return True
    return False


def _pagination_conventions(
    views: dict[tuple[str, str], list[Route]], settings: dict[str, Any], defs: dict[str, Any]
) -> list[dict[str, Any]]:
    rest = settings.get("rest_framework", {})
    default = rest.get("DEFAULT_PAGINATION_CLASS")
    lists = [rs for rs in views.values() if _is_list_view(rs)]
    explicit: Counter[str] = Counter()
    n_explicit = 0
    runtime: Counter[tuple[str, str, str, str]] = Counter()
    for rs in lists:
        found = _runtime(rs, "pagination_class")
        if found is not None:  # computed at run time (read from settings): which class is not known
            runtime[found] += 1
            n_explicit += 1
            continue
        value = next((r.meta["pagination_class"] for r in rs if "pagination_class" in r.meta), "unset")
        if value != "unset":
            n_explicit += 1
            explicit[_last(value) if value else "None"] += 1
    top_runtime = runtime.most_common(1)[0] if runtime else None
    if top_runtime and top_runtime[1] >= max([len(lists) - n_explicit if default else 0, *explicit.values()]):
        return [_runtime_pagination(top_runtime[0], top_runtime[1], len(lists), explicit)]
    # `pagination_class = None` turns pagination off: no class a new list view should use
    main = _last(default) if default else next((k for k, _n in explicit.most_common() if k != "None"), None)
    if not main:
        return []
    parts = []
    d = next((x for x in defs.get(main, []) if x[1] == "pagination"), None)
    keys = list(d[3].get("returns_keys") or []) if d else []
    if default:
        text = f"list endpoints paginate with `{main}` from {_setting_text(settings, 'DEFAULT_PAGINATION_CLASS')}"
        if rest.get("PAGE_SIZE"):
            text += f", PAGE_SIZE {rest['PAGE_SIZE']}"
        text += f" ({len(lists) - n_explicit} of {len(lists)} list views inherit it)"
        parts.append(text)
    if keys:
        parts.append("responses are `{" + ", ".join(keys) + "}`")
    if explicit:
        parts.append(
            "`pagination_class` set on "
            + ", ".join(f"`{k}` ×{n}" + (" (unpaginated)" if k == "None" else "") for k, n in explicit.most_common(3))
        )
    ids = [d[0]] if d else []
    ids += [i for k, _ in explicit.most_common(1) if k != main for i in _ids(defs, k, ("pagination",))]
    return [
        {
            "key": "pagination",
            "topic": "pagination",
            "statement": "pagination: " + "; ".join(parts),
            "data": {
                "name": main,
                "count": len(lists) - n_explicit if default else n_explicit,
                "keys": keys,
                "pattern_ids": ids,
            },
        }
    ]


def _runtime_pagination(found: tuple[str, str, str, str], n: int, total: int, explicit: Counter[str]) -> dict[str, Any]:
    """Most list views paginate with a class read at run time (galaxy-ng's ``LocalSettingsMixin.
    pagination_class = GALAXY_PAGINATION_CLASS``, from settings): say where, not which class."""
    text = f"list endpoints paginate with {_runtime_text('pagination_class', found)} ({n} of {total} list views)"
    if explicit:
        text += "; `pagination_class` set on " + ", ".join(
            f"`{k}` ×{c}" + (" (unpaginated)" if k == "None" else "") for k, c in explicit.most_common(3)
        )
    return {
        "key": "pagination",
        "topic": "pagination",
        "statement": "pagination: " + text,
        "data": {
            "name": f"{found[2]}.pagination_class",
            "count": n,
            "keys": [],
            "runtime": found[1],
            "pattern_ids": [],
        },
    }


def _is_list_view(rs: list[Route]) -> bool:
    for r in rs:
        if r.meta.get("action") == "list" or any(a.get("action") == "list" for a in r.meta.get("actions") or []):
            return True
        if r.meta.get("view_type") == "generic" and any("List" in _last(b) for b in r.meta.get("bases") or []):
            return True
    return False


def _throttle_conventions(
    views: dict[tuple[str, str], list[Route]], settings: dict[str, Any], defs: dict[str, Any]
) -> list[dict[str, Any]]:
    rest = settings.get("rest_framework", {})
    default = [_last(x) for x in rest.get("DEFAULT_THROTTLE_CLASSES") or []]
    rates = rest.get("DEFAULT_THROTTLE_RATES") or {}
    if isinstance(rates, dict):  # literal rates only (Weblate passes them in as arguments)
        rates = {k: v for k, v in rates.items() if re.fullmatch(r"\s*\d+\s*/\s*\w+\s*", str(v))}
    explicit: Counter[str] = Counter()
    forms: Counter[str] = Counter()
    who: list[list[Route]] = []
    drf = [rs for rs in views.values() if rs[0].meta.get("framework") == "drf"]
    for rs in drf:
        th = _classes(rs, "throttle_classes", settings)
        if th is not None:
            who.append(rs)
            names, added = th
            explicit.update(sorted(set(names)))
            forms[_written("throttle_classes", rs, names, added)] += 1
    if not default and not explicit:
        return []
    parts = []
    inheriting = len(drf) - len(who)
    if default and all(d.endswith("ScopedRateThrottle") for d in default):
        # a scoped throttle limits only the views that name a ``throttle_scope``
        scoped = [rs for rs in drf if rs not in who and _view_value(rs, "throttle_scope")]
        inheriting = len(scoped)
        scopes = Counter(str(_view_value(rs, "throttle_scope")) for rs in scoped)
        text = (
            f"`{', '.join(default)}` from {_setting_text(settings, 'DEFAULT_THROTTLE_CLASSES')} "
            f"throttles only views that set `throttle_scope`: {len(scoped)} of {len(drf)} DRF views"
            + (" (" + ", ".join(f"`{k}` ×{v}" for k, v in scopes.most_common(4)) + ")" if scopes else "")
        )
    elif default:
        text = (
            f"`{', '.join(default)}` from {_setting_text(settings, 'DEFAULT_THROTTLE_CLASSES')} "
            f"on the {inheriting} DRF views that set nothing"
        )
    if default:
        if isinstance(rates, dict) and rates:
            text += " (rates " + ", ".join(f"{k} {v}" for k, v in rates.items()) + ")"
        parts.append(text)
    if explicit:
        parts.append(
            f"{len(who)} views set their own: " + _labels(who) + " — e.g. `" + forms.most_common(1)[0][0] + "`"
        )
    if default and (not explicit or inheriting >= explicit.most_common(1)[0][1]):
        name, n, form = default[0], inheriting, f"{', '.join(default)} (settings DEFAULT_THROTTLE_CLASSES)"
    else:
        (name, n), form = explicit.most_common(1)[0], forms.most_common(1)[0][0]
    return [
        {
            "key": "rate_limit",
            "topic": "rate_limit",
            "statement": "throttling: " + "; ".join(parts),
            "data": {
                "name": name,
                "form": form,
                "count": n,
                "default": default,
                "pattern_ids": _ids(defs, name, ("dependency",)),
            },
        }
    ]


def _validation_conventions(
    rows: list[PatternRow], views: dict[tuple[str, str], list[Route]], defs: dict[str, Any]
) -> list[dict[str, Any]]:
    serializers = {
        name: d for name, ds in defs.items() for d in ds if d[1] == "schema" and d[3].get("library") == "drf"
    }
    if not serializers:
        return []
    used: Counter[str] = Counter()
    for rs in views.values():
        s = _view_value(rs, "serializer_class")
        names = {_last(s)} if s else set()
        names |= {_last(x) for r in rs for x in r.meta.get("schemas") or []} & set(serializers)
        used.update(sorted(names))
    validators = [(n, d[3]["validators"]) for n, d in serializers.items() if d[3].get("validators")]
    nested = [(n, x) for n, d in serializers.items() for x in d[3].get("nested") or []]
    parts = []
    if used:
        # of the DRF views: server-rendered pages have no serializer_class (ephios: 12 of 137 views)
        drf = [rs for rs in views.values() if rs[0].meta.get("framework") == "drf"]
        parts.append(
            "DRF serializers validate input and shape output: `serializer_class` on "
            f"{sum(1 for rs in drf if _view_value(rs, 'serializer_class'))} of {len(drf)} DRF views ("
            + ", ".join(f"`{n}`" for n, _ in used.most_common(3))
            + ")"
        )
    else:
        parts.append(f"{len(serializers)} DRF serializers")
    if validators:
        examples = [f"`{n}.{v[0]}`" for n, v in validators[:2]]
        # what they raise, and the status it gives, is the errors convention's to say
        parts.append(
            f"field validators `validate_<field>` in {len(validators)} serializers (e.g. {', '.join(examples)})"
        )
    if nested:
        parts.append(
            "nested serializers: " + ", ".join(f"`{n}.{x['name']}` → `{x['serializer']}`" for n, x in nested[:2])
        )
    top = [n for n, _ in used.most_common(3)] or [n for n, _ in validators[:3]]
    # a `serializer_class` may name a serializer the project builds at run time
    # (`TaskSerializer = load_func(settings.TASK_SERIALIZER)`): only defined ones have patterns
    known = [n for n in used if n in serializers] or [n for n in top if n in serializers]
    best = sorted(known, key=lambda n: (-len(serializers[n][3].get("validators") or []), -used[n], n))[:3]
    return [
        {
            "key": "validation",
            "topic": "validation",
            "statement": "; ".join(parts),
            "data": {
                "library": "DRF",
                "schemas": best,
                "outputs": top,
                "count": sum(used.values()),
                "pattern_ids": [serializers[n][0] for n in best[:2]],
            },
        }
    ]


def _filter_conventions(
    views: dict[tuple[str, str], list[Route]], settings: dict[str, Any], defs: dict[str, Any]
) -> list[dict[str, Any]]:
    backends = [_last(x) for x in settings.get("rest_framework", {}).get("DEFAULT_FILTER_BACKENDS") or []]
    filtersets: Counter[str] = Counter()
    for rs in views.values():
        f = _view_value(rs, "filterset_class")
        if f:
            filtersets[_last(f)] += 1
    if not backends and not filtersets:
        return []
    parts = []
    if backends:
        parts.append(
            f"filter backends `{', '.join(backends)}` from {_setting_text(settings, 'DEFAULT_FILTER_BACKENDS')}"
        )
    if filtersets:
        parts.append("`filterset_class` on " + ", ".join(f"`{k}` ({n})" for k, n in filtersets.most_common(3)))
    ids = [i for k, _ in filtersets.most_common(1) for i in _ids(defs, k, ("schema",))]
    return [
        {
            "key": "filters",
            "topic": "filters",
            "statement": "filtering: " + "; ".join(parts),
            "data": {"backends": backends, "count": sum(filtersets.values()), "pattern_ids": ids},
        }
    ]


def _defaults_convention(settings: dict[str, Any], stated: str = "") -> list[dict[str, Any]]:
    """What views that set nothing get from settings.REST_FRAMEWORK, leaving out the settings
    the other conventions already name (``stated``: their statements), plus the project's
    middleware and database."""
    rest = settings.get("rest_framework") or {}
    if not settings:
        return []
    parts = []
    for key, label in (
        ("DEFAULT_PERMISSION_CLASSES", "permission"),
        ("DEFAULT_AUTHENTICATION_CLASSES", "authentication"),
        ("DEFAULT_PAGINATION_CLASS", "pagination"),
        ("PAGE_SIZE", "page size"),
        ("DEFAULT_THROTTLE_CLASSES", "throttling"),
        ("DEFAULT_FILTER_BACKENDS", "filter backends"),
        ("EXCEPTION_HANDLER", "exception handler"),
        ("DEFAULT_SCHEMA_CLASS", "schema"),
    ):
        if rest.get(key) is not None and key not in stated:
            value = rest[key]
            text = ", ".join(_last(v) for v in value) if isinstance(value, list) else _last(value)
            parts.append(f"{label} `{text}`")
    where = settings.get("sources", {}).get("DEFAULT_PERMISSION_CLASSES") or settings.get("path")
    said = []
    if parts:
        said.append(
            "views that set nothing get "
            + "; ".join(parts)
            + f" (settings.REST_FRAMEWORK, {str(where).rsplit(':', 1)[0]})"
        )
    elif settings.get("rest_framework_unread"):
        if "(not read)" not in stated:
            unread = settings["rest_framework_unread"]
            said.append(f"views that set nothing get what settings.REST_FRAMEWORK = {unread} sets (not read)")
    elif not rest and "no REST_FRAMEWORK in settings" not in stated:
        said.append("views that set nothing get DRF's own defaults (no REST_FRAMEWORK in settings)")
    mw = [m for m in settings.get("middleware") or [] if not str(m).startswith("django.")]
    if mw:
        said.append("project middleware " + ", ".join(f"`{_last(m)}`" for m in mw[:4]))
    engine = settings.get("database_engine")
    if engine:
        said.append(f"database `{_last(engine)}`")
    if not said:
        return []
    statement = "project-wide defaults: " + "; ".join(said)
    return [
        {
            "key": "defaults",
            "topic": "defaults",
            "statement": statement,
            "data": {"rest_framework": dict(rest), "pattern_ids": []},
        }
    ]


def merge_conventions(
    generic: list[dict[str, Any]], django: list[dict[str, Any]], share: float
) -> list[dict[str, Any]]:
    """Django conventions replace the generic ones of the same key when Django views are at
    least half the routes (``share``); otherwise they are added after them."""
    if not django:
        return generic
    keys = {c["key"] for c in django}
    if share >= 0.5:
        drop_topics = {"auth"} if "auth" in keys else set()
        if any(c["key"] == "errors" and c["data"].get("shape") for c in django):
            keys.add("errors:shape")  # said by the exception handler convention
        keys.add("responses")  # the generic one counts Flask/marshmallow calls: meaningless for DRF views
        kept = [c for c in generic if c["key"] not in keys and c["topic"] not in drop_topics]
        # the defaults restate what the other conventions say: last, the first to go when a pack is short
        first = [c for c in django if c["key"] != "defaults"]
        return first + kept + [c for c in django if c["key"] == "defaults"]
    return generic + [c for c in django if c["key"] not in {g["key"] for g in generic}]
