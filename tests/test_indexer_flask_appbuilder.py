"""Unit tests: Flask-AppBuilder APIs and views (indexers/flask_appbuilder.py)."""

from __future__ import annotations

from indexers import extract_python
from memorybrain.models import Pattern

MODEL_API = b"""
from flask import request
from flask_appbuilder.api import ModelRestApi, expose, permission_name, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.models import Notification
from app.schemas import NotificationPostSchema, NotificationPutSchema, NotificationShowSchema

PERMS = {"get": "read", "get_list": "read", "post": "write", "mark_read": "write"}


class NotificationApi(ModelRestApi):
    resource_name = "notification"
    datamodel = SQLAInterface(Notification)
    class_permission_name = "Notification"
    method_permission_name = PERMS
    exclude_route_methods = {"info", "put"}
    add_model_schema = NotificationPostSchema()
    edit_model_schema = NotificationPutSchema()
    show_model_schema = NotificationShowSchema()

    @expose("/<int:pk>/read", methods=["POST"])
    @protect()
    @safe
    @permission_name("mark_read")
    def mark_read(self, pk):
        item = self.datamodel.get(pk)
        if item is None:
            return self.response_404()
        if item.read:
            return self.response_400(message="already read")
        return self.response(200, id=pk)

    def pre_add(self, item):
        item.user_id = 1
"""


def _routes(source: bytes, path: str = "app/api.py") -> dict[str, Pattern]:
    return {p.qualname: p for p in extract_python(path, source).patterns if p.kind == "route"}


def test_model_rest_api_explicit_and_implied_routes() -> None:
    routes = _routes(MODEL_API)
    assert {q: (r.meta["methods"], r.meta["full_path"]) for q, r in routes.items()} == {
        "NotificationApi.mark_read": (["POST"], "/api/v1/notification/<int:pk>/read"),
        "NotificationApi.get": (["GET"], "/api/v1/notification/<int:pk>"),
        "NotificationApi.get_list": (["GET"], "/api/v1/notification/"),
        "NotificationApi.post": (["POST"], "/api/v1/notification/"),
        "NotificationApi.delete": (["DELETE"], "/api/v1/notification/<pk>"),
    }  # info and put are excluded; pre_add is not exposed
    for r in routes.values():
        assert r.meta["framework"] == "flask-appbuilder"
        assert r.meta["fab_class"] == "NotificationApi" and r.meta["fab_kind"] == "model_api"
        assert r.meta["datamodel"] == "Notification"
        assert r.meta["class_permission_name"] == "Notification"
        assert r.meta["method_permission_name"] == "PERMS"
        assert r.meta["error_decorators"] == ["safe"]
        assert "protect" in r.meta["decorators"]


def test_explicit_route_meta_and_span() -> None:
    r = _routes(MODEL_API)["NotificationApi.mark_read"]
    assert (r.start_line, r.end_line) == (22, 32)
    assert r.code.lstrip().startswith('@expose("/<int:pk>/read", methods=["POST"])')
    assert r.meta["decorators"] == ["protect", "safe", "permission_name"]
    assert r.meta["decorator_texts"] == ["@protect()", "@safe", '@permission_name("mark_read")']
    assert r.meta["permission"] == "write"  # method_permission_name wins over @permission_name
    assert r.meta["error_responses"] == [404, 400]
    assert r.meta["class"] == "NotificationApi" and not r.meta.get("implied")
    assert r.meta["input_schemas"] == []  # what it loads is in its body, not in the class's schemas
    assert r.meta["model_schemas"] == {
        "add_model_schema": "NotificationPostSchema",
        "edit_model_schema": "NotificationPutSchema",
        "show_model_schema": "NotificationShowSchema",
    }
    assert r.summary == (
        "POST /api/v1/notification/<int:pk>/read → NotificationApi.mark_read (protect, safe, permission_name)"
    )


