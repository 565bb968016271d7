"""Golden files per framework: everything extracted from each fixture app, rendered as text.

A change in extraction shows up as a diff against tests/golden/<app>.txt. After checking the
diff is an improvement, regenerate with:  UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
from pathlib import Path

import pytest

from memorybrain import Brain
from memorybrain.embeddings import HashingEncoder

HERE = Path(__file__).parent
APPS = ["fastapi_app", "flask_app", "fab_app", "restx_app"]
META_KEYS = (
    "methods",
    "full_path",
    "decorators",
    "dependencies",
    "response_model",
    "status_code",
    "raises",
    "exceptions",
    "response_shape",
    "orm",
    "library",
    "requests",
    "usage",
)


def render(brain: Brain) -> str:
    lines = []
    for p in brain.patterns():
        if p.kind in ("function", "class"):
            continue
        meta = {k: p.meta[k] for k in META_KEYS if p.meta.get(k)}
        if p.usage:
            meta["usage"] = p.usage
        lines.append(f"{p.kind:<13} {p.qualname}  {p.location}")
        lines.append(f"    {p.summary}")
        if meta:
            lines.append(f"    {json.dumps(meta, sort_keys=True)}")
    lines.append("")
    lines.append("conventions:")
    lines += [f"  - {c['statement']}" for c in brain.conventions()]
    lines.append("facts:")
    lines += [f"  - {f.category}: {f.name} {f.value or ''} ({f.source})" for f in brain.facts()]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("app", APPS)
def test_golden(app, tmp_path):
    root = tmp_path / app
    shutil.copytree(HERE / "fixtures" / app, root)
    with Brain.open(root, encoder=HashingEncoder(32)) as brain:
        brain.index()
        actual = render(brain)
    golden = HERE / "golden" / f"{app}.txt"
    if os.environ.get("UPDATE_GOLDEN") or not golden.exists():
        golden.write_text(actual)
    expected = golden.read_text()
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(True), actual.splitlines(True), f"golden/{app}.txt", "extracted now"
            )
        )
        pytest.fail(f"extraction differs from the golden file:\n{diff}")
