"""Stack facts: which framework, ORM, validation, auth, ... libraries a project uses.

Three pure entry points (no disk access beyond the text handed in, nothing imported or run):

- ``extract_facts(path, text)`` reads one project metadata file (``is_metadata_file``):
  pyproject.toml (PEP 621, Poetry, PDM, uv, PEP 735 dependency groups, pytest config),
  requirements files, setup.cfg, setup.py (string literals only, never executed), Pipfile,
  lock files (poetry.lock, uv.lock, pdm.lock, Pipfile.lock), wheel ``*.dist-info/METADATA``,
  .python-version, runtime.txt, alembic.ini, manage.py, tox.ini and pytest.ini. Every fact
  carries the 1-based line of its evidence.
- ``facts_from_imports(files)`` turns the modules each Python file imports into facts for
  known libraries (no version, ``source_line`` 0); vendored code is no evidence, tests only
  for test tools, migrations only for migration tools.
- ``merge_facts(facts)`` keeps one fact per key: the declaration is the source, a lock file
  (or an exact pin elsewhere) gives the version, imports confirm use; a library the code must
  import to build on, declared but imported nowhere, is no fact when imports are known.

Only libraries in the table below produce facts; anything else is ignored (no flooding).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from memorybrain.models import Fact
from memorybrain.paths import VENDORED_DIRS, is_migration_path, is_test_path, vendored_paths
from memorybrain.redact import redact

__all__ = [
    "CATEGORY_ORDER",
    "Requirement",
    "extract_facts",
    "facts_from_imports",
    "is_metadata_file",
    "lookup",
    "merge_facts",
    "qualify_by_usage",
    "normalize_name",
    "parse_requirement",
]

#: Category order for output: the order a reader of a context pack wants.
CATEGORY_ORDER: tuple[str, ...] = (
    "python",
    "framework",
    "orm",
    "database",
    "migrations",
    "validation",
    "auth",
    "rate_limit",
    "tasks",
    "server",
    "testing",
    "other",
)

# --- the library table ------------------------------------------------------------------

#: (PEP 503 package name, category, display name, top-level import modules)
_LIBRARIES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    # frameworks
    ("fastapi", "framework", "FastAPI", ("fastapi",)),
    ("flask", "framework", "Flask", ("flask",)),
    ("django", "framework", "Django", ("django",)),
    ("django", "orm", "Django ORM", ("django",)),
    ("djangorestframework", "framework", "Django REST Framework", ("rest_framework",)),
    ("django-ninja", "framework", "Django Ninja", ("ninja",)),
    ("django-modern-rpc", "framework", "django-modern-rpc (JSON-RPC / XML-RPC)", ("modernrpc",)),
    ("django-filter", "other", "django-filter", ("django_filters",)),
    ("drf-spectacular", "other", "drf-spectacular (OpenAPI)", ("drf_spectacular",)),
    ("drf-yasg", "other", "drf-yasg (OpenAPI)", ("drf_yasg",)),
    ("drf-nested-routers", "other", "drf-nested-routers", ("rest_framework_nested",)),
    ("django-cors-headers", "other", "django-cors-headers", ("corsheaders",)),
    ("starlette", "framework", "Starlette", ("starlette",)),
    ("quart", "framework", "Quart", ("quart",)),
    ("sanic", "framework", "Sanic", ("sanic",)),
    ("litestar", "framework", "Litestar", ("litestar",)),
    ("aiohttp", "framework", "aiohttp", ("aiohttp",)),
    ("tornado", "framework", "Tornado", ("tornado",)),
    ("falcon", "framework", "Falcon", ("falcon",)),
    ("pyramid", "framework", "Pyramid", ("pyramid",)),
    ("bottle", "framework", "Bottle", ("bottle",)),
    ("connexion", "framework", "Connexion", ("connexion",)),
    ("flask-restful", "framework", "Flask-RESTful", ("flask_restful",)),
    ("flask-restx", "framework", "Flask-RESTX", ("flask_restx",)),
    ("flask-restplus", "framework", "Flask-RESTPlus", ("flask_restplus",)),
    ("flask-smorest", "framework", "flask-smorest", ("flask_smorest",)),
    ("flask-appbuilder", "framework", "Flask-AppBuilder", ("flask_appbuilder",)),
    ("pulpcore", "framework", "Pulp (pulpcore plugin API)", ("pulpcore",)),
    ("fastapi-pagination", "other", "fastapi-pagination", ("fastapi_pagination",)),
    # settings
    ("dynaconf", "other", "Dynaconf (settings)", ("dynaconf",)),
    ("django-environ", "other", "django-environ (settings)", ("environ",)),
    # ORMs / ODMs
    ("sqlalchemy", "orm", "SQLAlchemy", ("sqlalchemy",)),
    ("sqlmodel", "orm", "SQLModel", ("sqlmodel",)),
    ("flask-sqlalchemy", "orm", "Flask-SQLAlchemy", ("flask_sqlalchemy",)),
    ("tortoise-orm", "orm", "Tortoise ORM", ("tortoise",)),
    ("peewee", "orm", "peewee", ("peewee",)),
    ("pony", "orm", "Pony ORM", ("pony",)),
    ("mongoengine", "orm", "MongoEngine", ("mongoengine",)),
    ("beanie", "orm", "Beanie", ("beanie",)),
    ("odmantic", "orm", "ODMantic", ("odmantic",)),
    ("prisma", "orm", "Prisma Client Python", ("prisma",)),
    ("piccolo", "orm", "Piccolo", ("piccolo",)),
    ("ormar", "orm", "ormar", ("ormar",)),
    # database drivers and clients
    ("psycopg2", "database", "psycopg2", ("psycopg2",)),
    ("psycopg2-binary", "database", "psycopg2", ()),
    ("psycopg", "database", "psycopg", ("psycopg",)),
    ("asyncpg", "database", "asyncpg", ("asyncpg",)),
    ("pymysql", "database", "PyMySQL", ("pymysql",)),
    ("mysqlclient", "database", "mysqlclient", ("MySQLdb",)),
    ("aiomysql", "database", "aiomysql", ("aiomysql",)),
    ("aiosqlite", "database", "aiosqlite", ("aiosqlite",)),
    ("redis", "database", "redis-py", ("redis",)),
    ("pymongo", "database", "PyMongo", ("pymongo",)),
    ("motor", "database", "Motor", ("motor",)),
    ("pgvector", "database", "pgvector", ("pgvector",)),
    # migrations
    ("alembic", "migrations", "Alembic", ("alembic",)),
    ("flask-migrate", "migrations", "Flask-Migrate", ("flask_migrate",)),
    ("flask-alembic", "migrations", "Flask-Alembic", ("flask_alembic",)),
    ("yoyo-migrations", "migrations", "yoyo-migrations", ("yoyo",)),
    # validation and serialisation
    ("pydantic", "validation", "Pydantic", ("pydantic",)),
    ("marshmallow", "validation", "marshmallow", ("marshmallow",)),
    ("webargs", "validation", "webargs", ("webargs",)),
    ("flask-marshmallow", "validation", "Flask-Marshmallow", ("flask_marshmallow",)),
    ("marshmallow-sqlalchemy", "validation", "marshmallow-sqlalchemy", ("marshmallow_sqlalchemy",)),
    ("cerberus", "validation", "Cerberus", ("cerberus",)),
    ("voluptuous", "validation", "voluptuous", ("voluptuous",)),
    ("wtforms", "validation", "WTForms", ("wtforms",)),
    ("flask-wtf", "validation", "Flask-WTF", ("flask_wtf",)),
    # authentication and authorisation
    ("pyjwt", "auth", "PyJWT", ("jwt",)),
    ("python-jose", "auth", "python-jose", ("jose",)),
    ("flask-jwt-extended", "auth", "Flask-JWT-Extended", ("flask_jwt_extended",)),
    ("flask-login", "auth", "Flask-Login", ("flask_login",)),
    ("authlib", "auth", "Authlib", ("authlib",)),
    ("passlib", "auth", "passlib", ("passlib",)),
    ("bcrypt", "auth", "bcrypt", ("bcrypt",)),
    ("flask-bcrypt", "auth", "Flask-Bcrypt", ("flask_bcrypt",)),
    ("argon2-cffi", "auth", "argon2-cffi", ("argon2",)),
    ("fastapi-users", "auth", "FastAPI Users", ("fastapi_users",)),
    ("flask-security", "auth", "Flask-Security", ("flask_security",)),
    ("flask-security-too", "auth", "Flask-Security", ()),
    ("djangorestframework-simplejwt", "auth", "Simple JWT", ("rest_framework_simplejwt",)),
    ("django-allauth", "auth", "django-allauth", ("allauth",)),
    ("django-rest-knox", "auth", "Knox", ("knox",)),
    ("dj-rest-auth", "auth", "dj-rest-auth", ("dj_rest_auth",)),
    ("django-oauth-toolkit", "auth", "Django OAuth Toolkit", ("oauth2_provider",)),
    ("django-guardian", "auth", "django-guardian", ("guardian",)),
    ("djangorestframework-guardian", "auth", "djangorestframework-guardian", ("rest_framework_guardian",)),
    ("drf-access-policy", "auth", "drf-access-policy", ("rest_access_policy",)),
    ("oauthlib", "auth", "OAuthLib", ("oauthlib",)),
    ("flask-httpauth", "auth", "Flask-HTTPAuth", ("flask_httpauth",)),
    ("flask-principal", "auth", "Flask-Principal", ("flask_principal",)),
    ("flask-allows", "auth", "Flask-Allows", ("flask_allows",)),
    ("flask-dance", "auth", "Flask-Dance", ("flask_dance",)),
    ("django-auth-ldap", "auth", "django-auth-ldap", ("django_auth_ldap",)),
    ("django-axes", "auth", "django-axes (login lockout)", ("axes",)),
    ("mozilla-django-oidc", "auth", "mozilla-django-oidc", ("mozilla_django_oidc",)),
    ("rules", "auth", "django-rules (permissions)", ("rules",)),
    ("django-role-permissions", "auth", "django-role-permissions", ("rolepermissions",)),
    ("social-auth-app-django", "auth", "Python Social Auth", ("social_django",)),
    ("social-auth-core", "auth", "Python Social Auth", ("social_core",)),
    ("django-otp", "auth", "django-otp", ("django_otp",)),
    ("django-two-factor-auth", "auth", "django-two-factor-auth", ("two_factor",)),
    ("djangosaml2", "auth", "djangosaml2", ("djangosaml2",)),
    ("pysaml2", "auth", "pysaml2", ("saml2",)),
    ("python3-saml", "auth", "python3-saml", ("onelogin",)),
    ("pyotp", "auth", "PyOTP", ("pyotp",)),
    ("webauthn", "auth", "py_webauthn", ("webauthn",)),
    ("fido2", "auth", "python-fido2", ("fido2",)),
    ("casbin", "auth", "PyCasbin", ("casbin",)),
    # rate limiting
    ("flask-limiter", "rate_limit", "Flask-Limiter", ("flask_limiter",)),
    ("slowapi", "rate_limit", "SlowAPI", ("slowapi",)),
    ("fastapi-limiter", "rate_limit", "fastapi-limiter", ("fastapi_limiter",)),
    ("django-ratelimit", "rate_limit", "django-ratelimit", ("django_ratelimit",)),
    # background tasks
    ("celery", "tasks", "Celery", ("celery",)),
    ("rq", "tasks", "RQ", ("rq",)),
    ("dramatiq", "tasks", "Dramatiq", ("dramatiq",)),
    ("huey", "tasks", "Huey", ("huey",)),
    ("arq", "tasks", "arq", ("arq",)),
    # servers
    ("uvicorn", "server", "Uvicorn", ("uvicorn",)),
    ("gunicorn", "server", "Gunicorn", ("gunicorn",)),
    ("hypercorn", "server", "Hypercorn", ("hypercorn",)),
    ("waitress", "server", "Waitress", ("waitress",)),
    ("daphne", "server", "Daphne", ("daphne",)),
    # testing
    ("pytest", "testing", "pytest", ("pytest",)),
    ("pytest-asyncio", "testing", "pytest-asyncio", ("pytest_asyncio",)),
    ("pytest-flask", "testing", "pytest-flask", ("pytest_flask",)),
    ("pytest-django", "testing", "pytest-django", ("pytest_django",)),
    ("factory-boy", "testing", "factory_boy", ("factory",)),
    ("hypothesis", "testing", "Hypothesis", ("hypothesis",)),
    ("nose", "testing", "nose", ("nose",)),
    ("tox", "testing", "tox", ()),
)

#: Libraries that are facts only when declared for development or imported by tests
#: (httpx is an HTTP client in app code, the test client in tests).
_DEV_ONLY: dict[str, tuple[str, str, str]] = {
    "httpx": ("testing", "HTTPX", "httpx"),
}

#: Libraries whose import name is a word a project's own module often has (``rules.py``,
#: ``environ.py`` next to the code that imports it, run with its folder on the path): an import alone does not
#: tell them apart, so they are facts only where the project declares (or locks) them.
_NEEDS_DECLARATION = frozenset({"rules", "django-environ"})

_BY_PACKAGE: dict[str, list[tuple[str, str]]] = {}
_BY_MODULE: dict[str, str] = {}
for _pkg, _cat, _display, _mods in _LIBRARIES:
    _BY_PACKAGE.setdefault(_pkg, []).append((_cat, _display))
    for _mod in _mods:
        _BY_MODULE.setdefault(_mod, _pkg)

_NEEDS_DECLARATION_DISPLAYS = [(c, d) for p in _NEEDS_DECLARATION for c, d in _BY_PACKAGE[p]]

_NORMALIZE = re.compile(r"[-_.]+")


def normalize_name(name: str) -> str:
    """PEP 503 normalisation: ``Flask_SQLAlchemy`` -> ``flask-sqlalchemy``."""
    return _NORMALIZE.sub("-", name.strip()).lower()


def lookup(package: str, *, dev: bool = False) -> list[tuple[str, str]]:
    """``(category, display name)`` for a package, ``[]`` when it is not a known library."""
    norm = normalize_name(package)
    if norm in _BY_PACKAGE:
        return list(_BY_PACKAGE[norm])
    if dev and norm in _DEV_ONLY:
        category, display, _ = _DEV_ONLY[norm]
        return [(category, display)]
    return []


# --- requirement strings ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Requirement:
    """A PEP 508 requirement, lightly parsed: ``fastapi[all]>=0.110,<1; python_version>'3'``."""

    name: str
    spec: str  # version specifier without spaces or parentheses, "" if none
    extras: str
    marker: str
    url: str


_REQ_HEAD = re.compile(r"\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*")
_EXTRAS = re.compile(r"\[(?P<extras>[^\]]*)\]\s*")
_SPEC = re.compile(r"(?:(?:~=|===|==|!=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+\s*,?\s*)+")
_EXACT = re.compile(r"===?(?P<version>[A-Za-z0-9.+!_-]+)")
_BARE_VERSION = re.compile(r"v?\d[A-Za-z0-9.+!_-]*")
_EXTRA_MARKER = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")
#: A marker that limits a requirement to older Pythons: ``python_version <= "3.9"``, ``< '3.10'``.
_OLD_PYTHON_MARKER = re.compile(r"""python_(?:full_)?version\s*<""")


def parse_requirement(text: str) -> Requirement | None:
    """Parse one requirement string; None when it is not one (an option, a path, junk)."""
    m = _REQ_HEAD.match(text)
    if not m:
        return None
    rest = text[m.end() :]
    extras = ""
    em = _EXTRAS.match(rest)
    if em:
        extras, rest = em.group("extras").strip(), rest[em.end() :]
    marker = ""
    if ";" in rest:
        rest, marker = rest.split(";", 1)
        marker = marker.strip()
    rest = rest.strip()
    url = ""
    if rest.startswith("@"):
        url, rest = rest[1:].strip(), ""
    spec = rest.removeprefix("(").removesuffix(")").strip() if rest.startswith("(") else rest
    if spec and not _SPEC.fullmatch(spec):
        return None
    return Requirement(m.group("name"), spec.replace(" ", "").rstrip(","), extras, marker, url)


def spec_value(spec: str | None) -> str | None:
    """``==1.2.3`` -> ``1.2.3``; ``>=0.110,<1`` stays; ``""``/``*`` -> None."""
    if spec is None:
        return None
    spec = spec.replace(" ", "")
    if not spec or spec == "*":
        return None
    exact = _EXACT.fullmatch(spec)
    if exact and "*" not in spec:
        return exact.group("version")
    return spec


def _is_exact(value: str | None) -> bool:
    return value is not None and _BARE_VERSION.fullmatch(value) is not None


def _is_dev_group(name: str) -> bool:
    lowered = name.lower()
    return "dev" in lowered or "test" in lowered


# --- fact building ----------------------------------------------------------------------


@dataclass(slots=True)
class _Builder:
    """Collects facts for one file: at most one per key (the first, usually main deps)."""

    path: str
    facts: list[Fact]
    #: keys whose fact came from a requirement only for older Pythons (``; python_version <= "3.9"``)
    old_python: set[str] = field(default_factory=set)

    def add(
        self, category: str, name: str, value: str | None, line: int, evidence: str, *, old_python: bool = False
    ) -> None:
        fact = Fact(category, name, value, self.path, line, redact(" ".join(evidence.split())))
        same = next((i for i, f in enumerate(self.facts) if f.key == fact.key), None)
        if same is None:
            self.facts.append(fact)
            if old_python:
                self.old_python.add(fact.key)
        elif fact.key in self.old_python and not old_python:
            # marker-split pins (pgAdmin): the line for current Pythons wins over the older one
            self.facts[same] = fact
            self.old_python.discard(fact.key)

    def package(
        self, package: str, value: str | None, line: int, evidence: str, *, dev: bool = False, old_python: bool = False
    ) -> None:
        for category, display in lookup(package, dev=dev):
            self.add(category, display, value, line, evidence, old_python=old_python)

    def requirement(self, text: str, line: int, *, group: str = "", dev: bool = False) -> None:
        req = parse_requirement(text)
        if req is None:
            return
        extra = _EXTRA_MARKER.search(req.marker)
        if extra and not group:
            group = f"extra: {extra.group(1)}"
        dev = dev or _is_dev_group(group)
        evidence = text.strip() if not group or extra else f"{text.strip()} ({group})"
        old_python = bool(_OLD_PYTHON_MARKER.search(req.marker))
        self.package(req.name, spec_value(req.spec), line, evidence, dev=dev, old_python=old_python)

    def python(self, value: str | None, line: int, evidence: str) -> None:
        self.add("python", "Python", spec_value(value), line, evidence)


class _Lines:
    """Line lookups in a text whose parser gives no positions (TOML, JSON)."""

    _HEADER = re.compile(r"\s*\[\[?(?P<name>[^\]]+)\]\]?\s*(?:#.*)?$")

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.headers: dict[str, int] = {}
        for i, line in enumerate(self.lines):
            m = self._HEADER.match(line)
            if m:
                name = re.sub(r"[\s\"']", "", m.group("name"))
                self.headers.setdefault(name, i)

    def header(self, dotted: str) -> int:
        """0-based index of the ``[dotted]`` table header, -1 if absent."""
        return self.headers.get(dotted, -1)

    def is_header(self, i: int) -> bool:
        return self._HEADER.match(self.lines[i]) is not None

    def find(self, needle: str, start: int = 0) -> int:
        """0-based index of the first line at or after ``start`` containing ``needle``."""
        for i in range(max(start, 0), len(self.lines)):
            if needle in self.lines[i]:
                return i
        return -1

    def key(self, key: str, start: int) -> int:
        """Index of the ``key = ...`` line in the table starting at ``start``; -1 if absent."""
        pattern = re.compile(r"\s*[\"']?" + re.escape(key) + r"[\"']?\s*[=.]", re.IGNORECASE)
        for i in range(max(start, 0) + (1 if start >= 0 else 0), len(self.lines)):
            if self.is_header(i) and i != start:
                return -1
            if pattern.match(self.lines[i]):
                return i
        return -1

    def text(self, i: int) -> str:
        return self.lines[i].strip().rstrip(",").strip() if 0 <= i < len(self.lines) else ""


def _line_of_item(lines: _Lines, item: str, start: int) -> int:
    """Index of the line holding the quoted string ``item`` at or after ``start``."""
    for quoted in (f'"{item}"', f"'{item}'", item):
        i = lines.find(quoted, max(start, 0))
        if i >= 0:
            return i
    return start


# --- pyproject.toml ---------------------------------------------------------------------


def _pep508_list(b: _Builder, lines: _Lines, items: Any, start: int, group: str = "") -> None:
    """A TOML array of requirement strings whose key line is ``start``."""
    if not isinstance(items, list):
        return
    cursor = start
    for item in items:
        if not isinstance(item, str):
            continue
        i = _line_of_item(lines, item, cursor)
        cursor = i
        b.requirement(item, i + 1, group=group)


def _table_version(spec: Any) -> str | None:
    """The version of ``name = "spec"`` or ``name = {version = "spec", ...}``."""
    if isinstance(spec, dict):
        spec = spec.get("version")
    return spec.replace(" ", "") if isinstance(spec, str) else None


def _poetry_value(spec: Any) -> str | None:
    """Poetry: a bare version (``"0.115.2"``) is an exact pin; ``^0.110`` stays a spec."""
    version = _table_version(spec)
    if version is not None and _BARE_VERSION.fullmatch(version):
        return version
    return spec_value(version)


def _pipfile_value(spec: Any) -> str | None:
    return spec_value(_table_version(spec))


def _keyed_deps(b: _Builder, lines: _Lines, deps: Any, header: str, group: str = "", *, pip: bool = False) -> None:
    """A TOML table ``name = spec`` (Poetry dependencies, Pipfile packages)."""
    if not isinstance(deps, dict):
        return
    start = lines.header(header)
    dev = _is_dev_group(group)
    for name, spec in deps.items():
        i = lines.key(name, start) if start >= 0 else -1
        if i < 0:
            i = lines.header(f"{header}.{name}")
        evidence = lines.text(i) if i >= 0 else f"{name} = {json.dumps(spec)}"
        if group:
            evidence = f"{evidence} ({group})"
        value = _pipfile_value(spec) if pip else _poetry_value(spec)
        if name.lower() == "python":
            b.add("python", "Python", value, i + 1, evidence)
        else:
            b.package(name, value, i + 1, evidence, dev=dev)


def _pyproject(b: _Builder, text: str) -> None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    lines = _Lines(text)
    project = data.get("project")
    if isinstance(project, dict):
        start = lines.header("project")
        rp = project.get("requires-python")
        if isinstance(rp, str):
            i = lines.key("requires-python", start)
            b.python(rp, i + 1, lines.text(i) or f'requires-python = "{rp}"')
        _pep508_list(b, lines, project.get("dependencies"), lines.key("dependencies", start))
        optional = project.get("optional-dependencies")
        if isinstance(optional, dict):
            table = lines.header("project.optional-dependencies")
            base = table if table >= 0 else lines.key("optional-dependencies", start)
            for group, items in optional.items():
                at = lines.key(group, table) if table >= 0 else base
                _pep508_list(b, lines, items, at if at >= 0 else base, f"extra: {group}")
    groups = data.get("dependency-groups")
    if isinstance(groups, dict):
        table = lines.header("dependency-groups")
        for group, items in groups.items():
            _pep508_list(b, lines, items, lines.key(group, table), f"group: {group}")
    tool = data.get("tool")
    if isinstance(tool, dict):
        _poetry(b, lines, tool.get("poetry"))
        _pdm_uv(b, lines, tool)
        pytest = tool.get("pytest")
        if isinstance(pytest, dict) and "ini_options" in pytest:
            i = lines.header("tool.pytest.ini_options")
            b.add("testing", "pytest", None, i + 1, "[tool.pytest.ini_options]")


def _poetry(b: _Builder, lines: _Lines, poetry: Any) -> None:
    if not isinstance(poetry, dict):
        return
    _keyed_deps(b, lines, poetry.get("dependencies"), "tool.poetry.dependencies")
    groups = poetry.get("group")
    if isinstance(groups, dict):
        for group, table in groups.items():
            if isinstance(table, dict):
                header = f"tool.poetry.group.{group}.dependencies"
                _keyed_deps(b, lines, table.get("dependencies"), header, f"group: {group}")
    _keyed_deps(b, lines, poetry.get("dev-dependencies"), "tool.poetry.dev-dependencies", "group: dev")


def _pdm_uv(b: _Builder, lines: _Lines, tool: dict[str, Any]) -> None:
    pdm = tool.get("pdm")
    if isinstance(pdm, dict) and isinstance(pdm.get("dev-dependencies"), dict):
        table = lines.header("tool.pdm.dev-dependencies")
        for group, items in pdm["dev-dependencies"].items():
            _pep508_list(b, lines, items, lines.key(group, table), f"group: {group}")
    uv = tool.get("uv")
    if isinstance(uv, dict):
        at = lines.key("dev-dependencies", lines.header("tool.uv"))
        _pep508_list(b, lines, uv.get("dev-dependencies"), at, "group: dev")


# --- requirements files -----------------------------------------------------------------

_COMMENT = re.compile(r"(?:^|\s)#.*$")
_EGG = re.compile(r"#egg=(?P<name>[A-Za-z0-9._-]+)")
_OPTION_TAIL = re.compile(r"\s+--?[A-Za-z].*$")


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(1-based first line, text) with comments removed and ``\\`` continuations joined."""
    pending: list[str] = []
    first = 0
    for n, raw in enumerate(text.split("\n"), 1):
        line = _COMMENT.sub("", raw.rstrip("\r"))
        if not pending:
            first = n
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        yield first, " ".join(pending).strip()
        pending = []
    if pending:
        yield first, " ".join(pending).strip()


