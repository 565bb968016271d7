"""The code a project already has for the request's resource: found by name, shown as imports."""

from __future__ import annotations

import textwrap

import pytest

from memorybrain.pack import _is_test_path, _module_of, name_words, resource_words
from tests.conftest import FASTAPI_APP, FLASK_APP, copy_app


def test_resource_words_keep_nouns_with_both_numbers():
    assert resource_words("Add CRUD API endpoints for invoices") == {"invoices", "invoice"}
    assert resource_words("add endpoints for memories") == {"memories", "memory"}
    assert resource_words("Create a REST api for the category") == {"category", "categories"}
    assert resource_words("add new endpoints") == set()
    assert "boxes" in resource_words("list boxes") and "box" in resource_words("list boxes")


def test_name_words_split_camel_and_snake_case():
    assert name_words("MemoryBaseCreate") == ["memory", "base", "create"]
    assert name_words("get_user_by_id") == ["get", "user", "by", "id"]
    assert name_words("HTTPError") == ["http", "error"]
    assert name_words("CanAccessForum") == ["can", "access", "forum"]


def test_module_of_paths():
    assert _module_of("app/models/invoice.py") == "app.models.invoice"
    assert _module_of("src/shop/schemas/__init__.py") == "shop.schemas"
    assert _module_of("pkg/__init__.py") == "pkg"


def test_test_and_migration_paths_are_not_offered():
    assert _is_test_path("tests/test_invoices.py")
    assert _is_test_path("app/invoices/test_views.py")
    assert _is_test_path("app/migrations/0001_invoices.py")
    assert _is_test_path("lnbits/core/migrations.py")
    assert _is_test_path("conftest.py")
    assert _is_test_path("weblate/api/tests.py")
    assert not _is_test_path("app/models/invoice.py")


@pytest.mark.integration
def test_pack_imports_the_resource_code_when_its_route_module_is_missing(tmp_path, real_encoder):
    """Leave-one-out on the fixture: remove the channels routes, ask for them again."""
    from memorybrain import Brain

    root = copy_app(FASTAPI_APP, tmp_path / "app")
    (root / "app/api/routes/channels.py").unlink()
    with Brain.open(root, encoder=real_encoder) as brain:
        brain.index()
        md = brain.context("Add CRUD endpoints for channels", budget=4000).to_markdown()
    block = md[md.index("# the project already has code for channel") :]
    lines = block.splitlines()[1:4]
    assert any(line.startswith("from app.models.channel import ") and "Channel" in line for line in lines)
    schema_line = next(line for line in lines if line.startswith("from app.schemas.channel import "))
    assert {"ChannelCreate", "ChannelUpdate", "ChannelOut"} <= set(schema_line.split(" import ")[1].split(", "))


def _pack_markdown(root, files: dict[str, str], request: str, encoder) -> str:
    """Write ``files`` under ``root``, index them and return the 4000-token pack for ``request``."""
    from memorybrain import Brain

    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    with Brain.open(root, encoder=encoder) as brain:
        brain.index()
        return brain.context(request, budget=4000).to_markdown()


@pytest.mark.integration
def test_djangos_app_configs_are_no_resource_code(tmp_path, real_encoder):
    """kolibri: "endpoints for app" matched every ``apps.py`` (AppConfig classes) before the
    ``plugins/app/`` package that holds the app's code."""
    files = {
        "proj/__init__.py": "",
        "proj/core/apps.py": "from django.apps import AppConfig\nclass CoreConfig(AppConfig):\n    name = 'core'\n",
        "proj/auth/apps.py": "from django.apps import AppConfig\nclass AuthConfig(AppConfig):\n    name = 'auth'\n",
        "proj/plugins/app/utils.py": "SHARE_FILE = 'share_file'\nCHECK_IS_METERED = 'check_is_metered'\n"
        "def interface():\n    return None\n",
        "proj/plugins/app/api.py": "from rest_framework.views import APIView\nclass InitializeAppView(APIView):\n"
        "    def get(self, request):\n        pass\n",
    }
    md = _pack_markdown(tmp_path, files, "Add CRUD API endpoints for app", real_encoder)
    block = md[md.index("# the project already has code for app") :].split("\n# ", 1)[0]
    assert "from proj.plugins.app.utils import interface" in block
    assert "CoreConfig" not in block and "AuthConfig" not in block


