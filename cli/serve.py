"""``brain serve``, ``brain mcp`` and ``brain hook``: the HTTP API, the MCP server, the prompt hook.

Heavy imports (FastAPI, uvicorn, the MCP SDK, the library) happen inside the commands, so
``brain --help`` and the hook's answer to an unrelated prompt stay fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.options import DbOpt, ProjectOpt
from cli.output import errors_to_exit

__all__ = ["hook", "mcp", "serve"]

ModelOpt = Annotated[
    str | None,
    typer.Option("--model", help="Embedding model: default, a local model folder, or 'hashing'."),
]


def _db(db: str | None) -> str | None:
    # --db is relative to where the user is, not to the project
    return str(Path(db).expanduser().resolve()) if db else None


def _client_url(host: str, port: int) -> str:
    if host in ("0.0.0.0", "", "::"):
        host = "127.0.0.1" if host != "::" else "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(
    project: ProjectOpt = None,
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on (default 127.0.0.1, or BRAIN_HOST).")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", min=1, max=65535, help="Port (default 8765, or BRAIN_PORT).")
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            help="Require 'Authorization: Bearer TOKEN' on every request; needed to listen on a "
            "non-loopback address. Prefer the BRAIN_TOKEN variable (not visible in `ps`).",
        ),
    ] = None,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-host",
            help="Also accept this Host header (repeatable; loopback names are always accepted).",
        ),
    ] = None,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--cors-origin", help="Allow browser calls from this origin (repeatable; CORS is off by default)."
        ),
    ] = None,
    db: DbOpt = None,
    model: ModelOpt = None,
    snapshot: Annotated[
        Path | None,
        typer.Option(
            "--snapshot",
            help="Serve this snapshot file alone (no source tree, no store), read-only: curation and "
            "index requests get 409.",
        ),
    ] = None,
    log_level: Annotated[
        str, typer.Option("--log-level", help="uvicorn log level: critical, error, warning, info, debug.")
    ] = "info",
) -> None:
    """Serve the HTTP API: context packs, patterns, facts, background index jobs.

    The model is loaded once and kept warm. Listens on 127.0.0.1 by default; any other
    address needs a token. API docs at http://127.0.0.1:8765/docs.

    Examples:

      brain serve

      brain serve -p ~/src/shop --port 9000

      BRAIN_TOKEN=s3cret brain serve --host 0.0.0.0 --allowed-host devbox.lan

      brain serve --snapshot team/snapshot.jsonl
    """
    with errors_to_exit():
        from pydantic import ValidationError

        from memorybrain.errors import ConfigError
        from server.settings import ServerSettings

        given = {
            "project": project,
            "host": host,
            "port": port,
            "token": token,
            "allowed_hosts": allowed_host or None,
            "cors_origins": cors_origin or None,
            "db": _db(db),
            "model": model,
            "snapshot": snapshot.expanduser().resolve() if snapshot else None,
        }
        try:
            settings = ServerSettings(**{k: v for k, v in given.items() if v is not None})
        except ValidationError as e:
            first = e.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise ConfigError(f"invalid setting {field}: {first['msg']}") from None
        settings.check_bind()

        import uvicorn

        from server.app import create_app
        from server.hooks import remove_discovery, write_discovery
        from server.service import BrainService

        service = BrainService(settings.project, db=settings.db, model=settings.model, snapshot=settings.snapshot)
        app = create_app(settings, service=service)
        root = service.config.root
        url = _client_url(settings.host, settings.port)
        what = f"the snapshot {settings.snapshot} (read-only)" if settings.snapshot else str(root)
        typer.echo(f"brain: serving {what} at {url} (API docs: {url}/docs)", err=True)
        try:
            if not settings.snapshot:  # a snapshot server writes nothing anywhere
                write_discovery(root, url, token_required=bool(settings.token_value()))
        except OSError as e:  # a read-only project still gets served; the hook just won't find it
            typer.echo(
                f"brain: cannot write {root}/.brain/server.json ({e.strerror}); the hook will not use this server",
                err=True,
            )
        try:
            uvicorn.run(
                app,
                host=settings.host,
                port=settings.port,
                log_level=log_level,
                server_header=False,
                proxy_headers=False,
                timeout_graceful_shutdown=10,
            )
        finally:
            if not settings.snapshot:
                remove_discovery(root)


def mcp(
    project: ProjectOpt = None,
    db: DbOpt = None,
    model: ModelOpt = None,
    snapshot: Annotated[
        Path | None,
        typer.Option("--snapshot", help="Serve this snapshot file alone (no source tree), read-only."),
    ] = None,
) -> None:
    """Serve the MCP tools over stdio: get_context, search_patterns, list_facts, reindex.

    Start it from your assistant's MCP configuration (see the README); it speaks MCP on
    stdin/stdout and logs to stderr.

    Examples:

      brain mcp

      brain mcp --project ~/src/shop
    """
    with errors_to_exit():
        from server.mcp_server import run_mcp

        run_mcp(project, db=_db(db), model=model, snapshot=snapshot.expanduser().resolve() if snapshot else None)


def hook(
    assistant: Annotated[str, typer.Argument(metavar="ASSISTANT", help="The assistant: claude-code.")] = "claude-code",
    install: Annotated[
        bool, typer.Option("--install", help="Merge the hook into the project's .claude/settings.json.")
    ] = False,
    local: Annotated[
        bool, typer.Option("--local", help="With --install: write .claude/settings.local.json (not committed).")
    ] = False,
    run: Annotated[
        bool,
        typer.Option("--run", help="Be the hook: read the prompt JSON on stdin, print the pack or nothing."),
    ] = False,
    plain: Annotated[
        bool, typer.Option("--plain", help="With --run: print the bare Markdown pack instead of hook JSON.")
    ] = False,
    budget: Annotated[
        int, typer.Option("--budget", "-b", min=200, max=8000, help="With --run: token budget of the pack.")
    ] = 2000,
    project: ProjectOpt = None,
) -> None:
    """Print (or --install) a prompt hook that injects the context pack into your assistant.

    The hook runs `brain hook claude-code --run` on every prompt: for prompts that ask to
    build or change endpoints it adds the pack to the conversation, for the rest it stays
    silent. With `brain serve` running in the project it answers from the warm server.

    Examples:

      brain hook claude-code

      brain hook claude-code --install

      echo '{"prompt": "Add CRUD endpoints for invoices"}' | brain hook claude-code --run
    """
    if run:
        _run_hook(project, budget, plain)
        return
    with errors_to_exit():
        import json

        from memorybrain.config import find_root
        from memorybrain.errors import ConfigError
        from server.hooks import install_claude_code, settings_snippet

        if assistant != "claude-code":
            raise ConfigError(f"unknown assistant {assistant!r}: only claude-code has a hook here (see the README)")
        if not install:
            typer.echo(json.dumps(settings_snippet(), indent=2))
            typer.echo("Add this to .claude/settings.json (or run `brain hook claude-code --install`).", err=True)
            return
        root = find_root(project.expanduser() if project else Path.cwd())
        path, changed = install_claude_code(root, local=local)
        typer.echo(f"{'added the UserPromptSubmit hook to' if changed else 'already installed in'} {path}")


def _run_hook(project: Path | None, budget: int, plain: bool) -> None:
    """The hook itself. Never fails loudly: exit code 2 would block the user's prompt."""
    try:
        from server.hooks import run_hook

        out = run_hook(sys.stdin.read(), project=project, budget=budget, plain=plain)
        if out:
            typer.echo(out)
    except Exception as e:  # noqa: BLE001 - a broken hook must never block a prompt
        typer.echo(f"brain hook: {type(e).__name__}: {e}", err=True)
