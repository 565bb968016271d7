"""Team curation: pins, exclusions, notes, rules, team facts, stale pins, and what packs make of them.

Pack content is checked with the real model on real SQLite files (copies of the fixture app).
"""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import FASTAPI_APP, copy_app

from memorybrain import Brain
from memorybrain.errors import PatternNotFoundError, RequestError
from memorybrain.models import pattern_id

REQUEST = "Add CRUD endpoints for notifications"
GET_USER = pattern_id("app/api/deps.py", "get_current_user", "dependency")

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def indexed_template(tmp_path_factory, real_encoder):
    """The fixture app indexed once with the real model; tests copy it (project and store)."""
    root = copy_app(FASTAPI_APP, tmp_path_factory.mktemp("cur") / "app")
    with Brain.open(root, encoder=real_encoder) as brain:
        brain.index()
    return root


@pytest.fixture
def brain(indexed_template, tmp_path, real_encoder):
    root = tmp_path / "app"
    shutil.copytree(indexed_template, root)
    b = Brain.open(root, encoder=real_encoder)
    yield b
    b.close()


def schema_ids(pack) -> list[str]:
    return [ex.pattern.id for ex in pack.exemplars if ex.pattern.kind == "schema"]


def test_a_store_without_curation_gives_the_pack_it_always_did(brain):
    pack = brain.context(REQUEST, budget=4000)
    md = pack.to_markdown()
    assert "Team curation" not in md and "team-approved" not in md and "team rule" not in md
    doc = pack.to_dict()
    assert doc["schema"] == "memorybrain.pack/1"
    assert doc["curation"] == {"used": [], "left_out": [], "excluded_patterns": 0}
    assert not any(e["team_approved"] or e["note"] for e in doc["exemplars"])


def test_a_pinned_pattern_comes_first_of_its_kind_marked_and_with_its_note(brain):
    before = brain.context(REQUEST, budget=4000)
    leader = schema_ids(before)[0]  # the closest resource's schema leads by default
    closest = before.exemplars[0].pattern.path
    target = next(p for p in brain.patterns(kind="schema") if p.id != leader and p.path != closest)
    brain.pin(target.id)
    brain.note(target.id, "use this one, not the v1 serializer")
    pack = brain.context(REQUEST, budget=4000)
    assert schema_ids(pack)[0] == target.id and leader in schema_ids(pack)
    ex = next(e for e in pack.exemplars if e.pattern.id == target.id)
    assert ex.team_approved and ex.note == "use this one, not the v1 serializer" and not ex.stale
    md = pack.to_markdown()
    assert f"`{target.qualname}` — {target.location} · team-approved" in md
    assert "> Team note: use this one, not the v1 serializer" in md
    assert "## Team curation" in md and f"pin `{target.qualname}`" in md.split("## Team curation")[1]
    doc = pack.to_dict()
    entry = next(e for e in doc["exemplars"] if e["id"] == target.id)
    assert entry["team_approved"] is True and entry["note"].startswith("use this one")
    pin = {"type": "pin", "id": target.id, "name": target.qualname, "path": target.path}
    assert pin in doc["curation"]["used"]
    # a request whose pack has no schema at all: the pin is left out, and the pack says why
    doc = brain.context("Add a request-id middleware", budget=4000, kinds=("middleware",)).to_dict()
    assert {**pin, "why": "no schema exemplar in this pack"} in doc["curation"]["left_out"]
    brain.unpin(target.id)
    assert pin not in brain.context(REQUEST, budget=4000).to_dict()["curation"]["used"]


def test_excluded_ids_and_globs_never_appear_and_include_undoes_it(brain):
    pack = brain.context(REQUEST, budget=4000)
    closest = next(ex.pattern.path for ex in pack.exemplars if ex.role == "closest resource")
    assert closest.startswith("app/api/routes/")
    result = brain.exclude(closest)
    assert result["kind"] == "glob" and result["patterns"] >= 5
    brain.exclude(GET_USER)
    for budget in (1000, 4000, 16000):
        pack = brain.context(REQUEST, budget=budget)
        assert all(ex.pattern.path != closest for ex in pack.exemplars)
        assert all(ex.pattern.id != GET_USER for ex in pack.exemplars)
        assert pack.to_dict()["curation"]["excluded_patterns"] >= 6
    # the pack still has a closest resource: the next one
    nearest = [ex for ex in brain.context(REQUEST, budget=4000).exemplars if ex.role == "closest resource"]
    assert nearest and all(ex.pattern.path != closest for ex in nearest)
    brain.include(closest)
    brain.include(GET_USER)
    pack = brain.context(REQUEST, budget=4000)
    assert closest in {ex.pattern.path for ex in pack.exemplars if ex.role == "closest resource"}
    assert GET_USER in {ex.pattern.id for ex in pack.exemplars}


