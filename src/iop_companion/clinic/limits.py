"""Limits on requests: body size and time to send it (answered in the API's own error
format), how many requests work at once and how long one waits for its turn, and the
headers every response carries."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from fastapi import status
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from iop_companion.clinic.errors import (
    BUSY_DETAIL,
    SECURITY_HEADERS,
    SLOW_BODY_DETAIL,
    TOO_LARGE_DETAIL,
)

# A phone on a poor network sends a 2 MiB push in well under this; a client that
# trickles its body slower is cut off instead of holding a connection open forever.
BODY_DEADLINE_SECONDS = 30.0
# How long a request with its body read waits for a slot before it is told to come back.
SLOT_WAIT_SECONDS = 20.0
RETRY_AFTER_SECONDS = 5


class RequestSizeLimit:
    """Read the whole body first, refusing more than `max_bytes` with 413 (declared in
    Content-Length or streamed) and a body not sent within `body_deadline` seconds with 408.

    This middleware sits outside ConcurrencyLimit, so a slow or stalled upload waits
    here without holding one of the few slots that do database work: slow clients
    cannot starve a safety flag. Written here rather than using FastAPI's
    `max_body_size`, whose 413 is plain text and so breaks the promise that every
    error body is `{"detail": ...}`.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        path_limits: Mapping[str, int] | None = None,
        body_deadline: float = BODY_DEADLINE_SECONDS,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Exact paths allowed a different cap (record uploads carry up to 100 records).
        self.path_limits = dict(path_limits or {})
        self.body_deadline = body_deadline

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.path_limits.get(scope.get("path", ""), self.max_bytes)
        declared = _declared_length(scope)
        if declared is not None and declared > max_bytes:
            # Answer before reading a byte of the body.
            await _error(413, TOO_LARGE_DETAIL)(scope, receive, send)
            return

        chunks: list[bytes] = []
        received = 0
        try:
            async with asyncio.timeout(self.body_deadline):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return  # the client gave up; nobody to answer
                    received += len(message.get("body", b""))
                    if received > max_bytes:
                        await _error(413, TOO_LARGE_DETAIL, close=True)(scope, receive, send)
                        return
                    chunks.append(message.get("body", b""))
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            await _error(408, SLOW_BODY_DETAIL, close=True)(scope, receive, send)
            return

        body = b"".join(chunks)
        body_sent = False

        async def replay_body() -> Message:
            nonlocal body_sent
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the client to disconnect

        await self.app(scope, replay_body, send)


def _declared_length(scope: Scope) -> int | None:
    try:
        return int(Headers(scope=scope)["content-length"])
    except (KeyError, ValueError):
        return None


def _error(status_code: int, detail: str, *, close: bool = False,
           headers: Mapping[str, str] | None = None) -> JSONResponse:
    extra = dict(headers or {})
    if close:
        extra["Connection"] = "close"  # the rest of the body must not be read as a request
    return JSONResponse({"detail": detail}, status_code=status_code, headers=extra)


class ConcurrencyLimit:
    """Let at most `limit` requests work at once; the rest wait their turn, up to `max_wait`.

    A burst of syncs (a group session ending, a network coming back) would otherwise
    have every request hold a database connection while it waits for a lock, and the
    last ones fail with a timeout. Waiting here costs nothing but latency; a request
    still waiting after `max_wait` seconds gets 503 with Retry-After (apps retry 5xx
    with back-off), never a hang. SQLite takes one writer at a time, so it gets a small
    limit; PostgreSQL one per request thread. Bodies are read before this (above).
    """

    def __init__(self, app: ASGIApp, limit: int, max_wait: float = SLOT_WAIT_SECONDS) -> None:
        self.app = app
        self.limit = limit
        self.max_wait = max_wait
        self._slots: asyncio.Semaphore | None = None  # made on the server's event loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limit)
        try:
            async with asyncio.timeout(self.max_wait):
                await self._slots.acquire()
        except TimeoutError:
            busy = _error(status.HTTP_503_SERVICE_UNAVAILABLE, BUSY_DETAIL,
                          headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
            await busy(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release()


class SecurityHeaders:
    """Add SECURITY_HEADERS (clinic/errors.py) to every response this app sends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _value in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.lower().encode("latin-1") not in present:
                        headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
