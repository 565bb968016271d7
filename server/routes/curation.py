"""Team curation under ``/v1/curation``: pins, exclusions, notes, rules, team facts.

Every change is a ``POST`` (the browser CORS policy stays GET/POST) and is refused with 409
when the server answers from a snapshot (``brain serve --snapshot``, read-only).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from server.deps import ServiceDep
from server.schemas import (
    Changed,
    CurationOut,
    CurationRow,
    ExclusionTarget,
    FactOut,
    NoteIn,
    PatternRef,
    Rule,
    RuleIn,
    RuleRef,
    TeamFactIn,
    TeamFactRef,
)

router = APIRouter(prefix="/v1/curation", tags=["curation"])

READ_ONLY: dict[int | str, dict[str, Any]] = {
    409: {"description": "The server answers from a snapshot and is read-only."}
}
BY_ID: dict[int | str, dict[str, Any]] = {**READ_ONLY, 404: {"description": "No pattern with that id."}}


@router.get("", response_model=CurationOut, summary="Everything the team curated")
def get_curation(service: ServiceDep) -> CurationOut:
    """Pins (with stale flags), exclusions (ids and globs), notes, rules and team facts."""
    return CurationOut(**service.curate("curation"))


@router.post("/pin", response_model=CurationRow, responses=BY_ID, summary="Pin a pattern")
def pin(body: PatternRef, service: ServiceDep) -> CurationRow:
    """Pinned patterns come first among the exemplars of their kind, marked team-approved.
    Pinning again accepts the pattern's current code (clears a stale pin)."""
    return CurationRow(**service.curate("pin", body.id))


@router.post("/unpin", response_model=Changed, responses=READ_ONLY, summary="Remove a pin")
def unpin(body: PatternRef, service: ServiceDep) -> Changed:
    return Changed(changed=service.curate("unpin", body.id))


@router.post("/exclude", response_model=Changed, responses=BY_ID, summary="Keep patterns out of packs")
def exclude(body: ExclusionTarget, service: ServiceDep) -> Changed:
    """A pattern id, or a path glob (gitignore syntax): its patterns never appear in packs."""
    result = service.curate("exclude", body.target)
    return Changed(changed=result["changed"], detail=result)


@router.post("/include", response_model=Changed, responses=READ_ONLY, summary="Undo an exclusion")
def include(body: ExclusionTarget, service: ServiceDep) -> Changed:
    result = service.curate("include", body.target)
    return Changed(changed=result["changed"], detail=result)


@router.post("/note", response_model=Changed, responses=BY_ID, summary="Set or remove a pattern's note")
def note(body: NoteIn, service: ServiceDep) -> Changed:
    """The note is shown with the pattern in packs; an empty `text` removes it."""
    row = service.curate("note", body.id, body.text)
    return Changed(changed=True, detail=row)


@router.post("/rules", response_model=Rule, responses=READ_ONLY, summary="Add a team rule")
def add_rule(body: RuleIn, service: ServiceDep) -> Rule:
    """Shown first in every pack's conventions, marked as the team's."""
    r = service.curate("rule_add", body.text)
    return Rule(id=r["id"], text=r["text"])


@router.post("/rules/remove", response_model=Changed, responses=READ_ONLY, summary="Remove a team rule")
def remove_rule(body: RuleRef, service: ServiceDep) -> Changed:
    """`changed` is false when there was no such rule."""
    r = service.curate("rule_remove", body.id)
    return Changed(changed=r is not None, detail=r)


@router.post("/facts", response_model=FactOut, responses=READ_ONLY, summary="Set a team fact")
def set_fact(body: TeamFactIn, service: ServiceDep) -> FactOut:
    """Shown first in every pack's stack, marked as set by the team."""
    return FactOut.of(service.curate("fact_set", body.key, body.value))


@router.post("/facts/unset", response_model=Changed, responses=READ_ONLY, summary="Remove a team fact")
def unset_fact(body: TeamFactRef, service: ServiceDep) -> Changed:
    return Changed(changed=service.curate("fact_unset", body.key))