def test_a_pin_beats_an_exclusion_glob(brain):
    leader, *others = schema_ids(brain.context(REQUEST, budget=4000))
    brain.exclude("app/schemas/**")
    assert not schema_ids(brain.context(REQUEST, budget=4000))
    brain.pin(leader)
    ids = schema_ids(brain.context(REQUEST, budget=4000))
    assert leader in ids and not set(others) & set(ids)


def test_rules_and_team_facts_are_in_the_pack_marked_as_the_teams(brain):
    rule = brain.rule_add("All new endpoints use @rate_limit")
    brain.fact_set("database:postgresql", "16, one schema per tenant")
    pack = brain.context(REQUEST, budget=4000)
    md = pack.to_markdown()
    conventions = md.split("## Conventions")[1]
    assert conventions.lstrip().startswith("- All new endpoints use @rate_limit — team rule")
    stack = md.split("## Stack")[1].split("##")[0]
    assert stack.lstrip().startswith("- database: **postgresql** 16, one schema per tenant (team) — set by the team")
    doc = pack.to_dict()
    assert doc["conventions"][0] == {
        "key": f"team:{rule['id']}",
        "topic": "team",
        "statement": "All new endpoints use @rate_limit",
        "count": None,
        "total": None,
        "origin": "team",
    }
    assert doc["stack"][0]["origin"] == "team"
    used = doc["curation"]["used"]
    assert {"type": "rule", "id": rule["id"], "text": rule["text"]} in used
    assert {"type": "fact", "key": "database:postgresql", "value": "16, one schema per tenant"} in used
    assert [r["id"] for r in brain.rules()] == [rule["id"]]
    assert brain.rule_add("All new endpoints use @rate_limit")["added"] is False  # same text, same rule
    brain.rule_remove(rule["id"])
    assert "team rule" not in brain.context(REQUEST, budget=4000).to_markdown()


def test_a_team_fact_wins_over_the_detected_one_and_survives_reindexing(brain):
    detected = {f.key: f for f in brain.facts()}
    assert detected["framework:fastapi"].origin == "detected"
    brain.fact_set("framework:fastapi", "0.115 — pinned below 0.116 until the lifespan migration")
    brain.index()
    (root := brain.config.root / "app" / "main.py").write_text(root.read_text() + "\n# touched\n")
    brain.index()
    facts = {f.key: f for f in brain.facts()}
    assert facts["framework:fastapi"].origin == "team"
    assert facts["framework:fastapi"].value.startswith("0.115 — pinned")
    assert brain.fact_unset("framework:fastapi")
    brain.index()
    # the next full relink brings the detected fact back
    (brain.config.root / "pyproject.toml").write_text((brain.config.root / "pyproject.toml").read_text() + "\n")
    brain.index()
    assert {f.key: f for f in brain.facts()}["framework:fastapi"].origin == "detected"


