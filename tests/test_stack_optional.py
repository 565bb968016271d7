"""Stack facts and optional libraries: guarded imports, development extras, backends, and the
auth/permission libraries of the table (found on mayan-edms and pretalx)."""

from __future__ import annotations

import textwrap
from dataclasses import replace

import pytest

from indexers.base import ParsedFile
from indexers.imports import extract
from indexers.stack import _dev_extra_name, extract_facts, facts_from_imports, lookup, merge_facts
from memorybrain import Brain
from memorybrain.embeddings import HashingEncoder
from memorybrain.models import Fact


def _imports(source: str) -> dict[str, bool]:
    pf = ParsedFile.parse("m.py", textwrap.dedent(source).encode())
    return {str(i["module"]): bool(i.get("guarded")) for i in extract(pf).meta["imports"]}


def _imported(category: str, name: str, path: str, extra: str = "") -> Fact:
    return Fact(category, name, None, path, 0, f"imported in 1 file, e.g. {path}{extra}")


def _declared(category: str, name: str, requirement: str, line: int = 10) -> Fact:
    return Fact(category, name, None, "app-1.0.dist-info/METADATA", line, requirement)


# --- guarded imports --------------------------------------------------------------------


def test_imports_guarded_against_a_missing_module_are_marked() -> None:
    got = _imports(
        """\
        import os
        try:
            from allauth.account.adapter import DefaultAccountAdapter
        except ImportError:
            print("requires django-allauth")
            raise
        try:
            import ujson as json
        except (ValueError, ModuleNotFoundError):
            import simplejson
        try:
            import settings_local
        except Exception:
            pass
        with suppress(ImportError):
            from drf_spectacular.utils import extend_schema
        with contextlib.suppress(ImportError):
            import yaml
        with open("f"):
            import csv
        try:
            def later():
                import redis
        except ImportError:
            pass
        def lazy():
            try:
                import lxml
            except ImportError:
                lxml = None
        """
    )
    assert got == {
        "os": False,
        "allauth.account.adapter": True,  # even though the except clause re-raises
        "ujson": True,
        "simplejson": False,  # the fallback runs where the guarded one is missing
        "settings_local": False,  # except Exception is no import guard
        "drf_spectacular.utils": True,
        "yaml": True,
        "csv": False,
        "redis": False,  # a function body runs when called, outside the try
        "lxml": True,
    }


def test_a_guarded_import_alone_makes_no_stack_fact_a_declared_one_stays(tmp_path) -> None:
    """mayan-edms: ``try: from allauth... except ImportError`` in an optional adapter gave
    "auth: django-allauth", which it does not depend on."""
    root = tmp_path / "proj"
    (root / "app.dist-info").mkdir(parents=True)
    (root / "app.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: app\nRequires-Dist: django==5.2\nRequires-Dist: pyotp==2.9.0\n"
    )
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "adapter.py").write_text(
        "try:\n    from allauth.account.adapter import DefaultAccountAdapter\nexcept ImportError:\n    raise\n"
        "from django.contrib import messages\n"
    )
    (root / "app" / "otp.py").write_text("try:\n    import pyotp\nexcept ImportError:\n    pyotp = None\n")
    (root / "app" / "lock.py").write_text(
        "from contextlib import suppress\n\nwith suppress(ImportError):\n    import redis\n"
        "try:\n    import jwt\nexcept ImportError:\n    jwt = None\n"
    )
    (root / "app" / "tokens.py").write_text("import jwt\n")
    brain = Brain.open(root, encoder=HashingEncoder(64))
    brain.index()
    got = {(f.category, f.name): f for f in brain.facts()}
    assert ("auth", "django-allauth") not in got
    assert ("database", "redis-py") not in got
    assert got[("auth", "PyOTP")].value == "2.9.0"  # declared: a fact, guard or not
    assert got[("framework", "Django")].value == "5.2"
    # imported plainly in one file and guarded in another: the plain import is the evidence
    jwt = got[("auth", "PyJWT")]
    assert (jwt.source_path, jwt.source_line) == ("app/tokens.py", 1)
    assert "imported in 1 file," in jwt.evidence


