"""The quality suite's metric and ground truth, on tiny inline examples (no downloads, no model)."""

from __future__ import annotations

import ast
import importlib
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

tasks = importlib.import_module("benchmarks.quality.tasks")
metric = importlib.import_module("benchmarks.quality.metric")
baselines = importlib.import_module("benchmarks.quality.baselines")
corpus = importlib.import_module("benchmarks.quality.corpus")


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def tree(text: str) -> ast.Module:
    return ast.parse(src(text))


FASTAPI_ROUTER = src(
    """
    from typing import Annotated

    from fastapi import APIRouter, Depends, HTTPException, status

    from app.core.deps import CurrentUser, get_db
    from app.core.errors import NotFoundError, raise_forbidden
    from ..schemas import InvoiceIn, InvoiceOut
    import app.services.billing
    from pydantic import BaseModel

    router = APIRouter(prefix="/invoices", dependencies=[Depends(require_tenant)])


    class InvoiceFilter(BaseModel):
        q: str | None = None


    @router.get("/")
    @cache_response(60)
    def list_invoices(user: CurrentUser, db=Depends(get_db)):
        return []


    @router.get("/{invoice_id}")
    def get_invoice(invoice_id: int, user: CurrentUser, db=Depends(get_db)):
        if invoice_id < 0:
            raise NotFoundError("invoice")
        if not user:
            raise_forbidden()
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="no")


    @router.post("/", status_code=201)
    async def create_invoice(body: InvoiceIn, user: Annotated[object, Security(get_admin, scopes=["x"])]):
        try:
            return body
        except ValueError:
            raise HTTPException(status_code=status.HTTP_400_BAD_REQUEST, detail="bad")


    def helper():
        return 1
    """
)

DEPS = src(
    """
    from typing import Annotated
    from fastapi import Depends

    CurrentUser = Annotated[object, Depends(get_current_user)]


    def get_db():
        yield None
    """
)


# ---------------------------------------------------------------------- handlers


def test_fastapi_handlers_are_the_decorated_functions() -> None:
    handlers = tasks.find_handlers(ast.parse(FASTAPI_ROUTER))
    assert [h.name for h in handlers] == ["list_invoices", "get_invoice", "create_invoice"]
    # the route decorator is not among a handler's decorators; the others are
    assert [tasks.last_name(d) for d in handlers[0].decorators] == ["cache_response"]


def test_flask_function_views_methodviews_and_resources() -> None:
    t = tree(
        """
        from flask import Blueprint
        from flask.views import MethodView
        bp = Blueprint("forum", __name__)

        @bp.route("/")
        @login_required
        def index():
            pass

        def search():
            pass

        def not_a_view():
            pass

        bp.add_url_rule("/search", "search", search)

        class TopicView(MethodView):
            decorators = [login_required, allows.requires(IsAdmin)]

            def get(self, topic_id):
                pass

            def post(self, topic_id):
                pass

            def _helper(self):
                pass

        register_view(bp, routes=["/topic/<int:topic_id>"], view_func=TopicView.as_view("topic"))

        class Things(ResourceMixin, Resource):
            @login_required
            def get(self):
                pass
        """
    )
    handlers = tasks.find_handlers(t)
    assert [h.qualname for h in handlers] == ["index", "search", "TopicView.get", "TopicView.post", "Things.get"]
    topic_get = handlers[2]
    assert [tasks.last_name(d) for d in topic_get.decorators] == ["login_required", "requires"]


def test_registered_class_without_view_base_and_route_decorated_class() -> None:
    t = tree(
        """
        class Sketches(Base):
            def get(self):
                pass
            def delete(self):
                pass

        api.add_resource(Sketches, "/sketches/")

        @ns.route("/items")
        class Items(object):
            def get(self):
                pass
        """
    )
    assert [h.qualname for h in tasks.find_handlers(t)] == ["Sketches.get", "Sketches.delete", "Items.get"]


