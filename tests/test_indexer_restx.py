"""Unit tests: flask-restx and flask-smorest details in indexers/flask.py (models, input and
output schemas, success status) and namespace paths joined by the linker."""

from __future__ import annotations

from indexers import extract_python
from memorybrain.linker import link
from memorybrain.models import Pattern

RESTX = b"""
from flask import Blueprint
from flask_restx import Api, Namespace, Resource, fields

blueprint = Blueprint("api", __name__, url_prefix="/api")
api = Api(blueprint, version="1.0", doc="/docs")
ns = Namespace("todo", description="Todo operations")
api.add_namespace(ns, path="/v1/todos")

todo_input = ns.model("TodoInput", {"task": fields.String(required=True, description="The task")})
todo = ns.inherit("Todo", todo_input, {"id": fields.Integer(readonly=True)})


@ns.route("/")
class TodoList(Resource):
    @ns.marshal_list_with(todo)
    def get(self):
        return DAO.todos

    @ns.expect(todo_input, validate=True)
    @ns.response(400, "Validation error")
    @ns.marshal_with(todo, code=201)
    def post(self):
        return DAO.create(api.payload), 201


@ns.route("/<int:id>")
@ns.response(404, "Todo not found")
class Todo(Resource):
    @ns.marshal_with(todo)
    @ns.response(404, "Todo not found")
    def get(self, id):
        return DAO.get(id) or ns.abort(404, "Todo not found")
"""


def _patterns(source: bytes, path: str = "app/api.py") -> dict[str, Pattern]:
    return {p.qualname: p for p in extract_python(path, source).patterns}


def test_restx_models_are_schemas() -> None:
    patterns = _patterns(RESTX)
    todo_input, todo = patterns["todo_input"], patterns["todo"]
    assert (todo_input.kind, todo_input.start_line, todo_input.end_line) == ("schema", 10, 10)
    assert todo_input.meta == {
        "library": "flask-restx",
        "model_name": "TodoInput",
        "fields": [{"name": "task", "type": "String", "required": True}],
        "required": ["task"],
        "bases": [],
    }
    assert todo.meta["model_name"] == "Todo" and todo.meta["bases"] == ["todo_input"]
    assert todo.meta["fields"] == [{"name": "id", "type": "Integer", "required": False}]


def test_restx_input_output_schemas_status_and_full_path() -> None:
    patterns = _patterns(RESTX)
    get_list, post, get_one = patterns["TodoList.get"], patterns["TodoList.post"], patterns["Todo.get"]
    assert post.meta["full_path"] == "/api/v1/todos/"  # add_namespace(path=) replaces the namespace's own
    assert get_one.meta["full_path"] == "/api/v1/todos/<int:id>"
    assert (post.meta["input_schemas"], post.meta["output_schemas"]) == (["todo_input"], ["todo"])
    assert post.meta["status_code"] == 201  # the success code, not the documented 400
    assert (get_list.meta["input_schemas"], get_list.meta["output_schemas"]) == ([], ["todo"])
    assert get_one.meta["status_code"] is None  # only an error is documented
    assert get_one.meta["aborts"] == [404]


def test_smorest_arguments_are_inputs_and_responses_outputs() -> None:
    source = b"""
from flask.views import MethodView
from flask_smorest import Blueprint

blp = Blueprint("pets", "pets", url_prefix="/pets")


@blp.route("/")
class Pets(MethodView):
    @blp.arguments(PetQueryArgsSchema, location="query")
    @blp.response(200, PetSchema(many=True))
    def get(self, args):
        return Pet.query.filter_by(**args)

    @blp.arguments(PetSchema)
    @blp.alt_response(422, description="invalid")
    @blp.response(201, PetSchema)
    def post(self, data):
        return Pet.create(**data)
"""
    patterns = _patterns(source, "app/pets.py")
    get, post = patterns["Pets.get"], patterns["Pets.post"]
    assert (get.meta["input_schemas"], get.meta["output_schemas"]) == (["PetQueryArgsSchema"], ["PetSchema"])
    assert (post.meta["input_schemas"], post.meta["output_schemas"]) == (["PetSchema"], ["PetSchema"])
    assert (post.meta["status_code"], post.meta["response_model"]) == (201, "PetSchema")


def test_linker_namespace_path_at_registration_replaces_its_own() -> None:
    """``api.add_namespace(ns, path="/items")`` in another file: the namespace's routes live
    under ``/items``, not under its own ``/item`` (flask-restx ``Api.ns_paths``)."""
    files = {
        "app/api/__init__.py": b"""
from flask import Blueprint
from flask_restx import Api

from app.api.items import ns as items_ns

blueprint = Blueprint("api", __name__, url_prefix="/api")
api = Api(blueprint)
api.add_namespace(items_ns, path="/items")
""",
        "app/api/items.py": b"""
from flask_restx import Namespace, Resource

ns = Namespace("item")


@ns.route("/<int:item_id>")
class Item(Resource):
    def get(self, item_id):
        return {}
""",
    }
    extracts = {path: extract_python(path, src) for path, src in files.items()}
    rows = [(p.id, p.kind, p.name, path, p.meta, 0, p.summary) for path, fe in extracts.items() for p in fe.patterns]
    result = link(rows, {path: fe.meta for path, fe in extracts.items()})
    updated = {pid: meta for pid, _usage, meta, _summary in result.updates}
    route = next(p for p in extracts["app/api/items.py"].patterns if p.kind == "route")
    assert updated[route.id]["full_path"] == "/api/items/<int:item_id>"


