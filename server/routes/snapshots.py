"""Team snapshots under ``/v1/snapshot``: download, export into the project, import, diff.

Paths are files inside the project, relative to its root: one that leaves it (an absolute
path elsewhere, ``..``, a symlink out) is refused with 403. Export and import are refused with
409 on a read-only server (``brain serve --snapshot``), and import also while an index job
runs. ``POST /v1/snapshot/upload`` takes the snapshot itself as the request body (up to
``BRAIN_MAX_SNAPSHOT_BYTES``, 64 MiB by default; every other body stays under 64 KiB).
"""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from memorybrain import snapshot
from server.deps import ServiceDep
from server.problems import UnsupportedMediaType
from server.schemas import (
    ImportMode,
    SnapshotDiffIn,
    SnapshotDiffOut,
    SnapshotExportIn,
    SnapshotExportOut,
    SnapshotImportIn,
    SnapshotImportOut,
)

router = APIRouter(prefix="/v1/snapshot", tags=["snapshot"])

JSONL = "application/jsonl"
#: Media types an uploaded snapshot may come as.
UPLOAD_TYPES = (JSONL, "application/x-ndjson", "application/octet-stream")
UPLOAD_PATH = "/v1/snapshot/upload"

OUTSIDE: dict[int | str, dict[str, Any]] = {
    403: {"description": "The path leaves the project (absolute elsewhere, `..`, or a symlink out)."},
}
READS: dict[int | str, dict[str, Any]] = {**OUTSIDE, 404: {"description": "No snapshot file at that path."}}
READ_ONLY: dict[int | str, dict[str, Any]] = {
    409: {"description": "The server answers from a snapshot (read-only), or an index job is running."},
}


@router.get(
    "",
    summary="The snapshot of what the server answers from",
    response_class=Response,
    responses={
        200: {
            "description": "The snapshot file (`memorybrain.snapshot/1`, JSON Lines).",
            "content": {JSONL: {"schema": {"type": "string"}}},
        }
    },
)
def download(
    service: ServiceDep,
    vectors: Annotated[bool, Query(description="Include the embeddings (false: about half the size).")] = True,
) -> Response:
    """The same bytes `brain snapshot export` writes for this store (nothing is written); also
    from a read-only server. `ETag` is the file's sha256."""
    data, project = service.snapshot_data(vectors=vectors)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", project) or "project"
    return Response(
        data,
        media_type=JSONL,
        headers={
            "Content-Disposition": f'attachment; filename="{name}.snapshot.jsonl"',
            "ETag": f'"{hashlib.sha256(data).hexdigest()}"',
        },
    )


@router.post(
    "/export",
    response_model=SnapshotExportOut,
    responses={
        **OUTSIDE,
        409: {
            "description": "The server is read-only, or a folder or a file that is not a snapshot is at "
            "the path (it is never overwritten)."
        },
    },
    summary="Write the snapshot file",
)
def export(body: SnapshotExportIn, service: ServiceDep) -> SnapshotExportOut:
    """Write `.brain/snapshot.jsonl` (or `path`, a `.jsonl` file inside the project), as
    `brain snapshot export` does. An existing file is replaced only if it is a snapshot."""
    return SnapshotExportOut(**service.export_snapshot(body.path, vectors=body.vectors))


@router.post(
    "/import",
    response_model=SnapshotImportOut,
    response_model_exclude_unset=True,
    responses={**READS, **READ_ONLY},
    summary="Import a snapshot file",
)
def import_file(body: SnapshotImportIn, service: ServiceDep) -> SnapshotImportOut:
    """Import a snapshot file inside the project, validated first, in one transaction (as
    `brain snapshot import`). A bad file is refused with 422 and changes nothing."""
    return SnapshotImportOut(**service.import_snapshot(mode=body.mode, path=body.path))


@router.post(
    "/upload",
    response_model=SnapshotImportOut,
    response_model_exclude_unset=True,
    responses={
        **READ_ONLY,
        413: {"description": "The snapshot is larger than the upload limit (`BRAIN_MAX_SNAPSHOT_BYTES`)."},
        415: {"description": f"The body is not sent as {', '.join(UPLOAD_TYPES)}."},
    },
    summary="Import an uploaded snapshot",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The snapshot file itself (`memorybrain.snapshot/1`).",
            "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in UPLOAD_TYPES},
        }
    },
)
async def upload(
    request: Request,
    service: ServiceDep,
    mode: Annotated[ImportMode, Query(description="`merge` (default) or `replace`, as for `/import`.")] = "merge",
) -> SnapshotImportOut:
    """The snapshot as the request body (`Content-Type: application/jsonl`), e.g.
    `curl --data-binary @team.jsonl -H 'Content-Type: application/jsonl' .../v1/snapshot/upload`."""
    service.refuse_read_only("import a snapshot")
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media not in UPLOAD_TYPES:
        raise UnsupportedMediaType(
            f"send the snapshot as {JSONL} (got {media[:60] or 'no Content-Type'})",
            hint="or import a file inside the project with POST /v1/snapshot/import",
        )
    data = await request.body()
    report = await run_in_threadpool(service.import_snapshot, mode=mode, data=data)
    return SnapshotImportOut(**report)


@router.post("/diff", response_model=SnapshotDiffOut, responses=READS, summary="Compare two snapshots")
def diff(body: SnapshotDiffIn, service: ServiceDep) -> SnapshotDiffOut:
    """What changed from snapshot `a` to `b` (default: the store the server answers from now):
    patterns added, removed, changed and moved, rules, facts, curation, exclusions, conventions."""
    d = service.diff_snapshot(body.a, body.b)
    return SnapshotDiffOut(**d, text=snapshot.diff_text(d))
