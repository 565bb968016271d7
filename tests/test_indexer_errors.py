"""indexers.errors: exception classes, error handlers, error-response helpers."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from indexers import errors, extract_python
from indexers.base import ParsedFile
from memorybrain.models import FileExtract, Pattern


def run(source: str, path: str = "app/errors.py") -> FileExtract:
    return errors.extract(ParsedFile.parse(path, textwrap.dedent(source).encode()))


def by_name(fe: FileExtract, kind: str | None = None) -> dict[str, Pattern]:
    return {p.qualname: p for p in fe.patterns if kind is None or p.kind == kind}


def meta(fe: FileExtract, name: str, *keys: str) -> dict[str, Any]:
    m = by_name(fe)[name].meta
    return {k: m.get(k) for k in keys}


HANDLER_KEYS = ("exceptions", "response_keys", "response_shape", "status", "framework")

# --------------------------------------------------------------------------- exceptions

HIERARCHY = """
from werkzeug.exceptions import NotFound, HTTPException
from fastapi import HTTPException as FastAPIHTTPException


class APIError(Exception):
    \"\"\"Base API error.\"\"\"

    status_code = 400
    code = "api_error"
    message = "Something went wrong"

    def __init__(self, message=None, status_code=None, payload=None):
        super().__init__(message)
        self.payload = payload

    def to_dict(self):
        return {"error": {"code": self.code, "message": self.message}}


class NotFoundError(APIError):
    status_code = 404
    code = "not_found"


class ItemMissing(NotFoundError):
    pass


class Plain(Base):
    pass


class Gone(NotFound):
    description = "gone for good"


class Conflict(FastAPIHTTPException):
    def __init__(self, detail: str):
        super().__init__(status_code=409, detail=detail)


class Teapot(HTTPException):
    code = 418


class Quota(Exception):
    def __init__(self, limit: int, status_code: int = status.HTTP_429_TOO_MANY_REQUESTS):
        self.limit = limit


class Outer:
    class DoesNotExist(LookupError):
        pass

    class Nested:
        class Deep(Exception):
            pass


class NotAnError(BaseModel):
    error: str
"""


def test_exception_classes_and_in_file_hierarchy() -> None:
    fe = run(HIERARCHY)
    names = [p.qualname for p in fe.patterns if p.kind == "exception"]
    assert names == [
        "APIError",
        "NotFoundError",
        "ItemMissing",
        "Gone",
        "Conflict",
        "Teapot",
        "Quota",
        "Outer.DoesNotExist",
        "Outer.Nested.Deep",
    ]


def test_exception_meta_status_fields_code_and_shape() -> None:
    fe = run(HIERARCHY)
    api = by_name(fe)["APIError"]
    assert api.meta["bases"] == ["Exception"]
    assert api.meta["status_code"] == 400
    assert api.meta["fields"] == ["status_code", "code", "message", "payload"]
    assert api.meta["error_code"] == "api_error"
    assert api.meta["message"] == "Something went wrong"
    assert api.meta["response_keys"] == ["error"]
    assert api.meta["response_shape"] == '{"error": {"code", "message"}}'
    assert api.summary == (
        'exception APIError(Exception) — status 400, code "api_error" → {"error": {"code", "message"}}'
    )
    assert (api.start_line, api.end_line) == (6, 18)
    nf = by_name(fe)["NotFoundError"]
    assert nf.summary == 'exception NotFoundError(APIError) — status 404, code "not_found"'
    assert nf.meta["fields"] == ["status_code", "code"]


def test_exception_status_inherited_from_file_parent_and_werkzeug_base() -> None:
    fe = run(HIERARCHY)
    assert meta(fe, "ItemMissing", "status_code", "bases") == {
        "status_code": 404,
        "bases": ["NotFoundError"],
    }
    assert meta(fe, "Gone", "status_code", "message") == {
        "status_code": 404,
        "message": "gone for good",
    }
    assert meta(fe, "Teapot", "status_code", "error_code") == {
        "status_code": 418,
        "error_code": None,
    }


def test_exception_status_from_init() -> None:
    fe = run(HIERARCHY)
    assert meta(fe, "Conflict", "status_code", "fields") == {
        "status_code": 409,
        "fields": ["detail"],
    }
    assert meta(fe, "Quota", "status_code", "fields") == {
        "status_code": 429,
        "fields": ["limit", "status_code"],
    }


def test_nested_exception_and_docstring_summary() -> None:
    fe = run(HIERARCHY)
    deep = by_name(fe)["Outer.DoesNotExist"]
    assert deep.name == "DoesNotExist"
    assert deep.summary == "exception DoesNotExist(LookupError)"
    assert deep.meta["status_code"] is None
    assert deep.code == "    class DoesNotExist(LookupError):\n        pass"


def test_hierarchy_order_does_not_matter() -> None:
    fe = run(
        """
        class Child(Parent):
            pass

        class Parent(Root):
            status_code = 401

        class Root(RuntimeError):
            pass

        class Unrelated(Child2):
            pass
        """
    )
    assert [p.qualname for p in fe.patterns] == ["Child", "Parent", "Root"]
    assert by_name(fe)["Child"].meta["status_code"] == 401


# --------------------------------------------------------------------------- handlers

FLASK = """
from flask import Flask, jsonify, make_response
from werkzeug.exceptions import HTTPException

