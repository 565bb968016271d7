"""indexers.misc: pagination helpers and page schemas, middleware and its registrations."""

from __future__ import annotations

import json
import textwrap

from indexers import extract_python, misc
from indexers.base import ParsedFile
from memorybrain.models import FileExtract, Pattern


def run(source: str, path: str = "app/utils.py") -> FileExtract:
    return misc.extract(ParsedFile.parse(path, textwrap.dedent(source).encode()))


def by_name(source: str, path: str = "app/utils.py") -> dict[str, Pattern]:
    return {p.qualname: p for p in run(source, path).patterns}


# --------------------------------------------------------------------------- pagination


def test_paginate_function_returning_dict() -> None:
    found = by_name(
        """
        def paginate(query, page: int = 1, per_page: int = 20):
            total = query.count()
            items = query.offset((page - 1) * per_page).limit(per_page).all()
            return {
                "items": items,
                "total": total,
                "page": page,
                "pages": (total + per_page - 1) // per_page,
            }
        """
    )
    p = found["paginate"]
    assert p.kind == "pagination"
    assert p.meta == {
        "params": ["query", "page", "per_page"],
        "returns_keys": ["items", "total", "page", "pages"],
        "style": "page/per_page",
    }
    assert p.summary == "pagination paginate(query, page, per_page) → {items, total, page, pages}"
    assert (p.start_line, p.end_line) == (2, 10)


def test_offset_limit_crud_function() -> None:
    found = by_name(
        """
        def get_items(db, skip: int = 0, limit: int = 100):
            return db.query(Item).offset(skip).limit(limit).all()
        """
    )
    assert found["get_items"].meta == {
        "params": ["db", "skip", "limit"],
        "returns_keys": [],
        "style": "skip/limit",
    }
    assert found["get_items"].summary == "pagination get_items(db, skip, limit) — skip/limit"


def test_flask_sqlalchemy_paginate_and_cursor_and_sql() -> None:
    found = by_name(
        """
        def list_users(page=1):
            return User.query.paginate(page=page, per_page=20)

        def cursor_page(items, cursor=None, limit=10):
            start = int(cursor or 0)
            chunk = items[start:start + limit]
            return {"data": chunk, "next_cursor": str(start + limit)}

        def fetch_rows(conn, offset, limit):
            return conn.execute("SELECT * FROM t LIMIT ? OFFSET ?", (limit, offset))
        """
    )
    users = found["list_users"]
    assert users.meta["style"] == "flask-sqlalchemy paginate"
    assert users.meta["returns_keys"] == []  # kwargs of .paginate(...) are not dict keys
    cursor = found["cursor_page"]
    assert cursor.meta["style"] == "cursor"
    assert cursor.meta["returns_keys"] == ["data", "next_cursor"]
    assert found["fetch_rows"].meta["style"] == "offset/limit"


def test_pagination_needs_both_a_name_and_an_action() -> None:
    found = by_name(
        """
        def top_tags(limit=10):
            return Tag.query.order_by(Tag.count).limit(limit).all()

        def double(page):
            return page * 2

        def first_item(items):
            return items[1:]

        def get_page_title(page):
            return page.title
        """
    )
    assert found == {}


def test_generic_page_schema() -> None:
    found = by_name(
        """
        from typing import Generic, TypeVar
        from pydantic import BaseModel

        T = TypeVar("T")

        class Page(BaseModel, Generic[T]):
            items: list[T]
            total: int
            page: int
            size: int
        """
    )
    page = found["Page"]
    assert page.kind == "pagination"
    assert page.meta == {
        "params": [],
        "returns_keys": ["items", "total", "page", "size"],
        "style": "page/size",
        "fields": ["items", "total", "page", "size"],
        "generic": True,
        "bases": ["BaseModel", "Generic"],
    }
    assert page.summary == "pagination Page → {items, total, page, size}"


def test_page_schema_is_pagination_in_extract_python() -> None:
    source = """
    from typing import Generic, TypeVar
    from pydantic import BaseModel

    T = TypeVar("T")

    class Page(BaseModel, Generic[T]):
        items: list[T]
        total: int

    class Item(BaseModel):
        name: str
    """
    fe = extract_python("app/schemas.py", textwrap.dedent(source).encode())
    kinds = {p.qualname: p.kind for p in fe.patterns}
    assert kinds == {"Page": "pagination", "Item": "schema"}


