"""Whether a middleware (a Starlette/ASGI/WSGI class, an ``@app.middleware("http")`` function,
a Flask request hook) enforces authentication, read from what its code does.

A name is weak evidence (``AuthMiddleware`` may only log): a middleware authenticates when its
body both *checks a credential* (the ``Authorization`` header, an API key, a password, a
token, the session, ``current_user``) and *rejects* (401/403, an ``Unauthorized``-like
exception, a redirect to the login page), or when its name says auth and its body does one of
the two. CSRF protection checks a token and answers 403 too: it is no authentication.

Also read, when it is written plainly: the paths the middleware lets through unchecked (``if
request.url.path in {"/health", ...}: return await call_next(request)``), or the only paths
it guards (``if not path.startswith("/api"): return ...``), and the condition under which a
nested middleware is defined or a registration is made (``if settings.secure:``).

Pure functions of the parsed file; nothing is imported or run.
"""

from __future__ import annotations

import re
from typing import Any

from indexers.base import ParsedFile, call_args, dotted_name, literal_list, string_value, walk

Node = Any

#: How a middleware turns a request away: a 401/403 status, an auth exception, a redirect to log in.
_REJECT_RE = re.compile(
    r"\b40[13]\b|HTTP_40[13]_\w+|HTTPStatus\.(?:UNAUTHORIZED|FORBIDDEN)"
    r"|\b\w*(?:Unauthori[sz]ed|Forbidden|PermissionDenied|NotAuthenticated|AuthenticationFailed"
    r"|AuthenticationError|AuthError|AccessDenied|LoginRequired)\w*\b"
    r"|\bmake_\w*(?:auth|forbidden|unauthori[sz]ed)\w*\("
    r"|redirect\([^)\n]*login",
    re.I,
)
#: What a middleware checks that is a credential (code, not strings).
_CODE_CHECKS = (
    (re.compile(r"\brequest\.authorization\b|\bHTTPAuthorizationCredentials\b|\bHTTPBearer\b"), "Authorization header"),
    (re.compile(r"\b(?:request\.)?session\b(?!maker|_factory|local)", re.I), "session"),
    (re.compile(r"\bcurrent_user\b|\bis_authenticated\b|\brequest\.user\b|\bg\.user\b"), "logged-in user"),
    (re.compile(r"\bjwt\.decode\b|\bdecode_\w*token\b|\bverify_\w*token\b|\bvalidate_\w*token\b", re.I), "token"),
    (re.compile(r"\bapi_?key\b", re.I), "API key"),
    (re.compile(r"\bpassword\b|\bcheck_password\b", re.I), "password"),
    (re.compile(r"\bauthenticate\w*\(|\bverify_\w*(?:user|credential|auth)\w*\(", re.I), "credentials"),
)
#: A header or other string that names a credential.
_CRED_STRING_RE = re.compile(r"authori[sz]ation|api[-_]?key|token|passw|bearer|secret|x-[\w-]*auth|cookie", re.I)
#: A middleware whose name says it authenticates.
_AUTH_NAME_RE = re.compile(r"auth|login|password|passwd|token|jwt|api_?key|bearer|permission|credential", re.I)
#: ... and what is no authentication though it checks a token and answers 403.
_NOT_AUTH_NAME_RE = re.compile(r"csrf|xsrf|rate|limit|throttl|cors|cache", re.I)
#: A call that says a path is open to anyone (``is_unprotected_route(request.path)``).
_OPEN_CALL_RE = re.compile(r"public|unprotected|exempt|skip|whitelist|allowlist|anonymous|open|unauth|no_auth", re.I)
_PATH_EXPR_RE = re.compile(r"path|url|route|endpoint", re.I)
#: What a branch that lets a request through does: hand it on, or return nothing.
_PASS_RE = re.compile(r"call_next|self\.app\(|get_response\(|self\.wsgi_app\(|return\s*(?:None)?\s*$", re.M)
_MAX_PATHS = 12


