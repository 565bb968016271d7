"""Imports of a file: who imports what, and the import block an exemplar should show.

Every import is recorded (imports inside functions too, marked ``local``: application
factories import their blueprints there); ``import_lines`` keeps only module-level ones.
"""

from __future__ import annotations

import re

from indexers.base import ParsedFile, dotted_name, walk
from memorybrain.models import FileExtract

_IMPORT_TYPES = frozenset({"import_statement", "import_from_statement"})


def _one_line(text: str) -> str:
    """A (parenthesised, multi-line) import statement on one line, without its comments (which
    would otherwise swallow the rest of the joined line)."""
    if "\n" not in text:
        return text
    text = re.sub(r"\\\r?\n", " ", re.sub(r"#[^\n]*", "", text))  # comments, backslash continuations
    return " ".join(text.split()).replace("( ", "(").replace(", )", ")").replace(" )", ")")


def extract(pf: ParsedFile) -> FileExtract:
    imports: list[dict[str, object]] = []
    import_lines: list[list[object]] = []
    top: set[str] = set()
    top_level = {s.id for s in _import_statements(pf)}
    for stmt in walk(pf.root, _IMPORT_TYPES):
        line = stmt.start_point[0] + 1
        local = stmt.id not in top_level
        if not local:
            import_lines.append([line, _one_line(pf.text(stmt))])
        if stmt.type == "import_statement":
            for c in stmt.named_children:
                node = c.child_by_field_name("name") if c.type == "aliased_import" else c
                alias_node = c.child_by_field_name("alias") if c.type == "aliased_import" else None
                module = dotted_name(pf, node) or pf.text(node)
                imports.append(
                    {
                        "module": module,
                        "name": None,
                        "alias": pf.text(alias_node) or None,
                        "line": line,
                        "level": 0,
                    }
                )
                top.add(module.split(".")[0])
        elif stmt.type == "import_from_statement":
            mod_node = stmt.child_by_field_name("module_name")
            mod_text = pf.text(mod_node)
            level = len(mod_text) - len(mod_text.lstrip("."))
            module = mod_text.lstrip(".")
            if level == 0 and module:
                top.add(module.split(".")[0])
            for c in stmt.children_by_field_name("name"):
                if c.type == "aliased_import":
                    name = pf.text(c.child_by_field_name("name"))
                    alias = pf.text(c.child_by_field_name("alias")) or None
                else:
                    name, alias = pf.text(c), None
                imports.append(
                    {
                        "module": module,
                        "name": name,
                        "alias": alias,
                        "line": line,
                        "level": level,
                        **({"local": True} if local else {}),
                    }
                )
            if any(c.type == "wildcard_import" for c in stmt.named_children):
                imports.append({"module": module, "name": "*", "alias": None, "line": line, "level": level})
    return FileExtract(meta={"imports": imports, "import_lines": import_lines, "top_modules": sorted(top)})


def _import_statements(pf: ParsedFile):  # type: ignore[no-untyped-def]
    """Module-level imports, including those inside top-level try/if blocks."""
    stack = list(reversed(pf.root.named_children))
    while stack:
        node = stack.pop()
        if node.type in ("import_statement", "import_from_statement"):
            yield node
        elif node.type in (
            "try_statement",
            "if_statement",
            "block",
            "except_clause",
            "else_clause",
            "elif_clause",
            "finally_clause",
        ):
            stack.extend(reversed(node.named_children))
