"""Tasks and their ground truth, extracted with Python's ``ast`` only.

Nothing here imports the indexers under test: the route modules, their handlers and the
conventions they share with the rest of the codebase are found by walking syntax trees.

A *task* is one route module (a file with at least three route handlers) taken out of its
codebase, with the request "Add CRUD API endpoints for <resource>". Its *conventions* are the
identifiers the module uses that a developer copies from the rest of the project:

- ``decorator``: decorators of its handlers other than the route decorator (also a view
  class's decorators and its ``decorators = [...]`` / ``method_decorators = [...]`` lists);
- ``dependency``: targets of ``Depends(...)`` / ``Security(...)``, and ``Annotated``
  dependency aliases (``CurrentUser = Annotated[User, Depends(...)]``) used in annotations;
- ``import``: names imported from the project's own packages (``from app.x import name``,
  relative imports, ``import app.x.mod`` -> ``mod``);
- ``exception``: exception classes raised (``raise NotFound(...)``);
- ``error_helper``: error helpers called (``abort(404)``, ``raise_error(...)``, ``json_error(...)``:
  lower-case callables whose name says abort/error/forbidden/not_found/unauthorized/...);
- ``base``: base classes of the classes the module defines.

Only identifiers that also occur in another file of the codebase are kept; builtins and
names that occur in more than half of the codebase's files are dropped.

A second, non-identifier convention is extracted for the second measure: the module's
*error form* -- how it signals an HTTP error (callee, style of the status argument, keyword
names), e.g. ``HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail=...)`` ->
``(HTTPException, attr:status, detail+status_code)``.
"""

from __future__ import annotations

import ast
import builtins
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pathspec

HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
#: ``@<obj>.<attr>(...)`` with one of these attributes is a route decorator.
ROUTE_DECORATOR_ATTRS = HTTP_METHODS | {"route", "api_route", "websocket"}
#: A class whose base ends with one of these is a class-based view; its HTTP-method-named
#: methods are handlers (Flask MethodView, flask-restful/restx Resource, DRF APIView/ViewSet).
VIEW_BASE_SUFFIXES = ("View", "Resource", "ViewSet")
VIEW_DECORATOR_LISTS = frozenset({"decorators", "method_decorators"})
#: Django REST Framework: the action methods of a viewset (a base ending in ``ViewSet``) are
#: handlers, so are ``@action(...)`` methods and ``@api_view([...])`` functions; a view class
#: that defines no handler method but inherits them (``ModelViewSet``, ``ListCreateAPIView``,
#: project bases ending so) counts once, as the class.
DRF_ACTIONS = frozenset({"list", "create", "retrieve", "update", "partial_update", "destroy"})
DRF_FUNCTION_DECORATORS = frozenset({"api_view", "action", "detail_route", "list_route"})
DRF_IMPLYING_SUFFIXES = ("ModelViewSet", "APIView", "ListView", "DetailView", "CreateView", "UpdateView", "DeleteView")
DEPENDENCY_CALLS = frozenset({"Depends", "Security"})
MIN_HANDLERS = 3

CATEGORIES = ("decorator", "dependency", "exception", "error_helper", "base", "import")

BUILTIN_NAMES = frozenset(dir(builtins)) | {"self", "cls", "__name__", "__file__"}

ERROR_HELPER = re.compile(
    r"^(?:abort\w*|\w+_abort|raise_\w+|\w+_errors?|errors?_\w+|\w*not_found\w*|\w*forbidden\w*"
    r"|\w*unauthori[sz]ed\w*|bad_request\w*|\w+_denied|deny\w*)$"
)
_LOGGER = re.compile(r"(?i)^_*(log|logger|logging)$")

STATUS_KEYWORDS = ("status_code", "status", "code", "http_status", "status_int")

#: File and folder names that say "routes live here", not which resource (walked past).
GENERIC_STEMS = frozenset(
    """views routes router routers api apis endpoints handlers resources urls __init__
    controllers blueprint blueprints rest v1 v2 v3 web http viewsets viewset""".split()
)
RESOURCE_SUFFIXES = (
    "_endpoints",
    "_endpoint",
    "_routes",
    "_router",
    "_views",
    "_view",
    "_api",
    "_resources",
    "_resource",
    "_handlers",
    "_controller",
)
REQUEST_TEMPLATE = "Add CRUD API endpoints for {resource}"


# ---------------------------------------------------------------------- small ast helpers