def test_paginator_class_claims_its_methods() -> None:
    found = by_name(
        """
        class Paginator:
            def __init__(self, items, page=1, per_page=20):
                self.items = items
                self.page = page
                self.per_page = per_page
                self.total = len(items)

            def page_items(self, page, per_page):
                return self.items[(page - 1) * per_page : page * per_page]
        """
    )
    assert list(found) == ["Paginator"]
    p = found["Paginator"]
    assert p.meta["params"] == ["items", "page", "per_page"]
    assert p.meta["style"] == "page/per_page"
    assert p.summary == "pagination Paginator — page/per_page"


# --------------------------------------------------------------------------- middleware

MIDDLEWARE = """
from fastapi import FastAPI, Request
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware


class RequestIDMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        return await call_next(request)


class TimingMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        await self.app(scope, receive, send)


async def log_requests(request, call_next):
    return await call_next(request)


app = FastAPI(middleware=[Middleware(TimingMiddleware)])
app.add_middleware(RequestIDMiddleware, header="X-Request-ID")
app.add_middleware(BaseHTTPMiddleware, dispatch=log_requests)


@app.middleware("http")
async def add_process_time(request: Request, call_next):
    return await call_next(request)
"""


def test_starlette_and_asgi_middleware() -> None:
    fe = run(MIDDLEWARE, "app/main.py")
    found = {p.qualname: p for p in fe.patterns}
    assert sorted(found) == [
        "RequestIDMiddleware",
        "TimingMiddleware",
        "add_process_time",
        "log_requests",
    ]
    rid = found["RequestIDMiddleware"]
    assert rid.kind == "middleware"
    assert rid.meta == {"framework": "starlette", "style": "class", "hooks": ["dispatch"]}
    assert rid.summary == "middleware RequestIDMiddleware (starlette BaseHTTPMiddleware)"
    timing = found["TimingMiddleware"]
    assert timing.meta == {"framework": "asgi", "style": "class", "hooks": ["__call__"]}
    assert timing.summary == "middleware TimingMiddleware (pure ASGI)"
    deco = found["add_process_time"]
    assert deco.meta == {"framework": "fastapi", "style": "decorator", "hooks": ["http"]}
    assert deco.summary == 'middleware add_process_time (@app.middleware("http"))'
    dispatch = found["log_requests"]
    assert dispatch.meta == {"framework": "fastapi", "style": "function", "hooks": ["dispatch"]}
    assert fe.meta["middleware_registrations"] == [
        {"app": "app", "middleware": "TimingMiddleware", "line": 24, "via": "Middleware"},
        {"app": "app", "middleware": "RequestIDMiddleware", "line": 25},
        {"app": "app", "middleware": "BaseHTTPMiddleware", "line": 26, "dispatch": "log_requests"},
    ]
    json.dumps(fe.meta)


def test_wsgi_middleware_and_flask_hooks() -> None:
    fe = run(
        """
        from flask import Flask
        from werkzeug.middleware.proxy_fix import ProxyFix


        class PrefixMiddleware(object):
            def __init__(self, app, prefix=""):
                self.app = app
                self.prefix = prefix

            def __call__(self, environ, start_response):
                return self.app(environ, start_response)


        @app.before_request
        def load_user():
            pass


        @bp.before_app_request
        def load_locale():
            pass


        @app.teardown_request
        def close_db(exc):
            pass


        def check_auth():
            pass


        def create_app():
            flask_app = Flask(__name__)
            flask_app.wsgi_app = ProxyFix(flask_app.wsgi_app, x_for=1)
            flask_app.wsgi_app = PrefixMiddleware(flask_app.wsgi_app, prefix="/api")
            flask_app.after_request(check_auth)
            return flask_app
        """,
        "app/__init__.py",
    )
    found = {p.qualname: p for p in fe.patterns}
    assert sorted(found) == [
        "PrefixMiddleware",
        "check_auth",
        "close_db",
        "load_locale",
        "load_user",
    ]
    prefix = found["PrefixMiddleware"]
    assert prefix.meta == {"framework": "wsgi", "style": "wsgi", "hooks": ["__call__"]}
    assert prefix.summary == "middleware PrefixMiddleware (WSGI)"
    assert found["load_user"].meta == {
        "framework": "flask",
        "style": "function",
        "hooks": ["before_request"],
    }
    assert found["load_user"].summary == "middleware load_user (flask app.before_request)"
    assert found["load_locale"].meta["hooks"] == ["before_app_request"]
    assert found["close_db"].meta["hooks"] == ["teardown_request"]
    assert found["check_auth"].summary == "middleware check_auth (flask flask_app.after_request)"
    assert fe.meta["middleware_registrations"] == [
        {"app": "flask_app", "middleware": "ProxyFix", "line": 36},
        {"app": "flask_app", "middleware": "PrefixMiddleware", "line": 37},
        {"app": "flask_app", "middleware": "check_auth", "line": 38, "hook": "after_request"},
    ]


