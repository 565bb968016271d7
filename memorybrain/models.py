"""The data model shared by indexers, the store, retrieval and the pack."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

#: Pattern kinds, most specific first. When two indexers claim the same definition the
#: earlier kind wins (a route handler is a route, not a plain function).
PATTERN_KINDS: tuple[str, ...] = (
    "route",
    "test",
    "error_handler",
    "exception",
    "middleware",
    "model",
    "schema",
    "pagination",
    "dependency",
    "decorator",
    "function",
    "class",
)

KIND_PRIORITY: dict[str, int] = {kind: i for i, kind in enumerate(PATTERN_KINDS)}


def pattern_id(path: str, qualname: str, kind: str) -> str:
    """Stable id from path, qualified name and kind (survives re-indexing)."""
    digest = hashlib.sha1(f"{path}\0{qualname}\0{kind}".encode()).hexdigest()
    return digest[:12]


@dataclass(slots=True)
class Pattern:
    """A unit a person would paste: a whole function or class with its decorators.

    ``start_line``/``end_line`` are 1-based and inclusive. ``meta`` holds structured,
    JSON-serialisable metadata whose keys depend on ``kind`` (see docs in indexers/).
    ``usage`` is filled by the linker: how many route handlers use this definition.
    """

    kind: str
    name: str
    qualname: str
    path: str
    start_line: int
    end_line: int
    code: str
    summary: str
    meta: dict[str, Any] = field(default_factory=dict)
    usage: int = 0

    @property
    def id(self) -> str:
        return pattern_id(self.path, self.qualname, self.kind)

    @property
    def location(self) -> str:
        return f"{self.path}:{self.start_line}-{self.end_line}"

    def content_hash(self) -> str:
        payload = f"{self.kind}\0{self.qualname}\0{self.code}"
        return hashlib.sha1(payload.encode()).hexdigest()


@dataclass(slots=True)
class Fact:
    """A stack fact with its evidence: "FastAPI 0.115 (pyproject.toml:12)".

    ``category`` is one of: framework, orm, migrations, validation, auth, testing,
    python, database, server, other. ``value`` is a version or version spec, or None.
    ``origin`` is "detected" (by the indexers) or "team" (written by hand).
    """

    category: str
    name: str
    value: str | None
    source_path: str
    source_line: int
    evidence: str = ""
    origin: str = "detected"

    @property
    def key(self) -> str:
        return f"{self.category}:{self.name.lower()}"

    @property
    def source(self) -> str:
        return f"{self.source_path}:{self.source_line}" if self.source_line else self.source_path


@dataclass(slots=True)
class FileExtract:
    """What the indexers produce for one file: patterns plus file-level metadata.

    ``meta`` keys (all optional, JSON-serialisable), consumed by the linker:

    - ``imports``: list of {"module", "name", "alias", "line", "level"} for every import;
      ``name`` is None for ``import x.y [as z]``.
    - ``import_lines``: list of [line, text] of top-level import statements.
    - ``routers``: {var: {"type", "prefix", "tags", "dependencies", "name", "line"}} for
      APIRouter/FastAPI/Blueprint/Flask/Namespace/Api objects created in the file.
    - ``mounts``: list of {"parent", "child", "prefix", "line"}: ``parent.include_router(child,
      prefix=...)``, ``parent.register_blueprint(child, url_prefix=...)``; ``child`` is the
      expression text (``users.router``, ``items_bp``).
    - ``url_rules``: list of {"target", "view", "rule", "methods", "line"} from ``add_url_rule``
      or ``api.add_resource`` calls; ``view`` is the class or function name.
    - ``annotated_aliases``: {alias: {"depends": target, "line"}} for
      ``Alias = Annotated[T, Depends(target)]``.
    - ``exception_handlers``: list of {"exception", "handler", "line", "app"}.
    - ``top_modules``: sorted list of top-level module names imported (for stack facts).
    - ``constants``: names of the module's top-level UPPER_CASE constants, in file order
      (names only, never their values).
    - ``fab_registrations``: list of {"call", "target", "view", "name", "category", "line"} for
      Flask-AppBuilder ``appbuilder.add_api(Cls)`` / ``add_view(Cls, "Name", ...)`` /
      ``add_view_no_menu(Cls)`` calls; ``view`` is the class as written.
    - ``fab_classes``: {class: {"kind", "bases", "route_base", "defines", "include", "exclude",
      "line"}} for the Flask-AppBuilder classes of the file (``indexers.flask_appbuilder``).
    - ``django_urls``: list of {"var", "route", "line", "name"?} plus one of ``include``
      (module string of ``include("app.urls")``), ``include_ref`` (dotted name given to
      ``include(x)``), ``router`` (variable of ``include(router.urls)``/``+= router.urls``) or
      ``view`` (dotted view name; ``class_view`` True for ``View.as_view()``, ``actions``
      {METHOD: action} for ``ViewSet.as_view({...})``) for each ``path``/``re_path``/``url``
      in a module-level list (``urlpatterns`` and others); ``route`` is joined with the
      routes of inline ``include([...])`` lists, regexes turned into ``<name>`` paths, and
      ``i18n_patterns(...)`` entries get ``<lang>/``. ``wrappers``/``wrapper_texts``: the
      decorators a urlconf applies to the view (``login_required(View.as_view())``),
      outermost first. An entry ``*X.get_urls(...)`` has ``view`` X, ``via`` (the call) and
      ``url_base`` instead of a route of its own.
    - ``django_error_handlers``: list of {"code" (``"500"``), "view", "dotted", "line"} from
      the root urlconf's ``handlerNNN = ...`` assignments.
    - ``django_routers``: {var: {"type", "line", "trailing_slash", "parent"?,
      "parent_prefix"?, "lookup"?}} for DRF routers (``DefaultRouter()``,
      ``NestedSimpleRouter(parent, "prefix", lookup=...)``) created in the file.
    - ``router_registrations``: list of {"router", "prefix", "viewset", "basename"?, "line"}
      from ``router.register(prefix, ViewSet)`` (and wagtail's ``register_endpoint``).
    - ``django_settings``: what a settings module sets: {"rest_framework": {KEY: value},
      "rest_framework_lines": {KEY: line}, "installed_apps", "middleware",
      "database_engine", "root_urlconf", "auth_user_model", "lines": {key: line}}.
    - ``facts``: stack facts found in a Python file (a settings module's database engine and
      installed apps), dicts with the fields of ``Fact``.
    """

    patterns: list[Pattern] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
