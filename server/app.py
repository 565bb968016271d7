"""The FastAPI application: ``create_app(settings)``.

The lifespan loads the model and opens the store once (warm); routers are one per resource
(``server/routes/``); errors are problem+json (``server/problems.py``); the security
middlewares come from ``server/security.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.concurrency import run_in_threadpool

from memorybrain import __version__
from memorybrain.embeddings import Encoder
from server.problems import PROBLEM_MEDIA_TYPE, Problem, install_problem_handlers
from server.routes import ROUTERS
from server.routes.snapshots import UPLOAD_PATH
from server.security import BodyLimitMiddleware, HostCheckMiddleware, ProblemCORSMiddleware, TokenAuthMiddleware
from server.service import BrainService
from server.settings import ServerSettings

__all__ = ["create_app"]

DESCRIPTION = """\
Project memory for coding assistants, over HTTP: the same context packs, patterns and
stack facts as the `brain` command, from a server that keeps the model warm.

Every error is `application/problem+json` (RFC 9457). With a token configured, every
request needs `Authorization: Bearer <token>`.
"""

#: Problem answers any operation may give, documented on every operation.
COMMON_PROBLEMS = {
    "400": "The Host header is not a loopback name or a configured host.",
    "401": "A token is configured and the request does not carry it.",
    "422": "A parameter or the body is invalid; `errors` names each offending field.",
    "500": "An unexpected error (details in the server log).",
    "503": "The project has not been indexed yet, or the embedding model is unavailable.",
}
BODY_PROBLEMS = {"413": "The request body is larger than the limit."}


def create_app(
    settings: ServerSettings | None = None,
    *,
    service: BrainService | None = None,
    encoder: Encoder | None = None,
) -> FastAPI:
    """The app for ``settings`` (default: from ``BRAIN_*`` variables).

    ``service`` (or ``encoder``) lets a caller share an already opened project or a loaded
    model (tests do); otherwise the project comes from ``settings.project``.
    """
    settings = settings or ServerSettings()
    if service is None:
        service = BrainService(
            settings.project, db=settings.db, model=settings.model, encoder=encoder, snapshot=settings.snapshot
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(service.start)
        try:
            yield
        finally:
            await run_in_threadpool(service.close)

    app = FastAPI(
        title="memorybrain",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.service = service
    app.state.settings = settings
    for router in ROUTERS:
        app.include_router(router)
    install_problem_handlers(app)

    # innermost first: body limit, token, CORS, Host check (outermost)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        limits={UPLOAD_PATH: settings.max_snapshot_bytes},
    )
    token = settings.token_value()
    if token:
        app.add_middleware(TokenAuthMiddleware, token=token)
    if settings.cors_origins:
        app.add_middleware(
            ProblemCORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Accept"],
            expose_headers=["Location"],
            max_age=600,
        )
    app.add_middleware(HostCheckMiddleware, settings=settings)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _problem_openapi(
                get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _problem_openapi(schema: dict[str, Any]) -> dict[str, Any]:
    """Document every error as problem+json (FastAPI's default 422 model is replaced)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(problem.pop("$defs", {}))
    components["Problem"] = problem
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    ref = {"schema": {"$ref": "#/components/schemas/Problem"}}
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            extra = {**COMMON_PROBLEMS, **(BODY_PROBLEMS if method == "post" else {})}
            if "{" in next(p for p, item in schema["paths"].items() if item is path_item):
                extra.setdefault("404", "Not found.")
            for code, description in extra.items():
                responses.setdefault(code, {"description": description})
            for code, response in responses.items():
                if code[:1] in ("4", "5"):
                    response["content"] = {PROBLEM_MEDIA_TYPE: ref}
    return schema
