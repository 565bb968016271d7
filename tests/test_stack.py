"""indexers.stack: stack facts from metadata files and imports, with exact provenance."""

from __future__ import annotations

import json
import textwrap

import pytest

from indexers.stack import (
    extract_facts,
    facts_from_imports,
    is_metadata_file,
    lookup,
    merge_facts,
    normalize_name,
    parse_requirement,
    spec_value,
)
from memorybrain.models import Fact

Row = tuple[str, str, str | None, int, str]


def rows(facts: list[Fact]) -> list[Row]:
    return [(f.category, f.name, f.value, f.source_line, f.evidence) for f in facts]


def facts(path: str, text: str) -> list[Row]:
    result = extract_facts(path, textwrap.dedent(text))
    assert all(f.source_path == path and f.origin == "detected" for f in result)
    return rows(result)


# --- file kinds -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "pyproject.toml",
        "services/api/pyproject.toml",
        "requirements.txt",
        "requirements-dev.txt",
        "dev-requirements.txt",
        "requirements/base.txt",
        "requirements/prod.in",
        "requirements.in",
        "backend/requirements_test.txt",
        "setup.cfg",
        "setup.py",
        "Pipfile",
        "Pipfile.lock",
        "poetry.lock",
        "uv.lock",
        "pdm.lock",
        ".python-version",
        "runtime.txt",
        "migrations/alembic.ini",
        "manage.py",
        "tox.ini",
        "pytest.ini",
        "ihatemoney-7.2.1.dist-info/METADATA",
    ],
)
def test_is_metadata_file(path: str) -> None:
    assert is_metadata_file(path)


@pytest.mark.parametrize(
    "path",
    [
        "app/requirements.py",
        "README.md",
        "docs/notes.txt",
        "METADATA",
        "foo.egg-info/PKG-INFO",
        "pyproject.toml.bak",
        "constraints.txt",
        "app/main.py",
        "alembic/env.py",
    ],
)
def test_is_not_metadata_file(path: str) -> None:
    assert not is_metadata_file(path)
    assert extract_facts(path, "fastapi==0.1\n") == []


# --- the library table and requirement strings -----------------------------------------


def test_lookup_table() -> None:
    assert normalize_name("Flask_SQLAlchemy") == "flask-sqlalchemy"
    assert normalize_name("zope.interface") == "zope-interface"
    assert lookup("FastAPI") == [("framework", "FastAPI")]
    assert lookup("Flask_SQLAlchemy") == [("orm", "Flask-SQLAlchemy")]
    assert lookup("django") == [("framework", "Django"), ("orm", "Django ORM")]
    assert lookup("djangorestframework") == [("framework", "Django REST Framework")]
    assert lookup("django_modern_rpc") == [("framework", "django-modern-rpc (JSON-RPC / XML-RPC)")]
    assert lookup("psycopg2-binary") == [("database", "psycopg2")]
    assert lookup("pymongo") == [("database", "PyMongo")]
    assert lookup("motor") == [("database", "Motor")]
    assert lookup("PyJWT") == [("auth", "PyJWT")]
    assert lookup("python-jose") == [("auth", "python-jose")]
    assert lookup("flask-security-too") == [("auth", "Flask-Security")]
    assert lookup("slowapi") == [("rate_limit", "SlowAPI")]
    assert lookup("Flask-Limiter") == [("rate_limit", "Flask-Limiter")]
    assert lookup("celery") == [("tasks", "Celery")]
    assert lookup("gunicorn") == [("server", "Gunicorn")]
    assert lookup("factory_boy") == [("testing", "factory_boy")]
    assert lookup("alembic") == [("migrations", "Alembic")]
    assert lookup("marshmallow") == [("validation", "marshmallow")]
    assert lookup("httpx") == []
    assert lookup("httpx", dev=True) == [("testing", "HTTPX")]
    assert lookup("requests") == []
    assert lookup("itsdangerous") == []


@pytest.mark.parametrize(
    ("text", "name", "spec", "extras", "marker", "url"),
    [
        ("fastapi[all]==0.115.0", "fastapi", "==0.115.0", "all", "", ""),
        ("fastapi >= 0.110 , < 1", "fastapi", ">=0.110,<1", "", "", ""),
        ("alembic (==0.9.9)", "alembic", "==0.9.9", "", "", ""),
        ("pytest~=9.0.2; extra == 'dev'", "pytest", "~=9.0.2", "", "extra == 'dev'", ""),
        ("foo @ https://x.org/foo.zip", "foo", "", "", "", "https://x.org/foo.zip"),
        ("zope.interface", "zope.interface", "", "", "", ""),
    ],
)
def test_parse_requirement(text: str, name: str, spec: str, extras: str, marker: str, url: str) -> None:
    req = parse_requirement(text)
    assert req is not None
    assert (req.name, req.spec, req.extras, req.marker, req.url) == (
        name,
        spec,
        extras,
        marker,
        url,
    )


@pytest.mark.parametrize("text", ["-r base.txt", "", "./local/pkg", "fastapi is great"])
def test_parse_requirement_rejects(text: str) -> None:
    assert parse_requirement(text) is None