def _requirements(b: _Builder, text: str) -> None:
    dev = _is_dev_group(b.path.rsplit("/", 1)[-1])
    for n, line in _logical_lines(text):
        if not line:
            continue
        egg = _EGG.search(line)
        if line.startswith("-") and not line.startswith(("-e", "--editable")):
            continue  # -r/-c includes (not followed), --index-url, --hash, ...
        if egg:
            b.package(egg.group("name"), None, n, line, dev=dev)
            continue
        if line.startswith(("-e", "--editable")) or "://" in line.split("@")[0]:
            continue  # a local path or a URL without #egg=
        requirement = _OPTION_TAIL.sub("", line)
        b.requirement(requirement, n, dev=dev)


# --- setup.cfg, tox.ini, pytest.ini, alembic.ini ----------------------------------------

_INI_HEADER = re.compile(r"\s*\[(?P<name>[^\]]+)\]\s*$")
_INI_KEY = re.compile(r"(?P<key>[A-Za-z0-9_.\-]+)\s*[=:]\s*(?P<value>.*)$")


@dataclass(frozen=True, slots=True)
class _IniEntry:
    section: str
    key: str  # "" for the section header line itself
    value: str
    line: int


def _ini(text: str) -> Iterator[_IniEntry]:
    """Sections, ``key = value`` lines and indented continuation values, with line numbers."""
    section, key = "", ""
    for n, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r")
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        header = _INI_HEADER.match(line)
        if header:
            section, key = header.group("name").strip(), ""
            yield _IniEntry(section, "", "", n)
            continue
        if line[0] in " \t" and key:
            yield _IniEntry(section, key, _COMMENT.sub("", stripped).strip(), n)
            continue
        m = _INI_KEY.match(stripped)
        if m:
            key = m.group("key").lower().replace("-", "_")
            value = _COMMENT.sub("", m.group("value")).strip()
            if value:
                yield _IniEntry(section, key, value, n)