def test_subclass_of_a_middleware_and_django_style() -> None:
    found = by_name(
        """
        from starlette.middleware.cors import CORSMiddleware

        class MyCORS(CORSMiddleware):
            pass

        class DjangoTiming:
            def __init__(self, get_response):
                self.get_response = get_response

            def __call__(self, request):
                return self.get_response(request)

        class NotMiddleware:
            def __call__(self, x):
                return x
        """
    )
    assert sorted(found) == ["DjangoTiming", "MyCORS"]
    assert found["MyCORS"].meta == {"framework": "starlette", "style": "class", "hooks": []}
    assert found["MyCORS"].summary == "middleware MyCORS (starlette CORSMiddleware)"
    assert found["DjangoTiming"].meta["framework"] == "django"


def test_middleware_kind_in_extract_python() -> None:
    fe = extract_python("app/main.py", textwrap.dedent(MIDDLEWARE).encode())
    kinds = {p.qualname: p.kind for p in fe.patterns}
    assert kinds["RequestIDMiddleware"] == "middleware"
    assert kinds["add_process_time"] == "middleware"
    assert fe.meta["middleware_registrations"][0]["middleware"] == "TimingMiddleware"


def test_empty_and_broken_files_do_not_raise() -> None:
    assert run("") == FileExtract()
    broken = run("class M(BaseHTTPMiddleware:\n  async def dispatch(self, r, n\n")
    assert isinstance(broken, FileExtract)
    assert misc.extract(ParsedFile.parse("x.py", b"\xff\xfe def paginate(")).patterns == []


def test_tests_of_pagination_are_not_pagination() -> None:
    found = by_name(
        """
        def test_paginate():
            result = paginate(query, page=2)
            assert result["items"] == []
        """,
        "tests/test_utils.py",
    )
    assert found == {}


def test_project_class_named_middleware_is_not_a_registration() -> None:
    fe = run(
        """
        class Middleware:
            def __init__(self, app):
                self.app = app

            def __call__(self, environ, start_response):
                return self.app(environ, start_response)

        wrapped = Middleware(app)
        """
    )
    assert "middleware_registrations" not in fe.meta
    assert [p.qualname for p in fe.patterns] == ["Middleware"]


def test_generic_list_response_and_marshmallow_page_schema() -> None:
    source = """
    from typing import Generic, TypeVar
    from marshmallow import Schema, fields
    from pydantic import BaseModel

    T = TypeVar("T")

    class ListResponse(BaseModel, Generic[T]):
        results: list[T]
        count: int

    class PageSchema(Schema):
        items = fields.List(fields.Dict())
        total = fields.Int()
    """
    fe = extract_python("app/schemas.py", textwrap.dedent(source).encode())
    found = {p.qualname: p for p in fe.patterns}
    assert {q: p.kind for q, p in found.items()} == {
        "ListResponse": "pagination",
        "PageSchema": "pagination",
    }
    assert found["ListResponse"].meta["returns_keys"] == ["results", "count"]
    assert found["PageSchema"].summary == "pagination PageSchema → {items, total}"


# --------------------------------------------------------------------------- constants