def test_spec_value() -> None:
    assert spec_value("==1.2.3") == "1.2.3"
    assert spec_value("===1.2.3") == "1.2.3"
    assert spec_value("==1.*") == "==1.*"
    assert spec_value(">=0.110,<1") == ">=0.110,<1"
    assert spec_value("") is None
    assert spec_value("*") is None
    assert spec_value(None) is None


# --- pyproject.toml ---------------------------------------------------------------------


def test_pyproject_pep621() -> None:
    text = """\
        [build-system]
        requires = ["setuptools>=68"]

        [project]
        name = "shop-api"
        requires-python = ">=3.11"
        dependencies = [
            "fastapi[all]>=0.110,<1",
            "SQLAlchemy==2.0.30",
            "pydantic>=2.6",
            "requests>=2",
            "uvicorn[standard]>=0.29",
            "python-jose[cryptography]",
        ]

        [project.optional-dependencies]
        test = ["pytest>=8", "httpx>=0.27"]
        postgres = [
            "asyncpg>=0.29; python_version >= '3.11'",
        ]

        [tool.pytest.ini_options]
        addopts = "-q"
        """
    assert facts("pyproject.toml", text) == [
        ("python", "Python", ">=3.11", 6, 'requires-python = ">=3.11"'),
        ("framework", "FastAPI", ">=0.110,<1", 8, "fastapi[all]>=0.110,<1"),
        ("orm", "SQLAlchemy", "2.0.30", 9, "SQLAlchemy==2.0.30"),
        ("validation", "Pydantic", ">=2.6", 10, "pydantic>=2.6"),
        ("server", "Uvicorn", ">=0.29", 12, "uvicorn[standard]>=0.29"),
        ("auth", "python-jose", None, 13, "python-jose[cryptography]"),
        ("testing", "pytest", ">=8", 17, "pytest>=8 (extra: test)"),
        ("testing", "HTTPX", ">=0.27", 17, "httpx>=0.27 (extra: test)"),
        (
            "database",
            "asyncpg",
            ">=0.29",
            19,
            "asyncpg>=0.29; python_version >= '3.11' (extra: postgres)",
        ),
    ]


def test_pyproject_main_httpx_is_not_a_fact_and_pytest_config_is() -> None:
    text = """\
        [project]
        name = "client"
        dependencies = ["httpx>=0.27", "flask"]

        [tool.pytest.ini_options]
        testpaths = ["tests"]
        """
    assert facts("pyproject.toml", text) == [
        ("framework", "Flask", None, 3, "flask"),
        ("testing", "pytest", None, 5, "[tool.pytest.ini_options]"),
    ]


def test_pyproject_same_requirement_in_two_groups_gets_its_own_line() -> None:
    text = """\
        [project]
        name = "x"
        dependencies = ["pydantic>=2"]

        [dependency-groups]
        lint = ["ruff"]
        test = [
            "pytest>=8",
            "httpx",
        ]
        """
    assert facts("pyproject.toml", text) == [
        ("validation", "Pydantic", ">=2", 3, "pydantic>=2"),
        ("testing", "pytest", ">=8", 8, "pytest>=8 (group: test)"),
        ("testing", "HTTPX", None, 9, "httpx (group: test)"),
    ]


def test_pyproject_poetry() -> None:
    text = """\
        [tool.poetry]
        name = "blog"
        version = "0.1.0"

        [tool.poetry.dependencies]
        python = "^3.11"
        flask = "^3.0"
        Flask-SQLAlchemy = "3.1.1"
        marshmallow = { version = ">=3.20,<4", extras = ["reco"] }
        gunicorn = "*"

        [tool.poetry.group.dev.dependencies]
        pytest = "^8.2"
        pytest-flask = "^1.3"
        httpx = "^0.27"

        [tool.poetry.group.docs.dependencies]
        sphinx = "^7"
        """
    assert facts("pyproject.toml", text) == [
        ("python", "Python", "^3.11", 6, 'python = "^3.11"'),
        ("framework", "Flask", "^3.0", 7, 'flask = "^3.0"'),
        ("orm", "Flask-SQLAlchemy", "3.1.1", 8, 'Flask-SQLAlchemy = "3.1.1"'),
        (
            "validation",
            "marshmallow",
            ">=3.20,<4",
            9,
            'marshmallow = { version = ">=3.20,<4", extras = ["reco"] }',
        ),
        ("server", "Gunicorn", None, 10, 'gunicorn = "*"'),
        ("testing", "pytest", "^8.2", 13, 'pytest = "^8.2" (group: dev)'),
        ("testing", "pytest-flask", "^1.3", 14, 'pytest-flask = "^1.3" (group: dev)'),
        ("testing", "HTTPX", "^0.27", 15, 'httpx = "^0.27" (group: dev)'),
    ]


def test_pyproject_poetry_legacy_dev_and_pdm_and_uv() -> None:
    text = """\
        [project]
        name = "svc"
        dependencies = ["litestar>=2"]

        [tool.poetry.dev-dependencies]
        hypothesis = "^6"

        [tool.pdm.dev-dependencies]
        test = ["pytest-asyncio>=0.23"]

        [tool.uv]
        dev-dependencies = [
            "factory-boy>=3",
        ]
        """
    assert facts("pyproject.toml", text) == [
        ("framework", "Litestar", ">=2", 3, "litestar>=2"),
        ("testing", "Hypothesis", "^6", 6, 'hypothesis = "^6" (group: dev)'),
        ("testing", "pytest-asyncio", ">=0.23", 9, "pytest-asyncio>=0.23 (group: test)"),
        ("testing", "factory_boy", ">=3", 13, "factory-boy>=3 (group: dev)"),
    ]


