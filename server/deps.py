"""Dependencies shared by the routers (``Annotated`` aliases, as in the full-stack template)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Query, Request

from server.problems import InvalidParameter
from server.service import BrainService
from server.settings import DEFAULT_LIMIT, MAX_LIMIT

__all__ = ["CURSOR_PATTERN", "PageDep", "PageParams", "ServiceDep", "decode_cursor", "encode_cursor"]


def get_service(request: Request) -> BrainService:
    return request.app.state.service  # type: ignore[no-any-return]


ServiceDep = Annotated[BrainService, Depends(get_service)]


#: Cursors are ``o<offset>``: every string the schema admits is a cursor this API can follow.
CURSOR_PATTERN = r"^o[0-9]{1,9}$"


def encode_cursor(offset: int) -> str:
    return f"o{offset}"


def decode_cursor(cursor: str) -> int:
    if not re.fullmatch(CURSOR_PATTERN, cursor):
        raise InvalidParameter("cursor", "query", "not a cursor from this API (use the next_cursor of a previous page)")
    return int(cursor[1:])


class PageParams:
    """``limit`` with ``cursor`` (from ``next_cursor``) or ``page`` (1-based); a cursor wins over a page."""

    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page, 1-{MAX_LIMIT}.")] = DEFAULT_LIMIT,
        cursor: Annotated[
            str | None, Query(pattern=CURSOR_PATTERN, description="The `next_cursor` of the previous page.")
        ] = None,
        page: Annotated[
            int | None,
            Query(ge=1, le=1_000_000, description="1-based page number (ignored when `cursor` is given)."),
        ] = None,
    ) -> None:
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