# --- extras for development work --------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "dev"),
    [
        ("devdocs", True),
        ("docs", True),
        ("doc", True),
        ("dev", True),
        ("dev-docs", True),
        ("test", True),
        ("tests", True),
        ("testing", True),
        ("test_utils", True),
        ("lint", True),
        ("typing", True),
        ("mypy", True),
        ("postgres", False),
        ("redis", False),
        ("ldap", False),
        ("docker", False),
        ("devices", False),
        ("server", False),
        ("all", False),
        ("connectors-azure", False),
    ],
)
def test_extras_for_development_work(extra: str, dev: bool) -> None:
    assert _dev_extra_name(extra) is dev


def test_a_library_only_a_docs_extra_declares_is_no_stack_even_where_imported() -> None:
    """pretalx: ``drf-spectacular~=0.29.0; extra == "devdocs"``, imported under
    ``with suppress(ImportError)`` and by the docs build command; runtime extras stay."""
    text = textwrap.dedent(
        """\
        Metadata-Version: 2.1
        Name: app
        Requires-Dist: Django~=5.2
        Requires-Dist: pytest; extra == "dev"
        Requires-Dist: drf-spectacular~=0.29.0; extra == "devdocs"
        Requires-Dist: pydantic>=2; extra == "tests"
        Requires-Dist: psycopg2-binary~=2.9.0; extra == "postgres"
        Requires-Dist: redis~=7.1.0; extra == "redis"
        Requires-Dist: django-auth-ldap>=4; extra == "ldap"
        """
    )
    declared = extract_facts("app-1.0.dist-info/METADATA", text)
    used = [
        _imported("framework", "Django", "app/views.py"),
        _imported("orm", "Django ORM", "app/views.py"),
        _imported("other", "drf-spectacular (OpenAPI)", "app/management/commands/spectacular.py"),
        _imported("validation", "Pydantic", "app/schemas.py"),
        _imported("auth", "django-auth-ldap", "app/auth.py"),
    ]
    # test settings that install it (INSTALLED_APPS.append("drf_spectacular")) are test code
    test_settings = Fact(
        "other",
        "drf-spectacular (OpenAPI)",
        None,
        "app/common/settings/test_settings.py",
        0,
        "INSTALLED_APPS / REST_FRAMEWORK in settings",
    )
    assert [(f.category, f.name) for f in merge_facts(declared + used + [test_settings])] == [
        ("framework", "Django"),
        ("orm", "Django ORM"),
        ("database", "psycopg2"),
        ("database", "redis-py"),
        ("auth", "django-auth-ldap"),
        ("testing", "pytest"),  # the project's test runner is its testing stack
    ]
    # the app's own settings installing it unconditionally make it what the app runs on
    settings = replace(test_settings, source_path="app/settings.py", source_line=40)
    assert ("other", "drf-spectacular (OpenAPI)") in {(f.category, f.name) for f in merge_facts(declared + [settings])}


# --- backends ---------------------------------------------------------------------------


def test_a_library_only_backend_modules_import_needs_a_declaration() -> None:
    """mayan-edms: redis-py came from its Redis lock backend and Redis event-stream backend
    (``import redis`` in ``lock_manager/backends/redis_lock.py``); it does not depend on it."""
    files = {
        "app/locks/backends/__init__.py": [],
        "app/locks/backends/base.py": [],
        "app/locks/backends/file_lock.py": [],
        "app/locks/backends/redis_lock.py": ["redis"],
        "app/events/sse_backends/__init__.py": [],
        "app/events/sse_backends/memory.py": [],
        "app/events/sse_backends/redis.py": ["redis", "celery"],
        "app/tasks.py": ["celery"],
        "app/auth/backends/__init__.py": [],
        "app/auth/backends/ldap.py": ["django_auth_ldap"],
        "app/auth/backends/oidc.py": ["mozilla_django_oidc"],
    }
    imported = facts_from_imports(files)
    redis = next(f for f in imported if f.name == "redis-py")
    assert redis.evidence == "imported in 2 files, e.g. app/events/sse_backends/redis.py (only in backend modules)"
    assert [f.name for f in merge_facts(imported)] == ["Celery"]
    declared = [
        _declared("database", "redis-py", "redis~=7.1.0; extra == 'redis'"),
        _declared("auth", "django-auth-ldap", "django-auth-ldap==5.3.0", 11),
    ]
    assert [f.name for f in merge_facts(imported + declared)] == ["redis-py", "django-auth-ldap", "Celery"]
    # one module alone in a backends folder is no choice between backends
    lone = facts_from_imports({"app/backends/__init__.py": [], "app/backends/store.py": ["redis"]})
    assert [f.name for f in merge_facts(lone)] == ["redis-py"]