def test_drf_handlers_viewset_actions_api_view_and_inherited() -> None:
    t = ast.parse(
        textwrap.dedent(
            """
            @api_view(["GET"])
            @throttle_classes([Burst])
            def ping(request):
                pass

            class OrderViewSet(viewsets.ModelViewSet):
                permission_classes = [IsOwner]
                def create(self, request):
                    pass
                def get_queryset(self):
                    pass
                @action(detail=True, methods=["post"])
                def cancel(self, request, pk=None):
                    pass

            class TagViewSet(NautobotModelViewSet):
                queryset = Tag.objects.all()

            class Helper(Base):
                def list(self):
                    pass
            """
        )
    )
    handlers = tasks.find_handlers(t)
    assert [h.qualname for h in handlers] == ["ping", "OrderViewSet.create", "OrderViewSet.cancel", "TagViewSet"]
    assert [tasks.last_name(d) for d in handlers[0].decorators] == ["throttle_classes"]
    raw = tasks.raw_conventions(t, set())
    assert raw["throttle_classes"] == {"decorator"} and raw["NautobotModelViewSet"] == {"base"}
    assert "action" not in raw and "api_view" not in raw
    assert tasks.resource_name("kolibri/plugins/user_profile/viewsets.py") == "user profile"


# ---------------------------------------------------------------------- conventions


def test_raw_conventions_categories() -> None:
    aliases = tasks.annotated_aliases(ast.parse(DEPS))
    assert aliases == {"CurrentUser"}
    raw = tasks.raw_conventions(ast.parse(FASTAPI_ROUTER), {"app"}, aliases)
    assert raw["cache_response"] == {"decorator"}
    assert raw["get_db"] == {"dependency", "import"}
    assert raw["require_tenant"] == {"dependency"}  # router-level Depends
    assert raw["get_admin"] == {"dependency"}  # Security(...) inside Annotated
    assert raw["CurrentUser"] == {"dependency", "import"}  # an Annotated alias used in a signature
    assert raw["NotFoundError"] == {"exception", "import"}
    assert raw["HTTPException"] == {"exception"}
    assert raw["raise_forbidden"] == {"error_helper", "import"}
    assert raw["InvoiceIn"] == {"import"}  # relative imports are the project's own
    assert raw["billing"] == {"import"}  # import app.services.billing
    assert raw["BaseModel"] == {"base"}
    for third_party in ("APIRouter", "Annotated", "Depends", "status", "route", "get", "post"):
        assert third_party not in raw
    assert tasks.primary_category(raw["get_db"]) == "dependency"
    assert tasks.primary_category(raw["InvoiceIn"]) == "import"


def test_error_helpers_need_an_imported_receiver_and_skip_loggers() -> None:
    t = tree(
        """
        import ckan.plugins.toolkit as tk
        from flask import abort

        def view():
            abort(404)
            tk.abort(403, "no")
            response.raise_for_status()
            log.error("x")
            logger.error("y")
            h.flash_error("z")
        """
    )
    raw = tasks.raw_conventions(t, {"ckan"})
    assert raw["abort"] == {"error_helper"}
    assert "raise_for_status" not in raw and "error" not in raw
    assert "flash_error" not in raw  # h is not imported in this file: a local object


def test_shared_conventions_filter() -> None:
    router = src(
        """
        from app.deps import get_db, only_here, common
        from app.errors import NotFound

        @router.get("/a")
        def a(db=Depends(get_db)):
            raise NotFound()

        @router.get("/b")
        def b():
            only_here()
            common()
            len([])
        """
    )
    sources = {
        "app/routers/things.py": router,
        "app/deps.py": "def get_db():\n    pass\ndef common():\n    pass\n",
        "app/errors.py": "class NotFound(Exception):\n    pass\ncommon = 1\n",
        "app/other.py": "from app.errors import NotFound\ncommon = 2\n",
        "app/more.py": "common = 3\n",
        "app/a.py": "pass\n",
        "app/b.py": "common = 4\n",
    }
    cb = tasks.Codebase.from_sources("demo", sources, {"app"})
    raw = tasks.raw_conventions(cb.trees["app/routers/things.py"], cb.own_packages, cb.aliases)
    raw["len"] = {"import"}  # pretend: builtins are dropped whatever their category
    kept, dropped = tasks.shared_conventions(cb, "app/routers/things.py", raw)
    assert set(kept) == {"get_db", "NotFound"}
    assert dropped["only_here"] == "only in this module"
    assert dropped["common"] == "in 6 of 7 files"
    assert dropped["len"] == "builtin"


