"""The corpus: pinned real codebases downloaded from PyPI into a cache outside the repository.

Each entry of ``corpus.lock`` names a requirement, the exact file ``pip download --no-deps``
fetches for it and that file's sha256. Files are downloaded once into
``<cache>/downloads`` (default cache ``~/.cache/memorybrain-bench/quality``), checked against
the lock (a mismatch is an error, never used), and unpacked once into ``<cache>/src/<name>``.
Nothing in the unpacked code is imported or run.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

LOCK = Path(__file__).with_name("corpus.lock")
DEFAULT_CACHE = Path.home() / ".cache" / "memorybrain-bench" / "quality"


class CorpusError(RuntimeError):
    pass


@dataclass(frozen=True)
class Entry:
    name: str
    framework: str
    requirement: str
    file: str
    sha256: str
    root: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]


def load_lock(path: Path = LOCK) -> list[Entry]:
    with path.open("rb") as f:
        data = tomllib.load(f)
    out = []
    for name, e in data.get("codebases", {}).items():
        out.append(
            Entry(
                name=name,
                framework=e["framework"],
                requirement=e["requirement"],
                file=e["file"],
                sha256=e["sha256"].lower(),
                root=e.get("root", "."),
                include=tuple(e.get("include", ())),
                exclude=tuple(e.get("exclude", ())),
            )
        )
    return out


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download(entry: Entry, cache: Path) -> Path:
    """The verified archive of ``entry`` (downloaded with pip if it is not in the cache)."""
    downloads = cache / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    target = downloads / entry.file
    if not target.is_file():
        with_tmp = downloads / f".tmp-{entry.name}"
        shutil.rmtree(with_tmp, ignore_errors=True)
        with_tmp.mkdir()
        cmd = [
            sys.executable, "-m", "pip", "download", "--no-deps", "-q",
            "-d", str(with_tmp), entry.requirement,
        ]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True)
        got = with_tmp / entry.file
        if not got.is_file():
            files = ", ".join(p.name for p in with_tmp.iterdir()) or "nothing"
            raise CorpusError(
                f"{entry.name}: pip download {entry.requirement} gave {files}, not {entry.file}"
                f" (exit {proc.returncode}: {proc.stderr.strip()[-500:]})"
            )
        got.replace(target)
        shutil.rmtree(with_tmp, ignore_errors=True)
    digest = sha256_of(target)
    if digest != entry.sha256:
        raise CorpusError(
            f"{entry.name}: {target} has sha256 {digest}, the lock says {entry.sha256}; "
            "delete the file to download it again, or update corpus.lock deliberately"
        )
    return target


def _safe_members(names: list[str]) -> None:
    for n in names:
        p = PurePosixPath(n)
        if p.is_absolute() or ".." in p.parts:
            raise CorpusError(f"refusing to unpack {n!r}: it leaves the target folder")


def unpack(entry: Entry, archive: Path, cache: Path) -> Path:
    """The unpacked project folder of ``entry`` (unpacked once; a stamp records the hash)."""
    dest = cache / "src" / entry.name
    stamp = dest / ".memorybrain-quality-sha256"
    if not (stamp.is_file() and stamp.read_text().strip() == entry.sha256):
        shutil.rmtree(dest, ignore_errors=True)
        tmp = dest.with_name(dest.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if archive.name.endswith((".whl", ".zip")):
            with zipfile.ZipFile(archive) as z:
                _safe_members(z.namelist())
                z.extractall(tmp)
        elif archive.name.endswith((".tar.gz", ".tgz", ".tar")):
            with tarfile.open(archive) as t:
                _safe_members(t.getnames())
                t.extractall(tmp, filter="data")
        else:
            raise CorpusError(f"{entry.name}: unknown archive type {archive.name}")
        (tmp / stamp.name).write_text(entry.sha256 + "\n")
        tmp.replace(dest)
    root = (dest / entry.root).resolve()
    if not root.is_dir():
        raise CorpusError(f"{entry.name}: {entry.root!r} is not a folder of {archive.name}")
    return root


def fetch(entry: Entry, cache: Path = DEFAULT_CACHE) -> Path:
    """Download (if needed), verify and unpack one codebase; returns its project root."""
    return unpack(entry, download(entry, cache), cache)