@pytest.mark.integration
def test_pack_has_no_resource_block_for_a_new_resource(fastapi_brain, flask_brain):
    for brain in (fastapi_brain, flask_brain):
        md = brain.context("Add CRUD endpoints for notifications", budget=4000).to_markdown()
        assert "already has code for" not in md
        assert "names in the project that mention" not in md


@pytest.mark.integration
def test_names_mentioning_the_resource_are_importable(tmp_path, real_encoder):
    from memorybrain import Brain

    root = copy_app(FLASK_APP, tmp_path / "flask_app")
    (root / "bookshop/authors/routes.py").unlink()
    with Brain.open(root, encoder=real_encoder) as brain:
        brain.index()
        md = brain.context("Add CRUD endpoints for authors", budget=4000).to_markdown()
    assert "from bookshop.models import" in md
    line = next(x for x in md.splitlines() if x.startswith("from bookshop.") and "Author" in x)
    assert "Author" in line.split(" import ")[1].split(", ")


def test_fit_header_drops_whole_lines_and_dangling_comments():
    from memorybrain.pack import fit_header

    header = "from a import b\n# resource code:\nfrom c import d, e\n# building blocks:\nfrom f import g"
    assert fit_header(header, 1000) == header
    assert fit_header(header, len(header) - 1) == "from a import b\n# resource code:\nfrom c import d, e"
    assert fit_header(header, 20) == "from a import b"
    assert fit_header(header, 3) == ""


@pytest.mark.integration
def test_header_lists_the_projects_own_exceptions_the_exemplar_does_not_import(flask_brain):
    md = flask_brain.context("Add CRUD endpoints for notifications", budget=4000).to_markdown()
    code = md[md.index("## Exemplars") :]
    own, _, rest = code.partition("# the base classes")
    imported = {
        n
        for line in rest.split("```", 1)[0].splitlines()
        if line.startswith("from bookshop.errors import ")
        for n in line.split(" import ")[1].split(", ")
    }
    # the project's exceptions the exemplar module does not import (tests/fixtures/README.md):
    # listed with the other names of bookshop.errors, whose module the header shows already
    assert "APIError" not in own and "Forbidden" not in own
    assert {"APIError", "Forbidden"} <= imported


@pytest.mark.integration
@pytest.mark.parametrize("budget", [700, 1000, 1500])
def test_tight_budget_keeps_the_first_exemplar_by_cutting_its_header(fastapi_brain, budget):
    pack = fastapi_brain.context("Add CRUD endpoints for notifications", budget=budget)
    assert pack.tokens <= budget
    if budget >= 1000:
        assert pack.exemplars and pack.exemplars[0].role == "closest resource"


def test_the_import_header_leaves_room_for_the_next_route_of_the_resource():
    """litellm: conventions and a long first handler leave a long import header no room for a
    second budget route; the header gives way, down to half the room, keeping its first lines."""
    from memorybrain.models import Pattern
    from memorybrain.pack import Exemplar, _room_for_the_crud_set, exemplar_cost

    def route(name: str, lines: int) -> Exemplar:
        code = "\n".join(f"    x{i} = call_{i}(request)" for i in range(lines))
        p = Pattern("route", name, name, "app/budgets.py", 1, lines, f"def {name}(request):\n{code}", name, {})
        return Exemplar(pattern=p, role="closest resource", reason="route in `app/budgets.py`")

    header = "# app/budgets.py (imports)\n" + "\n".join(f"from app.mod{i} import name{i}" for i in range(200))
    first, second = route("new_budget", 80), route("list_budget", 40)
    first.header = header
    room = 7_000
    _room_for_the_crud_set([first, second], room, "md")
    assert first.header.startswith("# app/budgets.py (imports)\nfrom app.mod0 import name0")
    assert room // 2 - 100 <= len(first.header) < len(header)
    # a header that leaves room already is left whole
    again = route("new_budget", 10)
    again.header = header[:2000]
    _room_for_the_crud_set([again, second], room, "md")
    assert again.header == header[:2000] and exemplar_cost(again, "md") < room


