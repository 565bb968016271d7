"""indexers.flask: Flask routes, class-based views and file-level wiring, from inline snippets."""

from __future__ import annotations

from textwrap import dedent

from indexers import flask
from indexers.base import ParsedFile
from memorybrain.models import FileExtract, Pattern
from tests.conftest import extract_files


def _extract(source: str, path: str = "app/views.py") -> FileExtract:
    return flask.extract(ParsedFile.parse(path, dedent(source).encode()))


def _routes(source: str, path: str = "app/views.py") -> dict[str, Pattern]:
    return {p.qualname: p for p in _extract(source, path).patterns}


def _pick(meta: dict[str, object], *keys: str) -> dict[str, object]:
    return {k: meta[k] for k in keys}


# --------------------------------------------------------------------------- function routes

BLUEPRINT = """\
from flask import Blueprint, Flask, abort, request
from flask_login import login_required

app = Flask(__name__)
bp = Blueprint("items", __name__, url_prefix="/api/items")
STATUS_METHODS = ["GET", "PUT"]


@bp.route("/", methods=["GET", "POST"])
@login_required
@limiter.limit("10/minute")
def items():
    data = ItemSchema().load(request.json)
    if not data:
        abort(400)
    return ItemSchema(many=True).dump(data)


@bp.route("/<int:item_id>")
@bp.route("/by-id/<int:item_id>", methods=("DELETE",))
def item(item_id):
    raise NotFound()


@bp.get("")
def root():
    return "root"


@app.post("/health")
def health():
    return "ok"


@bp.route("/status", methods=STATUS_METHODS)
def status():
    return "ok"
"""


def test_route_decorator_full_meta() -> None:
    p = _routes(BLUEPRINT)["items"]
    assert (p.kind, p.name, p.path, p.start_line, p.end_line) == (
        "route",
        "items",
        "app/views.py",
        9,
        16,
    )
    assert p.code.startswith('@bp.route("/", methods=["GET", "POST"])\n@login_required\n')
    assert p.summary == "GET, POST /api/items/ → items (login_required, limiter.limit)"
    assert p.meta == {
        "framework": "flask",
        "methods": ["GET", "POST"],
        "path": "/",
        "paths": ["/"],
        "router": "bp",
        "full_path": "/api/items/",
        "handler": "items",
        "endpoint": None,
        "decorators": ["login_required", "limiter.limit"],
        "decorator_texts": ["@login_required", '@limiter.limit("10/minute")'],
        "dependencies": [],
        "annotations": [],
        "response_model": None,
        "status_code": None,
        "tags": [],
        "schemas": ["ItemSchema"],
        "input_schemas": [],
        "output_schemas": [],
        "calls": ["ItemSchema.load", "ItemSchema", "abort", "ItemSchema.dump"],
        "raises": [],
        "catches": [],
        "aborts": [400],
        "http_errors": [],
        "error_calls": [{"text": "abort(400)", "callee": "abort", "status": "int", "keywords": []}],
    }


def test_stacked_route_decorators_make_one_pattern() -> None:
    p = _routes(BLUEPRINT)["item"]
    assert _pick(p.meta, "methods", "path", "paths", "full_path", "raises") == {
        "methods": ["GET", "DELETE"],
        "path": "/<int:item_id>",
        "paths": ["/<int:item_id>", "/by-id/<int:item_id>"],
        "full_path": "/api/items/<int:item_id>",
        "raises": ["NotFound"],
    }
    assert p.summary == "GET, DELETE /api/items/<int:item_id> (+1 more) → item"


def test_shortcut_decorators_and_constant_methods() -> None:
    routes = _routes(BLUEPRINT)
    assert _pick(routes["root"].meta, "methods", "path", "full_path") == {
        "methods": ["GET"],
        "path": "",
        "full_path": "/api/items",
    }
    assert _pick(routes["health"].meta, "methods", "router", "full_path") == {
        "methods": ["POST"],
        "router": "app",
        "full_path": "/health",
    }
    assert routes["status"].meta["methods"] == ["GET", "PUT"]


def test_routers_meta() -> None:
    assert _extract(BLUEPRINT).meta["routers"] == {
        "app": {
            "type": "Flask",
            "prefix": None,
            "name": None,
            "tags": [],
            "dependencies": [],
            "line": 4,
            "framework": "flask",
        },
        "bp": {
            "type": "Blueprint",
            "prefix": "/api/items",
            "name": "items",
            "tags": [],
            "dependencies": [],
            "line": 5,
            "framework": "flask",
        },
    }


def test_dynamic_and_fstring_rules() -> None:
    routes = _routes(
        """\
        import flask
        PREFIX = "/v1"
        bp = flask.Blueprint("x", __name__)

        @bp.route(f"{PREFIX}/things/<uuid:thing_id>")
        def thing(thing_id):
            pass

        @bp.route(PREFIX + "/other")
        def other():
            pass

        @bp.route(make_rule())
        def unknown():
            pass
        """
    )
    assert routes["thing"].meta["path"] == "{PREFIX}/things/<uuid:thing_id>"
    assert routes["other"].meta["path"] == "/v1/other"
    assert _pick(routes["unknown"].meta, "path", "paths", "full_path") == {
        "path": None,
        "paths": [],
        "full_path": None,
    }
    assert routes["unknown"].summary == "GET → unknown"


def test_unknown_object_needs_flask_import_and_rule() -> None:
    source = """\
    from flask import render_template
    from .app import app

    @app.route("/")
    def index():
        return render_template("index.html")

    @cache.memoize(50)
    def cached():
        pass
    """
    routes = _routes(source)
    assert list(routes) == ["index"]
    assert _pick(routes["index"].meta, "router", "full_path") == {"router": "app", "full_path": "/"}


def test_not_routes_dict_get_requests_and_fastapi() -> None:
    assert (
        _extract(
            """\
        import requests
        from flask import Flask

        app = Flask(__name__)
        CONFIG = {}

        def fetch():
            CONFIG.get("/x")
            return requests.get("/api/items", params={"a": 1})
        """
        ).patterns
        == []
    )
    fastapi_file = _extract(
        """\
        from fastapi import APIRouter
        router = APIRouter()

        @router.get("/items")
        def items():
            pass

        @app.route("/legacy")
        def legacy():
            pass
        """
    )
    assert fastapi_file.patterns == []
    assert fastapi_file.meta == {}


def test_nested_routes_in_app_factory() -> None:
    fe = _extract(
        """\
        from flask import Flask

        def create_app():
            app = Flask(__name__)

            @app.route("/ping")
            def ping():
                return "pong"

            return app
        """
    )
    (p,) = fe.patterns
    assert (p.qualname, p.meta["router"], p.meta["path"]) == ("create_app.ping", "app", "/ping")
    assert p.code.startswith('    @app.route("/ping")')


# --------------------------------------------------------------------------- add_url_rule


def test_add_url_rule_with_plain_functions_and_wrappers() -> None:
    fe = _extract(
        """\
        from flask import Blueprint
        bp = Blueprint("pages", __name__, url_prefix="/pages")

        def index():
            return "i"

        def edit(pid):
            return "e"

        bp.add_url_rule("/", view_func=index)
        bp.add_url_rule("/<int:pid>/edit", "edit", login_required(edit), methods=("GET", "POST"))
        bp.add_url_rule(rule="/home", view_func=index, endpoint="home")
        bp.add_url_rule("/ext", view_func=other_module.view)
        """
    )
    routes = {p.qualname: p for p in fe.patterns}
    assert _pick(routes["index"].meta, "methods", "paths", "full_path", "endpoint") == {
        "methods": ["GET"],
        "paths": ["/", "/home"],
        "full_path": "/pages/",
        "endpoint": "home",
    }
    assert _pick(routes["edit"].meta, "methods", "path", "decorators", "endpoint") == {
        "methods": ["GET", "POST"],
        "path": "/<int:pid>/edit",
        "decorators": ["login_required"],
        "endpoint": "edit",
    }
    assert fe.meta["url_rules"] == [
        {
            "target": "bp",
            "view": "index",
            "rule": "/",
            "methods": None,
            "line": 10,
            "endpoint": None,
        },
        {
            "target": "bp",
            "view": "edit",
            "rule": "/<int:pid>/edit",
            "methods": ["GET", "POST"],
            "line": 11,
            "endpoint": "edit",
        },
        {
            "target": "bp",
            "view": "index",
            "rule": "/home",
            "methods": None,
            "line": 12,
            "endpoint": "home",
        },
        {
            "target": "bp",
            "view": "other_module.view",
            "rule": "/ext",
            "methods": None,
            "line": 13,
            "endpoint": None,
        },
    ]


