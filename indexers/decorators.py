"""Project-defined decorators: wrappers, decorator factories and what they check.

A ``decorator`` pattern is a top-level function (or a method) that defines an inner
function and returns it, where the inner function wraps one of the outer parameters
(``@wraps(f)``, or it calls ``f(...)``). A function returning such a decorator is a
factory (``def rate_limit(n): def deco(f): ... return deco``), including the
optional-argument style (``return decorator if func is None else decorator(func)``).
Marker decorators that only set attributes (``f.side_effect_free = True; return f``) are
decorators too (meta ``marks``, ``wrapper: None``).

``categorize(name, text)`` guesses what a decorator or dependency is for ("auth",
"permission", "rate_limit", ...); the linker uses it for dependencies too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tree_sitter import Node

from indexers.base import (
    Definition,
    ParsedFile,
    as_definition,
    call_args,
    decorator_expr,
    dotted_name,
    first_docline,
    signature,
    walk,
)
from indexers.errors import (
    compact,
    nested_functions,
    own_nodes,
    parameters,
    response_meta,
    returned_response,
    returned_values,
    unwrap,
)
from indexers.refs import body_refs, except_clauses
from memorybrain.models import FileExtract, Pattern

#: Categories returned by :func:`categorize`, most specific first (ties go to the earlier one).
CATEGORIES: tuple[str, ...] = (
    "rate_limit",
    "cache",
    "transaction",
    "permission",
    "auth",
    "validation",
    "error_handling",
    "other",
)

_W = r"(?<![a-z0-9])"  # start of a word; "_" separates words
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("rate_limit", re.compile(_W + r"(rate_?limit|limit(er|s|ed|ing)?(?![a-z])|throttl|quota)")),
    ("cache", re.compile(_W + r"(cach|memoi[sz]|lru_cache|etag)")),
    ("transaction", re.compile(_W + r"(transaction|atomic|commit|rollback|savepoint)")),
    (
        "permission",
        re.compile(
            _W + r"(permission|perms?(?![a-z])|roles?(?![a-z])|admin|superuser|staff|"
            r"scopes?(?![a-z])|acl(?![a-z])|owner|allow(s|ed)?(?![a-z])|can_|privilege|"
            r"forbidden|moderator|grant|has_access)"
        ),
    ),
    (
        "auth",
        re.compile(
            _W + r"(auth|oauth|jwt|token|log(ged)?_?in|current_([a-z]+_)*user|csrf|sign_?in|password|"
            r"credential|api_?key|bearer|anonymous|unauthori[sz]ed|protect(?![a-z]))"
        ),
    ),
    (
        "validation",
        re.compile(
            _W + r"(valid|invalid|schema|marshal|parse|use_(kw)?args|payload|sanitiz|"
            r"pydantic|(de)?serializ)"
        ),
    ),
    ("error_handling", re.compile(_W + r"(errors?(?![a-z])|exceptions?(?![a-z])|catch)")),
)
#: Only meaningful in a name (in a body, ``session`` is as often Flask's login session).
_NAME_ONLY: dict[str, re.Pattern[str]] = {
    "transaction": re.compile(_W + r"(db_)?session(?![a-z])|" + _W + r"db(?![a-z])"),
}
#: In a body, error handling shows as ``except`` clauses rather than as words.
_BODY_ONLY: dict[str, re.Pattern[str]] = {
    "error_handling": re.compile(_W + r"(except(?![a-z])|handle_(errors?|exceptions?)(?![a-z]))"),
}
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")


def _snake(text: str) -> str:
    return _CAMEL.sub(r"\1_\2", text).lower()


def categorize(name: str, text: str = "") -> str:
    """What a decorator/dependency is for, from its name first, else from its code.

    Returns one of :data:`CATEGORIES`: ``admin_required`` -> "permission",
    ``get_current_user`` -> "auth", ``rate_limit`` -> "rate_limit", ``with_session`` ->
    "transaction"; for an uninformative name the category with most keyword hits in
    ``text`` (code, best without docstrings and comments) wins.
    """
    snake_name = _snake(name)
    for category, pattern in _RULES:
        extra = _NAME_ONLY.get(category)
        if pattern.search(snake_name) or (extra is not None and extra.search(snake_name)):
            return category
    body = _snake(text)
    scores = [(len(_BODY_ONLY.get(category, pattern).findall(body)), category) for category, pattern in _RULES]
    best = max(score for score, _ in scores)
    return next(c for score, c in scores if score == best) if best else "other"


# --------------------------------------------------------------------------- detection

_WRAPS_NAMES = frozenset({"wraps", "update_wrapper", "wrap"})
_ABORT_NAMES = frozenset({"abort"})
_BUILTINS = frozenset(
    {
        "isinstance",
        "issubclass",
        "len",
        "getattr",
        "hasattr",
        "setattr",
        "str",
        "int",
        "bool",
        "type",
        "callable",
        "any",
        "all",
        "dict",
        "list",
        "set",
        "tuple",
        "super",
        "iter",
        "next",
        "print",
        "repr",
    }
)
_NOTABLE_CALL = re.compile(r"^(verify|check|require|validate|ensure|assert|authenticate|authori[sz]e|has_|is_|can_)")
_MAX_CHECKS = 8
#: Values a marker decorator sets on the function (``f.public = True``).
_MARK_VALUES = frozenset(
    {"true", "false", "none", "integer", "float", "string", "concatenated_string", "list", "tuple", "set", "dictionary"}
)


@dataclass
class DecoratorInfo:
    """A decorator found in a file: the outer definition and its innermost wrapper."""

    outer: Definition
    wrapper: Definition
    factory: bool
    wraps: bool
    wrapped: frozenset[str]  # parameter names holding the decorated function
    closure: frozenset[str] = frozenset()  # parameters of the outer layers (factory arguments)
    marks: tuple[str, ...] = ()  # marker decorators: ``f.attr = value`` texts, no wrapper


def _inner_defs(pf: ParsedFile, fn: Node) -> dict[str, Node]:
    return {pf.text(node.child_by_field_name("name")): node for node in nested_functions(fn)}


def _returned_def(pf: ParsedFile, fn: Node) -> Node | None:
    """An inner def of ``fn`` that ``fn`` returns (``return wrapper``, ``cast(F, wrapper)``,
    ``update_wrapper(wrapper, f)``, ``decorator(func)``)."""
    inner = _inner_defs(pf, fn)
    if not inner:
        return None
    for value in returned_values(fn):
        for ident in walk(value, frozenset({"identifier"})):
            found = inner.get(pf.text(ident))
            if found is not None:
                return found
    return None


def _is_static(pf: ParsedFile, d: Definition) -> bool:
    return any(pf.text(x).strip() == "@staticmethod" for x in d.decorators)


def _own_params(pf: ParsedFile, d: Definition) -> list[str]:
    names = [name for name, _ in parameters(pf, d.definition)]
    return names[1:] if d.parent_class and not _is_static(pf, d) else names


def _decorators_of(fn: Node) -> list[Node]:
    parent = fn.parent
    if parent is None or parent.type != "decorated_definition":
        return []
    return [c for c in parent.named_children if c.type == "decorator"]


def _uses_wraps(pf: ParsedFile, fn: Node) -> bool:
    for dec in _decorators_of(fn):
        if dotted_name(pf, decorator_expr(dec)).split(".")[-1] in _WRAPS_NAMES:
            return True
    return False


def _returns_wrapped(pf: ParsedFile, fn: Node) -> bool:
    """``return functools.update_wrapper(wrapper, f)`` / ``return wraps(f)(wrapper)``."""
    for value in returned_values(fn):
        for call in walk(value, frozenset({"call"})):
            name = dotted_name(pf, call.child_by_field_name("function"))
            if name.split(".")[-1] in _WRAPS_NAMES:
                return True
    return False


def _wraps_param(pf: ParsedFile, inner: Node, params: frozenset[str]) -> bool:
    """The inner def calls one of ``params`` (``f(...)``) or hands it on with ``*args``."""
    body = inner.child_by_field_name("body")
    if body is None or not params:
        return False
    for call in walk(body, frozenset({"call"})):
        function = unwrap(call.child_by_field_name("function"))
        if function is not None and function.type == "identifier" and pf.text(function) in params:
            return True
        pos, _ = call_args(call)
        splat = any(p.type in ("list_splat", "dictionary_splat") for p in pos)
        if splat and any(p.type == "identifier" and pf.text(p) in params for p in pos):
            return True
    return False


def _is_wrapper(pf: ParsedFile, outer: Node, inner: Node, params: frozenset[str]) -> bool:
    return bool(params) and (_uses_wraps(pf, inner) or _returns_wrapped(pf, outer) or _wraps_param(pf, inner, params))


def _definition(pf: ParsedFile, fn: Node, outer: Definition) -> Definition:
    decorated = fn.parent is not None and fn.parent.type == "decorated_definition"
    d = (as_definition(fn.parent) if decorated and fn.parent else None) or Definition(fn, fn, "", "", [])
    d.name = pf.text(fn.child_by_field_name("name"))
    d.qualname = f"{outer.qualname}.{d.name}"
    return d


def _marks(pf: ParsedFile, fn: Node, param: str) -> list[str]:
    """``param.attr = value`` and ``setattr(param, "attr", value)`` in ``fn`` (as text)."""
    body = fn.child_by_field_name("body")
    out: list[str] = []
    for node in own_nodes(body, frozenset({"assignment", "call"})) if body is not None else ():
        if node.type == "assignment":
            left, value = node.child_by_field_name("left"), node.child_by_field_name("right")
            target = left.child_by_field_name("object") if left and left.type == "attribute" else None
            if pf.text(target) == param and value is not None and value.type in _MARK_VALUES:
                out.append(compact(pf.text(node), 60))
        elif dotted_name(pf, node.child_by_field_name("function")) == "setattr":
            pos, _ = call_args(node)
            if len(pos) == 3 and pf.text(pos[0]) == param and pos[2].type in _MARK_VALUES:
                out.append(compact(pf.text(node), 60))
    return out


def _marker(pf: ParsedFile, d: Definition) -> DecoratorInfo | None:
    """``def side_effect_free(f): f.side_effect_free = True; return f`` (not methods)."""
    if d.parent_class and not _is_static(pf, d):
        return None
    params = _own_params(pf, d)
    returns = list(returned_values(d.definition))
    if len(params) != 1 or not returns:
        return None
    if any(r.type != "identifier" or pf.text(r) != params[0] for r in returns):
        return None
    marks = _marks(pf, d.definition, params[0])
    if not marks:
        return None
    return DecoratorInfo(d, d, False, False, frozenset(params), marks=tuple(marks))


def analyze(pf: ParsedFile, d: Definition) -> DecoratorInfo | None:
    """A :class:`DecoratorInfo` if ``d`` is a decorator, decorator factory or marker, else None."""
    if d.is_class:
        return None
    outer = d.definition
    inner = _returned_def(pf, outer)
    if inner is None:
        return _marker(pf, d)
    inner_params = frozenset(name for name, _ in parameters(pf, inner))
    deeper = _returned_def(pf, inner)
    if deeper is not None and _is_wrapper(pf, inner, deeper, inner_params):
        wraps = _uses_wraps(pf, deeper) or _returns_wrapped(pf, inner)
        params = frozenset(_own_params(pf, d))
        return DecoratorInfo(d, _definition(pf, deeper, d), True, wraps, inner_params, params)
    params = frozenset(_own_params(pf, d))
    if _is_wrapper(pf, outer, inner, params):
        wraps = _uses_wraps(pf, inner) or _returns_wrapped(pf, outer)
        return DecoratorInfo(d, _definition(pf, inner, d), False, wraps, params)
    return None


# --------------------------------------------------------------------------- description


def code_text(pf: ParsedFile, node: Node) -> str:
    """Source of ``node`` without comments and docstrings (what categorising should read)."""
    cut: list[tuple[int, int]] = []
    for n in walk(node, frozenset({"comment", "block"})):
        if n.type == "comment":
            cut.append((n.start_byte, n.end_byte))
            continue
        first = n.named_children[0] if n.named_children else None
        if (
            first is not None
            and first.type == "expression_statement"
            and n.parent is not None
            and n.parent.type in ("function_definition", "class_definition")
            and [c.type for c in first.named_children] == ["string"]
        ):
            cut.append((first.start_byte, first.end_byte))
    out, pos = [], node.start_byte
    for start, end in sorted(cut):
        if start >= pos:
            out.append(pf.source[pos:start])
            pos = end
    out.append(pf.source[pos : node.end_byte])
    return b"".join(out).decode("utf-8", errors="replace")


def _condition_names(pf: ParsedFile, cond: Node, skip: set[str]) -> Iterator[str]:
    """Dotted names tested in a condition: ``current_user.is_admin``, ``has_role``."""
    for node in walk(cond, frozenset({"attribute", "call", "identifier"})):
        parent = node.parent
        if _in_arguments(node, cond):
            continue
        if node.type == "call":
            name = dotted_name(pf, node.child_by_field_name("function"))
        elif parent is not None and parent.type in ("attribute", "call"):
            continue  # part of a longer chain or a callee: reported with it
        else:
            name = dotted_name(pf, node)
        root = name.split(".")[0]
        if name and root not in skip and name not in _BUILTINS:
            yield name


def _in_arguments(node: Node, top: Node) -> bool:
    parent = node.parent
    while parent is not None and parent != top:
        if parent.type in ("argument_list", "keyword_argument"):
            return True
        parent = parent.parent
    return False


def _checks(pf: ParsedFile, info: DecoratorInfo) -> list[str]:
    """Short notable items of the wrapper: tested names, verify/check calls, ``abort(403)``."""
    body = info.wrapper.definition.child_by_field_name("body")
    if body is None:
        return []
    skip = set(info.wrapped) | set(info.closure)
    skip |= {name for name, _ in parameters(pf, info.wrapper.definition)}
    skip |= {"args", "kwargs", "a", "k", "kw", "kws"}
    items: dict[str, None] = {}
    types = frozenset({"call", "if_statement", "elif_clause", "while_statement", "assert_statement"})
    for node in walk(body, types):
        if node.type == "call":
            name = dotted_name(pf, node.child_by_field_name("function"))
            last = name.split(".")[-1]
            if last in _ABORT_NAMES:
                items.setdefault(compact(pf.text(node), 40), None)
            elif name and name.split(".")[0] not in skip and _is_notable(last):
                items.setdefault(name, None)
            continue
        cond = node.named_children[0] if node.type == "assert_statement" else node.child_by_field_name("condition")
        for name in _condition_names(pf, cond, skip) if cond is not None else ():
            items.setdefault(name, None)
    return list(items)[:_MAX_CHECKS]


def _is_notable(name: str) -> bool:
    return bool(_NOTABLE_CALL.match(name)) or categorize(name) not in ("other", "error_handling")


def _calls_wrapped(pf: ParsedFile, node: Node, wrapped: frozenset[str]) -> bool:
    for call in walk(node, frozenset({"call"})):
        function = unwrap(call.child_by_field_name("function"))
        if function is not None and pf.text(function) in wrapped:
            return True
    return False


def _blocks(pf: ParsedFile, node: Node, wrapped: frozenset[str]) -> bool:
    """The branch stops the request: raise, abort/redirect, or return without calling ``f``."""
    for n in walk(node, frozenset({"raise_statement", "call", "return_statement"})):
        if n.type == "raise_statement":
            return True
        if n.type == "call":
            last = dotted_name(pf, n.child_by_field_name("function")).split(".")[-1]
            if last in _ABORT_NAMES or "redirect" in last:
                return True
        elif not _calls_wrapped(pf, n, wrapped):
            return True
    return False


def _guard(pf: ParsedFile, info: DecoratorInfo) -> str:
    """``unless current_user.is_admin`` / ``if not flaskbb_config["X"]`` for the first guard."""
    body = info.wrapper.definition.child_by_field_name("body")
    if body is None:
        return ""
    for if_node in walk(body, frozenset({"if_statement"})):
        cond, branch = (
            if_node.child_by_field_name("condition"),
            if_node.child_by_field_name("consequence"),
        )
        if cond is None or branch is None:
            continue
        negated = cond.type == "not_operator" and cond.child_by_field_name("argument") is not None
        text = compact(pf.text(cond.child_by_field_name("argument") if negated else cond), 60)
        blocks, passes = _blocks(pf, branch, info.wrapped), _calls_wrapped(pf, branch, info.wrapped)
        if blocks or passes:
            return f"unless {text}" if negated == blocks else f"if {text}"
    return ""


def _action(refs: dict[str, Any], calls: list[str]) -> str:
    """``aborts 403`` / ``raises Forbidden`` / ``redirects`` / ``returns {"error"} 401``."""
    parts: list[str] = []
    if refs["aborts"]:
        parts.append("aborts " + "/".join(str(a) for a in dict.fromkeys(refs["aborts"])))
    if refs["http_errors"]:
        codes = "/".join(str(a) for a in dict.fromkeys(refs["http_errors"]))
        parts.append(f"raises HTTPException {codes}")
    raised = [r for r in refs["raises"] if r.split(".")[-1] != "HTTPException"]
    if raised and not parts:
        parts.append("raises " + ", ".join(raised[:2]))
    if any("redirect" in c.split(".")[-1] for c in calls) and not parts:
        parts.append("redirects")
    if refs.get("response_shape") and not parts:
        status = refs.get("status")
        parts.append(f"returns {refs['response_shape']}" + (f" {status}" if status else ""))
    return ", ".join(parts)


def _summary(pf: ParsedFile, info: DecoratorInfo, meta: dict[str, Any]) -> str:
    head = f"decorator @{info.outer.name}{'(...)' if info.factory else ''} — {meta['category']}"
    action = " ".join(p for p in (_action(meta, meta["calls"]), _guard(pf, info)) if p)
    if info.marks:
        action = "sets " + "; ".join(info.marks[:2])
    if action:
        return f"{head}: {action}"
    if meta["checks"]:
        return f"{head}: {', '.join(meta['checks'][:3])}"
    doc = first_docline(pf, info.outer)
    return f"{head} — {doc}" if doc else head


def decorator_meta(pf: ParsedFile, info: DecoratorInfo) -> dict[str, Any]:
    """Meta of a ``decorator`` pattern (see the indexer contract)."""
    refs = body_refs(pf, info.wrapper)
    refs["calls"] = [c for c in refs["calls"] if c not in info.wrapped]
    d = info.outer
    meta: dict[str, Any] = {
        "factory": info.factory,
        "wraps": info.wraps,
        "async": info.wrapper.is_async,
        "wrapper": None if info.marks else info.wrapper.name,
        **refs,
        "checks": _checks(pf, info),
        "category": categorize(d.name, code_text(pf, d.node)),
        "signature": signature(pf, d),
        "decorators": [pf.text(x)[1:].strip() for x in d.decorators],
        **response_meta(returned_response(pf, info.wrapper.definition, error_only=True)),
    }
    if info.marks:
        meta["marks"] = list(info.marks)
    if d.parent_class:
        meta["class"] = d.parent_class
    if meta["category"] == "error_handling":
        meta["converts_errors"] = _converts_errors(pf, info.wrapper)
    return meta


def _converts_errors(pf: ParsedFile, wrapper: Definition) -> bool:
    """Whether the wrapper turns a caught exception into something else: an ``except`` clause
    that returns, aborts or raises another exception. One that only logs and re-raises
    (``except Exception: log.error(...); raise``) hands the error on unchanged."""
    body = wrapper.definition.child_by_field_name("body")
    return body is not None and any(
        c["returns"] or c["raises_new"] or any(n.rsplit(".", 1)[-1] in _ABORT_NAMES for n in c["calls"])
        for c in except_clauses(pf, body)
    )


def extract(pf: ParsedFile) -> FileExtract:
    out: list[Pattern] = []
    for d in pf.definitions():
        info = analyze(pf, d)
        if info is None:
            continue
        if d.name == "__call__" and d.parent_class:
            # a class whose instances decorate (``@prepolicy(check, request)``): named by the
            # class, which is what handlers write
            d.name = d.parent_class
            info.factory = True
        meta = decorator_meta(pf, info)
        out.append(
            Pattern(
                kind="decorator",
                name=d.name,
                qualname=d.qualname,
                path=pf.path,
                start_line=d.node.start_point[0] + 1,
                end_line=d.node.end_point[0] + 1,
                code=pf.code(d.node),
                summary=_summary(pf, info, meta),
                meta=meta,
            )
        )
    return FileExtract(patterns=out)
