"""Schemathesis over the OpenAPI schema: no 5xx, and every response matches the schema.

A bounded number of generated examples per operation (``MAX_EXAMPLES``), against the app in
process with the small hashing encoder (the schema does not depend on the model).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from conftest import FASTAPI_APP, copy_app
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from memorybrain import Brain
from server.app import create_app
from server.settings import ServerSettings

MAX_EXAMPLES = 25


@pytest.fixture(scope="module")
def indexed(tmp_path_factory) -> Path:
    root = copy_app(FASTAPI_APP, tmp_path_factory.mktemp("schema") / "app")
    with Brain.open(root, model="hashing") as brain:
        brain.index()
    return root


@pytest.fixture(scope="module")
def api_schema(indexed):
    # schemathesis' ASGI client sends `Host: testserver`
    app = create_app(ServerSettings(project=indexed, model="hashing", allowed_hosts=["testserver"]))
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    from schemathesis.python import asgi

    asgi.shutdown_lifespans()  # stops the app's lifespan: index jobs end, the store closes


OPERATIONS = [
    ("/v1/context", "POST"),
    ("/v1/patterns", "GET"),
    ("/v1/patterns/{pattern_id}", "GET"),
    ("/v1/facts", "GET"),
    ("/v1/index", "POST"),
    ("/v1/index/{job_id}", "GET"),
    ("/v1/health", "GET"),
    ("/v1/curation", "GET"),
    ("/v1/curation/pin", "POST"),
    ("/v1/curation/unpin", "POST"),
    ("/v1/curation/exclude", "POST"),
    ("/v1/curation/include", "POST"),
    ("/v1/curation/note", "POST"),
    ("/v1/curation/rules", "POST"),
    ("/v1/curation/rules/remove", "POST"),
    ("/v1/curation/facts", "POST"),
    ("/v1/curation/facts/unset", "POST"),
    ("/v1/snapshot", "GET"),
    ("/v1/snapshot/export", "POST"),
    ("/v1/snapshot/import", "POST"),
    ("/v1/snapshot/upload", "POST"),
    ("/v1/snapshot/diff", "POST"),
]


def test_every_operation_is_covered(api_schema):
    assert {(path, method.upper()) for path, item in api_schema.raw_schema["paths"].items() for method in item} == set(
        OPERATIONS
    )


#: Operations whose body a schema cannot validate (a snapshot file): a valid-looking one may get 422.
CONTENT_CHECKED = {"/v1/snapshot/upload"}

#: Operations with parameters or a body: the ones invalid requests can be made for.
WITH_INPUT = [
    op for op in OPERATIONS if op not in (("/v1/index", "POST"), ("/v1/health", "GET"), ("/v1/curation", "GET"))
]
CASES = [(p, m, GenerationMode.POSITIVE) for p, m in OPERATIONS] + [
    (p, m, GenerationMode.NEGATIVE) for p, m in WITH_INPUT
]


@pytest.mark.parametrize(("path", "method", "mode"), CASES, ids=[f"{m} {p} {mode.value}" for p, m, mode in CASES])
def test_api_conforms_to_its_schema(api_schema, path, method, mode):
    """Generated requests (valid, then invalid): never a 5xx, every answer as documented."""
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case) -> None:
        # an uploaded snapshot is "any bytes" to a schema; only its checksum says it is whole
        excluded = [positive_data_acceptance] if path in CONTENT_CHECKED else None
        response = case.call_and_validate(excluded_checks=excluded)
        assert response.status_code < 500, response.text

    check()