def test_module_constants_are_recorded_by_name_in_file_order_never_their_values() -> None:
    source = """
        import os

        MAX_PAGE_SIZE = 100
        DEFAULT_TIMEOUT: float = 2.5
        STATUS_QUEUED = STATUS_NEW = "queued"
        SECRET_KEY = os.environ.get("SECRET_KEY", "dev-secret-123")
        logger = object()
        __all__ = ["MAX_PAGE_SIZE"]
        T = 1  # a single letter is a type variable or a loop name, not a constant

        if os.environ.get("X"):
            FLAG = True  # conditional: not a plain module constant

        class Settings:
            INNER = 1
        """
    out = extract_python("app/constants.py", textwrap.dedent(source).encode())
    assert out.meta["constants"] == ["MAX_PAGE_SIZE", "DEFAULT_TIMEOUT", "STATUS_QUEUED", "STATUS_NEW", "SECRET_KEY"]
    assert "dev-secret-123" not in json.dumps(out.meta)
    assert "constants" not in extract_python("app/empty.py", b"def f():\n    return 1\n").meta


def test_path_constants_keep_url_path_values_and_references_only() -> None:
    """A constant route paths are built from (``CONNECTION_BY_KEY = CONNECTIONS + "/{key}"``,
    in a URL registry module) keeps its value as parts; no other value is ever recorded."""
    source = """
        import os
        from app import urls

        V1_URL_PREFIX = "/api/v1"
        CONNECTIONS = "/connection"
        CONNECTION_BY_KEY = CONNECTIONS + "/{connection_key}"
        PREFERENCES_WITH_ID = (
            "/consent-request/{consent_request_id}/preferences"  # TODO: deprecated
        )
        IMPLICIT = "/a" "/b"
        RUNS = f"{V1_URL_PREFIX}/runs/{{run_id}}"
        OTHER = f"{urls.V1_URL_PREFIX}/x"
        EDIT = "/<int:item_id>/edit"
        ROOT = ""
        ALIAS: str = CONNECTIONS
        SECRET = "abc123"
        TOKEN = "/oauth/token"
        DB_URL = "postgres://u:p@h/db"
        HOOK = "/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
        STATUS = "queued"
        RELATIVE = "items/{id}"
        MAX_PAGE_SIZE = 100
        FROM_ENV = os.environ.get("PREFIX", "/api")
        LOWER_REF = prefix + "/x"
        CALLED = get_prefix() + "/x"
        QUERY = "/items?page=1"
        ESCAPED = "/a\\tb"
        RAW_BYTES = b"/a"
        CONVERTED = f"{V1_URL_PREFIX!r}/x"
        TWICE = "/a"
        TWICE = "/b"
        MAYBE = "/a"
        if os.environ.get("X"):
            MAYBE = "/b"
        GROWN = "/a"
        GROWN += "/b"

        def reset():
            global RESET
            RESET = "/b"
        RESET = "/a"
        """
    out = extract_python("app/urls.py", textwrap.dedent(source).encode())
    assert out.meta["path_constants"] == {
        "V1_URL_PREFIX": ["/api/v1"],
        "CONNECTIONS": ["/connection"],
        "CONNECTION_BY_KEY": [["CONNECTIONS"], "/{connection_key}"],
        "PREFERENCES_WITH_ID": ["/consent-request/{consent_request_id}/preferences"],
        "IMPLICIT": ["/a/b"],
        "RUNS": [["V1_URL_PREFIX"], "/runs/{run_id}"],
        "OTHER": [["urls.V1_URL_PREFIX"], "/x"],
        "EDIT": ["/<int:item_id>/edit"],
        "ROOT": [""],
        "ALIAS": [["CONNECTIONS"]],
        "TOKEN": ["/oauth/token"],  # a route path, whatever its name
    }
    stored = json.dumps(out.meta)
    for value in ('"abc123"', "postgres", "XXXXXXXX", "queued", "items/{id}", "page=1", '"/b"', '"/a"'):
        assert value not in stored
    assert "path_constants" not in extract_python("app/empty.py", b"SECRET = 'abc123'\n").meta


def test_a_class_records_its_view_decorators_and_an_empty_list_counts_as_set() -> None:
    source = """
        class Protected(MethodView):
            decorators = [login_required, roles_required("admin")]

        class Child(Protected):
            pass

        class Public(Protected):
            decorators = []

        class Api(Resource):
            method_decorators = {"get": [auth.login_required]}
        """
    out = {p.name: p.meta for p in extract_python("app/views.py", textwrap.dedent(source).encode()).patterns}
    assert out["Protected"]["view_decorators"] == ["login_required", "roles_required"]
    assert "view_decorators" not in out["Child"]
    assert out["Public"]["view_decorators"] == []
    assert out["Api"]["view_decorators"] == ["auth.login_required"]


