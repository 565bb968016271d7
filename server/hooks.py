"""Push, don't wait to be asked: a prompt hook that injects the pack when it is wanted.

``brain hook claude-code`` prints (``--install`` merges into ``.claude/settings.json``) a
``UserPromptSubmit`` hook whose command is ``brain hook claude-code --run``. Claude Code runs
it on every prompt with JSON on stdin (``session_id``, ``transcript_path``, ``cwd``,
``hook_event_name``, ``prompt``); for a prompt that asks to build or change endpoints it
prints ``{"hookSpecificOutput": {"hookEventName": "UserPromptSubmit", "additionalContext":
pack}}`` and exits 0, and for any other prompt it prints nothing.

Fast: the classifier is a few regular expressions (no model), and an endpoint prompt asks a
running ``brain serve`` of the project (found through ``.brain/server.json``) before it
falls back to loading the model itself. Any failure is silent: a hook never blocks a prompt.

Only the standard library is imported here; the library is imported when a pack is built.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

__all__ = [
    "HOOK_BUDGET",
    "HOOK_EVENT",
    "discovery_path",
    "hook_command",
    "hook_output",
    "install_claude_code",
    "is_endpoint_prompt",
    "merge_settings",
    "run_hook",
    "settings_snippet",
]

HOOK_EVENT = "UserPromptSubmit"
#: Tokens (characters/4) of the injected pack: about 8,000 characters, under the ~10,000
#: characters Claude Code passes to the model whole.
HOOK_BUDGET = 2000
HOOK_TIMEOUT_SECONDS = 30
RUN_ARGS = ("hook", "claude-code", "--run")
SERVER_TIMEOUT_SECONDS = 3.0
MAX_PROMPT_CHARS = 2000

# ---------------------------------------------------------------------- classifier

_VERBS = (
    r"add|adding|create|creating|build|building|implement|implementing|write|writing|make|making|expose|"
    r"introduce|change|changing|update|updating|modify|modifying|extend|extending|refactor|refactoring|"
    r"rename|remove|removing|delete|deleting|deprecate|fix|fixing|support|rewrite|migrate|protect|secure|"
    r"paginate|validate|version|wire|hook up|set up|scaffold|generate|port|convert|split|merge|need|want"
)
_NOUNS = (
    r"endpoints?|routes?|router|routing|apis?|crud|webhooks?|handlers?|views?|viewsets?|blueprints?|"
    r"controllers?|resources?|path operations?|http|graphql|restful|openapi|swagger|pagination|"
    r"status codes?|request bodies|request body|query param(?:eter)?s?|middleware"
)
_VERB_RE = re.compile(rf"\b(?:{_VERBS})\b", re.IGNORECASE)
_NOUN_RE = re.compile(rf"\b(?:{_NOUNS})\b", re.IGNORECASE)
_REST_RE = re.compile(r"\bREST\b")  # upper case only: "the rest of" is not an API
_METHOD_PATH_RE = re.compile(r"\b(?:GET|POST|PUT|PATCH|DELETE)\s+/\S*")


def is_endpoint_prompt(prompt: str) -> bool:
    """Whether a prompt asks to build or change an endpoint (fast keyword rules, no model).

    True for "Add CRUD endpoints for invoices", "fix the 500 in the users endpoint",
    "POST /orders should validate the total"; false for "explain this function",
    "fix the typo in the README" or "what does GET /health return?".
    """
    text = prompt[:MAX_PROMPT_CHARS]
    if re.search(r"\bcrud\b", text, re.IGNORECASE):
        return True
    noun = bool(_NOUN_RE.search(text) or _REST_RE.search(text))
    verb = bool(_VERB_RE.search(text))
    if noun and verb:
        return True
    return bool(_METHOD_PATH_RE.search(text)) and verb


# ---------------------------------------------------------------------- settings.json


def hook_command() -> str:
    """The command Claude Code runs: ``brain`` if it is on PATH, else this install's script."""
    if shutil.which("brain"):
        return " ".join(("brain", *RUN_ARGS))
    script = Path(sys.executable).with_name("brain")
    exe = str(script) if script.exists() else "brain"
    return " ".join((shlex.quote(exe), *RUN_ARGS))


def settings_snippet(command: str | None = None) -> dict[str, Any]:
    """The ``hooks`` block to put in ``.claude/settings.json``."""
    return {
        "hooks": {
            HOOK_EVENT: [
                {"hooks": [{"type": "command", "command": command or hook_command(), "timeout": HOOK_TIMEOUT_SECONDS}]}
            ]
        }
    }


def _is_ours(hook: Any) -> bool:
    return isinstance(hook, dict) and " ".join(RUN_ARGS) in str(hook.get("command", ""))


