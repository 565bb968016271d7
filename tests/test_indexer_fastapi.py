"""indexers.fastapi: routes, routers, mounts, Annotated aliases, exception handlers, deps."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest

from indexers import extract_python, fastapi
from indexers.base import ParsedFile
from memorybrain.models import FileExtract, Pattern
from tests.conftest import extract_files


def run(source: str, path: str = "app/api.py") -> FileExtract:
    return fastapi.extract(ParsedFile.parse(path, textwrap.dedent(source).encode()))


def by_name(fe: FileExtract, kind: str | None = None) -> dict[str, Pattern]:
    return {p.qualname: p for p in fe.patterns if kind is None or p.kind == kind}


def route(fe: FileExtract, name: str) -> dict[str, Any]:
    p = by_name(fe, "route")[name]
    return p.meta


ITEMS = """
from typing import Annotated, Optional

from fastapi import APIRouter, Body, Depends, Query, Security, status

from app import schemas
from app.api.deps import SessionDep

CurrentUser = Annotated[User, Depends(get_current_user)]

router = APIRouter(
    prefix="/items/",
    tags=["items"],
    dependencies=[Depends(verify_token)],
)


@router.get(
    "/{item_id}",
    response_model=ItemOut,
    status_code=200,
    tags=["read"],
)
@limiter.limit("5/minute")
@cache
async def read_item(item_id: int, user: CurrentUser, q: Optional[str] = Query(None)):
    \"\"\"Read one item.

    More text.
    \"\"\"
    item = crud.get(item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="missing")
    return item


@router.post(
    "", status_code=status.HTTP_201_CREATED, summary="Create an item",
    dependencies=[Depends(RoleChecker(["admin"])), Security(audit, scopes=["w"])],
)
def create_item(
    session: SessionDep,
    item_in: schemas.ItemCreate,
    extra: Annotated[list[Tag] | None, Body()] = None,
    db=Depends(get_db),
    settings: Settings = Depends(),
    admin: Annotated[User, Security(get_admin, scopes=["admin"])] = None,
) -> ItemOut:
    \"\"\"Docstring loses to summary=.\"\"\"
    return crud.create(session, item_in)