def test_a_database_cursor_subclass_is_no_pagination() -> None:
    """pgAdmin's driver cursor has offset/limit attributes; it pages nothing for an endpoint."""
    source = """
        from psycopg import AsyncServerCursor

        class AsyncDictServerCursor(AsyncServerCursor):
            def __init__(self, *args, **kwargs):
                self.offset = 0
                self.limit = 100
                self.page = 1

        class CursorPage:
            def __init__(self, items, next_cursor):
                self.items = items
                self.next_cursor = next_cursor
                self.limit = len(items)
        """
    found = by_name(source)
    assert "AsyncDictServerCursor" not in found


def test_a_text_cursor_function_is_no_pagination() -> None:
    found = by_name(
        """
        def get_word_before_cursor(word):
            text = document.text_before_cursor
            return text[len(text) - len(word):]

        def next_page_by_cursor(items, cursor=None, limit=10):
            start = int(cursor or 0)
            return {"data": items[start:start + limit], "next_cursor": str(start + limit)}
        """
    )
    assert "get_word_before_cursor" not in found
    assert found["next_page_by_cursor"].meta["style"] == "cursor"


def test_list_responses_deriving_from_a_generic_page_type_are_the_pagination_convention() -> None:
    """Phoenix: ``class GetUsersResponseBody(PaginatedResponseBody[User])`` returned by list
    handlers taking a ``cursor``: the handlers use the page type through their response schema."""
    from memorybrain.linker import link

    files = {
        "app/utils.py": """
            from typing import Generic, Optional, TypeVar
            from pydantic import BaseModel
            T = TypeVar("T")
            class PaginatedResponseBody(BaseModel, Generic[T]):
                data: list[T]
                next_cursor: Optional[str]
        """,
        "app/users.py": """
            from fastapi import APIRouter, Query
            from pydantic import BaseModel
            from app.utils import PaginatedResponseBody
            router = APIRouter()
            class User(BaseModel):
                name: str
            class GetUsersResponseBody(PaginatedResponseBody[User]):
                pass
            class GetTeamsResponseBody(PaginatedResponseBody[User]):
                pass
            @router.get("/users")
            async def list_users(cursor: Optional[str] = Query(None)) -> GetUsersResponseBody:
                return GetUsersResponseBody(data=[], next_cursor=None)
            @router.get("/teams")
            async def list_teams(cursor: Optional[str] = Query(None)) -> GetTeamsResponseBody:
                return GetTeamsResponseBody(data=[], next_cursor=None)
            @router.get("/users/{name}")
            async def get_user(name: str) -> User:
                return User(name=name)
        """,
    }
    rows, metas = [], {}
    for path, src in files.items():
        fe = extract_python(path, textwrap.dedent(src).encode())
        metas[path] = fe.meta
        rows += [(p.id, p.kind, p.name, p.path, p.meta, 0, p.summary) for p in fe.patterns]
    pagination = {c["key"]: c for c in link(rows, metas).conventions}["pagination"]
    assert pagination["statement"] == (
        "list responses derive from `PaginatedResponseBody[...]` (app/utils.py): `{data, next_cursor}` "
        "(cursor pagination); used by 2 handlers e.g. GET /users, GET /teams"
    )
    assert pagination["data"]["count"] == 2


MISAGO_LIKE_SHORTCUTS = """
    from django.http import Http404


    def paginate(object_list, page, per_page, orphans=0, paginator=None):
        from django.core.paginator import EmptyPage, InvalidPage, Paginator

        paginator = paginator or Paginator
        try:
            return paginator(object_list, per_page, orphans=orphans).page(page or 1)
        except (EmptyPage, InvalidPage):
            raise Http404()


    def pagination_dict(page):
        pagination = {"page": page.number, "pages": page.paginator.num_pages, "count": page.paginator.count}
        if page.has_next():
            pagination["next"] = page.next_page_number()
        return pagination
"""


