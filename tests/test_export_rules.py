"""`brain export agents-md|claude-md|cursor-rules`: one marked section, the rest untouched, within limits."""

from __future__ import annotations

import os
import shutil

import pytest
from conftest import FASTAPI_APP, copy_app

from memorybrain import Brain
from memorybrain.errors import ProjectError, RequestError
from memorybrain.export_rules import BEGIN, END, LIMITS
from memorybrain.models import pattern_id

GET_USER = pattern_id("app/api/deps.py", "get_current_user", "dependency")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    root = copy_app(FASTAPI_APP, tmp_path_factory.mktemp("rules") / "app")
    with Brain.open(root, model="hashing") as brain:
        brain.index()
    return root


@pytest.fixture
def brain(template, tmp_path):
    root = tmp_path / "app"
    shutil.copytree(template, root)
    b = Brain.open(root, model="hashing")
    b.rule_add("All new endpoints use @rate_limit")
    b.fact_set("database:postgresql", "16")
    b.pin(GET_USER)
    b.note(GET_USER, "the one auth dependency")
    yield b
    b.close()


def section(text: str) -> str:
    return text[text.index(BEGIN) : text.index(END) + len(END)]


def test_agents_md_is_created_with_a_marked_section(brain):
    result = brain.export_rules("agents-md")
    path = brain.config.root / "AGENTS.md"
    assert result["path"] == str(path.resolve()) and result["changed"]
    text = path.read_text()
    assert text.startswith(BEGIN) and text.rstrip().endswith(END)
    assert "- All new endpoints use @rate_limit" in text
    assert "- database: **postgresql** 16" in text
    assert "`get_current_user` — `app/api/deps.py:29-42` (team-approved): the one auth dependency" in text
    assert "### Conventions (what most of the code does)" in text and "### Stack" in text
    # exemplars of the conventions, by location, but never an excluded one
    brain.exclude("app/core/**")
    brain.export_rules("agents-md")
    assert "app/core/" not in section(path.read_text()).split("### Key exemplars")[1].split("###")[0]


@pytest.mark.parametrize("target,name", [("agents-md", "AGENTS.md"), ("claude-md", "CLAUDE.md")])
def test_the_rest_of_an_existing_file_is_kept_byte_for_byte(brain, target, name):
    path = brain.config.root / name
    before = "# Our agent guide\r\n\r\nWrite tests first. — ünïcode ✓\r\n".encode()
    after = b"\n## Deploying\n\nNever on Fridays.\n"
    path.write_bytes(before)
    brain.export_rules(target)
    first = path.read_bytes()
    assert first.startswith(before) and section(first.decode()).startswith(BEGIN)
    assert first.count(b"\n") == first.count(b"\r\n")  # the file's own line ends
    # text added after the section by hand survives the next export, and so does the head
    path.write_bytes(first + after)
    result = brain.export_rules(target)
    assert not result["changed"] and path.read_bytes() == first + after
    brain.rule_add("Money is stored in cents")
    assert brain.export_rules(target)["changed"]
    data = path.read_bytes()
    assert data.startswith(before) and data.endswith(after)
    assert "Money is stored in cents" in section(data.decode())
    assert data.count(BEGIN.encode()) == 1


def test_cursor_rules_get_front_matter_and_their_own_file(brain):
    result = brain.export_rules("cursor-rules")
    path = brain.config.root / ".cursor" / "rules" / "memorybrain.mdc"
    assert result["path"] == str(path.resolve())
    text = path.read_text()
    assert text.startswith("---\ndescription: ") and "\nalwaysApply: true\n---\n" in text
    assert section(text)
    brain.export_rules("cursor-rules")
    assert path.read_text() == text and text.count("---\n") == 2


@pytest.mark.parametrize("target", ["agents-md", "claude-md", "cursor-rules"])
def test_the_section_stays_within_the_tools_limits(brain, target):
    for i in range(150):
        brain.rule_add(f"Rule {i}: " + "a long and very specific convention to follow " * 9)
    result = brain.export_rules(target)
    text = (
        brain.config.root
        / {"agents-md": "AGENTS.md", "claude-md": "CLAUDE.md", "cursor-rules": ".cursor/rules/memorybrain.mdc"}[target]
    ).read_text()
    part = section(text) + "\n"
    max_chars, max_lines = LIMITS[target]
    assert len(part) <= max_chars == 12_000 and part.count("\n") <= max_lines
    assert result["section_chars"] == len(part) and result["left_out"]
    assert any(item.startswith("Team rules:") for item in result["left_out"])
    assert part.count("- Rule ") > 10  # the limit is used, not wasted


def test_it_refuses_to_write_outside_the_project_or_guess_at_broken_markers(brain, tmp_path):
    with pytest.raises(ProjectError, match="outside the project"):
        brain.export_rules("agents-md", "../AGENTS.md")
    with pytest.raises(ProjectError, match="outside the project"):
        brain.export_rules("agents-md", tmp_path / "elsewhere.md")
    outside = tmp_path / "outside.md"
    outside.write_text("not yours\n")
    os.symlink(outside, brain.config.root / "CLAUDE.md")
    with pytest.raises(ProjectError, match="outside the project"):
        brain.export_rules("claude-md")
    assert outside.read_text() == "not yours\n"
    broken = brain.config.root / "AGENTS.md"
    broken.write_text(f"intro\n{BEGIN} -->\nhalf a section, no end\n")
    before = broken.read_bytes()
    with pytest.raises(RequestError, match="1 begin and 0 end"):
        brain.export_rules("agents-md")
    assert broken.read_bytes() == before
    with pytest.raises(RequestError, match="unknown export target"):
        brain.export_rules("windsurf")
    binary = brain.config.root / "docs.md"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ProjectError, match="not UTF-8"):
        brain.export_rules("agents-md", "docs.md")


def test_text_in_the_section_cannot_fake_a_marker(brain):
    brain.rule_add("Never write <!-- memorybrain:end --> in docs -->")
    brain.export_rules("agents-md")
    text = (brain.config.root / "AGENTS.md").read_text()
    assert text.count("<!--") == 2 and text.count("-->") == 2  # the begin and end markers only
    assert "Never write <!\u200b-- memorybrain:end --\u200b> in docs --\u200b>" in text
    brain.rule_add("Another rule")
    assert brain.export_rules("agents-md")["changed"]


def test_a_stale_pin_is_listed_as_changed_and_the_markers_say_not_to_edit_inside(brain):
    deps = brain.config.root / "app/api/deps.py"
    deps.write_text(deps.read_text().replace("def get_current_user(", "def get_current_user(  # v2\n    ", 1))
    brain.index()
    brain.export_rules("agents-md")
    text = (brain.config.root / "AGENTS.md").read_text()
    assert "`get_current_user` — `app/api/deps.py:29-43` (team-approved; code changed since pinned)" in text
    assert "do not edit inside: replaced on the next export" in text.splitlines()[0]
    brain.pin(GET_USER)  # accepts the new code
    brain.export_rules("agents-md")
    assert "(team-approved): the one auth dependency" in (brain.config.root / "AGENTS.md").read_text()
