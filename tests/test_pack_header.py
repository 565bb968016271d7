"""The first exemplar's header: merged import lines, the project's usual base classes, and
more names from the modules it shows."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from indexers import imports
from indexers.base import ParsedFile
from memorybrain.linker import _base_conventions
from memorybrain.modpath import imported_name as _resolve_base
from memorybrain.pack import _is_stdlib_import, merge_imports, resource_words

# --------------------------------------------------------------------------- unit


def test_merge_imports_gives_one_line_per_module_where_the_first_stood():
    lines = [
        "import logging",
        "from .models import Invoice",
        "from rest_framework import viewsets",
        "from .models import Customer as Client",
        "from .models import Invoice",
        "from app.errors import (NotFound, Conflict)",
    ]
    assert merge_imports(lines) == [
        "import logging",
        "from .models import Invoice, Customer as Client",
        "from rest_framework import viewsets",
        "from app.errors import NotFound, Conflict",
    ]
    assert merge_imports([]) == []


def test_standard_library_imports_are_left_out_of_the_header_but_typing_stays():
    """``import json`` tells nothing about the project; ``Annotated`` dependencies do."""
    dropped = ["import json", "import os, re", "from datetime import datetime", "from collections.abc import Callable"]
    kept = [
        "from typing import Annotated",
        "import requests",
        "from fastapi import Depends",
        "from .models import Invoice",
        "import os, requests",
        "from app.json import dumps",
    ]
    assert [x for x in dropped + kept if not _is_stdlib_import(x)] == kept


def test_multi_line_import_statements_lose_their_comments_when_joined():
    source = textwrap.dedent(
        """
        from app.deps import (
            get_db,  # the session
            CurrentUser,
        )
        import os  # noqa
        from app.lib.periodictask import get_periodic_tasks, set_periodic_task, \\
            enable_periodic_task
        """
    )
    meta = imports.extract(ParsedFile.parse("app/routes.py", source.encode())).meta
    texts = [text for _line, text in meta["import_lines"]]
    assert texts[0] == "from app.deps import (get_db, CurrentUser)"
    assert texts[1] == "import os"
    # privacyidea: a backslash continuation must not leak into the joined line
    assert texts[2] == "from app.lib.periodictask import get_periodic_tasks, set_periodic_task, enable_periodic_task"


def test_a_usual_request_word_names_the_resource_when_nothing_else_does():
    assert resource_words("Add CRUD API endpoints for app") == {"app", "apps"}
    assert resource_words("add endpoints for the page") == {"page", "pages"}
    assert resource_words("Add CRUD endpoints for invoices in the app") == {"invoice", "invoices"}
    assert resource_words("add new endpoints") == set()


def _imp(module: str, name: str | None, alias: str | None = None, level: int = 0) -> dict:
    return {"module": module, "name": name, "alias": alias, "level": level, "line": 1}


def test_resolve_base_follows_the_files_imports():
    imps = [
        _imp("rest_framework", "viewsets"),
        _imp("rest_framework.views", "APIView"),
        _imp("django.db", None),
        _imp("pydantic", "BaseModel", "PydanticModel"),
        _imp("", "mixins", level=1),
        _imp("sqlalchemy.orm", None, "orm"),
    ]
    path = "shop/api/views.py"
    local = {"LocalBase"}
    assert _resolve_base("viewsets.ModelViewSet", path, imps, local) == ("rest_framework.viewsets", "ModelViewSet")
    assert _resolve_base("APIView", path, imps, local) == ("rest_framework.views", "APIView")
    assert _resolve_base("django.db.models.Model", path, imps, local) == ("django.db.models", "Model")
    assert _resolve_base("PydanticModel", path, imps, local) == ("pydantic", "BaseModel")
    assert _resolve_base("mixins.OwnedMixin", path, imps, local) == ("shop.api.mixins", "OwnedMixin")
    assert _resolve_base("orm.DeclarativeBase", path, imps, local) == ("sqlalchemy.orm", "DeclarativeBase")
    assert _resolve_base("LocalBase", path, imps, local) == ("shop.api.views", "LocalBase")
    assert _resolve_base("Generic[T]", path, imps, local) is None  # not imported: a builtin or unknown
    assert _resolve_base("metaclass=ABCMeta", path, imps, local) is None
    assert _resolve_base("Unknown", path, imps, local) is None


def test_base_conventions_count_classes_once_and_keep_the_usual_ones():
    imps = {"imports": [_imp("rest_framework", "viewsets"), _imp("rest_framework", "serializers")]}
    rows = []
    for i in range(4):  # four viewsets, each with two action routes sharing the class
        for action in ("list", "create"):
            meta = {"bases": ["viewsets.ModelViewSet"], "class": f"V{i}"}
            rows.append((f"r{i}{action}", "route", f"V{i}.{action}", f"api/v{i}.py", meta, 0, ""))
    rows.append(("odd", "class", "Odd", "api/v0.py", {"bases": ["viewsets.ViewSet"]}, 0, ""))
    for i in range(3):
        rows.append((f"s{i}", "schema", f"S{i}", "api/serializers.py", {"bases": ["serializers.Serializer"]}, 0, ""))
    rows.append(("t", "class", "T", "tests/test_x.py", {"bases": ["viewsets.ViewSet"]}, 0, ""))
    for i in range(5):  # litellm: typing helpers defined in route modules are no views
        rows.append((f"p{i}", "class", f"P{i}", "api/v1.py", {"bases": ["Protocol"]}, 0, ""))
        rows.append((f"d{i}", "class", f"D{i}", "api/v1.py", {"bases": ["TypedDict"]}, 0, ""))
        rows.append((f"b{i}", "class", f"Span{i}ResponseBody", "api/v1.py", {"bases": ["BaseModel"]}, 0, ""))
    routes = [type("R", (), {"path": f"api/v{i}.py"})() for i in range(4)]
    files_meta = {f"api/v{i}.py": imps for i in range(4)} | {"api/serializers.py": imps}
    files_meta["api/v1.py"] = {
        "imports": imps["imports"]
        + [_imp("typing", "Protocol"), _imp("typing", "TypedDict"), _imp("pydantic", "BaseModel")]
    }
    (c,) = _base_conventions(rows, routes, files_meta)  # type: ignore[arg-type]
    assert c["key"] == "bases"
    assert c["data"]["lines"] == [
        "from rest_framework.viewsets import ModelViewSet",  # 4 classes, not 8 routes; ViewSet once: the tail
        "from rest_framework.serializers import Serializer",
    ]
    assert "views from `ModelViewSet` (4)" in c["statement"]
    assert "schemas from `Serializer` (3)" in c["statement"]


def test_a_base_that_is_an_attribute_of_a_project_object_imports_the_object():
    """privacyidea / Flask-SQLAlchemy: ``class Token(db.Model)`` with ``from app.models.db
    import db``: the line imports ``db`` (``from app.models.db import Model`` cannot run)."""
    rows = [(f"m{i}", "model", f"M{i}", f"app/models/m{i}.py", {"bases": ["db.Model"]}, 0, "") for i in range(3)]
    rows.append(("db", "function", "init_db", "app/models/db.py", {}, 0, ""))
    files_meta = {f"app/models/m{i}.py": {"imports": [_imp("app.models.db", "db")]} for i in range(3)}
    files_meta["app/models/db.py"] = {"imports": [_imp("flask_sqlalchemy", "SQLAlchemy")]}
    (c,) = _base_conventions(rows, [], files_meta)  # type: ignore[arg-type]
    assert c["data"]["lines"] == ["from app.models.db import db"]
    assert "models from `db.Model` (3)" in c["statement"]


# --------------------------------------------------------------------------- packs (real model)


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def _routes(name: str, deps: str) -> str:
    return f"""
        from fastapi import APIRouter, Depends
        from app.deps import {deps}

        router = APIRouter(prefix="/{name}")


        @router.get("/")
        def list_{name}(user=Depends(require_user)):
            return []


        @router.post("/")
        def create_{name}(body: dict, user=Depends(require_user)):
            return body


        @router.delete("/{{item_id}}")
        def delete_{name}(item_id: int, user=Depends(require_user)):
            return None
        """


@pytest.mark.integration
def test_pack_shows_other_names_of_the_modules_it_imports_from(tmp_path, real_encoder):
    from memorybrain import Brain

    service = "from app.deps import audit_log, require_owner\n\n\ndef run():\n    return audit_log, require_owner\n"
    _write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/deps.py": """
                def require_user():
                    return 1


                def require_owner():
                    return 2


                def audit_log(event):
                    return event


                def never_imported():
                    return 3


                AUDIT_LEVEL = "info"
                """,
            "app/routes/__init__.py": "",
            "app/routes/items.py": _routes("items", "require_user"),
            "app/routes/orders.py": _routes("orders", "require_user"),
            "app/services/billing.py": service,
            "app/services/shipping.py": service,
        },
    )
    with Brain.open(tmp_path, encoder=real_encoder) as brain:
        brain.index()
        md = brain.context("Add CRUD endpoints for widgets", budget=4000).to_markdown()
    block = md[md.index("# more names from these modules (what other files import first):") :].splitlines()
    # imported by 2 files each first, then the module's other public definitions, then constants
    assert block[1] == "from app.deps import audit_log, require_owner, never_imported, AUDIT_LEVEL"


@pytest.mark.integration
def test_pack_shows_the_projects_usual_base_classes(drf_brain):
    md = drf_brain.context("Add CRUD endpoints for payments", budget=4000).to_markdown()
    assert "classes derive from the project's usual bases" in md
    header = md[md.index("# the base classes the project's classes derive from") :].splitlines()
    assert "from rest_framework.serializers import ModelSerializer" in header[1:4]


def test_error_form_counts_framework_http_exceptions():
    from memorybrain.linker import Route, _error_form_conventions

    def route(i: int, calls: list[dict]) -> Route:
        return Route(id=f"r{i}", path="api/views.py", meta={"error_calls": calls})

    drf = {"text": "raise serializers.ValidationError(...)", "callee": "ValidationError", "status": "none"}
    django = {"text": "raise Http404(...)", "callee": "Http404", "status": "none"}
    plain = {"text": "raise ValueError(...)", "callee": "ValueError", "status": "none"}  # a builtin: not HTTP
    routes = [route(0, [drf]), route(1, [drf]), route(2, [django]), route(3, [plain])]
    (c,) = _error_form_conventions(routes, {})
    assert c["statement"] == (
        "errors are signalled as `raise serializers.ValidationError(...)` (2 of 4 handlers); "
        "also `raise Http404(...)` ×1"
    )


def test_helpers_convention_ignores_methods_of_objects():
    from memorybrain.linker import Route, _helper_conventions

    defs = {"get": [("p1", "function", "app/utils.py", {})], "create_item": [("p2", "function", "app/services.py", {})]}
    files_meta = {"app/views.py": {"imports": [_imp("app", "services")]}}
    calls = ["request.GET.get", "services.create_item"]
    routes = [Route(id=f"r{i}", path="app/views.py", meta={"calls": calls}) for i in range(3)]
    (c,) = _helper_conventions(routes, defs, files_meta)
    assert c["data"]["names"] == ["create_item"]


def test_models_convention_follows_the_orm_the_handlers_use():
    from collections import Counter

    from memorybrain.linker import _model_conventions

    rows = [(f"s{i}", "model", f"Gen{i}", "app/generated/v1.py", {"orm": "sqlalchemy"}, 0, "") for i in range(5)]
    rows += [(f"d{i}", "model", f"Real{i}", "app/models.py", {"orm": "django"}, 0, "") for i in range(2)]
    (c,) = _model_conventions(rows, Counter({"Real0": 4, "Real1": 1}))
    assert c["statement"] == "models are django (2 models, mostly in `app/`)"
    assert c["data"]["pattern_ids"] == ["d0"]
    (c,) = _model_conventions(rows, Counter())  # nothing used: the most models decide
    assert c["data"]["orm"] == "sqlalchemy"


@pytest.mark.integration
def test_pack_lists_the_projects_own_exceptions_from_modules_it_does_not_show(tmp_path, real_encoder):
    from memorybrain import Brain

    _write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/deps.py": "def require_user():\n    return 1\n",
            "app/billing_errors.py": """
                class PaymentRequired(Exception):
                    pass
                """,
            "app/routes/__init__.py": "",
            "app/routes/items.py": _routes("items", "require_user"),
            "app/routes/orders.py": _routes("orders", "require_user"),
            # no route module imports app.billing_errors: only a service raises its exception
            "app/services/billing.py": """
                from app.billing_errors import PaymentRequired


                def charge(amount):
                    if amount <= 0:
                        raise PaymentRequired()
                    return amount
                """,
        },
    )
    with Brain.open(tmp_path, encoder=real_encoder) as brain:
        brain.index()
        md = brain.context("Add CRUD endpoints for widgets", budget=4000).to_markdown()
    block = md[md.index("# the project's own decorators, dependencies and exceptions for endpoints:") :]
    assert block.splitlines()[1] == "from app.billing_errors import PaymentRequired"


def test_shared_imports_keep_the_alias_most_modules_write():
    """pretalx: ``from django.utils.translation import gettext_lazy as _`` in every route module:
    the shared line keeps ``as _`` (code calling ``_()`` needs it)."""
    from memorybrain.linker import _import_conventions

    def imp(name: str, alias: str | None) -> dict:
        return {"module": "django.utils.translation", "name": name, "alias": alias, "level": 0, "line": 1}

    files_meta = {
        f"app/views/v{i}.py": {"imports": [imp("gettext_lazy", "_"), imp("ngettext", None)]} for i in range(4)
    }
    files_meta["app/views/v4.py"] = {"imports": [imp("gettext_lazy", None)]}
    routes = [type("R", (), {"path": p})() for p in files_meta]
    (c,) = _import_conventions(routes, files_meta)  # type: ignore[arg-type]
    assert c["data"]["lines"] == ["from django.utils.translation import gettext_lazy as _, ngettext"]


def test_a_tight_budget_drops_the_stacks_tail_before_the_conventions():
    """langflow at 2000 tokens: eighteen stack facts (servers, settings and driver libraries)
    pushed out the errors convention; the stack's tail goes first, down to eight facts."""
    from memorybrain.models import Fact
    from memorybrain.pack import MIN_STACK_BEFORE_CONVENTIONS, Pack, PackBuilder

    stack = [
        Fact(category="other", name=f"library-{i}", value=">=1.0", source_path="pkg/METADATA", source_line=i)
        for i in range(18)
    ]
    conventions = [{"key": f"c{i}", "topic": "errors", "statement": f"convention {i} " + "x" * 200} for i in range(8)]
    pack = Pack(request="Add CRUD endpoints for notifications", budget=1000, project="p", stack=stack)
    pack.conventions = conventions
    PackBuilder._shrink_fixed(None, pack, "md")  # type: ignore[arg-type]
    assert len(pack.stack) == MIN_STACK_BEFORE_CONVENTIONS
    assert len(pack.conventions) > 3 and pack.conventions[0]["key"] == "c0"