def test_implied_routes_span_the_class_header() -> None:
    routes = _routes(MODEL_API)
    post, get = routes["NotificationApi.post"], routes["NotificationApi.get"]
    assert (post.start_line, post.end_line) == (12, 20)  # class line to the line before the first method
    assert post.code.startswith("class NotificationApi(ModelRestApi):")
    assert "@expose" not in post.code
    assert post.meta["implied"] is True and post.meta["implied_by"] == "ModelRestApi"
    assert post.meta["decorator_texts"] == ["@protect()", "@safe", '@permission_name("post")']
    assert post.meta["permission"] == "write"
    assert (post.meta["input_schemas"], post.meta["output_schemas"]) == (["NotificationPostSchema"], [])
    assert post.meta["schemas"] == ["NotificationPostSchema", "Notification"]
    assert get.meta["permission"] == "read"
    assert get.meta["output_schemas"] == ["NotificationShowSchema"] and get.meta["input_schemas"] == []
    assert routes["NotificationApi.delete"].meta["permission"] == "delete"  # not in PERMS: its own name
    assert "inherited from ModelRestApi" in post.summary


def test_base_api_default_and_explicit_route_base() -> None:
    source = b"""
from flask_appbuilder import BaseApi, expose
from flask_appbuilder.security.decorators import protect


class GreetingApi(BaseApi):
    @expose("/hello")
    @protect()
    def greeting(self):
        return self.response(200, message="hi")


class VersionedApi(BaseApi):
    version = "v2"
    resource_name = "Things"

    @expose("/", methods=("GET", "POST"))
    def things(self):
        return self.response(200)


class HealthApi(BaseApi):
    route_base = "/health"

    @expose("/")
    def health(self):
        return self.response(200, status="ok")
"""
    routes = _routes(source)
    assert routes["GreetingApi.greeting"].meta["full_path"] == "/api/v1/greetingapi/hello"
    assert routes["GreetingApi.greeting"].meta["methods"] == ["GET"]
    assert routes["GreetingApi.greeting"].meta["permission"] == "greeting"
    assert routes["VersionedApi.things"].meta["full_path"] == "/api/v2/things/"
    assert routes["VersionedApi.things"].meta["methods"] == ["GET", "POST"]
    health = routes["HealthApi.health"]
    assert health.meta["full_path"] == "/health/" and health.meta["fab_kind"] == "api"
    assert health.meta["permission"] is None and health.meta["decorators"] == []
    assert len(routes) == 3  # a BaseApi implies no routes


def test_project_base_class_and_route_method_sets() -> None:
    """Superset style: a project base from another file, ``RouteMethod`` sets and ``|``."""
    source = b"""
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface

from superset.constants import MODEL_API_RW_METHOD_PERMISSION_MAP, RouteMethod
from superset.models.core import Chart
from superset.views.base_api import BaseSupersetModelRestApi


class ChartRestApi(BaseSupersetModelRestApi):
    datamodel = SQLAInterface(Chart)
    resource_name = "chart"
    include_route_methods = RouteMethod.REST_MODEL_VIEW_CRUD_SET | {RouteMethod.EXPORT, "favorite_status"}
    class_permission_name = "Chart"
    method_permission_name = MODEL_API_RW_METHOD_PERMISSION_MAP

    @expose("/export/", methods=("GET",))
    @protect()
    @safe
    def export(self):
        return self.response_404()

    @expose("/<pk>/cache_screenshot/", methods=("GET",))
    @protect()
    def cache_screenshot(self, pk):
        return self.response(202)
"""
    routes = _routes(source, "superset/charts/api.py")
    assert set(routes) == {
        "ChartRestApi.export",
        "ChartRestApi.info",
        "ChartRestApi.get",
        "ChartRestApi.get_list",
        "ChartRestApi.post",
        "ChartRestApi.put",
        "ChartRestApi.delete",
    }  # cache_screenshot is not in include_route_methods
    assert routes["ChartRestApi.export"].meta["full_path"] == "/api/v1/chart/export/"
    assert routes["ChartRestApi.info"].meta["full_path"] == "/api/v1/chart/_info"
    assert routes["ChartRestApi.export"].meta["method_permission_name"] == "MODEL_API_RW_METHOD_PERMISSION_MAP"
    assert routes["ChartRestApi.export"].meta["permission"] == "export"  # the map is in another file


