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
