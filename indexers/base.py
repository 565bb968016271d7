"""Parsing and small tree helpers shared by the indexers.

Indexers are pure functions: ``extract(pf: ParsedFile) -> FileExtract``. They never import
or run the code they read, never touch the disk beyond the bytes handed in, and never see
the database or the embedder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import tree_sitter_python
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree

from memorybrain.models import Pattern
from memorybrain.modpath import module_name


@cache
def language() -> Language:
    return Language(tree_sitter_python.language())


def parser() -> Parser:
    return Parser(language())


@cache
def load_query(name: str) -> Query:
    """Load ``indexers/queries/<name>.scm`` (queries are data, kept beside the code)."""
    source = resources.files("indexers").joinpath("queries", f"{name}.scm").read_text("utf-8")
    return Query(language(), source)


def run_query(name: str, node: Node) -> list[tuple[int, dict[str, list[Node]]]]:
    return QueryCursor(load_query(name)).matches(node)


@dataclass
class Definition:
    """A top-level or class-level function or class, with its decorators."""

    node: Node  # the decorated_definition if decorated, else the definition itself
    definition: Node  # function_definition or class_definition
    name: str
    qualname: str
    decorators: list[Node]
    parent_class: str | None = None

    @property
    def is_class(self) -> bool:
        return self.definition.type == "class_definition"

    @property
    def is_async(self) -> bool:
        return self.definition.type == "function_definition" and any(
            c.type == "async" for c in self.definition.children
        )


@dataclass
class ParsedFile:
    """One Python file, parsed once and shared by every indexer."""

    path: str
    source: bytes
    tree: Tree
    _lines: list[str] | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, path: str, source: bytes) -> ParsedFile:
        return cls(path=path, source=source, tree=parser().parse(source))

    @property
    def root(self) -> Node:
        return self.tree.root_node

    @property
    def module(self) -> str:
        return module_name(self.path)

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.source.decode("utf-8", errors="replace").split("\n")
        return self._lines

    def text(self, node: Node | None) -> str:
        if node is None:
            return ""
        return self.source[node.start_byte : node.end_byte].decode("utf-8", errors="replace")

    def code(self, node: Node) -> str:
        """Full source lines covering ``node`` (so indentation of the first line is kept)."""
        return "\n".join(self.lines[node.start_point[0] : node.end_point[0] + 1])

    def definitions(self, *, methods: bool = True) -> Iterator[Definition]:
        """Top-level functions and classes, and (with ``methods``) methods of top-level classes."""
        for child in self.root.named_children:
            d = as_definition(child)
            if d is None:
                # definitions guarded by `if TYPE_CHECKING:` / try blocks still count
                if child.type in ("if_statement", "try_statement"):
                    for sub in _block_statements(child):
                        d2 = as_definition(sub)
                        if d2 is not None:
                            yield from self._with_methods(d2, methods)
                continue
            yield from self._with_methods(d, methods)

    def _with_methods(self, d: Definition, methods: bool) -> Iterator[Definition]:
        yield self._named(d)
        if methods and d.is_class:
            body = d.definition.child_by_field_name("body")
            for stmt in body.named_children if body else []:
                m = as_definition(stmt)
                if m is not None and not m.is_class:
                    m.parent_class = d.name
                    yield self._named(m)

    def _named(self, d: Definition) -> Definition:
        d.name = self.text(d.definition.child_by_field_name("name"))
        d.qualname = f"{d.parent_class}.{d.name}" if d.parent_class else d.name
        return d


def _block_statements(node: Node) -> Iterator[Node]:
    for child in node.named_children:
        if child.type == "block":
            yield from child.named_children
        elif child.type in ("else_clause", "elif_clause", "except_clause", "finally_clause"):
            yield from _block_statements(child)


def as_definition(node: Node) -> Definition | None:
    if node.type == "decorated_definition":
        inner = node.child_by_field_name("definition")
        if inner is None:
            return None
        decorators = [c for c in node.named_children if c.type == "decorator"]
        return Definition(node, inner, "", "", decorators)
    if node.type in ("function_definition", "class_definition"):
        return Definition(node, node, "", "", [])
    return None


def class_methods(d: Definition) -> dict[str, Node]:
    """The functions a class body defines, decorated ones too, by name (the last one wins, as
    in Python)."""
    body = d.definition.child_by_field_name("body")
    out: dict[str, Node] = {}
    for stmt in body.named_children if body is not None else []:
        node = stmt.child_by_field_name("definition") if stmt.type == "decorated_definition" else stmt
        if node is not None and node.type == "function_definition":
            name = node.child_by_field_name("name")
            if name is not None and name.text:
                out[name.text.decode()] = node
    return out


#: Flask request hooks (``@app.before_request`` and friends).
FLASK_REQUEST_HOOKS = frozenset(
    {
        "before_request",
        "before_app_request",
        "after_request",
        "after_app_request",
        "teardown_request",
        "teardown_app_request",
        "teardown_appcontext",
        "before_first_request",
        "before_app_first_request",
    }
)


def definition_pattern(pf: ParsedFile, d: Definition, kind: str, summary: str, meta: dict[str, Any]) -> Pattern:
    """A pattern covering the whole definition ``d`` with its decorators."""
    return Pattern(
        kind=kind,
        name=d.name,
        qualname=d.qualname,
        path=pf.path,
        start_line=d.node.start_point[0] + 1,
        end_line=d.node.end_point[0] + 1,
        code=pf.code(d.node),
        summary=summary,
        meta=meta,
    )


# --------------------------------------------------------------------------- expressions


def decorator_expr(dec: Node) -> Node | None:
    """The expression of a decorator node (without the ``@``)."""
    return next((c for c in dec.named_children if c.type != "comment"), None)


def callee(node: Node | None) -> Node | None:
    """For a call node, the function expression; for anything else, the node itself."""
    if node is not None and node.type == "call":
        return node.child_by_field_name("function")
    return node


def dotted_name(pf: ParsedFile, node: Node | None) -> str:
    """``a.b.c`` for identifier/attribute chains, '' for anything else."""
    if node is None:
        return ""
    if node.type == "identifier":
        return pf.text(node)
    if node.type == "attribute":
        obj = dotted_name(pf, node.child_by_field_name("object"))
        attr = pf.text(node.child_by_field_name("attribute"))
        return f"{obj}.{attr}" if obj else ""
    if node.type == "call":  # a.b().c -> a.b.c (good enough for names)
        return dotted_name(pf, node.child_by_field_name("function"))
    return ""


def call_args(node: Node) -> tuple[list[Node], dict[str, Node]]:
    """Positional and keyword argument value nodes of a call."""
    args = node.child_by_field_name("arguments")
    positional: list[Node] = []
    keywords: dict[str, Node] = {}
    if args is None:
        return positional, keywords
    for a in args.named_children:
        if a.type == "keyword_argument":
            name = a.child_by_field_name("name")
            value = a.child_by_field_name("value")
            if name is not None and value is not None:
                keywords[name.text.decode() if name.text else ""] = value
        elif a.type not in ("comment", "list_splat", "dictionary_splat"):
            positional.append(a)
    return positional, keywords


_STRING_PREFIX = re.compile(r"^[rRbBuU]{0,2}")


def string_value(pf: ParsedFile, node: Node | None) -> str | None:
    """The value of a plain string literal (or implicit concatenation), else None.

    f-strings return their text with ``{...}`` kept, which is what a route path needs.
    """
    if node is None:
        return None
    if node.type == "concatenated_string":
        parts = [string_value(pf, c) for c in node.named_children]
        return None if any(p is None for p in parts) else "".join(p or "" for p in parts)
    if node.type != "string":
        return None
    out = []
    for c in node.named_children:
        if c.type == "string_content":
            out.append(pf.text(c))
        elif c.type == "interpolation":
            out.append(pf.text(c))
        elif c.type == "escape_sequence":
            out.append(pf.text(c))
    return "".join(out)


def dict_keys(pf: ParsedFile, node: Node | None) -> list[str]:
    """Top-level string keys of a dict literal."""
    if node is None or node.type != "dictionary":
        return []
    keys = [string_value(pf, p.child_by_field_name("key")) for p in node.named_children if p.type == "pair"]
    return [k for k in keys if k is not None]


def literal_list(pf: ParsedFile, node: Node | None) -> list[Node]:
    """Elements of a list/tuple/set literal, or [node] for a single expression."""
    if node is None:
        return []
    if node.type in ("list", "tuple", "set"):
        return [c for c in node.named_children if c.type != "comment"]
    return [node]


def assignments_in(stmt: Node) -> Iterator[tuple[str, Node]]:
    """``name = value`` pairs of one expression statement (annotated ones included)."""
    if stmt.type != "expression_statement":
        return
    for a in stmt.named_children:
        if a.type != "assignment":
            continue
        left, right = a.child_by_field_name("left"), a.child_by_field_name("right")
        if left is not None and right is not None and left.type == "identifier":
            yield left.text.decode() if left.text else "", right


def class_attributes(body: Node) -> dict[str, Node]:
    """``name = value`` at the top of a class body, the last one winning."""
    out: dict[str, Node] = {}
    for stmt in body.named_children:
        for left, right in assignments_in(stmt):
            out[left] = right
    return out


def view_decorator_entries(pf: ParsedFile, attrs: dict[str, Node], method: str | None = None) -> list[Node]:
    """Entries of a view class's ``method_decorators = [...]`` (or its ``{"get": [...]}`` form:
    those for ``method``, every method's when None) and ``decorators = [...]``: what Flask's
    ``View``/``MethodView`` and Flask-RESTful's ``Resource`` wrap handlers in."""
    out: list[Node] = []
    md = attrs.get("method_decorators")
    if md is not None and md.type == "dictionary":
        for pair in md.named_children:
            key = pair.child_by_field_name("key")
            if pair.type == "pair" and (method is None or string_value(pf, key) == method):
                out.extend(literal_list(pf, pair.child_by_field_name("value")))
    elif md is not None:
        out.extend(literal_list(pf, md))
    out.extend(literal_list(pf, attrs.get("decorators")))
    return out