def _code(pf: ParsedFile, node: Node) -> str:
    """The node's source less its comments."""
    text = pf.source[node.start_byte : node.end_byte]
    for c in sorted(walk(node, {"comment"}), key=lambda c: -c.start_byte):
        text = text[: c.start_byte - node.start_byte] + text[c.end_byte - node.start_byte :]
    return text.decode("utf-8", "replace")


def auth_evidence(
    pf: ParsedFile, node: Node, name: str, consts: dict[str, Node] | None = None
) -> dict[str, Any] | None:
    """What makes the middleware ``name`` (whose code is ``node``) an auth check, or None.

    ``{"rejects": [...], "checks": [...], "exempt": [...paths], "exempt_check": "...", "only": [...]}``
    (the last three when readable). ``consts``: the file's module-level and the class's own
    assignments, to read ``if path in PUBLIC_PATHS``."""
    if _NOT_AUTH_NAME_RE.search(name):
        return None
    code = _code(pf, node)
    csrf = re.search(r"csrf|xsrf", code, re.I) is not None
    rejects = list(dict.fromkeys(_reject_label(m.group(0)) for m in _REJECT_RE.finditer(code)))[:3]
    checks = [label for rx, label in _CODE_CHECKS if rx.search(code)]
    headers = _credential_strings(pf, node)
    if csrf:  # a CSRF token is no credential
        headers = [h for h in headers if not re.search(r"csrf|xsrf", h, re.I)]
        checks = [c for c in checks if c not in ("token", "session")]
    if headers:
        checks = [c for c in checks if c != "Authorization header"]
    checks = [*(f"`{h}` header" if "-" in h or h.lower() == "authorization" else f"`{h}`" for h in headers), *checks]
    checks = list(dict.fromkeys(checks))[:4]
    if csrf and not checks:  # it checks a CSRF token and nothing else
        return None
    named = _AUTH_NAME_RE.search(name) is not None
    if not ((rejects and checks) or (named and (rejects or checks))):
        return None
    out: dict[str, Any] = {"rejects": rejects, "checks": checks}
    out.update(_paths(pf, node, consts or {}))
    return out


def _reject_label(text: str) -> str:
    low = text.lower()
    if "401" in low or "unauthori" in low or "notauthenticated" in low or "authentication" in low:
        return "401"
    if "403" in low or "forbidden" in low or "permission" in low or "denied" in low:
        return "403"
    if low.startswith("redirect"):
        return "redirect to login"
    return text.rstrip("(")


def _credential_strings(pf: ParsedFile, node: Node) -> list[str]:
    """Header names read in ``node``: ``request.headers.get("X-API-Key")``, ``headers["Authorization"]``."""
    out: list[str] = []
    for n in walk(node, {"call", "subscript"}):
        if n.type == "call":
            fn = dotted_name(pf, n.child_by_field_name("function"))
            if not fn.endswith(("headers.get", "cookies.get", "session.get", "args.get", "query_params.get")):
                continue
            pos, _ = call_args(n)
            key = string_value(pf, pos[0]) if pos else None
        else:
            value = n.child_by_field_name("value")
            if value is None or not pf.text(value).endswith(("headers", "cookies", "session")):
                continue
            key = string_value(pf, n.child_by_field_name("subscript"))
        if key and _CRED_STRING_RE.search(key):
            out.append(key)
    return list(dict.fromkeys(out))


# --------------------------------------------------------------------------- paths


def _paths(pf: ParsedFile, node: Node, consts: dict[str, Node]) -> dict[str, Any]:
    """The paths an auth middleware lets through (``exempt``) or the only ones it guards (``only``)."""
    out: dict[str, Any] = {}
    for stmt in walk(node, {"if_statement"}):
        cond = stmt.child_by_field_name("condition")
        body = stmt.child_by_field_name("consequence")
        if cond is None or body is None:
            continue
        paths, negated, check = _path_test(pf, cond, consts)
        if not paths and not check:
            continue
        text = _code(pf, body)
        passes = _PASS_RE.search(text) is not None and not _REJECT_RE.search(text)
        key = "exempt" if passes != negated else "only"
        if paths:
            out.setdefault(key, [])
            out[key] = list(dict.fromkeys([*out[key], *paths]))[:_MAX_PATHS]
        if check and key == "exempt" and "exempt_check" not in out:
            out["exempt_check"] = check
    return out


