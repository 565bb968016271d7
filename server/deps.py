"""Dependencies shared by the routers (``Annotated`` aliases, as in the full-stack template)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Depends, Query, Request

from server.problems import InvalidParameter
from server.service import BrainService
from server.settings import DEFAULT_LIMIT, MAX_LIMIT

__all__ = ["PageDep", "PageParams", "ServiceDep", "decode_cursor", "encode_cursor"]

MAX_OFFSET = 1_000_000_000


def get_service(request: Request) -> BrainService:
    return request.app.state.service  # type: ignore[no-any-return]


ServiceDep = Annotated[BrainService, Depends(get_service)]


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = raw.partition(":")
        offset = int(number)
        if prefix != "o" or not 0 <= offset <= MAX_OFFSET:
            raise ValueError(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidParameter(
            "cursor", "query", "not a cursor from this API (use the next_cursor of a previous page)"
        ) from None
    return offset


class PageParams:
    """``limit`` with either ``cursor`` (opaque, from ``next_cursor``) or ``page`` (1-based)."""

    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page, 1-{MAX_LIMIT}.")] = DEFAULT_LIMIT,
        cursor: Annotated[
            str | None, Query(max_length=64, description="The `next_cursor` of the previous page.")
        ] = None,
        page: Annotated[
            int | None, Query(ge=1, le=1_000_000, description="1-based page number (instead of `cursor`).")
        ] = None,
    ) -> None:
        if cursor is not None and page is not None:
            raise InvalidParameter("page", "query", "give either cursor or page, not both")
        self.limit = limit
        if cursor is not None:
            self.offset = decode_cursor(cursor)
        elif page is not None:
            self.offset = (page - 1) * limit
        else:
            self.offset = 0

    def page_fields(self, total: int) -> dict[str, object]:
        end = self.offset + self.limit
        return {
            "total": total,
            "limit": self.limit,
            "offset": self.offset,
            "page": self.offset // self.limit + 1,
            "next_cursor": encode_cursor(end) if end < total else None,
        }


PageDep = Annotated[PageParams, Depends()]