def merge_settings(existing: dict[str, Any], command: str | None = None) -> tuple[dict[str, Any], bool]:
    """Add the hook to a settings document, keeping everything else; (document, changed).

    An existing ``brain hook claude-code --run`` entry is left as it is (no duplicate).
    """
    from memorybrain.errors import ConfigError

    hooks = existing.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise ConfigError("'hooks' in .claude/settings.json is not an object; add the hook by hand")
    groups = hooks.setdefault(HOOK_EVENT, [])
    if not isinstance(groups, list):
        raise ConfigError(f"'hooks.{HOOK_EVENT}' in .claude/settings.json is not a list; add the hook by hand")
    for group in groups:
        if isinstance(group, dict) and any(_is_ours(h) for h in group.get("hooks") or []):
            return existing, False
    groups.extend(settings_snippet(command)["hooks"][HOOK_EVENT])
    return existing, True


def install_claude_code(root: Path, *, local: bool = False, command: str | None = None) -> tuple[Path, bool]:
    """Merge the hook into ``root/.claude/settings.json`` (or ``settings.local.json``).

    Never clobbers: other settings and hooks are kept, an invalid file is refused, and the
    file is replaced atomically. Returns (path, whether it changed).
    """
    from memorybrain.errors import ConfigError

    path = root / ".claude" / ("settings.local.json" if local else "settings.json")
    existing: dict[str, Any] = {}
    if path.exists():
        try:
            existing = json.loads(path.read_text("utf-8") or "{}")
        except (OSError, ValueError) as e:
            raise ConfigError(f"{path} is not valid JSON ({e}); fix it, or add the hook by hand") from e
        if not isinstance(existing, dict):
            raise ConfigError(f"{path} does not hold a JSON object; fix it, or add the hook by hand")
    merged, changed = merge_settings(existing, command)
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".settings.", suffix=".json", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return path, changed


# ---------------------------------------------------------------------- discovery of a running server


def discovery_path(root: Path) -> Path:
    """Where ``brain serve`` says it is running: ``ROOT/.brain/server.json``."""
    return root / ".brain" / "server.json"


def write_discovery(root: Path, url: str, *, token_required: bool) -> Path:
    path = discovery_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"url": url, "pid": os.getpid(), "token_required": token_required}) + "\n")
    return path


def remove_discovery(root: Path) -> None:
    path = discovery_path(root)
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _from_server(root: Path, request: str, budget: int) -> str | None:
    try:
        info = json.loads(discovery_path(root).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or not _alive(info.get("pid")) or not str(info.get("url", "")).startswith("http"):
        return None
    headers = {"Content-Type": "application/json", "Accept": "text/markdown"}
    token = os.environ.get("BRAIN_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"request": request, "budget": budget, "format": "md"}).encode()
    req = urllib.request.Request(f"{info['url']}/v1/context", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=SERVER_TIMEOUT_SECONDS) as resp:
            return resp.read().decode("utf-8")
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _in_process(root: Path, request: str, budget: int) -> str | None:
    from memorybrain import Brain, BrainError

    try:
        with Brain.open(root) as brain:
            return brain.context(request, budget=budget).to_markdown()
    except BrainError as e:
        print(f"brain hook: {e}", file=sys.stderr)  # noqa: T201 - shown in Claude Code's verbose mode
        return None


# ---------------------------------------------------------------------- the hook itself


def hook_output(pack: str) -> str:
    return json.dumps(
        {
            "hookSpecificOutput": {
                "hookEventName": HOOK_EVENT,
                "additionalContext": "memorybrain: how this project does it (conventions, closest code, "
                "checklist); follow these conventions.\n\n" + pack,
            }
        },
        ensure_ascii=False,
    )


def run_hook(
    stdin_text: str,
    *,
    project: Path | None = None,
    budget: int = HOOK_BUDGET,
    plain: bool = False,
) -> str | None:
    """What the hook prints for one prompt, or None to stay silent.

    The project is ``project``, else ``$CLAUDE_PROJECT_DIR``, else the ``cwd`` of the hook
    input, else the current folder; the nearest folder above it holding ``.brain/`` wins.
    """
    try:
        data = json.loads(stdin_text) if stdin_text.strip() else {}
    except ValueError:
        data = {"prompt": stdin_text}
    if not isinstance(data, dict):
        return None
    prompt = data.get("prompt")
    if not isinstance(prompt, str) or not is_endpoint_prompt(prompt):
        return None
    from memorybrain.config import find_root

    start = project or Path(os.environ.get("CLAUDE_PROJECT_DIR") or data.get("cwd") or os.getcwd())
    if not start.is_dir():
        return None
    root = find_root(start)
    request = " ".join(prompt.split())[:MAX_PROMPT_CHARS]
    pack = _from_server(root, request, budget) or _in_process(root, request, budget)
    if not pack:
        return None
    return pack if plain else hook_output(pack)
