"""Route paths built from module constants: which constant values may be stored, and their
resolution across modules.

Packs never carry a constant's value, with one exception: a module-level constant whose value
is a plain URL path (``CONNECTIONS = "/connection"``), or a ``+`` concatenation / f-string of
such literals and other such constants (``CONNECTION_BY_KEY = CONNECTIONS + "/{key}"``), so
``@router.get(CONNECTION_BY_KEY)`` can read ``/api/v1/connection/{key}``. The indexer
(``indexers.symbols.path_constants``) records such a value as *parts* in the file metadata
``path_constants``: ``{"CONNECTION_BY_KEY": [["CONNECTIONS"], "/{key}"]}``, a string being a
literal and a one-item list a reference to another constant, as written in that module. Any
other value (``SECRET = "abc123"``, ``DB_URL = "postgres://u:p@h/db"``, ``"queued"``) is never
recorded. :class:`PathConstants` (linker) resolves the references through imports, with a depth
limit and no cycles, and fills ``{NAME}`` placeholders of route path templates whose every
part is known.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from memorybrain.redact import find_secrets

if TYPE_CHECKING:  # pragma: no cover
    from memorybrain.linker import ModuleIndex

#: One character of a path, or a path parameter: ``{item_id}``, ``{file_path:path}`` (Starlette),
#: ``<id>``, ``<int:id>`` (Flask/werkzeug).
_UNIT = r"(?:[A-Za-z0-9_\-.~/]|\{[A-Za-z_]\w*(?::[A-Za-z_]\w*)?\}|<(?:[A-Za-z_]\w*:)?[A-Za-z_]\w*>)"
#: A literal part of a path constant (it may continue another part: ``CONNECTIONS + "/x"``).
PATH_PART = re.compile(_UNIT + "*")
#: A whole path value: empty (an unset prefix) or starting with ``/``.
_PATH_VALUE = re.compile(r"(?:/" + _UNIT + r"*)?")
#: Longest value kept: a route path, not a blob.
MAX_PATH_CHARS = 300
#: A word of a path (between ``/``, ``-``, ``_``, ``.`` and outside parameters) that looks like
#: a token rather than a name: long, or mixing letters and digits at length (``T0A1B2C3D``, a
#: webhook's key): such a value is not kept.
_WORD = re.compile(r"[A-Za-z0-9~]+")
_MAX_WORD = 24
_PARAM = re.compile(r"\{[^}]*\}|<[^>]*>")

#: How many constants deep a reference may go (``A = B + "/x"``, ``B = C + ...``).
MAX_DEPTH = 8
#: A ``{NAME}`` placeholder of a route path template that may name a constant: an UPPER_CASE
#: name, possibly behind a module (``{urls.V1_URL_PREFIX}``).
_PLACEHOLDER = re.compile(r"\{((?:[A-Za-z_]\w*\.)*[A-Z][A-Z0-9_]*)\}")


def _token_like(value: str) -> bool:
    for word in _WORD.findall(_PARAM.sub("/", value)):
        digits = sum(c.isdigit() for c in word)
        if len(word) > _MAX_WORD or (len(word) >= 8 and digits and digits < len(word)):
            return True
    return False


def is_path_part(text: str) -> bool:
    """A literal that may be part of a stored path constant: path characters and parameters
    only, short, nothing that looks like a token or a secret."""
    return (
        len(text) <= MAX_PATH_CHARS
        and PATH_PART.fullmatch(text) is not None
        and not _token_like(text)
        and not find_secrets(text)
    )


def is_path_value(text: str) -> bool:
    """A whole path constant value: a path part that is empty or starts with ``/``."""
    return _PATH_VALUE.fullmatch(text) is not None and is_path_part(text)


class PathConstants:
    """The project's path constants (file metadata ``path_constants``), resolved on demand."""

    def __init__(self, files_meta: dict[str, dict[str, Any]], modules: ModuleIndex) -> None:
        self.files_meta = files_meta
        self.modules = modules
        self._memo: dict[tuple[str, str], str | None] = {}

    def _parts(self, path: str) -> dict[str, Any]:
        found = (self.files_meta.get(path) or {}).get("path_constants")
        return found if isinstance(found, dict) else {}

    def value(self, path: str, name: str) -> str | None:
        """The path ``name`` (as used in module ``path``) stands for, when it is a path
        constant whose every part is known; else None."""
        return self._value(path, name, 0, frozenset())

    def _value(self, path: str, name: str, depth: int, seen: frozenset[tuple[str, str]]) -> str | None:
        if depth > MAX_DEPTH:
            return None
        # the module's own constant wins over an import of the same name above it
        where = (path, name) if name in self._parts(path) else self.modules.resolve_name(path, name)
        if where is None or where in seen:
            return None
        if where in self._memo:
            return self._memo[where]
        parts = self._parts(where[0]).get(where[1])
        if not isinstance(parts, list) or not parts:
            return None
        out: list[str] = []
        for part in parts:
            if isinstance(part, str) and is_path_part(part):
                out.append(part)
            elif isinstance(part, list) and len(part) == 1 and isinstance(part[0], str):
                resolved = self._value(where[0], part[0], depth + 1, seen | {where})
                if resolved is None:
                    return None  # not memoised: another route to it may be shorter
                out.append(resolved)
            else:
                return None
        value = "".join(out)
        result = value if is_path_value(value) else None
        self._memo[where] = result
        return result

    def fill(self, path: str, template: str | None) -> str | None:
        """``template`` (a route path or prefix written in module ``path``) with each
        ``{NAME}`` placeholder of a resolvable path constant replaced by its value; the others
        stay as written. Repeated slashes are collapsed where a value was filled in."""
        if not template or "{" not in template:
            return template
        changed = False

        def sub(m: re.Match[str]) -> str:
            nonlocal changed
            value = self.value(path, m.group(1))
            if value is None:
                return m.group(0)
            changed = True
            return value

        out = _PLACEHOLDER.sub(sub, template)
        return re.sub(r"/{2,}", "/", out) if changed else out