app = Flask(__name__)


class APIError(Exception):
    status_code = 400

    def to_dict(self):
        rv = dict(self.payload or ())
        rv["message"] = self.message
        return {"error": {"code": self.code, "message": self.message}}


@app.errorhandler(APIError)
def handle_api_error(e):
    return jsonify(e.to_dict()), e.status_code


@app.errorhandler(404)
def not_found(e):
    return jsonify({"error": "not found", "status": 404}), 404


@bp.app_errorhandler(HTTPException)
def http_error(e):
    return jsonify(error=e.name, message=e.description), e.code


@bp.errorhandler(ValueError)
def bad_value(e):
    return {"error": {"code": "bad_value", "details": [{"field": "x", "msg": str(e)}]}}, 400


def conflict(e):
    body = {"error": "conflict"}
    body["detail"] = str(e)
    return make_response(jsonify(body), 409)


def render_500(e):
    return render_template("500.html"), 500


app.register_error_handler(409, conflict)
app.register_error_handler((500, 503), render_500)
"""


def test_flask_errorhandler_decorators() -> None:
    fe = run(FLASK)
    assert meta(fe, "handle_api_error", *HANDLER_KEYS) == {
        "exceptions": ["APIError"],
        "response_keys": ["error"],
        "response_shape": '{"error": {"code", "message"}}',
        "status": "e.status_code",
        "framework": "flask",
    }
    assert meta(fe, "not_found", *HANDLER_KEYS) == {
        "exceptions": [404],
        "response_keys": ["error", "status"],
        "response_shape": '{"error", "status"}',
        "status": 404,
        "framework": "flask",
    }
    assert by_name(fe)["not_found"].summary == ('error handler for 404 → {"error", "status"} (status 404)')
    assert by_name(fe)["handle_api_error"].meta["app"] == "app"


def test_flask_keyword_jsonify_and_app_errorhandler() -> None:
    fe = run(FLASK)
    assert meta(fe, "http_error", *HANDLER_KEYS, "app") == {
        "exceptions": ["HTTPException"],
        "response_keys": ["error", "message"],
        "response_shape": '{"error", "message"}',
        "status": "e.code",
        "framework": "flask",
        "app": "bp",
    }


def test_nested_shape_with_list_of_objects() -> None:
    fe = run(FLASK)
    assert meta(fe, "bad_value", "response_shape", "status", "exceptions") == {
        "response_shape": '{"error": {"code", "details": [{"field", "msg"}]}}',
        "status": 400,
        "exceptions": ["ValueError"],
    }


def test_register_error_handler_follows_variable_and_make_response() -> None:
    fe = run(FLASK)
    assert meta(fe, "conflict", *HANDLER_KEYS) == {
        "exceptions": [409],
        "response_keys": ["error", "detail"],
        "response_shape": '{"error", "detail"}',
        "status": 409,
        "framework": "flask",
    }
    p = by_name(fe)["conflict"]
    assert p.kind == "error_handler"
    assert (p.start_line, p.end_line) == (37, 40)


def test_non_json_handler_keeps_body_text_and_tuple_of_codes() -> None:
    fe = run(FLASK)
    m = by_name(fe)["render_500"].meta
    assert m["exceptions"] == [500, 503]
    assert m["response_shape"] is None
    assert m["response_keys"] == []
    assert m["response_body"] == 'render_template("500.html")'
    assert m["status"] == 500
    assert by_name(fe)["render_500"].summary == (
        'error handler for 500, 503 → render_template("500.html") (status 500)'
    )


FASTAPI = """
from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


class DomainError(Exception):
    pass


app = FastAPI()


@app.exception_handler(DomainError)
async def domain_error_handler(request: Request, exc: DomainError) -> JSONResponse:
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
        content={"error": {"type": type(exc).__name__, "message": str(exc)}},
    )