# --- auth and permission libraries -------------------------------------------------------


@pytest.mark.parametrize(
    ("package", "module", "name"),
    [
        ("django-auth-ldap", "django_auth_ldap", "django-auth-ldap"),
        ("django-axes", "axes", "django-axes (login lockout)"),
        ("mozilla-django-oidc", "mozilla_django_oidc", "mozilla-django-oidc"),
        ("pyotp", "pyotp", "PyOTP"),
        ("rules", "rules", "django-rules (permissions)"),
        ("django-guardian", "guardian", "django-guardian"),
        ("django-oauth-toolkit", "oauth2_provider", "Django OAuth Toolkit"),
        ("djangorestframework-simplejwt", "rest_framework_simplejwt", "Simple JWT"),
        ("dj-rest-auth", "dj_rest_auth", "dj-rest-auth"),
        ("django-allauth", "allauth", "django-allauth"),
        ("social-auth-app-django", "social_django", "Python Social Auth"),
        ("social-auth-core", "social_core", "Python Social Auth"),
        ("django-otp", "django_otp", "django-otp"),
        ("django-two-factor-auth", "two_factor", "django-two-factor-auth"),
        ("djangosaml2", "djangosaml2", "djangosaml2"),
        ("python3-saml", "onelogin", "python3-saml"),
        ("webauthn", "webauthn", "py_webauthn"),
        ("authlib", "authlib", "Authlib"),
        ("casbin", "casbin", "PyCasbin"),
        ("django-role-permissions", "rolepermissions", "django-role-permissions"),
    ],
)
def test_auth_and_permission_libraries(package: str, module: str, name: str) -> None:
    assert lookup(package) == [("auth", name)]
    assert [(f.category, f.name) for f in facts_from_imports({"app/security.py": [module]})] == [("auth", name)]


def test_django_axes_with_extras_is_declared() -> None:
    """mayan-edms: ``Requires-Dist: django-axes[ipware]==8.3.1``."""
    text = "Metadata-Version: 2.1\nName: app\nRequires-Dist: django-axes[ipware]==8.3.1\nRequires-Dist: pyotp==2.9.0\n"
    assert [(f.name, f.value, f.source_line) for f in extract_facts("app.dist-info/METADATA", text)] == [
        ("django-axes (login lockout)", "8.3.1", 3),
        ("PyOTP", "2.9.0", 4),
    ]


def test_an_import_of_rules_alone_is_not_django_rules() -> None:
    """``import rules`` is as likely a project's own rules.py (run with its folder on the
    path) as django-rules: it needs a declaration."""
    use = _imported("auth", "django-rules (permissions)", "app/person/rules.py")
    assert merge_facts([use]) == []
    declared = _declared("auth", "django-rules (permissions)", "rules==3.5")
    (merged,) = merge_facts([declared, use])
    assert merged.source_path == "app-1.0.dist-info/METADATA"
    assert merged.evidence == "rules==3.5; imported in 1 file, e.g. app/person/rules.py"


def test_a_project_package_named_like_a_library_is_not_the_library(tmp_path) -> None:
    """A top-level ``rules`` package of the project itself is no django-rules."""
    root = tmp_path / "proj"
    (root / "rules").mkdir(parents=True)
    (root / "rules" / "__init__.py").write_text("")
    (root / "rules" / "checks.py").write_text("def allowed(user):\n    return True\n")
    (root / "views.py").write_text("from rules.checks import allowed\nimport pyotp\n")
    brain = Brain.open(root, encoder=HashingEncoder(64))
    brain.index()
    assert {(f.category, f.name) for f in brain.facts()} == {("auth", "PyOTP")}
