"""Authentication enforced by an app-wide middleware (``indexers.auth_middleware``, the linker's
``_app_auth`` and ``_middleware_auth_convention``): the conventions and the checklist say the
routes are authenticated by it, not that no authentication was found."""

from __future__ import annotations

from textwrap import dedent

from indexers import misc
from indexers.base import ParsedFile
from memorybrain.linker import link
from memorybrain.pack import _advice
from tests.conftest import extract_files


def _misc(source: str, path: str = "app/main.py") -> dict:
    return misc.extract(ParsedFile.parse(path, dedent(source).encode())).meta


def _auth(files: dict[str, str]) -> list[dict]:
    rows, metas = extract_files({k: dedent(v) for k, v in files.items()})
    return [c for c in link(rows, metas).conventions if c["topic"] == "auth"]


ROUTES = """
    from fastapi import APIRouter

    router = APIRouter(prefix="/v1")

    @router.get("/agents")
    def list_agents():
        return []

    @router.post("/agents")
    def create_agent():
        return {}

    @router.get("/health")
    def check_health():
        return {"ok": True}
    """

#: letta: a BaseHTTPMiddleware that checks the server password, added only in secure mode.
PASSWORD_MIDDLEWARE = """
    from starlette.middleware.base import BaseHTTPMiddleware
    from starlette.responses import JSONResponse


    class CheckPasswordMiddleware(BaseHTTPMiddleware):
        def __init__(self, app, password: str):
            super().__init__(app)
            self.password = password

        async def dispatch(self, request, call_next):
            # probes need no password
            if request.url.path in {"/v1/health", "/v1/health/", "/v1/ready"}:
                return await call_next(request)
            if request.headers.get("Authorization") == f"Bearer {self.password}":
                return await call_next(request)
            return JSONResponse(content={"detail": "Unauthorized"}, status_code=401)
    """

APP = """
    import os
    from fastapi import FastAPI
    from app.middleware import CheckPasswordMiddleware
    from app.routes import router

    app = FastAPI()
    app.include_router(router)
    if os.getenv("SECURE") == "true":
        app.add_middleware(CheckPasswordMiddleware, password="x")
    """


def test_middleware_class_that_checks_a_password_is_auth() -> None:
    meta = _misc(PASSWORD_MIDDLEWARE, "app/middleware.py")
    (entry,) = meta["auth_middleware"]
    assert entry["name"] == "CheckPasswordMiddleware" and entry["style"] == "class"
    assert entry["rejects"] == ["401"]
    assert entry["checks"][0] == "`Authorization` header"
    assert entry["exempt"] == ["/v1/health", "/v1/health/", "/v1/ready"]
    regs = _misc(APP)["middleware_registrations"]
    condition = 'os.getenv("SECURE") == "true"'
    assert regs == [{"app": "app", "middleware": "CheckPasswordMiddleware", "line": 10, "condition": condition}]


def test_routes_authenticated_by_a_conditional_middleware() -> None:
    """letta: the pack said "no authentication decorator or dependency found"."""
    auth = _auth({"app/routes.py": ROUTES, "app/middleware.py": PASSWORD_MIDDLEWARE, "app/main.py": APP})
    assert [c["key"] for c in auth] == ["auth"]
    statement = auth[0]["statement"]
    assert statement.startswith(
        "routes are authenticated by the app-wide middleware `CheckPasswordMiddleware` (app/middleware.py:"
    ), statement
    assert "added by `app.add_middleware(CheckPasswordMiddleware, ...)` (app/main.py:10)" in statement
    assert 'only when `os.getenv("SECURE") == "true"`' in statement
    assert "it checks the `Authorization` header (password) and answers 401" in statement
    assert "(2 of 3 handlers; not: GET /v1/health)" in statement
    data = auth[0]["data"]
    assert data["count"] == 2 and data["public"] == ["GET /v1/health"]
    assert data["pattern_ids"]  # the middleware class is the exemplar
    assert _advice("auth", auth[0]).startswith(
        "nothing to add on the route: `CheckPasswordMiddleware` (app/main.py:10) authenticates every request "
        "except /v1/health, /v1/health/, /v1/ready, only when"
    )


#: prefect: an ``@app.middleware("http")`` function defined in the app factory when a setting is set.
FACTORY = """
    import base64
    from fastapi import FastAPI, status
    from fastapi.responses import JSONResponse
    from app.routes import router

    PROBES = ["/v1/health", "/v1/ready"]

    def create_app(auth_string):
        app = FastAPI()
        app.include_router(router)
        if auth_string is not None:

            @app.middleware("http")
            async def token_validation(request, call_next):
                header_token = request.headers.get("Authorization")
                if request.url.path in PROBES:
                    return await call_next(request)
                if header_token is None:
                    return JSONResponse(status_code=status.HTTP_401_UNAUTHORIZED, content={})
                return await call_next(request)

        @app.middleware("http")
        async def add_timing(request, call_next):
            return await call_next(request)

        return app
    """


def test_http_middleware_function_in_an_app_factory() -> None:
    meta = _misc(FACTORY)
    (entry,) = meta["auth_middleware"]  # not add_timing
    assert entry["name"] == "token_validation" and entry["app"] == "app"
    assert entry["condition"] == "auth_string is not None"
    assert entry["exempt"] == ["/v1/health", "/v1/ready"]  # through the module constant
    auth = _auth({"app/routes.py": ROUTES, "app/main.py": FACTORY})
    statement = auth[0]["statement"]
    assert statement.startswith(
        "routes are authenticated by the app-wide middleware `token_validation` (app/main.py:14, "
        'written `@app.middleware("http")`) only when `auth_string is not None`'
    ), statement