def test_in_file_parent_attributes_are_inherited() -> None:
    source = b'''
from flask_appbuilder.api import ModelRestApi, expose


class BaseV2Api(ModelRestApi):
    version = "v2"
    exclude_route_methods = {"info", "put", "delete", "post"}


class ItemApi(BaseV2Api):
    resource_name = "item"
    datamodel = SQLAInterface(Item)


class BaseProjectApi(ModelRestApi):
    """A base for the project's APIs: no datamodel, so no CRUD endpoints of its own."""

    allow_browser_login = True
'''
    routes = _routes(source)
    paths = {q: r.meta["full_path"] for q, r in routes.items()}
    assert paths == {"ItemApi.get": "/api/v2/item/<int:pk>", "ItemApi.get_list": "/api/v2/item/"}


def test_model_view_and_base_view() -> None:
    source = b"""
from flask import render_template
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.models import Contact


class ContactModelView(ModelView):
    datamodel = SQLAInterface(Contact)
    include_route_methods = {"list", "show", "delete"}

    def delete(self, pk):
        return super().delete(pk)


class DashboardView(BaseView):
    route_base = "/dash"
    default_view = "index"

    @expose("/")
    @expose("/<int:days>")
    @has_access
    def index(self, days=7):
        return self.render_template("dash.html", days=days)

    @expose("/public")
    def public(self):
        return render_template("public.html")
"""
    routes = _routes(source, "app/views.py")
    assert {q: (r.meta["methods"], r.meta["full_path"]) for q, r in routes.items()} == {
        "ContactModelView.list": (["GET"], "/contactmodelview/list/"),
        "ContactModelView.show": (["GET"], "/contactmodelview/show/<pk>"),
        "DashboardView.index": (["GET"], "/dash/"),
        "DashboardView.public": (["GET"], "/dash/public"),
    }  # the delete override has no @expose: FAB does not expose it
    index = routes["DashboardView.index"]
    assert index.meta["paths"] == ["/", "/<int:days>"] and index.meta["permission"] == "index"
    assert index.meta["decorators"] == ["has_access"]
    assert routes["ContactModelView.list"].meta["decorator_texts"] == ["@has_access"]
    assert routes["ContactModelView.list"].meta["fab_kind"] == "model_view"
    assert "Contact" not in routes["ContactModelView.list"].meta["schemas"]  # an HTML view
    assert routes["DashboardView.public"].meta["permission"] is None


def test_flask_indexer_leaves_fab_classes_alone() -> None:
    """A ModelView's ``delete`` is not a MethodView DELETE handler."""
    source = b"""
from flask import Flask
from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.models import Contact

app = Flask(__name__)


class ContactView(ModelView):
    datamodel = SQLAInterface(Contact)

    def get(self):
        return "not a route"
"""
    routes = _routes(source)
    assert all(r.meta["framework"] == "flask-appbuilder" for r in routes.values())
    assert "ContactView.get" not in routes and "ContactView.list" in routes


def test_not_fab_without_flask_appbuilder() -> None:
    source = b"""
from myframework.views import BaseView, ModelView


class ContactView(ModelView):
    datamodel = object()

    def list(self):
        return []
"""
    assert _routes(source) == {}


