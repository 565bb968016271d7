"""The snapshot header's git state: the commit (read from .git) and `git_dirty` (git status).

Real repositories made with the real `git`; real SQLite stores indexed with the hashing encoder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FASTAPI_APP, copy_app
from typer.testing import CliRunner

from cli.main import app
from memorybrain import Brain
from memorybrain import snapshot as snapshots
from memorybrain.embeddings import HashingEncoder
from memorybrain.errors import SnapshotError

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The fixture app committed in a git repository, indexed (.brain/ is not ignored)."""
    root = copy_app(FASTAPI_APP, tmp_path_factory.mktemp("git") / "app")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    with Brain.open(root, encoder=HashingEncoder(64)) as brain:
        brain.index()
    return root


@pytest.fixture
def repo(template, tmp_path) -> Path:
    root = tmp_path / "app"
    shutil.copytree(template, root, symlinks=True)
    return root


def export(root: Path, target: Path | None = None) -> tuple[dict, bytes]:
    with Brain.open(root, encoder=HashingEncoder(64)) as brain:
        info = brain.export_snapshot(target)
    return info, Path(info["path"]).read_bytes()


def header(data: bytes) -> dict:
    return json.loads(data.split(b"\n", 1)[0])


def test_a_clean_tree_is_not_dirty_and_exports_are_byte_identical(repo, tmp_path):
    info, first = export(repo)
    assert info["git_commit"] == git(repo, "rev-parse", "HEAD") and info["git_dirty"] is False
    assert header(first)["git_dirty"] is False
    # the brain's own folder (store, snapshot) does not count, however often it is written
    assert not (repo / ".gitignore").exists() or ".brain" not in (repo / ".gitignore").read_text()
    _, second = export(repo)
    assert second == first


@pytest.mark.parametrize("change", ["modified", "untracked", "staged", "deleted"])
def test_uncommitted_changes_are_recorded(repo, change):
    deps = repo / "app" / "api" / "deps.py"
    if change == "modified":
        deps.write_text(deps.read_text() + "\n# changed\n")
    elif change == "untracked":
        (repo / "app" / "new_module.py").write_text("X = 1\n")
    elif change == "staged":
        deps.write_text(deps.read_text() + "\n# staged\n")
        git(repo, "add", "app/api/deps.py")
    else:
        git(repo, "rm", "-q", "--cached", "app/api/deps.py")
    info, first = export(repo)
    assert info["git_dirty"] is True and header(first)["git_dirty"] is True
    assert info["git_commit"] == git(repo, "rev-parse", "HEAD")
    _, second = export(repo)
    assert second == first  # the same store and tree: the same bytes


def test_ignored_files_and_the_snapshot_itself_do_not_count(repo):
    (repo / ".gitignore").write_text("*.log\n")
    git(repo, "add", ".gitignore")
    git(repo, "commit", "-q", "-m", "ignore logs")
    (repo / "server.log").write_text("noise\n")
    # a snapshot committed outside .brain/, then exported again over itself
    target = repo / "team" / "brain.jsonl"
    export(repo, target)
    git(repo, "add", "team/brain.jsonl")
    git(repo, "commit", "-q", "-m", "snapshot")
    with Brain.open(repo, encoder=HashingEncoder(64)) as brain:
        brain.rule_add("A rule added after the commit")  # changes the snapshot's bytes
        info = brain.export_snapshot(target)
    assert info["git_dirty"] is False
    # what git itself sees: only the brain's folder and the snapshot just written
    assert {line.strip() for line in git(repo, "status", "--porcelain").splitlines()} == {
        "M team/brain.jsonl",
        "?? .brain/",
    }


def test_a_project_in_a_subfolder_of_a_repository(tmp_path):
    outer = tmp_path / "mono"
    root = copy_app(FASTAPI_APP, outer / "services" / "api")
    (outer / "README.md").write_text("monorepo\n")
    git(outer, "init", "-q", "-b", "main")
    git(outer, "add", "-A")
    git(outer, "commit", "-q", "-m", "initial")
    with Brain.open(root, encoder=HashingEncoder(64)) as brain:
        brain.index()
    info, _ = export(root)
    assert info["git_commit"] == git(outer, "rev-parse", "HEAD") and info["git_dirty"] is False
    (outer / "README.md").write_text("changed outside the project\n")
    assert export(root)[0]["git_dirty"] is False
    (root / "app" / "main.py").write_text((root / "app" / "main.py").read_text() + "\n# inside\n")
    assert export(root)[0]["git_dirty"] is True