async def validation_handler(request, exc):
    errors = [{"loc": e["loc"], "msg": e["msg"]} for e in exc.errors()]
    return JSONResponse({"detail": errors, "code": "validation"}, 400)


async def http_handler(request, exc):
    return JSONResponse(status_code=exc.status_code, content={"detail": exc.detail})


def problem(request, exc):
    return ORJSONResponse(content=Problem(title="oops", status=500).model_dump(), status_code=500)


app.add_exception_handler(RequestValidationError, validation_handler)
app.exception_handler(StarletteHTTPException)(http_handler)
other = FastAPI(exception_handlers={KeyError: problem, 404: http_handler})
"""


def test_fastapi_exception_handler_decorator_and_jsonresponse() -> None:
    fe = run(FASTAPI)
    assert meta(fe, "domain_error_handler", *HANDLER_KEYS) == {
        "exceptions": ["DomainError"],
        "response_keys": ["error"],
        "response_shape": '{"error": {"type", "message"}}',
        "status": 422,
        "framework": "fastapi",
    }
    assert by_name(fe)["domain_error_handler"].summary == (
        'error handler for DomainError → {"error": {"type", "message"}} (status 422)'
    )


def test_fastapi_registrations_by_call() -> None:
    fe = run(FASTAPI)
    assert meta(fe, "validation_handler", *HANDLER_KEYS) == {
        "exceptions": ["RequestValidationError"],
        "response_keys": ["detail", "code"],
        "response_shape": '{"detail", "code"}',
        "status": 400,
        "framework": "fastapi",
    }
    assert meta(fe, "http_handler", *HANDLER_KEYS) == {
        "exceptions": ["StarletteHTTPException", 404],
        "response_keys": ["detail"],
        "response_shape": '{"detail"}',
        "status": "exc.status_code",
        "framework": "fastapi",
    }
    assert meta(fe, "problem", "exceptions", "response_shape", "status") == {
        "exceptions": ["KeyError"],
        "response_shape": '{"title", "status"}',
        "status": 500,
    }


def test_handlers_nested_in_a_setup_function() -> None:
    fe = run(
        """
        def configure_errorhandlers(app):
            @app.errorhandler(403)
            def forbidden_page(error):
                return render_template("errors/forbidden_page.html"), 403

            def any_error(e):
                return {"error": str(e)}, 500

            for code in default_exceptions:
                app.register_error_handler(code, any_error)
        """
    )
    assert sorted(by_name(fe, "error_handler")) == [
        "configure_errorhandlers.any_error",
        "configure_errorhandlers.forbidden_page",
    ]
    p = by_name(fe)["configure_errorhandlers.forbidden_page"]
    assert p.name == "forbidden_page"
    assert (p.start_line, p.end_line) == (3, 5)
    assert p.meta["status"] == 403
    assert p.meta["response_body"] == 'render_template("errors/forbidden_page.html")'
    assert by_name(fe)["configure_errorhandlers.any_error"].meta["exceptions"] == ["default_exceptions"]


def test_method_registered_through_self() -> None:
    fe = run(
        """
        class Runner:
            def build(self, app):
                app.exception_handler(Exception)(self.error_handler)

            def error_handler(self, request, exc):
                return JSONResponse(status_code=500, content={"detail": str(exc)})
        """
    )
    assert meta(fe, "Runner.error_handler", "exceptions", "response_shape", "status") == {
        "exceptions": ["Exception"],
        "response_shape": '{"detail"}',
        "status": 500,
    }


# --------------------------------------------------------------------------- helpers

HELPERS = """
from flask import jsonify


def error_response(status, message, code=None):
    payload = {"error": {"code": code, "message": message}}
    return jsonify(payload), status


def bad_request(message):
    return error_response(400, message)


def api_fail(msg):
    return {"status": "fail", "data": msg}


def not_an_error(item):
    return {"id": item.id, "name": item.name}


def task_record(t):
    return {"id": t.id, "entity": t.e, "state": t.s, "created": t.c, "error": t.err}


@app.errorhandler(404)
def nf(e):
    return error_response(404, "not found")


class Responder:
    def failure(self, message, status=422):
        return {"errors": [{"message": message}]}, status
