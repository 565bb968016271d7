"""Shared fixtures.

Unit tests may use the small deterministic ``HashingEncoder``; integration tests and every
test of pack content use the real packaged model (all-MiniLM-L6-v2) and a real SQLite file.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

FIXTURES = Path(__file__).parent / "fixtures"
FASTAPI_APP = FIXTURES / "fastapi_app"
FLASK_APP = FIXTURES / "flask_app"
FAB_APP = FIXTURES / "fab_app"
RESTX_APP = FIXTURES / "restx_app"
DRF_APP = FIXTURES / "drf_app"


@pytest.fixture(autouse=True)
def _private_vector_cache(tmp_path_factory, monkeypatch):
    """Every test gets an empty vector cache of its own, never the user's."""
    monkeypatch.setenv("MEMORYBRAIN_VECTOR_CACHE", str(tmp_path_factory.mktemp("vector-cache")))


@pytest.fixture
def hashing_encoder():
    from memorybrain.embeddings import HashingEncoder

    return HashingEncoder(64)


@pytest.fixture(scope="session")
def real_encoder():
    """The packaged all-MiniLM-L6-v2, loaded once for the session."""
    from memorybrain.embeddings import get_encoder

    return get_encoder("all-MiniLM-L6-v2")


#: The server's address in TestClient tests, and the media type of its errors.
BASE = "http://127.0.0.1:8765"
PROBLEM = "application/problem+json"


def problem(r, status: int, *words: str) -> dict:
    """Assert an HTTP error answer (RFC 9457 problem+json) whose detail has ``words``."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    for w in words:
        assert w in body["detail"], body
    return body


def extract_files(files: dict[str, str]) -> tuple[list[tuple], dict[str, dict]]:
    """Extract each (path, source) like ``brain index`` does: the linker's input rows and file
    metadata, for tests of ``memorybrain.linker.link`` on small inline projects."""
    from indexers import extract_python

    rows: list[tuple] = []
    metas: dict[str, dict] = {}
    for path, src in files.items():
        fe = extract_python(path, src.encode())
        metas[path] = fe.meta
        rows += [(p.id, p.kind, p.name, p.path, p.meta, 0, p.summary) for p in fe.patterns]
    return rows, metas


def copy_app(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".brain", "__pycache__"))
    return dest


def _indexed_app(tmp_path_factory, encoder, src: Path):
    """Copy a fixture app and index it once with ``encoder``; closes the brain afterwards."""
    from memorybrain import Brain

    root = copy_app(src, tmp_path_factory.mktemp(src.name) / src.name)
    brain = Brain.open(root, encoder=encoder)
    brain.index()
    yield brain
    brain.close()


@pytest.fixture(scope="session")
def fastapi_brain(tmp_path_factory, real_encoder):
    """The FastAPI fixture app, copied and indexed once with the real model."""
    yield from _indexed_app(tmp_path_factory, real_encoder, FASTAPI_APP)


@pytest.fixture(scope="session")
def fab_brain(tmp_path_factory, real_encoder):
    """The Flask-AppBuilder fixture app (helpdesk), copied and indexed once with the real model."""
    yield from _indexed_app(tmp_path_factory, real_encoder, FAB_APP)


@pytest.fixture(scope="session")
def restx_brain(tmp_path_factory, real_encoder):
    """The Flask-RESTX fixture app (taskboard), copied and indexed once with the real model."""
    yield from _indexed_app(tmp_path_factory, real_encoder, RESTX_APP)


@pytest.fixture(scope="session")
def flask_brain(tmp_path_factory, real_encoder):
    """The Flask fixture app (bookshop), copied and indexed once with the real model."""
    yield from _indexed_app(tmp_path_factory, real_encoder, FLASK_APP)


@pytest.fixture(scope="session")
def drf_brain(tmp_path_factory, real_encoder):
    """The Django REST Framework fixture app, copied and indexed once with the real model."""
    yield from _indexed_app(tmp_path_factory, real_encoder, DRF_APP)
