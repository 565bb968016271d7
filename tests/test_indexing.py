"""The pipeline on real files and a real SQLite file, with the small deterministic encoder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import indexers
from memorybrain import Brain
from memorybrain.embeddings import HashingEncoder

FASTAPI_APP = Path(__file__).parent / "fixtures" / "fastapi_app"


class CountingEncoder(HashingEncoder):
    def __init__(self) -> None:
        super().__init__(64)
        self.texts: list[str] = []

    def encode(self, texts):
        self.texts.extend(texts)
        return super().encode(texts)


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "app"
    shutil.copytree(FASTAPI_APP, root)
    return root


def _brain(root, encoder=None):
    return Brain.open(root, encoder=encoder or CountingEncoder())


def test_incremental_by_content_hash(project, monkeypatch):
    enc = CountingEncoder()
    brain = _brain(project, enc)
    first = brain.index()
    assert first.indexed == first.files_seen - len(first.skipped) and first.unchanged == 0
    assert first.embedded == first.patterns > 50
    ids_before = {p.id for p in brain.patterns()}

    # unchanged tree: nothing parsed, nothing embedded
    calls = []
    real = indexers.extract_python
    monkeypatch.setattr("memorybrain.indexing.extract_python", lambda *a: calls.append(a) or real(*a))
    enc.texts.clear()
    again = brain.index()
    assert (again.indexed, again.embedded, calls, enc.texts) == (0, 0, [], [])
    assert again.unchanged == first.indexed

    # edit one function in one file: only that file is parsed, only changed patterns embedded
    target = project / "app" / "api" / "routes" / "messages.py"
    target.write_text(
        target.read_text().replace(
            'raise PermissionDeniedError("You can only edit your own messages")',
            'raise PermissionDeniedError("Only the author can edit a message")',
        )
    )
    edited = brain.index()
    assert edited.indexed == 1 and [c[0] for c in calls] == ["app/api/routes/messages.py"]
    assert edited.embedded == 1
    assert any("update_message" in t for t in enc.texts)
    assert {p.id for p in brain.patterns()} == ids_before  # ids are stable

    # delete a file: its patterns disappear
    (project / "app" / "api" / "routes" / "health.py").unlink()
    removed = brain.index()
    assert removed.removed == 1
    assert not brain.patterns(path="app/api/routes/health.py")
    assert brain.store.get_meta("last_indexed")


def test_indexer_version_bump_reextracts(project, monkeypatch):
    brain = _brain(project)
    brain.index()
    monkeypatch.setattr("memorybrain.indexing.INDEXER_VERSION", "999")
    report = brain.index()
    assert report.unchanged == 0 and report.indexed > 0


def test_bad_inputs_never_crash(project, monkeypatch):
    (project / "binary.py").write_bytes(b"\x00\x01\x02 not python")
    (project / "latin1.py").write_bytes("name = 'caf\xe9'\n".encode("latin-1"))
    (project / "broken.py").write_text(
        "from fastapi import APIRouter\nrouter = APIRouter()\n\n"
        "@router.get('/ok')\ndef ok():\n    return 1\n\ndef broken(:\n    pass\n"
    )
    (project / "empty.py").write_text("")
    (project / "huge.py").write_text("x = 1\n" * 400_000)
    unreadable = project / "locked.py"
    unreadable.write_text("x = 1\n")
    real_read = Path.read_bytes

    def read_bytes(self):
        if self.name == "locked.py":
            raise PermissionError(13, "Permission denied")
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    report = _brain(project).index()
    skipped = dict(report.skipped)
    assert skipped["binary.py"] == "binary file"
    assert skipped["latin1.py"] == "not valid UTF-8"
    assert skipped["huge.py"].startswith("larger than max_file_size")
    assert skipped["locked.py"] == "unreadable: Permission denied"
    assert "broken.py" in report.parse_errors
    brain = _brain(project)
    ok = [p for p in brain.patterns(path="broken.py") if p.kind == "route"]
    assert [p.meta["full_path"] for p in ok] == ["/ok"]  # kept what parsed


def test_dry_run_per_folder(project):
    plan = _brain(project).dry_run()
    assert plan["folders"]["app"]["files"] > 10
    assert plan["folders"]["tests"]["files"] >= 3
    assert plan["lines"] > 500
    assert not (project / ".brain").exists()


def test_model_change_reembeds(project):
    _brain(project, HashingEncoder(64)).index()
    enc = CountingEncoder()
    enc.name = "another-model"
    report = _brain(project, enc).index()
    assert report.embedded == report.patterns
    brain = _brain(project, enc)
    assert brain.store.get_meta("model") == "another-model"


def test_crash_mid_index_leaves_a_usable_store_and_the_next_run_recovers(project, monkeypatch):
    brain = _brain(project)
    brain.index()
    before = {c["key"] for c in brain.conventions()}
    target = project / "app" / "api" / "routes" / "messages.py"
    target.write_text(target.read_text() + "\n\n@router.get('/extra')\ndef extra(user: CurrentUser):\n    return 1\n")

    def boom(*args, **kwargs):
        raise KeyboardInterrupt  # the process is killed after the files were written

    monkeypatch.setattr("memorybrain.indexing.link", boom)
    with pytest.raises(KeyboardInterrupt):
        brain.index()
    monkeypatch.undo()
    # the previous index is still usable
    fresh = _brain(project)
    assert {c["key"] for c in fresh.conventions()} == before
    assert fresh.context("Add CRUD endpoints for notifications", budget=2000).exemplars
    # the next run sees every file unchanged, yet relinks
    report = fresh.index()
    assert report.indexed == 0
    extra = [p for p in fresh.patterns(kind="route") if p.name == "extra"]
    assert extra and extra[0].meta["full_path"] == "/api/v1/messages/extra"
    auth = next(c for c in fresh.conventions() if c["key"] == "auth")
    assert auth["data"]["total"] == 18


def test_parallel_extraction_from_a_threaded_caller_uses_spawn(tmp_path, monkeypatch):
    """The HTTP server indexes from a worker thread: the process pool must not fork then."""
    import multiprocessing
    import threading

    from memorybrain import indexing

    methods: list[str] = []
    original = multiprocessing.get_context

    def get_context(method=None):
        methods.append(method)
        return original(method)

    monkeypatch.setattr(indexing.mp, "get_context", get_context)

    root = tmp_path / "many"
    (root / "pkg").mkdir(parents=True)
    for i in range(indexing.PARALLEL_THRESHOLD + 6):
        (root / "pkg" / f"mod{i}.py").write_text(f"def handler_{i}(x):\n    return x + {i}\n")
    result: dict[str, object] = {}

    def run() -> None:
        try:
            with Brain.open(root, encoder=HashingEncoder(32)) as brain:
                result["report"] = brain.index()
                result["count"] = brain.count_patterns(kind="function")
        except BaseException as e:  # noqa: BLE001 - surfaced by the assertion below
            result["error"] = e

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=120)
    assert "error" not in result, result.get("error")
    assert result["count"] == indexing.PARALLEL_THRESHOLD + 6
    assert methods == ["spawn"]


def test_stack_facts_say_what_the_code_uses_of_aiohttp_and_flask_wtf(tmp_path):
    root = tmp_path / "app"
    (root / "app").mkdir(parents=True)
    (root / "requirements.txt").write_text("flask==3.0\naiohttp==3.9\nflask-wtf==1.2\n")
    (root / "app" / "__init__.py").write_text(
        "from flask import Flask\nfrom flask_wtf.csrf import CSRFProtect\n\napp = Flask(__name__)\nCSRFProtect(app)\n"
    )
    (root / "app" / "hooks.py").write_text(
        "import aiohttp\n\nasync def send(url):\n"
        "    async with aiohttp.ClientSession() as s:\n        await s.post(url)\n"
    )
    brain = _brain(root)
    brain.index()
    got = {(f.category, f.name) for f in brain.facts()}
    assert ("framework", "Flask") in got
    assert ("other", "aiohttp (HTTP client)") in got and ("framework", "aiohttp") not in got
    assert ("other", "Flask-WTF (CSRF protection)") in got and ("validation", "Flask-WTF") not in got

    (root / "app" / "server.py").write_text("from aiohttp import web\nfrom flask_wtf import FlaskForm\n")
    brain.index()
    got = {(f.category, f.name) for f in brain.facts()}
    assert {("framework", "aiohttp"), ("validation", "Flask-WTF")} <= got


def test_a_url_removed_from_the_urlconf_leaves_its_view(tmp_path):
    """Only ``urls.py`` changes, so the views file is not parsed again: the link starts from
    the views' meta as extracted, and the view loses the URL it no longer has."""
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "settings.py").write_text('INSTALLED_APPS = ["shop"]\nROOT_URLCONF = "proj.urls"\n')
    (tmp_path / "proj" / "urls.py").write_text(
        "from django.urls import path\nfrom proj import views\n"
        'urlpatterns = [path("a/", views.a), path("b/", views.b)]\n'
    )
    (tmp_path / "proj" / "views.py").write_text(
        "from django.http import HttpResponse\n\n"
        "def a(request):\n    return HttpResponse('a')\n\n"
        "def b(request):\n    return HttpResponse('b')\n"
    )
    brain = _brain(tmp_path)
    try:
        brain.index()
        paths = {p.name: p.meta.get("full_path") for p in brain.patterns(kind="route")}
        assert paths == {"a": "/a/", "b": "/b/"}
        (tmp_path / "proj" / "urls.py").write_text(
            'from django.urls import path\nfrom proj import views\nurlpatterns = [path("a/", views.a)]\n'
        )
        assert brain.index().indexed == 1
        routes = {p.name: p.meta for p in brain.patterns(kind="route")}
        assert routes["a"]["full_path"] == "/a/" and routes["a"]["rooted"] is True
        assert routes["b"].get("full_path") is None and "urls" not in routes["b"] and "rooted" not in routes["b"]
    finally:
        brain.close()
