"""indexers.testing: tests that exercise endpoints through a client, and client fixtures."""

from __future__ import annotations

import json
import textwrap

import pytest

from indexers import extract_python, testing
from indexers.base import ParsedFile
from memorybrain.models import FileExtract, Pattern


def run(source: str, path: str = "tests/test_api.py") -> FileExtract:
    return testing.extract(ParsedFile.parse(path, textwrap.dedent(source).encode()))


def by_name(source: str, path: str = "tests/test_api.py") -> dict[str, Pattern]:
    return {p.qualname: p for p in run(source, path).patterns}


PYTEST_FASTAPI = """
import pytest
from fastapi import status
from fastapi.testclient import TestClient
from app.main import app

ITEMS = "/api/items"


@pytest.fixture
def client():
    return TestClient(app)


def test_create_item(client, db_session):
    resp = client.post("/api/items", json={"name": "x"})
    assert resp.status_code == 201


def test_list_then_delete(client):
    r = client.get(ITEMS)
    assert r.status_code == status.HTTP_200_OK
    url = f"/api/items/{r.json()[0]['id']}"
    r2 = client.delete(url)
    assert 404 == r2.status_code


def test_no_requests():
    assert 1 + 1 == 2


def make_item(client):
    return client.post("/api/items", json={})
"""


def test_pytest_functions_and_fixture() -> None:
    found = by_name(PYTEST_FASTAPI)
    assert sorted(found) == ["client", "test_create_item", "test_list_then_delete"]
    create = found["test_create_item"]
    assert create.kind == "test"
    assert create.summary == "test test_create_item — POST /api/items → 201"
    assert create.meta == {
        "client": "client",
        "requests": [{"method": "POST", "path": "/api/items"}],
        "fixtures": ["client", "db_session"],
        "asserts_status": [201],
        "fixture": False,
        "markers": [],
    }
    assert (create.start_line, create.end_line) == (15, 17)
    listing = found["test_list_then_delete"]
    assert listing.meta["requests"] == [
        {"method": "GET", "path": "/api/items"},
        {"method": "DELETE", "path": "/api/items/{r.json()[0]['id']}"},
    ]
    assert listing.meta["asserts_status"] == [200, 404]
    fixture = found["client"]
    assert fixture.meta == {
        "client": "client",
        "requests": [],
        "fixtures": [],
        "asserts_status": [],
        "fixture": True,
        "markers": [],
        "creates": "TestClient",
    }
    assert fixture.summary == "test fixture client — creates TestClient(app)"
    json.dumps(fixture.meta)


def test_flask_client_fixture_with_yield_and_with() -> None:
    found = by_name(
        """
        import pytest

        @pytest.fixture()
        def app_client(app):
            with app.test_client() as c:
                yield c

        @pytest.fixture
        def app():
            return create_app()

        @pytest.fixture
        def logged_in_client(client):
            client.post("/login", data={"user": "a"})
            return client
        """,
        "tests/conftest.py",
    )
    assert sorted(found) == ["app_client", "logged_in_client"]
    assert found["app_client"].meta["creates"] == "app.test_client"
    assert found["app_client"].meta["fixtures"] == ["app"]
    logged = found["logged_in_client"]
    assert logged.meta["creates"] is None
    assert logged.meta["requests"] == [{"method": "POST", "path": "/login"}]
    assert logged.summary == "test fixture logged_in_client — POST /login"


def test_async_client_and_markers() -> None:
    found = by_name(
        """
        import pytest
        from http import HTTPStatus
        from httpx import ASGITransport, AsyncClient

        @pytest.mark.asyncio
        async def test_ping():
            transport = ASGITransport(app=app)
            async with AsyncClient(transport=transport, base_url="http://test") as ac:
                r = await ac.get("/ping")
            assert r.status_code in (200, HTTPStatus.NO_CONTENT)
        """
    )
    ping = found["test_ping"]
    assert ping.meta["client"] == "ac"
    assert ping.meta["requests"] == [{"method": "GET", "path": "/ping"}]
    assert ping.meta["asserts_status"] == [200, 204]
    assert ping.meta["markers"] == ["asyncio"]


def test_unittest_testcase_with_setup() -> None:
    found = by_name(
        """
        import unittest

        class ItemsTest(unittest.TestCase):
            def setUp(self):
                self.app = create_app()
                self.client = self.app.test_client()

            def test_get_missing(self):
                rv = self.client.get("/items/1")
                self.assertEqual(rv.status_code, 404)

            def test_flask_testing_helpers(self):
                rv = self.client.put("/items/1", json={})
                self.assert200(rv)
                self.assertStatus(rv, 200)

            def helper(self):
                return self.client.get("/")
        """,
        "tests/test_items.py",
    )
    assert sorted(found) == [
        "ItemsTest.setUp",
        "ItemsTest.test_flask_testing_helpers",
        "ItemsTest.test_get_missing",
    ]
    setup = found["ItemsTest.setUp"]
    assert setup.meta["fixture"] is True
    assert setup.meta["client"] == "self.client"
    assert setup.meta["creates"] == "self.app.test_client"
    get = found["ItemsTest.test_get_missing"]
    assert get.summary == "test ItemsTest.test_get_missing — GET /items/1 → 404"
    assert get.meta["client"] == "self.client"
    assert get.meta["fixtures"] == []
    assert found["ItemsTest.test_flask_testing_helpers"].meta["asserts_status"] == [200]