def test_pyproject_invalid_toml_gives_nothing() -> None:
    assert extract_facts("pyproject.toml", "[project\nname = ") == []


# --- requirements files -----------------------------------------------------------------


def test_requirements_txt() -> None:
    text = """\
        # Production requirements
        -r base.txt
        --index-url https://pypi.org/simple
        Flask==3.0.3  # web framework
        flask_sqlalchemy>=3.1
        Flask-Migrate
        psycopg2-binary==2.9.9 ; sys_platform != "win32"
        requests[socks]>=2.31
        -e git+https://github.com/maxcountryman/flask-login.git@main#egg=Flask-Login
        -e .
        celery[redis]==5.4.0 \\
            --hash=sha256:abc
        gunicorn==22.0.0 --hash=sha256:def
        https://example.com/pkgs/foo-1.0.tar.gz
        marshmallow @ https://github.com/marshmallow-code/marshmallow/archive/dev.zip
        httpx==0.27.0
        """
    assert facts("requirements.txt", text) == [
        ("framework", "Flask", "3.0.3", 4, "Flask==3.0.3"),
        ("orm", "Flask-SQLAlchemy", ">=3.1", 5, "flask_sqlalchemy>=3.1"),
        ("migrations", "Flask-Migrate", None, 6, "Flask-Migrate"),
        ("database", "psycopg2", "2.9.9", 7, 'psycopg2-binary==2.9.9 ; sys_platform != "win32"'),
        (
            "auth",
            "Flask-Login",
            None,
            9,
            "-e git+https://github.com/maxcountryman/flask-login.git@main#egg=Flask-Login",
        ),
        ("tasks", "Celery", "5.4.0", 11, "celery[redis]==5.4.0"),
        ("server", "Gunicorn", "22.0.0", 13, "gunicorn==22.0.0"),
        (
            "validation",
            "marshmallow",
            None,
            15,
            "marshmallow @ https://github.com/marshmallow-code/marshmallow/archive/dev.zip",
        ),
    ]


def test_dev_requirements_count_httpx_as_testing() -> None:
    text = "-r requirements.txt\npytest==8.2.0\nhttpx==0.27.0\n"
    expected = [
        ("testing", "pytest", "8.2.0", 2, "pytest==8.2.0"),
        ("testing", "HTTPX", "0.27.0", 3, "httpx==0.27.0"),
    ]
    assert facts("requirements-dev.txt", text) == expected
    assert facts("requirements/test.txt", text) == expected


def test_requirement_urls_with_credentials_are_redacted_in_evidence() -> None:
    text = "-e git+https://deploy:s3cretTok3n@gitlab.example.com/team/flask.git#egg=flask\n"
    assert facts("requirements.txt", text) == [
        (
            "framework",
            "Flask",
            None,
            1,
            "-e git+https://deploy:<redacted>@gitlab.example.com/team/flask.git#egg=flask",
        )
    ]


# --- setup.cfg, setup.py ----------------------------------------------------------------


def test_setup_cfg() -> None:
    text = """\
        [metadata]
        name = legacy-app

        [options]
        packages = find:
        python_requires = >=3.9
        install_requires =
            Flask>=2.3
            Flask-WTF~=1.2
            PyJWT>=2.8  # tokens

        [options.extras_require]
        test =
            pytest>=7
            factory-boy

        [tool:pytest]
        testpaths = tests
        """
    assert facts("setup.cfg", text) == [
        ("python", "Python", ">=3.9", 6, "python_requires = >=3.9"),
        ("framework", "Flask", ">=2.3", 8, "Flask>=2.3"),
        ("validation", "Flask-WTF", "~=1.2", 9, "Flask-WTF~=1.2"),
        ("auth", "PyJWT", ">=2.8", 10, "PyJWT>=2.8"),
        ("testing", "pytest", ">=7", 14, "pytest>=7 (extra: test)"),
        ("testing", "factory_boy", None, 15, "factory-boy (extra: test)"),
    ]


def test_setup_cfg_pytest_section_alone() -> None:
    text = "[metadata]\nname = x\n\n[tool:pytest]\naddopts = -q\n"
    assert facts("setup.cfg", text) == [("testing", "pytest", None, 4, "[tool:pytest]")]