@pytest.mark.integration
def test_in_a_module_serving_several_resources_the_requested_one_leads(tmp_path, real_encoder):
    from memorybrain import Brain

    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "__init__.py").write_text("")
    handlers = []
    for res in ("currencies", "bills"):
        handlers.append(
            f"""
@router.get("/{res}")
def list_{res}():
    return []


@router.post("/{res}")
def create_{res}(body: dict):
    return body


@router.delete("/{res}/{{item_id}}")
def delete_{res}(item_id: int):
    return None
"""
        )
    (tmp_path / "api" / "common.py").write_text(
        "from fastapi import APIRouter\n\nrouter = APIRouter()\n" + "\n".join(handlers)
    )
    with Brain.open(tmp_path, encoder=real_encoder) as brain:
        brain.index()
        pack = brain.context("Add CRUD endpoints for bills", budget=4000)
    leading = [e.pattern.name for e in pack.exemplars if e.role == "closest resource"][:3]
    assert leading == ["list_bills", "create_bills", "delete_bills"]


def test_layer_rank_puts_what_handlers_import_first():
    from memorybrain.pack import _layer_rank

    paths = [
        "shop/invoices/apps.py",
        "shop/invoices/management/commands/sync.py",
        "shop/invoices/serializers.py",
        "shop/invoices/models/lines.py",
        "shop/invoices/services.py",
    ]
    ranked = sorted(paths, key=lambda p: (_layer_rank(p), p))
    assert ranked[:3] == ["shop/invoices/models/lines.py", "shop/invoices/serializers.py", "shop/invoices/services.py"]


def test_checklist_does_not_advise_an_auth_dependency_only_a_few_handlers_use():
    from memorybrain.pack import _advice

    def auth(count: int, total: int) -> dict:
        data = {"form": "Depends(verified_page_token)", "count": count, "total": total}
        return {"key": "auth", "statement": "", "data": data}

    assert _advice("auth", auth(1, 191)) == "most handlers have none; `Depends(verified_page_token)` on only 1 of 191"
    assert _advice("auth", auth(150, 191)) == "add `Depends(verified_page_token)` like 150 of 191 handlers"


@pytest.mark.integration
def test_a_layer_folder_is_no_resource_even_when_the_request_names_it(fastapi_brain):
    """ "Endpoints for models": the modules in ``app/models/`` hold other resources' models."""
    md = fastapi_brain.context("Add CRUD endpoints for models", budget=4000).to_markdown()
    header = md[md.index("## Exemplars") :].split("```", 2)[1]
    block = header.split("# the project already has code for model", 1)
    resource_lines = block[1].split("\n#", 1)[0] if len(block) > 1 else ""
    assert "from app.models." not in resource_lines


def test_route_slots_of_drf_viewsets_come_from_their_actions():
    """A viewset is one pattern for its list and item routes: ``ModelViewSet`` is a whole CRUD
    resource, a list+retrieve viewset only reads (its methods alone would say just GET)."""
    from indexers import extract_python
    from memorybrain.pack import route_slots

    src = b"""
from rest_framework import mixins, viewsets

class ItemViewSet(viewsets.ModelViewSet):
    queryset = Item.objects.all()

class ReadView(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    pass
"""
    routes = {p.qualname: p for p in extract_python("app/api.py", src).patterns if p.kind == "route"}
    assert route_slots(routes["ItemViewSet"]) == {"list", "get", "create", "update", "delete"}
    assert route_slots(routes["ReadView"]) == {"list", "get"}


def test_route_slots_of_plain_routes_come_from_method_and_path():
    from memorybrain.models import Pattern
    from memorybrain.pack import route_slots

    def route(methods, path):
        return Pattern("route", "h", "h", "app/r.py", 1, 2, "", "", meta={"methods": methods, "full_path": path})

    assert route_slots(route(["GET", "POST"], "/items/")) == {"list", "create"}
    assert route_slots(route(["GET", "PUT", "DELETE"], "/items/{item_id}")) == {"get", "update", "delete"}
    assert route_slots(route(["POST"], "/items/{item_id}")) == set()


