"""Which of a route's decorators and dependencies are auth (memorybrain.mechanisms)."""

from __future__ import annotations

from memorybrain.mechanisms import auth_mechanisms


def test_csrf_exemptions_are_no_access_guard():
    """pgAdmin: ``@pgCSRFProtect.exempt`` turns a protection off; calling it a guard would
    advise new endpoints to drop CSRF checks."""
    meta = {"decorators": ["pgCSRFProtect.exempt", "csrf_exempt", "pga_login_required"]}
    assert [name for name, _text in auth_mechanisms(meta)] == ["pga_login_required"]


def test_auth_dependencies_and_decorators_are_found():
    meta = {"decorators": ["login_required", "cache.cached"], "dependencies": ["get_current_user", "get_db"]}
    assert [name for name, _text in auth_mechanisms(meta)] == ["login_required", "get_current_user"]


def test_db_session_convention_ignores_auth_checks_and_websocket_sessions():
    """Phoenix's ``require_human_session`` is a role check and chainlit's ``session`` a
    websocket session: neither is how handlers reach the database."""
    import textwrap

    from memorybrain.linker import link
    from tests.conftest import extract_files

    routes = textwrap.dedent(
        """
        from fastapi import APIRouter, Depends
        router = APIRouter()

        @router.get("/a", dependencies=[Depends(require_human_session)])
        def a():
            session.send("x")

        @router.get("/b", dependencies=[Depends(require_human_session)])
        def b():
            session.emit("y")
        """
    )
    rows, metas = extract_files({"app/routes.py": routes})
    assert "db" not in {c["key"] for c in link(rows, metas).conventions}

    db_routes = routes.replace('session.send("x")', "session.add(x)\n    session.commit()")
    rows, metas = extract_files({"app/routes.py": db_routes})
    db = {c["key"]: c for c in link(rows, metas).conventions}["db"]
    assert db["statement"].startswith("handlers use `session` directly (1 of 2")


def test_one_handler_calling_session_get_is_no_database_convention():
    import textwrap

    from memorybrain.linker import link
    from tests.conftest import extract_files

    routes = "from fastapi import APIRouter\nrouter = APIRouter()\n" + "".join(
        f'\n@router.get("/r{i}")\ndef r{i}():\n    return {{}}\n' for i in range(4)
    )
    routes += textwrap.dedent(
        """
        @router.post("/upload")
        def upload_file(session_id: str):
            session = WebsocketSession.get_by_id(session_id)
            return session.get("files")
        """
    )
    rows, metas = extract_files({"app/server.py": routes})
    assert "db" not in {c["key"] for c in link(rows, metas).conventions}


def test_a_mechanism_written_with_many_arguments_is_shown_with_them_elided():
    from collections import Counter

    from memorybrain.linker import _usual_form

    many = Counter({"@permissions_required(AllPermissionTypes.tools_ai)": 14, "@permissions_required(P.psql)": 12})
    many["@permissions_required(P.schema_diff)"] = 25
    assert _usual_form(many) == "@permissions_required(...)"
    assert _usual_form(Counter({"@login_required": 5})) == "@login_required"
    assert _usual_form(Counter({"@roles(admin)": 6, "@roles(user)": 2})) == "@roles(admin)"
    scoped = Counter({'Security(auth, scopes=["read"])': 3, 'Security(auth, scopes=["write"])': 3})
    scoped['Security(auth, scopes=["admin"])'] = 1
    assert _usual_form(scoped) == "Security(auth, ...)"


def test_a_validator_named_after_rate_limits_is_no_rate_limit():
    """LiteLLM's proxy calls ``_raise_if_model_update_adds_missing_rate_limits(...)`` in its model
    endpoints: it answers 400 when a model's rpm/tpm are missing, it limits nothing. The SSO start
    endpoint's ``_check_cli_sso_start_rate_limit`` counts in a cache and answers 429: that one limits."""
    import textwrap

    from memorybrain.linker import _is_limiter_call, _unused_rate_limiters, link
    from tests.conftest import extract_files

    files = {
        "proxy/models.py": textwrap.dedent(
            """
            from fastapi import APIRouter, HTTPException, Request, status
            router = APIRouter()

            def _raise_on_missing_rate_limits(model_name, missing):
                if not missing:
                    return
                raise HTTPException(status_code=status.HTTP_400_BAD_REQUEST, detail=f"{missing} must be set")

            def _raise_if_model_update_adds_missing_rate_limits(*, existing, written_name, policy):
                if policy is None:
                    return
                _raise_on_missing_rate_limits(written_name, required_limits(policy, written_name))

            def _check_cli_sso_start_rate_limit(request: Request, cache):
                count = cache.increment_cache(key=request.client.host, value=1, ttl=60)
                if count > 10:
                    raise HTTPException(status_code=429, detail="Too many requests")

            @router.post("/model/new")
            async def add_new_model(data: dict):
                _raise_if_model_update_adds_missing_rate_limits(existing=None, written_name="m", policy=None)
                return {}

            @router.post("/model/update")
            async def update_model(data: dict):
                _raise_if_model_update_adds_missing_rate_limits(existing=None, written_name="m", policy=None)
                return {}

            @router.post("/sso/cli/start")
            async def cli_sso_start(request: Request):
                _check_cli_sso_start_rate_limit(request, cache)
                return {}
            """
        ),
    }
    rows, metas = extract_files(files)
    rate = {c["key"]: c for c in link(rows, metas).conventions}["rate_limit"]
    assert rate["statement"] == (
        "rate limits are checked in handler bodies with `_check_cli_sso_start_rate_limit(...)` "
        "(1 of 3 handlers: POST /sso/cli/start)"
    )
    # a name that reads like a settings check still counts when its body limits (a 429)
    defs = {"check_required_rate_limit": [("f1", "function", "app/limits.py", {"http_errors": [429]})]}
    assert _is_limiter_call("check_required_rate_limit", defs)
    assert not _is_limiter_call("validate_rate_limit_config", {})
    # nor is a public validator a limiter the project "defines" for new endpoints
    defs = {"validate_rate_limits": [("f2", "function", "app/limits.py", {"http_errors": [400]})]}
    assert _unused_rate_limiters(3, defs) == []
