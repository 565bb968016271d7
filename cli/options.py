"""Command-line options shared by every command module."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ProjectOpt = Annotated[
    Path | None,
    typer.Option(
        "--project",
        "-p",
        help="Project root (default: nearest folder with .brain/, else the current folder).",
    ),
]
DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="Store file (default: .brain/brain.db under the project)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
