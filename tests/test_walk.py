from __future__ import annotations

import os

from memorybrain.config import load_config
from memorybrain.walk import SourceFile, walk_project


def _walk(root, **overrides):
    items = list(walk_project(load_config(root).with_overrides(**overrides)))
    files = sorted(i.path for i in items if isinstance(i, SourceFile))
    skips = {i.path: i.reason for i in items if not isinstance(i, SourceFile)}
    return files, skips


def _touch(root, rel, text="x = 1\n"):
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def test_python_and_metadata_files_default_excludes(tmp_path):
    for rel in (
        "app/main.py",
        "pyproject.toml",
        "requirements.txt",
        "README.md",
        ".venv/lib/x.py",
        "node_modules/a/b.py",
        "build/c.py",
        "app/__pycache__/m.py",
        "pkg.egg-info/d.py",
        ".git/hooks/e.py",
        ".brain/f.py",
    ):
        _touch(tmp_path, rel)
    files, _ = _walk(tmp_path)
    assert files == ["app/main.py", "pyproject.toml", "requirements.txt"]


def test_gitignore_root_and_nested(tmp_path):
    _touch(tmp_path, ".gitignore", "generated/\n*_pb2.py\n")
    _touch(tmp_path, "app/.gitignore", "local_settings.py\n")
    for rel in (
        "app/a.py",
        "app/local_settings.py",
        "generated/x.py",
        "api_pb2.py",
        "other/local_settings.py",
    ):
        _touch(tmp_path, rel)
    files, _ = _walk(tmp_path)
    assert files == ["app/a.py", "other/local_settings.py"]


def test_env_files_are_never_indexed(tmp_path):
    _touch(tmp_path, ".env", "SECRET=1\n")
    _touch(tmp_path, "config/prod.env", "SECRET=1\n")
    _touch(tmp_path, "a.py")
    files, skips = _walk(tmp_path)
    assert files == ["a.py"]
    assert ".env" in skips and "never indexed" in skips[".env"]


def test_generated_protobuf_and_grpc_modules_are_skipped(tmp_path):
    """lnbits ships ``invoices_pb2_grpc.py``: generated stubs are no pattern of the project's."""
    for rel in ("app/invoices.py", "app/rpc/invoices_pb2.py", "app/rpc/invoices_pb2_grpc.py", "app/pb2_tools.py"):
        _touch(tmp_path, rel)
    files, skips = _walk(tmp_path)
    assert files == ["app/invoices.py", "app/pb2_tools.py"]
    assert skips["app/rpc/invoices_pb2_grpc.py"] == "generated protobuf/gRPC code (never indexed)"
    assert "app/rpc/invoices_pb2.py" in skips


def test_size_cap(tmp_path):
    _touch(tmp_path, "big.py", "x = 1\n" * 1000)
    _touch(tmp_path, "small.py")
    files, skips = _walk(tmp_path, max_file_size=100)
    assert files == ["small.py"]
    assert "larger than max_file_size" in skips["big.py"]


def test_include_and_exclude(tmp_path):
    for rel in ("app/a.py", "app/legacy/b.py", "scripts/c.py"):
        _touch(tmp_path, rel)
    files, _ = _walk(tmp_path, include=("app/**",), exclude=("app/legacy/**",))
    assert files == ["app/a.py"]


def test_symlinks_leaving_root_and_loops(tmp_path):
    outside = tmp_path / "outside"
    root = tmp_path / "root"
    _touch(outside, "secret.py")
    _touch(root, "app/a.py")
    os.symlink(outside, root / "linked_out")
    os.symlink(outside / "secret.py", root / "escape.py")
    os.symlink(root / "app", root / "app" / "loop")
    os.symlink(root / "app" / "a.py", root / "alias.py")
    os.symlink(root / "missing.py", root / "broken.py")
    files, skips = _walk(root)
    assert files == ["alias.py", "app/a.py"]
    assert skips["linked_out"] == "symlink leaves the project root"
    assert skips["escape.py"] == "symlink leaves the project root"
    assert skips["app/loop"] == "symlink loop"
    assert skips["broken.py"] == "broken or looping symlink"