def _setup_cfg(b: _Builder, text: str) -> None:
    for e in _ini(text):
        if e.section == "options" and e.key == "python_requires":
            b.python(e.value, e.line, f"python_requires = {e.value}")
        elif e.section == "options" and e.key in ("install_requires", "tests_require"):
            b.requirement(e.value, e.line, group="group: test" if e.key == "tests_require" else "")
        elif e.section == "options.extras_require" and e.key:
            b.requirement(e.value, e.line, group=f"extra: {e.key}")
        elif e.section == "tool:pytest" and not e.key:
            b.add("testing", "pytest", None, e.line, "[tool:pytest]")


def _tool_ini(b: _Builder, text: str) -> None:
    """tox.ini and pytest.ini: which test tools are configured."""
    for e in _ini(text):
        if e.key:
            continue
        if e.section in ("pytest", "tool:pytest"):
            b.add("testing", "pytest", None, e.line, f"[{e.section}]")
        elif e.section == "tox":
            b.add("testing", "tox", None, e.line, "[tox]")


def _alembic_ini(b: _Builder, text: str) -> None:
    line = next((e.line for e in _ini(text) if e.section == "alembic" and not e.key), 0)
    b.add("migrations", "Alembic", None, line, "[alembic]" if line else "alembic.ini")


