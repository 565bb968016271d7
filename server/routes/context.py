"""``POST /v1/context``: the context pack for a request."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from server.deps import ServiceDep
from server.schemas import ContextMarkdown, ContextRequest, PackDocument

router = APIRouter(prefix="/v1", tags=["context"])

MARKDOWN = "text/markdown"


def _wants_markdown(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return MARKDOWN in accept and "application/json" not in accept


@router.post(
    "/context",
    response_model=ContextMarkdown | PackDocument,
    summary="Build the context pack for a request",
    responses={
        200: {
            "description": "The pack: `ContextMarkdown` for `format: md` (or bare Markdown with "
            "`Accept: text/markdown`), `PackDocument` for `format: json`.",
            "content": {MARKDOWN: {"schema": {"type": "string"}}},
        }
    },
)
def build_context(body: ContextRequest, service: ServiceDep, request: Request) -> Any:
    """The same pack as `brain context`: stack, conventions, exemplars and checklist, within
    `budget` tokens (characters/4)."""
    pack = service.context(
        body.request, budget=body.budget, fmt=body.format, kinds=tuple(body.kinds) if body.kinds else None
    )
    if body.format == "json":
        return pack.to_dict()
    markdown = pack.to_markdown()
    if _wants_markdown(request):
        return PlainTextResponse(markdown, media_type=MARKDOWN)
    return ContextMarkdown(request=pack.request, budget=pack.budget, tokens=pack.tokens, content=markdown)
