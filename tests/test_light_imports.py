"""Heavy imports stay lazy: `brain --help` and opening a project never import torch."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
{body}
heavy = sorted(m for m in ("torch", "sentence_transformers", "transformers") if m in sys.modules)
print("HEAVY=" + ",".join(heavy))
"""


def _heavy(body: str) -> str:
    out = subprocess.run([sys.executable, "-c", CHECK.format(body=body)], capture_output=True, text=True, check=True)
    marker = [line for line in out.stdout.splitlines() if line.startswith("HEAVY=")]
    return marker[-1].removeprefix("HEAVY=")


def test_help_does_not_import_torch():
    body = "from cli.main import app\ntry:\n    app(['--help'])\nexcept SystemExit:\n    pass"
    assert _heavy(body) == ""


def test_library_import_and_encoder_creation_do_not_import_torch():
    body = "import memorybrain\nfrom memorybrain.embeddings import get_encoder\ne = get_encoder()\ne.dim"
    assert _heavy(body) == ""