"""


def test_route_basic_meta() -> None:
    meta = route(run(ITEMS), "read_item")
    assert meta["framework"] == "fastapi"
    assert meta["methods"] == ["GET"]
    assert meta["path"] == "/{item_id}"
    assert meta["router"] == "router"
    assert meta["full_path"] == "/items/{item_id}"
    assert meta["handler"] == "read_item"
    assert meta["decorators"] == ["limiter.limit", "cache"]
    assert meta["decorator_texts"] == ['@limiter.limit("5/minute")', "@cache"]
    assert meta["response_model"] == "ItemOut"
    assert meta["status_code"] == 200
    assert meta["tags"] == ["items", "read"]
    assert meta["summary"] == "Read one item."
    assert meta["http_errors"] == [404]
    assert meta["raises"] == ["HTTPException"]
    assert meta["calls"] == ["crud.get", "HTTPException"]
    assert meta["aborts"] == []


def test_route_dependencies_from_every_source() -> None:
    fe = run(ITEMS)
    # router-level deps first, then the alias behind CurrentUser
    assert route(fe, "read_item")["dependencies"] == ["verify_token", "get_current_user"]
    # router, decorator (Depends + Security), then parameters in order:
    # Depends(get_db), Depends() -> the annotation class, Annotated[..., Security(...)]
    assert route(fe, "create_item")["dependencies"] == [
        "verify_token",
        "RoleChecker",
        "audit",
        "get_db",
        "Settings",
        "get_admin",
    ]


def test_route_annotations_schemas_status_and_summary() -> None:
    meta = route(run(ITEMS), "create_item")
    assert meta["annotations"] == ["SessionDep", "schemas.ItemCreate", "Tag", "Settings", "User"]
    # return annotation (no response_model) + body params; SessionDep comes from a deps module
    assert meta["schemas"] == ["ItemOut", "schemas.ItemCreate", "Tag"]
    assert meta["response_model"] is None
    assert meta["status_code"] == "status.HTTP_201_CREATED"
    assert meta["summary"] == "Create an item"
    assert meta["full_path"] == "/items/"
    assert meta["tags"] == ["items"]
    assert route(run(ITEMS), "read_item")["annotations"] == ["int", "CurrentUser", "str"]
    assert route(run(ITEMS), "read_item")["schemas"] == ["ItemOut"]


def test_route_pattern_fields_and_summary_line() -> None:
    fe = run(ITEMS)
    p = by_name(fe, "route")["read_item"]
    assert (p.kind, p.name, p.path) == ("route", "read_item", "app/api.py")
    assert p.start_line == 18  # the first decorator
    assert p.code.startswith("@router.get(")
    assert p.code.splitlines()[-1] == "    return item"
    assert p.summary == (
        "GET /items/{item_id} → read_item (deps: verify_token, get_current_user; response: ItemOut) — Read one item."
    )
    json.dumps([q.meta for q in fe.patterns])
    json.dumps(fe.meta)


def test_routers_meta_and_aliases() -> None:
    fe = run(ITEMS)
    assert fe.meta["routers"] == {
        "router": {
            "type": "APIRouter",
            "prefix": "/items/",
            "tags": ["items"],
            "dependencies": ["verify_token"],
            "name": None,
            "line": 11,
            "call": 'APIRouter(prefix="/items/", tags=["items"], dependencies=[Depends(verify_token)])',
        }
    }
    assert fe.meta["annotated_aliases"] == {"CurrentUser": {"depends": "get_current_user", "line": 9}}


def test_aliases_pep695_typealias_and_bare_depends() -> None:
    fe = run(
        """
        import typing
        from typing import Annotated, TypeAlias
        from fastapi import Depends, FastAPI, Security

        type Admin = Annotated[User, Security(get_admin, scopes=["admin"])]
        Token: TypeAlias = Annotated[str, Depends(oauth2_scheme)]
        Paging = typing.Annotated[Pagination, Depends()]
        NotADep = Annotated[int, Query(gt=0)]

        app = FastAPI()

        @app.get("/me")
        def me(admin: Admin, token: Token, page: Paging, n: NotADep):
            return admin
        """
    )
    assert fe.meta["annotated_aliases"] == {
        "Admin": {"depends": "get_admin", "line": 6},
        "Token": {"depends": "oauth2_scheme", "line": 7},
        "Paging": {"depends": "Pagination", "line": 8},
    }
    meta = route(fe, "me")
    assert meta["dependencies"] == ["get_admin", "oauth2_scheme", "Pagination"]
    assert meta["annotations"] == ["Admin", "Token", "Paging", "NotADep"]
    assert meta["router"] == "app"
    assert fe.meta["routers"]["app"]["type"] == "FastAPI"
    assert fe.meta["routers"]["app"]["prefix"] == ""


def test_api_route_websocket_and_stacked_route_decorators() -> None:
    fe = run(
        """
        import fastapi

        application = fastapi.FastAPI(dependencies=[fastapi.Depends(common)])

        @application.api_route("/both", methods=["get", "POST"])
        def both():
            pass

        @application.api_route("/default")
        def default():
            pass

        @application.websocket("/ws/{room}")
        async def chat(websocket: WebSocket, room: str):
            await websocket.accept()

        @application.head("/health", include_in_schema=False)
        @application.get("/health")
        @application.get("/healthz")
        def health():
            return {"ok": True}
        """
    )
    assert route(fe, "both")["methods"] == ["GET", "POST"]
    assert route(fe, "both")["dependencies"] == ["common"]
    assert route(fe, "default")["methods"] == ["GET"]
    chat = route(fe, "chat")
    assert (chat["methods"], chat["full_path"], chat["schemas"]) == (
        ["WEBSOCKET"],
        "/ws/{room}",
        [],
    )
    health = route(fe, "health")
    assert health["methods"] == ["HEAD", "GET"]
    assert health["path"] == "/health"
    assert health["decorators"] == []
    assert health["routes"] == [
        {"methods": ["HEAD"], "path": "/health", "router": "application", "full_path": "/health"},
        {"methods": ["GET"], "path": "/health", "router": "application", "full_path": "/health"},
        {"methods": ["GET"], "path": "/healthz", "router": "application", "full_path": "/healthz"},
    ]
    assert by_name(fe, "route")["health"].summary == "HEAD,GET /health → health (deps: common)"


def test_imported_router_needs_fastapi_import_and_a_path() -> None:
    fe = run(
        """
        from fastapi import Depends
        from .deps import router, cache

        @router.get("/users/{user_id}")
        def get_user(user_id: int):
            return user_id

        @router.delete(USERS + "/{user_id}")
        def delete_user(user_id: int):
            return user_id

        @cache.get(key_builder)
        def cached():
            return 1
        """
    )
    routes = by_name(fe, "route")
    assert sorted(routes) == ["delete_user", "get_user"]
    assert route(fe, "get_user")["full_path"] == "/users/{user_id}"
    assert route(fe, "get_user")["router"] == "router"
    assert route(fe, "delete_user")["path"] == "{USERS}/{user_id}"
    assert "routers" not in fe.meta


def test_dict_get_is_not_a_route() -> None:
    fe = run(
        """
        registry = {}
        settings = {"a": 1}
        value = settings.get("a")

        @registry.get("/looks/like/a/path")
        def handler():
            return settings.get("b")
        """
    )
    assert fe.patterns == []
    assert fe.meta == {}


def test_router_inside_if_fstring_path_and_constant_prefix() -> None:
    fe = run(
        """
        from fastapi import APIRouter
        from app.constants import API, VERSION_1, RUNS

        if settings.enabled:
            runs = APIRouter(prefix=API + VERSION_1 + RUNS, tags=["runs"])
        else:
            runs = APIRouter(prefix="/other")

        @runs.get(f"/{RUN_ID}/steps")
        def steps():
            pass

        @runs.post("")
        def create():
            pass

        @runs.get(STATISTICS)
        def stats():
            pass
        """
    )
    assert fe.meta["routers"]["runs"]["prefix"] == "{API}{VERSION_1}{RUNS}"
    assert fe.meta["routers"]["runs"]["line"] == 6
    assert route(fe, "steps")["path"] == "/{RUN_ID}/steps"
    assert route(fe, "steps")["full_path"] == "{API}{VERSION_1}{RUNS}/{RUN_ID}/steps"
    assert route(fe, "create")["full_path"] == "{API}{VERSION_1}{RUNS}"
    assert route(fe, "stats")["full_path"] == "{API}{VERSION_1}{RUNS}{STATISTICS}"
    assert route(fe, "steps")["tags"] == ["runs"]


def test_routes_inside_if_and_double_slashes_collapsed() -> None:
    fe = run(
        """
        from fastapi import APIRouter
        router = APIRouter(prefix="/api/")

        if FEATURE:
            @router.get("/flag")
            def flag():
                pass
        """
    )
    assert route(fe, "flag")["full_path"] == "/api/flag"


def test_mounts() -> None:
    fe = run(
        """
        from fastapi import Depends, FastAPI
        from app.api.routes import items, users
        from app.api.main import api_router

        app = FastAPI()
        app.include_router(api_router, prefix=settings.API_V1_STR)
        app.include_router(
            users.router,
            prefix="/users",
            tags=["users"],
            dependencies=[Depends(get_current_active_superuser)],
        )
        app.include_router(router=items.router)
        app.mount("/static", StaticFiles(directory="static"), name="static")
        """
    )
    assert fe.meta["mounts"] == [
        {
            "parent": "app",
            "child": "api_router",
            "prefix": "{settings.API_V1_STR}",
            "line": 7,
            "dependencies": [],
        },
        {
            "parent": "app",
            "child": "users.router",
            "prefix": "/users",
            "line": 8,
            "dependencies": ["get_current_active_superuser"],
        },
        {"parent": "app", "child": "items.router", "prefix": "", "line": 14, "dependencies": []},
    ]


def test_exception_handlers_all_forms() -> None:
    fe = run(
        """
        from fastapi import FastAPI
        from fastapi.exceptions import RequestValidationError

        app = FastAPI()

        @app.exception_handler(RequestValidationError)
        async def validation_handler(request, exc):
            return JSONResponse({"detail": exc.errors()}, status_code=422)

        app.add_exception_handler(404, not_found)
        app.add_exception_handler(errors.AppError, handlers.app_error)
        app.exception_handler(Exception)(self.error_handler)
        """
    )
    assert fe.meta["exception_handlers"] == [
        {
            "exception": "RequestValidationError",
            "handler": "validation_handler",
            "line": 7,
            "app": "app",
        },
        {"exception": 404, "handler": "not_found", "line": 11, "app": "app"},
        {"exception": "errors.AppError", "handler": "handlers.app_error", "line": 12, "app": "app"},
        {"exception": "Exception", "handler": "self.error_handler", "line": 13, "app": "app"},
    ]
    assert by_name(fe) == {}  # error_handler patterns belong to another indexer


DEPS = """
from typing import Annotated
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


SessionDep = Annotated[Session, Depends(get_db)]


async def get_current_user(session: SessionDep, token: str = Depends(oauth2_scheme)) -> User:
    \"\"\"Resolve the user behind a bearer token.\"\"\"
    user = session.get(User, token)
    if not user:
        raise HTTPException(status_code=401)
    return user


class RoleChecker:
    def __init__(self, roles: list[str]) -> None:
        self.roles = roles

    def __call__(self, user: Annotated[User, Depends(get_current_user)]) -> User:
        if user.role not in self.roles:
            raise HTTPException(status_code=403)
        return user