def test_rules_registered_in_a_loop_and_through_a_function_parameter() -> None:
    fe = _extract(
        """\
        from flask import Blueprint
        api = Blueprint("api", __name__, url_prefix="/api")
        VERSION = "/<int:ver>"

        def about():
            pass

        def robots():
            pass

        util_rules = [("/about", about), ("/robots.txt", robots)]
        for rule, view_func in util_rules:
            api.add_url_rule(VERSION + rule, view_func=view_func)

        def register_rules(blueprint):
            blueprint.add_url_rule("/{0}/x".format("about"), view_func=about)
            rules = [("/r", "robots", robots)]
            for r in rules:
                blueprint.add_url_rule(*r)

        register_rules(api)
        """
    )
    assert [(u["target"], u["view"], u["rule"], u["endpoint"]) for u in fe.meta["url_rules"]] == [
        ("api", "about", "/<int:ver>/about", None),
        ("api", "robots", "/<int:ver>/robots.txt", None),
        ("api", "about", "/about/x", None),
        ("api", "robots", "/r", "robots"),
    ]
    routes = {p.qualname: p for p in fe.patterns}
    assert routes["about"].meta["full_path"] == "/api/<int:ver>/about"
    assert routes["about"].meta["paths"] == ["/<int:ver>/about", "/about/x"]
    assert routes["robots"].meta["paths"] == ["/<int:ver>/robots.txt", "/r"]


# --------------------------------------------------------------------------- class-based views

METHODVIEW = """\
from flask import Blueprint
from flask.views import MethodView, View

bp = Blueprint("items", __name__, url_prefix="/items")


class ItemAPI(MethodView):
    decorators = [login_required, allows.requires(IsAdmin)]
    init_every_request = False

    def _load(self, item_id):
        return Item.get(item_id)

    @cache.cached(timeout=5)
    def get(self, item_id):
        return self._load(item_id)

    def delete(self, item_id):
        abort(404)


class BaseAPI(MethodView):
    pass


class ChildAPI(BaseAPI):
    def post(self):
        pass


class Report(View):
    methods = ["GET", "POST"]

    def dispatch_request(self):
        return "report"


_report = Report.as_view("report")
bp.add_url_rule("/<int:item_id>", view_func=ItemAPI.as_view("item"), methods=["GET", "DELETE"])
bp.add_url_rule("/report", view_func=_report)
"""


def test_methodview_one_pattern_per_http_method() -> None:
    routes = _routes(METHODVIEW)
    assert sorted(routes) == [
        "ChildAPI.post",
        "ItemAPI.delete",
        "ItemAPI.get",
        "Report.dispatch_request",
    ]
    get = routes["ItemAPI.get"]
    assert (get.start_line, get.end_line) == (14, 16)
    assert get.code == ("    @cache.cached(timeout=5)\n    def get(self, item_id):\n        return self._load(item_id)")
    assert get.summary == ("GET /items/<int:item_id> → ItemAPI.get (cache.cached, login_required, allows.requires)")
    assert _pick(
        get.meta,
        "framework",
        "methods",
        "path",
        "router",
        "full_path",
        "handler",
        "endpoint",
        "decorators",
        "decorator_texts",
        "class",
        "class_decorators",
        "view_decorators",
        "calls",
    ) == {
        "framework": "flask-methodview",
        "methods": ["GET"],
        "path": "/<int:item_id>",
        "router": "bp",
        "full_path": "/items/<int:item_id>",
        "handler": "ItemAPI.get",
        "endpoint": "item",
        "decorators": ["cache.cached", "login_required", "allows.requires"],
        "decorator_texts": ["@cache.cached(timeout=5)"],
        "class": "ItemAPI",
        "class_decorators": [],
        "view_decorators": ["login_required", "allows.requires(IsAdmin)"],
        "calls": ["self._load"],
    }
    assert routes["ItemAPI.delete"].meta["aborts"] == [404]


def test_view_subclass_and_in_file_inheritance() -> None:
    routes = _routes(METHODVIEW)
    report = routes["Report.dispatch_request"]
    assert _pick(report.meta, "methods", "path", "endpoint", "framework") == {
        "methods": ["GET", "POST"],
        "path": "/report",
        "endpoint": "report",
        "framework": "flask-methodview",
    }
    child = routes["ChildAPI.post"]
    assert _pick(child.meta, "methods", "path", "router", "full_path") == {
        "methods": ["POST"],
        "path": None,
        "router": None,
        "full_path": None,
    }
    assert child.summary == "POST → ChildAPI.post"


def test_views_file_without_registration_and_registration_file() -> None:
    views = _routes(
        """\
        from flask.views import MethodView

        class UserAPI(MethodView):
            def get(self, user_id):
                pass
        """,
        path="app/users/views.py",
    )
    assert _pick(views["UserAPI.get"].meta, "path", "router", "framework") == {
        "path": None,
        "router": None,
        "framework": "flask-methodview",
    }
    init = _extract(
        """\
        from flask import Blueprint
        from . import views

        bp = Blueprint("users", __name__)
        bp.add_url_rule("/users/<int:user_id>", view_func=views.UserAPI.as_view("user"),
                        methods=("GET",))
        """,
        path="app/users/__init__.py",
    )
    assert init.patterns == []
    assert init.meta["url_rules"] == [
        {
            "target": "bp",
            "view": "views.UserAPI",
            "rule": "/users/<int:user_id>",
            "methods": ["GET"],
            "line": 5,
            "endpoint": "user",
        }
    ]


def test_register_view_helper_flaskbb_style() -> None:
    fe = _extract(
        """\
        from flask import Blueprint
        from flask.views import MethodView
        from flaskbb.utils.helpers import register_view

        class ChangeEmail(MethodView):
            decorators = [login_required]

            def get(self):
                pass

        def load_blueprints(app):
            user = Blueprint("user", __name__)
            register_view(user, routes=["/settings/email", "/email"],
                          view_func=ChangeEmail.as_view("change_email"))
            app.register_blueprint(user, url_prefix="/user")
        """
    )
    (p,) = fe.patterns
    assert _pick(p.meta, "paths", "router", "full_path", "endpoint", "decorators") == {
        "paths": ["/settings/email", "/email"],
        "router": "user",
        "full_path": "/user/settings/email",
        "endpoint": "change_email",
        "decorators": ["login_required"],
    }
    assert [u["rule"] for u in fe.meta["url_rules"]] == ["/settings/email", "/email"]
    assert fe.meta["mounts"] == [{"parent": "app", "child": "user", "prefix": "/user", "line": 15}]


def test_flask_restful_resources() -> None:
    fe = _extract(
        """\
        from flask import Blueprint
        from flask_restful import Api, Resource, marshal_with

        api_bp = Blueprint("api", __name__, url_prefix="/api")
        api = Api(api_bp, prefix="/v2")

        class ItemList(Resource):
            method_decorators = {"post": [jwt_required()], "get": [cache.cached]}
            decorators = [limiter.limit("5/minute")]

            @marshal_with(item_fields)
            def get(self):
                return Item.query.all()

            def post(self):
                item = item_schema.load(request.json)
                return ItemSchema().dump(item), 201

            def helper(self):
                pass

        api.add_resource(ItemList, "/items", "/items/", endpoint="items")
        api.add_resource(views.ItemDetail, "/items/<int:id>")
        item_schema = ItemSchema()
        """
    )
    routes = {p.qualname: p for p in fe.patterns}
    assert sorted(routes) == ["ItemList.get", "ItemList.post"]
    assert _pick(
        routes["ItemList.get"].meta,
        "framework",
        "paths",
        "router",
        "full_path",
        "endpoint",
        "decorators",
        "schemas",
    ) == {
        "framework": "flask-restful",
        "paths": ["/items", "/items/"],
        "router": "api",
        "full_path": "/api/v2/items",
        "endpoint": "items",
        "decorators": ["marshal_with", "cache.cached", "limiter.limit"],
        "schemas": ["item_fields"],
    }
    assert _pick(routes["ItemList.post"].meta, "decorators", "view_decorators", "schemas") == {
        "decorators": ["jwt_required", "limiter.limit"],
        "view_decorators": ["jwt_required()", 'limiter.limit("5/minute")'],
        "schemas": ["ItemSchema"],
    }
    assert fe.meta["mounts"] == [{"parent": "api_bp", "child": "api", "prefix": None, "line": 5}]
    assert fe.meta["url_rules"][2] == {
        "target": "api",
        "view": "views.ItemDetail",
        "rule": "/items/<int:id>",
        "methods": None,
        "line": 23,
        "endpoint": None,
    }


