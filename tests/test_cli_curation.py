"""The curation and snapshot commands end to end: pin, exclude, note, rule, fact, status, snapshot, export."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import FASTAPI_APP, copy_app
from typer.testing import CliRunner

from cli.main import app
from memorybrain.models import pattern_id

runner = CliRunner()
GET_USER = pattern_id("app/api/deps.py", "get_current_user", "dependency")
NEW_COMMANDS = ["pin", "unpin", "exclude", "include", "note", "export"]
GROUPS = {"rule": ["add", "list", "remove"], "fact": ["set", "unset"], "snapshot": ["export", "import", "diff"]}


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    root = copy_app(FASTAPI_APP, tmp_path_factory.mktemp("clicur") / "app")
    result = run("index", root, "--quiet", "--model", "hashing")
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def root(template, tmp_path):
    dest = tmp_path / "app"
    shutil.copytree(template, dest)
    return dest


@pytest.mark.parametrize("command", NEW_COMMANDS)
def test_new_commands_have_help_with_examples(command):
    result = run(command, "--help")
    assert result.exit_code == 0 and "Example" in result.output and f"brain {command}" in result.output


@pytest.mark.parametrize("group,sub", [(g, s) for g, subs in GROUPS.items() for s in subs])
def test_group_commands_have_help(group, sub):
    result = run(group, sub, "--help")
    assert result.exit_code == 0 and "Usage" in result.output


def test_curating_from_the_command_line(root):
    p = ["-p", root]
    out = run("pin", GET_USER, *p)
    assert out.exit_code == 0 and out.output.strip() == "pinned dependency get_current_user (app/api/deps.py)"
    assert run("note", GET_USER, "the one auth dependency", *p).exit_code == 0
    out = run("exclude", "app/legacy/**", *p)
    assert out.exit_code == 0 and "excluded app/legacy/** (0 patterns now)" in out.output
    out = run("rule", "add", "All new endpoints use @rate_limit", *p)
    assert out.exit_code == 0 and out.output.startswith("added: ")
    rid = out.output.split()[1]
    assert run("rule", "list", *p).output.strip() == f"{rid}  All new endpoints use @rate_limit"
    assert run("fact", "set", "database:postgresql", "16", *p).output.strip() == "set database:postgresql = 16"
    status = run("status", *p)
    assert "curation: 1 pinned, 0 excluded, 1 exclusion globs, 1 notes, 1 rules, 1 team facts" in status.output
    listed = run("patterns", "--kind", "dependency", *p).output
    assert any(line.startswith(GET_USER) and line.endswith("  [pinned]  [note]") for line in listed.splitlines())
    as_json = json.loads(run("patterns", "--kind", "dependency", "--json", *p).output)
    assert {x["id"]: x["curation"] for x in as_json["patterns"]}[GET_USER] == ["pinned", "note"]
    shown = run("show", GET_USER, *p).output
    assert "curation: pinned, note\nteam note: the one auth dependency" in shown
    assert run("exclude", "app/core/errors.py", *p).exit_code == 0
    listed = run("patterns", "--path", "app/core/errors.py", *p).output.splitlines()
    assert len(listed) > 3 and all(line.endswith("[excluded by glob]") for line in listed)
    assert run("include", "app/core/errors.py", *p).exit_code == 0
    assert "stale pins" not in status.output

    deps = root / "app" / "api" / "deps.py"
    deps.write_text(deps.read_text().replace("def get_current_user(", "def get_current_user(  # v2\n    ", 1))
    assert run("index", root, "--quiet", "--model", "hashing").exit_code == 0
    status = run("status", *p)
    assert f"! {GET_USER}  dependency get_current_user (app/api/deps.py): its code changed" in status.output
    as_json = json.loads(run("status", "--json", *p).output)
    assert as_json["stale_pins"][0]["stale"] == "changed" and as_json["curation"]["pins"] == 1

    assert run("rule", "remove", rid, *p).exit_code == 0
    assert run("fact", "unset", "database:postgresql", *p).output.strip() == "unset database:postgresql"
    assert run("include", "app/legacy/**", *p).output.strip() == "included app/legacy/**"
    assert run("unpin", GET_USER, *p).output.strip() == f"unpinned {GET_USER}"
    assert run("note", GET_USER, "--remove", *p).output.strip() == f"no note on {GET_USER}"


def test_curation_errors_exit_non_zero_with_one_line(root):
    p = ["-p", root]
    missing = run("pin", "000000000000", *p)
    assert missing.exit_code == 5 and missing.output.startswith("error: no pattern with id")
    empty = run("rule", "add", " ", *p)
    assert empty.exit_code == 2 and empty.output.strip() == "error: the rule is empty"
    not_excluded = run("include", "nothing/**", *p)
    assert not_excluded.exit_code == 1
    assert not_excluded.output.strip() == "error: nothing/** was not excluded (exclusion globs: none)"
    assert run("rule", "remove", "deadbeef", *p).exit_code == 1
    # undoing what was never done is an error, for every undo command alike
    not_pinned = run("unpin", GET_USER, *p)
    assert not_pinned.exit_code == 1 and not_pinned.output.strip() == f"error: {GET_USER} was not pinned"
    no_fact = run("fact", "unset", "database:mysql", *p)
    assert no_fact.exit_code == 1 and "error: no team fact database:mysql" in no_fact.output
    # a glob that matches nothing is kept (legacy code may come) but the user is told
    typo = run("exclude", "app/lgacy/**", *p)
    assert typo.exit_code == 0 and "warning: no indexed file matches it yet" in typo.output
    assert "warning" not in run("exclude", "app/core/**", *p).output
    # including one id of a glob-excluded file says which glob keeps it out
    handler = pattern_id("app/core/errors.py", "app_error_handler", "error_handler")
    by_glob = run("include", handler, *p)
    assert by_glob.exit_code == 1
    assert f"error: {handler} is excluded by the glob 'app/core/**', not by its id" in by_glob.output
    run("exclude", handler, *p)
    both = run("include", handler, *p)
    assert both.exit_code == 0 and "warning: still excluded by the glob 'app/core/**'" in both.output
    # a pattern named as `brain patterns` prints it
    assert run("pin", "app/api/deps.py:get_current_user", *p).output.strip().startswith("pinned dependency")
    assert run("show", GET_USER[:6], *p).exit_code == 0
    unknown = run("pin", "app/api/routes/channels.py:nope", *p)
    assert unknown.exit_code == 5 and "has no pattern 'nope'" in unknown.output
    both = run("snapshot", "import", root / "x.jsonl", "--merge", "--replace", *p)
    assert both.exit_code == 2 and "not both" in both.output


@pytest.mark.integration
def test_snapshot_export_import_diff_and_context_from_a_snapshot(root, tmp_path):
    p = ["-p", root]
    run("pin", GET_USER, *p)
    run("rule", "add", "All new endpoints use @rate_limit", *p)
    out = run("snapshot", "export", *p)
    assert out.exit_code == 0 and f"wrote {root / '.brain' / 'snapshot.jsonl'}" in out.output
    snap = root / ".brain" / "snapshot.jsonl"
    other = tmp_path / "b.jsonl"
    run("rule", "add", "Money is stored in cents", *p)
    assert run("snapshot", "export", other, *p).exit_code == 0
    diff = run("snapshot", "diff", snap, other)
    assert diff.exit_code == 0 and "+ rule: Money is stored in cents" in diff.output
    assert json.loads(run("snapshot", "diff", snap, snap, "--json").output)["identical"] is True

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    out = run("snapshot", "import", other, "-p", fresh, "--json")
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert report["index"] == "snapshot" and report["added"]["rules"] == 2

    # a pack from the snapshot alone, in a folder with no project at all
    shutil.rmtree(root)
    out = run("context", "Add CRUD endpoints for notifications", "--snapshot", other, "-b", "3000")
    assert out.exit_code == 0, out.output
    assert "All new endpoints use @rate_limit — team rule" in out.output and "## Team curation" in out.output
    assert not root.exists()
    # indexed with another model than the default: embedded here, and kept in the vector cache
    assert "note: embedded " in out.output and "kept in the vector cache" in out.output
    again = run("context", "Add CRUD endpoints for notifications", "--snapshot", other, "-b", "3000")
    assert again.exit_code == 0 and "note: embedded" not in again.output
    assert again.stdout == out.stdout  # the same pack

    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(other.read_bytes()[:-50])
    refused = run("snapshot", "import", bad, "-p", fresh)
    assert refused.exit_code == 7 and "checksum mismatch" in refused.output
    refused = run("context", "x", "--snapshot", bad)
    assert refused.exit_code == 7


def test_export_writes_the_rule_files(root):
    p = ["-p", root]
    run("rule", "add", "All new endpoints use @rate_limit", *p)
    for target, rel in (
        ("agents-md", "AGENTS.md"),
        ("claude-md", "CLAUDE.md"),
        ("cursor-rules", ".cursor/rules/memorybrain.mdc"),
    ):
        out = run("export", target, *p)
        assert out.exit_code == 0 and out.output.startswith(f"wrote {(root / rel).resolve()}")
        assert "All new endpoints use @rate_limit" in (root / rel).read_text()
        assert run("export", target, *p).output.startswith("unchanged:")
    bad = run("export", "agents-md", "--path", "../x.md", *p)
    assert bad.exit_code == 2 and "outside the project" in bad.output


def test_snapshot_export_never_overwrites_a_file_that_is_not_a_snapshot(root):
    main = root / "app" / "main.py"
    before = main.read_bytes()
    out = run("snapshot", "export", main, "-p", root)
    assert out.exit_code == 2 and "not a memorybrain snapshot" in out.output and main.read_bytes() == before
    out = run("snapshot", "export", root / "app", "-p", root)
    assert out.exit_code == 2 and "not a regular file" in out.output
    snap = root / "team.snapshot"
    assert run("snapshot", "export", snap, "-p", root).exit_code == 0
    assert run("snapshot", "export", snap, "-p", root).exit_code == 0  # a snapshot is replaced