class Plain:
    def __call__(self):
        return 1


def helper(x: int) -> int:
    def inner():
        yield x
    return x


def uses_checker(user=Depends(RoleChecker(["admin"]))):
    return user
"""


def test_dependency_patterns() -> None:
    fe = run(DEPS, "app/deps.py")
    deps = by_name(fe, "dependency")
    assert sorted(deps) == ["RoleChecker", "get_current_user", "get_db", "uses_checker"]
    assert deps["get_db"].meta == {
        "depends_on": [],
        "yields": True,
        "calls": ["SessionLocal", "db.close"],
        "raises": [],
        "catches": [],
        "aborts": [],
        "http_errors": [],
        "error_calls": [],
    }
    current = deps["get_current_user"]
    assert current.meta["depends_on"] == ["get_db", "oauth2_scheme"]
    assert current.meta["yields"] is False
    assert current.meta["http_errors"] == [401]
    assert current.summary == (
        "dependency get_current_user(session: SessionDep, token: str = Depends(oauth2_scheme))"
        " -> User — Resolve the user behind a bearer token."
    )
    checker = deps["RoleChecker"]
    assert checker.meta["depends_on"] == ["get_current_user"]
    assert checker.meta["http_errors"] == [403]  # body refs of __call__
    assert checker.summary == "dependency class RoleChecker"
    assert checker.code.startswith("class RoleChecker:")
    assert deps["uses_checker"].meta["depends_on"] == ["RoleChecker"]
    assert fe.meta["annotated_aliases"] == {"SessionDep": {"depends": "get_db", "line": 17}}


def test_route_handlers_are_not_dependencies() -> None:
    fe = run(ITEMS)
    assert [p.kind for p in fe.patterns] == ["route", "route"]


def test_add_api_route() -> None:
    fe = run(
        """
        from fastapi import APIRouter
        router = APIRouter(prefix="/v1")

        def list_things(db=Depends(get_db)):
            return []

        router.add_api_route("/things", list_things, methods=["GET", "HEAD"])
        router.add_api_route(path="/things", endpoint=list_things, methods=["POST"])
        router.add_api_websocket_route("/feed", feed)
        """
    )
    meta = route(fe, "list_things")
    assert meta["methods"] == ["GET", "HEAD", "POST"]
    assert meta["full_path"] == "/v1/things"
    assert meta["dependencies"] == ["get_db"]
    assert [p.kind for p in fe.patterns] == ["route"]


def test_syntax_error_keeps_what_parses() -> None:
    fe = run(
        """
        from fastapi import APIRouter
        router = APIRouter(prefix="/x")

        @router.get("/ok")
        def ok():
            return 1

        def broken(:
            return (

        @router.post("/later")
        async def later(item: Item):
            return item
        """
    )
    assert route(fe, "ok")["full_path"] == "/x/ok"
    assert route(fe, "later")["full_path"] == "/x/later"  # tree-sitter recovers after the error
    assert route(fe, "later")["schemas"] == ["Item"]
    assert fe.meta["routers"]["router"]["prefix"] == "/x"


@pytest.mark.parametrize(
    "source",
    [
        "",
        "\n\n",
        "@router.get(",
        "@app.get('/x')\n",
        "from fastapi import APIRouter\nrouter = APIRouter(prefix=)\n@router.get()\ndef f(",
        "X = Annotated[\n",
        "app.include_router()\napp.add_exception_handler(E)\n",
        "def f(a: Annotated[] = Depends(), *, b=Security()): yield",
        "\x00\xff\xfe garbage ((((",
    ],
)
def test_never_raises(source: str) -> None:
    fe = run(source)
    json.dumps(fe.meta)
    json.dumps([p.meta for p in fe.patterns])


def test_empty_file() -> None:
    fe = run("")
    assert fe.patterns == []
    assert fe.meta == {}


def test_extract_python_integration() -> None:
    fe = extract_python("app/api.py", textwrap.dedent(ITEMS).encode())
    kinds = {p.qualname: p.kind for p in fe.patterns}
    assert kinds["read_item"] == "route"
    assert kinds["create_item"] == "route"
    assert fe.meta["routers"]["router"]["prefix"] == "/items/"
    assert fe.meta["parse_errors"] is False


@pytest.mark.parametrize(
    ("prefix", "path", "expected"),
    [
        ("", "", "/"),
        ("", "/a", "/a"),
        ("/api", "", "/api"),
        ("/api/", "/a", "/api/a"),
        ("/api", "/", "/api/"),
        ("{API}", "{RUNS}", "{API}{RUNS}"),
    ],
)
def test_join_path(prefix: str, path: str, expected: str) -> None:
    assert fastapi.join_path(prefix, path) == expected


def test_router_subclass_prefix_counts() -> None:
    """A project's ``class PrefectRouter(APIRouter)`` (defined in another file): an instance
    whose methods decorate routes here is a router, and its ``prefix`` joins the paths."""
    fe = run(
        """
        from fastapi import Depends, status
        from app.utilities.server import ProjectRouter
        from app import schemas

        router: ProjectRouter = ProjectRouter(prefix="/work_pools", tags=["Work Pools"])
        app = create_app()

        @router.post("/", status_code=status.HTTP_201_CREATED)
        async def create_work_pool(work_pool: schemas.actions.WorkPoolCreate) -> schemas.responses.WorkPoolResponse:
            return work_pool

        @app.get("/health")
        def health():
            return {}
        """
    )
    assert route(fe, "create_work_pool")["full_path"] == "/work_pools/"
    assert fe.meta["routers"]["router"]["type"] == "ProjectRouter"
    assert fe.meta["routers"]["router"]["tags"] == ["Work Pools"]
    assert "app" not in fe.meta["routers"]  # create_app() is a call, not a router class
    assert route(fe, "health")["full_path"] == "/health"


def test_router_subclass_in_a_file_that_imports_only_the_project_router() -> None:
    """No fastapi import and a path in a lowercase variable: the ``...Router`` class name
    is what says these decorators are routes."""
    fe = run(
        """
        from app.common.router import AirflowRouter

        monitor_router = AirflowRouter(tags=["Monitor"], prefix="/monitor")
        hitl_path = "/{dag_id}/hitl"
        cache = Cache(prefix="/c")

        @monitor_router.get("/health", response_model=HealthInfoResponse)
        def get_health():
            return {}

        @monitor_router.patch(hitl_path)
        def update_hitl():
            return {}

        @cache.get("/key")
        def cached():
            return 1
        """
    )
    assert sorted(by_name(fe, "route")) == ["get_health", "update_hitl"]
    assert route(fe, "get_health")["full_path"] == "/monitor/health"
    assert route(fe, "update_hitl")["full_path"] == "/monitor{hitl_path}"
    assert set(fe.meta["routers"]) == {"monitor_router"}


def test_return_annotation_is_the_response_schema() -> None:
    meta = route(run(ITEMS), "create_item")
    assert meta["response_annotation"] == "ItemOut"
    fe = run(
        """
        from fastapi import APIRouter
        router = APIRouter()

        @router.get("/a", response_model=AOut)
        def a() -> dict:
            return {}

        @router.get("/b")
        def b() -> dict:
            return {}
        """
    )
    assert route(fe, "a")["response_annotation"] is None  # response_model= wins in FastAPI
    assert route(fe, "b")["response_annotation"] is None  # not a schema


def test_linker_return_annotations_are_responses_not_request_bodies() -> None:
    from memorybrain.linker import link, route_summary

    api = textwrap.dedent(
        """
        from fastapi import APIRouter, Depends

        router = APIRouter(prefix="/pools")

        @router.post("/")
        def create_pool(pool: PoolCreate) -> PoolOut:
            return pool

        @router.get("/{name}")
        def read_pool(name: str) -> PoolOut:
            return PoolOut(name=name)

        @router.get("/page/ui", response_model=PoolOut)
        def ui(token=Depends(verify_token)):
            return {}
        """
    ) + "".join(f"\n@router.get('/x{i}')\ndef x{i}() -> PoolOut:\n    return PoolOut()\n" for i in range(8))
    files = {
        "app/api.py": api,
        "app/schemas.py": "from pydantic import BaseModel\nclass PoolCreate(BaseModel):\n    name: str\n"
        "class PoolOut(BaseModel):\n    name: str\n",
    }
    rows, metas = extract_files(files)
    read_pool = next(r[4] for r in rows if r[2] == "read_pool")
    assert route_summary(read_pool) == "GET /pools/{name} → read_pool (response: PoolOut)"
    conventions = {c["key"]: c for c in link(rows, metas).conventions}
    validation = conventions["validation"]["statement"]
    assert "request bodies are validated by `PoolCreate`;" in validation
    assert "responses are shaped by `PoolOut`" in validation
    assert conventions["responses"]["statement"] == (
        "handlers declare the response schema with a return annotation (`-> Schema`) (10 of 11), "
        "`response_model=` (1 of 11)"
    )
    # one handler of eleven has a token dependency: no rule that routes require it
    auth = conventions["auth"]["statement"]
    assert auth.startswith(
        "most routes have no auth dependency or decorator (10 of 11); `Depends(verify_token)` on 1 only"
    ), auth


def test_linker_helpers_are_calls_into_project_modules_only() -> None:
    """`messages.success(...)` through an outside module, or a `success` imported from one,
    is no call of the project's own `success` (pretix: Django's messages.success in 188 views)."""
    from memorybrain.linker import link

    handlers = "".join(
        f"""
@router.post("/r{i}")
def r{i}():
    messages.success("saved")
    success("x")
    services.create_item()
    return {{}}
"""
        for i in range(4)
    )
    files = {
        "app/api.py": "from fastapi import APIRouter\nfrom django.contrib import messages\n"
        "from django.contrib.messages import success\nfrom app import services\nrouter = APIRouter()\n" + handlers,
        "app/services.py": "def create_item():\n    return 1\n",
        "app/tasks.py": "def success(value):\n    return value\n",
    }
    rows, metas = extract_files(files)
    helpers = {c["key"]: c for c in link(rows, metas).conventions}["helpers"]
    assert helpers["data"]["names"] == ["create_item"]


def test_linker_a_limit_query_filter_is_no_rate_limit() -> None:
    """airflow: ``Depends(LimitFilter.depends)`` is the page size of a list, not rate limiting."""
    from memorybrain.linker import link

    src = textwrap.dedent(
        """
        from fastapi import APIRouter, Depends
        router = APIRouter()

        @router.get("/assets")
        def list_assets(limit=Depends(LimitFilter.depends), offset=Depends(OffsetFilter.depends)):
            return []

        @router.post("/login")
        @limiter.limit("5/minute")
        def login():
            return {}
        """
    )
    fe = extract_python("app/api.py", src.encode())
    rows = [(p.id, p.kind, p.name, p.path, p.meta, 0, p.summary) for p in fe.patterns]
    conventions = {c["key"]: c for c in link(rows, {"app/api.py": fe.meta}).conventions}
    assert conventions["rate_limit"]["data"]["name"] == "limiter.limit"
    assert conventions["rate_limit"]["data"]["count"] == 1


#: A router module with two handlers and nothing else: the rate-limit tests' routes.
TWO_ROUTES = """\
from fastapi import APIRouter

router = APIRouter()


@router.get("/items")
def list_items():
    return []


@router.post("/items")
def create_item():
    return {}
"""


def test_linker_a_rate_limiter_no_route_uses_yet_is_pointed_at() -> None:
    """zenml without its auth router: ``rate_limit_requests`` is defined, used by no route; the
    checklist says rate limiting is not done, and where the project's limiter is."""
    from memorybrain.linker import link
    from memorybrain.pack import ChecklistItem, PackBuilder

    files = {
        "app/rate_limit.py": """\
import functools
import time


class RequestLimiter:
    def __init__(self, day_limit=None, minute_limit=None):
        self.day_limit = day_limit
        self.minute_limit = minute_limit
        self.requests = {}

    def hit_limiter(self, request):
        now = time.time()
        self.requests.setdefault(request.client.host, []).append(now)


def rate_limit_requests(day_limit=None, minute_limit=None):
    limiter = RequestLimiter(day_limit=day_limit, minute_limit=minute_limit)

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            limiter.hit_limiter(kwargs["request"])
            return func(*args, **kwargs)

        return wrapper

    return decorator
""",
        "app/api.py": TWO_ROUTES,
        "tests/test_limits.py": """\
def test_throttle_limits():
    assert True
""",
    }
    rows, metas = extract_files(files)
    rate = {c["key"]: c for c in link(rows, metas).conventions}["rate_limit"]
    assert rate["statement"] == (
        "no route is rate limited (2 handlers), but the project defines `rate_limit_requests` "
        "(app/rate_limit.py), `RequestLimiter` (app/rate_limit.py)"
    )
    assert rate["data"]["count"] == 0
    (item,) = [i for i in PackBuilder._checklist(None, [rate]) if i.key == "rate_limit"]  # type: ignore[arg-type]
    answer = "not found in this project: " + rate["statement"]
    assert item == ChecklistItem("rate_limit", "Rate limiting", answer, False)


def test_linker_an_app_wide_rate_limit_middleware_limits_every_route() -> None:
    """lnbits: ``app.add_middleware(SlowAPIMiddleware)`` with the limiter's default limits."""
    from memorybrain.linker import link

    files = {
        "app/middleware.py": """\
from fastapi import FastAPI
from slowapi.middleware import SlowAPIMiddleware


def add_ratelimit_middleware(app: FastAPI):
    app.add_middleware(SlowAPIMiddleware)
""",
        "app/api.py": TWO_ROUTES,
    }
    rows, metas = extract_files(files)
    rate = {c["key"]: c for c in link(rows, metas).conventions}["rate_limit"]
    assert rate["statement"] == (
        "rate limits apply to every route through the middleware `SlowAPIMiddleware` "
        "(app/middleware.py:6; from `slowapi.middleware`): 2 handlers"
    )
    assert rate["data"]["form"] == "app.add_middleware(SlowAPIMiddleware)"


def test_routers_included_in_a_loop_and_mounted_sub_apps() -> None:
    fe = run(
        """
        from fastapi import FastAPI
        from app.api import info, users
        from app import api

        ROUTERS = (api.flows.router, api.runs.router)

        def create_v1():
            v1 = FastAPI()
            for router in [info.router, users.router]:
                v1.include_router(router)
            for router in ROUTERS:
                v1.include_router(router, prefix="/x")
            for name in names():
                v1.include_router(name)
            return v1

        v1 = create_v1()
        app = FastAPI()
        app.mount("/api/v1", v1)
        app.mount("/static", StaticFiles(directory="static"))
        app.mount(settings.BASE, v1)
        """
    )
    assert [(m["parent"], m["child"], m["prefix"]) for m in fe.meta["mounts"]] == [
        ("v1", "info.router", ""),
        ("v1", "users.router", ""),
        ("v1", "api.flows.router", "/x"),
        ("v1", "api.runs.router", "/x"),
        ("v1", "name", ""),
        ("app", "v1", "/api/v1"),
    ]


def test_linker_prefixes_through_a_loop_a_sub_app_mount_and_a_package_attribute() -> None:
    from memorybrain.linker import link

    files = {
        "app/api/info.py": """
            from fastapi import APIRouter
            router = APIRouter(prefix="/info")
            @router.get("/status")
            def status(): ...
        """,
        "app/api/flows.py": """
            from fastapi import APIRouter
            router = APIRouter()
            @router.get("/flows")
            def flows(): ...
        """,
        "app/api/__init__.py": "",
        "app/routes.py": """
            from fastapi import FastAPI
            from app import api
            from app.api import info

            def create_v1():
                v1 = FastAPI()
                for router in [info.router, api.flows.router]:
                    v1.include_router(router)
                return v1

            v1 = create_v1()
        """,
        "app/main.py": """
            from fastapi import FastAPI
            from app.routes import v1
            app = FastAPI()
            app.mount("/api/v1", v1)
        """,
    }
    rows, metas = extract_files({path: textwrap.dedent(src) for path, src in files.items()})
    updates = {u[0]: u[2] for u in link(rows, metas).updates}
    full = {m["handler"]: m["full_path"] for m in updates.values() if m.get("handler")}
    assert full == {"status": "/api/v1/info/status", "flows": "/api/v1/flows"}


def test_auth_convention_states_security_as_the_project_writes_it() -> None:
    from memorybrain.linker import link

    src = """
        from fastapi import APIRouter, Depends, Security
        from app import auth
        router = APIRouter()

        @router.get("/me")
        def me(db=Depends(get_db), user=Security(auth.get_current_user, scopes=["me"])): ...

        @router.get("/items")
        def items(user: User = Security(auth.get_current_user)): ...

        @router.delete("/items/{item_id}", dependencies=[Security(auth.get_current_user)])
        def delete_item(item_id: int): ...

        @router.get("/others")
        def others(user=Depends(auth.get_current_admin)): ...
    """
    fe = extract_python("app/api.py", textwrap.dedent(src).encode())
    assert route(fe, "me")["security"] == ["auth.get_current_user"]
    assert route(fe, "delete_item")["security"] == ["auth.get_current_user"]
    assert "security" not in route(fe, "others")
    rows = [(p.id, p.kind, p.name, p.path, p.meta, 0, p.summary) for p in fe.patterns]
    result = link(rows, {"app/api.py": fe.meta})
    summaries = {u[2]["handler"]: u[3] for u in result.updates if u[2].get("handler")}
    assert summaries["me"] == "GET /me → me (deps: get_db, Security(auth.get_current_user))"
    assert summaries["items"] == "GET /items → items (deps: Security(auth.get_current_user))"
    conventions = {c["key"]: c for c in result.conventions}
    assert conventions["auth"]["data"]["form"] == "Security(auth.get_current_user)"
    assert conventions["auth"]["statement"].startswith("routes require `Security(auth.get_current_user)` (3 of 4")


def test_router_dependencies_built_in_a_variable_reach_the_routes() -> None:
    """Phoenix: ``create_v1_router`` builds ``dependencies`` as a list, appends the auth
    dependency, and passes the variable to ``APIRouter``; a nested router adds a conditional one."""
    from memorybrain.linker import link
    from tests.conftest import extract_files

    rows, metas = extract_files(
        {
            "phoenix/routers/v1/__init__.py": textwrap.dedent(
                """
                from fastapi import APIRouter, Depends
                from .spans import router as spans_router

                def create_v1_router(authentication_enabled: bool) -> APIRouter:
                    dependencies = [Depends(prevent_access_in_read_only_mode)]
                    if authentication_enabled:
                        dependencies.append(Depends(APIKeyHeader(name="Authorization", auto_error=False)))
                        dependencies.append(Depends(is_authenticated))
                    router = APIRouter(prefix="/v1", dependencies=dependencies)
                    viewer = APIRouter(dependencies=[Depends(restrict_viewers)] if authentication_enabled else [])
                    viewer.include_router(spans_router)
                    router.include_router(viewer)
                    return router
                """
            ),
            "phoenix/auth.py": "async def is_authenticated(request):\n    return None\n",
            "phoenix/routers/v1/spans.py": textwrap.dedent(
                """
                from fastapi import APIRouter
                router = APIRouter()

                @router.get("/spans")
                async def list_spans():
                    return []

                @router.delete("/spans/{span_id}")
                async def delete_span(span_id: str):
                    return None
                """
            ),
            "phoenix/routers/auth.py": textwrap.dedent(
                """
                from fastapi import APIRouter, Depends
                auth_dependencies = [Depends(login_rate_limiter)]
                router = APIRouter(prefix="/auth", dependencies=auth_dependencies)

                @router.post("/login")
                async def login():
                    return None
                """
            ),
        }
    )
    routers = metas["phoenix/routers/v1/__init__.py"].get("routers") or {}
    assert routers["router"]["dependencies"] == ["prevent_access_in_read_only_mode", "APIKeyHeader", "is_authenticated"]
    assert routers["viewer"]["dependencies"] == ["restrict_viewers"]
    assert metas["phoenix/routers/auth.py"]["routers"]["router"]["dependencies"] == ["login_rate_limiter"]
    result = link(rows, metas)
    by_name = {u[2].get("handler") or "": u[2] for u in result.updates}
    conventions = {c["key"]: c for c in result.conventions}
    assert "login_rate_limiter" in conventions["rate_limit"]["statement"]
    # the spans routes get what the routers they are included into require
    for handler in ("list_spans", "delete_span"):
        deps = by_name[handler]["dependencies"]
        assert {"restrict_viewers", "prevent_access_in_read_only_mode", "is_authenticated"} <= set(deps)
    assert by_name["list_spans"]["full_path"] == "/v1/spans"
    assert conventions["auth"]["statement"].startswith("routes require `Depends(is_authenticated)` (2 of 3")
    # the header scheme on the same routes is no "guard where only some users may act"
    assert not any(key.startswith("auth:") and "APIKeyHeader" in key for key in conventions)
    assert "auth:restrict_viewers" not in conventions  # on the same two routes too


def test_the_registered_exception_handler_wins_over_a_lookalike_helper() -> None:
    """litellm: ``_google_error_response(request, error: ProxyException)`` renders errors for a
    few Google endpoints; ``@app.exception_handler(ProxyException)`` is what renders them all."""
    from memorybrain.linker import link
    from tests.conftest import extract_files

    routes = "".join(
        f"""
@router.get("/r{i}")
async def r{i}():
    raise ProxyException(message="no", code=400)
"""
        for i in range(3)
    )
    rows, metas = extract_files(
        {
            "proxy/errors.py": "class ProxyException(Exception):\n    pass\n",
            "proxy/google.py": textwrap.dedent(
                """
                from fastapi import Request
                from fastapi.responses import JSONResponse
                from proxy.errors import ProxyException

                def _google_error_response(request: Request, error: ProxyException) -> JSONResponse:
                    return JSONResponse(status_code=400, content={"error": {"code": 1, "status": "x"}})
                """
            ),
            "proxy/routes.py": "from fastapi import APIRouter\nfrom proxy.errors import ProxyException\n"
            + "router = APIRouter()\n"
            + routes,
            "proxy/server.py": textwrap.dedent(
                """
                from fastapi import FastAPI, Request
                from fastapi.responses import JSONResponse
                from proxy.errors import ProxyException
                app = FastAPI()

                @app.exception_handler(ProxyException)
                async def openai_exception_handler(request: Request, exc: ProxyException):
                    return JSONResponse(status_code=400, content={"error": exc.to_dict()})
                """
            ),
        }
    )
    errors = {c["key"]: c for c in link(rows, metas).conventions}["errors"]
    assert "rendered by `openai_exception_handler` (proxy/server.py)" in errors["statement"]


def test_an_alias_few_handlers_write_is_not_the_way_auth_is_written() -> None:
    """litellm: 476 handlers write ``Depends(user_api_key_auth)``, 4 the ``Auth`` alias."""
    from memorybrain.linker import link
    from tests.conftest import extract_files

    plain = "".join(
        f"""
@router.get("/p{i}")
async def p{i}(key: UserAPIKeyAuth = Depends(user_api_key_auth)):
    return None
"""
        for i in range(5)
    )
    source = (
        "from typing import Annotated\nfrom fastapi import APIRouter, Depends\n"
        "Auth = Annotated[UserAPIKeyAuth, Depends(user_api_key_auth)]\nrouter = APIRouter()\n"
        + plain
        + '\n@router.get("/a")\nasync def a(key: Auth):\n    return None\n'
    )
    rows, metas = extract_files({"proxy/routes.py": source})
    auth = {c["key"]: c for c in link(rows, metas).conventions}["auth"]
    assert auth["statement"].startswith("routes require `Depends(user_api_key_auth)` (6 of 6")
    assert "written as" not in auth["statement"]


def test_database_errors_caught_in_handler_bodies() -> None:
    """Phoenix: ``except (PostgreSQLIntegrityError, SQLiteIntegrityError): raise HTTPException(409)``
    in handlers, with no exception handler for database errors."""
    from memorybrain.linker import link
    from tests.conftest import extract_files

    source = textwrap.dedent(
        """
        from fastapi import APIRouter, HTTPException
        from sqlalchemy.exc import IntegrityError as PostgreSQLIntegrityError
        router = APIRouter()

        @router.post("/labels")
        async def create_label(body: dict):
            try:
                await session.flush()
            except PostgreSQLIntegrityError:
                raise HTTPException(status_code=409, detail="exists")

        @router.get("/labels")
        async def list_labels():
            try:
                return await session.scalars(q)
            except PostgreSQLIntegrityError:
                log.warning("retrying")
        """
    )
    rows, metas = extract_files({"app/labels.py": source})
    db = {c["key"]: c for c in link(rows, metas).conventions}["errors:db"]
    assert db["statement"] == (
        "database errors: handlers catch `PostgreSQLIntegrityError` and `raise HTTPException` "
        "(1 handler, e.g. POST /labels)"
    )
    from memorybrain.pack import _advice

    assert _advice("errors:db", db) == "catch `PostgreSQLIntegrityError` and `raise HTTPException` like 1 handler"


def test_prefix_known_only_at_run_time_is_left_out_of_paths() -> None:
    """Chainlit: ``router = APIRouter(prefix=config.run.root_path)``. The root the app is served
    under is no path parameter: routes read ``/project/thread/{thread_id}``, the expression is
    kept in ``runtime_prefix`` and the constructor call as written in ``call``."""
    fe = run(
        """
        from fastapi import APIRouter, FastAPI
        from chat.config import config

        app = FastAPI(lifespan=lifespan)
        router = APIRouter(prefix=config.run.root_path)

        @router.get("/project/thread/{thread_id}")
        async def get_thread(thread_id: str):
            return thread_id

        @router.head("/")
        def status_check():
            return None

        app.include_router(router)
        """
    )
    info = fe.meta["routers"]["router"]
    assert (info["prefix"], info["runtime_prefix"]) == ("", ["config.run.root_path"])
    assert info["call"] == "APIRouter(prefix=config.run.root_path)"
    assert fe.meta["routers"]["app"]["call"] == "FastAPI(lifespan=lifespan)"
    assert "runtime_prefix" not in fe.meta["routers"]["app"]
    assert route(fe, "get_thread")["full_path"] == "/project/thread/{thread_id}"
    assert route(fe, "status_check")["full_path"] == "/"
    assert by_name(fe, "route")["get_thread"].summary.startswith("GET /project/thread/{thread_id} → get_thread")


@pytest.mark.parametrize(
    ("prefix", "expected", "runtime"),
    [
        ('f"{config.run.root_path}/api"', "/api", ["config.run.root_path"]),
        ('f"{root}/api/{{version}}"', "/api/{version}", ["root"]),  # ``{{version}}`` is a path parameter
        ('f"{API_ROOT}/v1"', "{API_ROOT}/v1", []),  # an UPPER_CASE constant stays a placeholder
        ("settings.API_V1_STR", "{settings.API_V1_STR}", []),
        ('settings.api_prefix + "/items"', "/items", ["settings.api_prefix"]),
        ('API + get_prefix() + "/items"', "{API}/items", ["get_prefix()"]),
        ('"/api/" + version + "/items"', "/api/items", ["version"]),
        ('"/plain/{thread_id}"', "/plain/{thread_id}", []),
    ],
)
def test_prefix_template_keeps_constants_and_drops_run_time_values(
    prefix: str, expected: str, runtime: list[str]
) -> None:
    pf = ParsedFile.parse("app/api.py", f"x = {prefix}\n".encode())
    value = pf.root.named_children[0].named_children[0].child_by_field_name("right")
    assert fastapi.prefix_template(pf, value) == (expected, runtime)


def test_mount_prefixes_known_only_at_run_time() -> None:
    fe = run(
        """
        from fastapi import FastAPI
        from app.api import api_router

        app = FastAPI()
        app.include_router(api_router, prefix=settings.api_prefix)
        app.mount(f"{config.run.root_path}/ws/socket.io", asgi_app)
        app.mount(SOCKET_IO_PATH, other_app)
        """
    )
    assert fe.meta["mounts"] == [
        {
            "parent": "app",
            "child": "api_router",
            "prefix": "",
            "line": 6,
            "dependencies": [],
            "runtime_prefix": ["settings.api_prefix"],
        },
        {
            "parent": "app",
            "child": "asgi_app",
            "prefix": "/ws/socket.io",
            "line": 7,
            "runtime_prefix": ["config.run.root_path"],
        },
    ]


def test_run_time_prefixes_across_files_leave_the_literal_path() -> None:
    """The linker joins the prefixes of the routers a route is mounted through; run-time parts
    (here at both levels) are not among them, constants are."""
    from memorybrain.linker import link
    from tests.conftest import extract_files

    rows, metas = extract_files(
        {
            "app/main.py": textwrap.dedent(
                """
                from fastapi import FastAPI
                from app.routes import router

                app = FastAPI()
                app.include_router(router, prefix=settings.root_path + API_V1)
                """
            ),
            "app/routes.py": textwrap.dedent(
                """
                from fastapi import APIRouter

                router = APIRouter(prefix=f"{config.base}/things")

                @router.get("/{thing_id}")
                def get_thing(thing_id: int):
                    return thing_id
                """
            ),
        }
    )
    by_handler = {u[2].get("handler"): u[2] for u in link(rows, metas).updates}
    assert by_handler["get_thing"]["full_path"] == "{API_V1}/things/{thing_id}"


def test_long_router_call_keeps_its_prefix_and_comments_are_dropped() -> None:
    fe = run(
        """
        from fastapi import APIRouter, Depends

        router = APIRouter(
            prefix=settings.api_prefix,  # set per deployment
            tags=["a very long tag name", "another very long tag name"],
            dependencies=[Depends(verify_token), Depends(check_rate_limit)],
            responses={404: {"description": "Not found"}},
        )
        short = APIRouter(
            prefix="/short",  # comment
            tags=["s"],
        )
        """
    )
    assert fe.meta["routers"]["router"]["call"] == "APIRouter(prefix=settings.api_prefix, ...)"
    assert fe.meta["routers"]["short"]["call"] == 'APIRouter(prefix="/short", tags=["s"])'


def test_linker_prefixes_through_a_loop_over_a_list_of_routers_another_module_defines() -> None:
    """letta: ``routers/v1/__init__.py`` lists the routers (``ROUTERS = [agents_router, ...]``)
    and the app mounts them in a loop over the imported list
    (``for route in v1_routes: app.include_router(route, prefix="/v1")``)."""
    from memorybrain.linker import link

    files = {
        "app/routers/v1/agents.py": """
            from fastapi import APIRouter
            router = APIRouter(prefix="/agents")
            @router.get("/")
            def list_agents(): ...
        """,
        "app/routers/v1/blocks.py": """
            from fastapi import APIRouter
            router = APIRouter(prefix="/blocks")
            @router.get("/{block_id}")
            def retrieve_block(block_id: str): ...
        """,
        "app/routers/v1/__init__.py": """
            from app.routers.v1.agents import router as agents_router
            from app.routers.v1.blocks import router as blocks_router

            ROUTERS = [agents_router, blocks_router]
        """,
        "app/app.py": """
            from fastapi import FastAPI
            from app.routers.v1 import ROUTERS as v1_routes

            def create_application():
                app = FastAPI()
                for route in v1_routes:
                    app.include_router(route, prefix="/v1")
                return app
        """,
    }
    rows, metas = extract_files({path: textwrap.dedent(src) for path, src in files.items()})
    assert metas["app/routers/v1/__init__.py"]["router_lists"] == {"ROUTERS": ["agents_router", "blocks_router"]}
    assert metas["app/app.py"]["mounts"][0]["child"] == "v1_routes"
    assert metas["app/app.py"]["mounts"][0]["each"] is True
    updates = {u[0]: u[2] for u in link(rows, metas).updates}
    full = {m["handler"]: m["full_path"] for m in updates.values() if m.get("handler")}
    assert full == {"list_agents": "/v1/agents/", "retrieve_block": "/v1/blocks/{block_id}"}


def test_the_request_validation_handler_renders_validation_errors_not_a_lookalike() -> None:
    """letta: ``LLMBadRequestError`` (an LLM provider's 400) sorts before
    ``RequestValidationError``; validation errors are what the latter's handler renders."""
    from memorybrain.linker import link

    rows, metas = extract_files(
        {
            "app/errors.py": "class LLMBadRequestError(Exception):\n    pass\n",
            "app/routes.py": textwrap.dedent(
                """
                from fastapi import APIRouter
                router = APIRouter()

                @router.get("/agents")
                async def list_agents():
                    return []
                """
            ),
            "app/app.py": textwrap.dedent(
                """
                from fastapi import FastAPI, Request
                from fastapi.exceptions import RequestValidationError
                from fastapi.responses import JSONResponse
                from app.errors import LLMBadRequestError

                def create_application():
                    app = FastAPI()

                    @app.exception_handler(RequestValidationError)
                    async def custom_request_validation_handler(request: Request, exc: RequestValidationError):
                        return JSONResponse(status_code=422, content={"trace_id": "", "detail": exc.errors()})

                    @app.exception_handler(LLMBadRequestError)
                    async def llm_bad_request_error_handler(request: Request, exc: LLMBadRequestError):
                        return JSONResponse(status_code=400, content={"error": {"type": "llm", "detail": str(exc)}})

                    return app
                """
            ),
        }
    )
    validation = {c["key"]: c for c in link(rows, metas).conventions}["errors:validation"]
    assert validation["statement"].startswith("validation errors are rendered by `custom_request_validation_handler`")


@pytest.mark.parametrize(
    ("with_204", "expected"),
    [
        (1, "3 DELETE handlers, guarded like the other routes"),
        (2, "3 DELETE handlers: return `status_code=204` (2 of 3)"),
    ],
)
def test_the_delete_status_code_is_stated_with_how_many_set_it(with_204: int, expected: str) -> None:
    """letta: 7 of 27 DELETE handlers set ``status_code=204``, the rest answer FastAPI's
    default; the code is the convention only when most set it, and then with the count."""
    from memorybrain.linker import link

    handlers = "".join(
        f"""
@router.delete("/r{i}/{{key}}"{", status_code=204" if i < with_204 else ""})
async def delete_r{i}(key: str):
    return None
"""
        for i in range(3)
    )
    rows, metas = extract_files({"app/routes.py": "from fastapi import APIRouter\nrouter = APIRouter()\n" + handlers})
    deletes = {c["key"]: c for c in link(rows, metas).conventions}["deletes"]
    assert deletes["statement"].startswith(expected)


def test_linker_a_schema_built_in_a_fastapi_handler_body_is_no_request_body() -> None:
    """fides: ``failed.append(BulkUpdateFailed(**failure))`` in bulk handlers builds a result;
    the request body is what the signature declares (``configs: List[StorageRequest]``)."""
    from memorybrain.linker import link

    handlers = "".join(
        f"""
@router.patch("/storage{i}", response_model=BulkPutStorageResponse)
def patch_storage{i}(configs: List[StorageRequest]):
    failed = []
    for config in configs:
        failed.append(BulkUpdateFailed(message="no", data={{}}))
    return BulkPutStorageResponse(succeeded=[], failed=failed)
"""
        for i in range(2)
    )
    files = {
        "app/api.py": "from fastapi import APIRouter\nfrom typing import List\nrouter = APIRouter()\n" + handlers,
        "app/schemas.py": "from pydantic import BaseModel\n"
        + "".join(f"class {n}(BaseModel):\n    x: str\n" for n in ("StorageRequest", "BulkUpdateFailed")),
    }
    files["app/schemas.py"] += "class BulkPutStorageResponse(BaseModel):\n    x: str\n"
    rows, metas = extract_files(files)
    validation = {c["key"]: c for c in link(rows, metas).conventions}["validation"]["statement"]
    assert "request bodies are validated by `StorageRequest`;" in validation
    assert "BulkUpdateFailed" not in validation


def _linked_full_paths(files: dict[str, str]) -> dict[str, str]:
    from memorybrain.linker import link

    rows, metas = extract_files({path: textwrap.dedent(src) for path, src in files.items()})
    updates = {u[0]: u[2] for u in link(rows, metas).updates}
    return {m["handler"]: m["full_path"] for m in updates.values() if m.get("handler")}


def test_linker_fills_route_paths_and_prefixes_from_path_constants_of_another_module() -> None:
    """A URL registry module (``CONNECTION_BY_KEY = CONNECTIONS + "/{connection_key}"``) gives
    ``@router.get(CONNECTION_BY_KEY)`` under ``APIRouter(prefix=V1_URL_PREFIX)`` its real path,
    also through ``import ... as urls``; a part that is not a path constant keeps its name."""
    files = {
        "app/common/urn_registry.py": """
            V1_URL_PREFIX = "/api/v1"
            CONNECTIONS = "/connection"
            CONNECTION_BY_KEY = CONNECTIONS + "/{connection_key}"
            DATASETS = "/dataset"
            DATASET_BY_KEY = CONNECTION_BY_KEY + DATASETS + "/{dataset_key}"
            CONFIG = "/config"
            LOOP_A = LOOP_B + "/a"
            LOOP_B = LOOP_A + "/b"
            SECRET = "abc123"
        """,
        "app/api/connections.py": """
            from fastapi import APIRouter
            from app.common.urn_registry import (
                CONNECTION_BY_KEY, CONNECTIONS, DATASET_BY_KEY, LOOP_A, SECRET, V1_URL_PREFIX,
            )
            from app.settings import UNKNOWN

            router = APIRouter(prefix=V1_URL_PREFIX)

            @router.get(CONNECTIONS)
            def list_connections(): ...

            @router.get(CONNECTION_BY_KEY)
            def get_connection(): ...

            @router.get(DATASET_BY_KEY + "/test")
            def test_dataset(): ...

            @router.get(f"{CONNECTIONS}/{UNKNOWN}")
            def unknown(): ...

            @router.get(LOOP_A)
            def loop(): ...

            @router.get(SECRET)
            def secret(): ...
        """,
        "app/api/config.py": """
            from fastapi import APIRouter
            from app.common import urn_registry as urls

            router = APIRouter(prefix=urls.V1_URL_PREFIX, tags=["config"])

            @router.get(urls.CONFIG)
            def get_config(): ...
        """,
    }
    assert _linked_full_paths(files) == {
        "list_connections": "/api/v1/connection",
        "get_connection": "/api/v1/connection/{connection_key}",
        "test_dataset": "/api/v1/connection/{connection_key}/dataset/{dataset_key}/test",
        "unknown": "/api/v1/connection/{UNKNOWN}",
        "loop": "/api/v1/{LOOP_A}",
        "secret": "/api/v1/{SECRET}",
        "get_config": "/api/v1/config",
    }


def test_linker_fills_an_include_router_prefix_constant_of_another_module() -> None:
    """``app.include_router(route, prefix=API_PREFIX)`` with ``API_PREFIX = "/v1"`` in a
    constants module, in a loop over routers: ``/v1/runs/{run_id}``, not ``{API_PREFIX}/runs/...``."""
    files = {
        "app/constants.py": """
            API_PREFIX = "/v1"
            ADMIN_PREFIX = f"{API_PREFIX}/admin"
        """,
        "app/routers/runs.py": """
            from fastapi import APIRouter
            router = APIRouter(prefix="/runs", tags=["runs"])

            @router.get("/{run_id}")
            def retrieve_run(): ...
        """,
        "app/routers/users.py": """
            from fastapi import APIRouter
            router = APIRouter(prefix="/users")

            @router.get("/")
            def list_users(): ...
        """,
        "app/app.py": """
            from fastapi import FastAPI
            from app.constants import ADMIN_PREFIX, API_PREFIX
            from app.routers.runs import router as runs_router
            from app.routers.users import router as users_router

            def create_application():
                app = FastAPI()
                for route in [runs_router]:
                    app.include_router(route, prefix=API_PREFIX)
                app.include_router(users_router, prefix=ADMIN_PREFIX)
                return app
        """,
    }
    assert _linked_full_paths(files) == {"retrieve_run": "/v1/runs/{run_id}", "list_users": "/v1/admin/users/"}