def test_build_and_select_tasks_are_deterministic() -> None:
    sources = {}
    for name in ("invoices", "customers", "orders", "payments"):
        sources[f"app/routers/{name}.py"] = FASTAPI_ROUTER
    sources["app/core/deps.py"] = DEPS
    sources["app/core/errors.py"] = "class NotFoundError(Exception):\n    pass\ndef raise_forbidden():\n    pass\n"
    sources["app/main.py"] = FASTAPI_ROUTER  # an application module: never a task
    sources["app/api.py"] = "from fastapi import FastAPI\napp = FastAPI()\n" + FASTAPI_ROUTER  # nor this
    sources["tests/test_invoices.py"] = FASTAPI_ROUTER  # a test: never a task
    sources.update({f"app/filler{i}.py": "pass\n" for i in range(10)})
    cb = tasks.Codebase.from_sources("demo", sources)
    assert cb.own_packages == {"app", "tests"}
    one, eligible = tasks.select_tasks(cb, limit=2, seed=7)
    two, _ = tasks.select_tasks(cb, limit=2, seed=7)
    assert eligible == 4
    assert [t.module for t in one] == [t.module for t in two]
    task = tasks.build_task(cb, "app/routers/invoices.py")
    assert task.request == "Add CRUD API endpoints for invoices"
    assert task.handlers == 3
    assert {"CurrentUser", "get_db", "NotFoundError", "cache_response"} <= set(task.conventions)
    assert task.error_form == tasks.ErrorForm("HTTPException", "attr:status", ("detail", "status_code"))
    assert {"NotFoundError", "CurrentUser", "get_db"} <= task.defined  # defined in another file
    assert "cache_response" not in task.defined
    # every router here is a copy, so siblings use all of them ...
    assert task.in_other_routes == set(task.conventions)
    # ... but a name only this router uses is no sibling's
    sources["app/core/errors.py"] += "class GoneError(Exception):\n    pass\n"
    sources["app/routers/invoices.py"] = FASTAPI_ROUTER + "\nfrom app.core.errors import GoneError\n"
    lone = tasks.build_task(tasks.Codebase.from_sources("demo", sources), "app/routers/invoices.py")
    assert "GoneError" in lone.conventions and "GoneError" not in lone.in_other_routes


@pytest.mark.parametrize(
    ("path", "resource"),
    [
        ("app/routers/invoices.py", "invoices"),
        ("flaskbb/forum/views.py", "forum"),
        ("zenml/zen_server/routers/pipelines_endpoints.py", "pipelines"),
        ("timesketch/api/v1/resources/view.py", "view"),
        ("langflow/api/v1/api_key.py", "api key"),
        ("open_webui/routers/audio/__init__.py", "audio"),
        ("langflow/agentic/api/router.py", "agentic"),
    ],
)
def test_resource_name(path: str, resource: str) -> None:
    assert tasks.resource_name(path) == resource


# ---------------------------------------------------------------------- the metric


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("@login_required\ndef f(): ...", "decorator"),
        ("@auth.login_required\ndef f(): ...", "decorator"),
        ("def f(db = Depends(login_required)): ...", "dependency"),
        ("    raise login_required(1)", "raise"),
        ("except (KeyError, login_required) as e:", "except"),
        ("class Foo(Base, login_required):", "base"),
        ("from app.auth import (\n    other,\n    login_required,\n)", "import"),
        ("from app.auth import login_required as lr", "import"),
        ("import app.login_required", "import"),
        ("from app.login_required import x", "import"),
        ("async def login_required(request):", "definition"),
        ("class login_required:", "definition"),
        ("login_required: Callable = make()", "definition"),
    ],
)
def test_code_forms(text: str, form: str) -> None:
    assert metric.code_form("login_required", text) == form


