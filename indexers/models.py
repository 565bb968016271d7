"""ORM models and validation schemas: ``model`` and ``schema`` patterns.

Models: SQLAlchemy (classic ``Column``, 2.0 ``Mapped``/``mapped_column``, declarative bases),
SQLModel ``table=True`` classes and Flask-SQLAlchemy ``db.Model`` classes. Schemas: Pydantic
models and settings, marshmallow schemas and SQLModel classes without ``table=True``.

Classes are classified in file order, so a class inheriting from a model, schema or
declarative base defined earlier in the same file inherits that classification. Classes whose
bases are defined elsewhere are classified by what their body holds (``__tablename__``,
``Column`` fields, pydantic ``Field``/validators, marshmallow ``fields``).

Also shared with the other indexers of this package: :func:`import_aliases`,
:func:`resolve`, :func:`is_page_schema`, :func:`class_assignments`, :func:`make_pattern`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from indexers import imports
from indexers.base import (
    Definition,
    ParsedFile,
    assignments_in,
    base_classes,
    call_args,
    callee,
    decorator_expr,
    definition_pattern,
    dotted_name,
    string_value,
    walk,
)
from memorybrain.models import FileExtract, Pattern

# --------------------------------------------------------------------------- vocabulary

_DECLARATIVE_ROOTS = {"DeclarativeBase", "DeclarativeBaseNoMeta"}
_DECLARATIVE_FACTORIES = {"declarative_base", "generate_base", "automap_base"}
_COLUMN_CALLS = {"Column", "mapped_column", "column_property", "deferred", "composite"}
_RELATIONSHIP_CALLS = {"relationship", "relation", "dynamic_loader", "Relationship"}
_FK_SKIP_TYPES = {"ForeignKey", "Sequence", "Identity", "Computed", "CheckConstraint"}
_FLASK_DB_NAMES = {"db", "_db", "database", "sqla"}
_PYDANTIC_ROOTS = {"BaseModel", "BaseSettings", "RootModel", "GenericModel"}
_MARSHMALLOW_ROOTS = {
    "Schema",
    "SQLAlchemySchema",
    "SQLAlchemyAutoSchema",
    "ModelSchema",
    "TableSchema",
}
_VALIDATOR_DECORATORS = {
    "validator",
    "field_validator",
    "model_validator",
    "root_validator",
    "validates",
    "validates_schema",
}
_PYDANTIC_CONFIG_NAMES = {"model_config", "Config"}
_TYPE_PREFIX = re.compile(r"\b(?:db|sa|sqla|sqlalchemy(?:\.types|\.orm|\.dialects\.\w+)?)\.")
_MARSHMALLOW_PREFIX = re.compile(r"\b(?:fields|ma|mf|marshmallow\.fields)\.")
_MAPPED = re.compile(r"^(?:[\w.]+\.)?(?:Mapped|WriteOnlyMapped|DynamicMapped)\[(.*)\]$", re.S)
_TYPE_WORDS = {
    "list",
    "List",
    "set",
    "Set",
    "Optional",
    "Union",
    "None",
    "Mapped",
    "WriteOnlyMapped",
    "DynamicMapped",
    "typing",
    "Sequence",
    "tuple",
    "Tuple",
    "dict",
    "Dict",
    "Iterable",
}
_IDENT = re.compile(r"[A-Za-z_][\w.]*")
_SUMMARY_ITEMS = 8
_PAGE_NAME = re.compile(r"(?i)page|paginat")
_PAGE_ITEM_FIELDS = {"items", "results", "data", "records", "entries", "objects"}
_PAGE_COUNT_FIELDS = {
    "total",
    "count",
    "total_pages",
    "pages",
    "page",
    "next",
    "next_cursor",
    "has_next",
    "total_count",
}


# --------------------------------------------------------------------------- shared helpers


def import_aliases(pf: ParsedFile) -> dict[str, str]:
    """Local name -> imported dotted name (``BM`` -> ``pydantic.BaseModel``)."""
    out: dict[str, str] = {}
    for imp in imports.extract(pf).meta.get("imports", []):
        module = "." * int(imp["level"]) + str(imp["module"])
        name, alias = imp["name"], imp["alias"]
        if name == "*":
            continue
        if name is None:
            local = alias or module.split(".")[0]
            out[local] = module if alias else local
        else:
            out[alias or name] = f"{module}.{name}" if module.strip(".") else f"{module}{name}"
    return out


def resolve(aliases: dict[str, str], dotted: str) -> str:
    """Expand the first component of ``dotted`` through the file's imports."""
    head, _, rest = dotted.partition(".")
    target = aliases.get(head)
    if target is None:
        return dotted
    return f"{target}.{rest}" if rest else target


