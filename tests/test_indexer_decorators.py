"""indexers.decorators: project decorators, factories, checks and categories."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest

from indexers import decorators, extract_python
from indexers.base import ParsedFile
from memorybrain.models import FileExtract, Pattern


def run(source: str, path: str = "app/decorators.py") -> FileExtract:
    return decorators.extract(ParsedFile.parse(path, textwrap.dedent(source).encode()))


def by_name(fe: FileExtract) -> dict[str, Pattern]:
    return {p.qualname: p for p in fe.patterns}


def pick(p: Pattern, *keys: str) -> dict[str, Any]:
    return {k: p.meta.get(k) for k in keys}


SOURCE = """
import functools
from functools import wraps

from flask import abort, g, redirect, url_for
from flask_jwt_extended import verify_jwt_in_request
from flask_login import current_user


def admin_required(f):
    \"\"\"Only admins may pass.\"\"\"

    @wraps(f)
    def decorated(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return f(*args, **kwargs)

    return decorated


def rate_limit(limit, per=60):
    def decorator(fn):
        @functools.wraps(fn)
        async def wrapper(*args, **kwargs):
            if limiter.hit(limit, per):
                raise TooManyRequests()
            return await fn(*args, **kwargs)

        return wrapper

    return decorator


def jwt_required():
    def decorator(fn):
        def inner(*a, **kw):
            verify_jwt_in_request()
            return fn(*a, **kw)

        return inner

    return decorator


def transactional(f):
    def wrapper(*args, **kwargs):
        try:
            result = f(*args, **kwargs)
            db.session.commit()
            return result
        except Exception:
            db.session.rollback()
            raise

    return functools.update_wrapper(wrapper, f)


def login_required(view):
    @wraps(view)
    def wrapped(**kw):
        if g.user is None:
            return redirect(url_for("auth.login"))
        return view(**kw)

    return wrapped


def make_handler(name):
    def handler(request):
        return do(name)

    return handler


def endpoint(func=None, *, retries=None):
    def decorator(func):
        @wraps(func)
        def inner(*a, **k):
            return func(*a, **k)

        return inner

    if func is None:
        return decorator
    return decorator(func)


def not_a_decorator(x):
    return x + 1


class Guards:
    @staticmethod
    def cached(f):
        def w(*a):
            return f(*a)

        return w

    def api_key_required(self, f):
        @wraps(f)
        def w(*a, **k):
            if request.headers.get("X-Api-Key") != self.key:
                return {"error": "unauthorized"}, 401
            return f(*a, **k)

        return w
"""


@pytest.fixture(scope="module")
def found() -> dict[str, Pattern]:
    return by_name(run(SOURCE))


def test_detects_decorators_and_factories_only(found: dict[str, Pattern]) -> None:
    assert list(found) == [
        "admin_required",
        "rate_limit",
        "jwt_required",
        "transactional",
        "login_required",
        "endpoint",
        "Guards.cached",
        "Guards.api_key_required",
    ]
    assert all(p.kind == "decorator" for p in found.values())


def test_plain_decorator_meta_and_summary(found: dict[str, Pattern]) -> None:
    p = found["admin_required"]
    assert pick(p, "factory", "wraps", "async", "wrapper", "category") == {
        "factory": False,
        "wraps": True,
        "async": False,
        "wrapper": "decorated",
        "category": "permission",
    }
    assert pick(p, "calls", "raises", "aborts", "http_errors", "checks") == {
        "calls": ["abort"],
        "raises": [],
        "aborts": [403],
        "http_errors": [],
        "checks": ["current_user.is_admin", "abort(403)"],
    }
    assert p.summary == ("decorator @admin_required — permission: aborts 403 unless current_user.is_admin")
    assert (p.start_line, p.end_line) == (10, 19)
    assert p.code.startswith("def admin_required(f):")


def test_factory_with_async_wrapper(found: dict[str, Pattern]) -> None:
    p = found["rate_limit"]
    assert pick(p, "factory", "wraps", "async", "wrapper", "category", "raises", "checks") == {
        "factory": True,
        "wraps": True,
        "async": True,
        "wrapper": "wrapper",
        "category": "rate_limit",
        "raises": ["TooManyRequests"],
        "checks": ["limiter.hit"],
    }
    assert p.summary == ("decorator @rate_limit(...) — rate_limit: raises TooManyRequests if limiter.hit(limit, per)")


def test_wraps_detection(found: dict[str, Pattern]) -> None:
    assert found["jwt_required"].meta["wraps"] is False
    assert found["jwt_required"].meta["factory"] is True
    assert found["transactional"].meta["wraps"] is True  # functools.update_wrapper
    assert found["Guards.cached"].meta["wraps"] is False


def test_checks_and_categories(found: dict[str, Pattern]) -> None:
    assert pick(found["jwt_required"], "category", "checks", "calls") == {
        "category": "auth",
        "checks": ["verify_jwt_in_request"],
        "calls": ["verify_jwt_in_request"],
    }
    assert found["jwt_required"].summary == ("decorator @jwt_required(...) — auth: verify_jwt_in_request")
    assert pick(found["transactional"], "category", "checks") == {
        "category": "transaction",
        "checks": ["db.session.commit", "db.session.rollback"],
    }
    assert found["login_required"].summary == ("decorator @login_required — auth: redirects if g.user is None")
    assert found["Guards.cached"].meta["category"] == "cache"


def test_optional_argument_decorator_is_a_factory(found: dict[str, Pattern]) -> None:
    p = found["endpoint"]
    assert pick(p, "factory", "wraps", "wrapper", "category") == {
        "factory": True,
        "wraps": True,
        "wrapper": "inner",
        "category": "other",
    }
    assert p.summary == "decorator @endpoint(...) — other"


def test_method_decorators_and_error_response(found: dict[str, Pattern]) -> None:
    p = found["Guards.api_key_required"]
    assert pick(p, "class", "category", "response_shape", "status") == {
        "class": "Guards",
        "category": "auth",
        "response_shape": '{"error"}',
        "status": 401,
    }
    assert p.summary == (
        'decorator @api_key_required — auth: returns {"error"} 401 if request.headers.get("X-Api-Key") != self.key'
    )


def test_decorator_wins_over_function_fallback() -> None:
    fe = extract_python("app/decorators.py", textwrap.dedent(SOURCE).encode())
    kinds = {p.qualname: p.kind for p in fe.patterns}
    assert kinds["admin_required"] == "decorator"
    assert kinds["make_handler"] == "function"
    assert kinds["not_a_decorator"] == "function"
    for p in fe.patterns:
        json.dumps(p.meta)


def test_syntax_errors_keep_what_parses() -> None:
    fe = run(
        """
        def broken(:
            pass

        def owner_required(f):
            @wraps(f)
            def w(*a, **k):
                if not is_owner(current_user):
                    abort(404)
                return f(*a, **k)
            return w
        """
    )
    assert list(by_name(fe)) == ["owner_required"]
    assert by_name(fe)["owner_required"].meta["category"] == "permission"
    assert run("def f(:\n  def g(\n  return g").patterns == []


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("admin_required", "", "permission"),
        ("login_required", "", "auth"),
        ("jwt_required", "", "auth"),
        ("get_current_user", "", "auth"),
        ("get_current_active_superuser", "", "permission"),
        ("get_current_active_user", "", "auth"),
        ("csrf_protect", "", "auth"),
        ("protect", "", "auth"),  # Flask-AppBuilder: JWT/session auth, then the permission
        ("has_access", "", "permission"),
        ("has_access_api", "", "permission"),
        ("protected_branch", "", "other"),
        ("requires_roles", "", "permission"),
        ("RoleChecker", "", "permission"),
        ("has_permission", "", "permission"),
        ("rate_limit", "", "rate_limit"),
        ("throttle", "", "rate_limit"),
        ("with_transaction", "", "transaction"),
        ("get_db", "", "transaction"),
        ("db_session", "", "transaction"),
        ("cached_view", "", "cache"),
        ("validate_json", "", "validation"),
        ("use_schema", "", "validation"),
        ("handle_errors", "", "error_handling"),
        ("generate_report", "", "other"),
        ("moderate", "", "other"),
        ("permanent", "", "other"),
        ("wrapper", "if not current_user.is_authenticated: abort(401)", "auth"),
        ("wrapper", "session.commit()\nsession.rollback()", "transaction"),
        ("wrapper", "try:\n    return f()\nexcept ValueError:\n    abort(400)", "error_handling"),
        ("wrapper", "return f()", "other"),
    ],
)
def test_categorize(name: str, text: str, expected: str) -> None:
    assert decorators.categorize(name, text) == expected
    assert expected in decorators.CATEGORIES


def test_categorize_ignores_docstrings_and_comments() -> None:
    pf = ParsedFile.parse(
        "a.py",
        b'def change_config(key):\n    """This allows admin users."""\n    # permission note\n    return key\n',
    )
    text = decorators.code_text(pf, pf.root)
    assert text == "def change_config(key):\n    \n    \n    return key\n"
    assert decorators.categorize("change_config", text) == "other"


def test_guard_wording_follows_the_branch() -> None:
    fe = run(
        """
        def staff_only(f):
            @wraps(f)
            def w(*a, **k):
                if not g.user or g.user.banned:
                    raise Forbidden()
                return f(*a, **k)
            return w

        def members_only(f):
            @wraps(f)
            def w(*a, **k):
                if not g.member:
                    return f(*a, **k)
                abort(401)
            return w
        """
    )
    assert by_name(fe)["staff_only"].summary == (
        "decorator @staff_only — permission: raises Forbidden if not g.user or g.user.banned"
    )
    assert by_name(fe)["members_only"].summary == "decorator @members_only — other: aborts 401 if g.member"


def test_marker_decorators_set_attributes() -> None:
    fe = run(
        """
        def side_effect_free(action):
            '''Mark an action as callable with GET.'''
            action.side_effect_free = True
            return action

        def public(view):
            setattr(view, "is_public", True)
            return view

        def touch(obj):
            obj.updated = now()
            return obj

        class Form:
            def update(self, project):
                project.name = "x"
                return project
        """
    )
    assert list(by_name(fe)) == ["side_effect_free", "public"]
    p = by_name(fe)["side_effect_free"]
    assert pick(p, "factory", "wraps", "wrapper", "marks", "category") == {
        "factory": False,
        "wraps": False,
        "wrapper": None,
        "marks": ["action.side_effect_free = True"],
        "category": "other",
    }
    assert p.summary == "decorator @side_effect_free — other: sets action.side_effect_free = True"
    assert by_name(fe)["public"].meta["marks"] == ['setattr(view, "is_public", True)']


def test_a_class_whose_instances_decorate_is_named_by_the_class() -> None:
    """privacyidea: ``class prepolicy`` with ``__call__(self, wrapped_function)``, written
    ``@prepolicy(check_token_action, request)`` on 196 routes, was stored as ``@__call__``."""
    from indexers import extract_python

    source = textwrap.dedent(
        """
        import functools
        class prepolicy(object):
            def __init__(self, function, request, action=None):
                self.function = function
                self.request = request
            def __call__(self, wrapped_function):
                @functools.wraps(wrapped_function)
                def policy_wrapper(*args, **kwds):
                    self.function(self.request)
                    return wrapped_function(*args, **kwds)
                return policy_wrapper
        """
    )
    fe = extract_python("app/lib/prepolicy.py", source.encode())
    (deco,) = [p for p in fe.patterns if p.kind == "decorator"]
    assert (deco.name, deco.qualname, deco.meta["factory"]) == ("prepolicy", "prepolicy.__call__", True)
    assert deco.summary.startswith("decorator @prepolicy(...)")


def test_an_error_decorator_that_only_logs_and_reraises_converts_nothing() -> None:
    """privacyidea's ``@log_with`` catches ``Exception`` to log it and raises it again: it is
    no "turns exceptions into HTTP error responses" decorator; one that returns does convert."""
    source = textwrap.dedent(
        """
        import functools

        def log_errors(func):
            @functools.wraps(func)
            def wrapper(*args, **kwargs):
                try:
                    return func(*args, **kwargs)
                except Exception as exc:
                    log.error("failed: %s", exc)
                    raise
            return wrapper

        def handle_errors(func):
            @functools.wraps(func)
            def wrapper(*args, **kwargs):
                try:
                    return func(*args, **kwargs)
                except ValueError as exc:
                    return jsonify(error=str(exc)), 400
            return wrapper
        """
    )
    found = by_name(run(source))
    assert found["log_errors"].meta["category"] == "error_handling"
    assert found["log_errors"].meta["converts_errors"] is False
    assert found["handle_errors"].meta["converts_errors"] is True