@pytest.mark.parametrize(
    "text",
    [
        "Conventions: login_required, get_db, NotFound",  # a bare list of names
        "- routes use login_required on 14 of 17 handlers",  # prose
        "x = not_login_required + login_required_extra",  # other identifiers
        "if login_required == 1: pass",  # a comparison is not a definition
        "return login_required(request)",  # a call counts only for error helpers
        "def f(user: login_required): ...",  # an annotation counts only for dependencies
    ],
)
def test_bare_names_score_nothing(text: str) -> None:
    assert metric.code_form("login_required", text) is None


def test_category_specific_forms() -> None:
    assert metric.code_form("abort", "    abort(404)", ["error_helper"]) == "call"
    assert metric.code_form("abort", "    tk.abort(404)", ["error_helper"]) == "call"
    assert metric.code_form("abort", "    abort(404)", ["import"]) is None
    assert metric.code_form("CurrentUser", "def f(user: CurrentUser): ...", ["dependency"]) == "annotation"
    assert metric.code_form("CurrentUser", "def f(user: deps.CurrentUser): ...", ["dependency"]) == "annotation"


def test_usage_recall() -> None:
    conventions = {"get_db": {"dependency"}, "NotFound": {"exception"}, "abort": {"error_helper"}}
    pack = "## Conventions\n- uses get_db and NotFound\n```python\ndef f(db=Depends(get_db)):\n    abort(404)\n```"
    r = metric.usage_recall(conventions, pack)
    assert r.found == {"abort": "call", "get_db": "dependency"}
    assert r.missed == ["NotFound"]
    assert r.total == 3 and r.value == pytest.approx(2 / 3)
    assert metric.usage_recall({}, pack).value == 0.0


def test_error_forms_from_the_module_and_from_pack_fragments() -> None:
    module = tree(
        """
        from flask import abort
        def a():
            abort(HTTP_STATUS_CODE_NOT_FOUND, "No sketch")
        def b():
            abort(HTTP_STATUS_CODE_FORBIDDEN, "no")
            raise ValueError("builtin exceptions say nothing about the response")
        def c():
            raise HTTPException(status_code=404)
        """
    )
    forms = tasks.error_forms(module)
    assert [f.callee for f in forms] == ["abort", "abort", "HTTPException"]
    expected = tasks.dominant_error_form(module)
    assert expected == tasks.ErrorForm("abort", "name", ())
    # a trimmed fragment with an unbalanced header still yields its calls
    pack = (
        "```python\n    def get(self, sketch_id):\n        if not sketch:\n"
        '            abort(\n                HTTP_STATUS_CODE_FORBIDDEN, "User does not have read access."\n'
        "            )\n        # … 40 more lines trimmed\n```"
    )
    assert metric.error_form_present(expected, pack) is True
    assert metric.error_form_present(expected, "abort(404)") is False  # an int status: another style
    assert metric.error_form_present(None, pack) is None
    fastapi = (
        "raise HTTPException(\n    status_code=status.HTTP_404_NOT_FOUND,\n    detail=ERROR_MESSAGES.NOT_FOUND,\n)"
    )
    assert metric.pack_error_forms(fastapi) == {
        tasks.ErrorForm("HTTPException", "attr:status", ("detail", "status_code"))
    }
    assert metric.pack_error_forms('log.error("x")\nprint(foo(1))') == set()


# ---------------------------------------------------------------------- baselines


