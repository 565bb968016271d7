"""Team snapshots: the curated state and everything a pack is built from, in one diffable file.

Format (``memorybrain.snapshot/1``, JSON Lines, UTF-8, ``\\n`` line ends)::

    {"body_bytes":…,"body_sha256":"…","counts":{…},"dim":384,"git_commit":"…","git_dirty":false,…,"schema":"memorybrain.snapshot/1"}
    {"type":"file","path":"app/main.py",…}
    {"type":"pattern","id":"…","code":"…",…}
    …

The first line is the header: schema, project name, embedding model id and dimension, the
git commit of the project when exported (read from ``.git``) and ``git_dirty``, whether the
work tree had uncommitted changes then (``git status``; null when git or the repository is
missing; ``.brain/`` and the snapshot itself do not count), the indexer and linker versions,
the count of records of each type and the sha256 of every byte after the header line (no
time: re-indexing unchanged code must not change the file).
Then one record per line, sorted by type (file, pattern, vector, fact, convention, curation,
exclusion, rule) and key, each a JSON object with sorted keys. The same store gives a
byte-identical file (no clock is read).

Vectors are little-endian float32, base64; they are imported only when the local model is
the snapshot's (same id and dimension), else every pattern is re-embedded.

Reading validates everything before anything is written (``read``); a file that is too big,
truncated, edited by hand (checksum), of another or future schema, with wrong vector sizes,
absurd sizes or counts, unsafe paths (absolute, ``..``, NUL, backslashes), ids that do not
match their path/qualname/kind, or invalid UTF-8 is refused with ``SnapshotError``.
Importing writes only the store, in one transaction (``Store.load``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from memorybrain.curation import MAX_FACT_CHARS, MAX_GLOB_CHARS, MAX_NOTE_CHARS, MAX_RULE_CHARS, MAX_RULES
from memorybrain.errors import PathConflictError, ProjectError, RequestError, SnapshotError, SnapshotNotFoundError
from memorybrain.models import PATTERN_KINDS, Fact, pattern_id
from memorybrain.paths import inside_project
from memorybrain.store import Store, now_iso

__all__ = [
    "DEFAULT_PATH",
    "SCHEMA",
    "Snapshot",
    "build",
    "check_target",
    "commit_label",
    "describe",
    "diff",
    "diff_text",
    "export",
    "git_commit",
    "git_dirty",
    "merge",
    "parse",
    "project_source",
    "project_target",
    "read",
    "summary",
]

SCHEMA = "memorybrain.snapshot/1"
SCHEMA_PREFIX = "memorybrain.snapshot/"
VERSION = 1
DEFAULT_PATH = ".brain/snapshot.jsonl"
TYPES = ("file", "pattern", "vector", "fact", "convention", "curation", "exclusion", "rule")

# Limits: far above any real project (a 100k-pattern store exports to ~400 MB with vectors
# only if every body is huge; real ones are a few MB), low enough to refuse a hostile file
# before it costs memory.
MAX_BYTES = 512 * 1024 * 1024
MAX_LINE_BYTES = 4 * 1024 * 1024
MAX_RECORDS = {
    "file": 200_000,
    "pattern": 1_000_000,
    "vector": 1_000_000,
    "fact": 10_000,
    "convention": 10_000,
    "curation": 100_000,
    "exclusion": 1_000,
    "rule": MAX_RULES,
}
MAX_CODE_CHARS = 1_000_000
MAX_TEXT_CHARS = 20_000
MAX_META_CHARS = 1_000_000
MAX_PATH_CHARS = 1_000
MAX_LINE_NUMBER = 10_000_000
MAX_DIM = 4096

_HEX40 = re.compile(r"^[0-9a-f]{40}$")
_HEX_ANY = re.compile(r"^[0-9a-f]{8,64}$")
_ID = re.compile(r"^[0-9a-f]{12}$")
_RULE_ID = re.compile(r"^[0-9a-f]{8}$")
_MODEL = re.compile(r"^[A-Za-z0-9_.\-/:]{1,200}$")


@dataclass
class Snapshot:
    """A validated snapshot: the header and its records by type (rows as ``Store.dump`` gives)."""

    header: dict[str, Any]
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def model(self) -> str | None:
        return self.header.get("model")

    @property
    def dim(self) -> int:
        return int(self.header.get("dim") or 0)

    @property
    def project(self) -> str:
        return str(self.header.get("project") or "snapshot")

    def team_facts(self) -> list[Fact]:
        return [_fact(r) for r in self.records["fact"] if r["origin"] == "team"]

    def index(self) -> dict[str, list[dict[str, Any]]]:
        """The index part (files, patterns, vectors, detected facts, conventions) for ``Store.load``."""
        vectors = [
            {"id": v["id"], "text_hash": v["text_hash"], "vector": base64.b64decode(v["vector"])}
            for v in self.records["vector"]
        ]
        return {
            "file": self.records["file"],
            "pattern": self.records["pattern"],
            "vector": vectors,
            "fact": [_fact(r) for r in self.records["fact"] if r["origin"] == "detected"],
            "convention": self.records["convention"],
        }

    def meta(self) -> dict[str, str]:
        h = self.header
        # snapshots before this kept the exporter's last index time; now the import is the index
        out = {"last_indexed": h.get("last_indexed") or now_iso(), "link_pending": "0"}
        for key in ("indexer_version", "linker_version"):
            if h.get(key):
                out[key] = str(h[key])
        if h.get("model") and h.get("dim"):
            out["model"], out["dim"] = str(h["model"]), str(h["dim"])
        return out


def _fact(r: dict[str, Any]) -> Fact:
    return Fact(r["category"], r["name"], r["value"], r["source_path"], r["source_line"], r["evidence"], r["origin"])


# ---------------------------------------------------------------------- export


def _dot_git(root: Path) -> Path | None:
    """The ``.git`` of the work tree holding ``root`` (``root``'s own, else its nearest parent's)."""
    try:
        for folder in (root, *root.resolve().parents):
            if (folder / ".git").exists():
                return folder / ".git"
    except OSError:
        return None
    return None


def git_commit(root: Path) -> str | None:
    """The commit checked out in the work tree holding ``root`` (read from ``.git``; git is
    never run for this), or None."""
    try:
        git = _dot_git(root)
        if git is None:
            return None
        if git.is_file():  # a worktree or submodule: "gitdir: <path>"
            text = git.read_text(encoding="utf-8").strip()
            if not text.startswith("gitdir:"):
                return None
            git = (git.parent / text.split(":", 1)[1].strip()).resolve()
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
        if _HEX40.match(head):
            return head
        if not head.startswith("ref:"):
            return None
        ref = head.split(":", 1)[1].strip()
        common = git
        if (git / "commondir").is_file():
            common = (git / (git / "commondir").read_text(encoding="utf-8").strip()).resolve()
        for base in (git, common):
            f = base / ref
            if f.is_file():
                value = f.read_text(encoding="utf-8").strip()
                return value if _HEX40.match(value) else None
        packed = common / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8").splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[1] == ref and _HEX40.match(parts[0]):
                    return parts[0]
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return None


#: ``git status`` may take a while on a huge repository; past this, the state is unknown.
GIT_TIMEOUT_SECONDS = 30
#: Set by ``git`` for hooks; they would point ``git status`` at another repository.
_GIT_ENV = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
)


def git_dirty(root: Path, *, ignore: tuple[Path, ...] = ()) -> bool | None:
    """Whether the work tree under ``root`` differs from its commit: a tracked file modified,
    staged, deleted or renamed, or a file git does not ignore that is not committed. The
    brain's own folder (``.brain/``) and the ``ignore`` paths do not count.

    This runs ``git status`` (read-only: no optional locks, no fsmonitor hook): reading
    git's index and objects without git cannot say it reliably (racy timestamps, clean and
    smudge filters, split and sparse indexes, packed objects). None when git is not
    installed, ``root`` is not in a work tree, or git fails or takes too long.
    """
    exe = shutil.which("git")
    if exe is None:
        return None
    specs = [".", ":(exclude,literal).brain"]
    resolved = root.resolve()
    for path in ignore:
        try:
            rel = path.resolve().relative_to(resolved)
        except (OSError, ValueError):
            continue
        specs.append(f":(exclude,literal){rel.as_posix()}")
    env = {k: v for k, v in os.environ.items() if k not in _GIT_ENV}
    env.update(GIT_OPTIONAL_LOCKS="0", GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    try:
        done = subprocess.run(
            [
                exe,
                "-c",
                "core.fsmonitor=false",
                "status",
                "--porcelain=v1",
                "-z",
                "--untracked-files=normal",
                "--",
                *specs,
            ],
            cwd=resolved,
            env=env,
            capture_output=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return bool(done.stdout.strip(b"\0\n "))


def _records(store: Store, *, vectors: bool) -> dict[str, list[dict[str, Any]]]:
    dump = store.dump()
    out: dict[str, list[dict[str, Any]]] = {}
    out["file"] = [{**f, "meta": json.loads(f["meta"] or "{}"), "reason": f["reason"] or ""} for f in dump["file"]]
    out["pattern"] = [{**p, "meta": json.loads(p["meta"] or "{}"), "usage": p["usage"] or 0} for p in dump["pattern"]]
    out["vector"] = (
        [
            {"id": v["id"], "text_hash": v["text_hash"], "vector": base64.b64encode(v["vector"]).decode("ascii")}
            for v in dump["vector"]
        ]
        if vectors
        else []
    )
    out["fact"] = [{**f, "value": f["value"], "evidence": f["evidence"] or ""} for f in dump["fact"]]
    out["convention"] = [{**c, "data": json.loads(c["data"] or "{}")} for c in dump["convention"]]
    out["curation"] = [{**c, "pinned": bool(c["pinned"]), "excluded": bool(c["excluded"])} for c in dump["curation"]]
    out["exclusion"] = dump["exclusion"]
    out["rule"] = [{**r, "position": i} for i, r in enumerate(dump["rule"])]  # 0..n-1, as an import writes them
    return out


def _line(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


_KEY = {
    "file": lambda r: r["path"],
    "pattern": lambda r: r["id"],
    "vector": lambda r: r["id"],
    "fact": lambda r: r["key"],
    "convention": lambda r: (r["rank"], r["key"]),
    "curation": lambda r: r["id"],
    "exclusion": lambda r: r["glob"],
    "rule": lambda r: (r["position"], r["id"]),
}


def render(header: dict[str, Any], records: dict[str, list[dict[str, Any]]]) -> bytes:
    """The file's bytes: the header (with counts and checksum filled in), then sorted records."""
    body = b"".join(_line({"type": t, **r}) for t in TYPES for r in sorted(records.get(t, []), key=_KEY[t]))
    head = {
        **header,
        "schema": SCHEMA,
        "counts": {t: len(records.get(t, [])) for t in TYPES},
        "body_sha256": hashlib.sha256(body).hexdigest(),
        "body_bytes": len(body),
    }
    return _line(head) + body