# --- setup.py (read, never run) ---------------------------------------------------------

_SETUP_KEYWORD = re.compile(r"\b(?P<kw>install_requires|tests_require|extras_require|python_requires)\s*=\s*")
_PY_TOKEN = re.compile(
    r"""(?P<str>[rRbBuU]?(?:"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'))"""
    r"|(?P<open>[\[({])|(?P<close>[\])}])|(?P<comment>\#[^\n]*)"
)


def _literal(token: str) -> str:
    return token.lstrip("rRbBuU")[1:-1]


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _bracket_strings(text: str, start: int) -> Iterator[tuple[str, int, bool]]:
    """String literals inside the bracket opening at ``start``: (value, offset, is_dict_key)."""
    depth = 0
    for m in _PY_TOKEN.finditer(text, start):
        if m.group("open"):
            depth += 1
        elif m.group("close"):
            depth -= 1
            if depth == 0:
                return
        elif m.group("str"):
            after = text[m.end() : m.end() + 40].lstrip()
            yield _literal(m.group("str")), m.start(), after.startswith(":")


def _setup_py(b: _Builder, text: str) -> None:
    for m in _SETUP_KEYWORD.finditer(text):
        kw, at = m.group("kw"), m.end()
        if at < len(text) and text[at].isidentifier():  # install_requires=REQUIREMENTS
            name = re.match(r"[A-Za-z_][A-Za-z0-9_]*", text[at:])
            assigned = (
                re.search(rf"^\s*{re.escape(name.group(0))}\s*=\s*(?=[\[({{\"'])", text, re.MULTILINE) if name else None
            )
            if assigned is None:
                continue
            at = assigned.end()
        if at >= len(text):
            continue
        if kw == "python_requires":
            s = _PY_TOKEN.match(text, at)
            if s and s.group("str"):
                b.python(
                    _literal(s.group("str")),
                    _line_at(text, at),
                    f"python_requires={s.group('str')}",
                )
            continue
        if text[at] not in "[({":
            continue
        group = "group: test" if kw == "tests_require" else ""
        for value, offset, is_key in _bracket_strings(text, at):
            if kw == "extras_require" and is_key:
                group = f"extra: {value}"
            elif kw != "extras_require" or group:
                b.requirement(value, _line_at(text, offset), group=group)


