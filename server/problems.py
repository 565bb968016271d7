"""Every error is ``application/problem+json`` (RFC 9457): type, title, status, detail.

One handler per family: the library's ``BrainError`` (its ``status`` and ``title``),
request validation (each offending field named in ``errors``), Starlette's HTTP errors
(unknown route, wrong method) and anything unexpected (a 500 that says nothing internal).
The security middlewares answer with the same shape through ``problem_response``.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from memorybrain.errors import BrainError, NotIndexedError

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "FieldError",
    "InvalidParameter",
    "Problem",
    "UnsupportedMediaType",
    "install_problem_handlers",
    "problem_response",
    "problem_type",
]

log = logging.getLogger("memorybrain.server")

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:memorybrain:problem:"


class FieldError(BaseModel):
    """One invalid input: where it is, what is wrong with it."""

    field: str = Field(description="The offending field, e.g. `budget`, `kinds[0]`, `limit`.")
    location: str = Field(description="`body`, `query`, `path` or `header`.")
    message: str
    type: str = Field(description="A machine-readable error code, e.g. `less_than_equal`.")


class Problem(BaseModel):
    """An RFC 9457 problem detail."""

    type: str = Field(description="A URI naming the kind of problem, e.g. `urn:memorybrain:problem:not-indexed`.")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong this time, and how to fix it.")
    instance: str | None = Field(None, description="The request path.")
    errors: list[FieldError] | None = Field(None, description="Validation errors, one per offending field.")


class InvalidParameter(BrainError):
    """A parameter that passed its own validation but not the combination (422)."""

    exit_code = 2
    status = 422
    title = "Invalid request"

    def __init__(self, field: str, location: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.error = FieldError(field=field, location=location, message=message, type="value_error")


class UnsupportedMediaType(BrainError):
    """A body sent as a media type the operation does not take (415)."""

    exit_code = 2
    status = 415
    title = "Unsupported media type"


_HTTP_TITLES = {413: ("Request body too large", "body-too-large")}


def problem_type(slug: str) -> str:
    return TYPE_PREFIX + slug


def _slug(exc: BaseException) -> str:
    name = type(exc).__name__.removesuffix("Error")
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower() or "error"


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str,
    instance: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        type=problem_type(slug), title=title, status=status, detail=detail, instance=instance, errors=errors
    ).model_dump(exclude_none=True)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _field_errors(exc: RequestValidationError) -> list[FieldError]:
    out = []
    for err in exc.errors():
        loc = list(err.get("loc") or ())
        location = str(loc[0]) if loc else "body"
        parts = loc[1:]
        field = ""
        for part in parts:
            field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
        if err.get("type") == "json_invalid":
            field = "body"
        out.append(
            FieldError(
                field=field or location,
                location=location,
                message=str(err.get("msg", "invalid")),
                type=str(err.get("type", "value_error")),
            )
        )
    return out


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(BrainError)
    async def brain_error(request: Request, exc: BrainError) -> JSONResponse:
        errors = [exc.error] if isinstance(exc, InvalidParameter) else None
        headers = {"Retry-After": "5"} if isinstance(exc, NotIndexedError) else None
        return problem_response(
            exc.status, exc.title, str(exc), slug=_slug(exc), instance=request.url.path, errors=errors, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        fields = ", ".join(dict.fromkeys(e.field for e in errors))
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        return problem_response(
            422,
            "Invalid request",
            f"invalid {fields} — {detail}" if detail else "invalid request",
            slug="validation",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        phrase, slug = _HTTP_TITLES.get(exc.status_code) or (HTTPStatus(exc.status_code).phrase, "")
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else None
        if exc.status_code == 404 and detail is None:
            detail = f"no endpoint at {request.url.path}; see /docs for the API"
        elif exc.status_code == 405 and detail is None:
            detail = f"{request.method} is not allowed on {request.url.path}"
        return problem_response(
            exc.status_code,
            phrase,
            detail or phrase,
            slug=slug or re.sub(r"[^a-z]+", "-", phrase.lower()).strip("-"),
            instance=request.url.path,
            headers=dict(exc.headers) if exc.headers else None,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(
            500,
            "Internal server error",
            "an unexpected error occurred; the server log has the details",
            slug="internal",
            instance=request.url.path,
        )


def problem_schema_responses(statuses: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for problem answers (used by ``server.app``)."""
    return {
        code: {
            "description": description,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for code, description in statuses.items()
    }