def build(
    store: Store, *, project: str, root: Path | None = None, vectors: bool = True, target: Path | None = None
) -> bytes:
    """The snapshot's bytes for ``store``; ``root`` (the project) gives the git state, ``target``
    (where the file will be written) does not count as a change to it."""
    records = _records(store, vectors=vectors)
    commit = git_commit(root) if root else None
    header = {
        "project": project,
        "model": store.get_meta("model") if vectors else None,
        "dim": int(store.get_meta("dim") or 0) if vectors else 0,
        "git_commit": commit,
        # uncommitted changes under the project when it was exported (None: unknown, no git)
        "git_dirty": git_dirty(root, ignore=(target,) if target else ()) if root and commit else None,
        "indexer_version": store.get_meta("indexer_version"),
        "linker_version": store.get_meta("linker_version"),
        # no last_indexed: a re-index that changed nothing must not change the file
    }
    return render(header, records)


def summary(data: bytes) -> dict[str, Any]:
    """What a rendered snapshot holds: bytes, counts, sha256, commit, dirty state, model."""
    header = json.loads(data[: data.index(b"\n")])
    return {
        "bytes": len(data),
        "counts": header["counts"],
        "sha256": hashlib.sha256(data).hexdigest(),
        "git_commit": header["git_commit"],
        "git_dirty": header["git_dirty"],
        "model": header["model"],
    }


