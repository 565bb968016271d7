"""Fallback: every top-level function and class (and method) as a plain pattern.

These are what other patterns refer to (the helper a handler calls, the base class a model
uses), so retrieval can follow a handler's chain. More specific indexers win over this one.
"""

from __future__ import annotations

from indexers.base import ParsedFile, base_classes, first_docline, signature
from indexers.refs import body_refs
from memorybrain.models import FileExtract, Pattern

# Methods are only kept when they are long enough to be worth pasting on their own.
_MIN_METHOD_LINES = 8


def extract(pf: ParsedFile) -> FileExtract:
    out: list[Pattern] = []
    for d in pf.definitions():
        start, end = d.node.start_point[0] + 1, d.node.end_point[0] + 1
        if d.parent_class and end - start + 1 < _MIN_METHOD_LINES:
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
    return FileExtract(patterns=out)