def test_django_paginator_helpers_and_a_returned_dict_built_in_a_variable() -> None:
    """misago's ``paginate`` wraps Django's ``Paginator(...).page(n)`` and ``pagination_dict``
    builds its dict in a variable before returning it; a module function paging through the
    file's own helper (``get_page`` -> ``_slice_queryset``) pages too."""
    found = by_name(MISAGO_LIKE_SHORTCUTS, "core/shortcuts.py")
    assert found["paginate"].meta == {
        "params": ["object_list", "page", "per_page", "orphans", "paginator"],
        "returns_keys": [],
        "style": "page/per_page",
        "calls": ["paginator", "Http404"],
    }
    assert found["pagination_dict"].meta["returns_keys"] == ["page", "pages", "count", "next"]
    found = by_name(
        """
        def get_page(queryset, order_by, per_page, start=0):
            object_list = list(_slice_queryset(queryset, order_by, per_page, start))
            return CursorPage(start, object_list)

        def _slice_queryset(queryset, order_by, per_page, start):
            return queryset.filter(pk__gte=start)[: per_page + 1]

        def get_page_title(page):
            return str(page.title)
        """
    )
    assert set(found) == {"get_page", "_slice_queryset"}
    assert found["get_page"].meta["calls"] == ["_slice_queryset", "CursorPage"]


def test_the_pagination_convention_is_the_helper_list_handlers_page_through() -> None:
    """misago: a search provider's ``search(query, page)`` pages through ``paginate`` and
    ``pagination_dict``; list handlers call those (directly or through a project function),
    so they are the convention, not the provider one handler calls."""
    from memorybrain.linker import link

    files = {
        "core/shortcuts.py": MISAGO_LIKE_SHORTCUTS,
        "users/search.py": """
            from core.shortcuts import paginate, pagination_dict
            class SearchUsers:
                def search(self, query, page=1):
                    results = paginate(User.objects.filter(name=query), page, 20)
                    data = pagination_dict(results)
                    return {"results": list(results), "count": data["count"]}
        """,
        "search/api.py": """
            from rest_framework.decorators import api_view
            from rest_framework.response import Response
            @api_view(["GET"])
            def search_view(request):
                return Response(provider.search(request.GET["q"], 1))
        """,
        "users/endpoints.py": """
            from core.shortcuts import paginate, pagination_dict
            def rank_users(request, rank):
                page = paginate(rank.user_set.all(), request.GET.get("page"), 12)
                return Response(pagination_dict(page))
        """,
        "users/api.py": """
            from rest_framework import viewsets
            from rest_framework.response import Response
            from core.shortcuts import paginate, pagination_dict
            from users.endpoints import rank_users
            class UserViewSet(viewsets.ViewSet):
                def list(self, request):
                    return rank_users(request, request.user.rank)
            class UsernameChangesViewSet(viewsets.ViewSet):
                def list(self, request):
                    page = paginate(Change.objects.all(), request.GET.get("page"), 12)
                    return Response(pagination_dict(page))
        """,
        "users/urls.py": """
            from django.urls import path
            from rest_framework.routers import SimpleRouter
            from search.api import search_view
            from users.api import UserViewSet, UsernameChangesViewSet
            router = SimpleRouter()
            router.register(r"users", UserViewSet, basename="user")
            router.register(r"username-changes", UsernameChangesViewSet, basename="change")
            urlpatterns = router.urls + [path("search/", search_view)]
        """,
    }
    rows, metas = [], {}
    for path, src in files.items():
        fe = extract_python(path, textwrap.dedent(src).encode())
        metas[path] = fe.meta
        rows += [(p.id, p.kind, p.name, p.path, p.meta, 0, p.summary) for p in fe.patterns]
    assert {name for _i, kind, name, *_ in rows if kind == "pagination"} >= {"paginate", "pagination_dict", "search"}
    pagination = {c["key"]: c for c in link(rows, metas).conventions}["pagination"]
    assert pagination["data"]["name"] == "paginate"
    assert pagination["data"]["count"] == 3  # the search view (through search), users and username changes
    assert pagination["statement"].startswith("lists paginate with `paginate(object_list, page, per_page, orphans")
    assert "; with `pagination_dict` (core/shortcuts.py)" in pagination["statement"]