"""


def test_error_helpers_are_function_patterns_with_shape() -> None:
    fe = run(HELPERS)
    helpers = {p.qualname: p for p in fe.patterns if p.meta.get("error_helper")}
    assert sorted(helpers) == ["Responder.failure", "api_fail", "bad_request", "error_response"]
    er = helpers["error_response"]
    assert er.kind == "function"
    assert {k: er.meta[k] for k in ("response_keys", "response_shape", "status")} == {
        "response_keys": ["error"],
        "response_shape": '{"error": {"code", "message"}}',
        "status": "status",
    }
    assert er.meta["signature"] == "def error_response(status, message, code=None)"
    assert er.summary == (
        'def error_response(status, message, code=None) — error response {"error": {"code", "message"}}'
    )
    assert helpers["bad_request"].meta["status"] == 400
    assert helpers["api_fail"].meta["response_shape"] == '{"status", "data"}'
    assert helpers["Responder.failure"].meta["response_shape"] == '{"errors": [{"message"}]}'
    assert helpers["Responder.failure"].meta["class"] == "Responder"


def test_handler_resolves_helper_shape_and_status_argument() -> None:
    fe = run(HELPERS)
    assert meta(fe, "nf", "response_shape", "status") == {
        "response_shape": '{"error": {"code", "message"}}',
        "status": 404,
    }


def test_helper_wins_over_symbols_fallback_in_merge() -> None:
    fe = extract_python("app/errors.py", textwrap.dedent(HELPERS).encode())
    p = by_name(fe)["error_response"]
    assert p.kind == "function"
    assert p.meta["error_helper"] is True
    assert by_name(fe)["nf"].kind == "error_handler"
    assert by_name(fe)["not_an_error"].meta.get("error_helper") is None


def test_meta_is_json_serialisable() -> None:
    for source in (HIERARCHY, FLASK, FASTAPI, HELPERS):
        for p in run(source).patterns:
            json.dumps(p.meta)


# --------------------------------------------------------------------------- robustness


def test_syntax_errors_keep_what_parses() -> None:
    fe = run(
        """
        class Broken(Exception)
            status_code = 500

        class Fine(ValueError):
            code = 400

        def oops(:
            pass

        @app.errorhandler(KeyError)
        def handler(e):
            return {"error": "key"}, 400
        """
    )
    assert by_name(fe, "exception")["Fine"].meta["status_code"] == 400
    assert by_name(fe, "error_handler")["handler"].meta["response_shape"] == '{"error"}'


def test_empty_and_garbage_sources() -> None:
    assert run("").patterns == []
    assert run("@@@ ((( class def return {").patterns == []
    assert run("def f():\n    return\n").patterns == []


def test_render_shape_quotes_keys() -> None:
    assert errors.render_shape({"a": None, 'b"c': {"d": None}, "e": [{"f": None}]}) == (
        '{"a", "b\\"c": {"d"}, "e": [{"f"}]}'
    )


def test_cyclic_bases_and_deep_literals_do_not_hang() -> None:
    source = (
        "class A(B, Exception):\n    pass\n\nclass B(A):\n    pass\n\n"
        "class C(D):\n    pass\n\nclass D(C):\n    pass\n\n"
        "def f():\n    return " + '{"a": ' * 300 + "1" + "}" * 300 + ", 400\n"
    )
    fe = errors.extract(ParsedFile.parse("x.py", source.encode()))
    assert [(p.qualname, p.kind) for p in fe.patterns] == [
        ("A", "exception"),
        ("B", "exception"),
        ("f", "function"),
    ]
    assert by_name(fe)["B"].meta["status_code"] is None
    assert by_name(fe)["f"].meta["response_shape"] == ('{"a": {"a": {"a": {"a": {"a": {"a": {"a"}}}}}}}')


def test_handler_recognised_by_signature_when_registered_elsewhere() -> None:
    fe = run(
        """
        class AppError(Exception):
            status_code = 500


        async def app_error_handler(request: Request, exc: AppError) -> JSONResponse:
            return JSONResponse(status_code=exc.status_code, content={"error": exc.message})


        async def unhandled(request, exc):
            return PlainTextResponse("boom", status_code=500)


        class Timing:
            async def dispatch(self, request: Request, call_next):
                return await call_next(request)


        def compare(request, other):
            return request == other
        """
    )
    handlers = by_name(fe, "error_handler")
    assert sorted(handlers) == ["app_error_handler", "unhandled"]
    assert meta(fe, "app_error_handler", *HANDLER_KEYS, "registered") == {
        "exceptions": ["AppError"],
        "response_keys": ["error"],
        "response_shape": '{"error"}',
        "status": "exc.status_code",
        "framework": "fastapi",
        "registered": False,
    }
    assert meta(fe, "unhandled", "exceptions", "response_body", "status") == {
        "exceptions": [],
        "response_body": '"boom"',
        "status": 500,
    }
