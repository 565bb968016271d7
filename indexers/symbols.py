"""Fallback: every top-level function and class (and method) as a plain pattern.

These are what other patterns refer to (the helper a handler calls, the base class a model
uses), so retrieval can follow a handler's chain. More specific indexers win over this one.

File metadata: ``constants``, the names of the module's UPPER_CASE constants (never their
values), and ``path_constants``, the values of those that are plain URL paths, for route paths
built from them (see ``memorybrain.route_constants``).
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
    walk,
)
from indexers.django import VIEWSET_ACTIONS
from indexers.refs import body_refs
from memorybrain.mechanisms import ACCESS_CHECK_METHOD
from memorybrain.models import FileExtract, Pattern
from memorybrain.route_constants import is_path_part, is_path_value

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


def _top_level_assignments(pf: ParsedFile):  # type: ignore[no-untyped-def]
    """``(name, value node)`` of each ``NAME = value`` statement at the top of the module
    (``A = B = v`` gives both names)."""
    for stmt in pf.root.named_children:
        if stmt.type != "expression_statement" or not stmt.named_children:
            continue
        node = stmt.named_children[0]
        targets = []
        while node.type == "assignment":
            left = node.child_by_field_name("left")
            targets.append(pf.text(left) if left is not None and left.type == "identifier" else None)
            right = node.child_by_field_name("right")
            if right is None:
                break
            node = right
        for name in targets:
            if name is not None and node.type != "assignment":
                yield name, node


def _rebound_names(pf: ParsedFile) -> set[str]:
    """Names bound more than once at module level (also inside ``if``/``try`` blocks), or
    augmented, or declared ``global`` in a function: their value is not one literal."""
    seen: set[str] = set()
    twice: set[str] = set()
    stack = list(pf.root.named_children)
    while stack:
        node = stack.pop()
        if node.type in ("function_definition", "class_definition", "decorated_definition"):
            for g in walk(node, frozenset({"global_statement"})):
                twice.update(pf.text(c) for c in g.named_children if c.type == "identifier")
            continue
        if node.type in ("assignment", "augmented_assignment", "for_statement"):
            left = node.child_by_field_name("left")
            names = [
                pf.text(n)
                for n in (walk(left, frozenset({"identifier"})) if left is not None else ())
                if n.parent is None or n.parent.type not in ("attribute", "subscript") or n == left
            ]
            for name in names:
                if name in seen or node.type != "assignment":
                    twice.add(name)
                seen.add(name)
        stack.extend(node.named_children)
    return twice


def _path_parts(pf: ParsedFile, node, depth: int = 0) -> list[str | list[str]] | None:  # type: ignore[no-untyped-def]
    """A constant's value as path parts (see ``memorybrain.route_constants``): path literals
    as strings, references to other UPPER_CASE constants as ``[name]``; None as soon as any
    part is anything else."""
    if node is None or depth > 20:
        return None
    if node.type == "parenthesized_expression":
        inner = [c for c in node.named_children if c.type != "comment"]
        return _path_parts(pf, inner[0], depth + 1) if len(inner) == 1 else None
    if node.type == "concatenated_string":
        out: list[str | list[str]] = []
        for child in node.named_children:
            if child.type == "comment":
                continue
            part = _path_parts(pf, child, depth + 1)
            if part is None:
                return None
            out += part
        return out
    if node.type == "string":
        start = next((c for c in node.children if c.type == "string_start"), None)
        prefix = pf.text(start).lower() if start is not None else ""
        if "b" in prefix:
            return None
        out = []
        for c in node.named_children:
            if c.type == "string_content":
                text = pf.text(c)
                out.append(text.replace("{{", "{").replace("}}", "}") if "f" in prefix else text)
            elif c.type == "interpolation":
                expr = c.child_by_field_name("expression")
                if len([x for x in c.named_children if x.type != "comment"]) != 1:
                    return None  # a conversion (``!r``) or a format spec
                ref = _path_parts(pf, expr, depth + 1)
                if ref is None or len(ref) != 1 or not isinstance(ref[0], list):
                    return None
                out += ref
            elif c.type in ("string_start", "string_end"):
                continue
            else:
                return None  # an escape sequence: not a plain path
        return out if out else [""]
    if node.type == "binary_operator" and pf.text(node.child_by_field_name("operator")) == "+":
        left = _path_parts(pf, node.child_by_field_name("left"), depth + 1)
        right = _path_parts(pf, node.child_by_field_name("right"), depth + 1)
        return None if left is None or right is None else left + right
    if node.type in ("identifier", "attribute"):
        parts = []
        current = node
        while current.type == "attribute":
            parts.append(pf.text(current.child_by_field_name("attribute")))
            current = current.child_by_field_name("object")
        if current.type != "identifier":
            return None
        name = ".".join([pf.text(current), *reversed(parts)])
        return [[name]] if _CONSTANT.fullmatch(name.rsplit(".", 1)[-1]) else None
    return None


def path_constants(pf: ParsedFile) -> dict[str, list[str | list[str]]]:
    """Module-level UPPER_CASE constants whose value is a URL path, as parts: a plain path
    literal (``"/connection"``, ``"/items/{item_id}"``, ``"/<int:id>"``) or a ``+``
    concatenation / f-string of path literals and other constants (``CONNECTIONS + "/{key}"``,
    ``f"{API}/runs"``), so the linker can resolve route paths written with them. Nothing else
    is kept: a value that is not path-like (``SECRET = "abc123"``, ``"postgres://u:p@h/db"``,
    ``"queued"``, a number), a name bound more than once, or a part that looks like a token."""
    rebound: set[str] | None = None  # (walks every body: only for a file that has a candidate)
    out: dict[str, list[str | list[str]]] = {}
    for name, value in _top_level_assignments(pf):
        if not _CONSTANT.fullmatch(name):
            continue
        parts = _path_parts(pf, value)
        if parts is None or not all(isinstance(p, list) or is_path_part(p) for p in parts):
            continue
        merged: list[str | list[str]] = []  # adjacent literals joined: ``"/a" "/b"`` -> ``/a/b``
        for p in parts:
            if isinstance(p, str) and merged and isinstance(merged[-1], str):
                merged[-1] += p
            elif p != "":
                merged.append(p)
        merged = merged or [""]
        if isinstance(merged[0], str) and not is_path_value(merged[0]):
            continue  # a path starts with ``/`` (or is empty); all literals are merged[0] alone
        if rebound is None:
            rebound = _rebound_names(pf)
        if name in rebound:
            continue
        out[name] = merged
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
    file_meta: dict[str, object] = {}
    found = constants(pf)
    if found:
        file_meta["constants"] = found
    paths = path_constants(pf)
    if paths:
        file_meta["path_constants"] = paths
    return FileExtract(patterns=out, meta=file_meta)
