"""``brain mcp``: an MCP server over stdio (the official ``mcp`` SDK's ``MCPServer``).

Seven tools, each answer compact and bounded (assistants cap tool output; Claude Code at
about 25,000 tokens):

- ``get_context(request, budget)``: the pack in Markdown, ``budget`` at most
  ``MCP_MAX_BUDGET`` (12,000) tokens counted as characters/4;
- ``search_patterns(query, kind, limit, cursor)``: one line per definition, at most 50 a page;
- ``list_facts(cursor)``: the stack, 100 facts a page;
- ``reindex()``: an incremental index, waited for up to a minute;
- ``export_snapshot(path, vectors)``: write the team snapshot (a ``.jsonl`` file inside the
  project, by default ``.brain/snapshot.jsonl``);
- ``diff_snapshot(a, b)``: what changed between two snapshot files, or from one to the store
  now, at most ``DIFF_LINES`` lines;
- ``import_snapshot(path)``: merge a snapshot file into the store. Merge only: local curation
  always wins and nothing is removed; ``--replace`` stays with the CLI and HTTP, where a person
  chooses it.

Paths are files inside the project; one that leaves it (absolute elsewhere, ``..``, a symlink
out) is refused, as over HTTP.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field

from memorybrain import __version__
from memorybrain import snapshot as snapshots
from memorybrain.errors import BrainError
from server.deps import CURSOR_PATTERN, decode_cursor, encode_cursor
from server.schemas import Kind
from server.service import BrainService
from server.settings import MAX_REQUEST_CHARS, MCP_DEFAULT_BUDGET, MCP_MAX_BUDGET, MCP_MAX_LIMIT, MIN_BUDGET

__all__ = ["DIFF_LINES", "FACTS_PAGE", "REINDEX_WAIT_SECONDS", "build_mcp", "run_mcp"]

FACTS_PAGE = 100
#: Lines of a snapshot diff an answer shows (the rest are counted).
DIFF_LINES = 200
REINDEX_WAIT_SECONDS = 60.0
SUMMARY_CHARS = 200

INSTRUCTIONS = """\
memorybrain knows how THIS codebase builds its web API: its stack, the conventions it follows
(auth, errors, pagination, validation, tests) with evidence, and the closest existing code.
Before writing or changing an endpoint, route, schema or endpoint test, call get_context with
one sentence saying what you are about to do, and follow the conventions it reports. Use
search_patterns to locate a definition by meaning (then read the file at the lines given),
list_facts for the stack and versions, and reindex after you have changed code."""

RequestArg = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_REQUEST_CHARS,
        description="What you are about to build or change, in one sentence, "
        "e.g. 'Add CRUD endpoints for invoices' or 'Add an admin-only DELETE for orders'.",
    ),
]
BudgetArg = Annotated[
    int,
    Field(
        ge=MIN_BUDGET,
        le=MCP_MAX_BUDGET,
        description=f"Most tokens (characters/4) the answer may use, {MIN_BUDGET}-{MCP_MAX_BUDGET}. "
        f"{MCP_DEFAULT_BUDGET} suits most tasks; more shows more exemplars in full.",
    ),
]
QueryArg = Annotated[
    str,
    Field(
        max_length=MAX_REQUEST_CHARS,
        description="What to find, e.g. 'auth dependency', 'pagination helper', 'invoice schema'. "
        "Empty: list every pattern (of `kind`) in path order.",
    ),
]
KindArg = Annotated[
    Kind | None,
    Field(
        description="Only this kind: route, dependency, decorator, exception, error_handler, model, "
        "schema, test, pagination, middleware, function or class."
    ),
]
LimitArg = Annotated[int, Field(ge=1, le=MCP_MAX_LIMIT, description=f"Results per page, 1-{MCP_MAX_LIMIT}.")]
SnapshotPathArg = Annotated[
    str,
    Field(
        min_length=1,
        max_length=500,
        description="A snapshot file inside the project, relative to its root, e.g. '.brain/snapshot.jsonl'.",
    ),
]
OptionalSnapshotPathArg = Annotated[
    str | None,
    Field(max_length=500, description="The newer snapshot file; leave it out to compare with the store now."),
]
VectorsArg = Annotated[bool, Field(description="Include the embeddings (false: about half the size).")]
CursorArg = Annotated[
    str | None, Field(pattern=CURSOR_PATTERN, description="The cursor a previous answer gave, for the next page.")
]


def _line(pid: str, kind: str, location: str, summary: str, usage: int) -> str:
    summary = " ".join(summary.split())
    if len(summary) > SUMMARY_CHARS:
        summary = summary[: SUMMARY_CHARS - 1] + "…"
    used = f" [used by {usage} routes]" if usage else ""
    return f"{pid}  {kind}  {location}  {summary}{used}"


class _StrictMCPServer(MCPServer):
    """Refuses arguments a tool does not take. The SDK drops them without a word, so a caller
    that writes ``budegt`` or ``max_tokens`` would get the default budget and never know."""

    async def call_tool(self, name, arguments, context=None):  # type: ignore[no-untyped-def,override]
        tools = {t.name: t for t in await self.list_tools()}
        tool = tools.get(name)
        if tool is not None:
            takes = sorted((tool.input_schema or {}).get("properties") or {})
            unknown = sorted(set(arguments or {}) - set(takes))
            if unknown:
                raise ToolError(
                    f"{name} does not take {', '.join(map(repr, unknown))}; "
                    f"it takes {', '.join(takes) if takes else 'no arguments'}"
                )
        return await super().call_tool(name, arguments, context)


def build_mcp(service: BrainService) -> MCPServer:
    """The MCP server for one project (tools only; answers in compact text)."""
    mcp: MCPServer = _StrictMCPServer(
        "memorybrain",
        title="memorybrain: project memory",
        instructions=INSTRUCTIONS,
        version=__version__,
        log_level="WARNING",
    )
    read_only = ToolAnnotations(
        read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
    )

    @mcp.tool(annotations=read_only, structured_output=False)
    def get_context(request: RequestArg, budget: BudgetArg = MCP_DEFAULT_BUDGET) -> str:
        """How THIS project does what you are about to build: call it before writing or changing an
        API endpoint, route, schema, auth, error handling, pagination or endpoint test, instead of
        grepping for examples. Returns Markdown: the stack (with versions and sources), the
        conventions the codebase follows (with counts), the closest existing code with path:line,
        and a production checklist answered from this project. At most `budget` tokens
        (characters/4; ceiling 12000)."""
        try:
            return service.context(request, budget=budget, fmt="md").to_markdown()
        except BrainError as e:
            raise ToolError(str(e)) from None

    @mcp.tool(annotations=read_only, structured_output=False)
    def search_patterns(
        query: QueryArg = "", kind: KindArg = None, limit: LimitArg = 10, cursor: CursorArg = None
    ) -> str:
        """Find definitions in this project by meaning and name: routes, auth dependencies and
        decorators, exceptions and error handlers, models, schemas, pagination helpers,
        middleware, endpoint tests and helpers. One line per match, best first:
        `id  kind  path:start-end  summary`. Read the file at those lines for the code. Paginated:
        pass the cursor given at the end for more."""
        try:
            offset = decode_cursor(cursor) if cursor else 0
            if query.strip():
                ranked, more = service.search(query, kind=kind, limit=limit, offset=offset)
                lines = [_line(p.id, p.kind, p.location, p.summary, p.usage) for p, _score in ranked]
                total = None
            else:
                found, total = service.patterns(kind=kind, limit=limit, offset=offset)
                lines = [_line(p.id, p.kind, p.location, p.summary, p.usage) for p in found]
                more = offset + limit < total
        except BrainError as e:
            raise ToolError(str(e)) from None
        if not lines:
            return "no matching patterns" + (f" of kind {kind}" if kind else "")
        head = f"{len(lines)} patterns" + (f" of {total}" if total is not None else ", best first")
        tail = f"\nmore: call again with cursor={encode_cursor(offset + limit)!r}" if more else ""
        return head + ":\n" + "\n".join(lines) + tail

    @mcp.tool(annotations=read_only, structured_output=False)
    def list_facts(cursor: CursorArg = None) -> str:
        """The project's stack: web framework, ORM, migrations, validation, auth, database, server
        and test libraries, with versions and the file:line each was read from."""
        try:
            offset = decode_cursor(cursor) if cursor else 0
            facts = service.facts()
        except BrainError as e:
            raise ToolError(str(e)) from None
        if not facts:
            return "no stack facts found"
        page = facts[offset : offset + FACTS_PAGE]
        lines = [
            f"{f.category}: {f.name}{' ' + f.value if f.value else ''} ({f.source})"
            + (" — set by the team" if f.origin == "team" else "")
            for f in page
        ]
        more = offset + FACTS_PAGE < len(facts)
        tail = f"\nmore: call again with cursor={encode_cursor(offset + FACTS_PAGE)!r}" if more else ""
        return "\n".join(lines) + tail

    @mcp.tool(
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
        ),
        structured_output=False,
    )
    def reindex() -> str:
        """Re-index the project incrementally (only files that changed are parsed again) so later
        answers include code you have just written. Waits up to a minute; if it is still running
        then, says how far it got: call it again to follow it."""
        try:
            job = service.jobs.running() or service.start_index()
        except BrainError as e:
            raise ToolError(str(e)) from None
        job.wait(REINDEX_WAIT_SECONDS)
        snap = job.snapshot()
        if snap["state"] == "succeeded":
            r = snap["report"] or {}
            return (
                f"indexed: {r.get('files_seen', 0)} files seen, {r.get('indexed', 0)} parsed again, "
                f"{r.get('unchanged', 0)} unchanged, {r.get('removed', 0)} removed; "
                f"{r.get('patterns', 0)} patterns, {r.get('facts', 0)} facts; {r.get('seconds', 0)} s"
            )
        if snap["state"] == "failed":
            raise ToolError(f"index failed: {snap['error']}")
        return (
            f"still indexing (job {snap['id']}, stage {snap['stage']}, files {snap['files_done']}/"
            f"{snap['files_total']}); call reindex again to follow it"
        )

    @mcp.tool(
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False
        ),
        structured_output=False,
    )
    def export_snapshot(path: SnapshotPathArg = snapshots.DEFAULT_PATH, vectors: VectorsArg = True) -> str:
        """Write the team snapshot: every pattern, fact, convention, pin, exclusion, note and rule
        of this project in one diffable file (`memorybrain.snapshot/1`) that the team commits and
        loads with `brain context --snapshot`. Replaces the file if it is already a snapshot."""
        try:
            info = service.export_snapshot(path, vectors=vectors)
        except BrainError as e:
            raise ToolError(str(e)) from None
        c = info["counts"]
        return (
            f"wrote {info['path']} ({info['bytes']} bytes): {c['pattern']} patterns, {c['vector']} vectors, "
            f"{c['curation']} curated, {c['rule']} rules, {c['fact']} facts; commit {snapshots.commit_label(info)}"
        )

    @mcp.tool(annotations=read_only, structured_output=False)
    def diff_snapshot(a: SnapshotPathArg = snapshots.DEFAULT_PATH, b: OptionalSnapshotPathArg = None) -> str:
        """What changed between two team snapshots, or from snapshot `a` to this project's store now
        (when `b` is not given): patterns added, removed, changed and moved, rules, facts, pins,
        exclusions, notes and conventions, one per line (`+` added, `-` removed, `~` changed)."""
        try:
            d = service.diff_snapshot(a, b)
        except BrainError as e:
            raise ToolError(str(e)) from None
        lines = snapshots.diff_text(d).splitlines()
        if len(lines) > DIFF_LINES + 1:
            lines = [*lines[: DIFF_LINES + 1], f"... and {len(lines) - DIFF_LINES - 1} more changes"]
        return "\n".join(lines)

    @mcp.tool(
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
        ),
        structured_output=False,
    )
    def import_snapshot(path: SnapshotPathArg) -> str:
        """Merge a team snapshot file into this project's store: the team's pins, exclusions,
        notes, rules and facts are added; local curation always wins (differences are listed as
        conflicts); a project not indexed yet takes the snapshot's index. Nothing is removed."""
        try:
            r = service.import_snapshot(mode="merge", path=path)
        except BrainError as e:
            raise ToolError(str(e)) from None
        added = r.get("added", {})
        out = [
            f"imported (merge): index from the {r['index']}, {r['patterns']} patterns, vectors {r['vectors']}; "
            f"added {added.get('curation', 0)} curated patterns, {added.get('rules', 0)} rules, "
            f"{added.get('facts', 0)} facts, {added.get('exclusions', 0)} exclusions"
        ]
        for c in r["conflicts"][:50]:
            out.append(
                f"conflict: {c['type']} {c.get('id') or c.get('key')} {c.get('field', 'value')}: "
                f"local {c['local']!r}, snapshot {c['snapshot']!r} (kept local)"
            )
        if len(r["conflicts"]) > 50:
            out.append(f"... and {len(r['conflicts']) - 50} more conflicts")
        if r.get("stale_pins"):
            out.append(f"{r['stale_pins']} stale pin(s)")
        return "\n".join(out)

    return mcp


def run_mcp(
    project: str | Path | None = None,
    *,
    db: str | None = None,
    model: str | None = None,
    snapshot: str | Path | None = None,
) -> None:
    """Serve the MCP tools over stdio until the client closes the connection (from a
    snapshot alone, read-only, when ``snapshot`` is given)."""
    service = BrainService(project, db=db, model=model, snapshot=snapshot)
    # Load the model in the background: the client's handshake must not wait for it.
    threading.Thread(target=service.start, name="brain-warm", daemon=True).start()
    mcp = build_mcp(service)
    try:
        mcp.run("stdio")
    finally:
        service.close()
