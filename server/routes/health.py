"""``GET /v1/health``: ready or not, and what the store holds."""

from __future__ import annotations

from fastapi import APIRouter

from server.deps import ServiceDep
from server.schemas import Health

router = APIRouter(prefix="/v1", tags=["health"])


@router.get("/health", response_model=Health, summary="Readiness and store statistics")
def health(service: ServiceDep) -> Health:
    """Always 200 while the server runs; `ready` is false (with `detail`) until the project is
    indexed and the model is loaded."""
    return Health(**service.health())
