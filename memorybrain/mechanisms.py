"""How a route is guarded, read from its stored metadata: the decorators and dependencies it
carries, which of them are auth, and the method names of class-based handlers that check
access. Shared by the linker (conventions), the pack (the checklist) and the symbols indexer;
plain ``re`` only, so the query path can import it without the indexing stack.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

#: A decorator or dependency whose name says it authenticates or authorises.
AUTH_RE = re.compile(
    r"auth|login|jwt|token|current_user|currentuser|user|permission|role|admin|require|protect"
    r"|authori|secur|verify|scope|session_user|owner|staff|superuser|api_key|apikey|bearer|has_access",
    re.I,
)
#: ... unless it limits, caches or hands out a session, a form or a schema.
NOT_AUTH_RE = re.compile(
    r"limit|throttl|rate|cache|db$|session$|^get_db|paginat|settings|form$|requestform|schema$|^permission_name$"
    r"|csrf|exempt",
    re.I,
)

#: Methods of a handler class that check access before it runs (``_check_access``,
#: ``require_login``, ``check_permissions``, ``can_access``): a request-handler framework's
#: hooks, short, and the very thing an auth convention points at.
ACCESS_CHECK_METHOD = re.compile(
    r"^_*(?:check|require|ensure|verify|enforce|assert)_?\w*?(?:access|auth|login|permission|perm|role|admin|user|owner)"
    r"\w*$|^_*(?:has|can)_\w*?(?:access|permission|perm)\w*$",
    re.I,
)


#: What a permission object is asked in a handler's body: ``Permissions.ADMIN.can()``,
#: ``with admin_permission.require(403):``.
_INPUT_CHECK_RE = re.compile(r"name|email|password|exists|unique|valid", re.I)
_ASKED = {"can", "require", "allows", "has_permission", "has_permissions", "has_role", "has_roles"}


def body_access_check(call: str) -> bool:
    """Whether a call in a handler's body checks access: ``check_access(...)``,
    ``current_user.has_permission(...)``, ``Permissions.ADMIN.can()``; not ``current_user.get_id()``."""
    obj, _, name = call.rpartition(".")
    # (``check_username(...)`` validates a new account's name: no access check)
    if ACCESS_CHECK_METHOD.match(name) and not NOT_AUTH_RE.search(name) and not _INPUT_CHECK_RE.search(name):
        return True
    return name in _ASKED and AUTH_RE.search(obj) is not None


def last_name(name: str) -> str:
    """``@auth.login_required(role="x")`` -> ``login_required``: the name a mechanism goes by."""
    return name.strip().lstrip("@").split("(", 1)[0].rsplit(".", 1)[-1]


def short_decorator(text: str, limit: int = 60) -> str:
    """One line; long argument lists shortened: ``@limiter.limit("3/minute", …)``."""
    text = " ".join(text.split()).replace("( ", "(").replace(" )", ")").replace(", )", ")")
    if len(text) <= limit or "(" not in text:
        return text
    head, _, args = text.partition("(")
    first = args.split(",", 1)[0].rstrip(")")
    return f"{head}({first}, …)" if len(head) + len(first) < limit else f"{head}(…)"


def route_mechanisms(meta: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, how it is written) for each decorator and dependency of a route."""
    out = []
    texts = meta.get("decorator_texts") or []
    for i, deco in enumerate(meta.get("decorators") or []):
        text = texts[i] if i < len(texts) else f"@{deco}"
        out.append((str(deco), short_decorator(str(text))))
    security = set(meta.get("security") or [])
    for dep in meta.get("dependencies") or []:
        out.append((str(dep), f"{'Security' if dep in security else 'Depends'}({dep})"))
    for guard in meta.get("hook_auth") or []:  # run by the blueprint's before_request hook
        hook = f"@{guard.get('router', 'bp')}.before_request"
        if guard.get("decorated"):
            text = f"{hook} @{guard['name']} def {guard.get('hook', 'hook')}()"
        elif guard.get("checked"):  # the hook's own body checks the credential and rejects
            text = f"{hook} def {guard.get('hook', 'hook')}()"
        else:
            text = f"{hook} def {guard.get('hook', 'hook')}(): {guard['name']}(...)"
        out.append((str(guard["name"]), text))
    return out


def auth_mechanisms(meta: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, how it is written) of the auth decorators and dependencies of a route (and the
    request hooks whose body checks auth, whatever their name)."""
    checked = {str(g["name"]) for g in meta.get("hook_auth") or [] if g.get("checked")}
    return [
        (name, text)
        for name, text in route_mechanisms(meta)
        if name in checked or (AUTH_RE.search(name) and not NOT_AUTH_RE.search(last_name(name)))
    ]


def tally_auth(routes: Iterable[tuple[str, dict[str, Any]]]) -> tuple[dict[str, set[str]], dict[str, Counter[str]]]:
    """For (id, metadata) of routes: each auth mechanism -> the routes that use it, and how
    often each way of writing it occurs."""
    users: dict[str, set[str]] = defaultdict(set)
    written: dict[str, Counter[str]] = defaultdict(Counter)
    for rid, meta in routes:
        for name, text in auth_mechanisms(meta):
            users[name].add(rid)
            written[name][text] += 1
    return users, written