def test_setup_py_is_read_not_run() -> None:
    text = """\
        from setuptools import find_packages, setup

        REQUIREMENTS = [
            "Django>=4.2,<5",
            "djangorestframework==3.15.1",
            'celery>=5.3',  # workers
        ]

        setup(
            name="shop",
            python_requires=">=3.10",
            install_requires=REQUIREMENTS,
            extras_require={
                "test": ["pytest-django>=4.8", "pytest"],
                "prod": ["gunicorn"],
            },
            tests_require=["hypothesis"],
        )
        raise SystemExit("never executed")
        """
    assert facts("setup.py", text) == [
        ("python", "Python", ">=3.10", 11, 'python_requires=">=3.10"'),
        ("framework", "Django", ">=4.2,<5", 4, "Django>=4.2,<5"),
        ("orm", "Django ORM", ">=4.2,<5", 4, "Django>=4.2,<5"),
        ("framework", "Django REST Framework", "3.15.1", 5, "djangorestframework==3.15.1"),
        ("tasks", "Celery", ">=5.3", 6, "celery>=5.3"),
        ("testing", "pytest-django", ">=4.8", 14, "pytest-django>=4.8 (extra: test)"),
        ("testing", "pytest", None, 14, "pytest (extra: test)"),
        ("server", "Gunicorn", None, 15, "gunicorn (extra: prod)"),
        ("testing", "Hypothesis", None, 17, "hypothesis (group: test)"),
    ]


def test_setup_py_inline_and_dynamic() -> None:
    text = """\
        import setuptools

        setuptools.setup(
            name="app",
            install_requires=["fastapi>=0.100", "sqlmodel"],
        )
        setup(install_requires=open("requirements.txt").read().splitlines())
        """
    assert facts("setup.py", text) == [
        ("framework", "FastAPI", ">=0.100", 5, "fastapi>=0.100"),
        ("orm", "SQLModel", None, 5, "sqlmodel"),
    ]


# --- Pipfile, lock files ----------------------------------------------------------------


def test_pipfile() -> None:
    text = """\
        [[source]]
        url = "https://pypi.org/simple"
        verify_ssl = true
        name = "pypi"

        [packages]
        fastapi = "==0.111.0"
        sqlmodel = "*"
        alembic = {version = ">=1.13", extras = ["tz"]}

        [dev-packages]
        pytest-asyncio = "*"
        httpx = ">=0.27"

        [requires]
        python_version = "3.12"
        """
    assert facts("Pipfile", text) == [
        ("python", "Python", "3.12", 16, 'python_version = "3.12"'),
        ("framework", "FastAPI", "0.111.0", 7, 'fastapi = "==0.111.0"'),
        ("orm", "SQLModel", None, 8, 'sqlmodel = "*"'),
        ("migrations", "Alembic", ">=1.13", 9, 'alembic = {version = ">=1.13", extras = ["tz"]}'),
        ("testing", "pytest-asyncio", None, 12, 'pytest-asyncio = "*" (group: dev-packages)'),
        ("testing", "HTTPX", ">=0.27", 13, 'httpx = ">=0.27" (group: dev-packages)'),
    ]


POETRY_LOCK = """\
    # This file is automatically @generated by Poetry 1.8.2 and should not be changed by hand.

    [[package]]
    name = "anyio"
    version = "4.4.0"
    description = "High level compatibility layer for asynchronous event loops"
    optional = false
    python-versions = ">=3.8"
    files = [
        {file = "anyio-4.4.0-py3-none-any.whl", hash = "sha256:c1b2d8f46a8a812513012e1107cb0e68c"},
    ]

    [package.dependencies]
    idna = ">=2.8"

    [[package]]
    name = "fastapi"
    version = "0.115.2"
    description = "FastAPI framework, high performance, easy to learn, fast to code"
    optional = false
    python-versions = ">=3.8"

    [package.dependencies]
    pydantic = ">=1.7.4,!=1.8,!=1.8.1,!=2.0.0,!=2.0.1,!=2.1.0,<3.0.0"
    starlette = ">=0.37.2,<0.41.0"

    [[package]]
    name = "starlette"
    version = "0.40.0"
    description = "The little ASGI library that shines."
    optional = false
    python-versions = ">=3.8"

    [metadata]
    lock-version = "2.0"
    python-versions = "^3.11"
    """


def test_poetry_lock() -> None:
    assert facts("poetry.lock", POETRY_LOCK) == [
        ("framework", "FastAPI", "0.115.2", 18, 'version = "0.115.2" (poetry.lock)'),
        ("framework", "Starlette", "0.40.0", 29, 'version = "0.40.0" (poetry.lock)'),
    ]


def test_uv_lock() -> None:
    text = """\
        version = 1
        requires-python = ">=3.11"

        [[package]]
        name = "fastapi"
        version = "0.115.2"
        source = { registry = "https://pypi.org/simple" }
        dependencies = [
            { name = "pydantic" },
            { name = "starlette" },
        ]

        [[package]]
        name = "shop-api"
        version = "0.1.0"
        source = { editable = "." }

        [package.metadata]
        requires-dist = [{ name = "sqlalchemy", specifier = ">=2" }]

        [[package]]
        name = "sqlalchemy"
        version = "2.0.35"
        """
    assert facts("uv.lock", text) == [
        ("framework", "FastAPI", "0.115.2", 6, 'version = "0.115.2" (uv.lock)'),
        ("orm", "SQLAlchemy", "2.0.35", 23, 'version = "2.0.35" (uv.lock)'),
    ]