# --- Pipfile ----------------------------------------------------------------------------


def _pipfile(b: _Builder, text: str) -> None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    lines = _Lines(text)
    requires = data.get("requires")
    if isinstance(requires, dict):
        for key in ("python_full_version", "python_version"):
            if isinstance(requires.get(key), str):
                i = lines.key(key, lines.header("requires"))
                b.python(requires[key], i + 1, lines.text(i))
                break
    _keyed_deps(b, lines, data.get("packages"), "packages", pip=True)
    _keyed_deps(b, lines, data.get("dev-packages"), "dev-packages", "group: dev-packages", pip=True)


# --- lock files -------------------------------------------------------------------------

_LOCK_KEY = re.compile(r"""(?P<key>name|version)\s*=\s*["'](?P<value>[^"']*)["']""")


def _toml_lock(b: _Builder, text: str) -> None:
    """poetry.lock, uv.lock, pdm.lock: ``[[package]]`` tables with name and version."""
    label = b.path.rsplit("/", 1)[-1]
    in_package = False
    name = ""
    for n, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if line == "[[package]]":
            in_package, name = True, ""
            continue
        if line.startswith("["):
            in_package = False
            continue
        m = _LOCK_KEY.match(line) if in_package else None
        if m is None:
            continue
        if m.group("key") == "name" and not name:
            name = m.group("value")
        elif m.group("key") == "version" and name:
            version = m.group("value")
            b.package(name, version, n, f'version = "{version}" ({label})', dev=True)
            in_package = False


def _pipfile_lock(b: _Builder, text: str) -> None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return
    if not isinstance(data, dict):
        return
    lines = _Lines(text)
    for section in ("default", "develop"):
        packages = data.get(section)
        if not isinstance(packages, dict):
            continue
        section_line = lines.find(f'"{section}"')
        for name, info in packages.items():
            if not isinstance(info, dict) or not isinstance(info.get("version"), str):
                continue
            version = info["version"]
            entry = lines.find(f'"{name}"', section_line)
            i = lines.find(f'"version": "{version}"', entry) if entry >= 0 else -1
            value = spec_value(version)
            b.package(
                name,
                value,
                i + 1 if i >= 0 else entry + 1,
                f'"version": "{version}" (Pipfile.lock)',
                dev=section == "develop",
            )


# --- wheel METADATA, .python-version, runtime.txt, manage.py ----------------------------


def _dist_metadata(b: _Builder, text: str) -> None:
    """Core metadata headers (``Requires-Dist:``, ``Requires-Python:``) up to the body."""
    for n, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r")
        if not line:
            break  # the long description follows the first blank line
        key, _, value = line.partition(":")
        value = value.strip()
        if key == "Requires-Python" and value:
            b.python(value, n, line)
        elif key == "Requires-Dist" and value:
            b.requirement(value, n)


_PYTHON_VERSION = re.compile(r"(?:python-?)?(?P<version>\d+(?:\.\d+){0,2}[A-Za-z0-9.+-]*)")


def _python_version_file(b: _Builder, text: str) -> None:
    """.python-version (``3.11.4``, ``3.12``) and runtime.txt (``python-3.11.4``)."""
    for n, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _PYTHON_VERSION.fullmatch(line)
        if m:
            b.python(m.group("version"), n, line)
        return