def test_api_namespace_method_and_api_subclass_across_files() -> None:
    """udata style: ``api = UDataApi(blueprint)`` with ``class UDataApi(Api)`` in one file,
    ``ns = api.namespace("harvest", ...)`` and models with ``api.model`` in another."""
    files = {
        "udata/api/__init__.py": b"""
from flask import Blueprint
from flask_restx import Api, Resource

apiv1_blueprint = Blueprint("api", __name__, url_prefix="/api/1")


class UDataApi(Api):
    def secure(self, func):
        return func


api = UDataApi(apiv1_blueprint, version="1.0")
""",
        "udata/harvest/api.py": b"""
from flask import request

from udata.api import API, api, fields

ns = api.namespace("harvest", "Harvest related operations")

source_fields = api.model("HarvestSource", {"id": fields.String(readonly=True), "url": fields.String(required=True)})


@ns.route("/sources/", endpoint="harvest_sources")
class SourcesAPI(API):
    @api.secure
    @api.expect(source_fields)
    @api.marshal_with(source_fields)
    def post(self):
        return create(request.json), 201
""",
    }
    extracts = {path: extract_python(path, src) for path, src in files.items()}
    assert extracts["udata/api/__init__.py"].meta["routers"]["api"]["type"] == "Api"
    harvest = extracts["udata/harvest/api.py"]
    assert harvest.meta["routers"]["ns"]["prefix"] == "/harvest"
    schema = next(p for p in harvest.patterns if p.kind == "schema")
    assert (schema.name, schema.meta["model_name"]) == ("source_fields", "HarvestSource")
    route = next(p for p in harvest.patterns if p.kind == "route")
    assert route.meta["framework"] == "flask-restx" and route.meta["input_schemas"] == ["source_fields"]
    rows = [(p.id, p.kind, p.name, path, p.meta, 0, p.summary) for path, fe in extracts.items() for p in fe.patterns]
    result = link(rows, {path: fe.meta for path, fe in extracts.items()})
    updated = {pid: meta for pid, _usage, meta, _summary in result.updates}
    assert updated[route.id]["full_path"] == "/api/1/harvest/sources/"


def test_plain_flask_model_call_is_not_a_restx_model() -> None:
    source = b"""
from flask import Flask

app = Flask(__name__)
settings = registry.model("Settings", {"debug": True})
"""
    assert [p for p in extract_python("app/main.py", source).patterns if p.kind == "schema"] == []


def test_namespace_of_an_imported_api_in_a_file_without_flask_imports() -> None:
    source = b"""
from udata.api import API, api

ns = api.namespace("tags", "Tags related operations")


@ns.route("/suggest/", endpoint="suggest_tags")
class SuggestTagsAPI(API):
    def get(self):
        return []
"""
    fe = extract_python("udata/core/tags/api.py", source)
    assert fe.meta["routers"]["ns"]["prefix"] == "/tags"
    assert fe.meta["mounts"][0]["parent"] == "api"
    route = next(p for p in fe.patterns if p.kind == "route")
    assert (route.meta["full_path"], route.meta["framework"]) == ("/tags/suggest/", "flask-restx")


def test_blueprint_subclass_by_name() -> None:
    source = b"""
from flask import request

from udata.i18n import I18nBlueprint

blueprint = I18nBlueprint("oauth", __name__, url_prefix="/oauth")


@blueprint.route("/token", methods=["POST"])
def access_token():
    return request.form
"""
    route = next(p for p in extract_python("udata/api/oauth2.py", source).patterns if p.kind == "route")
    assert route.meta["full_path"] == "/oauth/token"


def test_smorest_paginate_decorator_is_the_pagination_convention() -> None:
    source = b"""
from flask.views import MethodView
from flask_smorest import Blueprint

blp = Blueprint("pets", "pets", url_prefix="/pets")


@blp.route("/")
class Pets(MethodView):
    @blp.response(200, PetSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        return Pet.query.paginate(pagination_parameters)


@blp.route("/<int:pet_id>")
class PetById(MethodView):
    @blp.response(200, PetSchema)
    def get(self, pet_id):
        return Pet.query.get_or_404(pet_id)
"""
    fe = extract_python("app/pets.py", source)
    rows = [(p.id, p.kind, p.name, "app/pets.py", p.meta, 0, p.summary) for p in fe.patterns]
    conventions = {c["key"]: c for c in link(rows, {"app/pets.py": fe.meta}).conventions}
    pagination = conventions["pagination"]
    assert pagination["data"]["form"] == "@blp.paginate()" and pagination["data"]["count"] == 1
    assert "GET /pets/" in pagination["statement"]