def test_pipfile_lock() -> None:
    data = {
        "_meta": {"hash": {"sha256": "abc"}, "requires": {"python_version": "3.12"}},
        "default": {
            "fastapi": {
                "hashes": ["sha256:1", "sha256:2"],
                "index": "pypi",
                "markers": "python_version >= '3.8'",
                "version": "==0.111.0",
            },
            "requests": {"version": "==2.32.3"},
        },
        "develop": {"pytest": {"version": "==8.2.2"}, "httpx": {"version": "==0.27.0"}},
    }
    text = json.dumps(data, indent=4)
    lines = text.split("\n")
    fastapi_line = lines.index('            "version": "==0.111.0"') + 1
    pytest_line = lines.index('            "version": "==8.2.2"') + 1
    httpx_line = lines.index('            "version": "==0.27.0"') + 1
    assert fastapi_line == 18
    assert facts("Pipfile.lock", text) == [
        ("framework", "FastAPI", "0.111.0", fastapi_line, '"version": "==0.111.0" (Pipfile.lock)'),
        ("testing", "pytest", "8.2.2", pytest_line, '"version": "==8.2.2" (Pipfile.lock)'),
        ("testing", "HTTPX", "0.27.0", httpx_line, '"version": "==0.27.0" (Pipfile.lock)'),
    ]


# --- wheel METADATA and small files -----------------------------------------------------


def test_dist_info_metadata() -> None:
    text = """\
        Metadata-Version: 2.4
        Name: ihatemoney
        Version: 7.2.1
        Requires-Python: >=3.11
        Requires-Dist: flask~=3.1.2
        Requires-Dist: flask-restful~=0.3.10
        Requires-Dist: python-dateutil
        Provides-Extra: database
        Requires-Dist: psycopg2-binary~=2.9.11; extra == 'database'
        Provides-Extra: dev
        Requires-Dist: pytest~=9.0.2; extra == 'dev'
        Requires-Dist: httpx>=0.23 ; extra == "dev"
        Description-Content-Type: text/markdown

        # I hate money
        Requires-Dist: django
        """
    assert facts("ihatemoney-7.2.1.dist-info/METADATA", text) == [
        ("python", "Python", ">=3.11", 4, "Requires-Python: >=3.11"),
        ("framework", "Flask", "~=3.1.2", 5, "flask~=3.1.2"),
        ("framework", "Flask-RESTful", "~=0.3.10", 6, "flask-restful~=0.3.10"),
        ("database", "psycopg2", "~=2.9.11", 9, "psycopg2-binary~=2.9.11; extra == 'database'"),
        ("testing", "pytest", "~=9.0.2", 11, "pytest~=9.0.2; extra == 'dev'"),
        ("testing", "HTTPX", ">=0.23", 12, 'httpx>=0.23 ; extra == "dev"'),
    ]


def test_django_modern_rpc_is_named_from_metadata_and_imports() -> None:
    """kiwitcms serves its API through django-modern-rpc (``@rpc_method`` functions behind an
    ``RPCEntryPoint`` in the urlconf): the stack names it."""
    text = "Metadata-Version: 2.1\nName: kiwitcms\nRequires-Dist: Django (==4.2.2)\n"
    text += "Requires-Dist: django-modern-rpc (==0.12.1)\n"
    got = facts("kiwitcms-12.4.dist-info/METADATA", text)
    assert ("framework", "django-modern-rpc (JSON-RPC / XML-RPC)", "0.12.1", 4, "django-modern-rpc (==0.12.1)") in got
    files = {"tcms/rpc/api/testcase.py": ["django", "modernrpc"]}
    assert ("framework", "django-modern-rpc (JSON-RPC / XML-RPC)") in [
        (f.category, f.name) for f in facts_from_imports(files)
    ]


def test_old_style_metadata_parentheses() -> None:
    text = "Metadata-Version: 2.1\nName: FlaskBB\nRequires-Dist: Flask-Login (==0.4.1)\n"
    assert facts("FlaskBB-2.0.2.dist-info/METADATA", text) == [
        ("auth", "Flask-Login", "0.4.1", 3, "Flask-Login (==0.4.1)")
    ]


def test_python_version_files() -> None:
    assert facts(".python-version", "3.11.9\n") == [("python", "Python", "3.11.9", 1, "3.11.9")]
    assert facts("runtime.txt", "\npython-3.12.4\n") == [("python", "Python", "3.12.4", 2, "python-3.12.4")]
    assert facts(".python-version", "pypy3.10\n") == []


def test_alembic_ini() -> None:
    text = """\
        # A generic, single database configuration.

        [alembic]
        script_location = migrations
        sqlalchemy.url = postgresql://app:s3cret@localhost/app
        """
    assert facts("migrations/alembic.ini", text) == [("migrations", "Alembic", None, 3, "[alembic]")]


def test_manage_py_django_and_flask_script() -> None:
    django = '''\
        #!/usr/bin/env python
        """Django's command-line utility for administrative tasks."""
        import os
        import sys


        def main():
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
            from django.core.management import execute_from_command_line
        '''
    evidence = 'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")'
    assert facts("manage.py", django) == [
        ("framework", "Django", None, 8, evidence),
        ("orm", "Django ORM", None, 8, evidence),
    ]
    flask_script = "from flask_script import Manager\nmanager = Manager(app)\n"
    assert facts("manage.py", flask_script) == []


