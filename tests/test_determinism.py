"""The same project and request give the same pack, whatever Python's string hashing.

Conventions rank names by how many handlers use them; ties must break the same way in every
process, or a name counted from a set lands first in one run and second in the next (seen on
kolibri: ``raise NotFound`` in one run, ``raise PermissionDenied`` in the other).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

BRAIN = [sys.executable, "-c", "from cli.main import app; app()"]


def _pack(app: Path, tmp: Path, seed: int) -> str:
    db = str(tmp / f"brain-{seed}.db")
    env = {**os.environ, "PYTHONHASHSEED": str(seed), "HF_HUB_OFFLINE": "1"}

    def brain(*args: str) -> str:
        return subprocess.run([*BRAIN, *args], env=env, check=True, capture_output=True, text=True, timeout=300).stdout

    brain("index", str(app), "--db", db, "--quiet")
    return brain("context", "Add CRUD API endpoints for invoices", "--project", str(app), "--db", db)


@pytest.mark.integration
@pytest.mark.parametrize("name", ["drf_app", "fastapi_app"])
def test_pack_does_not_depend_on_hash_seed(name, tmp_path):
    first, second = (_pack(FIXTURES / name, tmp_path, seed) for seed in (1, 2))
    assert "```" in first
    assert first == second


TIES = """
from types import SimpleNamespace
from memorybrain.linker import _import_conventions
names = [f"name_{i}" for i in range(60)]
meta = {p: {"imports": [{"module": "app.shared", "name": n, "level": 0} for n in names]} for p in ("a.py", "b.py")}
routes = [SimpleNamespace(path=p) for p in meta]
print(_import_conventions(routes, meta)[0]["data"]["lines"])
"""


@pytest.mark.parametrize("seed", [2, 3])
def test_tied_import_counts_rank_the_same_in_every_process(seed):
    """60 names imported by both route modules, 40 kept: which 40 must not depend on the hash seed."""

    def run(s: int) -> str:
        env = {**os.environ, "PYTHONHASHSEED": str(s)}
        return subprocess.run([sys.executable, "-c", TIES], env=env, check=True, capture_output=True, text=True).stdout

    assert run(1) == run(seed)


URLS_IN_TWO_LISTS = """
import json
from tests.test_indexer_django import _rows
from memorybrain.linker import link
views = "from django.views import View\\nclass AppsView(View):\\n    def get(self, request):\\n        return None\\n"
urls = (
    "from django.urls import path\\nfrom app.views import AppsView\\nurlpatterns = []\\n"
    "apps_patterns = [path('installed-apps/', AppsView.as_view())]\\n"
    "plugin_patterns = [path('installed-plugins/', AppsView.as_view())]\\n"
    "other_patterns = [path('more-apps/', AppsView.as_view())]\\n"
)
rows, metas = _rows({"app/views.py": views, "app/urls.py": urls})
print(json.dumps([u[2].get("urls") for u in link(rows, metas).updates if u[2].get("urls")]))
"""


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_a_view_in_several_url_lists_lists_its_urls_in_file_order(seed):
    """nautobot: a view in url lists no urlconf includes got its URLs, and so its path, in an
    order that changed with the hash seed."""

    def run(s: int) -> str:
        env = {**os.environ, "PYTHONHASHSEED": str(s)}
        return subprocess.run(
            [sys.executable, "-c", URLS_IN_TWO_LISTS], env=env, check=True, capture_output=True, text=True
        ).stdout

    first = run(1)
    assert first.index("installed-apps/") < first.index("installed-plugins/") < first.index("more-apps/")
    assert run(seed) == first
