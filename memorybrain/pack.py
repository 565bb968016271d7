"""Context packs: the stack, the conventions, the closest exemplars, the checklist.

A convention is what the project does most; an exemplar is its closest instance. The pack
mixes both signals: conventions come from usage across the codebase (computed by the
linker at index time), exemplars from similarity to the request (``memorybrain.retrieve``)
followed along the chain of what they use (the auth dependency, the error handler, the
pagination helper, the schema a route returns, an endpoint test of the same routes).

Everything is fitted to a token budget (``memorybrain.tokens``), in a fixed section order;
long bodies are trimmed at line boundaries with a visible marker, never cut mid-line.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from memorybrain.curation import Curation, report_markdown
from memorybrain.embeddings import Encoder
from memorybrain.errors import RequestError
from memorybrain.mechanisms import last_name, tally_auth
from memorybrain.models import Fact, Pattern
from memorybrain.modpath import absolute_module
from memorybrain.paths import is_migration_path, is_test_path
from memorybrain.retrieve import Hit, Retriever
from memorybrain.store import Store
from memorybrain.tokens import CHARS_PER_TOKEN, METHOD, count_tokens

PACK_SCHEMA = "memorybrain.pack/1"
MAX_REQUEST_CHARS = 2000

#: Lines kept of one exemplar before trimming (the rest is replaced by a marker line).
MAX_EXEMPLAR_LINES = 60

CHECKLIST = (
    ("auth", "Authentication on every endpoint"),
    ("validation", "Input validation"),
    ("db_errors", "Database errors returned as proper HTTP errors"),
    ("rate_limit", "Rate limiting"),
    ("responses", "Consistent response format"),
    ("deletes", "Guarded destructive operations"),
    ("tests", "Endpoint tests"),
)


@dataclass
class Exemplar:
    pattern: Pattern
    role: str
    reason: str
    code: str = ""
    trimmed_lines: int = 0
    header: str = ""
    team_approved: bool = False  # pinned by the team (memorybrain.curation)
    note: str = ""  # the team's note on this pattern
    stale: bool = False  # pinned, but its code changed since

    def as_dict(self) -> dict[str, Any]:
        p = self.pattern
        return {
            "id": p.id,
            "role": self.role,
            "reason": self.reason,
            "kind": p.kind,
            "name": p.name,
            "qualname": p.qualname,
            "path": p.path,
            "start_line": p.start_line,
            "end_line": p.end_line,
            "location": p.location,
            "summary": p.summary,
            "usage": p.usage,
            "header": self.header or None,
            "code": self.code,
            "trimmed_lines": self.trimmed_lines,
            "team_approved": self.team_approved,
            "note": self.note or None,
            "pin_stale": self.stale,
        }


@dataclass
class ChecklistItem:
    key: str
    item: str
    answer: str
    found: bool

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "item": self.item, "answer": self.answer, "found": self.found}


@dataclass
class Pack:
    request: str
    budget: int
    project: str
    stack: list[Fact] = field(default_factory=list)
    conventions: list[dict[str, Any]] = field(default_factory=list)
    exemplars: list[Exemplar] = field(default_factory=list)
    checklist: list[ChecklistItem] = field(default_factory=list)
    omitted: list[dict[str, str]] = field(default_factory=list)
    tokens: int = 0
    #: which pins, rules and facts went in and which were left out (None: nothing curated)
    curation: dict[str, Any] | None = None

    # ------------------------------------------------------------------ rendering

    def to_markdown(self) -> str:
        out = [f"# Context pack: {self.request}", ""]
        out.append(f"_Project `{self.project}` · how this codebase does it · budget {self.budget} tokens ({METHOD})._")
        out.append("")
        if self.stack:
            out.append("## Stack")
            for f in self.stack:
                value = f" {f.value}" if f.value else ""
                team = " — set by the team" if f.origin == "team" else ""
                out.append(f"- {f.category}: **{f.name}**{value} ({f.source}){team}")
            out.append("")
        if self.conventions:
            out.append("## Conventions")
            for c in self.conventions:
                team = " — team rule" if c.get("origin") == "team" else ""
                out.append(f"- {c['statement']}{team}")
            out.append("")
        if self.exemplars:
            out.append("## Exemplars")
            out.extend(exemplar_markdown(ex) for ex in self.exemplars)
        if self.checklist:
            out.append("## Checklist")
            for item in self.checklist:
                mark = "x" if item.found else " "
                out.append(f"- [{mark}] **{item.item}**: {item.answer}")
            out.append("")
        if self.curation is not None:
            out.append(report_markdown(self.curation))
        return "\n".join(out).rstrip() + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": PACK_SCHEMA,
            "request": self.request,
            "project": self.project,
            "budget": self.budget,
            "tokens": self.tokens,
            "token_counting": METHOD,
            "stack": [
                {
                    "category": f.category,
                    "name": f.name,
                    "value": f.value,
                    "source": f.source,
                    "evidence": f.evidence,
                    "origin": f.origin,
                }
                for f in self.stack
            ],
            "conventions": [
                {
                    "key": c["key"],
                    "topic": c["topic"],
                    "statement": c["statement"],
                    "count": c.get("data", {}).get("count"),
                    "total": c.get("data", {}).get("total"),
                    "origin": c.get("origin", "detected"),
                }
                for c in self.conventions
            ],
            "exemplars": [e.as_dict() for e in self.exemplars],
            "checklist": [c.as_dict() for c in self.checklist],
            "omitted": self.omitted,
            "curation": self.curation or {"used": [], "left_out": [], "excluded_patterns": 0},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def render(self, fmt: str) -> str:
        return self.to_json() if fmt == "json" else self.to_markdown()


# ---------------------------------------------------------------------- helpers


def exemplar_markdown(ex: Exemplar) -> str:
    """One exemplar block (ends with a blank line)."""
    p = ex.pattern
    approved = ""
    if ex.team_approved:
        approved = " · team-approved (code changed since pinned)" if ex.stale else " · team-approved"
    lines = [f"### {ex.role}: `{p.qualname}` — {p.location}{approved}"]
    lines.append(f"_{p.summary} · {ex.reason}_" if p.kind == "route" else f"_{ex.reason}_")
    if ex.note:
        lines.append(f"> Team note: {ex.note}")
    lines.append("```python")
    if ex.header:
        lines += [ex.header, ""]
    lines += [ex.code, "```", ""]
    return "\n".join(lines)


def exemplar_cost(ex: Exemplar, fmt: str) -> int:
    """Characters one exemplar adds to a rendered pack (exact for md, a close upper bound for json)."""
    if fmt == "json":
        text = json.dumps(ex.as_dict(), indent=2, ensure_ascii=False)
        return len(text) + 4 * (text.count("\n") + 1) + 2  # nested 4 deeper, plus ",\n"
    return len(exemplar_markdown(ex)) + 1


#: Weight of a route module's routes naming the request's resource, against similarity (~0.3-0.9).
NAMING_WEIGHT = 0.25
#: stack facts a tight budget keeps before it drops conventions
MIN_STACK_BEFORE_CONVENTIONS = 8
#: how much a whole CRUD resource in a module counts when the request's resource is new
NEW_RESOURCE_WEIGHT = 0.45
#: how much it counts against a module that none of its routes is served (where others are)
UNMOUNTED_WEIGHT = 0.15
#: CRUD operations (of list, get, create, update, delete) that make a collection a resource to copy
MIN_CRUD_SLOTS = 3
#: Lines of each of the next closest routes the first exemplar's header leaves room for.
ROOM_LINES = 12
#: ... but the header keeps at least this share of what the fixed sections leave ...
MIN_HEADER_SHARE = 50
#: ... and smaller packs keep their header whole: below this budget one route is all that fits
#: beside it, and the quality suite loses 0.10 of recall at 2000 tokens when the header gives way.
ROOM_MIN_BUDGET = 3000


def _room_for_the_crud_set(candidates: list[Exemplar], room: int, fmt: str) -> None:
    """Cut the first exemplar's import header so that exemplar (cut to half its lines) and the
    next route of the closest resource (cut to ``ROOM_LINES``) fit: in a project with long
    conventions and long handlers, one route under a long import header teaches less than two.
    The header keeps at least ``MIN_HEADER_SHARE`` of the room (the quality suite's recall at
    4000 tokens is unchanged; cutting it further cost 0.004)."""
    if not candidates or not candidates[0].header:
        return
    first = candidates[0]

    def cost(ex: Exemplar, lines: int, header: str | None = None) -> int:
        code, trimmed = trim_code(ex.pattern.code, lines, ex.pattern.location)
        probe = replace(ex, code=code, trimmed_lines=trimmed, header=ex.header if header is None else header)
        return exemplar_cost(probe, fmt)

    routes = [ex for ex in candidates[1:] if ex.role == "closest resource"][:1]
    need = cost(first, MAX_EXEMPLAR_LINES // 2, header="") + sum(cost(ex, ROOM_LINES) for ex in routes)
    allowance = max(room - need, (room * MIN_HEADER_SHARE) // 100)
    if len(first.header) > allowance:
        first.header = fit_header(first.header, allowance)


#: Standard-library modules whose imports a header still shows: ``Annotated`` dependencies.
_KEPT_STDLIB = frozenset({"typing"})


def _is_stdlib_import(line: str) -> bool:
    """``import json`` / ``from datetime import datetime`` (not ``typing``, not relative)."""
    parts = line.split()
    if len(parts) < 2 or parts[0] not in ("import", "from"):
        return False
    if parts[0] == "import":
        tops = {m.split(" as ")[0].strip().split(".")[0] for m in line.removeprefix("import ").split(",")}
    else:
        tops = {parts[1].split(".")[0]}  # "" for a relative import
    return all(t in sys.stdlib_module_names and t not in _KEPT_STDLIB for t in tops)


def _is_own_import(line: str, own: set[str]) -> bool:
    module = line.split()[1] if len(line.split()) > 1 else ""
    return module.startswith(".") or module.split(".")[0] in own


_FROM_IMPORT = re.compile(r"from\s+(\S+)\s+import\s+\(?(.*?)\)?\s*")


def merge_imports(lines: Iterable[str]) -> list[str]:
    """One ``from M import a, b`` line per module, where the first line from ``M`` stood.

    Projects that write one import per line spend a line, and the module's path, on every
    name; merged, a header shows all of a module's names in the room of a few lines.
    """
    out: list[str | list[str]] = []
    by_module: dict[str, list[str]] = {}
    for text in lines:
        m = _FROM_IMPORT.fullmatch(text)
        if not m:
            out.append(text)
            continue
        names = [n.strip() for n in m.group(2).split(",") if n.strip()]
        if m.group(1) in by_module:
            by_module[m.group(1)].extend(n for n in names if n not in by_module[m.group(1)])
        else:
            by_module[m.group(1)] = names
            out.append([m.group(1)])
    return [x if isinstance(x, str) else f"from {x[0]} import {', '.join(by_module[x[0]])}" for x in out]


def fit_header(header: str, max_chars: int) -> str:
    """Drop whole lines from the end of an exemplar header until it fits ``max_chars``
    (a comment line left with nothing under it goes too)."""
    lines = header.splitlines()
    while lines and len("\n".join(lines)) > max_chars:
        lines.pop()
        while lines and lines[-1].startswith("#"):
            lines.pop()
    return "\n".join(lines)


def trim_code(code: str, max_lines: int, location: str) -> tuple[str, int]:
    """Keep whole lines; mark what was left out so nobody mistakes it for the full body."""
    lines = code.splitlines()
    if len(lines) <= max_lines:
        return code, 0
    keep = max(max_lines - 1, 1)
    indent = re.match(r"\s*", lines[min(keep, len(lines) - 1)]).group(0)  # type: ignore[union-attr]
    dropped = len(lines) - keep
    marker = f"{indent}# … {dropped} more lines trimmed (see {location})"
    return "\n".join([*lines[:keep], marker]), dropped


_TOPIC_LABEL = {
    "auth": "authentication",
    "errors": "errors",
    "db_errors": "database errors",
    "validation_errors": "validation errors",
    "pagination": "pagination",
    "db": "database sessions",
    "rate_limit": "rate limiting",
    "validation": "request/response schemas",
    "models": "models",
    "tests": "endpoint tests",
    "middleware": "middleware",
}


def _topic_label(convention: dict[str, Any], pattern: Pattern | None) -> str:
    """What an exemplar of ``convention`` is the convention for: a DRF permission class
    (``has_permission``) decides who may do what, so its auth is permissions (authorization),
    not authentication."""
    if convention["topic"] == "auth" and pattern is not None and pattern.meta.get("role") == "permission":
        return "permissions (authorization)"
    return _TOPIC_LABEL.get(convention["topic"], convention["topic"])


_API_REQUEST = re.compile(r"\bAPIs?\b|\bREST\b|endpoint", re.I)


def _api_files(routes: Iterable[Pattern]) -> set[str]:
    """Files whose routes are mostly DRF API views. Where the project serves its API under an
    ``/api`` path known from the root urlconf, a DRF route known to be served elsewhere is a
    page (a UI viewset at ``/dcim/devices/`` beside the API's ``/api/dcim/devices/``); a route
    whose urlconf is mounted at run time may be either."""
    routes = list(routes)

    def outside_api(p: Pattern) -> bool:
        return bool(p.meta.get("rooted")) and not _API_PATH.search(str(p.meta.get("full_path") or ""))

    drf = [p for p in routes if p.meta.get("framework") == "drf"]
    under_api = any(p.meta.get("rooted") and not outside_api(p) for p in drf)
    total: Counter[str] = Counter()
    api: Counter[str] = Counter()
    for p in routes:
        total[p.path] += 1
        if p.meta.get("framework") == "drf" and not (under_api and outside_api(p)):
            api[p.path] += 1
    return {f for f, n in api.items() if 2 * n > total[f]}


#: routes searched for an API module when server-rendered pages fill the nearest hits
API_SEARCH_LIMIT = 1000
_API_PATH = re.compile(r"(?:^|/)api(?:/|$)")


def _path_key(path: str) -> str:
    """A path reduced to its literal segments: '/api/v1/messages/{id}' -> '/api/v1/messages'."""
    path = path.split("?", 1)[0]
    segments = [s for s in path.split("/") if s and not re.search(r"[{<:]|^\d+$", s)]
    return "/" + "/".join(segments[:4]) if segments else ""


def _crud_slot(method: str, path: str) -> str | None:
    """list / get / create / update / delete for a method on a collection or item path."""
    item = bool(re.search(r"[{<][^}>]+[}>]\s*/?$", path))
    return {
        ("GET", False): "list",
        ("GET", True): "get",
        ("POST", False): "create",
        ("PUT", True): "update",
        ("PATCH", True): "update",
        ("DELETE", True): "delete",
    }.get((method, item))


#: Django REST Framework viewset actions -> the CRUD operation each one serves.
_ACTION_SLOTS = {
    "list": "list",
    "retrieve": "get",
    "create": "create",
    "update": "update",
    "partial_update": "update",
    "destroy": "delete",
}


def route_slots(p: Pattern) -> set[str]:
    """The CRUD operations a route pattern serves. A DRF viewset is one pattern for its list
    and item routes alike: its actions say which it has (``retrieve`` on ``{pk}/``)."""
    actions = [a for a in p.meta.get("actions") or [] if isinstance(a, dict)]
    if actions:
        return {_ACTION_SLOTS[a["action"]] for a in actions if a.get("action") in _ACTION_SLOTS}
    path = str(p.meta.get("full_path") or p.meta.get("path") or "")
    return {s for m in p.meta.get("methods") or [] if (s := _crud_slot(str(m), path))}


#: Words of a handler's name that say nothing beyond "this resource" (``delete_thread``,
#: ``InvoiceViewSet``): a name with other words (``delete_thread_element``) is about something else.
_PLAIN_ROUTE_WORDS = frozenset(
    "list get read create new add post update edit put patch partial delete remove destroy retrieve "
    "all one by id view set viewset views resource api endpoint endpoints handler detail index".split()
)


def resource_path(p: Pattern) -> str:
    """The collection a route serves: its path less a trailing parameter (``/agents/{id}`` and
    ``/agents/`` are both ``/agents``; ``/agents/{id}/tools/{name}`` is ``/agents/{id}/tools``)."""
    path = str(p.meta.get("full_path") or p.meta.get("path") or "").rstrip("/")
    head, _, last = path.rpartition("/")
    return head if re.search(r"[{<(:]", last) else path


def crud_groups(routes: Iterable[Pattern]) -> dict[str, set[str]]:
    """Each collection the routes serve -> the CRUD operations its routes offer."""
    groups: dict[str, set[str]] = defaultdict(set)
    for p in routes:
        groups[resource_path(p)] |= route_slots(p)
    return groups


def _route_label(p: Pattern) -> str:
    """``GET /api/v1/items/<pk>`` of a route pattern."""
    return f"{','.join(p.meta.get('methods') or [])} {p.meta.get('full_path') or p.meta.get('path') or '?'}"


_CRUD_REQUEST = re.compile(r"\bcrud\b|\bendpoints\b|\bresources?\b|\bapi for\b|\brest api\b", re.I)
#: Stack categories, most telling first (the tail is what a small budget drops).
_CATEGORY_RANK = {
    c: i
    for i, c in enumerate(
        (
            "framework",
            "orm",
            "validation",
            "auth",
            "database",
            "migrations",
            "rate_limit",
            "testing",
            "python",
            "tasks",
            "server",
            "other",
        )
    )
}
_TYPE_WORD = re.compile(r"[A-Z][A-Za-z0-9_]*")


#: Patterns a builder keeps decoded between requests.
PATTERN_CACHE_SIZE = 20_000
#: Share of the budget (percent) the first exemplar's header may take.
HEADER_SHARE = 50
#: Import lines of the first exemplar's own module shown (merged, one per module).
MAX_OWN_IMPORT_LINES = 40
#: Names listed per module of the request's resource.
MAX_RESOURCE_NAMES = 30
#: Words of a request that name no resource.
_REQUEST_WORDS = frozenset(
    """a add adding all allow an and api apis app are as at be build can change create crud delete
    do edit endpoint endpoints fetch for from get handle handler handlers http implement in into is
    it let list make manage my need new of on or our page pages please remove rest retrieve return
    route routes service set should show support that the their this to update use view views want
    we which will with write""".split()
)


def resource_terms(request: str) -> list[frozenset[str]]:
    """The words of a request that may name a resource, each with its singular and plural
    forms: "service accounts" -> [{service, services}, {accounts, account}]."""
    out: list[frozenset[str]] = []
    words = [w for w in dict.fromkeys(re.findall(r"[a-z][a-z0-9]+", request.lower())) if len(w) >= 3]
    named = [w for w in words if w not in _REQUEST_WORDS]
    if not named:  # "endpoints for app": a usual request word names the resource when nothing else does
        last = re.search(r"\b(?:for|of|on)\s+(?:the\s+|an?\s+|our\s+|my\s+)?([a-z][a-z0-9]{2,})\s*$", request.lower())
        named = [last.group(1)] if last else []
    for word in named:
        if word.endswith("ies"):
            other = word[:-3] + "y"
        elif word.endswith(("ses", "xes", "ches", "shes")):
            other = word[:-2]
        elif word.endswith("s") and not word.endswith("ss"):
            other = word[:-1]
        elif word.endswith("y"):
            other = word[:-1] + "ies"
        else:
            other = word + "s"
        out.append(frozenset((word, other)))
    return out


def resource_words(request: str) -> set[str]:
    """All forms of all the resource words of a request."""
    return set().union(*resource_terms(request))


def _route_names(terms: list[frozenset[str]], p: Pattern) -> int:
    """How many of the resource's words a route's handler name and path say."""
    return _matched_terms(terms, name_words(f"{p.qualname} {p.meta.get('full_path') or p.meta.get('path') or ''}"))


def _matched_terms(terms: list[frozenset[str]], words: Iterable[str]) -> int:
    words = set(words)
    return sum(1 for t in terms if t & words)


_SHARED_MARKER = "\n# also imported by other route modules like it:\n"
_BLOCK_KINDS = ("decorator", "dependency", "exception", "error_handler")
_NAME_KIND_RANK = {
    k: i for i, k in enumerate(("schema", "model", "exception", "dependency", "decorator", "pagination"))
}


def name_words(name: str) -> list[str]:
    """``MemoryBaseCreate`` -> memory, base, create; ``get_user_by_id`` -> get, user, by, id."""
    return [w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", name)]


#: Module names that hold what handlers import: data layer, validation, services, errors.
_LAYERS = (
    "models", "model", "schemas", "schema", "serializers", "forms", "filters", "filtersets",
    "permissions", "services", "service", "crud", "repository", "exceptions", "errors",
    "constants", "choices", "utils", "helpers", "querysets", "managers",
)  # fmt: skip
_LAYER_RANK = {name: i for i, name in enumerate(_LAYERS)}


def _layer_rank(path: str) -> int:
    """How early a module's layer comes in ``_LAYERS`` (its file name, else a folder name)."""
    parts = path.removesuffix(".py").split("/")
    ranks = [_LAYER_RANK[p] for p in reversed(parts) if p in _LAYER_RANK]
    return ranks[0] if ranks else len(_LAYERS)


def _module_of(path: str) -> str:
    """``src/app/models/invoice.py`` -> ``app.models.invoice`` (``__init__.py`` names its package)."""
    parts = [x for x in path.removesuffix(".py").split("/") if x]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    if parts and parts[0] == "src":
        parts = parts[1:]
    return ".".join(parts)


#: Modules that are no resource's code to import even when named like it: management commands
#: (scripts), template-tag libraries, Django's AppConfig modules are handled separately.
_NOT_RESOURCE_CODE = re.compile(r"(^|/)(management/commands|templatetags)/")


def _importable(path: str) -> bool:
    """Whether the file's dotted module name can be written in an import statement
    (``management/commands/email-weight-reminder.py`` cannot)."""
    return all(part.isidentifier() for part in _module_of(path).split("."))


@lru_cache(maxsize=1 << 16)
def _is_test_path(path: str) -> bool:
    """Tests and migrations: indexed, never offered as something to import."""
    return is_test_path(path) or is_migration_path(path) or path.rsplit("/", 1)[-1] == "migrations.py"


class PackBuilder:
    """Assemble a pack from the store (one builder can serve many requests)."""

    def __init__(self, store: Store, encoder: Encoder, project: str = "") -> None:
        self.store = store
        self.retriever = Retriever(store, encoder)
        self.project = project or store.get_meta("root") or str(store.path)
        self._by_name: dict[str, list[tuple[str, str, str, str]]] | None = None
        self._imports_cache: dict[str, dict[str, str] | None] = {}
        self._own: set[str] | None = None
        self._file_metas: dict[str, dict[str, Any] | None] = {}
        self._tests: dict[str, list[tuple[str, str, int]]] | None = None
        self._paths: dict[str, list[str]] | None = None
        self._outlines: dict[str, list[tuple[str, str]]] = {}
        self._pattern_cache: dict[str, Pattern] = {}
        self._words: dict[str, list[str]] | None = None
        self._top_levels: dict[str, tuple[list[str], str, str] | None] = {}
        self._imported: dict[str, list[tuple[str, int]]] | None = None
        self._modules: dict[str, str] | None = None
        self._constants: tuple[dict[str, list[str]], dict[str, str]] | None = None
        self._curation = Curation()

    def refresh(self) -> None:
        self.retriever.refresh()
        self._by_name = None
        self._imports_cache = {}
        self._own = None
        self._file_metas = {}
        self._tests = None
        self._paths = None
        self._top_levels = {}
        self._outlines = {}
        self._pattern_cache = {}
        self._words = None
        self._imported = None
        self._modules = None
        self._constants = None

    def _imported_names(self) -> dict[str, list[tuple[str, int]]]:
        """Module -> the names other modules import from it, with how many files do, the most
        imported first."""
        if self._imported is None:
            self._file_indexes()
        assert self._imported is not None
        return self._imported

    def _constant_index(self) -> tuple[dict[str, list[str]], dict[str, str]]:
        """Each word of a module-level constant's name -> the constants that contain it, and
        each constant -> the first importable, non-test module that defines it."""
        if self._constants is None:
            self._file_indexes()
        assert self._constants is not None
        return self._constants

    def _file_indexes(self) -> None:
        """The indexes read from every file's stored meta, built in one pass once per builder:
        what other modules import from each module, and the modules' constants."""
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        by_word: dict[str, list[str]] = defaultdict(list)
        defined_in: dict[str, str] = {}
        for path, meta in sorted(self.store.files_meta("python").items()):
            if _is_test_path(path):
                continue
            for imp in meta.get("imports") or []:
                name = imp.get("name")
                if not name or name == "*" or imp.get("local"):
                    continue
                module = absolute_module(path, str(imp.get("module") or ""), int(imp.get("level") or 0))
                counts[module][str(name)] += 1
            if not _importable(path) or _NOT_RESOURCE_CODE.search(path):
                continue
            for name in meta.get("constants") or []:
                if not name.startswith("_") and name not in defined_in:
                    defined_in[name] = path
                    for w in set(name_words(name)):
                        by_word[w].append(name)
        self._imported = {m: sorted(c.items(), key=lambda kv: (-kv[1], kv[0])) for m, c in counts.items()}
        self._constants = (dict(by_word), defined_in)

    def _more_from_shown(self, header: str, limit: int) -> str:
        """Other names of the project's modules the header imports from: a new module needs
        the same modules' other names (``CanEditPost`` next to ``CanEditUser``). Names other
        files import come first, the most imported first; then the modules' other public
        classes and functions, then their constants, the modules in header order."""
        if limit <= 0:
            return ""
        own = self._own_packages()
        shown = set(re.findall(r"\w+", header))
        modules = re.findall(r"(?m)^from ([\w.]+) import ", header)
        modules = [m for m in dict.fromkeys(modules) if m.split(".")[0] in own]
        imported = self._imported_names()
        picks: list[tuple[int, int, int, str, str]] = []
        for rank, module in enumerate(modules):
            for name, n in imported.get(module, []):
                if name not in shown:  # a private name other files import is shared all the same
                    picks.append((-n, rank, len(picks), module, name))
                    shown.add(name)
        paths = self._module_paths()
        outline = self._outline([paths[m] for m in modules if m in paths])
        for rank, module in enumerate(modules):
            path = paths.get(module)
            if path is None:
                continue
            defined = [name for name, _kind in outline.get(path, [])]
            for name in defined + list((self._file_meta(path) or {}).get("constants") or []):
                if not name.startswith("_") and name not in shown:
                    picks.append((0, rank, len(picks), module, name))  # file order
                    shown.add(name)
        picks.sort()
        by_module: dict[str, list[str]] = {}
        for _n, _rank, _seq, module, name in picks[:limit]:
            by_module.setdefault(module, []).append(name)
        if not by_module:
            return ""
        lines = [f"from {m} import {', '.join(by_module[m])}" for m in modules if m in by_module]
        return "# more names from these modules (what other files import first):\n" + "\n".join(lines)

    def _module_paths(self) -> dict[str, str]:
        """Dotted module name -> its file, for the project's non-test modules (built once)."""
        if self._modules is None:
            self._modules = {_module_of(p): p for p in self.store.python_paths() if not _is_test_path(p)}
        return self._modules

    def _names(self) -> dict[str, list[tuple[str, str, str, str]]]:
        if self._by_name is None:
            idx: dict[str, list[tuple[str, str, str, str]]] = defaultdict(list)
            for pid, kind, name, path, qualname in self.store.definitions():
                idx[name].append((pid, kind, path, qualname))
            self._by_name = idx
        return self._by_name

    def _patterns(self, ids: Iterable[str]) -> dict[str, Pattern]:
        """``Store.get_patterns`` through a cache that lives until the next refresh (packs read
        the same few hundred route patterns request after request)."""
        ids = list(ids)
        missing = [i for i in ids if i not in self._pattern_cache]
        if missing:
            if len(self._pattern_cache) + len(missing) > PATTERN_CACHE_SIZE:
                self._pattern_cache.clear()
            self._pattern_cache.update(self.store.get_patterns(missing))
        return {i: self._pattern_cache[i] for i in ids if i in self._pattern_cache}

    def _path_index(self) -> dict[str, list[str]]:
        """Each word of a module's file and folder names -> its non-test modules (built once)."""
        if self._paths is None:
            idx: dict[str, list[str]] = defaultdict(list)
            for path in self.store.python_paths():
                if _is_test_path(path):
                    continue
                parts = path.removesuffix(".py").split("/")
                for w in {w for part in parts for w in part.split("_")} | set(parts):
                    idx[w].append(path)
            self._paths = idx
        return self._paths

    def _outline(self, paths: list[str]) -> dict[str, list[tuple[str, str]]]:
        """``Store.module_outline`` with the answers kept for the builder's life."""
        missing = [p for p in paths if p not in self._outlines]
        if missing:
            found = self.store.module_outline(missing)
            for p in missing:
                self._outlines[p] = found.get(p, [])
        return {p: self._outlines[p] for p in paths}

    def _word_index(self) -> dict[str, list[str]]:
        """Each word of a definition's name -> the names that contain it (built once)."""
        if self._words is None:
            idx: dict[str, list[str]] = defaultdict(list)
            for name in self._names():
                for w in set(name_words(name)):
                    idx[w].append(name)
            self._words = idx
        return self._words

    def build(self, request: str, *, budget: int, fmt: str = "md", kinds: tuple[str, ...] | None = None) -> Pack:
        """The context pack for ``request`` within ``budget`` tokens, read from one snapshot
        of the store."""
        with self.store.read_snapshot():
            return self._build(request, budget=budget, fmt=fmt, kinds=kinds)

    def _build(self, request: str, *, budget: int, fmt: str, kinds: tuple[str, ...] | None) -> Pack:
        request = " ".join(request.split())
        if not request:
            raise RequestError("the request is empty", hint='try: brain context "Add CRUD endpoints for invoices"')
        if len(request) > MAX_REQUEST_CHARS:
            raise RequestError(f"the request is longer than {MAX_REQUEST_CHARS} characters")
        pack = Pack(request=request, budget=budget, project=self.project)
        facts = self.store.facts()
        conventions = self.store.conventions()
        self._curation = curation = Curation.load(self.store)  # filters the hits in _candidates
        candidates, module, module_routes = self._candidates(request, conventions, kinds, budget)
        # -- curation: exclusions out, pins first of their kind, notes; team rules and facts first
        pinned = self.store.get_patterns(curation.pinned()) if curation.pinned() else {}
        if kinds:
            pinned = {k: p for k, p in pinned.items() if p.kind in kinds}
        candidates = curation.arrange(candidates, pinned, request)
        offered = {ex.pattern.id for ex in candidates if ex.team_approved}
        pats = self._patterns(h.id for h in module_routes)
        # server-rendered pages (plain Django views) answer validation with their own convention
        pages = bool(pats) and sum(p.meta.get("framework") == "django" for p in pats.values()) * 2 > len(pats)
        pack.checklist = self._checklist(conventions, self._local_auth(module, pats), pages=pages)

        # Fixed sections first, then exemplars in priority order while they fit.
        pack.stack = sorted(
            facts, key=lambda f: (f.origin != "team", _CATEGORY_RANK.get(f.category, 99), f.category, f.name)
        )
        pack.conventions = curation.team_conventions() + conventions
        self._shrink_fixed(pack, fmt)
        if not curation.empty:  # reserve room for the closing used/left-out record
            pack.curation = curation.report(pack, offered)
        # Rendering is additive, so each candidate is priced alone instead of re-rendering the
        # whole pack per try; the exact check at the end settles any rounding.
        limit = budget * CHARS_PER_TOKEN
        used = len(pack.render(fmt)) + len("## Exemplars\n") + 8 + (64 * len(offered) if pack.curation else 0)
        if budget >= ROOM_MIN_BUDGET:
            _room_for_the_crud_set(candidates, limit - used, fmt)
        for ex in candidates:
            max_lines = MAX_EXEMPLAR_LINES
            while True:
                ex.code, ex.trimmed_lines = trim_code(ex.pattern.code, max_lines, ex.pattern.location)
                cost = exemplar_cost(ex, fmt)
                if used + cost <= limit:
                    pack.exemplars.append(ex)
                    used += cost
                    break
                if max_lines <= 12 and ex.header:
                    # a tight budget: keep the exemplar, cut its header from the end
                    ex.header = fit_header(ex.header, len(ex.header) - (used + cost - limit))
                    continue
                if max_lines <= 12:
                    pack.omitted.append(
                        {
                            "id": ex.pattern.id,
                            "location": ex.pattern.location,
                            "role": ex.role,
                            "why": "budget",
                        }
                    )
                    break
                max_lines = max(12, max_lines // 2)
        # The omitted list (JSON only) is the first thing to give up, then whole exemplars.
        excess = len(pack.render(fmt)) - limit
        while pack.omitted and excess > 0:
            while pack.omitted and excess > 0:  # drop entries by their size, then re-check once
                excess -= len(json.dumps(pack.omitted.pop(), ensure_ascii=False)) + 8
            excess = len(pack.render(fmt)) - limit
        if pack.curation is None:
            while pack.exemplars and count_tokens(pack.render(fmt)) > budget:
                pack.exemplars.pop()
        else:
            curation.fit(pack, fmt, offered)
        pack.tokens = count_tokens(pack.render(fmt))
        return pack

    def _shrink_fixed(self, pack: Pack, fmt: str) -> None:
        """Make the fixed sections fit in about half the budget, least important first."""
        limit = pack.budget // 2
        # the stack's tail (servers, other libraries) says less than a convention
        while count_tokens(pack.render(fmt)) > limit and len(pack.stack) > MIN_STACK_BEFORE_CONVENTIONS:
            pack.stack.pop()
        while count_tokens(pack.render(fmt)) > limit and len(pack.conventions) > 3:
            pack.conventions.pop()
        while count_tokens(pack.render(fmt)) > limit and len(pack.stack) > 4:
            pack.stack.pop()
        while count_tokens(pack.render(fmt)) > pack.budget and pack.checklist:
            pack.checklist.pop()
        while count_tokens(pack.render(fmt)) > pack.budget and pack.conventions:
            pack.conventions.pop()
        while count_tokens(pack.render(fmt)) > pack.budget and pack.stack:
            pack.stack.pop()

    # ------------------------------------------------------------------ selection

    def _candidates(
        self, request: str, conventions: list[dict[str, Any]], kinds: tuple[str, ...] | None, budget: int = 4000
    ) -> tuple[list[Exemplar], str | None, list[Hit]]:
        """Exemplars in priority order (the budget decides how many make it), with the route
        module most like the request and its routes among the hits."""
        hits = self._curation.filter_hits(self.retriever.search(request, limit=400))
        chosen: dict[str, Exemplar] = {}
        order: list[str] = []

        def add(pid: str, role: str, reason: str, header: str = "") -> None:
            if pid not in chosen:
                chosen[pid] = Exemplar(pattern=None, role=role, reason=reason, header=header)  # type: ignore[arg-type]
                order.append(pid)

        by_topic = {c["key"]: c for c in conventions}

        def add_convention(key: str, limit: int = 2) -> None:
            c = by_topic.get(key)
            if c:
                pids = c.get("data", {}).get("pattern_ids", [])[:limit]
                found = self._patterns(pids) if c["topic"] == "auth" else {}
                for pid in pids:
                    add(pid, _role_for(c["topic"]), f"the project's convention for {_topic_label(c, found.get(pid))}")

        route_hits = [h for h in hits if h.kind == "route"]
        module, module_routes, neighbours = self._best_module(route_hits, conventions, request)
        if not module:
            ordered: list[str] = []
        elif _CRUD_REQUEST.search(request):
            # a whole resource: one route per operation, the request's resource first
            ordered = self._crud_order(module_routes, resource_terms(request))
        else:
            ordered = [h.id for h in sorted(module_routes, key=lambda h: -h.score)]  # the nearest first
        chain = self._chain(module_routes) if module_routes else []
        # 1. the closest resource's routes: one per method first (a CRUD set)
        # imports are the densest conventions there are: more of them as the budget grows
        header = self._module_header(module, conventions, neighbours[:8], max(6, budget // 120)) if module else ""
        existing = self._resource_imports(
            request, header, max_modules=max(2, budget // 500), max_names=max(10, budget // 100)
        )
        bases = self._base_lines(conventions, f"{header}\n{existing}")
        # most telling first, since a tight budget cuts the header from its end: the module's
        # own imports, the resource's code, the usual base classes, what sibling modules
        # import, other names of the modules shown so far, the building blocks
        own, marker, shared = header.partition(_SHARED_MARKER)
        shared = marker.strip() + "\n" + shared if marker else ""
        more = self._more_from_shown("\n".join((own, existing, bases, shared)), max(10, budget // 50))
        blocks = self._building_blocks("\n".join((header, existing, bases, more)), max(5, budget // 200))
        if module:
            # a new module next to the exemplar imports what the exemplar's module defines
            # (kolibri's ``ValuesViewset`` in ``kolibri/core/api.py``); said so, since under the
            # exemplar's imports it would read as the module importing itself
            mine = f"from {_module_of(module)} import "
            own, existing, bases, shared, more, blocks = (
                "\n".join(x + "  # the exemplar's own module" if x.startswith(mine) else x for x in block.splitlines())
                for block in (own, existing, bases, shared, more, blocks)
            )
        header = "\n".join(x for x in (own, existing, bases, shared, more, blocks) if x)
        header = fit_header(header, budget * CHARS_PER_TOKEN * HEADER_SHARE // 100)
        for i, pid in enumerate(ordered[:5]):
            add(
                pid,
                "closest resource",
                f"route in `{module}`, the module most like the request",
                header if i == 0 else "",
            )
        # 2. how auth and errors are done here
        add_convention("auth", 1)
        add_convention("errors", 3)
        add_convention("errors:decorator", 1)
        add_convention("errors:abort", 1)  # the handler that renders abort(...), when registered
        # 3. the schemas and model of the closest resource, then the pagination helper
        for pid, role, reason in chain:
            if role in ("schema", "model"):
                add(pid, role, reason)
        add_convention("pagination")
        # 4. an endpoint test of the closest resource (else the nearest test), and the client fixture
        for pid in self._tests_for(module_routes):
            add(pid, "endpoint test", f"tests the routes of `{module}`")
        best_test = next((h for h in hits if h.kind == "test"), None)
        if best_test is not None:
            add(best_test.id, "endpoint test", "the endpoint test closest to the request")
        add_convention("tests", 1)
        add_convention("helpers", 1)
        # 5. helpers the closest routes call, the rest of the conventions' definitions
        for pid, role, reason in chain:
            add(pid, role, reason)
        for key in (
            "auth",
            "db",
            "rate_limit",
            "errors:db",
            "errors:validation",
            "errors:shape",
            "validation",
            "models",
            "middleware",
        ):
            add_convention(key)
        for key in by_topic:
            add_convention(key)
        # 6. the remaining routes of that module, the nearest model/schema, then similar code
        for pid in ordered[5:]:
            add(pid, "closest resource", f"route in `{module}`")
        for kind, role in (("schema", "schema"), ("model", "model")):
            best = next((h for h in hits if h.kind == kind), None)
            if best is not None:
                add(best.id, role, f"the {kind} closest to the request")
        for h in route_hits[:12]:
            add(h.id, "similar route", "similar to the request")
        for h in hits[:20]:
            add(h.id, h.kind, "similar to the request")

        patterns = self._patterns(order)
        out = []
        classes_shown: set[tuple[str, str]] = set()
        spans: dict[tuple[str, int, int], Exemplar] = {}
        for pid in order:
            p = patterns.get(pid)
            if p is None or (kinds and p.kind not in kinds):
                continue
            ex = chosen[pid]
            ex.pattern = p
            # routes a class inherits (Flask-AppBuilder ModelRestApi CRUD) share one span: show it once
            span = (p.path, p.start_line, p.end_line)
            if p.kind == "route" and span in spans:
                first = spans[span]
                sep = ", " if "; the same code also serves " in first.reason else "; the same code also serves "
                first.reason += f"{sep}`{_route_label(p)}`"
                continue
            spans.setdefault(span, ex)
            if p.kind == "route" and p.meta.get("class") and (p.path, p.meta["class"]) not in classes_shown:
                classes_shown.add((p.path, p.meta["class"]))
                if p.qualname == p.meta["class"]:  # the class itself (a DRF viewset): no prologue
                    out.append(ex)
                    continue
                prologue = self._class_prologue(p.path, str(p.meta["class"]))
                ex.header = f"{ex.header}\n\n{prologue}" if ex.header and prologue else ex.header or prologue
            out.append(ex)
        return out, module, module_routes

    def _local_auth(self, module: str | None, pats: dict[str, Pattern]) -> dict[str, Any] | None:
        """The auth mechanism most routes of the closest module use, when most of them use one:
        an API module may guard its handlers otherwise than the project's pages (``pats``: the
        closest module's routes)."""
        if not module or not pats:
            return None
        users, written = tally_auth((pid, p.meta) for pid, p in pats.items())
        for pid, p in pats.items():  # Django's access mixins and decorators (LoginRequiredMixin)
            for name in p.meta.get("django_auth") or []:
                if pid not in users.get(name, set()):
                    users.setdefault(name, set()).add(pid)
                    written.setdefault(name, Counter())[f"class ...({name})" if name[:1].isupper() else f"@{name}"] += 1
        if not users:
            return None
        name = max(users, key=lambda n: len(users[n]))  # the first of equals, as most_common
        n = len(users[name])
        if n * 2 <= len(pats):
            return None
        return {
            "module": module,
            "name": name,
            "form": written[name].most_common(1)[0][0],
            "count": n,
            "total": len(pats),
        }

    def _class_prologue(self, path: str, cls: str) -> str:
        """``class ItemAPI(MethodView):`` and its class-level lines (decorators = [...]) up to the
        first method: where a class-based view's auth and schemas are declared."""
        code = self.store.class_code(path, cls)
        if not code:
            return ""
        lines: list[str] = []
        for line in code.splitlines():
            stripped = line.strip()
            if lines and (stripped.startswith(("def ", "async def ", "@"))):
                break
            lines.append(line)
            if len(lines) >= 10:
                break
        while lines and not lines[-1].strip():
            lines.pop()
        return "\n".join(lines + ["    ..."])

    def _tests_for(self, hits: list[Hit]) -> list[str]:
        """Endpoint tests whose requests hit the closest module's paths (best two)."""
        if not hits:
            return []
        routes = self._patterns(h.id for h in hits)
        paths = {_path_key(str(p.meta.get("full_path") or "")) for p in routes.values()}
        paths.discard("")
        if not paths:
            return []
        scores: Counter[tuple[str, str]] = Counter()
        index = self._test_index()
        for key in paths:
            for test_path, test_id, n in index.get(key, []):
                scores[(test_path, test_id)] += n
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        return [test_id for (_path, test_id), _n in ranked[:2]]

    def _test_index(self) -> dict[str, list[tuple[str, str, int]]]:
        """Path key -> (test path, test id, requests to it): built once per builder."""
        if self._tests is None:
            index: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
            for pid, path, requests in self.store.test_requests():
                keys = Counter(_path_key(str(r.get("path") or "")) for r in requests)
                for key, n in keys.items():
                    if key:
                        index[key].append((path, pid, n))
            self._tests = dict(index)
        return self._tests

    def _best_module(
        self, route_hits: list[Hit], conventions: list[dict[str, Any]], request: str = ""
    ) -> tuple[str | None, list[Hit], list[str]]:
        """The route module most like the request that is also a good template.

        Similarity to the request first; then how complete a resource it is (list, get,
        create, update, delete) and how conventional (the project's dominant route style
        and auth mechanism): a module in a minority style is a poor thing to copy.
        """
        by_file: dict[str, list[Hit]] = defaultdict(list)
        for h in route_hits:
            by_file[h.path].append(h)
        if not by_file:
            return None, [], []
        pats = self._patterns(h.id for h in route_hits[:300])
        terms = resource_terms(request)
        crud = bool(terms and _CRUD_REQUEST.search(request))
        new_resource = crud and not any(_route_names(terms, p) for p in pats.values())
        widened: tuple[defaultdict[str, list[Hit]], dict[str, Pattern]] | None = None
        if new_resource:
            # a resource the project does not have yet: meaning tells little, the template is a
            # module with one whole CRUD resource to copy, so every route module is a candidate
            widened = self._wider(request)
            by_file = widened[0]
            pats.update(widened[1])
        styles = Counter(str(p.meta.get("framework")) for p in pats.values())
        main_style = styles.most_common(1)[0][0] if styles else None
        if styles.keys() & {"django", "drf"} and _API_REQUEST.search(request):
            # an API request in a Django project: copy a DRF module, not server-rendered pages;
            # when the pages crowd the API out of the nearest hits, look among all the routes
            api_files = _api_files(pats.values()) & set(by_file)
            if not api_files:
                wider, more = widened or self._wider(request)
                api_files = _api_files(more.values())
                if api_files:
                    pats.update(more)
                    by_file = wider
            if api_files:
                main_style = "drf"
                by_file = defaultdict(list, {f: hs for f, hs in by_file.items() if f in api_files})
        auth = next((c["data"].get("name") for c in conventions if c["key"] == "auth"), None)

        def conformity(p: Pattern) -> float:
            style = 1.0 if p.meta.get("framework") == main_style else 0.0
            if any(last_name(str(c)) == "AllowAny" for c in p.meta.get("permission_classes") or []):
                return style / 2  # open on purpose (a login, an invitation): no CRUD template
            if not auth:
                return style
            uses = {last_name(str(x)) for x in (p.meta.get("decorators") or []) + (p.meta.get("dependencies") or [])}
            return (style + (1.0 if last_name(auth) in uses else 0.0)) / 2

        def score(path: str) -> float:
            hs = sorted(by_file[path], key=lambda h: -h.score)
            top = hs[:3]
            similarity = top[0].score + 0.3 * sum(h.score for h in top) / len(top)
            ps = [pats[h.id] for h in hs if h.id in pats]
            slots = set().union(*(route_slots(p) for p in ps))
            completeness = 0.06 * len(slots) / 5
            conform = 0.1 * (sum(conformity(p) for p in ps) / len(ps)) if ps else 0.0
            # new endpoints go in a router module, not on the application object, when the
            # project has router modules
            app_level = 0.25 if with_routers and ps and all(self._on_app(p) for p in ps) else 0.0
            return similarity + 0.02 * min(len(hs), 5) + completeness + conform - app_level

        with_routers = any(not self._on_app(p) for p in pats.values())

        def naming(path: str) -> float:
            """How fully, on average, the module's routes name the resource (``WeightEntryViewSet`` at
            ``/api/v2/weightentry/`` for "weight entries"): meaning can rank ``WorkoutViewSet``
            close, the name settles it."""
            if not terms:
                return 0.0
            shares = [_route_names(terms, p) / len(terms) for h in by_file[path] if (p := pats.get(h.id)) is not None]
            return sum(shares) / len(shares) if shares else 0.0

        named = {p: naming(p) for p in by_file}
        # a new resource, or one only modules left out (pages, for an API request) name
        fresh = new_resource or crud and not any(named.values())

        def template(path: str) -> float:
            """How whole a CRUD resource the module offers (list, get, create, update, delete
            on one collection), for a new resource."""
            if not fresh:
                return 0.0
            groups = crud_groups(pats[h.id] for h in by_file[path] if h.id in pats)
            return max((len(slots) for slots in groups.values()), default=0) / 5

        mounted = any(p.meta.get("full_path") for p in pats.values())

        def unmounted(path: str) -> float:
            """Routes no urlconf or router serves, where others are: project base classes."""
            ps = [pats[h.id] for h in by_file[path] if h.id in pats]
            return sum(not p.meta.get("full_path") for p in ps) / len(ps) if mounted and ps else 0.0

        ranked = sorted(
            by_file,
            key=lambda p: (
                -(
                    score(p)
                    + NAMING_WEIGHT * named[p]
                    + NEW_RESOURCE_WEIGHT * template(p)
                    - UNMOUNTED_WEIGHT * unmounted(p)
                ),
                p,
            ),
        )
        return ranked[0], by_file[ranked[0]], ranked[1:]

    def _wider(self, request: str) -> tuple[defaultdict[str, list[Hit]], dict[str, Pattern]]:
        """Routes only, further than the nearest hits, less what the team excluded: grouped by
        file, with their patterns."""
        hits = self._curation.filter_hits(self.retriever.search(request, kinds=("route",), limit=API_SEARCH_LIMIT))
        by_file: defaultdict[str, list[Hit]] = defaultdict(list)
        for h in hits:
            by_file[h.path].append(h)
        return by_file, self._patterns(h.id for h in hits)

    def _on_app(self, route: Pattern) -> bool:
        """The route is registered on the application object (``app = FastAPI()``/``Flask()``)."""
        routers = (self._file_meta(route.path) or {}).get("routers") or {}
        info = routers.get(str(route.meta.get("router") or ""))
        return isinstance(info, dict) and info.get("type") in ("FastAPI", "Flask")

    def _crud_order(self, hits: list[Hit], terms: list[frozenset[str]] | None = None) -> list[str]:
        """One route per operation (list/get, create, update, delete) in file order; in a module
        that serves several resources, only the routes that name the request's resource take an
        operation, those naming it most plainly first (``delete_thread`` before
        ``delete_thread_element``); HEAD/OPTIONS routes take none."""
        pats = self._patterns(h.id for h in hits)
        order = {"GET": 0, "POST": 1, "PUT": 2, "PATCH": 2, "DELETE": 3}
        firsts: list[str] = []
        seen: set[int] = set()
        rest: list[str] = []

        def matched(p: Pattern) -> int:
            return _route_names(terms or [], p)

        def key(h: Hit) -> tuple[int, int, int, int]:
            p = pats.get(h.id)
            if p is None:
                return (0, 0, 0, 0)
            if not best:  # no route names the resource: a whole CRUD collection first, file order
                return (0, -len(groups[resource_path(p)]) if whole else 0, 0, p.start_line)
            # the resource is what the path ends on (``/thread/{id}``, not ``/thread/{id}/element``)
            path = str(p.meta.get("full_path") or p.meta.get("path") or "")
            literal = [x for x in path.split("/") if x and not re.search(r"[{<(:]", x)]
            tail = 0 if literal and set(name_words(literal[-1])) & resource else 1
            words = set(name_words(p.qualname.rsplit(".", 1)[-1])) - resource - _PLAIN_ROUTE_WORDS
            return (-matched(p), tail, len(words), p.start_line)

        resource = set().union(*terms) if terms else set()
        best = max((matched(p) for p in pats.values()), default=0)  # (key() reads it)
        groups = crud_groups(pats.values())
        whole = max((len(slots) for slots in groups.values()), default=0) >= MIN_CRUD_SLOTS
        for h in sorted(hits, key=key):
            p = pats.get(h.id)
            if p is None:
                continue
            slots = {order[m] for m in p.meta.get("methods") or [] if m in order}
            new = slots - seen
            if new and (not best or matched(p) == best):
                seen |= slots
                firsts.append(h.id)
            else:
                rest.append(h.id)
        return firsts + rest

    def _own_packages(self) -> set[str]:
        if self._own is None:
            paths = self.store.python_paths()
            self._own = {p.split("/", 1)[0].removesuffix(".py") for p in paths}
            self._own |= {p.split("/")[1] for p in paths if p.startswith(("src/", "lib/")) and p.count("/") > 1}
        return self._own

    def _file_meta(self, path: str) -> dict[str, Any] | None:
        """A file's stored metadata (imports, routers, ...), read and decoded once per builder."""
        if path not in self._file_metas:
            self._file_metas[path] = self.store.file_meta(path)
        return self._file_metas[path]

    def _import_lines(self, path: str) -> list[str]:
        """A module's import statements, the project's own first (they carry its conventions)."""
        meta = self._file_meta(path) or {}
        own = self._own_packages()
        lines = merge_imports(str(text) for _line, text in meta.get("import_lines") or [])
        return [x for x in lines if _is_own_import(x, own)] + [x for x in lines if not _is_own_import(x, own)]

    def _module_header(
        self,
        path: str,
        conventions: list[dict[str, Any]] | None = None,
        neighbours: list[str] | None = None,
        max_extra: int = 20,
    ) -> str:
        meta = self._file_meta(path)
        if meta is None:
            return ""
        # the standard library's imports tell nothing about the project (``import json``)
        lines = [x for x in self._import_lines(path) if not _is_stdlib_import(x)][:MAX_OWN_IMPORT_LINES]
        shared = next((c for c in conventions or [] if c["key"] == "imports"), None)
        extra: list[str] = []
        shown = {n.strip() for text in lines for n in re.split(r"[ ,()]+", text)}
        candidates = list(shared["data"].get("lines") or []) if shared else []
        # then what the next closest route modules import from the project
        own = self._own_packages()
        for other in neighbours or []:
            for x in self._import_lines(other):
                module = x.split()[1] if x.startswith("from ") else ""
                if module.startswith("."):  # ``from .models import X`` there is absolute here
                    level = len(module) - len(module.lstrip("."))
                    module = absolute_module(other, module.lstrip("."), level)
                    x = f"from {module} import {x.split(' import ', 1)[1]}"
                if module.split(".")[0] in own:
                    candidates.append(x)
        # one line per module, in the order modules first come up (projects that write one
        # import per line would otherwise spend a line, and its module path, on every name)
        by_module: dict[str, list[str]] = {}
        for line in candidates:
            module, _, names = line.removeprefix("from ").partition(" import ")
            names = names.strip("()")
            missing = [n.strip() for n in names.split(",") if n.strip() and n.split(" as ")[0].strip() not in shown]
            if missing:
                shown.update(n.split(" as ")[0] for n in missing)
                by_module.setdefault(module, []).extend(missing)
        extra = [f"from {module} import {', '.join(names)}" for module, names in by_module.items()]
        # the module's routers as the code creates them: the constructor call as written when
        # the indexer kept it (FastAPI), else one put together from what is known of it, and
        # no line at all when that would say something the code does not (an unknown class, a
        # prefix known only as a template: ``prefix=settings.X`` is not the string "{settings.X}")
        mounts = [m for m in meta.get("mounts") or [] if isinstance(m, dict)]
        for var, info in (meta.get("routers") or {}).items():
            if not isinstance(info, dict):
                continue
            call = info.get("call")
            rtype, name, prefix = info.get("type"), info.get("name"), info.get("prefix")
            if not call:
                # ``api = Api(mod)``/``ns = api.namespace(...)``: the parent is recorded as a mount on that line
                parent = next(
                    (m["parent"] for m in mounts if m.get("child") == var and m.get("line") == info.get("line")), None
                )
                if not rtype or re.search(r"[{}]", str(prefix or "")) or (rtype == "Api" and not parent):
                    continue
                args = []
                if rtype == "Blueprint" and name:
                    args += [repr(name), "__name__"]
                elif rtype == "Namespace" and name:
                    args.append(repr(name))
                    prefix = None if prefix == f"/{name}" else prefix  # the default path
                elif rtype == "Api" and parent:
                    args.append(str(parent))
                keyword = {"Blueprint": "url_prefix", "Namespace": "path"}.get(str(rtype), "prefix")
                if prefix:
                    args.append(f"{keyword}={prefix!r}")
                constructor = f"{parent}.namespace" if rtype == "Namespace" and parent else rtype
                call = f"{constructor}({', '.join(args)})"
            lines.append(f"{var} = {call}  # line {info.get('line', '?')}")
        if not lines and not extra:
            return ""
        header = f"# {path} (imports)\n" + "\n".join(lines)
        if extra:
            header += _SHARED_MARKER
            header += "\n".join(extra[:max_extra])
        return header

    def _resource_imports(self, request: str, shown_text: str, max_modules: int = 4, max_names: int = 40) -> str:
        """Import lines for the code the project already has for the request's resource.

        "Add endpoints for invoices" in a project with ``models/invoice.py`` and
        ``schemas/invoices.py``: the new handlers use those classes, so the pack shows where
        they live and what they are called (module by module: a file named after the
        resource first, then files in a folder named after it). Route and test modules are
        not offered (they are exemplars, not imports).
        """
        terms = resource_terms(request)
        words = set().union(*terms)
        if not words:
            return ""
        paths = self._path_index()
        scored: list[tuple[int, str]] = []
        for path in sorted({p for w in words for p in paths.get(w, ())}):
            if not _importable(path) or _NOT_RESOURCE_CODE.search(path):
                continue
            parts = path.removesuffix(".py").split("/")
            stem = _module_stem(path)
            dirs = parts[:-1] if parts[-1] != "__init__" else parts[:-2]
            # a file named after the resource, then files whose names mention its words, then
            # files in a folder named after it (the top package names the project, not a resource)
            score = 4 * (stem in words) + 2 * _matched_terms(terms, stem.split("_"))
            # (a layer folder -- models/, schemas/ -- names no resource, even "models")
            score += _matched_terms(terms, [d for d in dirs[1:] if d not in _LAYER_RANK])
            if score:
                scored.append((score, path))
        # among equals, the layers a handler imports from (models, schemas, serializers, forms,
        # services, ...) before the rest of a resource's package (apps.py, management commands)
        scored.sort(key=lambda x: (-x[0], _layer_rank(x[1]), x[1].count("/"), x[1]))
        outline = self._outline([path for _s, path in scored[: max_modules * 4]])
        shown = set(re.findall(r"\w+", shown_text))
        lines: list[str] = []
        for _score, path in scored:
            # its classes and functions, then its constants (a constants module has only those)
            defined = [n for n, _k in outline.get(path, [])]
            defined += list((self._file_meta(path) or {}).get("constants") or [])
            names = [n for n in dict.fromkeys(defined) if not n.startswith("_") and n not in shown]
            if not names or all(n.endswith("Config") for n in names) and path.endswith("apps.py"):
                continue  # Django's apps.py holds the app's AppConfig: no resource code to import
            shown.update(names)
            lines.append(f"from {_module_of(path)} import {', '.join(names[:MAX_RESOURCE_NAMES])}")
            if len(lines) >= max_modules:
                break
        # name the words that matched ("sponsors for an event" matched only "event": saying
        # "code for sponsor event" would claim the project already has sponsors)
        shown_paths = [p for _s, p in scored if any(f"from {_module_of(p)} import " in x for x in lines)]
        matched = [
            t
            for t in terms[:3]
            if any(_matched_terms([t], re.split(r"[/_.]", p.removesuffix(".py"))) for p in shown_paths)
        ]
        label = " ".join(min(t, key=len) for t in (matched or terms[:3]))
        out = ""
        if lines:
            out = f"# the project already has code for {label}: import it from here\n" + "\n".join(lines)
        named = self._names_mentioning(terms, shown, max_names)
        if named:
            words = {w for line in named for n in line.split(" import ", 1)[1].split(", ") for w in name_words(n)}
            said = " ".join(min(t, key=len) for t in terms[:3] if t & words) or label
            out += ("\n" if out else "") + f"# more names in the project that mention {said}:\n" + "\n".join(named)
        return out

    def _base_lines(self, conventions: list[dict[str, Any]], shown_text: str) -> str:
        """Import lines for the base classes the project's views, schemas and models derive
        from, the most used first (the ``bases`` convention), leaving out names already shown."""
        c = next((c for c in conventions if c["key"] == "bases"), None)
        if not c:
            return ""
        shown = set(re.findall(r"\w+", shown_text))
        lines: list[str] = []
        for line in (c.get("data") or {}).get("lines") or []:
            module, _, names = line.removeprefix("from ").partition(" import ")
            missing = [n for n in names.split(", ") if n not in shown]
            if missing:
                shown.update(missing)
                lines.append(f"from {module} import {', '.join(missing)}")
        if not lines:
            return ""
        return "# the base classes the project's classes derive from, most used first:\n" + "\n".join(lines)

    def _building_blocks(self, shown_text: str, limit: int) -> str:
        """Import lines for the project's own decorators, dependencies and exceptions: the
        pieces a new endpoint is assembled from, the most used first."""
        if limit <= 0:
            return ""
        shown = set(re.findall(r"\w+", shown_text))
        rows = [r for r in self.store.building_blocks(_BLOCK_KINDS) if r[0] not in shown and not r[0].startswith("_")]
        rows = [r for r in rows if not _is_test_path(r[2]) and _importable(r[2])]
        rows.sort(key=lambda r: (-r[3], _BLOCK_KINDS.index(r[1]), r[0]))
        by_module: dict[str, list[str]] = {}
        seen: set[str] = set()
        for name, _kind, path, _usage in rows:
            if name in seen:
                continue
            seen.add(name)
            by_module.setdefault(_module_of(path), []).append(name)
            if len(seen) >= limit:
                break
        if not by_module:
            return ""
        lines = [f"from {module} import {', '.join(sorted(names))}" for module, names in by_module.items()]
        return "# the project's own decorators, dependencies and exceptions for endpoints:\n" + "\n".join(lines)

    def _names_mentioning(self, terms: list[frozenset[str]], shown: set[str], limit: int) -> list[str]:
        """Import lines for top-level definitions whose names mention the resource
        (``InvoiceCreate``, ``can_edit_invoice``): those naming more of its words first, then
        schemas and models, then the shortest."""
        if limit <= 0 or not terms:
            return []
        words = set().union(*terms)
        found: list[tuple[int, int, int, str, str]] = []
        candidates = sorted({n for w in words for n in self._word_index().get(w, ())})
        for name in candidates:
            if name.startswith("_") or name in shown:
                continue
            info = self._top_level(name)
            if info is not None and _importable(info[2]) and not _NOT_RESOURCE_CODE.search(info[2]):
                parts, kind, path = info
                found.append((-_matched_terms(terms, parts), _NAME_KIND_RANK.get(kind, 9), len(name), name, path))
        # module constants naming it too (``ACTIVITY_TYPES``), after the definitions
        by_word, defined_in = self._constant_index()
        for name in sorted({n for w in words for n in by_word.get(w, ())}):
            if name not in shown and name not in self._names():
                found.append((-_matched_terms(terms, name_words(name)), 10, len(name), name, defined_in[name]))
        found.sort()
        by_module: dict[str, list[str]] = {}
        for *_rank, name, path in found[:limit]:
            by_module.setdefault(_module_of(path), []).append(name)
        return [f"from {module} import {', '.join(sorted(names))}" for module, names in by_module.items()]

    def _top_level(self, name: str) -> tuple[list[str], str, str] | None:
        """(words, kind, path) of the first top-level, non-test definition of ``name``
        (kept for the builder's life: every request asks about the same names)."""
        if name not in self._top_levels:
            self._top_levels[name] = next(
                (
                    (name_words(name), kind, path)
                    for _pid, kind, path, qualname in self._names().get(name, ())
                    if qualname == name and kind != "test" and not _is_test_path(path)
                ),
                None,
            )
        return self._top_levels[name]

    def _module_call(self, route: Pattern, call: str) -> str | None:
        """``services.create_item(...)``: the first segment is an imported module, not an object;
        the module's own name (``services``), which the callee's file must bear."""
        head = call.split(".", 1)[0]
        if self._imports_cache.get(route.path) is None:
            meta = self._file_meta(route.path) or {}
            bound: dict[str, str] = {}
            for imp in meta.get("imports") or []:
                if imp.get("name") is None and imp.get("alias"):  # import app.services as svc
                    bound[str(imp["alias"])] = str(imp.get("module", "")).rsplit(".", 1)[-1]
                elif imp.get("name") is None:  # import app.services: named in full by the call
                    bound[str(imp.get("module", "")).split(".")[0]] = ""
                elif str(imp.get("name", ""))[:1].islower():
                    bound[str(imp.get("alias") or imp.get("name"))] = str(imp.get("name"))
            self._imports_cache[route.path] = bound
        module = self._imports_cache[route.path].get(head)
        return call.rsplit(".", 2)[-2] if module == "" else module

    def _chain(self, hits: list[Hit]) -> list[tuple[str, str, str]]:
        pats = self._patterns(h.id for h in hits)
        names: Counter[str] = Counter()
        modules: dict[str, set[str]] = defaultdict(set)  # a name called only as module.name: the modules
        plain: set[str] = set()
        for p in pats.values():
            for key in ("schemas", "calls", "dependencies", "raises"):
                for v in p.meta.get(key) or []:
                    v = str(v)
                    # `form.save()` is a method call on some object: its name says nothing about
                    # which project definition runs, so only plain and module-qualified names count
                    if key == "calls" and "." in v:
                        module = self._module_call(p, v)
                        if module is None:
                            continue
                        # (`request.headers.get` is no module function `get`: calibre-web's
                        # isoLanguages.get was shown as used by a gdrive view)
                        modules[last_name(v)].add(module)
                    else:
                        plain.add(last_name(v))
                    names[last_name(v)] += 1
            if p.meta.get("response_model"):
                for t in _TYPE_WORD.findall(str(p.meta["response_model"])):
                    names[t] += 1
        index = self._names()
        out = []
        prefer = (
            "schema",
            "model",
            "pagination",
            "dependency",
            "decorator",
            "exception",
            "function",
            "class",
        )
        for name, _n in names.most_common():
            top_level = [x for x in index.get(name, []) if x[3] == name]  # not a method named alike
            if name not in plain:  # called as module.name only: defined in a module of that name
                top_level = [x for x in top_level if _module_stem(x[2]) in modules[name]]
            for pid, kind, path, _q in sorted(top_level, key=lambda x: prefer.index(x[1]) if x[1] in prefer else 99)[
                :1
            ]:
                if kind in ("test",):
                    continue
                out.append(
                    (
                        pid,
                        kind if kind in ("schema", "model") else "used by the exemplar",
                        f"`{name}` is used by the closest resource's routes ({path})",
                    )
                )
        # models behind the schemas come next to the schemas
        return out

    # ------------------------------------------------------------------ checklist

    def _checklist(
        self, conventions: list[dict[str, Any]], local_auth: dict[str, Any] | None = None, pages: bool = False
    ) -> list[ChecklistItem]:
        by_topic: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for c in conventions:
            by_topic[c["topic"]].append(c)
        out = []
        for key, item in CHECKLIST:
            found = by_topic.get(key, [])
            if key == "responses":
                # pages paginate their own way, an API its own: the request's kind first
                paging = sorted(by_topic.get("pagination", []), key=lambda c: bool(c["data"].get("pages")) != pages)
                found = found + paging + [c for c in by_topic.get("errors", []) if c["data"].get("shape")]
            if key == "validation":
                found = found + by_topic.get("validation_errors", [])
                # pages validate with forms, an API with its schemas: the request's kind first
                found = sorted(found, key=lambda c: bool(c["data"].get("pages")) != pages)
            if key in ("auth", "rate_limit") and found and not found[0]["data"].get("count"):
                out.append(ChecklistItem(key, item, f"not found in this project: {found[0]['statement']}", False))
                continue
            if found:
                answer = "; ".join(_advice(key, c) for c in found[:3])
                local = local_auth if key == "auth" else None
                if local and last_name(local["name"]) != last_name(str(found[0]["data"].get("name") or "")):
                    # the request's closest module is guarded otherwise than most handlers
                    answer = (
                        f"like `{local['module']}`, the module most like the request: `{local['form']}` "
                        f"({local['count']} of its {local['total']} handlers); across the project: {answer}"
                    )
                out.append(ChecklistItem(key, item, answer, True))
            else:
                out.append(ChecklistItem(key, item, _missing(key), False))
        return out


def _module_stem(path: str) -> str:
    """``app/services.py`` and ``app/services/__init__.py`` -> ``services`` (a top-level
    ``__init__.py`` names no module: "")."""
    parts = path.removesuffix(".py").split("/")
    if parts[-1] != "__init__":
        return parts[-1]
    return parts[-2] if len(parts) > 1 else ""


def _advice(key: str, c: dict[str, Any]) -> str:
    """A short, actionable answer from one convention (the full statement is above)."""
    data = c.get("data", {})
    ck = c["key"]
    if ck.startswith("auth") and data.get("middleware") and data.get("advice"):  # an app-wide auth middleware
        return str(data["advice"])
    if ck == "auth" and data.get("inherited"):  # Django REST Framework: the settings default is the convention
        if data.get("default") == ["AllowAny"] and data.get("explicit"):
            # the default opens a view to anyone: advise what the guarded views write instead
            name, n = data["explicit"][0]
            return (
                f"views that set nothing are open to anyone (`AllowAny`, {data['count']} of {data['total']}); "
                f"guarded views set `permission_classes` like `{name}` ({n} view{'s' if n != 1 else ''})"
            )
        return f"set nothing and inherit `{', '.join(data['default'])}` like {data['count']} of {data['total']} views"
    if ck == "auth" and data.get("class_check"):
        return (
            f"subclass a base whose `{data['name']}()` checks access, like `{data['base']}` "
            f"({data['count']} of {data['total']} handlers)"
        )
    if ck == "auth" and data.get("form") and not data.get("inline"):
        alias = f" (as `{data['aliases'][0]}`)" if data.get("aliases") else ""
        unit = "DRF views" if data.get("drf_views") else "handlers"
        if data["count"] * 10 < data["total"]:  # the linker's threshold: a rare exception is no rule
            return f"most {unit} have none; `{data['form']}`{alias} on only {data['count']} of {data['total']}"
        return f"add `{data['form']}`{alias} like {data['count']} of {data['total']} {unit}"
    if ck.startswith("auth:") and data.get("form") and data.get("instead"):
        return f"or `{data['form']}` in its place, like {data['count']} handlers"
    if ck.startswith("auth:") and data.get("form"):
        return f"`{data['form']}` where only some users may act ({data['count']} handlers)"
    if ck == "errors:db" and data.get("caught") and data.get("then"):
        n = data.get("count", 0)
        return f"catch `{data['caught'][0]}` and `{data['then'][0]}` like {n} handler{'s' if n != 1 else ''}"
    if ck == "errors" and data.get("shape"):
        return f"errors as `{data['shape']}` via `{data.get('base') or data['exceptions'][0]}` subclasses"
    if ck == "pagination:pages":
        return f"list pages set `{data['form']}` like {data['count']} of {data['total']} list pages"
    if ck == "pagination" and data.get("library"):
        return f"lists through `{data['library']}`: " + ", ".join(f"`{f}`" for f in data.get("forms") or [])
    if ck == "pagination" and data.get("name"):
        keys = ", ".join(map(str, data.get("keys") or []))
        return f"lists through `{data['name']}`" + (f" → `{{{keys}}}`" if keys else "")
    if ck == "rate_limit" and data.get("form"):
        return f"`{data['form']}` as on {data['count']} handler{'s' if data['count'] != 1 else ''}"
    if ck == "validation" and data.get("schemas"):
        return f"{data.get('library', 'schema')} schemas like `{data['schemas'][0]}`"
    if ck == "validation:forms":
        return f"Django forms like `{data['name']}` (`form_class` on {data['count']} of {data['total']} pages)"
    if ck == "validation:helpers":
        n, total = data["count"], data["total"]
        verb = "calls" if str(data["error"]).startswith("abort(") else "raises"
        return f"check input with `{data['form']}` ({verb} `{data['error']}`) like {n} of {total} handlers"
    statement = str(c["statement"])
    return statement if len(statement) <= 160 else statement[:157].rsplit(" ", 1)[0] + " …"


def _missing(key: str) -> str:
    return {
        "auth": "not found in this project — no auth decorator or dependency on the routes",
        "validation": "not found in this project — no request schema is used by the routes",
        "db_errors": "not found in this project — no handler maps database errors (e.g. IntegrityError) to HTTP errors",
        "rate_limit": "not found in this project — no rate limiting on any route",
        "responses": "not found in this project — no shared response or error format detected",
        "deletes": "not found in this project — no DELETE endpoints to follow",
        "tests": "not found in this project — no endpoint tests with a test client",
    }[key]


def _role_for(topic: str) -> str:
    return {
        "auth": "auth",
        "errors": "error handling",
        "db_errors": "error handling",
        "validation_errors": "error handling",
        "pagination": "pagination",
        "db": "database",
        "rate_limit": "rate limit",
        "validation": "schema",
        "models": "model",
        "tests": "endpoint test",
        "middleware": "middleware",
    }.get(topic, topic)