def _path_test(pf: ParsedFile, cond: Node, consts: dict[str, Node]) -> tuple[list[str], bool, str | None]:
    """(paths, negated, a call that decides) from an ``if`` condition that tests the request path."""
    if cond.type == "parenthesized_expression" and cond.named_children:
        return _path_test(pf, cond.named_children[0], consts)
    if cond.type == "not_operator":
        arg = cond.child_by_field_name("argument")
        paths, neg, check = _path_test(pf, arg, consts) if arg is not None else ([], False, None)
        return paths, not neg, check
    if cond.type == "boolean_operator":
        found: list[str] = []
        neg, check = False, None
        for side in (cond.child_by_field_name("left"), cond.child_by_field_name("right")):
            if side is None:
                continue
            p, n, c = _path_test(pf, side, consts)
            if p or c:
                found += p
                neg, check = n, check or c
        return found, neg, check
    if cond.type == "comparison_operator":
        kids = cond.children
        if len(kids) != 3 or not _PATH_EXPR_RE.search(pf.text(kids[0])):
            return [], False, None
        op = pf.text(kids[1])
        op = " ".join(op.split())
        if op in ("in", "not in"):
            return _path_literals(pf, kids[2], consts), op == "not in", None
        if op in ("==", "!="):
            value = string_value(pf, kids[2])
            return ([value] if value and value.startswith("/") else []), op == "!=", None
        return [], False, None
    if cond.type == "call":
        fn = dotted_name(pf, cond.child_by_field_name("function"))
        pos, _ = call_args(cond)
        if fn.endswith(".startswith") and _PATH_EXPR_RE.search(fn) and pos:
            return [f"{p}*" for p in _path_literals(pf, pos[0], consts)], False, None
        args = " ".join(pf.text(p) for p in pos)
        if _OPEN_CALL_RE.search(fn.rsplit(".", 1)[-1]) and _PATH_EXPR_RE.search(args):
            return [], False, " ".join(pf.text(cond).split())[:80]
    return [], False, None


def _path_literals(pf: ParsedFile, node: Node, consts: dict[str, Node]) -> list[str]:
    """``{"/health", "/ready"}``, ``("/docs",)``, ``"/health"``, or a constant naming one of them."""
    name = pf.text(node).removeprefix("self.").removeprefix("cls.")
    if node.type in ("identifier", "attribute") and name in consts:
        node = consts[name]
    if node.type == "call":  # frozenset({...}), set([...]), tuple(...)
        pos, _ = call_args(node)
        node = pos[0] if pos else node
    out = []
    for item in literal_list(pf, node):
        value = string_value(pf, item)
        if value and value.startswith("/"):
            out.append(value)
    return out


# --------------------------------------------------------------------------- conditions


def enclosing_condition(pf: ParsedFile, node: Node) -> str | None:
    """The condition of the nearest ``if`` around ``node`` within its function (``else`` as
    ``not (...)``), shortened; None when it is unconditional."""
    child, parent = node, node.parent
    while parent is not None and parent.type not in ("function_definition", "class_definition", "module"):
        if parent.type in ("if_statement", "elif_clause") and child != parent.child_by_field_name("condition"):
            cond = parent.child_by_field_name("condition")
            text = " ".join(pf.text(cond).split()) if cond is not None else "?"
            return _short(text)
        if parent.type == "else_clause" and parent.parent is not None and parent.parent.type == "if_statement":
            cond = parent.parent.child_by_field_name("condition")
            return _short(f"not ({' '.join(pf.text(cond).split())})") if cond is not None else None
        child, parent = parent, parent.parent
    return None


def _short(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