def test_flask_restful_resource_file_without_registration() -> None:
    routes = _routes(
        """\
        from flask_restful import Resource

        class ProjectHandler(Resource):
            method_decorators = [need_auth]

            def get(self, project):
                return project._to_serialize
        """
    )
    assert _pick(routes["ProjectHandler.get"].meta, "framework", "path", "decorators") == {
        "framework": "flask-restful",
        "path": None,
        "decorators": ["need_auth"],
    }


def test_flask_restx_namespaces() -> None:
    fe = _extract(
        """\
        from flask import Flask
        from flask_restx import Api, Namespace, Resource

        app = Flask(__name__)
        api = Api(app, prefix="/api/v1")
        ns = Namespace("todos", description="TODO operations")

        @ns.route("/")
        @ns.doc("todo list")
        class TodoList(Resource):
            @ns.marshal_list_with(todo)
            def get(self):
                pass

            @ns.expect(todo_input)
            @ns.response(201, "Created", todo)
            def post(self):
                pass

        @ns.route("/<int:id>", "/by-id/<int:id>")
        class Todo(Resource):
            def get(self, id):
                pass

        api.add_namespace(ns, path="/todos")
        """
    )
    routes = {p.qualname: p for p in fe.patterns}
    assert _pick(
        routes["TodoList.get"].meta,
        "framework",
        "router",
        "full_path",
        "class_decorators",
        "schemas",
    ) == {
        "framework": "flask-restx",
        "router": "ns",
        "full_path": "/api/v1/todos/",
        "class_decorators": ["ns.route", "ns.doc"],
        "schemas": ["todo"],
    }
    assert _pick(routes["TodoList.post"].meta, "schemas", "response_model", "status_code") == {
        "schemas": ["todo_input", "todo"],
        "response_model": "todo",
        "status_code": 201,
    }
    assert routes["Todo.get"].meta["paths"] == ["/<int:id>", "/by-id/<int:id>"]
    assert fe.meta["routers"]["ns"]["type"] == "Namespace"
    assert fe.meta["routers"]["ns"]["prefix"] == "/todos"
    assert fe.meta["mounts"] == [
        {"parent": "app", "child": "api", "prefix": None, "line": 5},
        {"parent": "api", "child": "ns", "prefix": "/todos", "line": 25},
    ]


def test_flask_smorest_blueprint() -> None:
    routes = _routes(
        """\
        from flask.views import MethodView
        from flask_smorest import Blueprint, abort

        blp = Blueprint("pets", "pets", url_prefix="/pets", description="Pets")

        @blp.route("/")
        class Pets(MethodView):
            @blp.arguments(PetQueryArgsSchema, location="query")
            @blp.response(200, PetSchema(many=True))
            def get(self, args):
                return Pet.get(filters=args)

        @blp.route("/<pet_id>/feed", methods=("POST",))
        @blp.response(204)
        def feed(pet_id):
            abort(404, message="Item not found.")
        """
    )
    assert _pick(
        routes["Pets.get"].meta,
        "framework",
        "methods",
        "full_path",
        "decorators",
        "schemas",
        "response_model",
        "status_code",
    ) == {
        "framework": "flask-smorest",
        "methods": ["GET"],
        "full_path": "/pets/",
        "decorators": ["blp.arguments", "blp.response"],
        "schemas": ["PetQueryArgsSchema", "PetSchema"],
        "response_model": "PetSchema",
        "status_code": 200,
    }
    assert _pick(routes["feed"].meta, "framework", "methods", "full_path", "aborts") == {
        "framework": "flask-smorest",
        "methods": ["POST"],
        "full_path": "/pets/<pet_id>/feed",
        "aborts": [404],
    }


# --------------------------------------------------------------------------- file-level wiring


def test_mounts_and_in_file_prefixes() -> None:
    fe = _extract(
        """\
        from flask import Flask, Blueprint
        from .users import bp as users_bp
        from . import admin

        app = Flask(__name__)
        parent = Blueprint("parent", __name__, url_prefix="/parent")
        child = Blueprint("child", __name__, url_prefix="/child")

        @child.route("/x")
        def x():
            pass

        parent.register_blueprint(child)
        app.register_blueprint(parent, url_prefix="/v1")
        app.register_blueprint(users_bp, url_prefix=app.config["USERS"])
        app.register_blueprint(admin.bp, url_prefix="/admin")
        """
    )
    assert fe.meta["mounts"] == [
        {"parent": "parent", "child": "child", "prefix": None, "line": 13},
        {"parent": "app", "child": "parent", "prefix": "/v1", "line": 14},
        {"parent": "app", "child": "users_bp", "prefix": None, "line": 15},
        {"parent": "app", "child": "admin.bp", "prefix": "/admin", "line": 16},
    ]
    assert fe.patterns[0].meta["full_path"] == "/v1/child/x"


def test_exception_handlers_all_forms() -> None:
    fe = _extract(
        """\
        from flask import Blueprint, Flask
        from werkzeug.exceptions import HTTPException

        app = Flask(__name__)
        bp = Blueprint("b", __name__)

        @app.errorhandler(404)
        def not_found(e):
            return {"error": "not found"}, 404

        @bp.app_errorhandler(HTTPException)
        @bp.errorhandler(errors.ApiError)
        def api_error(e):
            return {"error": e.description}, e.code

        def on_500(e):
            return "oops", 500

        app.register_error_handler(500, on_500)
        app.errorhandler(ValueError)(on_500)
        """
    )
    assert fe.patterns == []
    assert fe.meta["exception_handlers"] == [
        {"exception": 404, "handler": "not_found", "line": 7, "app": "app"},
        {"exception": "HTTPException", "handler": "api_error", "line": 11, "app": "bp"},
        {"exception": "errors.ApiError", "handler": "api_error", "line": 12, "app": "bp"},
        {"exception": 500, "handler": "on_500", "line": 19, "app": "app"},
        {"exception": "ValueError", "handler": "on_500", "line": 20, "app": "app"},
    ]


def test_hooks_decorator_and_call_forms() -> None:
    fe = _extract(
        """\
        from flask import Blueprint, Flask

        app = Flask(__name__)
        bp = Blueprint("b", __name__)

        @app.before_request
        def load_user():
            pass

        @bp.before_app_request
        def bp_hook():
            pass

        @app.teardown_request
        def close_db(exc):
            pass

        app.after_request(add_headers)
        """
    )
    assert fe.meta["hooks"] == [
        {"hook": "before_request", "handler": "load_user", "line": 6, "app": "app"},
        {"hook": "before_app_request", "handler": "bp_hook", "line": 10, "app": "bp"},
        {"hook": "teardown_request", "handler": "close_db", "line": 14, "app": "app"},
        {"hook": "after_request", "handler": "add_headers", "line": 18, "app": "app"},
    ]


# --------------------------------------------------------------------------- robustness


def test_syntax_errors_keep_what_parses() -> None:
    fe = _extract(
        """\
        from flask import Blueprint
        bp = Blueprint("x", __name__)

        @bp.route("/ok")
        def ok():
            return "ok"

        @bp.route("/broken"
        def broken(:
            return
        """
    )
    assert "ok" in {p.qualname for p in fe.patterns}
    assert fe.patterns[0].meta["path"] == "/ok"


def test_truncated_files_never_raise() -> None:
    for source in (BLUEPRINT, METHODVIEW):
        for cut in range(0, len(source), 7):
            _extract(source[:cut])


def test_files_without_flask_give_nothing() -> None:
    assert _extract("def f():\n    return 1\n") == FileExtract()
    assert _extract(
        "from django.views import View\n\nclass V(View):\n    def get(self, request):\n        pass\n"
    ) == FileExtract(patterns=[], meta={})