def imports_module(aliases: dict[str, str], *prefixes: str) -> bool:
    return any(v.lstrip(".").startswith(prefixes) for v in aliases.values())


def class_assignments(pf: ParsedFile, d: Definition) -> Iterator[tuple[str, Any, Any]]:
    """``(name, annotation node or None, value node or None)`` for a class body's assignments."""
    body = d.definition.child_by_field_name("body")
    for stmt in body.named_children if body is not None else []:
        if stmt.type != "expression_statement" or not stmt.named_children:
            continue
        node = stmt.named_children[0]
        if node.type != "assignment":
            continue
        left = node.child_by_field_name("left")
        if left is None or left.type != "identifier":
            continue
        yield pf.text(left), node.child_by_field_name("type"), node.child_by_field_name("right")


def is_page_schema(name: str, field_names: list[str], bases: list[str]) -> bool:
    """A generic/paged response schema (``class Page(BaseModel, Generic[T])``: items, total)."""
    named = bool(_PAGE_NAME.search(name)) or any(b.split(".")[-1] == "Generic" for b in bases)
    names = set(field_names)
    return named and bool(names & _PAGE_ITEM_FIELDS) and bool(names & _PAGE_COUNT_FIELDS)


def compact(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# --------------------------------------------------------------------------- classification


@dataclass
class _Kind:
    """What a class is: ``model``, ``schema`` or ``base`` (a declarative base, not a model)."""

    kind: str
    tag: str  # orm for models/bases, library for schemas
    settings: bool = False


@dataclass
class _Context:
    pf: ParsedFile
    aliases: dict[str, str]
    declarative_names: set[str]
    classes: dict[str, _Kind] = field(default_factory=dict)  # classified so far
    file_classes: set[str] = field(default_factory=set)  # every top-level class name
    mixins: set[str] = field(default_factory=set)  # model classes with columns but no table

    @cached_property
    def type_prefixes(self) -> set[str]:
        """Local names of imported SQLAlchemy modules (``from sqlalchemy import types``)."""
        return {local for local, full in self.aliases.items() if full.startswith("sqlalchemy") and local[:1].islower()}

    @property
    def sqlalchemy_imported(self) -> bool:
        return imports_module(self.aliases, "sqlalchemy", "flask_sqlalchemy", "sqlmodel")


def _declarative_names(pf: ParsedFile) -> set[str]:
    """Names bound at module level to ``declarative_base()``-style factories."""
    names: set[str] = set()
    for stmt in pf.root.named_children:
        for left, right in assignments_in(stmt):
            if right.type == "call":
                name = dotted_name(pf, right.child_by_field_name("function"))
                if name.split(".")[-1] in _DECLARATIVE_FACTORIES:
                    names.add(left)
    return names


def _decorator_names(pf: ParsedFile, d: Definition) -> list[str]:
    return [dotted_name(pf, callee(decorator_expr(x))) for x in d.decorators]


def _class_keywords(pf: ParsedFile, d: Definition) -> dict[str, str]:
    sup = d.definition.child_by_field_name("superclasses")
    out: dict[str, str] = {}
    for c in sup.named_children if sup is not None else []:
        if c.type == "keyword_argument":
            out[pf.text(c.child_by_field_name("name"))] = pf.text(c.child_by_field_name("value"))
    return out


def _base_kind(ctx: _Context, base: str, table: bool) -> _Kind | None:
    """Classification implied by one base class name."""
    if base in ctx.classes:
        parent = ctx.classes[base]
        if parent.kind == "base":
            return _Kind("model", parent.tag)
        if parent.kind == "schema" and parent.tag == "sqlmodel" and table:
            return _Kind("model", "sqlmodel")
        return _Kind(parent.kind, parent.tag, parent.settings)
    if base in ctx.declarative_names:
        return _Kind("model", "sqlalchemy")
    full = resolve(ctx.aliases, base)
    last = full.split(".")[-1]
    module = full.rpartition(".")[0]
    if last in _DECLARATIVE_ROOTS and (not module or module.startswith("sqlalchemy")):
        return _Kind("base", "sqlalchemy")
    if last == "SQLModel" and (not module or module.startswith("sqlmodel")):
        return _Kind("model", "sqlmodel") if table else _Kind("schema", "sqlmodel")
    if last == "Model" and _flask_db(ctx, base, module):
        return _Kind("model", "flask-sqlalchemy")
    if last in _PYDANTIC_ROOTS and (not module or module.startswith("pydantic")):
        return _Kind("schema", "pydantic", settings=last == "BaseSettings")
    if last in _MARSHMALLOW_ROOTS and _marshmallow_module(module, base):
        return _Kind("schema", "marshmallow")
    if _is_wtforms_root(ctx, last, module):
        return _Kind("schema", "wtforms")
    return None


def _is_wtforms_root(ctx: _Context, last: str, module: str) -> bool:
    """``FlaskForm`` (Flask-WTF) and ``wtforms.Form``: HTML/JSON form validation classes."""
    if last == "FlaskForm":
        return not module or module.startswith("flask_wtf")
    if last == "Form":
        return module.startswith(("wtforms", "flask_wtf")) or (
            not module and imports_module(ctx.aliases, "wtforms", "flask_wtf")
        )
    return False


def _flask_db(ctx: _Context, base: str, module: str) -> bool:
    """``db.Model`` of Flask-SQLAlchemy (not Django's ``models.Model`` or ``keras.Model``)."""
    if module.startswith("flask_sqlalchemy"):
        return True
    head, _, rest = base.partition(".")
    if rest != "Model":
        return False
    if head in _FLASK_DB_NAMES or resolve(ctx.aliases, head).split(".")[-1] in _FLASK_DB_NAMES:
        return True
    return f"{head}.Column(".encode() in ctx.pf.source


def _marshmallow_module(module: str, base: str) -> bool:
    if module.startswith(("marshmallow", "flask_marshmallow")):
        return True
    return base.split(".")[0] in {"ma", "marshmallow"}


def _classify(ctx: _Context, d: Definition, bases: list[str]) -> _Kind | None:
    pf = ctx.pf
    decorators = _decorator_names(pf, d)
    if any(n.split(".")[-1] == "dataclass" for n in decorators):
        return None
    if any(n.split(".")[-1] == "as_declarative" for n in decorators):
        return _Kind("base", "sqlalchemy")
    if any(n.split(".")[-1] in {"mapped", "mapped_as_dataclass"} for n in decorators):
        return _Kind("model", "sqlalchemy")
    table = _is_table_class(pf, d)
    kinds = [k for k in (_base_kind(ctx, b, table) for b in bases) if k is not None]
    for wanted in ("model", "base", "schema"):
        for k in kinds:
            if k.kind == wanted:
                return k
    if table:
        return _Kind("model", "sqlmodel")
    return _classify_by_body(ctx, d, bases)


def _classify_by_body(ctx: _Context, d: Definition, bases: list[str]) -> _Kind | None:
    pf = ctx.pf
    columns = rels = tablename = pydantic_signals = marshmallow_fields = 0
    flask_db = False
    for name, ann, value in class_assignments(pf, d):
        fn = dotted_name(pf, value.child_by_field_name("function")) if _is_call(value) else ""
        last = fn.split(".")[-1]
        if name in ("__tablename__", "__table__"):
            tablename += 1
        elif resolve(ctx.aliases, fn).startswith("django_tables2."):
            continue  # django-tables2 `tables.Column(...)`: a table of a UI, not a database table
        elif last in _COLUMN_CALLS or (ann is not None and _MAPPED.match(pf.text(ann))):
            columns += 1
            flask_db = flask_db or fn.startswith("db.")
        elif last in _RELATIONSHIP_CALLS:
            rels += 1
        elif name in _PYDANTIC_CONFIG_NAMES or (last == "Field" and ann is not None):
            pydantic_signals += 1
        elif _is_marshmallow_field(ctx, fn):
            marshmallow_fields += 1
    if tablename or columns or (rels and ctx.sqlalchemy_imported):
        return _Kind("model", "flask-sqlalchemy" if flask_db else "sqlalchemy")
    if "Base" in bases and ctx.sqlalchemy_imported:
        return _Kind("model", "sqlalchemy")
    if imports_module(ctx.aliases, "pydantic") and (pydantic_signals or _validators(pf, d) or _has_inner_config(pf, d)):
        return _Kind("schema", "pydantic")
    if marshmallow_fields and imports_module(ctx.aliases, "marshmallow", "flask_marshmallow"):
        return _Kind("schema", "marshmallow")
    return None


def _is_call(node: Any) -> bool:
    return node is not None and node.type == "call"


def _is_marshmallow_field(ctx: _Context, fn: str) -> bool:
    if not fn:
        return False
    head = fn.split(".")[0]
    if head in {"fields", "ma", "mf"} and fn.count(".") == 1:
        return True
    full = resolve(ctx.aliases, fn)
    return full.startswith("marshmallow") or fn.split(".")[-1] == "auto_field"


def _has_inner_config(pf: ParsedFile, d: Definition) -> bool:
    body = d.definition.child_by_field_name("body")
    for stmt in body.named_children if body is not None else []:
        if stmt.type == "class_definition" and pf.text(stmt.child_by_field_name("name")) == "Config":
            return True
    return False


# --------------------------------------------------------------------------- body details


def _validators(pf: ParsedFile, d: Definition) -> list[str]:
    body = d.definition.child_by_field_name("body")
    out: list[str] = []
    for stmt in body.named_children if body is not None else []:
        if stmt.type == "function_definition":
            # inline field validators by name: WTForms and DRF call ``validate_<field>``
            name = pf.text(stmt.child_by_field_name("name"))
            if name.startswith("validate_") and len(name) > len("validate_"):
                out.append(name)
            continue
        if stmt.type != "decorated_definition":
            continue
        inner = stmt.child_by_field_name("definition")
        decos = [c for c in stmt.named_children if c.type == "decorator"]
        names = {dotted_name(pf, callee(decorator_expr(x))).split(".")[-1] for x in decos}
        if inner is not None and names & _VALIDATOR_DECORATORS:
            out.append(pf.text(inner.child_by_field_name("name")))
    return out


def _clean_type(text: str, prefixes: set[str]) -> str:
    """Type text without ORM module prefixes: ``db.String(120)`` -> ``String(120)``."""
    text = compact(text)
    for prefix in prefixes:
        text = re.sub(rf"(?<![\w.]){re.escape(prefix)}\.", "", text)
    return _TYPE_PREFIX.sub("", text)


def _annotation_text(pf: ParsedFile, ann: Any) -> str:
    """Annotation text, unquoted, with ``Mapped[...]`` unwrapped."""
    if ann is None:
        return ""
    text = compact(pf.text(ann))
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    m = _MAPPED.match(text)
    return compact(m.group(1)) if m else text


def _target_from_type(type_text: str) -> str:
    """``list["Item"]`` -> ``Item``; ``Optional["Team"]`` -> ``Team``."""
    for word in _IDENT.findall(type_text):
        if word not in _TYPE_WORDS and word.split(".")[-1] not in _TYPE_WORDS:
            return word
    return ""


def _is_mapped_relationship(ann_text: str) -> bool:
    """``list["Item"]``, ``"User"``, ``Optional["User"]``: a related class, not a column type."""
    inner = re.sub(r"^(?:typing\.)?Optional\[(.*)\]$", r"\1", ann_text)
    if re.fullmatch(r"""(?:list|List|set|Set)\[\s*['"]?[A-Z][\w.]*['"]?\s*\]""", inner):
        return True
    return bool(re.fullmatch(r"""['"][A-Z][\w.]*['"]""", inner))


def _column_type(pf: ParsedFile, call: Any, prefixes: set[str]) -> str:
    positional, keywords = call_args(call)
    prefix = dotted_name(pf, call.child_by_field_name("function")).rpartition(".")[0]
    prefixes = prefixes | {prefix} if prefix else prefixes
    if "type_" in keywords:
        return _clean_type(pf.text(keywords["type_"]), prefixes)
    for arg in positional:
        if arg.type in ("string", "concatenated_string"):
            continue
        if arg.type == "call":
            inner = dotted_name(pf, arg.child_by_field_name("function")).split(".")[-1]
            if inner in _FK_SKIP_TYPES:
                continue
            if inner == "Column":  # deferred(Column(...)) / column_property(Column(...))
                return _column_type(pf, arg, prefixes)
        return _clean_type(pf.text(arg), prefixes)
    return ""


def _foreign_keys(pf: ParsedFile, name: str, call: Any) -> list[dict[str, str]]:
    """``ForeignKey("users.id")`` in a column, ``Field(foreign_key="team.id")`` in SQLModel."""
    out: list[dict[str, str]] = []
    for node in walk(call, {"call"}):
        fn = dotted_name(pf, node.child_by_field_name("function")).split(".")[-1]
        positional, keywords = call_args(node)
        if fn == "ForeignKey":
            target = positional[0] if positional else keywords.get("column")
        elif fn == "Field":
            target = keywords.get("foreign_key")
        elif "foreign_key" in fn.lower():  # project helpers: build_foreign_key_field(target=...)
            target = keywords.get("target")
        else:
            continue
        if target is not None:
            text = string_value(pf, target)
            text = text if text is not None else compact(pf.text(target))
            column = string_value(pf, keywords.get("target_column"))
            out.append({"name": name, "target": f"{text}.{column}" if column else text})
    return out


def _relationship_target(pf: ParsedFile, call: Any, ann_text: str) -> str:
    positional, keywords = call_args(call)
    arg = positional[0] if positional else keywords.get("argument")
    if arg is not None:
        value = string_value(pf, arg)
        if value is not None:
            return value
        if arg.type == "lambda":
            return compact(pf.text(arg.child_by_field_name("body")))
        return compact(pf.text(arg))
    return _target_from_type(ann_text)


@dataclass
class _ModelBody:
    table: str | None = None
    abstract: bool = False
    fields: list[dict[str, str]] = field(default_factory=list)
    relationships: list[dict[str, str]] = field(default_factory=list)
    foreign_keys: list[dict[str, str]] = field(default_factory=list)


def _model_body(ctx: _Context, d: Definition, orm: str) -> _ModelBody:
    pf = ctx.pf
    out = _ModelBody()
    for name, ann, value in class_assignments(pf, d):
        ann_text = _annotation_text(pf, ann)
        if name == "__tablename__":
            out.table = string_value(pf, value)
            continue
        if name == "__table__" and _is_call(value):
            positional, _ = call_args(value)
            out.table = string_value(pf, positional[0]) if positional else None
            continue
        if name == "__abstract__":
            out.abstract = value is not None and pf.text(value) == "True"
            continue
        if name.startswith("__") or ann_text.startswith("ClassVar"):
            continue
        fn = dotted_name(pf, value.child_by_field_name("function")) if _is_call(value) else ""
        last = fn.split(".")[-1]
        if last in _RELATIONSHIP_CALLS:
            out.relationships.append({"name": name, "target": _relationship_target(pf, value, ann_text)})
        elif last in _COLUMN_CALLS:
            type_text = ann_text if ann is not None else _column_type(pf, value, ctx.type_prefixes)
            out.fields.append({"name": name, "type": type_text})
            out.foreign_keys.extend(_foreign_keys(pf, name, value))
        elif ann is not None and value is None and _is_mapped_relationship(ann_text):
            # imperative / annotation-only mapping: Mapped[list["Item"]], Mapped["User"]
            out.relationships.append({"name": name, "target": _target_from_type(ann_text)})
        elif ann is not None and (_MAPPED.match(compact(pf.text(ann))) or orm == "sqlmodel"):
            out.fields.append({"name": name, "type": ann_text})
            if _is_call(value):
                out.foreign_keys.extend(_foreign_keys(pf, name, value))
    return out


def _pydantic_required(pf: ParsedFile, value: Any) -> bool:
    if value is None or value.type == "ellipsis":
        return True
    if not _is_call(value):
        return False
    fn = dotted_name(pf, value.child_by_field_name("function")).split(".")[-1]
    if fn != "Field":
        return False
    positional, keywords = call_args(value)
    if "default" in keywords or "default_factory" in keywords:
        return False
    return not positional or positional[0].type == "ellipsis"


def _schema_fields(ctx: _Context, d: Definition, library: str) -> list[dict[str, Any]]:
    pf = ctx.pf
    out: list[dict[str, Any]] = []
    for name, ann, value in class_assignments(pf, d):
        if name.startswith("_") or name in _PYDANTIC_CONFIG_NAMES:
            continue
        if library == "wtforms":
            fn = dotted_name(pf, value.child_by_field_name("function")) if _is_call(value) else ""
            if fn.split(".")[-1].endswith("Field"):
                out.append(_wtforms_field(pf, name, value))
            continue
        if library == "marshmallow":
            fn = dotted_name(pf, value.child_by_field_name("function")) if _is_call(value) else ""
            if not _is_marshmallow_field(ctx, fn):
                continue
            out.append(_marshmallow_field(pf, name, value))
            continue
        if ann is None:
            continue
        ann_text = _annotation_text(pf, ann)
        if ann_text.startswith(("ClassVar", "typing.ClassVar")):
            continue
        out.append({"name": name, "type": ann_text, "required": _pydantic_required(pf, value)})
    return out


def _marshmallow_field(pf: ParsedFile, name: str, call: Any) -> dict[str, Any]:
    fn = dotted_name(pf, call.child_by_field_name("function"))
    positional, keywords = call_args(call)
    type_text = fn.split(".")[-1]
    if positional:
        type_text += "(" + ", ".join(compact(pf.text(a)) for a in positional) + ")"
    required = "required" in keywords and pf.text(keywords["required"]) == "True"
    return {"name": name, "type": _MARSHMALLOW_PREFIX.sub("", type_text), "required": required}


def _wtforms_field(pf: ParsedFile, name: str, call: Any) -> dict[str, Any]:
    """``email = StringField("Email", validators=[DataRequired(), Email()])``."""
    fn = dotted_name(pf, call.child_by_field_name("function")).split(".")[-1]
    _positional, keywords = call_args(call)
    validators = keywords.get("validators")
    text = pf.text(validators) if validators is not None else ""
    return {
        "name": name,
        "type": fn,
        "required": bool(re.search(r"\b(DataRequired|InputRequired|Required)\b", text)),
        "validators": re.findall(r"\b([A-Z]\w*)\(", text),
    }


def _meta_model(pf: ParsedFile, d: Definition) -> str | None:
    """``model`` of a marshmallow ``class Meta:``."""
    body = d.definition.child_by_field_name("body")
    for stmt in body.named_children if body is not None else []:
        if stmt.type != "class_definition" or pf.text(stmt.child_by_field_name("name")) != "Meta":
            continue
        inner = Definition(stmt, stmt, "Meta", "Meta", [])
        for name, _, value in class_assignments(pf, inner):
            if name == "model" and value is not None:
                return compact(pf.text(value))
    return None


# --------------------------------------------------------------------------- patterns


def _snake_case(name: str) -> str:
    """Flask-SQLAlchemy's default table name: ``UserRole`` -> ``user_role``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


#: Default table names of ORMs that derive one from the class name.
_DEFAULT_TABLE_NAMES = {"sqlmodel": str.lower, "flask-sqlalchemy": _snake_case}


def _listing(items: list[str]) -> str:
    shown = items[:_SUMMARY_ITEMS]
    more = ", …" if len(items) > _SUMMARY_ITEMS else ""
    return ", ".join(shown) + more


def _field_items(fields: list[dict[str, Any]]) -> list[str]:
    return [f"{f['name']}:{f['type']}" if f["type"] else f["name"] for f in fields]


make_pattern = definition_pattern


def _in_file_bases(ctx: _Context, bases: list[str]) -> list[str]:
    return [b for b in bases if b in ctx.classes]


def _only_mixin_bases(ctx: _Context, bases: list[str]) -> bool:
    """True if no base makes a table: ``object``, in-file mixins, in-file plain classes."""
    for b in bases:
        if b == "object" or b in ctx.mixins:
            continue
        if b in ctx.file_classes and b not in ctx.classes:
            continue
        return False
    return True


def _is_table_class(pf: ParsedFile, d: Definition) -> bool:
    return _class_keywords(pf, d).get("table") == "True"


def _model_pattern(ctx: _Context, d: Definition, k: _Kind, bases: list[str]) -> Pattern | None:
    pf = ctx.pf
    body = _model_body(ctx, d, k.tag)
    if k.kind == "base" and not (body.fields or body.relationships):
        return None  # a bare declarative base: not a model
    orm = k.tag
    if orm == "sqlalchemy" and any(b.endswith(".Model") for b in bases):
        orm = "flask-sqlalchemy"
    mixin = body.table is None and _only_mixin_bases(ctx, bases) and not _is_table_class(pf, d)
    if mixin:
        ctx.mixins.add(d.name)
    abstract = body.abstract or k.kind == "base" or mixin
    table, inferred = body.table, False
    if table is None and not abstract and orm in _DEFAULT_TABLE_NAMES:
        table, inferred = _DEFAULT_TABLE_NAMES[orm](d.name), True
    meta: dict[str, Any] = {
        "orm": orm,
        "table": table,
        "table_inferred": inferred,
        "fields": body.fields,
        "relationships": body.relationships,
        "bases": bases,
        "foreign_keys": body.foreign_keys,
        "abstract": abstract,
        "validators": _validators(pf, d),
    }
    items = _field_items(body.fields) + [f"{r['name']}→{r['target']}" for r in body.relationships]
    head = f"model {d.name}" + (f" ({table})" if table else "")
    if items:
        summary = f"{head} — {_listing(items)}"
    elif _in_file_bases(ctx, bases):
        summary = f"{head} — extends {', '.join(_in_file_bases(ctx, bases))}"
    else:
        summary = head
    return make_pattern(pf, d, "model", summary, meta)


def _schema_pattern(ctx: _Context, d: Definition, k: _Kind, bases: list[str]) -> Pattern | None:
    pf = ctx.pf
    fields = _schema_fields(ctx, d, k.tag)
    if is_page_schema(d.name, [f["name"] for f in fields], bases):
        return None  # claimed by indexers.misc as a pagination pattern
    meta: dict[str, Any] = {
        "library": k.tag,
        "fields": fields,
        "bases": bases,
        "validators": _validators(pf, d),
    }
    if k.settings:
        meta["settings"] = True
    model = _meta_model(pf, d) if k.tag == "marshmallow" else None
    if model:
        meta["model"] = model
    label = k.tag + (" settings" if k.settings else "") + (f", model {model}" if model else "")
    head = f"schema {d.name} ({label})"
    if fields:
        summary = f"{head} — {_listing(_field_items(fields))}"
    elif _in_file_bases(ctx, bases):
        summary = f"{head} — extends {', '.join(_in_file_bases(ctx, bases))}"
    else:
        summary = head
    return make_pattern(pf, d, "schema", summary, meta)


def extract(pf: ParsedFile) -> FileExtract:
    if not pf.source.strip():
        return FileExtract()
    ctx = _Context(pf, import_aliases(pf), _declarative_names(pf))
    ctx.file_classes = {d.name for d in pf.definitions(methods=False) if d.is_class}
    out: list[Pattern] = []
    for d in pf.definitions(methods=False):
        if not d.is_class:
            continue
        bases = base_classes(pf, d)
        k = _classify(ctx, d, bases)
        if k is None:
            continue
        ctx.classes[d.name] = k
        maker = _schema_pattern if k.kind == "schema" else _model_pattern
        p = maker(ctx, d, k, bases)
        if p is not None:
            out.append(p)
    return FileExtract(patterns=out)