def walk(node: Node, types: frozenset[str] | set[str] | None = None) -> Iterator[Node]:
    """Pre-order walk of ``node``'s subtree, yielding nodes whose type is in ``types``."""
    cursor = node.walk()
    visited_children = False
    while True:
        if not visited_children:
            n = cursor.node
            if n is not None and (types is None or n.type in types):
                yield n
            if cursor.goto_first_child():
                continue
        if cursor.goto_next_sibling():
            visited_children = False
            continue
        if not cursor.goto_parent():
            return
        visited_children = True
        if cursor.node == node:
            return


def first_docline(pf: ParsedFile, d: Definition) -> str:
    """First line of a docstring, or ''."""
    body = d.definition.child_by_field_name("body")
    if body is None or not body.named_children:
        return ""
    first = body.named_children[0]
    if first.type == "expression_statement" and first.named_children:
        s = first.named_children[0]
        if s.type == "string":
            value = string_value(pf, s) or ""
            for line in value.strip().splitlines():
                if line.strip():
                    return line.strip()
    return ""


def base_classes(pf: ParsedFile, d: Definition) -> list[str]:
    """Dotted names of a class's bases (keyword arguments such as metaclass= are skipped)."""
    if not d.is_class:
        return []
    sup = d.definition.child_by_field_name("superclasses")
    if sup is None:
        return []
    out = []
    for c in sup.named_children:
        if c.type == "keyword_argument":
            continue
        name = dotted_name(pf, c.child_by_field_name("value") if c.type == "subscript" else c)
        if name:
            out.append(name)
    return out


def signature(pf: ParsedFile, d: Definition) -> str:
    """``def name(params) -> ret`` on one line (whitespace collapsed), or ``class Name(bases)``."""
    node = d.definition
    body = node.child_by_field_name("body")
    end = body.start_byte if body is not None else node.end_byte
    raw = pf.source[node.start_byte : end]
    # drop comments (after the colon, between parameters) using the tree, not a regex
    for comment in sorted(walk(node, {"comment"}), key=lambda c: -c.start_byte):
        if comment.end_byte <= end:
            start = comment.start_byte - node.start_byte
            raw = raw[:start] + raw[comment.end_byte - node.start_byte :]
    head = raw.decode("utf-8", errors="replace")
    head = re.sub(r"\s+", " ", head).strip().rstrip(":").strip()
    return head.replace("( ", "(").replace(", )", ")").replace(" )", ")")