def test_registrations_meta() -> None:
    source = b"""
from app import appbuilder
from app.api import NotificationApi
from app import views


appbuilder.add_api(NotificationApi)
appbuilder.add_view(views.ContactModelView(), "Contacts", icon="fa-envelope", category="Contacts")
appbuilder.add_view_no_menu(views.DashboardView)
"""
    meta = extract_python("app/registry.py", source).meta
    assert meta["fab_registrations"] == [
        {
            "call": "add_api",
            "target": "appbuilder",
            "view": "NotificationApi",
            "name": None,
            "category": None,
            "line": 7,
        },
        {
            "call": "add_view",
            "target": "appbuilder",
            "view": "views.ContactModelView",
            "name": "Contacts",
            "category": "Contacts",
            "line": 8,
        },
        {
            "call": "add_view_no_menu",
            "target": "appbuilder",
            "view": "views.DashboardView",
            "name": None,
            "category": None,
            "line": 9,
        },
    ]


def test_route_base_inherited_from_fab_classes() -> None:
    """Airflow's FAB provider: subclasses of FAB's own views keep FAB's ``route_base``."""
    source = b"""
from flask_appbuilder import IndexView, expose
from flask_appbuilder.security.views import AuthOAuthView, RoleModelView


class FabIndexView(IndexView):
    @expose("/")
    def index(self):
        return self.render_template("index.html")


class CustomAuthOAuthView(AuthOAuthView):
    @expose("/oauth-authorized/<provider>")
    def oauth_authorized(self, provider):
        return provider


class CustomRoleModelView(RoleModelView):
    include_route_methods = {"list"}


class OwnRolesView(CustomRoleModelView):
    route_base = "/own-roles"
"""
    routes = _routes(source, "airflow/views.py")
    assert {q: r.meta["full_path"] for q, r in routes.items()} == {
        "FabIndexView.index": "/",
        "CustomAuthOAuthView.oauth_authorized": "/oauth-authorized/<provider>",
        "CustomRoleModelView.list": "/roles/list/",
        "OwnRolesView.list": "/own-roles/list/",
    }
    assert routes["CustomRoleModelView.list"].meta["fab_kind"] == "model_view"


def test_safe_defined_in_the_project_is_counted_once() -> None:
    """Flask-AppBuilder's own code defines ``safe``: a handler decorated with it counts once."""
    from memorybrain.linker import link

    source = b"""
import functools

from flask_appbuilder.api import BaseApi, expose


def safe(f):
    @functools.wraps(f)
    def wraps(self, *args, **kwargs):
        try:
            return f(self, *args, **kwargs)
        except Exception as e:
            return self.response_500(message=str(e))

    return wraps


class PingApi(BaseApi):
    @expose("/ping")
    @safe
    def ping(self):
        return self.response(200)
"""
    fe = extract_python("app/api.py", source)
    assert next(p for p in fe.patterns if p.name == "safe").kind == "decorator"
    rows = [(p.id, p.kind, p.name, "app/api.py", p.meta, 0, p.summary) for p in fe.patterns]
    conventions = {c["key"]: c for c in link(rows, {"app/api.py": fe.meta}).conventions}
    assert conventions["errors:decorator"]["data"]["count"] == 1


def test_linker_marks_registered_and_unregistered_classes() -> None:
    from memorybrain.linker import link

    files = {
        "app/api.py": MODEL_API
        + b"""

class DraftApi(ModelRestApi):
    datamodel = SQLAInterface(Notification)
    include_route_methods = {"get"}
""",
        "app/registry.py": b"from app.api import NotificationApi\n\n\ndef register(appbuilder):\n"
        b"    appbuilder.add_api(NotificationApi)\n",
    }
    extracts = {path: extract_python(path, src) for path, src in files.items()}
    rows = [(p.id, p.kind, p.name, path, p.meta, 0, p.summary) for path, fe in extracts.items() for p in fe.patterns]
    result = link(rows, {path: fe.meta for path, fe in extracts.items()})
    by_id = {pid: (meta, summary) for pid, _usage, meta, summary in result.updates}
    routes = {p.qualname: p for p in extracts["app/api.py"].patterns if p.kind == "route"}
    meta, summary = by_id[routes["NotificationApi.post"].id]
    assert meta["registered"] == "app/registry.py:5 (appbuilder.add_api)"
    assert summary.startswith("POST /api/v1/notification/ → NotificationApi.post [inherited from ModelRestApi]")
    meta, summary = by_id[routes["DraftApi.get"].id]
    assert meta["registered"] is None and "[not registered with appbuilder]" in summary