def test_tox_and_pytest_ini() -> None:
    tox = """\
        [tox]
        envlist = py311

        [testenv]
        deps = pytest
        commands = pytest

        [pytest]
        testpaths = tests
        """
    assert facts("tox.ini", tox) == [
        ("testing", "tox", None, 1, "[tox]"),
        ("testing", "pytest", None, 8, "[pytest]"),
    ]
    assert facts("pytest.ini", "; comment\n[pytest]\nasyncio_mode = auto\n") == [
        ("testing", "pytest", None, 2, "[pytest]")
    ]


# --- imports ----------------------------------------------------------------------------


def test_facts_from_imports() -> None:
    files = {
        "app/main.py": ["fastapi", "app", "sqlalchemy"],
        "app/api/users.py": ["fastapi", "pydantic", "jwt"],
        "tests/test_users.py": ["pytest", "httpx", "fastapi"],
        "app/client.py": ["httpx"],
        "app/worker.py": ["celery", "os"],
        "app/limits.py": [],
    }
    assert [
        (f.category, f.name, f.value, f.source_path, f.source_line, f.evidence)
        for f in facts_from_imports(files)
    ] == [
        ("framework", "FastAPI", None, "app/api/users.py", 0,
         "imported in 2 files, e.g. app/api/users.py"),  # tests are evidence only for test tools
        ("orm", "SQLAlchemy", None, "app/main.py", 0, "imported in 1 file, e.g. app/main.py"),
        ("validation", "Pydantic", None, "app/api/users.py", 0,
         "imported in 1 file, e.g. app/api/users.py"),
        ("auth", "PyJWT", None, "app/api/users.py", 0,
         "imported in 1 file, e.g. app/api/users.py"),
        ("tasks", "Celery", None, "app/worker.py", 0, "imported in 1 file, e.g. app/worker.py"),
        ("testing", "HTTPX", None, "tests/test_users.py", 0,
         "imported in 1 file, e.g. tests/test_users.py"),
        ("testing", "pytest", None, "tests/test_users.py", 0,
         "imported in 1 file, e.g. tests/test_users.py"),
    ]  # fmt: skip


def test_facts_from_imports_django_and_flask_extensions() -> None:
    files = {
        "shop/views.py": ["django", "rest_framework", "rest_framework_simplejwt"],
        "blog/app.py": ["flask", "flask_sqlalchemy", "flask_jwt_extended", "flask_limiter"],
        "blog/db.py": ["MySQLdb", "redis"],
    }
    assert [(f.category, f.name) for f in facts_from_imports(files)] == [
        ("framework", "Django"),
        ("framework", "Django REST Framework"),
        ("framework", "Flask"),
        ("orm", "Django ORM"),
        ("orm", "Flask-SQLAlchemy"),
        ("database", "mysqlclient"),
        ("database", "redis-py"),
        ("auth", "Flask-JWT-Extended"),
        ("auth", "Simple JWT"),
        ("rate_limit", "Flask-Limiter"),
    ]
    assert facts_from_imports({}) == []


# --- merging ----------------------------------------------------------------------------


def fact(category: str, name: str, value: str | None, path: str, line: int, ev: str) -> Fact:
    return Fact(category, name, value, path, line, ev)


def imported(category: str, name: str, count: int, path: str) -> Fact:
    s = "" if count == 1 else "s"
    return fact(category, name, None, path, 0, f"imported in {count} file{s}, e.g. {path}")


def test_merge_declared_locked_and_imported() -> None:
    merged = merge_facts(
        [
            imported("framework", "FastAPI", 3, "app/main.py"),
            fact("framework", "FastAPI", "0.115.2", "poetry.lock", 88,
                 'version = "0.115.2" (poetry.lock)'),
            fact("framework", "FastAPI", ">=0.110", "pyproject.toml", 12, "fastapi>=0.110"),
        ]
    )  # fmt: skip
    assert merged == [
        Fact(
            "framework",
            "FastAPI",
            "0.115.2",
            "pyproject.toml",
            12,
            "fastapi>=0.110 in pyproject.toml; locked 0.115.2 in poetry.lock:88; imported in 3 files, e.g. app/main.py",
        )
    ]


def test_merge_real_extraction_pyproject_and_poetry_lock() -> None:
    pyproject = textwrap.dedent(
        """\
        [tool.poetry.dependencies]
        python = "^3.11"
        fastapi = "^0.110"
        """
    )
    declared = extract_facts("pyproject.toml", pyproject)
    locked = extract_facts("poetry.lock", textwrap.dedent(POETRY_LOCK))
    merged = merge_facts(declared + locked)
    assert rows(merged) == [
        ("python", "Python", "^3.11", 2, 'python = "^3.11"'),
        (
            "framework",
            "FastAPI",
            "0.115.2",
            3,
            'fastapi = "^0.110" in pyproject.toml; locked 0.115.2 in poetry.lock:18',
        ),
    ]  # starlette is only in the lock (transitive): dropped


def test_merge_lock_only_kept_when_imported() -> None:
    lock = fact("framework", "Starlette", "0.40.0", "poetry.lock", 29,
                'version = "0.40.0" (poetry.lock)')  # fmt: skip
    assert merge_facts([lock]) == []
    merged = merge_facts([lock, imported("framework", "Starlette", 2, "app/mw.py")])
    assert rows(merged) == [
        (
            "framework",
            "Starlette",
            "0.40.0",
            29,
            'version = "0.40.0" (poetry.lock); imported in 2 files, e.g. app/mw.py',
        )
    ]