def _manage_py(b: _Builder, text: str) -> None:
    """Django's manage.py (a Flask-Script manage.py mentions no Django and gives nothing)."""
    for n, line in enumerate(text.split("\n"), 1):
        if "DJANGO_SETTINGS_MODULE" in line or re.match(r"\s*(from|import)\s+django\b", line):
            b.package("django", None, n, line.strip())
            return


# --- file kinds -------------------------------------------------------------------------

_EXACT_NAMES: dict[str, str] = {
    "pyproject.toml": "pyproject",
    "setup.cfg": "setup.cfg",
    "setup.py": "setup.py",
    "Pipfile": "pipfile",
    "Pipfile.lock": "pipfile.lock",
    "poetry.lock": "toml-lock",
    "uv.lock": "toml-lock",
    "pdm.lock": "toml-lock",
    ".python-version": "python-version",
    "runtime.txt": "python-version",
    "alembic.ini": "alembic.ini",
    "manage.py": "manage.py",
    "tox.ini": "tool-ini",
    "pytest.ini": "tool-ini",
}

_PARSERS = {
    "pyproject": _pyproject,
    "setup.cfg": _setup_cfg,
    "setup.py": _setup_py,
    "pipfile": _pipfile,
    "pipfile.lock": _pipfile_lock,
    "toml-lock": _toml_lock,
    "python-version": _python_version_file,
    "alembic.ini": _alembic_ini,
    "manage.py": _manage_py,
    "tool-ini": _tool_ini,
    "requirements": _requirements,
    "dist-metadata": _dist_metadata,
}


def _kind(path: str) -> str | None:
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    parent = parts[-2] if len(parts) > 1 else ""
    if name in _EXACT_NAMES:
        return _EXACT_NAMES[name]
    if name == "METADATA" and parent.endswith(".dist-info"):
        return "dist-metadata"
    if name.endswith(".txt") and parent == "requirements":
        return "requirements"
    if (name.endswith(".txt") and "requirements" in name) or (
        name.endswith(".in") and ("requirements" in name or parent == "requirements")
    ):
        return "requirements"
    return None


def is_metadata_file(path: str) -> bool:
    """Whether a relative path is a project metadata file ``extract_facts`` reads."""
    return _kind(path) is not None


def extract_facts(path: str, text: str) -> list[Fact]:
    """Stack facts from one metadata file, at most one per key, in file order."""
    kind = _kind(path)
    if kind is None:
        return []
    builder = _Builder(path, [])
    _PARSERS[kind](builder, text.removeprefix("\ufeff"))
    return builder.facts


# --- imports ----------------------------------------------------------------------------


def facts_from_imports(files: dict[str, list[str]], *, guarded: bool = False) -> list[Fact]:
    """Facts for known libraries imported anywhere (``files``: path -> imported modules).

    ``files`` lists top-level modules (``flask``), and may list dotted ones too
    (``pulpcore.plugin.access_policy``): a dotted module can show a library used through
    another (``_IMPLIED_BY_MODULE``) or a vendored copy of a known library the project
    imports (``app.vendor.flask_principal``: "Flask-Principal (vendored copy)").

    The source is the first importing file in sorted order, with line 0 (the pipeline has
    module names only). Vendored code (``memorybrain.paths.vendored_paths``) is no evidence:
    it is someone else's code. Test code is evidence only for test tools (httpx counts only
    where tests import it), migrations only for migration tools: a library imported only by
    them makes no fact. A library only modules of a backends package import says so in its
    evidence (``_BACKENDS_ONLY``): ``merge_facts`` keeps it only where the project declares it.
    With ``guarded``, ``files`` lists imports made only under an ImportError guard, and every
    fact says so (``_GUARDED_ONLY``): the same, an optional integration unless declared.
    """
    vendored = vendored_paths(files)
    users: dict[tuple[str, str], list[str]] = {}  # (package, " (vendored copy)" or "") -> paths
    for path in sorted(files):
        if path in vendored:
            continue
        found: set[tuple[str, str]] = set()
        for module in set(files[path]):
            for package, suffix in _packages_of(module, path):
                found.add((package, suffix))
        for key in found:
            users.setdefault(key, []).append(path)
    backends = _backend_modules(files)
    facts: list[Fact] = []
    for (package, suffix), all_paths in users.items():
        for category, display in lookup(package, dev=True):
            paths = [p for p in all_paths if _evidence_for(category, p)]
            if not paths:
                continue
            count = f"{len(paths)} file" + ("" if len(paths) == 1 else "s")
            evidence = f"imported in {count}, e.g. {paths[0]}"
            if suffix:
                evidence += f"{suffix[:-1]}: {_vendored_module(files[paths[0]], package)})"
            if all(p in backends for p in paths):
                evidence += _BACKENDS_ONLY
            if guarded:
                evidence += _GUARDED_ONLY
            facts.append(Fact(category, display + suffix, None, paths[0], 0, evidence))
    return _sorted(facts)


#: Libraries used through another library's module, without an import of their own:
#: pulpcore's ``AccessPolicyFromDB`` is a drf-access-policy ``AccessPolicy``.
_IMPLIED_BY_MODULE: dict[str, str] = {
    "pulpcore.plugin.access_policy": "drf-access-policy",
}
_VENDORED_COPY = " (vendored copy)"


def _packages_of(module: str, path: str) -> Iterator[tuple[str, str]]:
    """The known packages an import of ``module`` in ``path`` shows: ``(package, suffix)``."""
    parts = module.split(".")
    if len(parts) == 1:
        package = _BY_MODULE.get(module)
        if package is None and module in _DEV_ONLY and is_test_path(path):
            package = _DEV_ONLY[module][2]
        if package is not None:
            yield package, ""
        return
    for i in range(len(parts), 1, -1):
        implied = _IMPLIED_BY_MODULE.get(".".join(parts[:i]))
        if implied is not None:
            yield implied, ""
            break
    for i, part in enumerate(parts[1:-1], 1):  # app.vendor.flask_principal(.x)
        if part in VENDORED_DIRS and parts[i + 1] in _BY_MODULE:
            yield _BY_MODULE[parts[i + 1]], _VENDORED_COPY
            break


def _vendored_module(modules: list[str], package: str) -> str:
    """The dotted path of the vendored copy of ``package`` among ``modules``."""
    for module in sorted(modules):
        parts = module.split(".")
        for i, part in enumerate(parts[1:-1], 1):
            if part in VENDORED_DIRS and _BY_MODULE.get(parts[i + 1]) == package:
                return ".".join(parts[: i + 2])
    return package


def _evidence_for(category: str, path: str) -> bool:
    """Whether an import in ``path`` is evidence for a library of ``category``: tests only
    for test tools, migrations only for test and migration tools."""
    if category == "testing":
        return True
    if is_test_path(path):
        return False
    return category == "migrations" or not is_migration_path(path)