def _link_files(files: dict[str, str]) -> dict[str, dict]:
    from memorybrain.linker import link

    rows, metas = [], {}
    for path, src in files.items():
        fe = extract_python(path, textwrap.dedent(src).encode())
        metas[path] = fe.meta
        rows += [(p.id, p.kind, p.name, p.path, p.meta, 0, p.summary) for p in fe.patterns]
    return {c["key"]: c for c in link(rows, metas).conventions}


def test_a_pagination_library_the_handlers_page_through_is_the_convention() -> None:
    """fides: list handlers return fastapi-pagination's ``Page[...]`` and call its
    ``paginate``; the project's own cursor strategy pages the external APIs its connectors
    call, which no route uses: the library is the convention, not the unused helper."""
    conventions = _link_files(
        {
            "app/service/pagination/cursor.py": """
                class CursorPaginationStrategy(PaginationStrategy):
                    def get_next_request(self, request_params, connector_params, response, data_path):
                        cursor = response.json().get(self.cursor_param)
                        if not cursor:
                            return None
                        return {"cursor": cursor, "limit": self.limit}
            """,
            "app/api/endpoints/policy.py": """
                from fastapi import APIRouter, Depends
                from fastapi_pagination import Page, Params
                from fastapi_pagination.ext.sqlalchemy import paginate
                router = APIRouter(prefix="/policy")

                @router.get("/", response_model=Page[PolicyResponse])
                def get_policy_list(*, db: Session = Depends(get_db), params: Params = Depends()):
                    return paginate(Policy.query(db=db).order_by(Policy.created_at.desc()), params=params)

                @router.get("/{key}", response_model=PolicyResponse)
                def get_policy(key: str, db: Session = Depends(get_db)):
                    return Policy.get(db, key)
            """,
            "app/api/endpoints/storage.py": """
                from fastapi import APIRouter, Depends
                from fastapi_pagination import Page, Params
                from fastapi_pagination.ext.sqlalchemy import paginate
                router = APIRouter(prefix="/storage")

                @router.get("/", response_model=Page[StorageResponse])
                def get_configs(*, db: Session = Depends(get_db), params: Params = Depends()):
                    return paginate(StorageConfig.query(db), params=params)
            """,
        }
    )
    pagination = conventions["pagination"]
    assert pagination["statement"].startswith(
        "lists paginate with `fastapi_pagination`: `Page[...]`, `Params`, `paginate(...)` "
        "(2 of 3 handlers, e.g. GET /policy/"
    )
    assert "CursorPaginationStrategy" not in pagination["statement"]
    assert pagination["data"]["library"] == "fastapi_pagination"


def test_one_handler_among_many_lists_paging_through_a_helper_is_no_convention() -> None:
    """letta: one of ~100 list handlers pages through a manager's
    ``get_messages_for_batch(..., limit, cursor)``; the others take ``before``/``after``/
    ``limit`` queries. Saying "lists paginate with" that helper would be false."""
    lists = "".join(
        f"""
@router.get("/r{i}")
def list_r{i}(limit: int = 50):
    return manager.list_r{i}(limit=limit)
"""
        for i in range(10)
    )
    conventions = _link_files(
        {
            "app/services/batch_manager.py": """
                def get_messages_for_batch(batch_id, limit=100, cursor=None):
                    query = select(Message).where(Message.batch_id == batch_id)
                    if cursor:
                        query = query.where(Message.id > cursor)
                    return session.execute(query.order_by(Message.id).limit(limit)).scalars().all()
            """,
            "app/routers/messages.py": """
                from fastapi import APIRouter
                from app.services.batch_manager import get_messages_for_batch
                router = APIRouter(prefix="/messages")

                @router.get("/batches/{batch_id}/messages")
                def list_batch_messages(batch_id: str, limit: int = 100, cursor: str | None = None):
                    return get_messages_for_batch(batch_id, limit, cursor)
            """
            + lists,
        }
    )
    pagination = conventions["pagination"]
    assert pagination["statement"] == (
        "no shared pagination helper: only GET /messages/batches/{batch_id}/messages of 11 GET handlers pages, "
        "through `get_messages_for_batch` (app/services/batch_manager.py)"
    )
    assert pagination["data"]["name"] is None