def test_merge_import_only_is_kept() -> None:
    only = imported("validation", "marshmallow", 5, "app/schemas.py")
    assert merge_facts([only]) == [only]


def test_merge_python_pin() -> None:
    declared = fact("python", "Python", ">=3.11", "pyproject.toml", 6, 'requires-python = ">=3.11"')
    pin = fact("python", "Python", "3.11.9", ".python-version", 1, "3.11.9")
    assert rows(merge_facts([declared, pin])) == [
        (
            "python",
            "Python",
            "3.11.9",
            6,
            'requires-python = ">=3.11" in pyproject.toml; pinned 3.11.9 in .python-version:1',
        )
    ]
    assert merge_facts([pin]) == [pin]


def test_merge_exact_pin_in_requirements_gives_the_version() -> None:
    merged = merge_facts(
        [
            fact("orm", "SQLAlchemy", "2.0.30", "requirements.txt", 3, "SQLAlchemy==2.0.30"),
            fact("orm", "SQLAlchemy", ">=2", "pyproject.toml", 9, "sqlalchemy>=2"),
        ]
    )
    assert rows(merged) == [
        (
            "orm",
            "SQLAlchemy",
            "2.0.30",
            9,
            "sqlalchemy>=2 in pyproject.toml; pinned 2.0.30 in requirements.txt:3",
        )
    ]


def test_merge_prefers_root_and_versioned_declarations() -> None:
    merged = merge_facts(
        [
            fact("framework", "Flask", "^2.0", "services/old/pyproject.toml", 7, 'flask = "^2.0"'),
            fact("framework", "Flask", "^3.0", "pyproject.toml", 7, 'flask = "^3.0"'),
            fact("testing", "pytest", None, "pyproject.toml", 3, "[tool.pytest.ini_options]"),
            fact("testing", "pytest", ">=8", "pyproject.toml", 20, "pytest>=8 (extra: test)"),
        ]
    )  # fmt: skip
    assert [(f.name, f.value, f.source) for f in merged] == [
        ("Flask", "^3.0", "pyproject.toml:7"),
        ("pytest", ">=8", "pyproject.toml:20"),
    ]


def test_merge_team_fact_wins() -> None:
    team = Fact("orm", "SQLAlchemy", "2.0", "brain.toml", 0, "we use 2.0 style", origin="team")
    detected = fact("orm", "SQLAlchemy", "==1.4", "requirements.txt", 1, "sqlalchemy==1.4")
    assert merge_facts([detected, team]) == [team]


def test_merge_drops_unused_optional_integrations_only_when_imports_are_known() -> None:
    azure = fact(
        "validation",
        "marshmallow",
        "<4.0.0",
        "x.dist-info/METADATA",
        55,
        "marshmallow<4.0.0 ; extra == 'connectors-azure'",
    )
    dev = fact("testing", "pytest", ">=8", "x.dist-info/METADATA", 66, "pytest>=8 ; extra == 'dev'")
    driver = fact(
        "database",
        "psycopg2",
        "~=2.9",
        "x.dist-info/METADATA",
        80,
        "psycopg2-binary~=2.9 ; extra == 'database'",
    )
    server = fact(
        "framework",
        "FastAPI",
        ">=0.110",
        "x.dist-info/METADATA",
        70,
        "fastapi>=0.110 ; extra == 'server'",
    )
    used = imported("framework", "FastAPI", 4, "pkg/server.py")
    assert [f.name for f in merge_facts([azure, dev, driver, server])] == [
        "FastAPI",
        "psycopg2",
        "marshmallow",
        "pytest",
    ]
    assert [f.name for f in merge_facts([azure, dev, driver, server, used])] == [
        "FastAPI", "psycopg2", "pytest",
    ]  # fmt: skip


def test_merge_order_is_category_then_name() -> None:
    merged = merge_facts(
        [
            imported("testing", "pytest", 1, "tests/test_a.py"),
            imported("auth", "PyJWT", 1, "a.py"),
            imported("framework", "Flask", 1, "a.py"),
            imported("orm", "SQLAlchemy", 1, "a.py"),
            fact("python", "Python", ">=3.11", "pyproject.toml", 2, 'requires-python = ">=3.11"'),
            imported("auth", "Flask-Login", 1, "a.py"),
            imported("rate_limit", "Flask-Limiter", 1, "a.py"),
            imported("tasks", "Celery", 1, "a.py"),
            imported("server", "Gunicorn", 1, "a.py"),
            imported("migrations", "Alembic", 1, "a.py"),
            imported("validation", "Pydantic", 1, "a.py"),
            imported("database", "redis-py", 1, "a.py"),
        ]
    )
    assert [f.name for f in merged] == [
        "Python",
        "Flask",
        "SQLAlchemy",
        "redis-py",
        "Alembic",
        "Pydantic",
        "Flask-Login",
        "PyJWT",
        "Flask-Limiter",
        "Celery",
        "Gunicorn",
        "pytest",
    ]
    assert merge_facts(list(reversed(merged))) == merged