def export(store: Store, path: Path, *, project: str, root: Path | None = None, vectors: bool = True) -> dict[str, Any]:
    """Write the store's snapshot to ``path`` (atomically) and say what went in.

    An existing file at ``path`` is replaced only if it is a memorybrain snapshot: a typo'd
    path never overwrites source code or data.
    """
    check_target(path)
    data = build(store, project=project, root=root, vectors=vectors, target=path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".snapshot-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (NotADirectoryError, IsADirectoryError, FileExistsError) as e:
        raise PathConflictError(
            f"cannot write the snapshot to {path}: a file or folder is in the way ({e.strerror or e})"
        ) from None
    except OSError as e:
        raise ProjectError(f"cannot write the snapshot to {path}: {e.strerror or e}") from None
    return {"path": str(path), **summary(data)}


def check_target(path: Path) -> None:
    """Refuse to write a snapshot over a folder, or over a file that is not a snapshot."""
    try:
        if not path.exists() and not path.is_symlink():
            return
        if not path.is_file():
            raise PathConflictError(f"refusing to write the snapshot to {path}: it is not a regular file")
        with path.open("rb") as f:
            head = f.readline(64 * 1024)
    except OSError as e:
        raise ProjectError(f"cannot write the snapshot to {path}: {e.strerror or e}") from None
    try:
        schema = json.loads(head.decode("utf-8")).get("schema", "") if head.strip() else SCHEMA
    except (UnicodeDecodeError, ValueError, AttributeError):
        schema = None
    if not isinstance(schema, str) or not schema.startswith(SCHEMA_PREFIX):
        raise PathConflictError(
            f"refusing to overwrite {path}: it is not a memorybrain snapshot",
            hint="choose another path, or remove the file first",
        )


def project_target(root: Path, path: str | Path | None) -> Path:
    """Where a remote caller (HTTP, MCP) may write a snapshot: a ``.jsonl`` file inside the
    project (default ``.brain/snapshot.jsonl``), never through a symlink out of it."""
    if not str(path or DEFAULT_PATH).endswith(".jsonl"):
        raise RequestError(f"a snapshot path must end in .jsonl, got {str(path)[:80]!r}")
    return inside_project(root, path or DEFAULT_PATH, what="snapshot path")


def project_source(root: Path, path: str | Path) -> Path:
    """A snapshot file a remote caller (HTTP, MCP) names: inside the project, never through a
    symlink out of it."""
    return inside_project(root, path, what="snapshot path")


# ---------------------------------------------------------------------- reading and validation


def _bad(message: str, line: int | None = None) -> SnapshotError:
    where = f"line {line}: " if line else ""
    return SnapshotError(f"invalid snapshot: {where}{message}", hint="nothing was changed")


def read(path: str | Path) -> Snapshot:
    """Read and validate a snapshot file completely; raise SnapshotError on anything wrong."""
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise SnapshotNotFoundError(f"cannot read snapshot {path}: no such file") from None
    except OSError as e:
        raise SnapshotError(f"cannot read snapshot {path}: {e.strerror}") from None
    if not path.is_file():
        raise SnapshotNotFoundError(f"cannot read snapshot {path}: it is not a file")
    if st.st_size > MAX_BYTES:
        raise _bad(f"{st.st_size} bytes is larger than the {MAX_BYTES}-byte limit")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SnapshotError(f"cannot read snapshot {path}: {e.strerror}") from None
    return parse(data)


def parse(data: bytes) -> Snapshot:
    if len(data) > MAX_BYTES:
        raise _bad(f"{len(data)} bytes is larger than the {MAX_BYTES}-byte limit")
    if not data:
        raise _bad("the file is empty")
    end = data.find(b"\n")
    if end < 0:
        raise _bad("no header line (truncated?)")
    header = _check_header(_json(data[:end], 1))
    body = data[end + 1 :]
    if len(body) != header["body_bytes"] or hashlib.sha256(body).hexdigest() != header["body_sha256"]:
        raise _bad(
            "checksum mismatch: the file was truncated or edited after export "
            f"({len(body)} body bytes, header says {header['body_bytes']})"
        )
    records: dict[str, list[dict[str, Any]]] = {t: [] for t in TYPES}
    seen: dict[str, set[Any]] = {t: set() for t in TYPES}
    lines = body.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    elif lines:
        raise _bad("the last line has no line end (truncated?)")
    for n, raw in enumerate(lines, 2):
        if len(raw) > MAX_LINE_BYTES:
            raise _bad(f"a record of {len(raw)} bytes is larger than the {MAX_LINE_BYTES}-byte limit", n)
        obj = _json(raw, n)
        if not isinstance(obj, dict) or obj.get("type") not in TYPES:
            raise _bad(f"unknown record type {str(obj.get('type') if isinstance(obj, dict) else obj)[:40]!r}", n)
        kind = obj.pop("type")
        if len(records[kind]) >= header["counts"][kind]:
            raise _bad(f"more {kind} records than the header's count ({header['counts'][kind]})", n)
        try:
            rec = _CHECKS[kind](obj, header)
        except (KeyError, TypeError, ValueError) as e:
            raise _bad(f"{kind} record: {e}", n) from None
        key = _KEY[kind](rec)
        if key in seen[kind]:
            raise _bad(f"duplicate {kind} {key!r}", n)
        seen[kind].add(key)
        records[kind].append(rec)
    for t in TYPES:
        if len(records[t]) != header["counts"][t]:
            raise _bad(f"{len(records[t])} {t} records, the header says {header['counts'][t]}")
    ids = seen["pattern"]
    for v in records["vector"]:
        if v["id"] not in ids:
            raise _bad(f"a vector for pattern {v['id']} that is not in the snapshot")
    if records["vector"] and not header["model"]:
        raise _bad("vectors without a model id in the header")
    return Snapshot(header=header, records=records)


def _json(raw: bytes, line: int) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _bad(f"invalid UTF-8 at byte {e.start}", line) from None
    try:
        return json.loads(text)
    except RecursionError:
        raise _bad("JSON nested too deeply", line) from None
    except ValueError as e:
        raise _bad(f"not JSON ({e.msg})", line) from None


def _check_header(h: Any) -> dict[str, Any]:
    if not isinstance(h, dict) or not isinstance(h.get("schema"), str):
        raise _bad("the first line is not a memorybrain snapshot header", 1)
    schema = h["schema"]
    if not schema.startswith(SCHEMA_PREFIX):
        raise _bad(f"not a memorybrain snapshot (schema {schema[:60]!r})", 1)
    version = schema.removeprefix(SCHEMA_PREFIX)
    if not version.isdigit():
        raise _bad(f"unknown schema version {version[:20]!r}", 1)
    if int(version) > VERSION:
        raise SnapshotError(
            f"the snapshot has schema version {version}, newer than this brain reads ({VERSION})",
            hint="upgrade memorybrain; nothing was changed",
        )
    if int(version) != VERSION:
        raise _bad(f"unknown schema version {version}", 1)
    counts = h.get("counts")
    if not isinstance(counts, dict) or set(counts) != set(TYPES):
        raise _bad("the header's counts are missing or incomplete", 1)
    for t, n in counts.items():
        if not _is_int(n) or not 0 <= n <= MAX_RECORDS[t]:
            raise _bad(f"{n!r} {t} records: not a count within the limit of {MAX_RECORDS[t]}", 1)
    if not isinstance(h.get("body_sha256"), str) or not re.fullmatch(r"[0-9a-f]{64}", h["body_sha256"]):
        raise _bad("the header has no valid body_sha256 checksum", 1)
    if not _is_int(h.get("body_bytes")) or not 0 <= h["body_bytes"] <= MAX_BYTES:
        raise _bad("the header has no valid body_bytes", 1)
    model, dim = h.get("model"), h.get("dim")
    if model is not None and (not isinstance(model, str) or not _MODEL.match(model)):
        raise _bad(f"invalid model id {str(model)[:60]!r}", 1)
    if not _is_int(dim) or not 0 <= dim <= MAX_DIM or (model is not None and dim == 0):
        raise _bad(f"invalid embedding dimension {dim!r}", 1)
    for key in ("project", "git_commit", "indexer_version", "linker_version", "last_indexed"):
        if h.get(key) is not None and (not isinstance(h[key], str) or len(h[key]) > 200):
            raise _bad(f"invalid {key}", 1)
    if h.get("git_commit") and not _HEX40.match(h["git_commit"]):
        raise _bad("invalid git_commit", 1)
    if h.get("git_dirty") is not None and not isinstance(h["git_dirty"], bool):
        raise _bad("invalid git_dirty (true, false or null)", 1)
    if h.get("project") is not None and (not h["project"].strip() or re.search(r"[\x00-\x1f/\\]", h["project"])):
        raise _bad("invalid project name", 1)
    return h


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _str(r: dict[str, Any], key: str, limit: int = MAX_TEXT_CHARS, *, empty: bool = True, none: bool = False) -> Any:
    v = r[key]
    if v is None and none:
        return None
    if not isinstance(v, str):
        raise TypeError(f"{key} must be a string")
    if len(v) > limit:
        raise ValueError(f"{key} is longer than {limit} characters")
    if not empty and not v:
        raise ValueError(f"{key} is empty")
    if "\0" in v:
        raise ValueError(f"{key} contains a NUL character")
    return v


_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def _line_text(r: dict[str, Any], key: str, limit: int, *, empty: bool = True, none: bool = False) -> Any:
    """Hand-written text shown in packs and rule files: one line, no control characters."""
    v = _str(r, key, limit, empty=empty, none=none)
    if v is not None and _CONTROL.search(v):
        raise ValueError(f"{key} contains a line break or control character")
    return v


def _int(r: dict[str, Any], key: str, lo: int = 0, hi: int = MAX_LINE_NUMBER) -> int:
    v = r[key]
    if not _is_int(v) or not lo <= v <= hi:
        raise ValueError(f"{key} must be an integer from {lo} to {hi}")
    return int(v)


def _bool(r: dict[str, Any], key: str) -> bool:
    if not isinstance(r[key], bool):
        raise TypeError(f"{key} must be true or false")
    return bool(r[key])


def _hex(r: dict[str, Any], key: str, pattern: re.Pattern[str] = _HEX_ANY) -> str:
    v = _str(r, key, 64)
    if not pattern.match(v):
        raise ValueError(f"{key} is not a hex digest")
    return v


def safe_path(value: Any, key: str = "path") -> str:
    """A project-relative POSIX path: no absolute path, no ``..``, no backslash, no NUL."""
    if not isinstance(value, str) or not value or len(value) > MAX_PATH_CHARS:
        raise ValueError(f"{key} must be a non-empty string of at most {MAX_PATH_CHARS} characters")
    if re.search(r"[\x00-\x1f\\]", value):
        raise ValueError(f"{key} {value[:80]!r} contains a control character or backslash")
    p = PurePosixPath(value)
    if p.is_absolute() or re.match(r"^[A-Za-z]:", value) or value.startswith("~"):
        raise ValueError(f"{key} {value[:80]!r} is absolute; snapshot paths are relative to the project")
    if any(part in ("..", ".") for part in value.split("/")) or "//" in value or value.endswith("/"):
        raise ValueError(f"{key} {value[:80]!r} is not a normalised relative path (no '..')")
    return value


def _meta(r: dict[str, Any], key: str) -> dict[str, Any]:
    v = r[key]
    if not isinstance(v, dict):
        raise TypeError(f"{key} must be an object")
    if len(json.dumps(v, ensure_ascii=False)) > MAX_META_CHARS:
        raise ValueError(f"{key} is larger than {MAX_META_CHARS} characters")
    _shape(v, key)
    return v


#: Shapes of the metadata keys packs and the linker read (anything else is kept as data).
_STR_LISTS = {
    "methods",
    "decorators",
    "dependencies",
    "calls",
    "raises",
    "schemas",
    "top_modules",
    "bases",
    "constants",
}
_DICT_LISTS = {"requests", "imports", "mounts", "url_rules", "exception_handlers", "facts"}
_SCALARS = {"full_path", "path", "framework", "class", "response_model", "router"}
_DICTS = {"routers", "annotated_aliases"}


def _shape(meta: dict[str, Any], key: str) -> None:
    for k, v in meta.items():
        bad = (
            (k in _STR_LISTS and not (isinstance(v, list) and all(isinstance(x, str) for x in v)))
            or (k in _DICT_LISTS and not (isinstance(v, list) and all(isinstance(x, dict) for x in v)))
            or (k in _SCALARS and not (v is None or isinstance(v, str | int | float | bool)))
            or (k in _DICTS and not isinstance(v, dict))
            or (
                k == "import_lines"
                and not (
                    isinstance(v, list)
                    and all(isinstance(x, list) and len(x) == 2 and _is_int(x[0]) and isinstance(x[1], str) for x in v)
                )
            )
        )
        if bad:
            raise ValueError(f"{key}.{k[:40]} does not have the shape memorybrain writes")


def _exact(r: dict[str, Any], keys: set[str]) -> None:
    extra, missing = set(r) - keys, keys - set(r)
    if missing:
        raise KeyError(f"missing {', '.join(sorted(missing))}")
    if extra:
        raise ValueError(f"unknown field {sorted(extra)[0][:40]!r}")


def _check_file(r: dict[str, Any], h: dict[str, Any]) -> dict[str, Any]:
    _exact(r, {"path", "hash", "size", "lines", "kind", "status", "reason", "indexer_version", "meta"})
    if r["kind"] not in ("python", "metadata") or r["status"] not in ("indexed", "failed"):
        raise ValueError(f"unknown kind/status {str(r['kind'])[:20]!r}/{str(r['status'])[:20]!r}")
    return {
        "path": safe_path(r["path"]),
        "hash": _hex(r, "hash"),
        "size": _int(r, "size", 0, 10**10),
        "lines": _int(r, "lines"),
        "kind": r["kind"],
        "status": r["status"],
        "reason": _str(r, "reason", 1000),
        "indexer_version": _str(r, "indexer_version", 100),
        "meta": _meta(r, "meta"),
    }


_PATTERN_FIELDS = {
    "id",
    "kind",
    "name",
    "qualname",
    "path",
    "start_line",
    "end_line",
    "code",
    "summary",
    "meta",
    "usage",
    "content_hash",
}


def _check_pattern(r: dict[str, Any], h: dict[str, Any]) -> dict[str, Any]:
    _exact(r, _PATTERN_FIELDS)
    if r["kind"] not in PATTERN_KINDS:
        raise ValueError(f"unknown pattern kind {str(r['kind'])[:30]!r}")
    out = {
        "id": _hex(r, "id", _ID),
        "kind": r["kind"],
        "name": _str(r, "name", 1000, empty=False),
        "qualname": _str(r, "qualname", 2000, empty=False),
        "path": safe_path(r["path"]),
        "start_line": _int(r, "start_line", 1),
        "end_line": _int(r, "end_line", 1),
        "code": _str(r, "code", MAX_CODE_CHARS),
        "summary": _str(r, "summary"),
        "meta": _meta(r, "meta"),
        "usage": _int(r, "usage", 0, 10**9),
        "content_hash": _hex(r, "content_hash", _HEX40),
    }
    if out["end_line"] < out["start_line"]:
        raise ValueError("end_line is before start_line")
    if pattern_id(out["path"], out["qualname"], out["kind"]) != out["id"]:
        raise ValueError(f"id {out['id']} does not match its path, qualname and kind")
    return out


def _check_vector(r: dict[str, Any], h: dict[str, Any]) -> dict[str, Any]:
    _exact(r, {"id", "text_hash", "vector"})
    raw = _str(r, "vector", MAX_DIM * 8)
    try:
        blob = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("vector is not base64") from None
    if len(blob) != 4 * h["dim"]:
        raise ValueError(f"vector has {len(blob) // 4} dimensions, the header's model has {h['dim']}")
    if not np.isfinite(np.frombuffer(blob, dtype="<f4")).all():
        raise ValueError("vector holds NaN or infinite values")
    return {"id": _hex(r, "id", _ID), "text_hash": _hex(r, "text_hash", _HEX40), "vector": raw}


def _check_fact(r: dict[str, Any], h: dict[str, Any]) -> dict[str, Any]:
    _exact(r, {"key", "category", "name", "value", "source_path", "source_line", "evidence", "origin"})
    if r["origin"] not in ("detected", "team"):
        raise ValueError(f"unknown origin {str(r['origin'])[:20]!r}")
    out = {
        "key": _str(r, "key", 200, empty=False),
        "category": _line_text(r, "category", 40, empty=False),
        "name": _line_text(r, "name", 100, empty=False),
        "value": _line_text(r, "value", MAX_FACT_CHARS, none=True),
        "source_path": _str(r, "source_path", MAX_PATH_CHARS),
        "source_line": _int(r, "source_line"),
        "evidence": _str(r, "evidence", 1000),
        "origin": r["origin"],
    }
    if out["origin"] == "detected" and out["source_path"]:
        safe_path(out["source_path"], "source_path")
    if out["key"] != f"{out['category']}:{out['name'].lower()}":
        raise ValueError("key does not match category:name")
    return out


def _check_convention(r: dict[str, Any], h: dict[str, Any]) -> dict[str, Any]:
    _exact(r, {"key", "topic", "statement", "rank", "data"})
    return {
        "key": _str(r, "key", 200, empty=False),
        "topic": _str(r, "topic", 100, empty=False),
        "statement": _str(r, "statement", 5000),
        "rank": _int(r, "rank", 0, MAX_RECORDS["convention"]),
        "data": _meta(r, "data"),
    }


def _check_curation(r: dict[str, Any], h: dict[str, Any]) -> dict[str, Any]:
    _exact(r, {"id", "kind", "path", "qualname", "content_hash", "pinned", "excluded", "note"})
    if r["kind"] not in PATTERN_KINDS:
        raise ValueError(f"unknown pattern kind {str(r['kind'])[:30]!r}")
    out = {
        "id": _hex(r, "id", _ID),
        "kind": r["kind"],
        "path": safe_path(r["path"]),
        "qualname": _str(r, "qualname", 2000, empty=False),
        "content_hash": _hex(r, "content_hash", _HEX40),
        "pinned": _bool(r, "pinned"),
        "excluded": _bool(r, "excluded"),
        "note": _line_text(r, "note", MAX_NOTE_CHARS),
    }
    if pattern_id(out["path"], out["qualname"], out["kind"]) != out["id"]:
        raise ValueError(f"id {out['id']} does not match its path, qualname and kind")
    if out["pinned"] and out["excluded"]:
        raise ValueError("a pattern cannot be both pinned and excluded")
    return out


def _check_exclusion(r: dict[str, Any], h: dict[str, Any]) -> dict[str, Any]:
    _exact(r, {"glob"})
    from memorybrain.curation import check_glob
    from memorybrain.errors import RequestError

    try:
        return {"glob": check_glob(_str(r, "glob", MAX_GLOB_CHARS, empty=False))}
    except RequestError as e:
        raise ValueError(e.message) from None


def _check_rule(r: dict[str, Any], h: dict[str, Any]) -> dict[str, Any]:
    _exact(r, {"id", "text", "position"})
    return {
        "id": _hex(r, "id", _RULE_ID),
        "text": _line_text(r, "text", MAX_RULE_CHARS, empty=False),
        "position": _int(r, "position", 0, 10**6),
    }


_CHECKS = {
    "file": _check_file,
    "pattern": _check_pattern,
    "vector": _check_vector,
    "fact": _check_fact,
    "convention": _check_convention,
    "curation": _check_curation,
    "exclusion": _check_exclusion,
    "rule": _check_rule,
}


# ---------------------------------------------------------------------- merge and diff


def merge(
    local: dict[str, Any], snap: Snapshot
) -> tuple[list[dict[str, Any]], list[str], list[dict[str, Any]], list[Fact], dict[str, Any]]:
    """Local curation wins; the snapshot's fills in what is missing; differences are conflicts.

    ``local`` holds the store's ``curation`` rows, ``exclusions``, ``rules`` and ``facts``
    (team), and ``hashes`` (id -> content hash of the local patterns). Returns the merged
    (curation, exclusions, rules, team facts, report).

    A pin both sides hold, where the team accepted the code this project has now (re-pinned
    after it changed) while the local pin still holds older code, takes the team's acceptance:
    ``report["accepted"]`` lists those ids. Other differences stay local.
    """
    report: dict[str, Any] = {
        "added": {"curation": 0, "exclusions": 0, "rules": 0, "facts": 0},
        "conflicts": [],
        "accepted": [],
    }
    rows = {r["id"]: r for r in local["curation"]}
    hashes = local.get("hashes") or {}
    for r in snap.records["curation"]:
        mine = rows.get(r["id"])
        if mine is None:
            rows[r["id"]] = r
            report["added"]["curation"] += 1
            continue
        now = hashes.get(r["id"])
        if mine["pinned"] and r["pinned"] and now and r["content_hash"] == now != mine["content_hash"]:
            rows[r["id"]] = {**mine, "content_hash": now}
            report["accepted"].append(r["id"])
        for key in ("pinned", "excluded", "note"):
            if bool(mine[key]) != bool(r[key]) or (key == "note" and (mine[key] or "") != (r[key] or "")):
                report["conflicts"].append(
                    {
                        "type": "curation",
                        "id": r["id"],
                        "field": key,
                        "local": mine[key],
                        "snapshot": r[key],
                        "kept": "local",
                    }
                )
    globs = list(local["exclusions"])
    for g in snap.records["exclusion"]:
        if g["glob"] not in globs:
            globs.append(g["glob"])
            report["added"]["exclusions"] += 1
    rules = list(local["rules"])
    known = {r["id"] for r in rules}
    for r in sorted(snap.records["rule"], key=lambda r: r["position"]):
        if r["id"] not in known:
            rules.append(r)
            known.add(r["id"])
            report["added"]["rules"] += 1
    facts = {f.key: f for f in local["facts"]}
    for f in snap.team_facts():
        mine = facts.get(f.key)
        if mine is None:
            facts[f.key] = f
            report["added"]["facts"] += 1
        elif mine.value != f.value:
            report["conflicts"].append(
                {"type": "fact", "key": f.key, "local": mine.value, "snapshot": f.value, "kept": "local"}
            )
    if len(rules) > MAX_RULES:
        raise SnapshotError(f"merging would give {len(rules)} rules, more than the limit of {MAX_RULES}")
    return sorted(rows.values(), key=lambda r: r["id"]), sorted(globs), rules, list(facts.values()), report


def diff(a: Snapshot, b: Snapshot) -> dict[str, Any]:
    """What changed from snapshot ``a`` to ``b``."""

    def keyed(s: Snapshot, t: str, key: str) -> dict[str, dict[str, Any]]:
        return {str(r[key]): r for r in s.records[t]}

    out: dict[str, Any] = {"from": _head(a), "to": _head(b)}
    pa, pb = keyed(a, "pattern", "id"), keyed(b, "pattern", "id")

    def brief(p: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": p["id"],
            "kind": p["kind"],
            "qualname": p["qualname"],
            "location": f"{p['path']}:{p['start_line']}-{p['end_line']}",
        }

    out["patterns"] = {
        "added": [brief(pb[i]) for i in sorted(set(pb) - set(pa))],
        "removed": [brief(pa[i]) for i in sorted(set(pa) - set(pb))],
        "changed": [brief(pb[i]) for i in sorted(set(pa) & set(pb)) if pa[i]["content_hash"] != pb[i]["content_hash"]],
        "moved": [
            brief(pb[i])
            for i in sorted(set(pa) & set(pb))
            if pa[i]["content_hash"] == pb[i]["content_hash"]
            and (pa[i]["path"], pa[i]["start_line"], pa[i]["end_line"])
            != (pb[i]["path"], pb[i]["start_line"], pb[i]["end_line"])
        ],
    }
    ra, rb = keyed(a, "rule", "id"), keyed(b, "rule", "id")
    out["rules"] = {
        "added": [rb[i]["text"] for i in rb if i not in ra],
        "removed": [ra[i]["text"] for i in ra if i not in rb],
    }
    fa, fb = keyed(a, "fact", "key"), keyed(b, "fact", "key")
    out["facts"] = {
        "added": [_fact_text(fb[k]) for k in sorted(set(fb) - set(fa))],
        "removed": [_fact_text(fa[k]) for k in sorted(set(fa) - set(fb))],
        "changed": [
            {"key": k, "from": fa[k]["value"], "to": fb[k]["value"], "origin": fb[k]["origin"]}
            for k in sorted(set(fa) & set(fb))
            if (fa[k]["value"], fa[k]["origin"]) != (fb[k]["value"], fb[k]["origin"])
        ],
    }
    ca, cb = keyed(a, "curation", "id"), keyed(b, "curation", "id")
    changes = []
    for i in sorted(set(ca) | set(cb)):
        x, y = ca.get(i, {}), cb.get(i, {})
        for key in ("pinned", "excluded", "note"):
            if (x.get(key) or False) != (y.get(key) or False):
                r = y or x
                changes.append(
                    {
                        "id": i,
                        "qualname": r["qualname"],
                        "path": r["path"],
                        "field": key,
                        "from": x.get(key) or False,
                        "to": y.get(key) or False,
                    }
                )
    out["curation"] = changes
    ga = {r["glob"] for r in a.records["exclusion"]}
    gb = {r["glob"] for r in b.records["exclusion"]}
    out["exclusions"] = {"added": sorted(gb - ga), "removed": sorted(ga - gb)}
    sa = {r["key"]: r["statement"] for r in a.records["convention"]}
    sb = {r["key"]: r["statement"] for r in b.records["convention"]}
    out["conventions"] = {
        "added": [sb[k] for k in sorted(set(sb) - set(sa))],
        "removed": [sa[k] for k in sorted(set(sa) - set(sb))],
        "changed": [{"from": sa[k], "to": sb[k]} for k in sorted(set(sa) & set(sb)) if sa[k] != sb[k]],
    }
    out["identical"] = not any(
        [
            *out["patterns"].values(),
            *out["rules"].values(),
            *out["facts"].values(),
            out["curation"],
            *out["exclusions"].values(),
            *out["conventions"].values(),
        ]
    )
    return out


def _head(s: Snapshot) -> dict[str, Any]:
    return {k: s.header.get(k) for k in ("project", "git_commit", "git_dirty", "model", "last_indexed", "counts")}


def describe(s: Snapshot) -> dict[str, Any]:
    """What a snapshot is: project, commit (and whether the tree had uncommitted changes),
    model, versions and record counts (``brain status --snapshot``)."""
    keys = (
        "schema",
        "project",
        "git_commit",
        "git_dirty",
        "model",
        "dim",
        "indexer_version",
        "linker_version",
        "counts",
        "body_bytes",
    )
    return {k: s.header.get(k) for k in keys}


def commit_label(head: dict[str, Any]) -> str:
    """``0123abcd… (uncommitted changes)``, the commit alone, or ``?`` when none was recorded."""
    commit = head.get("git_commit")
    if not commit:
        return "?"
    return f"{commit} (uncommitted changes)" if head.get("git_dirty") else commit


def _fact_text(f: dict[str, Any]) -> str:
    team = " (team)" if f["origin"] == "team" else ""
    return f"{f['key']} {f['value'] or ''}".rstrip() + team


def diff_text(d: dict[str, Any]) -> str:
    """The diff for people, one change per line (``+`` added, ``-`` removed, ``~`` changed)."""
    out = [f"snapshot diff: {commit_label(d['from'])} → {commit_label(d['to'])}"]
    if d["identical"]:
        return out[0] + "\nno differences\n"
    p = d["patterns"]
    for sign, key in (("+", "added"), ("-", "removed"), ("~", "changed"), (">", "moved")):
        for x in p[key]:
            out.append(f"{sign} pattern {x['kind']} {x['qualname']}  {x['location']}  ({key})")
    # the same order as before: rules, facts, curation, exclusions, conventions
    for section, label in (("rules", "rule"), ("facts", "fact")):
        out += [f"+ {label}: {x}" for x in d[section]["added"]]
        out += [f"- {label}: {x}" for x in d[section]["removed"]]
    out += [f"~ fact: {x['key']}: {x['from']} → {x['to']}" for x in d["facts"]["changed"]]
    out += [f"~ {x['field']}: {x['qualname']} ({x['path']}): {x['from']!r} → {x['to']!r}" for x in d["curation"]]
    for section, label in (("exclusions", "exclude"), ("conventions", "convention")):
        out += [f"+ {label}: {x}" for x in d[section]["added"]]
        out += [f"- {label}: {x}" for x in d[section]["removed"]]
    out += [f"~ convention: {x['from']} → {x['to']}" for x in d["conventions"]["changed"]]
    return "\n".join(out) + "\n"
