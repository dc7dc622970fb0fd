"""Limits on requests: body size (answered in the API's own error format) and how many
requests work at once."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from fastapi import status
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from iop_companion.clinic.errors import TOO_LARGE_DETAIL


class RequestSizeLimit:
    """Refuse bodies over `max_bytes` with 413, declared (Content-Length) or streamed (chunked).

    Written here rather than using FastAPI's `max_body_size`, whose 413 is plain text
    and so breaks the promise that every error body is `{"detail": ...}`.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, path_limits: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Exact paths allowed a different cap (record uploads carry up to 100 records).
        self.path_limits = dict(path_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.path_limits.get(scope.get("path", ""), self.max_bytes)
        declared = _declared_length(scope)
        if declared is not None and declared > max_bytes:
            # Answer before reading a byte of the body.
            too_large = JSONResponse(
                {"detail": TOO_LARGE_DETAIL}, status_code=status.HTTP_413_CONTENT_TOO_LARGE
            )
            await too_large(scope, receive, send)
            return

        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    # Raised inside the route's body read, so the app's error
                    # handlers turn it into the usual JSON response.
                    raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE)
            return message

        await self.app(scope, receive_within_limit, send)


def _declared_length(scope: Scope) -> int | None:
    try:
        return int(Headers(scope=scope)["content-length"])
    except (KeyError, ValueError):
        return None


class ConcurrencyLimit:
    """Let at most `limit` requests work at once; the rest wait their turn, unhurried.

    A burst of syncs (a group session ending, a network coming back) would otherwise
    have every request hold a database connection while it waits for a lock, and the
    last ones fail with a timeout. Waiting here costs nothing but latency. SQLite takes
    one writer at a time, so it gets a small limit; PostgreSQL one per request thread.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._slots: asyncio.Semaphore | None = None  # made on the server's event loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limit)
        async with self._slots:
            await self.app(scope, receive, send)