def test_base_class_routes_are_served_by_subclasses_in_other_files() -> None:
    """Superset: ``BaseSupersetModelRestApi.related`` is served by each subclass that keeps it."""
    from memorybrain.linker import link

    files = {
        "superset/views/base_api.py": b"""
from flask_appbuilder import ModelRestApi
from flask_appbuilder.api import expose, protect, safe


class BaseSupersetModelRestApi(ModelRestApi):
    @expose("/related/<column_name>", methods=("GET",))
    @protect()
    @safe
    def related(self, column_name):
        return self.response(200)
""",
        "superset/charts/api.py": b"""
from flask_appbuilder.models.sqla.interface import SQLAInterface

from superset.constants import RouteMethod
from superset.views.base_api import BaseSupersetModelRestApi


class ChartRestApi(BaseSupersetModelRestApi):
    datamodel = SQLAInterface(Slice)
    resource_name = "chart"
    include_route_methods = RouteMethod.REST_MODEL_VIEW_CRUD_SET | {RouteMethod.RELATED}


class SavedQueryRestApi(BaseSupersetModelRestApi):
    datamodel = SQLAInterface(SavedQuery)
    resource_name = "saved_query"
    include_route_methods = RouteMethod.REST_MODEL_VIEW_CRUD_SET


class LegacyChartApi(ChartRestApi):
    route_base = "/legacy/chart"
""",
    }
    extracts = {path: extract_python(path, src) for path, src in files.items()}
    info = extracts["superset/charts/api.py"].meta["fab_classes"]["ChartRestApi"]
    assert info["route_base"] == "/api/v1/chart" and "related" in info["include"]
    rows = [(p.id, p.kind, p.name, path, p.meta, 0, p.summary) for path, fe in extracts.items() for p in fe.patterns]
    result = link(rows, {path: fe.meta for path, fe in extracts.items()})
    by_id = {pid: (meta, summary) for pid, _usage, meta, summary in result.updates}
    related = next(p for p in extracts["superset/views/base_api.py"].patterns if p.qualname.endswith(".related"))
    meta, summary = by_id[related.id]
    assert meta["inherited_by"] == [
        {"class": "ChartRestApi", "full_path": "/api/v1/chart/related/<column_name>"},
        {"class": "LegacyChartApi", "full_path": "/legacy/chart/related/<column_name>"},
    ]  # SavedQueryRestApi filters it out with include_route_methods
    assert "[served by 2 subclasses: /api/v1/chart/related/<column_name> and 1 more]" in summary


def test_explicit_handlers_use_the_class_schemas_they_load_or_dump() -> None:
    source = b"""
from flask import request
from flask_appbuilder.api import ModelRestApi, expose, protect

from app.schemas import ChartPostSchema, FavoriteSchema


class ChartApi(ModelRestApi):
    datamodel = SQLAInterface(Chart)
    add_model_schema = ChartPostSchema()
    favorite_schema = FavoriteSchema()

    @expose("/", methods=("POST",))
    @protect()
    def post(self):
        item = self.add_model_schema.load(request.json)
        return self.response(201, id=item.id)

    @expose("/favorites/", methods=("GET",))
    @protect()
    def favorites(self):
        return self.response(200, result=self.favorite_schema.dump(favorites(), many=True))
"""
    routes = _routes(source)
    post, favorites = routes["ChartApi.post"], routes["ChartApi.favorites"]
    assert (post.meta["input_schemas"], post.meta["output_schemas"]) == (["ChartPostSchema"], [])
    assert (favorites.meta["input_schemas"], favorites.meta["output_schemas"]) == ([], ["FavoriteSchema"])
    assert post.meta["model_schemas"] == {"add_model_schema": "ChartPostSchema", "favorite_schema": "FavoriteSchema"}
