"""`brain hook claude-code`: the classifier, the settings merge, and the hook protocol."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FASTAPI_APP, copy_app
from typer.testing import CliRunner

from cli.main import app
from memorybrain import Brain
from memorybrain.errors import ConfigError
from server.hooks import HOOK_EVENT, is_endpoint_prompt, merge_settings, run_hook, settings_snippet

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()

ENDPOINT_PROMPTS = [
    "Add CRUD endpoints for notifications",
    "add an endpoint that lists invoices for the current user",
    "Create a REST API for orders",
    "Please implement a webhook handler for Stripe payments",
    "fix the 500 error in the users endpoint",
    "Change the messages route to return 404 when the channel is archived",
    "POST /api/v1/orders should validate the total, can you update it?",
    "We need pagination on the channels API",
    "Refactor the auth router to use the new dependency",
    "add a DELETE /users/{id} that only admins can call",
    "build crud for tags",
]
OTHER_PROMPTS = [
    "explain what this function does",
    "fix the typo in the README",
    "why is the test_login test flaky?",
    "what does GET /health return?",
    "rename the variable x to count in utils.py",
    "implement the rest of the parser",
    "write a docstring for the Config class",
    "",
    "hello",
]


@pytest.mark.parametrize("prompt", ENDPOINT_PROMPTS)
def test_endpoint_prompts_are_recognised(prompt):
    assert is_endpoint_prompt(prompt)


@pytest.mark.parametrize("prompt", OTHER_PROMPTS)
def test_other_prompts_are_not(prompt):
    assert not is_endpoint_prompt(prompt)


# ---------------------------------------------------------------------- settings.json


def test_merge_keeps_everything_else_and_is_idempotent():
    existing = {
        "permissions": {"allow": ["Bash(make test)"]},
        "hooks": {
            "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "check.sh"}]}],
            HOOK_EVENT: [{"hooks": [{"type": "command", "command": "echo today"}]}],
        },
    }
    merged, changed = merge_settings(json.loads(json.dumps(existing)), command="brain hook claude-code --run")
    assert changed
    assert merged["permissions"] == existing["permissions"]
    assert merged["hooks"]["PreToolUse"] == existing["hooks"]["PreToolUse"]
    groups = merged["hooks"][HOOK_EVENT]
    assert groups[0] == existing["hooks"][HOOK_EVENT][0] and len(groups) == 2
    assert groups[1]["hooks"][0] == {"type": "command", "command": "brain hook claude-code --run", "timeout": 30}
    again, changed_again = merge_settings(json.loads(json.dumps(merged)), command="/other/brain hook claude-code --run")
    assert not changed_again and again == merged


@pytest.mark.parametrize("bad", [{"hooks": []}, {"hooks": {HOOK_EVENT: {}}}])
def test_merge_refuses_unexpected_shapes(bad):
    with pytest.raises(ConfigError, match="by hand"):
        merge_settings(bad)


def test_print_and_install_through_the_cli(tmp_path):
    printed = runner.invoke(app, ["hook", "claude-code"])
    assert printed.exit_code == 0
    snippet = json.loads(printed.stdout)
    command = snippet["hooks"][HOOK_EVENT][0]["hooks"][0]["command"]
    assert command.endswith("hook claude-code --run") and snippet == settings_snippet(command)

    settings = tmp_path / ".claude" / "settings.json"
    settings.parent.mkdir()
    settings.write_text(json.dumps({"model": "opus", "hooks": {"Stop": [{"hooks": []}]}}))
    first = runner.invoke(app, ["hook", "claude-code", "--install", "-p", str(tmp_path)])
    assert first.exit_code == 0 and "added the UserPromptSubmit hook" in first.output
    data = json.loads(settings.read_text())
    assert data["model"] == "opus" and data["hooks"]["Stop"] == [{"hooks": []}]
    assert data["hooks"][HOOK_EVENT][0]["hooks"][0]["command"].endswith("hook claude-code --run")
    second = runner.invoke(app, ["hook", "claude-code", "--install", "-p", str(tmp_path)])
    assert second.exit_code == 0 and "already installed" in second.output
    assert json.loads(settings.read_text()) == data
    local = runner.invoke(app, ["hook", "claude-code", "--install", "--local", "-p", str(tmp_path)])
    assert local.exit_code == 0 and (tmp_path / ".claude" / "settings.local.json").exists()


def test_install_never_clobbers_an_invalid_file(tmp_path):
    settings = tmp_path / ".claude" / "settings.json"
    settings.parent.mkdir()
    settings.write_text("{ this is not json")
    result = runner.invoke(app, ["hook", "claude-code", "--install", "-p", str(tmp_path)])
    assert result.exit_code == 2 and "not valid JSON" in result.output
    assert settings.read_text() == "{ this is not json"
    assert sorted(p.name for p in settings.parent.iterdir()) == ["settings.json"]


def test_unknown_assistant(tmp_path):
    result = runner.invoke(app, ["hook", "cursor"])
    assert result.exit_code == 2 and "only claude-code" in result.output


# ---------------------------------------------------------------------- the hook protocol


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = copy_app(FASTAPI_APP, tmp_path_factory.mktemp("hook") / "app")
    (root / ".brain").mkdir()
    (root / ".brain" / "config.toml").write_text('model = "hashing"\n')
    with Brain.open(root) as brain:
        brain.index()
    return root


def hook_input(prompt: str, cwd: Path) -> str:
    return json.dumps(
        {
            "session_id": "abc",
            "transcript_path": "/tmp/t.jsonl",
            "cwd": str(cwd),
            "permission_mode": "default",
            "hook_event_name": HOOK_EVENT,
            "prompt": prompt,
        }
    )


def test_endpoint_prompt_gets_the_pack_as_additional_context(project, monkeypatch):
    monkeypatch.delenv("CLAUDE_PROJECT_DIR", raising=False)
    out = run_hook(hook_input("Add CRUD endpoints for invoices", project / "app" / "api"))
    assert out is not None
    payload = json.loads(out)["hookSpecificOutput"]
    assert payload["hookEventName"] == HOOK_EVENT
    assert "# Context pack: Add CRUD endpoints for invoices" in payload["additionalContext"]
    assert len(payload["additionalContext"]) < 10_000  # what Claude Code passes on whole
    plain = run_hook(hook_input("Add CRUD endpoints for invoices", project), plain=True, budget=800)
    assert plain.startswith("# Context pack") and len(plain) <= 800 * 4


def test_other_prompts_and_bad_input_are_silent(project, tmp_path, monkeypatch):
    monkeypatch.delenv("CLAUDE_PROJECT_DIR", raising=False)
    assert run_hook(hook_input("explain this function", project)) is None
    assert run_hook("not json at all") is None
    assert run_hook("[1, 2]") is None
    assert run_hook("") is None
    # an endpoint prompt in a project that was never indexed: silent too
    assert run_hook(hook_input("Add CRUD endpoints for invoices", tmp_path)) is None


def test_claude_project_dir_wins_over_cwd(project, tmp_path, monkeypatch):
    monkeypatch.setenv("CLAUDE_PROJECT_DIR", str(project))
    out = run_hook(hook_input("Add CRUD endpoints for invoices", tmp_path))
    assert out is not None and "additionalContext" in out


def run_cli_hook(stdin: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    env = {k: v for k, v in os.environ.items() if k != "CLAUDE_PROJECT_DIR"}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "hook", "claude-code", "--run"],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**env, **(env_extra or {})},
        timeout=120,
    )


def test_the_hook_command_as_claude_code_runs_it(project):
    hit = run_cli_hook(hook_input("Add an admin-only DELETE endpoint for channels", project))
    assert hit.returncode == 0, hit.stderr
    assert "# Context pack" in json.loads(hit.stdout)["hookSpecificOutput"]["additionalContext"]
    miss = run_cli_hook(hook_input("what time is it?", project))
    assert miss.returncode == 0 and miss.stdout == ""
    broken = run_cli_hook("{")
    assert broken.returncode == 0 and broken.stdout == ""


def test_unrelated_prompts_stay_light():
    """No model, no web framework, no store for a prompt the hook ignores."""
    code = (
        "import io, sys\n"
        'sys.stdin = io.StringIO(\'{"prompt": "explain this function"}\')\n'
        "from cli.main import app\n"
        "try:\n    app(['hook', 'claude-code', '--run'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'fastapi', 'uvicorn', 'mcp', 'numpy', 'memorybrain.store')\n"
        "         if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip().splitlines()[-1] == "HEAVY="