def dotted(node: ast.AST) -> str:
    """``a.b.c`` for Name/Attribute chains, the callee's for calls, '' otherwise."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    if isinstance(node, ast.Call):
        return dotted(node.func)
    return ""


def last_name(node: ast.AST) -> str:
    return dotted(node).rsplit(".", 1)[-1]


def parse(source: str, path: str = "<module>") -> ast.Module | None:
    try:
        return ast.parse(source, filename=path)
    except (SyntaxError, ValueError):
        return None


def is_route_decorator(node: ast.expr) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr in ROUTE_DECORATOR_ATTRS
    return isinstance(func, ast.Name) and func.id in ("route", *DRF_FUNCTION_DECORATORS)


def top_level_definitions(tree: ast.Module) -> set[str]:
    """Names a file defines at module or class level: functions, classes, assignments."""
    out: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                out.add(stmt.name)
            elif isinstance(stmt, ast.ClassDef):
                out.add(stmt.name)
                visit(stmt.body)
            elif isinstance(stmt, ast.Assign):
                out.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                out.add(stmt.target.id)
            elif isinstance(stmt, ast.If | ast.Try):
                visit(stmt.body)
                visit(getattr(stmt, "orelse", []))

    visit(tree.body)
    return out


def file_identifiers(tree: ast.AST) -> set[str]:
    """Every identifier a file mentions: names, attributes, definitions, imports, arguments."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            out.add(node.id)
        elif isinstance(node, ast.Attribute):
            out.add(node.attr)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out.add(node.name)
        elif isinstance(node, ast.alias):
            out.update(node.name.split("."))
            if node.asname:
                out.add(node.asname)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.update(node.module.split("."))
        elif isinstance(node, ast.arg):
            out.add(node.arg)
        elif isinstance(node, ast.keyword) and node.arg:
            out.add(node.arg)
    out.discard("*")
    return out


# ---------------------------------------------------------------------- handlers


@dataclass
class Handler:
    name: str
    qualname: str
    line: int
    #: the handler function, or (DRF) the view class whose handlers are all inherited
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef = field(repr=False)
    #: decorators other than the route decorator (a view class's own ones included)
    decorators: list[ast.expr] = field(default_factory=list, repr=False)