def _backend_modules(paths: Iterable[str]) -> set[str]:
    """Modules of a backends package (a folder named ``backends`` or ``*_backends`` holding
    at least two modules besides ``__init__``): interchangeable implementations a setting
    chooses between (lock, cache, mail, event-stream backends). A library only they import
    is needed only where that backend is configured."""
    by_dir: dict[str, list[str]] = {}
    for path in paths:
        folder = path.replace("\\", "/").rpartition("/")[0]
        leaf = folder.rsplit("/", 1)[-1]
        if (leaf == "backends" or leaf.endswith("_backends")) and not is_test_path(path):
            by_dir.setdefault(folder, []).append(path)
    return {
        p for modules in by_dir.values() if sum(not m.endswith("/__init__.py") for m in modules) >= 2 for p in modules
    }


# --- merging ----------------------------------------------------------------------------

_LOCK_FILES = frozenset({"poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock"})
_RUNTIME_FILES = frozenset({".python-version", "runtime.txt"})
_KIND_RANK = {
    "pyproject": 0,
    "setup.cfg": 1,
    "setup.py": 2,
    "pipfile": 3,
    "dist-metadata": 4,
    "requirements": 5,
}


def _basename(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _role(fact: Fact) -> str:
    """ "team", "lock" (resolved version), "declared" or "import"."""
    if fact.origin == "team":
        return "team"
    if fact.evidence.startswith("imported in "):  # (indexing gives it the import's line)
        return "import"
    name = _basename(fact.source_path)
    if name in _LOCK_FILES or (name in _RUNTIME_FILES and fact.category == "python"):
        return "lock"
    return "declared"


def _rank(fact: Fact) -> tuple[int, int, int, str, int]:
    """Root files first, versioned facts first, pyproject before requirements, file order."""
    kind = _kind(fact.source_path) or ""
    return (
        fact.source_path.count("/"),
        fact.value is None,
        _KIND_RANK.get(kind, 9),
        fact.source_path,
        fact.source_line,
    )


def _sort_key(fact: Fact) -> tuple[int, str, str]:
    category = CATEGORY_ORDER.index(fact.category) if fact.category in CATEGORY_ORDER else 99
    return category, fact.category, fact.name.lower()


def _sorted(facts: Iterable[Fact]) -> list[Fact]:
    return sorted(facts, key=_sort_key)


_EXTRA_IN_EVIDENCE = re.compile(r"""extra\s*==\s*["']([^"']+)["']|\(extra: ([^)]+)\)""")
#: Categories of libraries that code imports to use: declared only in an optional extra
#: and imported nowhere, they are an optional integration, not the project's stack.
_IMPORTED_CATEGORIES = frozenset({"framework", "orm", "migrations", "validation", "auth", "rate_limit", "tasks"})


def _optional_extra(fact: Fact) -> bool:
    """Declared in an optional extra (``extra == 'azure'``, ``extra == 'tests'``)."""
    return _EXTRA_IN_EVIDENCE.search(fact.evidence) is not None


#: Words naming an extra for working on the project rather than running it (whole words of
#: the extra's name: ``docs``, ``dev-docs``, ``devdocs``, ``test_utils``; not ``docker``).
_DEV_EXTRA_WORDS = frozenset(
    {
        "dev", "devel", "develop", "development", "devtools", "doc", "docs", "documentation",
        "sphinx", "mkdocs", "test", "tests", "testing", "pytest", "tox", "nox", "coverage", "cov",
        "lint", "linting", "linters", "style", "formatting", "typing", "types", "typecheck",
        "mypy", "pyright", "qa", "ci", "precommit", "bench", "benchmark", "benchmarks", "profiling",
    }
)  # fmt: skip


def _dev_extra_name(name: str) -> bool:
    """``devdocs``, ``docs``, ``test``, ``lint``, ``typing``: an extra for development work;
    ``postgres``, ``redis``, ``ldap``, ``docker``: one the app can run with."""
    for word in re.split(r"[-_.\s]+", name.strip().lower()):
        if word in _DEV_EXTRA_WORDS:
            return True
        if any(word[:i] in _DEV_EXTRA_WORDS and word[i:] in _DEV_EXTRA_WORDS for i in range(2, len(word) - 1)):
            return True  # two words written as one: devdocs, testdev
    return False


def _dev_extra(fact: Fact) -> bool:
    """Declared in an extra for development work (``extra == "devdocs"``, ``(extra: test)``)."""
    m = _EXTRA_IN_EVIDENCE.search(fact.evidence)
    return m is not None and _dev_extra_name(m.group(1) or m.group(2))


#: Evidence an import fact gets when only pluggable backends import the library
#: (``facts_from_imports``).
_BACKENDS_ONLY = " (only in backend modules)"
#: Evidence of an import fact made from imports under an ImportError guard only
#: (``facts_from_imports(..., guarded=True)``): an optional integration, a fact only where
#: the project declares the library, and then it shows the declaration used.
_GUARDED_ONLY = " (only under an ImportError guard)"


#: Categories of libraries the code must import to build on: declared but imported nowhere
#: by the indexed code (nor configured in its settings), they are no part of its stack (a
#: pin of a transitive dependency, a dependency of vendored code, a leftover). Migration
#: tools, servers and drivers are run or loaded by name and are not in it.
_USED_BY_IMPORT = frozenset({"framework", "orm", "validation", "auth", "rate_limit", "tasks"})

#: Libraries another library loads without the code importing them: display name -> the
#: libraries (display names) whose use shows them used: passlib's ``argon2``/``bcrypt``
#: hashers need argon2-cffi/bcrypt; Flask-AppBuilder's API ``@protect()`` checks
#: Flask-JWT-Extended tokens.
_USED_THROUGH: dict[str, tuple[str, ...]] = {
    "argon2-cffi": ("passlib",),
    "bcrypt": ("passlib", "Flask-Bcrypt"),
    "Flask-JWT-Extended": ("Flask-AppBuilder",),
}


@dataclass(frozen=True, slots=True)
class _Used:
    """What the code is seen to use, across groups: whether any import is known at all,
    the names (lower case) of libraries with use evidence or used through one
    (``_USED_THROUGH``), and whether some framework is used."""

    imports_known: bool
    names: frozenset[str]
    framework: bool

    @classmethod
    def of(cls, facts: list[Fact]) -> _Used:
        shown = [f for f in facts if _shows_use(f)]
        names = {f.name.lower() for f in shown}
        declared = {f.name for f in facts if _role(f) == "declared"}
        grew = True
        while grew:  # a library used through one used through another
            grew = False
            for name, carriers in _USED_THROUGH.items():
                if name in declared and name.lower() not in names and any(c.lower() in names for c in carriers):
                    names.add(name.lower())
                    grew = True
        return cls(
            any(_role(f) == "import" for f in facts),
            frozenset(names),
            any(f.category == "framework" for f in shown),
        )


def _shows_use(fact: Fact) -> bool:
    """An import, or a fact read from the project's code (settings' INSTALLED_APPS, manage.py)
    rather than from its dependency declarations."""
    role = _role(fact)
    if role == "import":
        return True
    return (
        role == "declared"
        and fact.source_path.endswith(".py")
        and _basename(fact.source_path) != "setup.py"
        and not is_test_path(fact.source_path)
    )


def _unused_declaration(group: list[Fact], seen: _Used) -> bool:
    """A library of ``_USED_BY_IMPORT`` the project declares but its indexed code neither
    imports nor configures, where imports are known. Kept: one a library in use loads
    (``_USED_THROUGH``), and a framework when the code shows no framework at all (an index of
    part of a project: the declaration is the best evidence there is)."""
    first = group[0]
    if not seen.imports_known or first.category not in _USED_BY_IMPORT or first.name.lower() in seen.names:
        return False
    return not (first.category == "framework" and not seen.framework)


def _merge_one(group: list[Fact], seen: _Used) -> Fact | None:
    imports_known = seen.imports_known
    by_role: dict[str, list[Fact]] = {}
    for f in group:
        by_role.setdefault(_role(f), []).append(f)
    if "team" in by_role:
        return by_role["team"][0]
    guarded = [f for f in by_role.get("import", []) if f.evidence.endswith(_GUARDED_ONLY)]
    imports = [f for f in by_role.get("import", []) if not f.evidence.endswith(_GUARDED_ONLY)]
    locks = sorted(by_role.get("lock", []), key=_rank)
    declared = sorted(by_role.get("declared", []), key=_rank)
    used = f"; {(imports or guarded)[0].evidence}" if imports or guarded else ""
    if declared and imports_known and not imports and group[0].category in _IMPORTED_CATEGORIES:
        if all(_optional_extra(f) for f in declared):
            return None
    if declared and _unused_declaration(group, seen):
        return None
    outside_tests = [f for f in declared if not is_test_path(f.source_path)]  # test settings' INSTALLED_APPS
    if outside_tests and group[0].category != "testing" and all(_dev_extra(f) for f in outside_tests):
        return None  # a docs or dev tool, whatever imports it (a docs command): not what the app runs on
    if not declared and not locks and imports:
        if imports[0].evidence.endswith(_BACKENDS_ONLY):
            return None  # needed only where that backend is configured
        if (imports[0].category, imports[0].name) in _NEEDS_DECLARATION_DISPLAYS:
            return None  # the project's own module of that name, as likely as the library
    if declared:
        primary = declared[0]
        resolved = locks[0] if locks else None
        verb = "locked"
        if resolved is None and not _is_exact(primary.value):
            resolved = next((f for f in declared[1:] if _is_exact(f.value)), None)
            verb = "pinned"
        elif resolved is not None and _basename(resolved.source_path) in _RUNTIME_FILES:
            verb = "pinned"
        value, evidence = primary.value, primary.evidence
        if resolved is not None and resolved.value:
            value = resolved.value
            evidence += f" in {primary.source_path}; {verb} {resolved.value} in {resolved.source}"
        return replace(primary, value=value, evidence=evidence + used)
    if locks and (imports or locks[0].category == "python"):
        # a lock entry nobody declares is a transitive dependency unless the code imports it
        return replace(locks[0], evidence=locks[0].evidence + used)
    if imports:
        return imports[0]
    return None


def merge_facts(facts: list[Fact]) -> list[Fact]:
    """One fact per key, in category order then name.

    The declaration (shallowest file, pyproject before requirements, first line) is the
    source; the version comes from a lock file (or .python-version for Python), else from an
    exact pin in another declaration, else the declaration's own spec. Facts only imported
    are kept (unless only backend modules import the library, or its import name is one a
    project's own module often has: ``_NEEDS_DECLARATION``); lock entries neither declared
    nor imported (transitive) are dropped. When import facts are given at all, a library the
    code imports to use (framework, ORM, auth, ...) declared only in an optional extra and
    imported nowhere is an optional integration and is dropped. A library declared only in
    extras for development work (docs, dev, test, lint, typing: ``_dev_extra_name``), and
    otherwise only by test code (test settings), is not what the app runs on and is dropped
    whatever imports it, test tools excepted. When imports are known, a library the code
    must import to build on (framework, ORM, validation, auth, rate limiting, tasks) that is
    declared but neither imported nor configured in settings is dropped
    (``_unused_declaration``): a dependency in the metadata is no evidence the code uses it.
    Facts written by the team win outright.
    """
    groups: dict[str, list[Fact]] = {}
    for f in facts:
        groups.setdefault(f.key, []).append(f)
    seen = _Used.of(facts)
    merged = (_merge_one(group, seen) for group in groups.values())
    return _sorted(f for f in merged if f is not None)


# --- what the code uses of a library ----------------------------------------------------

#: Libraries whose category holds only when the code imports a given part of them:
#: display name -> (module prefixes or ``module.name`` that show the role, the library's
#: top module, (category, display name) otherwise). aiohttp is a web framework where
#: ``aiohttp.web`` is imported, an HTTP client library elsewhere; Flask-WTF validates forms
#: where ``FlaskForm`` is imported, and is CSRF protection only where only ``CSRFProtect``
#: (``flask_wtf.csrf``) is.
_ROLE_BY_USAGE: dict[str, tuple[tuple[str, ...], str, tuple[str, str], tuple[str, str]]] = {
    "aiohttp": (("aiohttp.web",), "aiohttp", ("other", "aiohttp"), ("other", "aiohttp (HTTP client)")),
    "Flask-WTF": (
        ("flask_wtf.FlaskForm", "flask_wtf.Form", "flask_wtf.form", "flask_wtf.file", "flask_wtf.recaptcha"),
        "flask_wtf",
        ("validation", "Flask-WTF"),  # imported nowhere: no evidence against forms
        ("other", "Flask-WTF (CSRF protection)"),
    ),
    # a web framework where handlers are written on ``tornado.web`` (OctoPrint's upload and
    # websocket handlers); only the HTTP server of a WSGI app where the code imports just
    # ``tornado.wsgi``/``httpserver``/``ioloop`` (calibre-web serves Flask with it)
    "Tornado": (
        ("tornado.web", "tornado.websocket"),
        "tornado",
        ("framework", "Tornado"),  # imported nowhere: no evidence against it
        ("server", "Tornado (HTTP server for the WSGI app)"),
    ),
}


def qualify_by_usage(facts: list[Fact], imported: set[str] | None) -> list[Fact]:
    """Recategorise facts by what the code imports of the library (``_ROLE_BY_USAGE``).

    ``imported`` holds every absolute import as ``module`` and ``module.name`` (``aiohttp``,
    ``aiohttp.ClientSession``, ``flask_wtf.csrf.CSRFProtect``); None when unknown (facts
    stay as they are). Facts written by the team are never changed.
    """
    if imported is None:
        return facts
    out: list[Fact] = []
    for f in facts:
        rule = _ROLE_BY_USAGE.get(f.name)
        if rule is None or f.origin == "team" or f.category not in ("framework", "validation"):
            out.append(f)
            continue
        markers, top, unused, other = rule
        if any(i == m or i.startswith(m + ".") for i in imported for m in markers):
            out.append(f)
            continue
        used = any(i == top or i.startswith(top + ".") for i in imported)
        category, name = other if used else unused
        out.append(replace(f, category=category, name=name))
    return _sorted(out)
