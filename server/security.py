"""ASGI middlewares: Host check (DNS rebinding), bearer token, request body size limit.

Order, outermost first: Host check, CORS (only with configured origins), token, body limit.
CORS sits outside the token check so a browser's preflight is answered and a 401 carries
the CORS headers the page needs to read it. Every refusal is a problem+json response.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from server.problems import problem_response
from server.settings import ServerSettings

__all__ = ["BodyLimitMiddleware", "HostCheckMiddleware", "ProblemCORSMiddleware", "TokenAuthMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class HostCheckMiddleware:
    """Refuse requests whose ``Host`` is not a loopback name, the bind address or a configured host."""

    def __init__(self, app: ASGIApp, settings: ServerSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = _header(scope, b"host") or ""
            if not self.settings.host_allowed(host):
                response = problem_response(
                    400,
                    "Host not allowed",
                    f"the Host header {host!r} is not a loopback name or a configured host; "
                    "start the server with --allowed-host NAME to accept it",
                    slug="host-not-allowed",
                    instance=scope.get("path"),
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class TokenAuthMiddleware:
    """Every request carries ``Authorization: Bearer <token>`` (constant-time comparison)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            given = (_header(scope, b"authorization") or "").encode("latin-1")
            if not secrets.compare_digest(given, self.expected):
                detail = (
                    "this server requires 'Authorization: Bearer <token>'"
                    if not given
                    else "the bearer token is not the one this server was started with"
                )
                response = problem_response(
                    401,
                    "Unauthorized",
                    detail,
                    slug="unauthorized",
                    instance=scope.get("path"),
                    headers={"WWW-Authenticate": 'Bearer realm="brain"'},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _TooLarge(StarletteHTTPException):
    """Raised while the body streams in; FastAPI passes HTTP exceptions through to the
    problem handler, which answers 413."""


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` (413), by Content-Length or while streaming;
    ``limits`` gives other limits to some paths (a snapshot upload)."""

    def __init__(self, app: ASGIApp, max_bytes: int, limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.limits = limits or {}

    def _refuse(self, scope: Scope, size: str, limit: int) -> Any:
        return problem_response(
            413,
            "Request body too large",
            f"the request body ({size}) exceeds the limit of {limit} bytes",
            slug="body-too-large",
            instance=scope.get("path"),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope.get("path") or "", self.max_bytes)
        length = _header(scope, b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = -1
            if declared > limit:
                await self._refuse(scope, f"{declared} bytes", limit)(scope, receive, send)
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(413, f"the request body (over {limit} bytes) exceeds the limit of {limit} bytes")
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if started:  # pragma: no cover - the app answered before reading the whole body
                raise
            await self._refuse(scope, f"over {limit} bytes", limit)(scope, receive, send)


class ProblemCORSMiddleware(CORSMiddleware):
    """Starlette's CORS middleware, with a refused preflight answered as problem+json."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        failures = bytes(response.body).decode().removeprefix("Disallowed CORS ")
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
        return problem_response(
            400,
            "CORS request refused",
            f"this server does not allow the requested CORS {failures} (configured with --cors-origin)",
            slug="cors-refused",
            headers=headers,
        )
