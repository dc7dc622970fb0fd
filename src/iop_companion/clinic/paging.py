"""Page cursors for the clinician's lists (keyset paging).

A cursor is opaque to clients: the sort key of the last row of a page, as URL-safe
base64 of a small JSON array that starts with the list's name, so a cursor of one list
is never taken for another's. A page continues strictly after that key, so rows are
neither repeated nor skipped when rows before it come and go between requests.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, TypeVar

from fastapi import HTTPException, Request, status
from pydantic import TypeAdapter, ValidationError

Key = TypeVar("Key")


class BadCursor(ValueError):
    """Not a cursor this server gave out for this list."""


def encode_cursor(list_name: str, *key: Any) -> str:
    text = json.dumps([list_name, *key], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode("utf-8")).rstrip(b"=").decode("ascii")


def decode_cursor(list_name: str, cursor: str, key_type: TypeAdapter[Key]) -> Key:
    """The sort key a cursor of `list_name` carries, checked against `key_type`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise BadCursor() from None
    if not isinstance(decoded, list) or not decoded or decoded[0] != list_name:
        raise BadCursor()
    try:
        return key_type.validate_python(tuple(decoded[1:]))
    except ValidationError:
        raise BadCursor() from None


BAD_CURSOR_DETAIL = ("'cursor' is not a cursor this server gave for this list; pass the "
                     "'next' of the previous page, or leave it out for the first page.")


def bad_cursor() -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, BAD_CURSOR_DETAIL)


def paged_query_only(request: Request) -> None:
    """Strict like request bodies: a misspelt parameter (`?page=2`) must not silently
    mean the first page."""
    unknown = sorted(set(request.query_params) - {"cursor", "limit"})
    if unknown:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"'{unknown[0][:40]}' is not a parameter this server accepts; "
            "use 'cursor' and 'limit'.",
        )
