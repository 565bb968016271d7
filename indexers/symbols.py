"""Fallback: every top-level function and class (and method) as a plain pattern.

These are what other patterns refer to (the helper a handler calls, the base class a model
uses), so retrieval can follow a handler's chain. More specific indexers win over this one.
"""

from __future__ import annotations

import re

from indexers.base import (
    ParsedFile,
    base_classes,
    class_attributes,
    class_methods,
    first_docline,
    signature,
    view_decorator_entries,
)
from indexers.django import VIEWSET_ACTIONS
from indexers.refs import body_refs
from memorybrain.mechanisms import ACCESS_CHECK_METHOD
from memorybrain.models import FileExtract, Pattern

# Methods are only kept when they are long enough to be worth pasting on their own, or when
# they check access (``memorybrain.mechanisms.ACCESS_CHECK_METHOD``).
_MIN_METHOD_LINES = 8

#: A module-level constant's name: ``MAX_PAGE_SIZE``, ``STATUS_QUEUED`` (not ``__all__``).
_CONSTANT = re.compile(r"[A-Z][A-Z0-9_]*[A-Z0-9]")


def class_view_decorators(pf: ParsedFile, node) -> list[str] | None:  # type: ignore[no-untyped-def]
    """Names in a class's ``decorators = [...]`` and ``method_decorators = [...]``, which
    subclasses inherit: ``[login_required, admin_required()]`` -> the two names. None when the
    class sets neither (an empty list is set: a subclass that drops its base's auth)."""
    body = node.child_by_field_name("body")
    attrs = class_attributes(body) if body is not None else {}
    if "decorators" not in attrs and "method_decorators" not in attrs:
        return None
    names = (pf.text(e).split("(", 1)[0].strip() for e in view_decorator_entries(pf, attrs))
    return list(dict.fromkeys(n for n in names if n))


def constants(pf: ParsedFile) -> list[str]:
    """Names of the module's top-level constants (``NAME = ...``, ``NAME: T = ...``), in file
    order: what other modules import besides its classes and functions. Names only, never values."""
    out: list[str] = []
    for stmt in pf.root.named_children:
        if stmt.type != "expression_statement" or not stmt.named_children:
            continue
        node = stmt.named_children[0]
        while node.type == "assignment":  # ``A = B = 1``
            left = node.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                name = pf.text(left)
                if _CONSTANT.fullmatch(name) and name not in out:
                    out.append(name)
            right = node.child_by_field_name("right")
            if right is None:
                break
            node = right
    return out


def extract(pf: ParsedFile) -> FileExtract:
    out: list[Pattern] = []
    for d in pf.definitions():
        start, end = d.node.start_point[0] + 1, d.node.end_point[0] + 1
        if d.parent_class and end - start + 1 < _MIN_METHOD_LINES and not ACCESS_CHECK_METHOD.match(d.name):
            continue
        kind = "class" if d.is_class else "function"
        doc = first_docline(pf, d)
        sig = signature(pf, d)
        meta: dict[str, object] = {
            "signature": sig,
            "decorators": [pf.text(x)[1:].strip() for x in d.decorators],
        }
        if d.is_class:
            meta["bases"] = base_classes(pf, d)
            actions = [a for a in VIEWSET_ACTIONS if a in class_methods(d)]
            if actions:  # a project mixin that serves DRF actions (pulpcore's AsyncUpdateMixin)
                meta["viewset_actions"] = actions
            view_decorators = class_view_decorators(pf, d.node)
            if view_decorators is not None:
                meta["view_decorators"] = view_decorators
        else:
            meta.update(body_refs(pf, d))
        if d.parent_class:
            meta["class"] = d.parent_class
        out.append(
            Pattern(
                kind=kind,
                name=d.name,
                qualname=d.qualname,
                path=pf.path,
                start_line=start,
                end_line=end,
                code=pf.code(d.node),
                summary=f"{sig}" + (f" — {doc}" if doc else ""),
                meta=meta,
            )
        )
    found = constants(pf)
    return FileExtract(patterns=out, meta={"constants": found} if found else {})
