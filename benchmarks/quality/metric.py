"""Usage recall "in code form", and the error-form measure, over a pack's text.

An identifier counts as carried by a pack only when the pack shows it the way code uses or
defines it -- regular expressions over the pack text (the same for every system):

- decorator        ``@name`` / ``@mod.name``
- dependency       ``Depends(name`` / ``Security(mod.name``
- raise / except   ``raise name`` / ``raise mod.name(`` / ``except (A, name)``
- base class       ``class X(Base, name)``
- import           an import statement that names it (``from a.b import (x, name)``,
                   ``import a.name``, ``from a.name import x``)
- definition       ``def name`` / ``async def name`` / ``class name`` / ``name = ...`` / ``name: T = ...``

and two forms that only count for the category they belong to: a *call* ``name(`` for error
helpers (``abort(404)`` is how a helper is used), and a parameter *annotation* ``x: name`` for
dependencies (``user: CurrentUser`` is how an ``Annotated`` alias is used). A bare mention --
``name`` in a list of names, in prose -- counts for nothing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from benchmarks.quality.tasks import ErrorForm, error_form, error_helper_name

#: A dotted qualifier in front of a name: ``mod.sub.``
_Q = r"(?:[A-Za-z_]\w*\s*\.\s*)*"


@lru_cache(maxsize=20000)
def _patterns(name: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    n = re.escape(name)
    end = r"(?![\w])"
    forms = (
        ("decorator", rf"@\s*{_Q}{n}{end}"),
        ("dependency", rf"\b(?:Depends|Security)\(\s*(?:dependency\s*=\s*)?{_Q}{n}{end}"),
        ("raise", rf"\braise\s+{_Q}{n}{end}"),
        ("except", rf"\bexcept\s*\(?[^:\n]*?(?<![\w]){n}{end}"),
        ("base", rf"\bclass\s+\w+\s*\([^)]*?(?<![\w]){n}{end}"),
        ("import", rf"(?m)^[ \t]*from\s+[\w.]+\s+import\s+(?:\([^)]*?|[^\n]*?)(?<![\w]){n}{end}"),
        ("import", rf"(?m)^[ \t]*import\s+[^\n]*?(?<![\w]){n}{end}"),
        ("import", rf"(?m)^[ \t]*from\s+[\w.]*(?<![\w]){n}{end}[\w.]*\s+import\b"),
        ("definition", rf"(?m)^[ \t]*(?:async[ \t]+)?def[ \t]+{n}{end}"),
        ("definition", rf"(?m)^[ \t]*class[ \t]+{n}{end}"),
        ("definition", rf"(?m)^[ \t]*{n}[ \t]*(?::[^=\n]*)?=(?!=)"),
    )
    return tuple((form, re.compile(rx)) for form, rx in forms)


@lru_cache(maxsize=20000)
def _extra(name: str, category: str) -> re.Pattern[str] | None:
    n = re.escape(name)
    if category == "error_helper":
        return re.compile(rf"(?<![\w]){n}\s*\(")
    if category == "dependency":
        return re.compile(rf"(?<![\w])\w+\s*:\s*(?:{_Q}){n}(?![\w])")
    return None


def code_form(name: str, text: str, categories: Iterable[str] = ()) -> str | None:
    """The first code form in which ``name`` appears in ``text``, or None."""
    if name not in text:  # every form spells the name out
        return None
    for form, rx in _patterns(name):
        if rx.search(text):
            return form
    for cat in categories:
        rx = _extra(name, cat)
        if rx is not None and rx.search(text):
            return "call" if cat == "error_helper" else "annotation"
    return None


@dataclass
class Recall:
    found: dict[str, str] = field(default_factory=dict)  # identifier -> form it was found in
    missed: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.found) + len(self.missed)

    @property
    def value(self) -> float:
        return len(self.found) / self.total if self.total else 0.0


def usage_recall(conventions: Mapping[str, Iterable[str]], text: str) -> Recall:
    """Share of ``conventions`` (identifier -> categories) shown in code form in ``text``."""
    out = Recall()
    for name in sorted(conventions):
        form = code_form(name, text, tuple(conventions[name]))
        if form is None:
            out.missed.append(name)
        else:
            out.found[name] = form
    return out


# ---------------------------------------------------------------------- second measure

_CALL_START = re.compile(r"(?<![\w.])(raise\s+)?([A-Za-z_][\w]*(?:\s*\.\s*[A-Za-z_]\w*)*)\s*\(")


def _balanced(text: str, open_at: int, limit: int = 2000) -> int | None:
    """Index just past the parenthesis that closes the one at ``open_at`` (strings skipped)."""
    depth = 0
    i = open_at
    end = min(len(text), open_at + limit)
    quote: str | None = None
    while i < end:
        c = text[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if text.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
        elif c in "\"'":
            quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else c
            i += len(quote)
            continue
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def pack_error_forms(text: str) -> set[ErrorForm]:
    """Error forms shown in a pack: ``raise X(...)`` and error-helper calls, parsed one call at a
    time (packs hold trimmed fragments that do not parse as whole files)."""
    out: set[ErrorForm] = set()
    for m in _CALL_START.finditer(text):
        raised, callee = bool(m.group(1)), m.group(2)
        close = _balanced(text, m.end() - 1)
        if close is None:
            continue
        snippet = re.sub(r"\s*\.\s*", ".", callee) + text[m.end() - 1 : close]
        try:
            node = ast.parse(snippet.strip(), mode="eval").body
        except SyntaxError:
            continue
        if not isinstance(node, ast.Call):
            continue
        name = callee.rsplit(".", 1)[-1].strip()
        if raised:
            if name[:1].isupper():
                out.add(error_form(node))
        elif error_helper_name(node, imported={callee.split(".", 1)[0].strip()}):
            out.add(error_form(node))
    return out


def error_form_present(expected: ErrorForm | None, text: str) -> bool | None:
    """Whether the pack shows an error signalled exactly the module's way (None: no ground truth)."""
    if expected is None:
        return None
    return expected in pack_error_forms(text)
