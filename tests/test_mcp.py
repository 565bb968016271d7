"""`brain mcp` over stdio, driven by the MCP SDK's own client, calling each tool."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import anyio
import pytest
from conftest import FASTAPI_APP, copy_app
from mcp import Client, StdioServerParameters

import server.mcp_server as mcp_server
from memorybrain import Brain
from server.mcp_server import build_mcp
from server.service import BrainService
from server.settings import MCP_MAX_BUDGET, MCP_MAX_LIMIT

REPO = Path(__file__).resolve().parents[1]
REQUEST = "Add CRUD endpoints for notifications"
TOOLS = {
    "get_context",
    "search_patterns",
    "list_facts",
    "reindex",
    "export_snapshot",
    "diff_snapshot",
    "import_snapshot",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = copy_app(FASTAPI_APP, tmp_path_factory.mktemp("mcp") / "app")
    with Brain.open(root, model="hashing") as brain:
        brain.index()
    return root


def stdio(project: Path) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "cli.main", "mcp", "--project", str(project), "--model", "hashing"],
        cwd=str(REPO),
    )


def text(result) -> str:
    return "".join(c.text for c in result.content if getattr(c, "type", "") == "text")


def test_every_tool_over_stdio(project):
    async def session() -> None:
        async with Client(stdio(project), read_timeout_seconds=60) as client:
            listed = (await client.list_tools()).tools
            assert {t.name for t in listed} == TOOLS
            by_name = {t.name: t for t in listed}
            for tool in listed:
                assert tool.description and len(tool.description) > 80, tool.name
            assert by_name["get_context"].input_schema["properties"]["budget"]["maximum"] == MCP_MAX_BUDGET
            assert by_name["search_patterns"].input_schema["properties"]["limit"]["maximum"] == MCP_MAX_LIMIT
            assert by_name["get_context"].annotations.read_only_hint is True
            assert by_name["diff_snapshot"].annotations.read_only_hint is True
            assert by_name["export_snapshot"].annotations.destructive_hint is True  # it may replace a file
            assert by_name["import_snapshot"].annotations.destructive_hint is False  # merge only
            assert "mode" not in by_name["import_snapshot"].input_schema["properties"]

            ctx = await client.call_tool("get_context", {"request": REQUEST, "budget": 1500})
            assert not ctx.is_error
            assert text(ctx).startswith(f"# Context pack: {REQUEST}") and len(text(ctx)) <= 4 * 1500
            assert "## Conventions" in text(ctx)

            biggest = await client.call_tool("get_context", {"request": REQUEST, "budget": MCP_MAX_BUDGET})
            assert not biggest.is_error and len(text(biggest)) <= 4 * MCP_MAX_BUDGET
            too_big = await client.call_tool("get_context", {"request": REQUEST, "budget": 50_000})
            assert too_big.is_error and str(MCP_MAX_BUDGET) in text(too_big)
            blank = await client.call_tool("get_context", {"request": "   "})
            assert blank.is_error and "empty" in text(blank)
            typo = await client.call_tool("get_context", {"request": REQUEST, "budegt": 1000})
            assert typo.is_error and "does not take 'budegt'" in text(typo) and "budget, request" in text(typo)
            none = await client.call_tool("list_facts", {"cursor": None, "page": 2})
            assert none.is_error and "does not take 'page'" in text(none)

            found = await client.call_tool("search_patterns", {"query": "pagination helper", "limit": 3})
            lines = text(found).splitlines()
            assert lines[0] == "3 patterns, best first:" and len(lines) == 5
            assert any("app/core/pagination.py" in line for line in lines[1:4])
            cursor = lines[-1].split("cursor=")[1].strip("'")
            more = await client.call_tool(
                "search_patterns", {"query": "pagination helper", "limit": 3, "cursor": cursor}
            )
            assert set(text(more).splitlines()[1:4]).isdisjoint(lines[1:4])
            routes = await client.call_tool("search_patterns", {"query": "", "kind": "route", "limit": 50})
            route_lines = text(routes).splitlines()
            assert route_lines[0] == "17 patterns of 17:" and all("  route  " in ln for ln in route_lines[1:])
            bad_kind = await client.call_tool("search_patterns", {"query": "x", "kind": "nope"})
            assert bad_kind.is_error
            bad_cursor = await client.call_tool("search_patterns", {"query": "x", "cursor": "garbage!"})
            assert bad_cursor.is_error and "cursor" in text(bad_cursor)

            facts = await client.call_tool("list_facts", {})
            assert "framework: FastAPI 0.115.2 (pyproject.toml:11)" in text(facts).splitlines()

            reindexed = await client.call_tool("reindex", {})
            assert not reindexed.is_error and text(reindexed).startswith("indexed:")
            assert "0 parsed again" in text(reindexed)

    anyio.run(session)


def test_not_indexed_project_says_so_and_reindex_fixes_it(tmp_path):
    root = copy_app(FASTAPI_APP, tmp_path / "fresh")
    assert not (root / ".brain").exists()

    async def session() -> None:
        async with Client(stdio(root), read_timeout_seconds=120) as client:
            first = await client.call_tool("get_context", {"request": REQUEST})
            assert first.is_error and "has not been indexed yet" in text(first) and "reindex" in text(first)
            done = await client.call_tool("reindex", {})
            assert not done.is_error and "parsed again" in text(done), text(done)
            ctx = await client.call_tool("get_context", {"request": REQUEST, "budget": 1000})
            assert not ctx.is_error and text(ctx).startswith("# Context pack")

    anyio.run(session)


def test_reindex_reports_a_job_still_running(project, monkeypatch):
    service = BrainService(project, model="hashing")
    service.start()
    monkeypatch.setattr(mcp_server, "REINDEX_WAIT_SECONDS", 0.0)
    gate = threading.Event()

    def slow_index(job):
        job.progress("scan", 1, 10)
        gate.wait(30)
        return {}

    monkeypatch.setattr(service.jobs, "_run", slow_index)

    async def session() -> None:
        async with Client(build_mcp(service)) as client:
            for _ in range(2):  # the second call follows the same job instead of failing with 409
                running = await client.call_tool("reindex", {})
                assert not running.is_error
                assert "still indexing" in text(running) and "files 0/10" in text(running)

    try:
        anyio.run(session)
    finally:
        gate.set()
        service.close()


def test_snapshot_tools_export_diff_and_merge(tmp_path):
    import shutil

    root = tmp_path / "app"
    shutil.copytree(copy_app(FASTAPI_APP, tmp_path / "src"), root)
    with Brain.open(root, model="hashing") as brain:
        brain.index()
    mate = tmp_path / "mate"
    shutil.copytree(root, mate)
    with Brain.open(mate, model="hashing") as brain:
        brain.rule_add("All new endpoints use @rate_limit")
        brain.export_snapshot(root / "team.jsonl")
    outside = tmp_path / "outside.jsonl"
    shutil.copy(root / "team.jsonl", outside)
    service = BrainService(root, model="hashing")
    service.start()

    async def session() -> None:
        async with Client(build_mcp(service)) as client:
            wrote = await client.call_tool("export_snapshot", {})
            assert not wrote.is_error and text(wrote).startswith("wrote .brain/snapshot.jsonl (")
            assert "patterns" in text(wrote) and text(wrote).endswith("commit ?")
            assert (root / ".brain" / "snapshot.jsonl").is_file()
            same = await client.call_tool("diff_snapshot", {})
            assert not same.is_error and text(same).endswith("no differences")
            diff = await client.call_tool("diff_snapshot", {"a": ".brain/snapshot.jsonl", "b": "team.jsonl"})
            assert "+ rule: All new endpoints use @rate_limit" in text(diff)

            merged = await client.call_tool("import_snapshot", {"path": "team.jsonl"})
            assert not merged.is_error and text(merged).startswith("imported (merge): index from the local")
            assert "added 0 curated patterns, 1 rules" in text(merged)
            ctx = await client.call_tool("get_context", {"request": REQUEST, "budget": 2000})
            assert "All new endpoints use @rate_limit — team rule" in text(ctx)
            now = await client.call_tool("diff_snapshot", {})  # from the file to the store now
            assert "+ rule: All new endpoints use @rate_limit" in text(now)

            for tool, args in (
                ("import_snapshot", {"path": str(outside)}),
                ("import_snapshot", {"path": "../outside.jsonl"}),
                ("diff_snapshot", {"a": str(outside)}),
                ("export_snapshot", {"path": "../x.jsonl"}),
            ):
                refused = await client.call_tool(tool, args)
                assert refused.is_error and "outside the project" in text(refused), (tool, text(refused))
            not_jsonl = await client.call_tool("export_snapshot", {"path": "app/main.py"})
            assert not_jsonl.is_error and ".jsonl" in text(not_jsonl)
            assert not (tmp_path / "x.jsonl").exists()
            replace = await client.call_tool("import_snapshot", {"path": "team.jsonl", "mode": "replace"})
            # merge only over MCP: asking to replace is refused, not silently turned into a merge
            assert replace.is_error and "does not take 'mode'" in text(replace) and "path" in text(replace)

    try:
        anyio.run(session)
    finally:
        service.close()


def test_snapshot_tools_on_a_read_only_server(project, tmp_path):
    snap = tmp_path / "team.jsonl"
    with Brain.open(project, model="hashing") as brain:
        brain.export_snapshot(snap)
    service = BrainService(snapshot=snap, model="hashing")
    service.start()

    async def session() -> None:
        async with Client(build_mcp(service)) as client:
            for tool, args in (("export_snapshot", {}), ("import_snapshot", {"path": "team.jsonl"})):
                refused = await client.call_tool(tool, args)
                assert refused.is_error and "read-only" in text(refused)
            same = await client.call_tool("diff_snapshot", {"a": "team.jsonl"})
            assert not same.is_error and text(same).endswith("no differences")

    try:
        anyio.run(session)
    finally:
        service.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["team.jsonl"]
