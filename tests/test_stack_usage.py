"""Stack facts need the code's use: a declaration alone, vendored copies, tests and migrations
are no evidence of what the project builds on (found on ethyca-fides, galaxy-ng, OctoPrint,
letta and ephios)."""

from __future__ import annotations

import textwrap

from indexers.stack import extract_facts, facts_from_imports, merge_facts
from memorybrain import Brain
from memorybrain.config import Config
from memorybrain.embeddings import HashingEncoder
from memorybrain.models import Fact
from memorybrain.paths import is_migration_path, is_vendored_dir, vendored_paths
from memorybrain.walk import Skip, SourceFile, walk_project


def _metadata(*requires: str) -> list[Fact]:
    text = "Metadata-Version: 2.1\nName: app\n" + "".join(f"Requires-Dist: {r}\n" for r in requires)
    return extract_facts("app-1.0.dist-info/METADATA", text)


def _names(facts: list[Fact]) -> list[tuple[str, str]]:
    return [(f.category, f.name) for f in facts]


def _write(root, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


# --- declared but never imported ---------------------------------------------------------


def test_a_declared_framework_the_code_never_imports_is_not_its_framework() -> None:
    """ethyca-fides: ``Requires-Dist: tornado~=6.5.2`` made "framework: Tornado" in a FastAPI
    app that never imports tornado; passlib[bcrypt] likewise (it calls bcrypt itself)."""
    declared = _metadata("fastapi==0.123.3", "tornado~=6.5.2", "passlib[bcrypt]==1.7.4", "sqlmodel>=0.0.16")
    imported = facts_from_imports({"app/main.py": ["fastapi", "bcrypt", "sqlalchemy"]})
    assert _names(merge_facts(declared + imported)) == [
        ("framework", "FastAPI"),
        ("orm", "SQLAlchemy"),
        ("auth", "bcrypt"),
    ]
    # without imports (metadata alone) nothing is known of use: declarations stay
    assert ("framework", "Tornado") in _names(merge_facts(declared))


def test_a_declared_framework_stays_where_the_indexed_code_shows_no_framework() -> None:
    """An index of part of a project (include globs on its models): the declaration is the
    best evidence of its framework there is; other unused declarations still go."""
    declared = _metadata("fastapi>=0.110", "celery>=5")
    imported = facts_from_imports({"app/models.py": ["sqlalchemy"]})
    assert _names(merge_facts(declared + imported)) == [("framework", "FastAPI"), ("orm", "SQLAlchemy")]


def test_a_library_another_one_in_use_loads_is_kept() -> None:
    """OctoPrint: argon2-cffi is declared and never imported; passlib's argon2 hasher loads it.
    A Flask-AppBuilder API checks Flask-JWT-Extended tokens, whose PyJWT pin is no stack."""
    declared = _metadata("argon2-cffi>=23.1.0", "passlib==1.7.4")
    imported = facts_from_imports({"app/users.py": ["passlib", "flask"]})
    assert ("auth", "argon2-cffi") in _names(merge_facts(declared + imported))
    assert ("auth", "argon2-cffi") not in _names(merge_facts(declared + facts_from_imports({"a.py": ["flask"]})))
    fab = _metadata("Flask-AppBuilder==4.5.3", "Flask-JWT-Extended==4.6.0", "PyJWT==2.9.0")
    names = _names(merge_facts(fab + facts_from_imports({"app/api.py": ["flask_appbuilder"]})))
    assert ("auth", "Flask-JWT-Extended") in names
    assert ("auth", "PyJWT") not in names


def test_a_library_configured_in_settings_is_used_without_an_import() -> None:
    """Django apps named in INSTALLED_APPS are used by Django, imported or not."""
    declared = _metadata("django==5.2", "django-guardian>=3")
    imported = facts_from_imports({"app/views.py": ["django"]})
    settings = Fact(
        "auth", "django-guardian", None, "app/settings.py", 30, "INSTALLED_APPS / REST_FRAMEWORK in settings"
    )
    assert ("auth", "django-guardian") not in _names(merge_facts(declared + imported))
    assert ("auth", "django-guardian") in _names(merge_facts(declared + imported + [settings]))


# --- tests and migrations ----------------------------------------------------------------


def test_imports_in_tests_and_migrations_are_evidence_only_for_their_tools() -> None:
    """galaxy-ng: ``from guardian...`` in one test of an old data migration made
    "auth: django-guardian"; the project does not use it."""
    files = {
        "app/tests/unit/migrations/test_0029_move_perms.py": ["guardian", "pytest", "django"],
        "app/migrations/0029_move_perms.py": ["guardian", "django"],
        "app/alembic/versions/0001_init.py": ["alembic", "sqlalchemy"],
        "app/views.py": ["django"],
    }
    facts = {(f.category, f.name): f for f in facts_from_imports(files)}
    assert ("auth", "django-guardian") not in facts
    assert ("orm", "SQLAlchemy") not in facts
    assert facts[("migrations", "Alembic")].source_path == "app/alembic/versions/0001_init.py"
    assert facts[("testing", "pytest")].evidence == (
        "imported in 1 file, e.g. app/tests/unit/migrations/test_0029_move_perms.py"
    )
    assert facts[("framework", "Django")].evidence == "imported in 1 file, e.g. app/views.py"


def test_migration_paths() -> None:
    assert is_migration_path("app/migrations/0001_initial.py")
    assert is_migration_path("app/alembic/versions/abc_add.py")
    assert is_migration_path("db/migrations/versions/abc_add.py")
    assert not is_migration_path("app/versions/api.py")
    assert not is_migration_path("app/migrations.py")


# --- vendored code ------------------------------------------------------------------------


def test_vendored_folders() -> None:
    assert is_vendored_dir("_vendor", ["__init__.py", "automated_logging"])
    assert is_vendored_dir("vendor", ["__init__.py", "flask_principal.py", "sockjs"])
    assert not is_vendored_dir("vendor", ["__init__.py", "models.py", "views.py", "apps.py"])  # a marketplace app
    assert not is_vendored_dir("third_party", ["__init__.py"])  # fides: its own schemas
    paths = ["app/_vendor/logs/models.py", "app/vendor/flask_principal.py", "shop/vendor/models.py", "app/x.py"]
    assert vendored_paths(paths) == {"app/_vendor/logs/models.py", "app/vendor/flask_principal.py"}


def test_vendored_imports_are_no_evidence_and_a_vendored_copy_in_use_is_said_so() -> None:
    """galaxy-ng: Django's evidence was ``_vendor/automated_logging/admin/base.py`` and
    marshmallow was there only for the vendored copy. OctoPrint imports its vendored
    Flask-Principal (``octoprint.vendor.flask_principal``) for its permissions."""
    files = {
        "app/_vendor/logs/__init__.py": [],
        "app/_vendor/logs/admin.py": ["django"],
        "app/_vendor/logs/schemas.py": ["marshmallow"],
        "app/views.py": ["django", "app.vendor.flask_principal"],
        "app/access.py": ["app.vendor.flask_principal"],
    }
    facts = facts_from_imports(files)
    assert [(f.category, f.name, f.source_path, f.evidence) for f in facts] == [
        ("framework", "Django", "app/views.py", "imported in 1 file, e.g. app/views.py"),
        ("orm", "Django ORM", "app/views.py", "imported in 1 file, e.g. app/views.py"),
        (
            "auth",
            "Flask-Principal (vendored copy)",
            "app/access.py",
            "imported in 2 files, e.g. app/access.py (vendored copy: app.vendor.flask_principal)",
        ),
    ]
    declared = _metadata("marshmallow (<4.0.0,>=3.6.1)")
    assert ("validation", "marshmallow") not in _names(merge_facts(declared + facts))


def test_walk_skips_vendored_folders_unless_an_include_glob_names_them(tmp_path) -> None:
    _write(
        tmp_path,
        {
            "app/_vendor/logs/models.py": "",
            "app/vendor/flask_principal.py": "",
            "app/vendor/sockjs/__init__.py": "",
            "shop/vendor/models.py": "",  # the project's own app named vendor
            "shop/vendor/views.py": "",
            "app/views.py": "",
        },
    )
    seen = list(walk_project(Config(root=tmp_path)))
    assert sorted(s.path for s in seen if isinstance(s, SourceFile)) == [
        "app/views.py",
        "shop/vendor/models.py",
        "shop/vendor/views.py",
    ]
    assert {(s.path, s.reason.split(" (")[0]) for s in seen if isinstance(s, Skip)} == {
        ("app/_vendor", "vendored third-party code"),
        ("app/vendor", "vendored third-party code"),
    }
    included = Config(root=tmp_path, include=("app/vendor/flask_principal.py", "app/*.py"))
    assert sorted(s.path for s in walk_project(included) if isinstance(s, SourceFile)) == [
        "app/vendor/flask_principal.py",
        "app/views.py",
    ]


# --- libraries a plugin platform brings ----------------------------------------------------


def test_a_pulp_plugin_with_dynaconf_settings_and_access_policies(tmp_path) -> None:
    """galaxy-ng (a pulpcore plugin): pulpcore, drf-access-policy (pulpcore's
    ``AccessPolicyFromDB`` is one) and dynaconf were missing; django-guardian came from a
    test of a migration, Django's evidence and marshmallow from ``_vendor/``."""
    _write(
        tmp_path,
        {
            "galaxy-1.0.dist-info/METADATA": (
                "Metadata-Version: 2.1\nName: galaxy\nRequires-Dist: pulpcore (<3.29.0,>=3.28.21)\n"
                "Requires-Dist: dynaconf (<3.1.13,>=3.1.12)\nRequires-Dist: marshmallow (<4.0.0,>=3.6.1)\n"
            ),
            "galaxy/__init__.py": "",
            "galaxy/app/__init__.py": "from pulpcore.plugin import PulpPluginAppConfig\n",
            "galaxy/app/access_policy.py": """\
                from django.conf import settings
                from pulpcore.plugin.access_policy import AccessPolicyFromDB


                class AccessPolicyBase(AccessPolicyFromDB):
                    statements = []
                """,
            "galaxy/app/dynaconf_hooks.py": "from dynaconf import Dynaconf, Validator\n",
            "galaxy/_vendor/__init__.py": "",
            "galaxy/_vendor/logs/__init__.py": "",
            "galaxy/_vendor/logs/schemas.py": "from marshmallow import Schema\nfrom django.db import models\n",
            "galaxy/tests/unit/migrations/test_0029.py": "import pytest\nimport guardian\n",
        },
    )
    brain = Brain.open(tmp_path, encoder=HashingEncoder(64))
    brain.index()
    got = {(f.category, f.name): f for f in brain.facts()}
    assert set(got) == {
        ("framework", "Django"),
        ("orm", "Django ORM"),
        ("framework", "Pulp (pulpcore plugin API)"),
        ("auth", "drf-access-policy"),
        ("other", "Dynaconf (settings)"),
        ("testing", "pytest"),
    }
    assert got[("framework", "Pulp (pulpcore plugin API)")].value == "<3.29.0,>=3.28.21"
    policy = got[("auth", "drf-access-policy")]
    assert (policy.source_path, policy.source_line) == ("galaxy/app/access_policy.py", 2)
    assert got[("framework", "Django")].source == "galaxy/app/access_policy.py:1"
    assert not any(p.path.startswith("galaxy/_vendor/") for p in brain.patterns())