def test_extract_python_route_wins_over_symbol() -> None:
    from indexers import extract_python

    fe = extract_python("app/views.py", dedent(BLUEPRINT).encode())
    kinds = {p.qualname: p.kind for p in fe.patterns}
    assert kinds["items"] == "route"
    assert fe.meta["routers"]["bp"]["prefix"] == "/api/items"


def test_registration_helpers_are_not_registrations() -> None:
    fe = _extract(
        """\
        from flask import Blueprint

        def register_view(bp_or_app, routes, view_func, *args, **kwargs):
            for route in routes:
                bp_or_app.add_url_rule(route, view_func=view_func, *args, **kwargs)
        """
    )
    assert fe == FileExtract(patterns=[], meta={})


def test_globals_lookup_in_loop_and_self_bound_names() -> None:
    fe = _extract(
        """\
        from flask import Blueprint
        group = Blueprint("group", __name__, url_prefix="/group")
        index = index

        def followers(id):
            pass

        def admins(id):
            pass

        for action in ["followers", "admins"]:
            group.add_url_rule("/{0}/<id>".format(action), view_func=globals()[action])
        group.add_url_rule("/", view_func=index)
        """
    )
    assert {p.qualname: p.meta["full_path"] for p in fe.patterns} == {
        "followers": "/group/followers/<id>",
        "admins": "/group/admins/<id>",
    }
    assert [u["view"] for u in fe.meta["url_rules"]] == ["followers", "admins", "index"]


def test_url_processors_and_context_processors_are_hooks() -> None:
    fe = _extract(
        """\
        from flask import Blueprint
        main = Blueprint("main", __name__)

        @main.url_value_preprocessor
        def pull_project(endpoint, values):
            pass

        @main.app_context_processor
        def inject():
            return {}
        """
    )
    assert [(h["hook"], h["handler"]) for h in fe.meta["hooks"]] == [
        ("url_value_preprocessor", "pull_project"),
        ("app_context_processor", "inject"),
    ]


# --------------------------------------------------------------------------- request-handler classes


RH_VIEWS = """\
from app.web.rh import RHBase
from app.util import Helper


class RHEventEdit(RHBase):
    def _process_args(self):
        self.event = 1

    def _process(self):
        return render("edit.html", event=self.event)


class RHEventNotes(RHBase):
    def _process_GET(self):
        return jsonify(notes=[])

    def _process_POST(self):
        return jsonify(created=True)


class RHUnused(RHBase):
    def _process(self):
        return ""


class RHImageBase(RHBase):
    def _process_POST(self):
        return "saved"


class RHLogo(RHImageBase):
    pass


class Worker:
    def _process(self):  # no base class: no view
        return None


class Parser(Helper):
    def _process_args(self):  # no dispatch method
        return None
"""

RH_BLUEPRINT = """\
from app.web.wrappers import ProjectBlueprint
from app.events.controllers import RHEventEdit, RHEventNotes, RHLogo

_bp = ProjectBlueprint("events", __name__, url_prefix="/event/<int:event_id>")

_bp.add_url_rule("/manage/edit", "edit", RHEventEdit, methods=("GET", "POST"))
_bp.add_url_rule("/edit", "edit_short", RHEventEdit)
_bp.add_url_rule("/notes", "notes", RHEventNotes, methods=("GET", "POST"))
_bp.add_url_rule("/logo", "logo", RHLogo, methods=("POST",))
"""


def test_request_handler_classes_are_routes_with_their_dispatch_methods() -> None:
    routes = {p.qualname: p for p in _extract(RH_VIEWS, "app/events/controllers.py").patterns}
    assert sorted(routes) == [
        "RHEventEdit._process",
        "RHEventNotes._process_GET",
        "RHEventNotes._process_POST",
        "RHImageBase._process_POST",
        "RHUnused._process",
    ]
    assert _pick(routes["RHEventNotes._process_POST"].meta, "methods", "path", "class", "framework") == {
        "methods": ["POST"],
        "path": None,
        "class": "RHEventNotes",
        "framework": "flask",
    }
    assert routes["RHEventEdit._process"].meta["methods"] == []  # the rule (another file) says


def test_request_handler_class_registered_in_the_same_file() -> None:
    fe = _extract(
        """\
        from flask import Blueprint
        from app.web.rh import RHBase

        bp = Blueprint("misc", __name__, url_prefix="/misc")

        class RHPing(RHBase):
            def _process(self):
                return "pong"

        bp.add_url_rule("/ping", "ping", RHPing, methods=("GET", "HEAD"))
        """
    )
    (p,) = fe.patterns
    assert _pick(p.meta, "methods", "full_path", "endpoint") == {
        "methods": ["GET", "HEAD"],
        "full_path": "/misc/ping",
        "endpoint": "ping",
    }


def test_linker_joins_request_handler_classes_registered_in_another_file() -> None:
    from memorybrain.linker import link

    files = {
        "app/events/controllers.py": RH_VIEWS,
        "app/events/blueprint.py": RH_BLUEPRINT,
        # a class of the same name elsewhere is not what the blueprint registers
        "app/other/controllers.py": "from app.web.rh import RHBase\n\nclass RHEventNotes(RHBase):\n"
        "    def _process(self):\n        return ''\n",
    }
    rows, metas = extract_files(files)
    assert metas["app/events/blueprint.py"]["routers"]["_bp"]["prefix"] == "/event/<int:event_id>"
    updates = {u[0]: u for u in link(rows, metas).updates}
    summaries = {u[2]["handler"]: u[3] for u in updates.values() if u[2].get("handler")}
    assert summaries["RHImageBase._process_POST"] == (
        "POST (base class) → RHImageBase._process_POST [served by 1 subclass: /event/<int:event_id>/logo]"
    )
    got = {}
    for pid, kind, _name, path, meta, _u, _s in rows:
        if kind == "route":
            m = updates[pid][2] if pid in updates else meta
            got[(path.split("/")[1], m["handler"])] = (m["methods"], m.get("full_path"), m.get("paths"))
    notes = "/event/<int:event_id>/notes"
    assert got == {
        ("events", "RHEventEdit._process"): (
            ["GET", "POST"],
            "/event/<int:event_id>/manage/edit",
            ["/manage/edit", "/edit"],
        ),
        ("events", "RHEventNotes._process_GET"): (["GET"], notes, ["/notes"]),
        ("events", "RHEventNotes._process_POST"): (["POST"], notes, ["/notes"]),
        ("events", "RHUnused._process"): ([], None, []),
        ("events", "RHImageBase._process_POST"): (["POST"], None, []),
        ("other", "RHEventNotes._process"): ([], None, []),
    }


def test_a_process_method_with_arguments_is_no_dispatch_method() -> None:
    fe = _extract(
        """\
        from app.filters import Filter

        class OutputFilter(Filter):
            def _process(self, stream, varname):
                return stream

        class Handler(Filter):
            @use_kwargs({"q": fields.String()})
            def _process(self, q):
                return q
        """
    )
    assert [p.qualname for p in fe.patterns] == ["Handler._process"]


def test_class_views_inherit_decorators_from_a_project_base_class_in_another_module() -> None:
    from memorybrain.linker import link

    files = {
        "app/__init__.py": "",
        "app/base.py": dedent(
            """
            from flask.views import MethodView
            from flask_login import login_required


            class ProtectedView(MethodView):
                decorators = [login_required]


            class AdminView(ProtectedView):
                pass
            """
        ),
        "app/items.py": dedent(
            """
            from flask import Blueprint, jsonify
            from app.base import AdminView, ProtectedView

            bp = Blueprint("items", __name__, url_prefix="/items")


            class ItemAPI(AdminView):
                def get(self):
                    return jsonify([])

                def post(self):
                    return jsonify({}), 201


            class PublicAPI(ProtectedView):
                decorators = []  # drops the base's auth

                def get(self):
                    return jsonify([])


            bp.add_url_rule("/", view_func=ItemAPI.as_view("items"))
            bp.add_url_rule("/public", view_func=PublicAPI.as_view("public"))
            """
        ),
    }
    rows, metas = extract_files(files)
    result = link(rows, metas)
    by_handler = {u[2]["handler"]: u for u in result.updates if u[2].get("handler")}
    item_get = by_handler["ItemAPI.get"]
    assert item_get[2]["decorators"] == ["login_required"]  # through AdminView to ProtectedView
    assert item_get[3] == "GET /items/ → ItemAPI.get (@login_required from base ProtectedView.decorators)"
    assert "login_required" not in (by_handler.get("PublicAPI.get", (0, 0, {}))[2].get("decorators") or [])
    auth = next(c for c in result.conventions if c["key"] == "auth")
    assert auth["statement"].startswith("routes require `@login_required` (2 of 3 handlers)")
    assert "GET /items/public" in auth["statement"]


