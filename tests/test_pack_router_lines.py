"""The router lines under the first exemplar's imports say what the code says: the constructor
call as written, or no line when it cannot be told from the index."""

from __future__ import annotations

import textwrap

from indexers import extract_python
from memorybrain.pack import PackBuilder


def _header(path: str, source: str) -> list[str]:
    """``_module_header`` of one file, from the metadata ``brain index`` stores for it."""
    builder = PackBuilder.__new__(PackBuilder)  # no store: the file's metadata is all it reads
    builder._file_metas = {path: extract_python(path, textwrap.dedent(source).encode()).meta}
    builder._own = set()
    return [x for x in builder._module_header(path).splitlines() if "# line" in x]


def test_a_variable_prefix_is_not_quoted_as_a_string():
    """Chainlit: ``APIRouter(prefix=config.run.root_path)`` was shown as
    ``APIRouter(prefix='{config.run.root_path}')``, and ``FastAPI(lifespan=lifespan)`` as ``FastAPI()``."""
    lines = _header(
        "chat/server.py",
        """
        from fastapi import APIRouter, FastAPI
        from chat.config import config

        app = FastAPI(lifespan=lifespan)
        router = APIRouter(prefix=config.run.root_path)
        v1 = APIRouter(prefix=settings.API_V1_STR + "/items", tags=["items"])

        @router.get("/project/settings")
        def project_settings():
            return {}
        """,
    )
    assert lines == [
        "app = FastAPI(lifespan=lifespan)  # line 5",
        "router = APIRouter(prefix=config.run.root_path)  # line 6",
        'v1 = APIRouter(prefix=settings.API_V1_STR + "/items", tags=["items"])  # line 7',
    ]


def test_a_project_router_class_keeps_its_name_and_arguments():
    lines = _header(
        "app/api/pools.py",
        """
        from fastapi import status
        from app.server import ProjectRouter

        router = ProjectRouter(prefix=API_PREFIX, tags=["Pools"])

        @router.post("/", status_code=status.HTTP_201_CREATED)
        async def create_pool(pool: dict):
            return pool
        """,
    )
    assert lines == ['router = ProjectRouter(prefix=API_PREFIX, tags=["Pools"])  # line 5']


def test_flask_api_built_on_a_blueprint_shows_it():
    """Lemur: ``api = Api(mod)`` was shown as ``api = Api()``."""
    lines = _header(
        "shop/certificates/views.py",
        """
        from flask import Blueprint
        from flask_restful import Api, Resource

        mod = Blueprint("certificates", __name__)
        api = Api(mod)
        other = Api()

        class CertificatesList(Resource):
            def get(self):
                return []

        api.add_resource(CertificatesList, "/certificates")
        """,
    )
    # ``other = Api()`` may have been written ``Api(create_app())``: the index cannot tell, no line
    assert sorted(lines) == ["api = Api(mod)  # line 6", "mod = Blueprint('certificates', __name__)  # line 5"]


def test_flask_restx_namespace_is_written_as_created():
    lines = _header(
        "tasks/api.py",
        """
        from flask_restx import Api, Namespace, Resource

        api = Api(app, prefix="/api")
        ns = api.namespace("harvest", description="Harvest")
        jobs = Namespace("jobs", path="/jobs/v2")

        @ns.route("/")
        class HarvestList(Resource):
            def get(self):
                return []
        """,
    )
    assert sorted(lines) == [
        "api = Api(app, prefix='/api')  # line 4",
        "jobs = Namespace('jobs', path='/jobs/v2')  # line 6",
        "ns = api.namespace('harvest')  # line 5",
    ]


def test_a_router_known_only_as_a_template_or_without_a_class_gets_no_line():
    builder = PackBuilder.__new__(PackBuilder)
    builder._own = set()
    builder._file_metas = {
        "app/views.py": {
            "import_lines": [[1, "from flask import Blueprint"]],
            "routers": {
                "bp": {"type": "Blueprint", "name": "pages", "prefix": "{PREFIX}/pages", "line": 3},
                "legacy": {"type": None, "prefix": "/legacy", "line": 4},
                "plain": {"type": "Blueprint", "name": "plain", "prefix": "/plain", "line": 5},
            },
        }
    }
    lines = [x for x in builder._module_header("app/views.py").splitlines() if "# line" in x]
    assert lines == ["plain = Blueprint('plain', __name__, url_prefix='/plain')  # line 5"]
