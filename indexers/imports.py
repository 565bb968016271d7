"""Imports of a file: who imports what, and the import block an exemplar should show.

Every import is recorded (imports inside functions too, marked ``local``: application
factories import their blueprints there); ``import_lines`` keeps only module-level ones.
An import the code guards against the module being missing (in the body of a ``try`` whose
``except`` catches ImportError or ModuleNotFoundError, or under ``with suppress(ImportError)``)
is marked ``guarded``: an optional integration, not a dependency.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from indexers.base import ParsedFile, dotted_name, walk
from indexers.refs import caught_names
from memorybrain.models import FileExtract

_IMPORT_TYPES = frozenset({"import_statement", "import_from_statement"})
_IMPORT_ERRORS = re.compile(r"\b(?:ImportError|ModuleNotFoundError)\b")
#: Scopes whose body runs later, not under an enclosing try (a function defined in a try body).
_DEFERRED_SCOPES = frozenset({"function_definition", "lambda"})


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
        guard = {"guarded": True} if _guarded(pf, stmt) else {}
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
                        **guard,
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
                        **guard,
                    }
                )
            if any(c.type == "wildcard_import" for c in stmt.named_children):
                imports.append({"module": module, "name": "*", "alias": None, "line": line, "level": level, **guard})
    return FileExtract(meta={"imports": imports, "import_lines": import_lines, "top_modules": sorted(top)})


def _guarded(pf: ParsedFile, stmt: Node) -> bool:
    """Whether an import runs where a missing module is caught: the body of a ``try`` with an
    ``except ImportError``/``ModuleNotFoundError`` (alone or in a tuple), or a
    ``with suppress(ImportError)`` block. A function boundary ends the search (its body runs
    when called, outside the ``try`` that defines it); the fallback in the ``except`` clause
    itself is no guarded import."""
    child, node = stmt, stmt.parent
    while node is not None and node.type not in _DEFERRED_SCOPES:
        if node.type == "try_statement" and child.type == "block" and child == node.child_by_field_name("body"):
            for clause in node.named_children:
                if clause.type != "except_clause":
                    continue
                if {"ImportError", "ModuleNotFoundError"} & set(caught_names(pf, clause)):
                    return True
        if node.type == "with_statement" and child.type == "block":
            clause = next((c for c in node.named_children if c.type == "with_clause"), None)
            for item in clause.named_children if clause is not None else []:
                value = item.named_children[0] if item.named_children else None
                text = value.text.decode() if value is not None and value.type == "call" and value.text else ""
                if text.split("(", 1)[0].split(".")[-1].strip() == "suppress" and _IMPORT_ERRORS.search(text):
                    return True
        child, node = node, node.parent
    return False


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