def test_access_checked_in_a_method_of_the_handler_class_or_its_bases() -> None:
    """Request-handler classes that check access in ``_check_access`` (defined on a project base
    class in another module) are not "without auth"; the root's empty hook checks nothing, and
    a class that overrides the check with an empty one switches it off."""
    from memorybrain.linker import link

    files = {
        "app/web/rh.py": """\
from flask import session
from werkzeug.exceptions import Forbidden


class RH:
    def _check_access(self):
        \"\"\"Called before _process: override it to check access.\"\"\"

    def _process(self):
        raise NotImplementedError


class RHProtected(RH):
    def _check_access(self):
        if session.user is None:
            raise Forbidden
""",
        "app/admin/base.py": """\
from flask import session
from werkzeug.exceptions import Forbidden

from app.web.rh import RHProtected


class RHAdminBase(RHProtected):
    def _check_access(self):
        RHProtected._check_access(self)
        if not session.user.is_admin:
            raise Forbidden
""",
        "app/admin/controllers.py": """\
from app.admin.base import RHAdminBase
from app.web.rh import RH, RHProtected


class RHSettings(RHAdminBase):
    def _process(self):
        return "settings"


class RHUsers(RHAdminBase):
    def _process_GET(self):
        return "users"

    def _process_POST(self):
        return "created"


class RHProfile(RHProtected):
    def _process(self):
        return "profile"


class RHPublicPage(RH):
    def _process(self):
        return "public"


class RHOpenedUp(RHProtected):
    def _check_access(self):
        pass

    def _process(self):
        return "open"
""",
        "app/admin/blueprint.py": """\
from flask import Blueprint

from app.admin.controllers import RHOpenedUp, RHProfile, RHPublicPage, RHSettings, RHUsers

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.add_url_rule("/settings", "settings", RHSettings)
bp.add_url_rule("/users", "users", RHUsers, methods=("GET", "POST"))
bp.add_url_rule("/profile", "profile", RHProfile)
bp.add_url_rule("/public", "public", RHPublicPage)
bp.add_url_rule("/open", "open", RHOpenedUp)
""",
    }
    rows, metas = extract_files(files)
    assert ("_check_access", "RHProtected") in {(r[2], r[4].get("class")) for r in rows}  # kept although short
    result = link(rows, metas)
    checks = {u[2]["handler"]: u[2].get("access_check") for u in result.updates if u[2].get("handler")}
    assert checks["RHSettings._process"]["class"] == "RHAdminBase"
    assert checks["RHUsers._process_POST"]["path"] == "app/admin/base.py"
    assert checks["RHProfile._process"]["class"] == "RHProtected"
    assert checks["RHPublicPage._process"] is None  # RH._check_access is an empty hook
    assert checks["RHOpenedUp._process"] is None  # overridden with an empty method
    auth = next(c for c in result.conventions if c["key"] == "auth")
    assert auth["statement"].startswith(
        "no auth decorator: handler classes check access in a `_check_access()` method they define or "
        "inherit (4 of 6 handlers): `RHAdminBase._check_access` (app/admin/base.py) ×3"
    )
    assert auth["statement"].endswith("no such check on 2 handlers")
    (admin_check,) = [r[0] for r in rows if r[2] == "_check_access" and r[4].get("class") == "RHAdminBase"]
    assert auth["data"]["pattern_ids"] == [admin_check]
    from memorybrain.pack import _advice

    assert (
        _advice("auth", auth)
        == "subclass a base whose `_check_access()` checks access, like `RHAdminBase` (4 of 6 handlers)"
    )


def test_a_rate_limit_on_a_whole_blueprint_is_the_rate_limit_convention() -> None:
    """flaskbb: ``limiter.limit(...)(auth)`` and a ``before_request`` hook calling ``limiter.check()``
    limit every view of the blueprint (set up inside a plugin function); views opt out with
    ``limiter.exempt``. Not "no rate limiting on any route"."""
    from memorybrain.linker import link

    files = {
        "app/extensions.py": """\
from flask_limiter import Limiter

limiter = Limiter(auto_check=False)
""",
        "app/auth/views.py": """\
from flask import Blueprint
from flask.views import MethodView

from app.extensions import limiter


class Logout(MethodView):
    decorators = [limiter.exempt, login_required]

    def get(self):
        return "bye"


class Login(MethodView):
    def get(self):
        return "form"

    def post(self):
        return "in"


def load_blueprints(app):
    auth = Blueprint("auth", __name__)

    @auth.before_request
    def check_rate_limiting():
        if not app.config["RATELIMIT_ENABLED"]:
            return None
        return limiter.check()

    limiter.limit(
        "5/minute",
        error_message="slow down",
    )(auth)
    auth.add_url_rule("/logout", view_func=Logout.as_view("logout"))
    auth.add_url_rule("/login", view_func=Login.as_view("login"))
    app.register_blueprint(auth, url_prefix="/auth")
""",
        "app/forum/views.py": """\
from flask import Blueprint

forum = Blueprint("forum", __name__)


@forum.route("/")
def index():
    return "forum"
""",
    }
    rows, metas = extract_files(files)
    meta = metas["app/auth/views.py"]
    assert meta["router_decorators"] == [
        {"router": "auth", "decorator": 'limiter.limit("5/minute", error_message="slow down")', "line": 31}
    ]
    assert meta["hooks"][0]["calls"] == ["limiter.check"]
    rate = {c["key"]: c for c in link(rows, metas).conventions}["rate_limit"]
    assert rate["statement"] == (
        "rate limits apply to the whole `auth` blueprint (app/auth/views.py:31): "
        '`limiter.limit("5/minute", error_message="slow down")(auth)`; its before_request hook '
        "`check_rate_limiting` calls `limiter.check()` (2 of 4 handlers); "
        "exempt with `limiter.exempt`: GET /auth/logout"
    )
    assert rate["data"]["count"] == 2


def test_rate_limits_checked_in_handler_bodies() -> None:
    """pretix/indico: ``if rate_limit("pwreset", ...)`` or ``login_rate_limiter.test()`` in the few
    handlers worth abusing; a view named after throttling is no limiter."""
    from memorybrain.linker import link

    files = {
        "app/ratelimit.py": """\
def rate_limit(name, key, max_num=1, expire_time=60):
    count = cache.incr(f"{name}:{key}")
    return count > max_num
""",
        "app/views.py": """\
from flask import Blueprint, abort

from app.ratelimit import rate_limit

bp = Blueprint("auth", __name__)


@bp.route("/forgot", methods=["POST"])
def forgot():
    if rate_limit("pwreset", request.form["email"], max_num=1, expire_time=3600):
        abort(429)
    return "sent"


@bp.route("/verify", methods=["POST"])
def verify():
    if rate_limit("verify", current_user.id, max_num=2):
        abort(429)
    return "ok"


@bp.route("/items")
def items():
    return db.session.query(Item).limit(10).all()
""",
    }
    rows, metas = extract_files(files)
    rate = {c["key"]: c for c in link(rows, metas).conventions}["rate_limit"]
    assert rate["statement"] == (
        "rate limits are checked in handler bodies with `rate_limit(...)` (2 of 3 handlers: POST /forgot, POST /verify)"
    )
    (definition,) = [r[0] for r in rows if r[2] == "rate_limit"]
    assert rate["data"]["pattern_ids"] == [definition]

    from memorybrain.linker import _unused_rate_limiters

    defs = {
        "Reset2FADriftThrottleView": [("v1", "class", "app/views.py", {"bases": ["View"]})],
        "ThrottleExceeded": [("e1", "class", "app/errors.py", {"bases": ["Exception"]})],
        # letta: a context manager that lowers the recursion limit while pickling
        "RecursionLimiter": [("c1", "class", "app/services/safe_pickle.py", {"bases": []})],
        "ConcurrencyLimiter": [("c2", "class", "app/services/pool.py", {"bases": []})],
        # galaxy-ng: a data migration that sets a default rate limit
        "set_rate_limit_default": [("m1", "function", "app/migrations/0018_set_rate_limit_default.py", {})],
    }
    assert _unused_rate_limiters(3, defs) == []
    defs = {"RequestLimiter": [("c3", "class", "app/limits.py", {"bases": []})]}
    assert _unused_rate_limiters(3, defs)[0]["data"]["defined"] == ["RequestLimiter"]