def test_curation_survives_reindexing_and_changed_or_missing_pins_are_stale(brain):
    brain.pin(GET_USER)
    brain.note(GET_USER, "the one auth dependency")
    brain.rule_add("Every list endpoint paginates")
    brain.exclude("app/legacy/**")
    brain.index()
    cur = brain.curation()
    assert [p["id"] for p in cur["pins"]] == [GET_USER] and not cur["stale_pins"]
    assert cur["notes"][0]["note"] == "the one auth dependency" and cur["exclusion_globs"] == ["app/legacy/**"]

    deps = brain.config.root / "app" / "api" / "deps.py"
    original = deps.read_text()
    changed = original.replace("def get_current_user(", "def get_current_user(  # changed\n    ", 1)
    deps.write_text(changed)
    brain.index()
    stale = brain.status()["stale_pins"]
    assert [(s["id"], s["stale"]) for s in stale] == [(GET_USER, "changed")]
    pack = brain.context("Add an endpoint that needs the current user", budget=4000)
    ex = next((e for e in pack.exemplars if e.pattern.id == GET_USER), None)
    assert ex is not None and ex.team_approved and ex.stale
    assert "team-approved (code changed since pinned)" in pack.to_markdown()
    brain.pin(GET_USER)  # accept the new code
    assert brain.status()["stale_pins"] == []

    deps.unlink()
    brain.index()
    stale = brain.status()["stale_pins"]
    assert [(s["id"], s["stale"]) for s in stale] == [(GET_USER, "missing")]
    assert brain.curation()["pins"][0]["id"] == GET_USER  # kept
    doc = brain.context(REQUEST, budget=4000).to_dict()
    assert {
        "type": "pin",
        "id": GET_USER,
        "name": "get_current_user",
        "path": "app/api/deps.py",
        "why": "pattern missing (stale pin)",
    } in doc["curation"]["left_out"]
    assert brain.note(GET_USER, "gone, but the note may still be edited")["note"].startswith("gone")
    deps.write_text(changed)
    brain.index()
    assert brain.status()["stale_pins"] == []  # back as it was when pinned again
    deps.write_text(original)
    brain.index()
    assert [s["stale"] for s in brain.status()["stale_pins"]] == ["changed"]


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_packs_with_curation_never_exceed_the_budget(brain, fmt):
    for i in range(40):
        brain.rule_add(f"Rule number {i}: " + "always do the documented thing " * 8)
    for i, p in enumerate(brain.patterns()[:30]):
        if i % 2:
            brain.pin(p.id)
        brain.note(p.id, f"note {i} " + "x" * 300)
    brain.fact_set("other:tenancy", "schema per tenant")
    for budget in (200, 400, 800, 1500, 4000, 12000):
        pack = brain.context(REQUEST, budget=budget, fmt=fmt)
        assert pack.tokens <= budget, (budget, pack.tokens)
        doc = pack.to_dict()
        if budget <= 1500:
            assert any(e["why"] == "budget" for e in doc["curation"]["left_out"])
        assert len(pack.render(fmt)) <= budget * 4


def test_curation_refuses_bad_input_with_clear_errors(brain):
    with pytest.raises(PatternNotFoundError):
        brain.pin("000000000000")
    with pytest.raises(PatternNotFoundError):
        brain.exclude("000000000000")
    with pytest.raises(RequestError, match="empty"):
        brain.rule_add("   ")
    with pytest.raises(RequestError, match="longer than 500"):
        brain.rule_add("x" * 501)
    with pytest.raises(RequestError, match="not a fact key"):
        brain.fact_set("Bad Key:!", "x")
    with pytest.raises(RequestError, match="not a usable path glob"):
        brain.exclude("!")
    assert brain.include("never/excluded/**")["changed"] is False
    assert brain.rule_remove("deadbeef") is None
    with pytest.raises(RequestError, match="longer than 500"):
        brain.note(GET_USER, "n" * 501)
    assert brain.curation()["pins"] == [] and brain.rules() == []


def test_pin_and_exclude_of_one_id_are_exclusive(brain):
    brain.pin(GET_USER)
    brain.exclude(GET_USER)
    cur = brain.curation()
    assert cur["pins"] == [] and [r["id"] for r in cur["excluded"]] == [GET_USER]
    brain.pin(GET_USER)
    cur = brain.curation()
    assert [p["id"] for p in cur["pins"]] == [GET_USER] and cur["excluded"] == []
    json.dumps(cur)  # serialisable as is (HTTP and --json)


# ---------------------------------------------------------------------- pins of kinds retrieval did not pick

HANDLER = pattern_id("app/core/upstream.py", "upstream_timeout_handler", "error_handler")
ADMIN = pattern_id("app/api/deps.py", "require_admin", "dependency")
UPSTREAM = '''"""Calls to the billing provider."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI()


class UpstreamTimeout(Exception):
    """The billing provider did not answer in time."""


@app.exception_handler(UpstreamTimeout)
async def upstream_timeout_handler(request: Request, exc: UpstreamTimeout) -> JSONResponse:
    return JSONResponse(status_code=504, content={"detail": "the billing provider timed out"})
'''


