"""Team snapshots: determinism, round trip, packs from a snapshot alone, merge, diff, bad input.

Real SQLite files throughout; pack content with the real model.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import time
from pathlib import Path

import pytest
from conftest import FASTAPI_APP, copy_app

from memorybrain import Brain
from memorybrain import snapshot as snapshots
from memorybrain.errors import ReadOnlyError, SnapshotError
from memorybrain.models import pattern_id
from memorybrain.store import Store

REQUESTS = [
    "Add CRUD endpoints for notifications",
    "Add an admin-only DELETE for channels",
    "Write a test for the messages endpoint",
]
GET_USER = pattern_id("app/api/deps.py", "get_current_user", "dependency")
GET_DB = pattern_id("app/api/deps.py", "get_db", "dependency")

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def curated_template(tmp_path_factory, real_encoder):
    """The fixture app, indexed with the real model and curated; tests copy it."""
    root = copy_app(FASTAPI_APP, tmp_path_factory.mktemp("snap") / "app")
    with Brain.open(root, encoder=real_encoder) as brain:
        brain.index()
        brain.pin(GET_USER)
        brain.note(GET_USER, "the one auth dependency")
        brain.note(GET_DB, "sessions come from here")
        brain.exclude("app/legacy/**")
        brain.rule_add("All new endpoints use @rate_limit")
        brain.rule_add("Money is stored in cents")
        brain.fact_set("database:postgresql", "16, one schema per tenant")
    return root


@pytest.fixture
def project(curated_template, tmp_path) -> Path:
    root = tmp_path / "app"
    shutil.copytree(curated_template, root)
    return root


def store_state(db: Path) -> dict:
    """Every row of every table and the meta, read through the store."""
    with Store.open(db) as store:
        dump = store.dump()
        meta = {
            k: store.get_meta(k)
            for k in (
                "model",
                "dim",
                "last_indexed",
                "indexer_version",
                "linker_version",
                "schema_version",
                "root",
                "link_pending",
            )
        }
        return {
            "dump": dump,
            "meta": meta,
            "curation": store.curation(),
            "rules": store.rules(),
            "facts": store.facts(),
        }


def packs(brain: Brain) -> list[str]:
    out = []
    for request in REQUESTS:
        out.append(brain.context(request, budget=4000).to_markdown())
        out.append(brain.context(request, budget=1500, fmt="json").to_json())
    return out


# ---------------------------------------------------------------------- determinism and round trip


def test_two_exports_of_the_same_store_are_byte_identical(project, real_encoder, tmp_path):
    with Brain.open(project, encoder=real_encoder) as brain:
        first = brain.export_snapshot()
        second = brain.export_snapshot(tmp_path / "again.jsonl")
    a, b = Path(first["path"]).read_bytes(), Path(second["path"]).read_bytes()
    assert a == b and first["sha256"] == second["sha256"] == hashlib.sha256(a).hexdigest()
    assert first["path"] == str(project / ".brain" / "snapshot.jsonl")
    lines = a.decode().splitlines()
    header = json.loads(lines[0])
    assert header["schema"] == "memorybrain.snapshot/1" and header["model"] == "all-MiniLM-L6-v2"
    assert header["dim"] == 384 and header["project"] == "app"
    assert header["body_sha256"] == hashlib.sha256(a[a.index(b"\n") + 1 :]).hexdigest()
    records = [json.loads(x) for x in lines[1:]]
    order = [snapshots.TYPES.index(r["type"]) for r in records]
    assert order == sorted(order)  # grouped by type, sorted inside (diffable)
    assert header["counts"]["pattern"] == header["counts"]["vector"] > 50
    assert header["counts"]["curation"] == 2 and header["counts"]["rule"] == 2
    assert all(list(r) == sorted(r) for r in records)


def test_re_indexing_unchanged_code_leaves_the_export_byte_identical(project, real_encoder, tmp_path):
    with Brain.open(project, encoder=real_encoder) as brain:
        first = Path(brain.export_snapshot(tmp_path / "a.jsonl")["path"]).read_bytes()
        time.sleep(1.1)  # the store's last index time moves on
        brain.index()
        second = Path(brain.export_snapshot(tmp_path / "b.jsonl")["path"]).read_bytes()
    assert first == second
    # an import (of this or an older snapshot with a time) gives an indexed store
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    with Brain.open(fresh, encoder=real_encoder) as brain:
        brain.import_snapshot(tmp_path / "b.jsonl")
        assert brain.status()["last_indexed"]


def test_round_trip_into_a_fresh_store_gives_identical_packs_and_an_identical_export(project, real_encoder, tmp_path):
    with Brain.open(project, encoder=real_encoder) as brain:
        brain.rule_add("A rule removed again")  # leaves a gap in the rules' positions
        brain.rule_add("The last rule")
        brain.rule_remove("A rule removed again")
        info = brain.export_snapshot()
        expected = packs(brain)
    fresh = tmp_path / "elsewhere" / "app"  # same project name, no source at all
    fresh.mkdir(parents=True)
    with Brain.open(fresh, encoder=real_encoder) as brain:
        report = brain.import_snapshot(info["path"])
        assert report["index"] == "snapshot" and report["embedded"] == 0  # same model: no re-embedding
        assert report["vectors"] == "from snapshot"
        assert packs(brain) == expected
        again = brain.export_snapshot(tmp_path / "again.jsonl")
    assert Path(again["path"]).read_bytes() == Path(info["path"]).read_bytes()
    # importing wrote only the store under .brain/
    written = sorted(str(p.relative_to(fresh)) for p in fresh.rglob("*") if p.is_file())
    assert all(p.startswith(".brain/") for p in written), written


def test_packs_from_a_snapshot_alone_without_the_source_tree(project, real_encoder, tmp_path):
    with Brain.open(project, encoder=real_encoder) as brain:
        expected = packs(brain)
    team = tmp_path / "ci" / "snapshot.jsonl"
    team.parent.mkdir()
    with Brain.open(project, encoder=real_encoder) as brain:
        brain.export_snapshot(team)
    shutil.rmtree(project)  # no source tree, no project store
    before = sorted(tmp_path.rglob("*"))
    brain = Brain.from_snapshot(team, encoder=real_encoder)
    assert brain.read_only and brain.project_name == "app" and brain.snapshot_embedded == 0
    assert packs(brain) == expected
    md = brain.context(REQUESTS[0], budget=4000).to_markdown()
    assert "team-approved" in md and "All new endpoints use @rate_limit — team rule" in md
    status = brain.status()
    assert status["read_only"] and status["curation"]["pins"] == 1
    for change in (
        lambda: brain.pin(GET_DB),
        lambda: brain.rule_add("x"),
        lambda: brain.index(),
        lambda: brain.fact_set("a:b", "c"),
        lambda: brain.import_snapshot(team),
    ):
        with pytest.raises(ReadOnlyError):
            change()
    brain.close()
    assert sorted(tmp_path.rglob("*")) == before  # nothing written anywhere


def test_another_model_or_no_vectors_re_embeds_on_import(project, real_encoder, tmp_path, hashing_encoder):
    with Brain.open(project, encoder=real_encoder) as brain:
        bare = brain.export_snapshot(tmp_path / "bare.jsonl", vectors=False)
        full = brain.export_snapshot(tmp_path / "full.jsonl")
    header = json.loads(Path(bare["path"]).read_text().splitlines()[0])
    assert header["counts"]["vector"] == 0 and header["model"] is None
    assert bare["bytes"] < full["bytes"] / 2
    for i, info in enumerate((bare, full)):
        other = tmp_path / f"other{i}"
        other.mkdir()
        with Brain.open(other, encoder=hashing_encoder) as brain:
            report = brain.import_snapshot(info["path"])
            assert report["embedded"] == report["patterns"] > 50 and report["vectors"] == "re-embedded"
            assert brain.status()["model"] == hashing_encoder.name and brain.status()["dim"] == 64
            assert brain.context(REQUESTS[0], budget=2000).exemplars
    # a snapshot read with another local model than its vectors' is re-embedded in memory
    brain = Brain.from_snapshot(full["path"], encoder=hashing_encoder)
    assert brain.status()["model"] == hashing_encoder.name and brain.context(REQUESTS[0], budget=2000).exemplars
    brain.close()


# ---------------------------------------------------------------------- merge and replace


def test_merge_keeps_local_curation_and_reports_conflicts(project, real_encoder, tmp_path):
    with Brain.open(project, encoder=real_encoder) as brain:
        team = brain.export_snapshot(tmp_path / "team.jsonl")["path"]
    mine = tmp_path / "mine"
    shutil.copytree(project, mine)
    with Brain.open(mine, encoder=real_encoder) as brain:
        brain.exclude(GET_USER)  # the team pinned it
        brain.note(GET_DB, "my own note")
        brain.fact_set("database:postgresql", "15")
        brain.rule_remove("Money is stored in cents")
        brain.rule_add("Local rule")
        brain.include("app/legacy/**")
        report = brain.import_snapshot(team, mode="merge")
        assert report["index"] == "local"
        conflicts = {(c["type"], c.get("id") or c.get("key"), c.get("field")) for c in report["conflicts"]}
        assert conflicts == {
            ("curation", GET_USER, "pinned"),
            ("curation", GET_USER, "excluded"),
            ("curation", GET_DB, "note"),
            ("fact", "database:postgresql", None),
        }
        assert report["added"] == {"curation": 0, "exclusions": 1, "rules": 1, "facts": 0}
        cur = brain.curation()
        assert [r["id"] for r in cur["excluded"]] == [GET_USER] and cur["pins"] == []  # local kept
        assert {r["id"]: r["note"] for r in cur["notes"]}[GET_DB] == "my own note"
        assert [r["text"] for r in brain.rules()] == [
            "All new endpoints use @rate_limit",
            "Local rule",
            "Money is stored in cents",
        ]
        assert {f.key: f.value for f in brain.facts()}["database:postgresql"] == "15"
        assert cur["exclusion_globs"] == ["app/legacy/**"]

        report = brain.import_snapshot(team, mode="replace")
        assert report["index"] == "snapshot" and report["conflicts"] == []
        cur = brain.curation()
        assert [p["id"] for p in cur["pins"]] == [GET_USER] and cur["excluded"] == []
        assert [r["text"] for r in brain.rules()] == ["All new endpoints use @rate_limit", "Money is stored in cents"]
        assert {f.key: f.value for f in brain.facts()}["database:postgresql"] == "16, one schema per tenant"


def test_a_snapshot_pin_on_changed_local_code_is_stale_after_merge(project, real_encoder, tmp_path):
    with Brain.open(project, encoder=real_encoder) as brain:
        team = brain.export_snapshot(tmp_path / "team.jsonl")["path"]
        brain.unpin(GET_USER)
        brain.note(GET_USER, None)  # nothing curated locally for it: the team's pin comes in
        deps = project / "app" / "api" / "deps.py"
        deps.write_text(deps.read_text().replace("def get_current_user(", "def get_current_user(  # local\n    ", 1))
        brain.index()
        report = brain.import_snapshot(team)
        assert report["stale_pins"] == 1
        assert [(s["id"], s["stale"]) for s in brain.status()["stale_pins"]] == [(GET_USER, "changed")]


def test_merge_takes_the_teams_acceptance_of_changed_code(project, real_encoder, tmp_path):
    # Bob holds the team's pin; the code changes; Alice re-pins (accepts it) and exports
    bob = tmp_path / "bob"
    shutil.copytree(project, bob)
    for root in (project, bob):
        deps = root / "app" / "api" / "deps.py"
        deps.write_text(deps.read_text().replace("def get_current_user(", "def get_current_user(  # v2\n    ", 1))
    with Brain.open(project, encoder=real_encoder) as alice:
        alice.index()
        alice.pin(GET_USER)
        team = alice.export_snapshot(tmp_path / "team.jsonl")["path"]
    with Brain.open(bob, encoder=real_encoder) as brain:
        brain.index()
        assert [s["id"] for s in brain.status()["stale_pins"]] == [GET_USER]
        report = brain.import_snapshot(team)
        assert report["accepted"] == [GET_USER] and report["conflicts"] == [] and report["stale_pins"] == 0
        assert brain.status()["stale_pins"] == []
        # a team acceptance of other code than Bob has does not touch Bob's pin
        deps = bob / "app" / "api" / "deps.py"
        deps.write_text(deps.read_text().replace("# v2", "# v3", 1))
        brain.index()
        report = brain.import_snapshot(team)
        assert report["accepted"] == [] and report["stale_pins"] == 1


# ---------------------------------------------------------------------- diff


def test_diff_shows_patterns_rules_facts_and_curation(project, real_encoder, tmp_path):
    with Brain.open(project, encoder=real_encoder) as brain:
        a = brain.export_snapshot(tmp_path / "a.jsonl")["path"]
        deps = project / "app" / "api" / "deps.py"
        deps.write_text(deps.read_text().replace("def get_db(", "def get_db(  # changed\n    ", 1))
        (project / "app" / "api" / "extra.py").write_text("def brand_new_helper(x):\n    return x\n")
        (project / "app" / "core" / "pagination.py").unlink()
        brain.index()
        brain.rule_add("Every list endpoint paginates")
        brain.rule_remove("Money is stored in cents")
        brain.fact_set("database:postgresql", "17")
        brain.unpin(GET_USER)
        b = brain.export_snapshot(tmp_path / "b.jsonl")["path"]
    d = snapshots.diff(snapshots.read(a), snapshots.read(b))
    assert not d["identical"]
    assert [p["qualname"] for p in d["patterns"]["added"]] == ["brand_new_helper"]
    assert {p["qualname"] for p in d["patterns"]["removed"]} >= {"paginate", "Page"}
    assert "get_db" in {p["qualname"] for p in d["patterns"]["changed"]}
    assert d["rules"] == {"added": ["Every list endpoint paginates"], "removed": ["Money is stored in cents"]}
    assert {"key": "database:postgresql", "from": "16, one schema per tenant", "to": "17", "origin": "team"} in d[
        "facts"
    ]["changed"]
    assert {
        "id": GET_USER,
        "qualname": "get_current_user",
        "path": "app/api/deps.py",
        "field": "pinned",
        "from": True,
        "to": False,
    } in d["curation"]
    text = snapshots.diff_text(d)
    assert "+ pattern function brand_new_helper" in text and "+ rule: Every list endpoint paginates" in text
    assert "~ fact: database:postgresql: 16, one schema per tenant → 17" in text
    same = snapshots.diff(snapshots.read(a), snapshots.read(a))
    assert same["identical"] and snapshots.diff_text(same).endswith("no differences\n")


# ---------------------------------------------------------------------- bad input


def _split(data: bytes) -> tuple[dict, list[dict]]:
    lines = data.decode().splitlines()
    return json.loads(lines[0]), [json.loads(x) for x in lines[1:]]


def _write(header: dict, records: list[dict], *, fix: bool = True) -> bytes:
    """Re-serialise, with counts and checksum made consistent again (so only the planted flaw fails)."""
    body = b"".join(snapshots._line(r) for r in records)
    if fix:
        header = {**header, "body_sha256": hashlib.sha256(body).hexdigest(), "body_bytes": len(body)}
        counts = dict.fromkeys(snapshots.TYPES, 0)
        for r in records:
            if r["type"] in counts:
                counts[r["type"]] += 1
        header["counts"] = {**counts, **header.get("_counts", {})}
        header.pop("_counts", None)
    return snapshots._line(header) + body


def _first(records: list[dict], kind: str) -> dict:
    return next(r for r in records if r["type"] == kind)


def flaw_checksum(data: bytes) -> bytes:
    i = data.index(b'"code":"') + 10
    return data[:i] + (b"X" if data[i : i + 1] != b"X" else b"Y") + data[i + 1 :]


def flaw_truncated(data: bytes) -> bytes:
    return data[: len(data) * 2 // 3]


def flaw_truncated_header(data: bytes) -> bytes:
    return data[:40]


def flaw_future_version(data: bytes) -> bytes:
    header, records = _split(data)
    return _write({**header, "schema": "memorybrain.snapshot/2"}, records)


def flaw_unknown_schema(data: bytes) -> bytes:
    header, records = _split(data)
    return _write({**header, "schema": "somebody.else/1"}, records)


def flaw_wrong_dimension(data: bytes) -> bytes:
    header, records = _split(data)
    return _write({**header, "dim": 512}, records)


def flaw_short_vector(data: bytes) -> bytes:
    header, records = _split(data)
    v = _first(records, "vector")
    v["vector"] = base64.b64encode(base64.b64decode(v["vector"])[:-4]).decode()
    return _write(header, records)


def flaw_nan_vector(data: bytes) -> bytes:
    header, records = _split(data)
    v = _first(records, "vector")
    raw = bytearray(base64.b64decode(v["vector"]))
    raw[0:4] = b"\x00\x00\xc0\x7f"  # NaN
    v["vector"] = base64.b64encode(bytes(raw)).decode()
    return _write(header, records)


def flaw_absurd_count(data: bytes) -> bytes:
    header, records = _split(data)
    return _write({**header, "_counts": {"pattern": 10**12}}, records)


def flaw_absurd_code(data: bytes) -> bytes:
    header, records = _split(data)
    _first(records, "pattern")["code"] = "x = 1\n" * 200_000  # 1.2 MB of code in one pattern
    return _write(header, records)


def flaw_absurd_line_number(data: bytes) -> bytes:
    header, records = _split(data)
    _first(records, "pattern")["end_line"] = 10**15
    return _write(header, records)


def _repath(records: list[dict], path: str) -> None:
    p = _first(records, "pattern")
    p["path"] = path
    p["id"] = pattern_id(path, p["qualname"], p["kind"])  # consistent id: only the path is wrong


def flaw_dotdot_path(data: bytes) -> bytes:
    header, records = _split(data)
    _repath(records, "../../etc/passwd")
    return _write(header, records)


def flaw_absolute_path(data: bytes) -> bytes:
    header, records = _split(data)
    _repath(records, "/etc/passwd")
    return _write(header, records)


def flaw_file_dotdot_path(data: bytes) -> bytes:
    header, records = _split(data)
    _first(records, "file")["path"] = "app/../../outside.py"
    return _write(header, records)


def flaw_invalid_utf8(data: bytes) -> bytes:
    header, _records = _split(data)
    end = data.index(b"\n") + 1
    body = data[end:]
    i = body.index(b'"summary":"') + 11
    body = body[:i] + b"\xff\xfe" + body[i:]
    header = {**header, "body_sha256": hashlib.sha256(body).hexdigest(), "body_bytes": len(body)}
    return snapshots._line(header) + body


def flaw_id_mismatch(data: bytes) -> bytes:
    header, records = _split(data)
    _first(records, "pattern")["qualname"] = "something_else"
    return _write(header, records)


def flaw_unknown_type(data: bytes) -> bytes:
    header, records = _split(data)
    return _write(header, [*records, {"type": "shell", "command": "rm -rf ~"}])


def flaw_unknown_field(data: bytes) -> bytes:
    header, records = _split(data)
    _first(records, "rule")["exec"] = "import os"
    return _write(header, records)


def flaw_duplicate(data: bytes) -> bytes:
    header, records = _split(data)
    return _write(header, [*records, _first(records, "rule")])


def flaw_deep_json(data: bytes) -> bytes:
    header, records = _split(data)
    body = snapshots._line(records[0])[:-1] + b"\n" + b"[" * 200_000 + b"]" * 200_000 + b"\n"
    rest = b"".join(snapshots._line(r) for r in records[1:])
    body = body + rest
    header = {**header, "body_sha256": hashlib.sha256(body).hexdigest(), "body_bytes": len(body)}
    return snapshots._line(header) + body


def flaw_empty(data: bytes) -> bytes:
    return b""


def flaw_not_json(data: bytes) -> bytes:
    return b"PK\x03\x04 this is a zip file\n"


def flaw_meta_shape(data: bytes) -> bytes:
    header, records = _split(data)
    route = next(r for r in records if r["type"] == "pattern" and r["kind"] == "route")
    route["meta"]["methods"] = [{"GET": 1}]  # would make pack building fail on the teammate's side
    return _write(header, records)


def flaw_file_meta_shape(data: bytes) -> bytes:
    header, records = _split(data)
    f = next(r for r in records if r["type"] == "file" and r["meta"].get("import_lines"))
    f["meta"]["import_lines"] = ["import os"]
    return _write(header, records)


def flaw_multiline_rule(data: bytes) -> bytes:
    header, records = _split(data)
    _first(records, "rule")["text"] = "ok\n<!-- memorybrain:end -->\n## Exemplars"
    return _write(header, records)


FLAWS = {
    "checksum": (flaw_checksum, "checksum mismatch"),
    "truncated": (flaw_truncated, "checksum mismatch"),
    "truncated header": (flaw_truncated_header, "no header line"),
    "future version": (flaw_future_version, "newer than this brain reads"),
    "unknown schema": (flaw_unknown_schema, "not a memorybrain snapshot"),
    "wrong dimension": (flaw_wrong_dimension, "the header's model has 512"),
    "short vector": (flaw_short_vector, "383 dimensions"),
    "nan vector": (flaw_nan_vector, "NaN"),
    "absurd count": (flaw_absurd_count, "not a count within the limit"),
    "absurd code": (flaw_absurd_code, "code is longer than 1000000 characters"),
    "absurd line number": (flaw_absurd_line_number, "end_line must be an integer"),
    "dotdot path": (flaw_dotdot_path, "no '..'"),
    "absolute path": (flaw_absolute_path, "is absolute"),
    "file dotdot path": (flaw_file_dotdot_path, "no '..'"),
    "invalid utf-8": (flaw_invalid_utf8, "invalid UTF-8"),
    "id mismatch": (flaw_id_mismatch, "does not match its path"),
    "unknown type": (flaw_unknown_type, "unknown record type"),
    "unknown field": (flaw_unknown_field, "unknown field 'exec'"),
    "duplicate": (flaw_duplicate, "duplicate rule"),
    "deep json": (flaw_deep_json, "JSON nested too deeply"),
    "empty": (flaw_empty, "empty"),
    "not json": (flaw_not_json, "not JSON"),
    "pattern meta shape": (flaw_meta_shape, "meta.methods does not have the shape"),
    "file meta shape": (flaw_file_meta_shape, "meta.import_lines does not have the shape"),
    "multi-line rule": (flaw_multiline_rule, "text contains a line break"),
}


@pytest.fixture(scope="module")
def good_snapshot(curated_template, tmp_path_factory, real_encoder) -> bytes:
    path = tmp_path_factory.mktemp("good") / "snapshot.jsonl"
    with Brain.open(curated_template, encoder=real_encoder) as brain:
        brain.export_snapshot(path)
    data = path.read_bytes()
    snapshots.parse(data)  # the untouched file is fine
    return data


@pytest.mark.parametrize("mode", ["merge", "replace"])
@pytest.mark.parametrize("flaw", sorted(FLAWS))
def test_a_bad_snapshot_is_refused_and_the_store_is_unchanged(
    flaw, mode, good_snapshot, project, real_encoder, tmp_path
):
    make, words = FLAWS[flaw]
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(make(good_snapshot))
    db = project / ".brain" / "brain.db"
    before = store_state(db)
    files_before = sorted(p.relative_to(project) for p in project.rglob("*"))
    with Brain.open(project, encoder=real_encoder) as brain:
        brain.context(REQUESTS[0], budget=1000)
        with pytest.raises(SnapshotError) as err:
            brain.import_snapshot(bad, mode=mode)
    assert words in str(err.value), str(err.value)
    assert store_state(db) == before
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == files_before
    with pytest.raises(SnapshotError):
        Brain.from_snapshot(bad, encoder=real_encoder)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(good_snapshot, tmp_path, monkeypatch):
    path = tmp_path / "big.jsonl"
    path.write_bytes(good_snapshot)
    monkeypatch.setattr(snapshots, "MAX_BYTES", len(good_snapshot) - 1)
    with pytest.raises(SnapshotError, match="larger than the"):
        snapshots.read(path)
    with pytest.raises(SnapshotError, match="cannot read snapshot"):
        snapshots.read(tmp_path / "missing.jsonl")
    with pytest.raises(SnapshotError, match="not a file"):
        snapshots.read(tmp_path)


def test_a_failure_while_writing_rolls_the_whole_import_back(project, real_encoder, tmp_path, monkeypatch):
    team = tmp_path / "team.jsonl"
    with Brain.open(project, encoder=real_encoder) as brain:
        brain.export_snapshot(team)
        brain.rule_add("A rule written after the export")
        brain.unpin(GET_USER)
    db = project / ".brain" / "brain.db"
    before = store_state(db)

    def explode(self, row):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Store, "_write_curation", explode)
    with Brain.open(project, encoder=real_encoder) as brain, pytest.raises(RuntimeError):
        brain.import_snapshot(team, mode="replace")  # index rows were already written when it failed
    assert store_state(db) == before


def test_the_git_commit_is_read_from_dot_git_without_running_git(tmp_path):
    sha = "0123456789abcdef0123456789abcdef01234567"
    other = "89abcdef0123456789abcdef0123456789abcdef"
    repo = tmp_path / "repo"
    (repo / ".git" / "refs" / "heads").mkdir(parents=True)
    assert snapshots.git_commit(tmp_path / "nothing") is None
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    assert snapshots.git_commit(repo) is None  # an unborn branch
    (repo / ".git" / "packed-refs").write_text(f"# pack-refs with: peeled\n{other} refs/heads/main\n")
    assert snapshots.git_commit(repo) == other
    (repo / ".git" / "refs" / "heads" / "main").write_text(sha + "\n")
    assert snapshots.git_commit(repo) == sha  # a loose ref wins over packed-refs
    (repo / ".git" / "HEAD").write_text(other + "\n")
    assert snapshots.git_commit(repo) == other  # detached
    worktree = tmp_path / "wt"
    gitdir = repo / ".git" / "worktrees" / "wt"
    gitdir.mkdir(parents=True)
    (gitdir / "HEAD").write_text("ref: refs/heads/main\n")
    (gitdir / "commondir").write_text("../..\n")
    worktree.mkdir()
    (worktree / ".git").write_text(f"gitdir: {gitdir}\n")
    assert snapshots.git_commit(worktree) == sha


def test_the_export_records_the_projects_commit(project, real_encoder):
    sha = "0123456789abcdef0123456789abcdef01234567"
    (project / ".git").mkdir()
    (project / ".git" / "HEAD").write_text(sha + "\n")
    with Brain.open(project, encoder=real_encoder) as brain:
        info = brain.export_snapshot()
    assert info["git_commit"] == sha
    assert snapshots.read(info["path"]).header["git_commit"] == sha