def test_returned_error_responses_are_the_error_form() -> None:
    """pgAdmin returns what its error helpers build: ``return gone(...)``,
    ``return internal_server_error(errormsg=...)``; a helper that is no error is not counted."""
    from memorybrain.linker import link

    views = "".join(
        f"""
@blueprint.route("/obj{i}/<int:oid>", methods=["GET"])
def obj{i}(oid):
    status, res = conn.execute_dict(SQL)
    if not status:
        return internal_server_error(errormsg=res)
    if not res["rows"]:
        return gone(gettext("Could not find the object."))
    return make_json_response(data=res["rows"][0], status=200)
"""
        for i in range(3)
    )
    rows, metas = extract_files(
        {"web/views.py": "from flask import Blueprint\nblueprint = Blueprint('x', __name__)\n" + views}
    )
    form = {c["key"]: c for c in link(rows, metas).conventions}["errors:form"]
    assert form["statement"].startswith("errors are signalled as `return internal_server_error(errormsg=...)` (3 of 3")
    assert "`return gone(...)` ×3" in form["statement"]
    assert "make_json_response" not in form["statement"]


def test_schemas_named_by_a_validating_decorator_are_the_validation_convention() -> None:
    """lemur: ``@validate_schema(api_key_input_schema, api_key_output_schema)`` with module-level
    instances of marshmallow schemas."""
    from memorybrain.linker import link

    schemas = dedent(
        """
        from marshmallow import Schema, fields

        class ApiKeyInputSchema(Schema):
            name = fields.String()

        class ApiKeyOutputSchema(Schema):
            id = fields.Integer()

        api_key_input_schema = ApiKeyInputSchema()
        api_key_output_schema = ApiKeyOutputSchema()
        """
    )
    views = dedent(
        """
        from flask import Blueprint
        from flask_restful import Api, Resource
        from lemur.api_keys.schemas import api_key_input_schema, api_key_output_schema
        mod = Blueprint("api_keys", __name__)
        api = Api(mod)

        class ApiKeyList(Resource):
            @validate_schema(api_key_input_schema, api_key_output_schema)
            def post(self, data=None):
                return service.create(**data)

            @validate_schema(None, api_key_output_schema)
            def get(self):
                return service.render()

        api.add_resource(ApiKeyList, "/keys", endpoint="api_keys")
        """
    )
    rows, metas = extract_files({"lemur/api_keys/schemas.py": schemas, "lemur/api_keys/views.py": views})
    validation = {c["key"]: c for c in link(rows, metas).conventions}["validation"]
    assert "request bodies are validated by `ApiKeyInputSchema`" in validation["statement"]
    assert "responses are shaped by `ApiKeyOutputSchema`" in validation["statement"]


def test_a_view_under_several_rules_keeps_every_full_path() -> None:
    """privacyidea: ``@token_blueprint.route('/', methods=['DELETE'])`` and
    ``@token_blueprint.route('/<serial>', methods=['DELETE'])`` on one view, the blueprint
    registered with a prefix in another module."""
    from memorybrain.linker import link

    files = {
        "app/api/token.py": dedent(
            """
            from flask import Blueprint
            token_blueprint = Blueprint("token_blueprint", __name__)

            @token_blueprint.route("/", methods=["DELETE"])
            @token_blueprint.route("/<serial>", methods=["DELETE"])
            def delete_api(serial=None):
                return ""
            """
        ),
        "app/app.py": dedent(
            """
            from flask import Flask
            from app.api.token import token_blueprint
            app = Flask(__name__)
            app.register_blueprint(token_blueprint, url_prefix="/token")
            """
        ),
    }
    rows, metas = extract_files(files)
    (route,) = [r for r in rows if r[1] == "route"]
    assert route[4]["full_paths"] == ["/", "/<serial>"]  # the prefix is known only to the linker
    (update,) = [u for u in link(rows, metas).updates if u[0] == route[0]]
    assert update[2]["full_paths"] == ["/token/", "/token/<serial>"]
    assert update[3] == "DELETE /token/, /token/<serial> → delete_api"


def test_blueprints_guarded_by_their_before_request_hook() -> None:
    """privacyidea: ``@resolver_blueprint.before_request @admin_required def
    before_admin_request()`` in one module guards every view of blueprints defined in others;
    a hook that calls a check (``verify_auth_token()``) guards too, one that only builds a
    ``User(...)`` does not."""
    from memorybrain.linker import link

    views = """
        from flask import Blueprint
        {bp} = Blueprint("{bp}", __name__)

        @{bp}.route("/", methods=["GET"])
        def list_{bp}():
            return ""

        @{bp}.route("/<name>", methods=["DELETE"])
        def delete_{bp}(name):
            return ""
        """
    files = {
        "app/api/resolver.py": dedent(views.format(bp="resolver")),
        "app/api/container.py": dedent(views.format(bp="container")),
        "app/api/info.py": dedent(views.format(bp="info")),
        "app/api/hooks.py": dedent(
            """
            from app.api.resolver import resolver
            from app.api.container import container
            from app.api.info import info
            from app.api.auth import admin_required

            @resolver.before_request
            @admin_required
            def before_admin_request():
                pass

            @container.before_request
            def before_container_request():
                verify_auth_token(request)

            @info.before_request
            def before_info_request():
                request.User = User(login="x")
            """
        ),
    }
    rows, metas = extract_files(files)
    hooks = {h["handler"]: h for h in metas["app/api/hooks.py"]["hooks"]}
    assert hooks["before_admin_request"]["decorators"] == ["admin_required"]
    result = link(rows, metas)
    guards = {u[2]["handler"]: [g["name"] for g in u[2].get("hook_auth") or []] for u in result.updates}
    assert guards["list_resolver"] == guards["delete_resolver"] == ["admin_required"]
    assert guards["list_container"] == ["verify_auth_token"]
    assert not guards.get("list_info")  # unchanged: no update at all
    summaries = {u[2]["handler"]: u[3] for u in result.updates}
    assert (
        "@admin_required via before_request hook before_admin_request (app/api/hooks.py)"
        in summaries["delete_resolver"]
    )
    auth = next(c for c in result.conventions if c["key"] == "auth")
    assert auth["statement"].startswith(
        "routes require `@resolver.before_request @admin_required def before_admin_request()`"
    ), auth["statement"]


def test_input_checked_by_project_helpers_is_the_validation_convention() -> None:
    """privacyidea: no request schemas; handlers call ``get_required(request.all_data, "serial")``,
    which raises ``ParameterError`` on a missing parameter."""
    from memorybrain.linker import link
    from memorybrain.pack import _advice

    views = "".join(
        f"""
@bp.route("/t{i}", methods=["POST"])
def t{i}():
    serial = get_required(request.all_data, "serial")
    return send_result(serial)
"""
        for i in range(4)
    )
    files = {
        "app/lib/params.py": dedent(
            """
            class ParameterError(Exception):
                pass

            def get_required(params, key):
                if key not in params:
                    raise ParameterError(f"missing {key}")
                return params[key]
            """
        ),
        "app/api/token.py": "from flask import Blueprint, request\nfrom app.lib.params import get_required\n"
        'bp = Blueprint("token", __name__)\n' + views,
    }
    rows, metas = extract_files(files)
    conventions = {c["key"]: c for c in link(rows, metas).conventions}
    c = conventions["validation:helpers"]
    assert c["statement"] == (
        "handlers check request input with the project's helpers `get_required(...)` (4) of 4 handlers, "
        "which raise `ParameterError` on bad input"
    )
    assert (
        _advice("validation", c)
        == "check input with `get_required(...)` (raises `ParameterError`) like 4 of 4 handlers"
    )