@pytest.fixture
def no_error_handlers(brain):
    """The project's error module excluded (legacy), plus a handler retrieval never picks for
    an endpoint request: no error handler or exception is among the pack's candidates at all."""
    (brain.config.root / "app/core/upstream.py").write_text(UPSTREAM, encoding="utf-8")
    brain.index()
    brain.exclude("app/core/errors.py")
    pack = brain.context(REQUEST, budget=64000)
    assert not [ex for ex in pack.exemplars if ex.pattern.kind in ("error_handler", "exception")]
    return brain


def test_relevant_kinds_of_a_request():
    from memorybrain.curation import ENDPOINT_KINDS, relevant_kinds

    for request in ("Add CRUD endpoints for invoices", "Add a GET route for archived items", "Let users star a repo"):
        assert relevant_kinds(request) >= ENDPOINT_KINDS, request
    assert relevant_kinds("Add a celery task that emails weekly summaries") == frozenset()
    assert relevant_kinds("Add a CLI command to delete stale drafts") == frozenset()  # a verb, not DELETE
    assert relevant_kinds("Add a DELETE for stale drafts") >= ENDPOINT_KINDS
    assert relevant_kinds("Write a migration adding a column to bills") == {"model", "schema"}
    assert relevant_kinds("Add a request-id middleware") == {"middleware"}
    assert "middleware" in relevant_kinds("Add an endpoint and a middleware that logs its timing")


def test_a_pin_of_a_kind_retrieval_did_not_pick_joins_an_endpoint_pack(no_error_handlers):
    brain = no_error_handlers
    brain.pin(HANDLER)
    for fmt in ("md", "json"):
        pack = brain.context(REQUEST, budget=4000, fmt=fmt)
        assert pack.tokens <= 4000
        ex = next(ex for ex in pack.exemplars if ex.pattern.id == HANDLER)
        assert ex.team_approved and ex.role == "pinned error_handler"
        assert [e.pattern.kind for e in pack.exemplars].count("error_handler") == 1
        doc = pack.to_dict()
        assert {"type": "pin", "id": HANDLER, "name": "upstream_timeout_handler", "path": "app/core/upstream.py"} in (
            doc["curation"]["used"]
        )
        assert not [e for e in doc["curation"]["left_out"] if e.get("id") == HANDLER]
    assert "upstream_timeout_handler` — app/core/upstream.py" in brain.context(REQUEST, budget=4000).to_markdown()


def test_pinned_patterns_lead_within_the_budget_and_the_record_stays_honest(no_error_handlers):
    # require_admin is not what retrieval puts first; pinned, it comes right after the closest route
    brain = no_error_handlers
    brain.pin(ADMIN)
    brain.pin(HANDLER)
    for budget in (1200, 2000, 4000):
        pack = brain.context(REQUEST, budget=budget)
        assert pack.tokens <= budget
        ids = [ex.pattern.id for ex in pack.exemplars]
        doc = pack.to_dict()
        used = {e["id"] for e in doc["curation"]["used"] if e["type"] == "pin"}
        left = {e["id"]: e["why"] for e in doc["curation"]["left_out"] if e["type"] == "pin"}
        assert used | set(left) == {ADMIN, HANDLER} and not used & set(left)
        assert used == {ADMIN, HANDLER} & set(ids)
        assert set(left.values()) <= {"budget"}
        if budget >= 2000:
            assert ids[0] != ADMIN and pack.exemplars[0].pattern.kind == "route"
            assert ids[1:3] == [ADMIN, HANDLER]  # dependency before error handler, both before the rest


def test_a_pin_no_kind_of_the_request_needs_is_left_out_and_says_why(no_error_handlers):
    brain = no_error_handlers
    brain.pin(HANDLER)
    doc = brain.context("Add a celery task that emails weekly summaries", budget=4000).to_dict()
    assert HANDLER not in {e["id"] for e in doc["exemplars"]}
    entry = next(e for e in doc["curation"]["left_out"] if e.get("id") == HANDLER)
    assert entry["why"] == "error_handler is not a kind this request needs"


# ---------------------------------------------------------------------- naming a pattern


