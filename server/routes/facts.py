"""``GET /v1/facts``: the stack facts with their sources."""

from __future__ import annotations

from fastapi import APIRouter

from server.deps import PageDep, ServiceDep
from server.schemas import FactOut, FactPage

router = APIRouter(prefix="/v1", tags=["facts"])


@router.get("/facts", response_model=FactPage, summary="List the stack facts")
def list_facts(service: ServiceDep, paging: PageDep) -> FactPage:
    """Framework, ORM, auth, testing, ... each with the `path:line` it was read from."""
    facts = service.facts()
    page = facts[paging.offset : paging.offset + paging.limit]
    return FactPage(items=[FactOut.of(f) for f in page], **paging.page_fields(len(facts)))  # type: ignore[arg-type]