def test_one_handlers_error_shape_among_several_is_no_convention() -> None:
    """privacyidea: six exception handlers answer through ``send_error(...)``; only the web UI's
    404 handler builds ``jsonify(error=...)`` itself. "error responses have the shape
    {"error"} (1 of 7)" was stated as the project's error format."""
    from memorybrain.linker import link

    def app(shaped: int) -> str:
        out = "from flask import Flask, jsonify\napp = Flask(__name__)\n"
        out += '\n@app.route("/ping")\ndef ping():\n    return "ok"\n'
        for i in range(3):
            out += f"\n@app.errorhandler(E{i})\ndef handle_e{i}(error):\n    return send_error(str(error), code=-{i})\n"
        for i in range(shaped):
            out += (
                f'\n@app.errorhandler({404 + i})\ndef status_{i}(error):\n    return jsonify(error="No"), {404 + i}\n'
            )
        return out

    rows, metas = extract_files({"app/app.py": app(1)})
    assert "errors:shape" not in {c["key"] for c in link(rows, metas).conventions}
    rows, metas = extract_files({"app/app.py": app(3)})
    shape = next(c for c in link(rows, metas).conventions if c["key"] == "errors:shape")
    assert shape["statement"] == 'error responses have the shape `{"error"}` (3 of 6 exception handlers)'


def test_blueprint_registered_through_functools_partial() -> None:
    """OctoPrint: ``registrators = [functools.partial(app.register_blueprint, api,
    url_prefix="/api")]`` called later in a loop; the blueprint's routes live in a package
    imported inside the method."""
    from memorybrain.linker import link

    files = {
        "app/server/api/__init__.py": dedent(
            """
            from flask import Blueprint
            api = Blueprint("api", __name__)

            @api.route("/version")
            def version():
                return ""
            """
        ),
        "app/server/__init__.py": dedent(
            """
            import functools
            from flask import Flask
            app = Flask(__name__)

            class Server:
                def _setup_blueprints(self):
                    from app.server.api import api
                    registrators = [functools.partial(app.register_blueprint, api, url_prefix="/api")]
                    for registrator in registrators:
                        registrator()
            """
        ),
    }
    rows, metas = extract_files(files)
    assert metas["app/server/__init__.py"]["mounts"][0] | {"line": 0} == {
        "parent": "app",
        "child": "api",
        "prefix": "/api",
        "line": 0,
    }
    (route,) = [r for r in rows if r[1] == "route"]
    (update,) = [u for u in link(rows, metas).updates if u[0] == route[0]]
    assert update[2]["full_path"] == "/api/version"


def test_permission_family_is_one_auth_convention() -> None:
    """OctoPrint: ``@Permissions.ADMIN.require(403)``, ``@Permissions.STATUS.require(403)``, ...
    on most handlers, the permission varying. "routes require `@Permissions.ADMIN.require(403)`
    (12 of 102)" with the rest listed as role checks hid that 65 of them use one mechanism."""
    from memorybrain.linker import link
    from memorybrain.pack import _advice

    perms = ["ADMIN", "ADMIN", "STATUS", "STATUS", "STATUS", "CONTROL", None]
    views = "".join(
        f'\n@api.route("/r{i}")\n' + (f"@Permissions.{p}.require(403)\n" if p else "") + f"def r{i}():\n    return ''\n"
        for i, p in enumerate(perms)
    )
    files = {
        "app/access/permissions.py": dedent(
            """
            class Permissions:
                ADMIN = OctoPrintPermission("Admin", RoleNeed("admin"))
                STATUS = OctoPrintPermission("Status", RoleNeed("status"))
            """
        ),
        "app/api/__init__.py": "from flask import Blueprint\nfrom app.access.permissions import Permissions\n"
        'api = Blueprint("api", __name__)\n' + views,
    }
    rows, metas = extract_files(files)
    conventions = [c for c in link(rows, metas).conventions if c["topic"] == "auth"]
    assert [c["key"] for c in conventions] == ["auth"]  # no STATUS/ADMIN "role checks" beside it
    auth = conventions[0]
    assert auth["statement"] == (
        "routes require `@Permissions.<…>.require(403)` (6 of 7 handlers; STATUS ×3, ADMIN ×2, CONTROL ×1); "
        "without any auth: GET /r6"
    )
    assert auth["data"]["variants"] == ["STATUS", "ADMIN", "CONTROL"]
    (cls,) = [r for r in rows if r[2] == "Permissions" and r[1] == "class"]
    assert auth["data"]["pattern_ids"][0] == cls[0]  # the class that declares them
    assert _advice("auth", auth) == "add `@Permissions.<…>.require(403)` like 6 of 7 handlers"


def test_abort_rendered_by_an_httpexception_handler_and_a_rare_project_exception() -> None:
    """OctoPrint: most handlers ``abort(...)``, which ``@app.errorhandler(HTTPException)``
    renders as the API's JSON; one handler raises a project exception. The pack stated that one
    first, as "handlers signal errors by raising project exceptions", and showed it as the
    project's convention for errors."""
    from memorybrain.linker import link

    views = "".join(
        f'\n@api.route("/r{i}", methods=["POST"])\ndef r{i}():\n    if not request.json:\n        abort(400)\n'
        "    return ''\n"
        for i in range(5)
    )
    views += '\n@api.route("/cmd", methods=["POST"])\ndef cmd():\n    raise CommandFailed("no")\n'
    files = {
        "app/api.py": "from flask import Blueprint, abort, request\n"
        'api = Blueprint("api", __name__)\n\nclass CommandFailed(Exception):\n    pass\n' + views,
        "app/server.py": dedent(
            """
            from flask import Flask
            from werkzeug.exceptions import HTTPException
            app = Flask(__name__)

            @app.errorhandler(HTTPException)
            def _handle_api_error(ex):
                return make_api_error(ex.description, ex.code)
            """
        ),
    }
    rows, metas = extract_files(files)
    errors = [c for c in link(rows, metas).conventions if c["topic"] == "errors"]
    keys = [c["key"] for c in errors]
    assert "errors" not in keys and keys.index("errors:abort") < keys.index("errors:raised")
    abort = errors[keys.index("errors:abort")]
    assert abort["statement"].endswith("; rendered by `_handle_api_error` (app/server.py)")
    (handler,) = [r for r in rows if r[1] == "error_handler"]
    assert abort["data"]["pattern_ids"] == [handler[0]]


def test_deletes_say_how_many_carry_a_guard_and_a_csrf_exemption_is_none() -> None:
    """OctoPrint: re-authentication on 4 of 12 DELETE handlers was "deletes add
    `@require_credentials_checked_recently`"; calibre-web: its e-reader API's DELETE handlers
    are `@csrf.exempt`, stated as a guard to add to deletes."""
    from memorybrain.linker import link

    def route(i: int, method: str, decos: str) -> str:
        return f'\n@bp.route("/r{i}", methods=["{method}"])\n{decos}def r{i}():\n    return ""\n'

    views = route(0, "DELETE", "@csrf.exempt\n@recent_login_required\n")
    views += route(1, "DELETE", "@csrf.exempt\n")
    views += route(2, "DELETE", "@csrf.exempt\n")
    views += "".join(route(i, "GET", "") for i in range(3, 9))
    files = {"app/views.py": 'from flask import Blueprint\nbp = Blueprint("bp", __name__)\n' + views}
    rows, metas = extract_files(files)
    deletes = next(c for c in link(rows, metas).conventions if c["key"] == "deletes")
    assert deletes["statement"] == "3 DELETE handlers: deletes add `@recent_login_required` (1 of 3)"