def test_pytest_class_methods_request_and_open() -> None:
    found = by_name(
        """
        class TestItems:
            def test_methods(self, client):
                client.request("PATCH", "/a/b")
                client.open("/c", method="put")
                client.open("/d")
        """
    )
    t = found["TestItems.test_methods"]
    assert t.meta["fixtures"] == ["client"]
    assert t.meta["requests"] == [
        {"method": "PATCH", "path": "/a/b"},
        {"method": "PUT", "path": "/c"},
        {"method": "GET", "path": "/d"},
    ]
    assert t.summary == "test TestItems.test_methods — PATCH /a/b, PUT /c, GET /d"


def test_webtest_app_fixture_requests_module_and_non_literal_paths() -> None:
    found = by_name(
        """
        def test_forbidden(app):
            url = url_for("dataset.read", id="x")
            app.get(url, status=403)
            app.post_json("/api/action", {"a": 1}, status=200)

        def test_live(live_server):
            requests.get(live_server.url + "/health")

        def test_app_module_is_no_client():
            app.get("/")
        """
    )
    forbidden = found["test_forbidden"]
    assert forbidden.meta["client"] == "app"
    assert forbidden.meta["requests"] == [
        {"method": "GET", "path": 'url_for("dataset.read", id="x")'},
        {"method": "POST", "path": "/api/action"},
    ]
    assert forbidden.meta["asserts_status"] == [403, 200]
    live = found["test_live"]
    assert live.meta["client"] == "requests"
    assert live.meta["requests"] == [{"method": "GET", "path": 'live_server.url + "/health"'}]
    assert "test_app_module_is_no_client" not in found


def test_inline_routes_are_not_requests() -> None:
    found = by_name(
        """
        def test_inline(client):
            @app.get("/x")
            def x():
                return 1

            assert app.test_client().get("/x").status_code == 200
        """
    )
    t = found["test_inline"]
    assert t.meta["requests"] == [{"method": "GET", "path": "/x"}]
    assert t.meta["client"] == "app.test_client()"
    assert t.meta["asserts_status"] == [200]


def test_many_requests_summary() -> None:
    found = by_name(
        """
        def test_flow(client):
            client.get("/a")
            client.get("/b")
            client.get("/c")
            client.get("/d")
            client.get("/a")
            assert client.get("/e").status_code == 200
        """
    )
    t = found["test_flow"]
    assert len(t.meta["requests"]) == 5  # duplicates removed
    assert t.summary == "test test_flow — GET /a, GET /b, GET /c, … → 200"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests/test_api.py", True),
        ("app/tests/helpers.py", True),
        ("test/api.py", True),
        ("app/api_test.py", True),
        ("conftest.py", True),
        ("test_x.py", True),
        ("weblate/api/tests.py", True),  # Django's startapp layout
        ("app/testing/fixtures.py", True),
        ("misago/threads/test.py", True),
        ("app\\tests\\helpers.py", True),
        ("app/api.py", False),
        ("app/latests.py", False),
        ("app/testing.py", False),
        ("app/contest.py", False),
    ],
)
def test_is_test_file(path: str, expected: bool) -> None:
    assert testing.is_test_file(path) is expected


def test_django_tests_module_is_read() -> None:
    source = """
        from django.test import TestCase

        class ScreenshotAPITest(TestCase):
            def test_list(self):
                response = self.client.get("/api/screenshots/")
                self.assertEqual(response.status_code, 200)
    """
    tests = by_name(source, "weblate/screenshots/tests.py")
    assert tests["ScreenshotAPITest.test_list"].meta["requests"][0]["path"] == "/api/screenshots/"


def test_non_test_files_are_ignored() -> None:
    assert run(PYTEST_FASTAPI, "app/api.py").patterns == []


def test_empty_and_broken_files_do_not_raise() -> None:
    assert run("").patterns == []
    broken = run("def test_x(client:\n    client.get('/a'\n")
    assert isinstance(broken, FileExtract)
    assert testing.extract(ParsedFile.parse("tests/t.py", b"\xff\xfe def test_(")).patterns == []


def test_test_kind_wins_in_extract_python() -> None:
    fe = extract_python("tests/test_api.py", textwrap.dedent(PYTEST_FASTAPI).encode())
    kinds = {p.qualname: p.kind for p in fe.patterns}
    assert kinds["test_create_item"] == "test"
    assert kinds["client"] == "test"
    assert kinds["test_no_requests"] == "function"


def test_mock_clients_are_not_http_clients() -> None:
    found = by_name(
        """
        def test_cache(mock_client, client):
            mock_client.get("key")
            client.get("/cached")
        """
    )
    assert found["test_cache"].meta["requests"] == [{"method": "GET", "path": "/cached"}]


def test_lowercase_client_factories_are_not_test_clients() -> None:
    found = by_name(
        """
        import pytest

        @pytest.fixture
        def s3():
            return boto3.client("s3")

        @pytest.fixture
        def api():
            return httpx.Client(base_url="http://localhost")
        """
    )
    assert list(found) == ["api"]
    assert found["api"].meta["creates"] == "httpx.Client"


def test_app_fixtures_and_app_factories() -> None:
    found = by_name(
        """
        def test_patched(patched_app):
            assert patched_app.get("/").status_code == 200

        def test_factory(make_app):
            app = make_app()
            app.post("/upload", status=302)

        def test_flask_app_is_not_a_client(flask_app):
            flask_app.get("/")
        """
    )
    assert sorted(found) == ["test_factory", "test_patched"]
    assert found["test_patched"].meta["client"] == "patched_app"
    assert found["test_factory"].meta["client"] == "app"
    assert found["test_factory"].summary == "test test_factory — POST /upload → 302"