def test_chunks_cover_functions_classes_and_module_code() -> None:
    methods = "\n".join(f"    def m{i}(self):\n" + "        x = 1\n" * 10 for i in range(8))
    source = (
        src(
            """
        import os
        X = 1

        @dec
        def f():
            return 1

        Y = 2
        """
        )
        + f"class Big:\n    a = 1\n{methods}"
    )
    chunks = baselines.chunk_source("m.py", source)
    names = [c.name for c in chunks]
    assert names[:4] == ["module code", "f", "module code", "Big"]
    assert names[4:] == [f"Big.m{i}" for i in range(8)]
    assert chunks[1].start == 4 and chunks[1].code.startswith("@dec")
    assert all(c.end - c.start < baselines.MAX_CHUNK_LINES for c in chunks)
    assert baselines.chunk_source("bad.py", "def (:\n") == []


def test_greedy_packing_stays_within_budget() -> None:
    chunks = [baselines.Chunk("a.py", i, i + 5, f"f{i}", "x = 1\n" * (5 + i * 7)) for i in range(40)]
    for budget in (200, 500, 2000):
        text, chosen = baselines.pack_greedy("Add CRUD API endpoints for invoices", chunks, budget)
        assert (len(text) + 3) // 4 <= budget
        assert chosen and chosen[0] is chunks[0]


def test_bm25_and_random_ranking() -> None:
    chunks = [
        baselines.Chunk("app/routers/invoices.py", 1, 3, "list_invoices", "def list_invoices():\n    pass"),
        baselines.Chunk("app/util.py", 1, 2, "helper", "def helper():\n    return os.getcwd()"),
        baselines.Chunk("app/routers/users.py", 1, 2, "list_users", "def list_users():\n    pass"),
    ]
    b = baselines.Baselines(chunks, encoder=None)
    ranked = b.rank("bm25", "Add CRUD API endpoints for invoices", removed="app/routers/users.py")
    assert [c.name for c in ranked] == ["list_invoices", "helper"]
    r1 = b.rank("random", "x", removed="none", seed="s")
    assert [c.name for c in r1] == [c.name for c in b.rank("random", "x", removed="none", seed="s")]
    assert sorted(c.name for c in r1) == ["helper", "list_invoices", "list_users"]


def test_the_lock_pins_every_codebase() -> None:
    entries = corpus.load_lock()
    assert len(entries) >= 6
    for e in entries:
        assert len(e.sha256) == 64 and "==" in e.requirement and e.include


def test_report_tables_render() -> None:
    run = importlib.import_module("benchmarks.quality.run")
    cb = tasks.Codebase.from_sources(
        "demo",
        {
            "app/routers/invoices.py": FASTAPI_ROUTER,
            "app/routers/customers.py": FASTAPI_ROUTER,
            "app/core/deps.py": DEPS,
            **{f"app/filler{i}.py": "pass\n" for i in range(6)},
        },
    )
    task = tasks.build_task(cb, "app/routers/invoices.py")
    ref = run.reference_points(cb, task, ["app/routers/invoices.py", "app/routers/customers.py"])
    assert ref["best_module_path"] == "app/routers/customers.py"
    assert ref["best_module"] == ref["ceiling"] == 1.0  # an identical sibling shows everything
    rows = [
        run._score(system, 4000, task, FASTAPI_ROUTER if system == "brain" else "nothing", 0.1)
        for system in run.SYSTEMS
    ]
    assert rows[0].recall == 1.0 and rows[1].recall == 0.0 and rows[0].error_form is True
    info = {"codebase": "demo", "framework": "fastapi", "requirement": "demo==1", "files": 8, "lines": 80}
    info.update(eligible=2, tasks=[{**task.as_dict(), "reference": ref}])
    meta = {
        "date": "today",
        "machine": run.machine(),
        "version": "0",
        "indexer_version": "0",
        "model": "m",
        "command": "python -m benchmarks.quality.run",
        "seconds": 60.0,
        "cold": "",
        "limit": 5,
        "seed": 0,
    }
    text = run.report(rows, [info], [task], (4000,), meta)
    assert "| brain | 4000 | 1.000 |" in text
    assert "| demo | 1 |" in text and "| **all** | 1.000 |" in text
