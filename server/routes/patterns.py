"""``GET /v1/patterns`` (filtered, paginated) and ``GET /v1/patterns/{id}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from server.deps import PageDep, ServiceDep
from server.schemas import Kind, PatternDetail, PatternPage, PatternSummary
from server.settings import MAX_PATH_CHARS, MAX_TEXT_CHARS

router = APIRouter(prefix="/v1", tags=["patterns"])


@router.get("/patterns", response_model=PatternPage, summary="List stored patterns")
def list_patterns(
    service: ServiceDep,
    paging: PageDep,
    kind: Annotated[Kind | None, Query(description="Only patterns of this kind.")] = None,
    path: Annotated[
        str | None, Query(max_length=MAX_PATH_CHARS, description="Only patterns in this file or folder.")
    ] = None,
    text: Annotated[
        str | None,
        Query(max_length=MAX_TEXT_CHARS, description="Only patterns whose name or summary contains this."),
    ] = None,
) -> PatternPage:
    """Patterns ordered by path and line, as `brain patterns`, with their stable ids."""
    found, total = service.patterns(kind=kind, path=path, text=text, limit=paging.limit, offset=paging.offset)
    return PatternPage(items=[PatternSummary.of(p) for p in found], **paging.page_fields(total))  # type: ignore[arg-type]


@router.get("/patterns/{pattern_id}", response_model=PatternDetail, summary="One pattern with its code")
def get_pattern(
    service: ServiceDep,
    pattern_id: Annotated[str, Path(min_length=1, max_length=64, description="An id from /v1/patterns.")],
) -> PatternDetail:
    """Provenance, summary, usage, metadata and code, as `brain show ID --json`."""
    return PatternDetail.of(service.pattern(pattern_id))