def test_another_login_decorator_on_other_routes_is_no_role_check() -> None:
    """calibre-web: ``@user_login_required`` on 88 handlers, ``@login_required_if_no_ano`` on 38
    others (pages anonymous browsing may open), ``@admin_required`` stacked on the first. The
    checklist said to add ``@login_required_if_no_ano`` "where only some users may act"."""
    from memorybrain.linker import link
    from memorybrain.pack import _advice

    def route(i: int, decos: str) -> str:
        return f'\n@bp.route("/r{i}")\n{decos}def r{i}():\n    return ""\n'

    views = "".join(route(i, "@user_login_required\n") for i in range(4))
    views += "".join(route(i, "@user_login_required\n@admin_required\n") for i in range(4, 7))
    views += "".join(route(i, "@login_required_if_no_ano\n") for i in range(7, 10))
    files = {"app/views.py": 'from flask import Blueprint\nbp = Blueprint("bp", __name__)\n' + views}
    rows, metas = extract_files(files)
    auth = {c["key"]: c for c in link(rows, metas).conventions if c["topic"] == "auth"}
    other = auth["auth:login_required_if_no_ano"]
    assert other["statement"] == "`@login_required_if_no_ano` authenticates instead on 3 of 10 handlers (GET 3)"
    assert _advice("auth:x", other) == "or `@login_required_if_no_ano` in its place, like 3 handlers"
    admin = auth["auth:admin_required"]
    assert admin["statement"] == "`@admin_required` guards 3 of 10 handlers (GET 3)"
    assert _advice("auth:x", admin) == "`@admin_required` where only some users may act (3 handlers)"


def test_a_project_wrapper_of_render_template_is_the_response_convention() -> None:
    """calibre-web: pages answer through ``render_title_template(...)``, which adds the sidebar
    and returns ``render_template(...)``; "responses: `render_template` in 1 of 191" hid it."""
    from memorybrain.linker import link

    views = "".join(
        f'\n@bp.route("/p{i}")\ndef p{i}():\n    return render_title_template("p.html", title="P")\n' for i in range(4)
    )
    views += '\n@bp.route("/about")\ndef about():\n    return render_template("about.html")\n'
    views += '\n@bp.route("/api")\ndef api():\n    return jsonify(ok=True)\n'
    files = {
        "app/render.py": dedent(
            """
            from flask import render_template

            def render_title_template(*args, **kwargs):
                return render_template(*args, sidebar=get_sidebar(), **kwargs)

            def send_error_page(code):
                return render_template("error.html", code=code)
            """
        ),
        "app/views.py": "from flask import Blueprint, jsonify, render_template\n"
        "from app.render import render_title_template\n"
        'bp = Blueprint("bp", __name__)\n' + views,
    }
    rows, metas = extract_files(files)
    responses = next(c for c in link(rows, metas).conventions if c["key"] == "responses")
    assert responses["statement"] == (
        "responses: `render_title_template(...)` (the project's wrapper of `render_template`) in 4; "
        "`jsonify(...)` in 1; `render_template` in 1 (of 6 handlers)"
    )


def test_handlers_checking_access_in_their_body_are_not_listed_as_without_auth() -> None:
    """OctoPrint: ``if not Permissions.ADMIN.can(): abort(403)`` and
    ``current_user.has_permission(Permissions.ADMIN)`` in handlers without a permission
    decorator; they were listed first as "without any auth", beside the login view."""
    from memorybrain.linker import link

    views = "".join(
        f'\n@api.route("/r{i}")\n@Permissions.ADMIN.require(403)\ndef r{i}():\n    return ""\n' for i in range(4)
    )
    views += dedent(
        """
        @api.route("/wizard")
        def wizard():
            if not Permissions.ADMIN.can():
                abort(403)
            return ""

        @api.route("/users/<name>")
        def get_user(name):
            if current_user.get_name() != name and not current_user.has_permission(Permissions.ADMIN):
                abort(403)
            return ""

        @api.route("/currentuser")
        def current():
            return current_user.get_id()

        @api.route("/register", methods=["POST"])
        def register():
            check_username(request.form["name"])
            return ""
        """
    )
    files = {"app/api.py": 'from flask import Blueprint, abort\napi = Blueprint("api", __name__)\n' + views}
    rows, metas = extract_files(files)
    auth = next(c for c in link(rows, metas).conventions if c["key"] == "auth")
    assert auth["statement"] == (
        "routes require `@Permissions.ADMIN.require(403)` (4 of 8 handlers); "
        "2 check access in their body instead: GET /wizard, GET /users/<name>; "
        "without any auth: GET /currentuser, POST /register"
    )
    assert auth["data"]["public"] == ["GET /currentuser", "POST /register"]


def test_a_helper_that_aborts_400_on_bad_input_is_the_validation_convention() -> None:
    """OctoPrint: no request schemas; 12 handlers read their JSON with
    ``get_json_command_from_request(request, valid_commands)``, which ``abort(400, ...)`` on a
    missing command or parameter. The checklist said input validation was not found."""
    from memorybrain.linker import link
    from memorybrain.pack import _advice

    views = "".join(
        f'\n@api.route("/c{i}", methods=["POST"])\ndef c{i}():\n'
        '    command, data, response = get_json_command_from_request(request, {"go": []})\n    return ""\n'
        for i in range(3)
    )
    files = {
        "app/util.py": dedent(
            """
            import flask

            def get_json_command_from_request(request, valid_commands):
                data = request.get_json()
                if "command" not in data or data["command"] not in valid_commands:
                    flask.abort(400, description="command is invalid")
                return data["command"], data, None

            def get_book(book_id):
                flask.abort(404)
            """
        ),
        "app/api.py": "from flask import Blueprint, request\n"
        "from app.util import get_json_command_from_request, get_book\n"
        'api = Blueprint("api", __name__)\n' + views + '\n@api.route("/b")\ndef b():\n    return get_book(1)\n',
    }
    rows, metas = extract_files(files)
    c = {c["key"]: c for c in link(rows, metas).conventions}["validation:helpers"]
    assert c["statement"] == (
        "handlers check request input with the project's helpers `get_json_command_from_request(...)` (3) "
        "of 4 handlers, which call `abort(400)` on bad input"
    )
    assert _advice("validation", c) == (
        "check input with `get_json_command_from_request(...)` (calls `abort(400)`) like 3 of 4 handlers"
    )


def test_rules_and_url_prefixes_from_path_constants_of_another_module() -> None:
    """``Blueprint(url_prefix=API_PREFIX)``, ``@bp.route(ITEM)``, ``add_url_rule(rule=SIGNUP)``
    and ``register_blueprint(..., url_prefix=urls.ADMIN)`` with the constants in a URL module:
    the linker fills them in; a constant that is no plain path (``_rest_path("/users")``) keeps
    its name, where before the rule was unknown."""
    from memorybrain.linker import link

    files = {
        "app/urls.py": """
            from app.helpers import _rest_path

            API_PREFIX = "/api"
            ITEMS = "/items"
            ITEM = ITEMS + "/<int:item_id>"
            ADMIN = API_PREFIX + "/admin"
            SIGNUP = "/signup"
            CREATE_USER = _rest_path("/users")
        """,
        "app/views.py": """
            from flask import Blueprint
            from app.urls import API_PREFIX, ITEMS, ITEM

            bp = Blueprint("items", __name__, url_prefix=API_PREFIX)
            LOCAL = "/local"

            @bp.route(ITEMS)
            def list_items(): ...

            @bp.route(ITEM, methods=["GET"])
            def get_item(): ...

            @bp.route(LOCAL + "/x")
            def local(): ...
        """,
        "app/admin.py": """
            from flask import Blueprint
            admin = Blueprint("admin", __name__)

            @admin.route("/users")
            def users(): ...
        """,
        "app/__init__.py": """
            from flask import Flask
            from app import urls
            from app.urls import CREATE_USER, SIGNUP
            from app.admin import admin

            def signup(): ...
            def create_user(): ...

            app = Flask(__name__)
            app.register_blueprint(admin, url_prefix=urls.ADMIN)
            app.add_url_rule(rule=SIGNUP, view_func=signup, methods=["GET"])
            app.add_url_rule(rule=CREATE_USER, view_func=create_user, methods=["POST"])
        """,
    }
    rows, metas = extract_files({path: dedent(src) for path, src in files.items()})
    assert metas["app/views.py"]["routers"]["bp"]["prefix"] == "{API_PREFIX}"
    updates = {u[0]: u[2] for u in link(rows, metas).updates}
    linked = [updates.get(r[0], r[4]) for r in rows if r[1] == "route"]
    full = {m["handler"]: m["full_path"] for m in linked}
    assert full == {
        "list_items": "/api/items",
        "get_item": "/api/items/<int:item_id>",
        "local": "/api/local/x",
        "users": "/api/admin/users",
        "signup": "/signup",
        "create_user": "{CREATE_USER}",
    }
    assert "_rest_path" not in str(metas["app/urls.py"].get("path_constants"))