def test_a_pattern_is_named_by_id_prefix_or_path_and_qualname(brain):
    assert brain.pin(GET_USER[:6])["id"] == GET_USER
    assert brain.unpin("app/api/deps.py:get_current_user")
    p = brain.pattern(GET_USER)
    assert brain.pin(f"app/api/deps.py:{p.start_line}-{p.end_line}")["id"] == GET_USER
    assert brain.pattern("app/api/deps.py:get_current_user").id == GET_USER
    assert brain.note("app/api/deps.py:get_current_user", "the one")["id"] == GET_USER
    assert brain.exclude("app/api/deps.py:require_admin")["kind"] == "id"
    assert brain.include("app/api/deps.py:require_admin")["changed"]
    # a method named by its last part, when that is unique in the file
    route = next(p for p in brain.patterns(kind="route") if "." not in p.qualname)
    assert brain.pattern(f"{route.path}:{route.qualname}").id == route.id
    # ambiguous or unknown: clear errors that list what there is. A curated pattern that is
    # gone (a stale pin) is named too, so one whose id starts like get_current_user's clashes.
    gone = next(
        (f"gone_{i}", pid)
        for i in range(10**6)
        if (pid := pattern_id("app/gone.py", f"gone_{i}", "function")).startswith(GET_USER[:4])
    )
    row = {
        "id": gone[1],
        "kind": "function",
        "path": "app/gone.py",
        "qualname": gone[0],
        "content_hash": "0" * 40,
        "pinned": True,
        "excluded": False,
        "note": "",
    }
    brain.store.set_curation(row)
    with pytest.raises(RequestError, match=f"'{GET_USER[:4]}' names 2 patterns: .*get_current_user.*{gone[0]}"):
        brain.pin(GET_USER[:4])
    assert brain.unpin(f"app/gone.py:{gone[0]}")
    with pytest.raises(PatternNotFoundError, match="has no pattern 'nope'") as e:
        brain.pin("app/api/deps.py:nope")
    assert "get_current_user" in (e.value.hint or "")
    assert not [p for p in brain.patterns(limit=5000) if p.id.startswith("ffff0")]
    with pytest.raises(PatternNotFoundError, match="no pattern id starts with 'ffff0'"):
        brain.pin("ffff0")  # no id of this fixture starts so
    # a glob is still a glob, and a pin whose pattern is gone is still named by path:qualname
    assert brain.exclude("app/legacy/**")["kind"] == "glob"
    brain.pin(GET_USER)
    deps = brain.config.root / "app/api/deps.py"
    deps.write_text(deps.read_text().replace("def get_current_user(", "def current_user_v2(", 1))
    brain.index()
    assert brain.unpin("app/api/deps.py:get_current_user")


def test_one_method_name_in_several_views_is_ambiguous(flask_brain):
    path = "bookshop/authors/routes.py"
    names = sorted(p.qualname for p in flask_brain.patterns(path=path, kind="route") if p.qualname.endswith(".get"))
    assert len(names) >= 2
    with pytest.raises(RequestError, match=f"names {len(names)} patterns") as e:
        flask_brain.pin(f"{path}:get")
    assert all(n in str(e.value) for n in names) and "path:start_line" in (e.value.hint or "")
    assert flask_brain.pattern(f"{path}:{names[0]}").qualname == names[0]


def test_a_request_that_names_a_pinned_pattern_gets_it_whatever_its_kind(brain):
    from types import SimpleNamespace

    from memorybrain.curation import _named_in

    for qualname, request, named in [
        ("format_money", "Use format_money in the invoice task", True),
        ("FormatMoney", "format money in the weekly cron job", True),
        ("HTTPError", "raise HTTPError from the command", True),
        ("get_user_by_email", "a task that calls get user by email", True),
        ("format_money", "formatting money", False),
        ("run", "run the job", False),  # too short a name to be named by a word
    ]:
        assert _named_in(SimpleNamespace(qualname=qualname), request) is named, (qualname, request)
    helper = next(p for p in brain.patterns(kind="function") if p.qualname == "get_channel_for_user")
    brain.pin(helper.id)
    request = "Add a celery task that archives idle channels, using get_channel_for_user"
    pack = brain.context(request, budget=2000)
    assert pack.tokens <= 2000
    assert helper.id in [ex.pattern.id for ex in pack.exemplars[:2]]
    assert next(ex for ex in pack.exemplars if ex.pattern.id == helper.id).team_approved