def _registrations(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Functions and classes registered as views by calls rather than decorators.

    ``add_url_rule(rule, endpoint, view_func)``, ``...(view_func=f)``, ``X.as_view(...)``,
    ``api.add_resource(X, ...)``.
    """
    funcs: set[str] = set()
    classes: set[str] = set()

    def target(node: ast.expr) -> None:
        if isinstance(node, ast.Name):
            funcs.add(node.id)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "as_view":
                classes.add(last_name(node.func.value))

    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for kw in node.keywords:
            if kw.arg == "view_func":
                target(kw.value)
        name = last_name(node.func)
        if name == "add_url_rule" and len(node.args) >= 3:
            target(node.args[2])
        elif name == "add_resource" and node.args:
            classes.add(last_name(node.args[0]))
        elif name == "as_view" and isinstance(node.func, ast.Attribute):
            classes.add(last_name(node.func.value))
    funcs.discard("")
    classes.discard("")
    return funcs, classes


def _is_view_class(cls: ast.ClassDef, registered: set[str]) -> bool:
    if cls.name in registered:
        return True
    if any(is_route_decorator(d) for d in cls.decorator_list):
        return True
    return any(last_name(b).endswith(VIEW_BASE_SUFFIXES) for b in cls.bases)


def _class_decorators(cls: ast.ClassDef) -> list[ast.expr]:
    out = [d for d in cls.decorator_list if not is_route_decorator(d)]
    for stmt in cls.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        if value is None or not any(isinstance(t, ast.Name) and t.id in VIEW_DECORATOR_LISTS for t in targets):
            continue
        if isinstance(value, ast.List | ast.Tuple):
            out.extend(value.elts)
        elif isinstance(value, ast.Dict):  # method_decorators = {"get": [...]}
            for v in value.values:
                out.extend(v.elts if isinstance(v, ast.List | ast.Tuple) else [v])
    return out


def find_handlers(tree: ast.Module) -> list[Handler]:
    """Route handlers: decorated functions, registered functions, class-based views' methods."""
    funcs, classes = _registrations(tree)
    out: list[Handler] = []
    seen: set[int] = set()

    def add(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, qual: str, extra: list[ast.expr]) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        decorators = [d for d in node.decorator_list if not is_route_decorator(d)]
        out.append(Handler(node.name, qual, node.lineno, node, [*extra, *decorators]))

    def visit(body: Iterable[ast.stmt], prefix: str) -> None:
        for stmt in body:
            if isinstance(stmt, ast.ClassDef):
                if _is_view_class(stmt, classes):
                    extra = _class_decorators(stmt)
                    viewset = any(last_name(b).endswith("ViewSet") for b in stmt.bases)
                    before = len(out)
                    for item in stmt.body:
                        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and (
                            item.name in HTTP_METHODS
                            or (viewset and item.name in DRF_ACTIONS)
                            or any(is_route_decorator(d) for d in item.decorator_list)
                        ):
                            add(item, f"{prefix}{stmt.name}.{item.name}", extra)
                    if len(out) == before and any(last_name(b).endswith(DRF_IMPLYING_SUFFIXES) for b in stmt.bases):
                        add(stmt, f"{prefix}{stmt.name}", extra)
                visit(stmt.body, f"{prefix}{stmt.name}.")
            elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                if stmt.name in funcs or any(is_route_decorator(d) for d in stmt.decorator_list):
                    add(stmt, f"{prefix}{stmt.name}", [])
                visit(stmt.body, f"{prefix}{stmt.name}.")
            else:  # if / try / with / for blocks: look inside their statement lists
                for attr in ("body", "orelse", "finalbody"):
                    inner = getattr(stmt, attr, None)
                    if isinstance(inner, list):
                        visit(inner, prefix)
                for h in getattr(stmt, "handlers", None) or []:
                    visit(h.body, prefix)

    visit(tree.body, "")
    out.sort(key=lambda h: h.line)
    return out


# ---------------------------------------------------------------------- conventions


def annotated_aliases(tree: ast.Module) -> set[str]:
    """Names assigned ``Annotated[..., Depends(...)]`` (or ``Security``) in a file."""
    out: set[str] = set()
    for node in ast.walk(tree):
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        elif hasattr(ast, "TypeAlias") and isinstance(node, ast.TypeAlias):
            target, value = node.name, node.value
        if not isinstance(target, ast.Name) or not isinstance(value, ast.Subscript):
            continue
        if last_name(value.value) != "Annotated":
            continue
        if any(isinstance(n, ast.Call) and last_name(n.func) in DEPENDENCY_CALLS for n in ast.walk(value)):
            out.add(target.id)
    return out


def _is_own(node: ast.ImportFrom, own_packages: set[str]) -> bool:
    if node.level:
        return True
    return bool(node.module) and node.module.split(".", 1)[0] in own_packages  # type: ignore[union-attr]


def imported_names(tree: ast.Module) -> set[str]:
    """Names an import binds in a file (``import a.b`` binds ``a``)."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.asname or a.name.split(".", 1)[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            out.update(a.asname or a.name for a in node.names)
    return out


def error_helper_name(call: ast.Call, imported: set[str] | None = None) -> str | None:
    """The name of an error helper called here (``abort``, ``raise_error``), else None.

    A method call counts only on an imported name (``tk.abort(404)``), not on a local object
    (``response.raise_for_status()`` is the HTTP client's, not the project's), nor on a logger.
    """
    func = call.func
    name = last_name(func)
    if not name or not name[0].islower() or not ERROR_HELPER.match(name):
        return None
    if isinstance(func, ast.Attribute):
        root = dotted(func.value).split(".", 1)[0]
        if _LOGGER.match(last_name(func.value)) or imported is None or root not in imported:
            return None
    return name


def raw_conventions(
    tree: ast.Module,
    own_packages: set[str],
    aliases: set[str] = frozenset(),  # type: ignore[assignment]
) -> dict[str, set[str]]:
    """Identifier -> categories, before filtering against the rest of the codebase."""
    out: dict[str, set[str]] = {}

    def add(name: str, category: str) -> None:
        if name and name != "*":
            out.setdefault(name, set()).add(category)

    handlers = find_handlers(tree)
    for h in handlers:
        for dec in h.decorators:
            add(last_name(dec), "decorator")
        if isinstance(h.node, ast.ClassDef):
            continue
        args = h.node.args
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if a is not None and a.annotation is not None:
                for n in ast.walk(a.annotation):
                    if isinstance(n, ast.Name) and n.id in aliases:
                        add(n.id, "dependency")
    raised: set[int] = set()
    imported = imported_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and last_name(node.func) in DEPENDENCY_CALLS:
            dep = node.args[0] if node.args else None
            for kw in node.keywords:
                if kw.arg == "dependency":
                    dep = kw.value
            if dep is not None:
                add(last_name(dep), "dependency")
        elif isinstance(node, ast.ImportFrom) and _is_own(node, own_packages):
            for alias in node.names:
                add(alias.name, "import")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] in own_packages and len(parts) > 1:
                    add(parts[-1], "import")
        elif isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc
            if isinstance(exc, ast.Call):
                raised.add(id(exc))
                name = last_name(exc.func)
                if name[:1].isupper():
                    add(name, "exception")
                elif error_helper_name(exc, imported):
                    add(name, "error_helper")
            elif isinstance(exc, ast.Name | ast.Attribute):
                name = last_name(exc)
                if name[:1].isupper():
                    add(name, "exception")
        elif isinstance(node, ast.ClassDef):
            for b in node.bases:
                add(last_name(b), "base")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and id(node) not in raised:
            name = error_helper_name(node, imported)
            if name:
                add(name, "error_helper")
    for name in ("Depends", "Security", "Annotated"):
        out.pop(name, None)
    return out


def primary_category(categories: Iterable[str]) -> str:
    cats = set(categories)
    return next(c for c in CATEGORIES if c in cats)


# ---------------------------------------------------------------------- error forms


@dataclass(frozen=True, order=True)
class ErrorForm:
    """How an HTTP error is signalled: ``raise HTTPException(status_code=status.X, detail=..)``."""

    callee: str
    status: str  # int | name | attr:<qualifier> | expr | none
    keywords: tuple[str, ...]

    def __str__(self) -> str:
        kws = ", ".join(f"{k}=" for k in self.keywords)
        return f"{self.callee}(status:{self.status}{', ' + kws if kws else ''})"


def _looks_like_status(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, int) and not isinstance(node.value, bool) and 100 <= node.value <= 599
    if isinstance(node, ast.Name | ast.Attribute):
        return bool(re.search(r"(?i)http|status|code", last_name(node)))
    return False


def error_form(call: ast.Call) -> ErrorForm:
    status_arg: ast.expr | None = None
    for kw in call.keywords:
        if kw.arg in STATUS_KEYWORDS:
            status_arg = kw.value
            break
    if status_arg is None and call.args and _looks_like_status(call.args[0]):
        status_arg = call.args[0]
    if status_arg is None:
        status = "none"
    elif isinstance(status_arg, ast.Constant) and isinstance(status_arg.value, int):
        status = "int"
    elif isinstance(status_arg, ast.Attribute):
        status = f"attr:{dotted(status_arg.value) or 'expr'}"
    elif isinstance(status_arg, ast.Name):
        status = "name"
    else:
        status = "expr"
    keywords = tuple(sorted(kw.arg for kw in call.keywords if kw.arg))
    return ErrorForm(last_name(call.func), status, keywords)


def error_forms(tree: ast.AST) -> list[ErrorForm]:
    """Every error signal in a tree: ``raise X(...)`` calls (not of builtin exceptions such as
    ValueError: those say nothing about the HTTP response) and error-helper calls."""
    out: list[tuple[int, int, ErrorForm]] = []
    raised: set[int] = set()
    imported = imported_names(tree) if isinstance(tree, ast.Module) else None
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            raised.add(id(node.exc))
            name = last_name(node.exc.func)
            if name and name not in BUILTIN_NAMES:
                out.append((node.lineno, node.col_offset, error_form(node.exc)))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and id(node) not in raised and error_helper_name(node, imported):
            out.append((node.lineno, node.col_offset, error_form(node)))
    out.sort(key=lambda x: (x[0], x[1]))
    return [f for _l, _c, f in out]


def dominant_error_form(tree: ast.Module) -> ErrorForm | None:
    """The module's most frequent error form (first seen wins a tie), or None."""
    forms = error_forms(tree)
    if not forms:
        return None
    counts = Counter(forms)
    best = max(counts.values())
    return next(f for f in forms if counts[f] == best)


# ---------------------------------------------------------------------- codebases and tasks


def is_test_path(path: str) -> bool:
    p = PurePosixPath(path)
    name = p.name
    return (
        any(part in ("tests", "test", "testing") for part in p.parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def resource_name(path: str) -> str:
    """routers/invoices.py -> invoices; forum/views.py -> forum; pipelines_endpoints.py -> pipelines."""
    parts = list(PurePosixPath(path).with_suffix("").parts)
    stem = parts.pop() if parts else ""
    while stem.lower() in GENERIC_STEMS and parts:
        stem = parts.pop()
    changed = True
    while changed:
        changed = False
        for suffix in RESOURCE_SUFFIXES:
            if stem.lower().endswith(suffix) and len(stem) > len(suffix):
                stem, changed = stem[: -len(suffix)], True
    return re.sub(r"[_\-]+", " ", stem).strip() or stem


def request_for(path: str) -> str:
    return REQUEST_TEMPLATE.format(resource=resource_name(path))


@dataclass
class Codebase:
    """The Python files of one codebase in scope, parsed once."""

    name: str
    root: Path
    own_packages: set[str]
    sources: dict[str, str]
    trees: dict[str, ast.Module]
    identifiers: dict[str, set[str]]
    doc_freq: Counter[str]
    aliases: set[str]
    #: name -> files that define it (def, class, module-level assignment)
    definitions: dict[str, set[str]] = field(default_factory=dict)
    _route_paths: list[str] | None = field(default=None, repr=False)

    @classmethod
    def from_sources(
        cls, name: str, sources: dict[str, str], own_packages: set[str] | None = None, root: Path | None = None
    ) -> Codebase:
        trees: dict[str, ast.Module] = {}
        for path, src in sources.items():
            tree = parse(src, path)
            if tree is not None:
                trees[path] = tree
        identifiers = {p: file_identifiers(t) for p, t in trees.items()}
        doc_freq: Counter[str] = Counter()
        for ids in identifiers.values():
            doc_freq.update(ids)
        aliases: set[str] = set()
        for t in trees.values():
            aliases |= annotated_aliases(t)
        definitions: dict[str, set[str]] = {}
        for p, t in trees.items():
            for d in top_level_definitions(t):
                definitions.setdefault(d, set()).add(p)
        if own_packages is None:
            own_packages = {PurePosixPath(p).parts[0].removesuffix(".py") for p in sources}
        return cls(name, root or Path("."), own_packages, sources, trees, identifiers, doc_freq, aliases, definitions)

    @classmethod
    def load(cls, name: str, root: Path, include: Iterable[str] = (), exclude: Iterable[str] = ()) -> Codebase:
        """Python files under ``root`` matching ``include`` (gitignore globs) minus ``exclude``."""
        sources = {p: (root / p).read_text("utf-8", errors="replace") for p in scope_files(root, include, exclude)}
        own = own_packages(root)
        return cls.from_sources(name, sources, own, root)

    @property
    def file_count(self) -> int:
        return len(self.trees)

    @property
    def route_paths(self) -> list[str]:
        """The route modules (see ``route_modules``), found once."""
        if self._route_paths is None:
            self._route_paths = [path for path, _handlers in route_modules(self)]
        return self._route_paths


def scope_files(root: Path, include: Iterable[str] = (), exclude: Iterable[str] = ()) -> list[str]:
    inc = pathspec.PathSpec.from_lines("gitwildmatch", list(include)) if include else None
    exc = pathspec.PathSpec.from_lines("gitwildmatch", list(exclude)) if exclude else None
    out = []
    for p in sorted(root.rglob("*.py")):
        if not p.is_file() or p.is_symlink():
            continue
        rel = p.relative_to(root).as_posix()
        if any(part.startswith(".") or part == "__pycache__" for part in PurePosixPath(rel).parts):
            continue
        if inc is not None and not inc.match_file(rel):
            continue
        if exc is not None and exc.match_file(rel):
            continue
        out.append(rel)
    return out


def own_packages(root: Path) -> set[str]:
    """Top-level importable names of the distribution unpacked at ``root``."""
    out: set[str] = set()
    for p in root.iterdir():
        if p.name.endswith((".dist-info", ".egg-info", ".data")) or p.name.startswith("."):
            continue
        if p.is_dir() and (any(p.glob("*.py")) or any(p.glob("*/*.py"))):
            out.add(p.name)
        elif p.suffix == ".py":
            out.add(p.stem)
    return out


@dataclass
class Task:
    codebase: str
    module: str
    resource: str
    request: str
    handlers: int
    #: identifier -> categories (after filtering)
    conventions: dict[str, set[str]]
    #: identifier -> why it was left out (diagnostics)
    dropped: dict[str, str] = field(default_factory=dict)
    error_form: ErrorForm | None = None
    #: conventions defined in another file of the tree (so a pack can show their definition)
    defined: set[str] = field(default_factory=set)
    #: conventions another route module uses too (what sibling modules can teach a pack)
    in_other_routes: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, object]:
        return {
            "codebase": self.codebase,
            "module": self.module,
            "resource": self.resource,
            "request": self.request,
            "handlers": self.handlers,
            "conventions": {k: sorted(v) for k, v in sorted(self.conventions.items())},
            "dropped": dict(sorted(self.dropped.items())),
            "error_form": str(self.error_form) if self.error_form else None,
            "defined_in_tree": sorted(self.defined),
            "in_other_route_modules": sorted(self.in_other_routes),
        }


def shared_conventions(
    codebase: Codebase, module: str, raw: dict[str, set[str]]
) -> tuple[dict[str, set[str]], dict[str, str]]:
    """Keep identifiers that occur in another file; drop builtins and over-common names."""
    kept: dict[str, set[str]] = {}
    dropped: dict[str, str] = {}
    limit = codebase.file_count / 2
    for name, cats in raw.items():
        in_module = name in codebase.identifiers.get(module, set())
        others = codebase.doc_freq[name] - (1 if in_module else 0)
        if name in BUILTIN_NAMES:
            dropped[name] = "builtin"
        elif others < 1:
            dropped[name] = "only in this module"
        elif codebase.doc_freq[name] > limit:
            dropped[name] = f"in {codebase.doc_freq[name]} of {codebase.file_count} files"
        else:
            kept[name] = cats
    return kept, dropped


#: Application modules (the app object, its entry point): not one resource's routes.
APP_MODULES = frozenset({"main", "app", "__main__", "server", "wsgi", "asgi", "application"})
APP_CLASSES = frozenset({"FastAPI", "Flask", "Starlette", "Quart", "Sanic", "APIFlask"})
APP_FACTORIES = frozenset({"create_app", "make_app", "build_app", "get_app", "app_factory"})


def is_app_module(path: str, tree: ast.Module) -> bool:
    """The module that builds the application (``app = FastAPI()``, ``def create_app``)."""
    if PurePosixPath(path).stem in APP_MODULES:
        return True
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name in APP_FACTORIES:
            return True
        value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
        if isinstance(value, ast.Call) and last_name(value.func) in APP_CLASSES:
            return True
    return False


def route_modules(codebase: Codebase) -> Iterator[tuple[str, list[Handler]]]:
    """Files with at least three route handlers (tests and application modules left out)."""
    for path in sorted(codebase.trees):
        if is_test_path(path) or is_app_module(path, codebase.trees[path]):
            continue
        handlers = find_handlers(codebase.trees[path])
        if len(handlers) >= MIN_HANDLERS:
            yield path, handlers


def build_task(codebase: Codebase, module: str, handlers: list[Handler] | None = None) -> Task:
    tree = codebase.trees[module]
    handlers = handlers if handlers is not None else find_handlers(tree)
    raw = raw_conventions(tree, codebase.own_packages, codebase.aliases)
    kept, dropped = shared_conventions(codebase, module, raw)
    return Task(
        codebase=codebase.name,
        module=module,
        resource=resource_name(module),
        request=request_for(module),
        handlers=len(handlers),
        conventions=kept,
        dropped=dropped,
        error_form=dominant_error_form(tree),
        defined={n for n in kept if codebase.definitions.get(n, set()) - {module}},
        in_other_routes={
            n for n in kept if any(n in codebase.identifiers[p] for p in codebase.route_paths if p != module)
        },
    )


def select_tasks(
    codebase: Codebase, *, limit: int | None = 5, seed: int = 0, min_conventions: int = 5
) -> tuple[list[Task], int]:
    """Up to ``limit`` tasks drawn with a fixed seed; returns (tasks, eligible route modules)."""
    eligible = []
    for path, handlers in route_modules(codebase):
        task = build_task(codebase, path, handlers)
        if len(task.conventions) >= min_conventions:
            eligible.append(task)
    chosen = eligible
    if limit is not None and len(eligible) > limit:
        rng = random.Random(f"memorybrain-quality:{seed}:{codebase.name}")
        chosen = sorted(rng.sample(eligible, limit), key=lambda t: t.module)
    return chosen, len(eligible)
