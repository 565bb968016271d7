"""``POST /v1/index`` starts an incremental index in the background; ``GET /v1/index/{job}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from server.deps import ServiceDep
from server.schemas import IndexJobOut

router = APIRouter(prefix="/v1", tags=["index"])


@router.post(
    "/index",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=IndexJobOut,
    summary="Start an incremental index",
    responses={409: {"description": "An index job is already running."}},
)
def start_index(service: ServiceDep, response: Response) -> IndexJobOut:
    """Queries keep being answered from the previous index while it runs; follow it at the
    `Location` given. A second start while one runs gets 409."""
    job = service.start_index()
    response.headers["Location"] = f"/v1/index/{job.id}"
    return IndexJobOut(**job.snapshot())


@router.get(
    "/index/{job_id}",
    response_model=IndexJobOut,
    summary="State and progress of an index job",
    responses={404: {"description": "No such job on this server."}},
)
def get_index_job(service: ServiceDep, job_id: Annotated[str, Path(min_length=1, max_length=64)]) -> IndexJobOut:
    """`state` is queued, running, succeeded or failed; `files_done` / `files_total` say how far."""
    return IndexJobOut(**service.jobs.get(job_id).snapshot())
