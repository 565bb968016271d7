"""Every error a user can cause, under one base class.

Hierarchy::

    BrainError                  exit code 1
    ├── ConfigError             a bad key or value in [tool.brain] / .brain/config.toml
    ├── ProjectError            a path that is not a directory, cannot be read, ...
    │   ├── PathOutsideProjectError  a path given over HTTP/MCP (or a rule file) that leaves the project
    │   └── PathConflictError        a path where something else is (a folder, a file that is not a snapshot)
    ├── NotIndexedError         the project has no store yet: run `brain index`
    ├── StoreError              the store file is unusable (corrupt, newer schema, ...)
    ├── PatternNotFoundError    an id that is not in the store
    ├── RequestError            an empty or otherwise unusable request
    ├── ModelError              the embedding model cannot be loaded (never downloaded)
    ├── SnapshotError           a team snapshot that is truncated, edited, hostile or too new
    │   └── SnapshotNotFoundError  no snapshot file at that path
    └── ReadOnlyError           a change asked of a brain served from a snapshot

The CLI prints ``error: <message>`` and exits with ``exit_code``; the server maps
``status`` to an HTTP problem response.
"""

from __future__ import annotations


class BrainError(Exception):
    """Base class: a problem the user can fix, with a one-line message."""

    exit_code = 1
    status = 400
    title = "Bad request"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(BrainError):
    exit_code = 2
    title = "Invalid configuration"


class ProjectError(BrainError):
    exit_code = 2
    title = "Invalid project path"


class PathOutsideProjectError(ProjectError):
    status = 403
    title = "Path outside the project"


class PathConflictError(ProjectError):
    status = 409
    title = "Path in use"


class NotIndexedError(BrainError):
    exit_code = 3
    status = 503
    title = "Project not indexed"


class StoreError(BrainError):
    exit_code = 4
    status = 500
    title = "Store unusable"


class PatternNotFoundError(BrainError):
    exit_code = 5
    status = 404
    title = "Pattern not found"


class RequestError(BrainError):
    exit_code = 2
    status = 422
    title = "Invalid request"


class ModelError(BrainError):
    exit_code = 6
    status = 503
    title = "Embedding model unavailable"


class SnapshotError(BrainError):
    exit_code = 7
    status = 422
    title = "Invalid snapshot"


class SnapshotNotFoundError(SnapshotError):
    status = 404
    title = "Snapshot not found"


class ReadOnlyError(BrainError):
    exit_code = 8
    status = 409
    title = "Read-only"
