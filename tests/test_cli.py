"""The `brain` command: help, version, exit codes, and an end-to-end run with the real model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from memorybrain import __version__

FASTAPI_APP = Path(__file__).parent / "fixtures" / "fastapi_app"
runner = CliRunner()
COMMANDS = ["index", "context", "patterns", "show", "facts", "status"]


def run(*args: str):
    return runner.invoke(app, list(args))


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and __version__ in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_examples(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output and f"brain {command}" in result.output


def test_errors_are_one_line_and_non_zero(tmp_path):
    missing = run("index", str(tmp_path / "nope"))
    assert missing.exit_code == 2
    assert missing.output.strip().splitlines() == [f"error: project path does not exist: {tmp_path / 'nope'}"]
    unindexed = run("context", "Add invoices", "--project", str(tmp_path))
    assert unindexed.exit_code == 3
    assert "run `brain index` in the project first" in unindexed.output
    assert run("patterns", "--project", str(tmp_path)).exit_code == 3
    (tmp_path / "pyproject.toml").write_text("[tool.brain]\nbudgett = 1\n")
    bad_config = run("index", str(tmp_path))
    assert bad_config.exit_code == 2 and "unknown key 'budgett'" in bad_config.output


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, real_encoder):
    root = tmp_path_factory.mktemp("cli") / "app"
    shutil.copytree(FASTAPI_APP, root)
    result = run("index", str(root), "--quiet")
    assert result.exit_code == 0, result.output
    return root, result.output


@pytest.mark.integration
def test_index_summary(indexed):
    _root, output = indexed
    assert "indexed" in output and "patterns:" in output and "route 17" in output
    assert "skipped .env: environment file (never indexed)" in output


@pytest.mark.integration
def test_context_patterns_show_facts_status(indexed):
    root = str(indexed[0])
    md = run("context", "Add CRUD endpoints for notifications", "--project", root)
    assert md.exit_code == 0 and md.output.startswith("# Context pack: Add CRUD endpoints for notifications")
    js = run(
        "context",
        "Add CRUD endpoints for notifications",
        "-p",
        root,
        "--format",
        "json",
        "--budget",
        "2000",
    )
    data = json.loads(js.output)
    assert data["budget"] == 2000 and data["tokens"] <= 2000
    routes = json.loads(run("patterns", "--kind", "route", "--json", "-p", root).output)
    assert routes["total"] == 17
    pid = routes["patterns"][0]["id"]
    shown = run("show", pid, "-p", root)
    assert shown.exit_code == 0 and pid in shown.output
    assert run("show", "000000000000", "-p", root).exit_code == 5
    facts = run("facts", "-p", root)
    assert "FastAPI 0.115.2  (pyproject.toml:11)" in facts.output
    status = json.loads(run("status", "-p", root, "--json").output)
    assert status["patterns_by_kind"]["route"] == 17 and status["schema_version"] >= 1


@pytest.mark.integration
def test_bad_requests(indexed):
    root = str(indexed[0])
    empty = run("context", "   ", "-p", root)
    assert empty.exit_code == 2 and "the request is empty" in empty.output
    budget = run("context", "Add invoices", "-p", root, "--budget", "10")
    assert budget.exit_code == 2 and "budget must be between" in budget.output
    fmt = run("context", "Add invoices", "-p", root, "--format", "xml")
    assert fmt.exit_code == 2 and "format must be one of" in fmt.output


def test_dry_run_changes_nothing(tmp_path):
    root = tmp_path / "app"
    shutil.copytree(FASTAPI_APP, root)
    result = run("index", str(root), "--dry-run")
    assert result.exit_code == 0
    assert "Would index" in result.output and "app " in result.output
    assert not (root / ".brain").exists()


def test_a_model_that_is_not_on_disk_is_refused_not_downloaded(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    result = run("index", str(tmp_path), "--model", "sentence-transformers/paraphrase-MiniLM-L3-v2", "--quiet")
    assert result.exit_code == 6
    assert "never downloads models" in result.output
    assert run("status", "-p", str(tmp_path)).exit_code == 3  # nothing was indexed