def test_qualify_by_usage() -> None:
    from indexers.stack import qualify_by_usage

    declared = [
        Fact("framework", "aiohttp", "3.9", "requirements.txt", 2, "aiohttp==3.9"),
        Fact("validation", "Flask-WTF", "1.2", "requirements.txt", 3, "flask-wtf==1.2"),
        Fact("framework", "Flask", "3.0", "requirements.txt", 1, "flask==3.0"),
    ]
    assert qualify_by_usage(declared, None) == declared  # imports unknown
    nothing = {(f.category, f.name) for f in qualify_by_usage(declared, set())}
    assert nothing == {("other", "aiohttp"), ("validation", "Flask-WTF"), ("framework", "Flask")}
    client = {"aiohttp", "aiohttp.ClientSession", "flask_wtf.csrf", "flask_wtf.csrf.CSRFProtect"}
    assert {(f.category, f.name) for f in qualify_by_usage(declared, client)} == {
        ("other", "aiohttp (HTTP client)"),
        ("other", "Flask-WTF (CSRF protection)"),
        ("framework", "Flask"),
    }
    server = {"aiohttp.web", "aiohttp.web.Application", "flask_wtf", "flask_wtf.FlaskForm"}
    assert {(f.category, f.name) for f in qualify_by_usage(declared, server)} == {
        (f.category, f.name) for f in declared
    }
    team = [Fact("framework", "aiohttp", None, "", 0, "", origin="team")]
    assert qualify_by_usage(team, set()) == team


def test_tornado_serving_a_wsgi_app_is_its_server() -> None:
    """calibre-web: Flask served by Tornado (``tornado.wsgi.WSGIContainer``, ``HTTPServer``),
    no handler written on ``tornado.web``: "framework: Tornado" beside Flask misled."""
    from indexers.stack import qualify_by_usage

    declared = [
        Fact("framework", "Flask", "3.0", "requirements.txt", 1, "flask==3.0"),
        Fact("framework", "Tornado", "6.5", "requirements.txt", 2, "tornado==6.5"),
    ]
    wsgi = {"flask", "tornado", "tornado.wsgi.WSGIContainer", "tornado.httpserver.HTTPServer", "tornado.ioloop"}
    assert {(f.category, f.name) for f in qualify_by_usage(declared, wsgi)} == {
        ("framework", "Flask"),
        ("server", "Tornado (HTTP server for the WSGI app)"),
    }
    handlers = wsgi | {"tornado.web", "tornado.web.RequestHandler"}
    assert {(f.category, f.name) for f in qualify_by_usage(declared, handlers)} == {
        ("framework", "Flask"),
        ("framework", "Tornado"),
    }


def test_a_library_only_a_test_extra_declares_and_no_code_imports_is_no_stack() -> None:
    """lemur: ``pydantic ; extra == "tests"`` with no import of pydantic in the app."""
    tests_only = fact("validation", "Pydantic", ">=2", "x.dist-info/METADATA", 90, 'pydantic>=2 ; extra == "tests"')
    runner = fact("testing", "pytest", ">=8", "x.dist-info/METADATA", 91, 'pytest>=8 ; extra == "tests"')
    used = imported("framework", "Flask", 4, "pkg/app.py")
    assert [f.name for f in merge_facts([tests_only, runner, used])] == ["Flask", "pytest"]


def test_marker_split_pins_take_the_line_for_current_pythons() -> None:
    """pgAdmin pins a package twice, by Python version: the first line is for old Pythons."""
    text = """\
        Metadata-Version: 2.4
        Name: pgadmin4
        Requires-Dist: Flask-Security-Too==5.6.*; python_version <= "3.9"
        Requires-Dist: Flask-Security-Too==5.8.2; python_version > "3.9"
        Requires-Dist: flask==3.1.*
        """
    got = facts("pgadmin4-9.18.dist-info/METADATA", text)
    assert ("auth", "Flask-Security", "5.8.2", 4, 'Flask-Security-Too==5.8.2; python_version > "3.9"') in got
    assert not any(f[2] == "5.6.*" for f in got)


def test_import_facts_keep_their_role_once_indexing_gives_them_a_line() -> None:
    """Indexing sets an import fact's line to the first import; it must still count as an
    import (lemur's test-extra Pydantic stayed in its stack because it did not)."""
    tests_only = fact(
        "validation", "Pydantic", "==2.12.5", "x.dist-info/METADATA", 274, 'pydantic==2.12.5; extra == "tests"'
    )
    flask = Fact("framework", "Flask", None, "lemur/app.py", 3, "imported in lemur/app.py")
    assert [f.name for f in merge_facts([tests_only, flask])] == ["Flask"]


def test_facts_from_imports_prisma_and_other_async_orms() -> None:
    """litellm's proxy talks to its database through Prisma Client Python."""
    files = {"proxy/utils.py": ["prisma"], "app/db.py": ["piccolo"], "app/models.py": ["ormar"]}
    assert {(f.category, f.name) for f in facts_from_imports(files)} == {
        ("orm", "Prisma Client Python"),
        ("orm", "Piccolo"),
        ("orm", "ormar"),
    }
