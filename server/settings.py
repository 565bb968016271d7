"""Server settings (pydantic-settings): command-line options win over ``BRAIN_*`` variables.

Environment variables: ``BRAIN_PROJECT``, ``BRAIN_HOST``, ``BRAIN_PORT``, ``BRAIN_TOKEN``,
``BRAIN_ALLOWED_HOSTS`` and ``BRAIN_CORS_ORIGINS`` (comma-separated), ``BRAIN_MAX_BODY_BYTES``,
``BRAIN_MAX_SNAPSHOT_BYTES`` (the body of ``POST /v1/snapshot/upload``).

The limits below are the documented bounds of the HTTP API and the MCP tools; each one is
named in the ``4xx`` answer that enforces it.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from memorybrain.config import MAX_BUDGET, MIN_BUDGET
from memorybrain.errors import ConfigError
from memorybrain.pack import MAX_REQUEST_CHARS

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765

#: Bounds of the HTTP API (see the README section "HTTP API and MCP").
MAX_BODY_BYTES = 64 * 1024
#: An uploaded snapshot (``POST /v1/snapshot/upload``): a few MB for a real project with vectors.
MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024
MAX_TEXT_CHARS = 200  # GET /v1/patterns?text=
MAX_PATH_CHARS = 500  # GET /v1/patterns?path=
MAX_LIMIT = 200  # page size of every list
DEFAULT_LIMIT = 50
MAX_KINDS = 12
#: MCP answers stay well under the ~25,000-token cap assistants put on tool output.
MCP_MAX_BUDGET = 12000
MCP_DEFAULT_BUDGET = 4000
MCP_MAX_LIMIT = 50

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_LIMIT",
    "DEFAULT_PORT",
    "MAX_BODY_BYTES",
    "MAX_BUDGET",
    "MAX_KINDS",
    "MAX_LIMIT",
    "MAX_PATH_CHARS",
    "MAX_SNAPSHOT_BYTES",
    "MAX_REQUEST_CHARS",
    "MAX_TEXT_CHARS",
    "MCP_DEFAULT_BUDGET",
    "MCP_MAX_BUDGET",
    "MCP_MAX_LIMIT",
    "MIN_BUDGET",
    "LOOPBACK_NAMES",
    "ServerSettings",
    "is_loopback",
]

#: Host names always accepted in the ``Host`` header (DNS-rebinding protection).
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback(host: str) -> bool:
    """True for ``localhost``, ``127.0.0.0/8`` and ``::1``."""
    host = host.strip().strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _split(value: object) -> object:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


class ServerSettings(BaseSettings):
    """What ``brain serve`` runs with."""

    model_config = SettingsConfigDict(env_prefix="BRAIN_", extra="ignore")

    project: Path | None = None
    host: str = DEFAULT_HOST
    port: int = Field(DEFAULT_PORT, ge=0, le=65535)
    token: SecretStr | None = None
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_body_bytes: int = Field(MAX_BODY_BYTES, ge=1024, le=16 * 1024 * 1024)
    max_snapshot_bytes: int = Field(MAX_SNAPSHOT_BYTES, ge=1024, le=512 * 1024 * 1024)
    db: str | None = None
    model: str | None = None
    snapshot: Path | None = None  # serve this snapshot file alone, read-only

    @field_validator("allowed_hosts", "cors_origins", mode="before")
    @classmethod
    def _split_lists(cls, value: object) -> object:
        return _split(value)

    @field_validator("token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def token_value(self) -> str | None:
        return self.token.get_secret_value() if self.token else None

    def check_bind(self) -> None:
        """Refuse a non-loopback address without a token (raises ConfigError)."""
        if not is_loopback(self.host) and not self.token_value():
            raise ConfigError(
                f"refusing to listen on {self.host} without a token: any machine that can reach "
                "it could read this project's code",
                hint="pass --token TOKEN or set BRAIN_TOKEN (clients then send "
                "'Authorization: Bearer TOKEN'), or listen on 127.0.0.1",
            )

    def host_allowed(self, host_header: str) -> bool:
        """Whether a request's ``Host`` header names this server (not a rebound DNS name)."""
        name = _strip_port(host_header).lower()
        if not name:
            return False
        if "*" in self.allowed_hosts:
            return True
        if name in LOOPBACK_NAMES or is_loopback(name):
            return True
        allowed = {h.lower().strip("[]") for h in self.allowed_hosts}
        bind = self.host.lower().strip("[]")
        if bind not in ("0.0.0.0", "::", ""):
            allowed.add(bind)
        return name in allowed


def _strip_port(host: str) -> str:
    host = host.strip()
    if host.startswith("["):  # [::1]:8765
        end = host.find("]")
        return host[1:end] if end != -1 else ""
    if host.count(":") == 1:
        return host.split(":", 1)[0]
    return host