def test_a_rare_dependency_comes_after_the_middleware() -> None:
    """prefect: one route has its own ``Depends(verified_page_token)``; the rest were listed
    "without any auth" though the middleware guards them."""
    routes = ROUTES + dedent(
        """
        from fastapi import Depends

        @router.get("/page")
        def page(token=Depends(verified_page_token)):
            return {}
        """
    )
    routes += "".join(f"\n@router.get('/r{i}')\ndef r{i}():\n    return {{}}\n" for i in range(8))
    auth = _auth({"app/routes.py": routes, "app/main.py": FACTORY})
    assert [c["key"] for c in auth] == ["auth", "auth:verified_page_token"]
    assert auth[0]["data"]["middleware"] == "token_validation"
    second = auth[1]["statement"]
    assert "the other 10 pass only the middleware `token_validation`" in second, second
    assert second.endswith("without any auth: GET /v1/health")


def test_csrf_and_logging_middleware_are_no_auth() -> None:
    """prefect's CsrfMiddleware checks a token header and answers 403: no authentication."""
    meta = _misc(
        """
        from starlette.middleware.base import BaseHTTPMiddleware
        from starlette.responses import JSONResponse

        class CsrfMiddleware(BaseHTTPMiddleware):
            async def dispatch(self, request, call_next):
                if request.headers.get("X-Csrf-Token") != "x":
                    return JSONResponse({"detail": "Invalid CSRF token"}, status_code=403)
                return await call_next(request)

        class TokenCheck(BaseHTTPMiddleware):
            async def dispatch(self, request, call_next):
                if request.headers.get("Prefect-Csrf-Token") != "x":
                    return JSONResponse({"detail": "csrf"}, status_code=403)
                return await call_next(request)

        class LoggingMiddleware(BaseHTTPMiddleware):
            async def dispatch(self, request, call_next):
                response = await call_next(request)
                if response.status_code in (401, 403):
                    print("denied")
                return response
        """
    )
    assert "auth_middleware" not in meta


def test_an_unregistered_auth_middleware_guards_nothing() -> None:
    auth = _auth({"app/routes.py": ROUTES, "app/middleware.py": PASSWORD_MIDDLEWARE})
    assert auth[0]["statement"].startswith("no authentication decorator or dependency found")


def test_starlette_authentication_middleware_with_a_backend() -> None:
    app = """
        from fastapi import FastAPI
        from starlette.middleware import Middleware
        from starlette.middleware.authentication import AuthenticationMiddleware
        from app.auth import TokenBackend
        from app.routes import router

        app = FastAPI(middleware=[Middleware(AuthenticationMiddleware, backend=TokenBackend())])
        app.include_router(router)
        """
    regs = _misc(app)["middleware_registrations"]
    assert regs[0]["authentication"] == "TokenBackend()" and regs[0]["via"] == "Middleware"
    auth = _auth({"app/routes.py": ROUTES, "app/main.py": app})
    assert auth[0]["statement"].startswith(
        "requests are authenticated by Starlette's `AuthenticationMiddleware` with the backend `TokenBackend()`, "
        "added by `Middleware(AuthenticationMiddleware, ...)` (app/main.py:8)"
    ), auth[0]["statement"]


FLASK_VIEWS = """
    from flask import Blueprint

    bp = Blueprint("runs", __name__)

    @bp.route("/runs")
    def list_runs():
        return []

    @bp.route("/runs", methods=["POST"])
    def create_run():
        return {}
    """


def test_flask_app_wide_before_request_hook() -> None:
    """mlflow: ``app.before_request(_before_request)`` in a setup function; the hook calls
    ``authenticate_request()`` and returns a 403 response, skipping the open routes."""
    hooks = """
        from flask import Flask, request
        from app.views import bp

        def _before_request():
            if is_unprotected_route(request.path):
                return
            authorization = authenticate_request()
            if not authorized(authorization):
                return make_forbidden_response()

        def create_app(app):
            app.register_blueprint(bp)
            app.before_request(_before_request)
            return app
        """
    auth = _auth({"app/views.py": FLASK_VIEWS, "app/auth.py": hooks})
    statement = auth[0]["statement"]
    assert statement.startswith(
        "routes are authenticated by the app-wide request hook `_before_request` (app/auth.py:5), "
        "added by `app.before_request(_before_request)` (app/auth.py:14): it checks credentials and answers 403; "
        "it lets through what `is_unprotected_route(request.path)` allows (2 of 2 handlers)"
    ), statement


def test_flask_blueprint_hook_whose_body_checks_the_session() -> None:
    """A blueprint's ``before_request`` hook that checks the session and aborts with 401
    guards that blueprint's views (as a hook calling ``require_login()`` did already)."""
    views = FLASK_VIEWS + dedent(
        """
        from flask import session, abort

        @bp.before_request
        def guard():
            if "user_id" not in session:
                abort(401)
        """
    )
    rows, metas = extract_files({"app/views.py": views})
    result = link(rows, metas)
    guards = {u[2]["handler"]: [g["name"] for g in u[2].get("hook_auth") or []] for u in result.updates}
    assert guards["list_runs"] == guards["create_run"] == ["guard"]
    auth = next(c for c in result.conventions if c["key"] == "auth")
    assert auth["statement"].startswith("routes require `@bp.before_request def guard()` (2 of 2 handlers)")