@pytest.mark.integration
def test_checklist_auth_follows_the_closest_module_when_it_is_guarded_otherwise(tmp_path, real_encoder):
    """changedetection.io: the pages use ``@login_optionally_required``, the REST API
    ``@auth.check_token``. Asked for API endpoints, the checklist leads with the API's guard."""
    from memorybrain import Brain

    pages = "\n\n".join(
        f'''@bp.route("/{name}")
@login_required
def {name}_page():
    return render_template("{name}.html")'''
        for name in ("home", "settings", "watches", "history", "diff", "preview", "backups", "import_page")
    )
    files = {
        "app/auth.py": "def login_required(f):\n    return f\n\n\ndef token_required(f):\n    return f\n",
        "app/ui/views.py": f"from flask import Blueprint, render_template\n\nfrom app.auth import login_required\n\n"
        f'bp = Blueprint("ui", __name__)\n\n\n{pages}\n',
        "app/api/tags.py": """\
from flask import Blueprint, jsonify

from app.auth import token_required

api = Blueprint("api", __name__, url_prefix="/api/v1")


@api.route("/tags", methods=["GET"])
@token_required
def list_tags():
    return jsonify([])


@api.route("/tags", methods=["POST"])
@token_required
def create_tag():
    return jsonify({}), 201


@api.route("/tags/<uuid>", methods=["DELETE"])
@token_required
def delete_tag(uuid):
    return "", 204
""",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    with Brain.open(tmp_path, encoder=real_encoder) as brain:
        brain.index()
        pack = brain.context("Add CRUD API endpoints for tags", budget=4000)
    auth = next(i for i in pack.checklist if i.key == "auth")
    assert auth.answer.startswith(
        "like `app/api/tags.py`, the module most like the request: `@token_required` (3 of its 3 handlers); "
        "across the project: add `@login_required` like 8 of 11 handlers"
    )


@pytest.mark.integration
def test_header_imports_are_valid_mark_the_exemplar_module_and_skip_tests(tmp_path, real_encoder):
    """A module name with a hyphen cannot be imported, Django's ``tests.py`` is test code, and
    what the exemplar's own module offers is marked as its own (``messages.py`` imports
    ``get_channel_for_user`` from ``channels.py``, the closest module here)."""
    from memorybrain import Brain

    root = copy_app(FASTAPI_APP, tmp_path / "app")
    (root / "app/management/commands").mkdir(parents=True)
    (root / "app/management/commands/send-channel-digest.py").write_text("class ChannelDigest:\n    pass\n")
    (root / "app/tests.py").write_text("class ChannelTests:\n    def test_list_channels(self):\n        pass\n")
    with Brain.open(root, encoder=real_encoder) as brain:
        brain.index()
        pack = brain.context("Add CRUD endpoints for channels", budget=8000)
    assert pack.exemplars[0].pattern.path == "app/api/routes/channels.py"
    header = pack.exemplars[0].header
    assert "# app/api/routes/channels.py (imports)" in header
    # a new module imports what the exemplar's module offers; the line says which module that is
    mine = [x for x in header.splitlines() if x.startswith("from app.api.routes.channels import")]
    assert mine and all(x.endswith("  # the exemplar's own module") for x in mine)
    assert "get_channel_for_user" in mine[0]
    md = pack.to_markdown()
    assert "send-channel-digest" not in md and "ChannelDigest" not in md
    assert "from app.tests import" not in md and "ChannelTests" not in md


@pytest.mark.integration
def test_crud_set_in_a_module_of_many_resources_takes_the_resources_own_routes(tmp_path, real_encoder):
    """chainlit's server.py: "threads" should get rename/delete_thread, not the element routes
    that also name threads, nor ``HEAD /``."""
    from memorybrain import Brain

    root = tmp_path / "app"
    (root / "app").mkdir(parents=True)
    (root / "app/__init__.py").write_text("")
    (root / "app/server.py").write_text(
        textwrap.dedent(
            """
            from fastapi import APIRouter, Depends
            router = APIRouter()

            @router.head("/")
            def status_check():
                return {}

            @router.put("/project/thread/{thread_id}/element")
            def update_thread_element(thread_id: str, user=Depends(get_current_user)):
                return {}

            @router.delete("/project/thread/{thread_id}/element/{element_id}")
            def delete_thread_element(thread_id: str, element_id: str, user=Depends(get_current_user)):
                return {}

            @router.post("/project/threads")
            def get_user_threads(user=Depends(get_current_user)):
                return []

            @router.get("/project/thread/{thread_id}")
            def get_thread(thread_id: str, user=Depends(get_current_user)):
                return {}

            @router.put("/project/thread/{thread_id}")
            def rename_thread(thread_id: str, user=Depends(get_current_user)):
                return {}

            @router.delete("/project/thread/{thread_id}")
            def delete_thread(thread_id: str, user=Depends(get_current_user)):
                return {}

            @router.get("/project/settings")
            def project_settings():
                return {}
            """
        )
    )
    with Brain.open(root, encoder=real_encoder) as brain:
        brain.index()
        pack = brain.context("Add CRUD endpoints for threads", budget=8000)
    closest = [ex.pattern.name for ex in pack.exemplars if ex.role == "closest resource"]
    assert set(closest[:4]) == {"get_user_threads", "get_thread", "rename_thread", "delete_thread"}


@pytest.mark.integration
def test_the_module_whose_routes_name_the_resource_leads(tmp_path, real_encoder):
    """wger: "weight entries" picked WorkoutViewSet (close in meaning, a fuller module) over
    WeightEntryViewSet; the routes that name the resource settle it."""
    from memorybrain import Brain

    root = tmp_path / "app"
    (root / "app/routers").mkdir(parents=True)
    for name in ("__init__.py", "routers/__init__.py"):
        (root / "app" / name).write_text("")
    crud = "from fastapi import APIRouter\nrouter = APIRouter()\n"
    workouts = crud + "".join(
        f'\n@router.{m}("/workouts/{p}")\ndef {f}_workout():\n    return {{}}\n'
        for m, p, f in (("get", "", "list"), ("post", "", "create"), ("get", "{wid}", "get"),
                        ("put", "{wid}", "update"), ("delete", "{wid}", "delete"), ("get", "{wid}/log", "log"))
    )  # fmt: skip
    weights = crud + "".join(
        f'\n@router.{m}("/weight-entries/{p}")\ndef {f}_weight_entry():\n    return {{}}\n'
        for m, p, f in (("get", "", "list"), ("post", "", "create"))
    )
    (root / "app/routers/workouts.py").write_text(workouts)
    (root / "app/routers/weights.py").write_text(weights)
    with Brain.open(root, encoder=real_encoder) as brain:
        brain.index()
        pack = brain.context("Add CRUD API endpoints for weight entries", budget=4000)
        assert pack.exemplars[0].pattern.path == "app/routers/weights.py"
        # even when retrieval ranks the workout routes closer, as it did on wger
        from memorybrain.retrieve import Hit

        builder = brain._builder
        routes = list(brain.patterns(kind="route"))
        hits = [
            Hit(p.id, "route", p.path, 0.7 if "workout" in p.path else 0.6, 0.0, 0.0)
            for p in sorted(routes, key=lambda p: p.path != "app/routers/workouts.py")
        ]
        module, _routes, _rest = builder._best_module(hits, [], "Add CRUD API endpoints for weight entries")
        assert module == "app/routers/weights.py"


@pytest.mark.integration
def test_resource_block_names_only_the_words_it_found_and_skips_scripts(tmp_path, real_encoder):
    """pretalx: "sponsors of an event" found only event code, yet said "the project already has
    code for sponsor event", and listed a management command (``create_test_event``); mayan's
    "tags" listed template-tag libraries."""
    files = {
        "proj/__init__.py": "",
        "proj/event/models.py": "class Event:\n    pass\n\nclass EventSettings:\n    pass\n",
        "proj/common/management/commands/create_test_event.py": "class Command:\n    def handle(self):\n"
        "        pass\n\ndef schedule_slot():\n    pass\n",
        "proj/event/templatetags/event_tags.py": "def event_badge(event):\n    return ''\n",
        "proj/api/talks.py": "from rest_framework.views import APIView\nclass TalkView(APIView):\n"
        "    def get(self, request):\n        pass\n",
    }
    md = _pack_markdown(tmp_path, files, "Add CRUD API endpoints for sponsors of an event", real_encoder)
    assert "# the project already has code for event: import it from here" in md
    assert "sponsor event" not in md
    imports = [x for x in md.splitlines() if x.startswith("from proj.")]
    assert not any("create_test_event" in x or "templatetags" in x for x in imports), imports


@pytest.mark.integration
def test_module_constants_that_name_the_resource_are_offered(tmp_path, real_encoder):
    """ckan: the activity views filter with ``VALIDATORS_PACKAGE_ACTIVITY_TYPES`` from the
    activity validators; constants naming the resource come after the definitions, from
    importable non-test modules, and a constant's name is never taken from a test."""
    from memorybrain import Brain

    root = copy_app(FLASK_APP, tmp_path / "flask_app")
    (root / "bookshop/authors/routes.py").unlink()
    (root / "bookshop/validators.py").write_text(
        "AUTHOR_SORT_FIELDS = {'name', 'born'}\nMAX_AUTHORS_PER_PAGE = 50\nUNRELATED = 1\n_PRIVATE_AUTHOR_FLAG = True\n"
    )
    (root / "tests").mkdir(exist_ok=True)
    (root / "tests/test_constants.py").write_text("AUTHOR_FIXTURE_NAMES = ['a']\n")
    with Brain.open(root, encoder=real_encoder) as brain:
        brain.index()
        md = brain.context("Add CRUD endpoints for authors", budget=4000).to_markdown()
    line = next(x for x in md.splitlines() if x.startswith("from bookshop.validators import "))
    assert set(line.split(" import ")[1].split(", ")) == {"AUTHOR_SORT_FIELDS", "MAX_AUTHORS_PER_PAGE"}
    assert "AUTHOR_FIXTURE_NAMES" not in md and "_PRIVATE_AUTHOR_FLAG" not in md


NEW_RESOURCE_FILES = {
    "app/__init__.py": "",
    "app/main.py": """
from fastapi import FastAPI
from app.routers import alerts, books

app = FastAPI()
app.include_router(alerts.router)
app.include_router(books.router)
""",
    # nearer in meaning to "notifications", but no resource to copy: actions on alerts
    "app/routers/alerts.py": """
from fastapi import APIRouter

router = APIRouter(prefix="/alerts")


@router.post("/{alert_id}/tools/{tool_name}/run")
async def run_alert_tool(alert_id: int, tool_name: str):
    return {"alert": alert_id, "ran": tool_name}


@router.patch("/{alert_id}/approval/{tool_name}")
async def approve_alert_tool(alert_id: int, tool_name: str):
    return {"alert": alert_id, "approved": tool_name}


@router.get("/{alert_id}/messages/stream")
async def stream_alert_messages(alert_id: int):
    return {"alert": alert_id}
""",
    # a whole resource: list, get, create, update, delete on /books
    "app/routers/books.py": """
from fastapi import APIRouter

router = APIRouter(prefix="/books")


@router.get("/")
async def list_books():
    return []


@router.get("/{book_id}")
async def get_book(book_id: int):
    return {"id": book_id}


@router.post("/")
async def create_book(title: str):
    return {"title": title}


@router.put("/{book_id}")
async def update_book(book_id: int, title: str):
    return {"id": book_id, "title": title}


@router.delete("/{book_id}")
async def delete_book(book_id: int):
    return None
""",
}


@pytest.mark.integration
def test_a_new_resource_copies_a_module_with_a_whole_crud_resource(tmp_path, real_encoder):
    """letta: "CRUD endpoints for notifications" in a project without notifications took two
    agent tool actions (PATCH .../tools/approval/{name}, POST .../tools/{name}/run) as the CRUD
    set; a resource the project does not have yet is copied from a whole CRUD resource, its
    operations in order."""
    from memorybrain import Brain

    for rel, src in NEW_RESOURCE_FILES.items():
        f = tmp_path / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(src)
    with Brain.open(tmp_path, encoder=real_encoder) as brain:
        brain.index()
        pack = brain.context("Add CRUD endpoints for notifications", budget=4000)
        closest = [e.pattern for e in pack.exemplars if e.role == "closest resource"]
        assert {p.path for p in closest} == {"app/routers/books.py"}
        assert [p.name for p in closest][:3] == ["list_books", "create_book", "update_book"]
        # a resource the project has keeps its own module
        alerts = brain.context("Add CRUD endpoints for alerts", budget=4000)
        assert [e for e in alerts.exemplars if e.role == "closest resource"][0].pattern.path == "app/routers/alerts.py"


@pytest.mark.integration
def test_a_resource_module_of_constants_is_offered_with_them(tmp_path, real_encoder):
    """kolibri: ``kolibri/core/public/constants/user_sync_options.py`` holds only constants
    (``HANDSHAKING_TIME``, ``MAX_CONCURRENT_SYNCS``) the public API uses: a module of the
    resource offers its constants after its classes and functions, never private ones."""
    from memorybrain import Brain

    root = copy_app(FLASK_APP, tmp_path / "flask_app")
    (root / "bookshop/authors/routes.py").unlink()
    (root / "bookshop/authors/limits.py").write_text("HANDSHAKE_SECONDS = 5\nMAX_SYNCS = 2\n_INTERNAL = 1\n")
    with Brain.open(root, encoder=real_encoder) as brain:
        brain.index()
        md = brain.context("Add CRUD endpoints for authors", budget=4000).to_markdown()
    line = next(x for x in md.splitlines() if x.startswith("from bookshop.authors.limits import "))
    assert line.split(" import ")[1].split(", ") == ["HANDSHAKE_SECONDS", "MAX_SYNCS"]