def test_no_git_no_repository_or_a_broken_one_give_null(repo, tmp_path, monkeypatch):
    plain = copy_app(FASTAPI_APP, tmp_path / "plain")
    assert snapshots.git_commit(plain) is None and snapshots.git_dirty(plain) is None
    with Brain.open(plain, encoder=HashingEncoder(64)) as brain:
        brain.index()
        info = brain.export_snapshot()
    assert info["git_commit"] is None and info["git_dirty"] is None
    assert header(Path(info["path"]).read_bytes())["git_dirty"] is None
    # .git with a HEAD and nothing else: a commit is read, git refuses the repository
    fake = tmp_path / "fake"
    (fake / ".git").mkdir(parents=True)
    (fake / ".git" / "HEAD").write_text("0123456789abcdef0123456789abcdef01234567\n")
    assert snapshots.git_commit(fake) and snapshots.git_dirty(fake) is None
    # git not installed
    (repo / "app" / "main.py").write_text("changed = True\n")
    assert snapshots.git_dirty(repo) is True
    monkeypatch.setenv("PATH", str(tmp_path / "no-such-bin"))
    assert snapshots.git_dirty(repo) is None
    info, _ = export(repo)
    assert info["git_commit"] == git_head(repo) and info["git_dirty"] is None
    monkeypatch.setattr(shutil, "which", lambda name: str(tmp_path / "missing-git"))
    assert snapshots.git_dirty(repo) is None


def git_head(root: Path) -> str:
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, env={**os.environ, "PATH": os.defpath}
    ).stdout.strip()


def test_a_hooks_git_dir_does_not_point_status_at_another_repository(repo, tmp_path, monkeypatch):
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q")
    (other / "dirty.txt").write_text("x\n")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    assert snapshots.git_dirty(repo) is False


def test_diff_and_status_show_the_uncommitted_state(repo, tmp_path):
    clean, _ = export(repo, tmp_path / "clean.jsonl")
    (repo / "app" / "api" / "deps.py").write_text((repo / "app" / "api" / "deps.py").read_text() + "\n# wip\n")
    dirty, _ = export(repo, tmp_path / "dirty.jsonl")
    runner = CliRunner()
    out = runner.invoke(app, ["snapshot", "diff", clean["path"], dirty["path"]])
    sha = clean["git_commit"]
    assert out.exit_code == 0 and out.stdout.splitlines()[0] == f"snapshot diff: {sha} → {sha} (uncommitted changes)"
    d = json.loads(runner.invoke(app, ["snapshot", "diff", clean["path"], dirty["path"], "--json"]).stdout)
    assert d["from"]["git_dirty"] is False and d["to"]["git_dirty"] is True
    status = runner.invoke(app, ["status", "--snapshot", dirty["path"]])
    assert status.exit_code == 0 and f"commit: {sha} (uncommitted changes)" in status.stdout
    described = json.loads(runner.invoke(app, ["status", "--snapshot", dirty["path"], "--json"]).stdout)
    assert described["git_dirty"] is True and described["counts"]["pattern"] > 50
    exported = runner.invoke(app, ["snapshot", "export", str(tmp_path / "again.jsonl"), "-p", str(repo)])
    assert exported.exit_code == 0 and "uncommitted changes since" in exported.stderr


def test_a_header_with_a_bad_git_dirty_is_refused(repo):
    _, data = export(repo)
    head, body = data.split(b"\n", 1)
    h = json.loads(head)
    h["git_dirty"] = "yes"
    with pytest.raises(SnapshotError, match="git_dirty"):
        snapshots.parse(json.dumps(h).encode() + b"\n" + body)
    # a snapshot from before git_dirty existed is still read
    del h["git_dirty"]
    assert snapshots.parse(json.dumps(h).encode() + b"\n" + body).header.get("git_dirty") is None
