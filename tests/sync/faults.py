"""A network that fails on purpose, between the app's ClinicClient and a real clinic server.

Used by the fault-injection tests and by bench/sync_faults.py. Each request gets a
`Fault` from a schedule the caller supplies:

- CUT_UPLOAD: the connection drops while sending; the server never sees the request.
- CUT_RESPONSE: the server handles (and commits) the request, the reply is lost.
- SERVER_ERROR: a 503 from a proxy in front of the server; the server never sees it.
- RATE_LIMITED: a 429 from that proxy.
- REPLAY: the request reaches the server twice (a proxy retrying); the app sees the
  second answer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from enum import Enum

import httpx


class Fault(str, Enum):
    NONE = "none"
    CUT_UPLOAD = "cut_upload"
    CUT_RESPONSE = "cut_response"
    SERVER_ERROR = "server_error"
    RATE_LIMITED = "rate_limited"
    REPLAY = "replay"


class FaultyNetwork(httpx.BaseTransport):
    """An httpx transport that forwards to `server` (an httpx.Client bound to the clinic,
    e.g. fastapi's TestClient) unless the schedule says otherwise."""

    def __init__(self, server: httpx.Client,
                 schedule: Callable[[httpx.Request], Fault] = lambda request: Fault.NONE) -> None:
        self.server = server
        self.schedule = schedule
        self.seen: dict[Fault, int] = {fault: 0 for fault in Fault}
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        fault = self.schedule(request)
        with self._lock:
            self.seen[fault] += 1
        if fault is Fault.CUT_UPLOAD:
            raise httpx.WriteError("injected: connection cut while sending", request=request)
        if fault is Fault.SERVER_ERROR:
            return httpx.Response(503, json={"detail": "injected: service unavailable"},
                                  request=request)
        if fault is Fault.RATE_LIMITED:
            return httpx.Response(429, json={"detail": "injected: too many requests"},
                                  headers={"Retry-After": "1"}, request=request)
        answer = self._forward(request)
        if fault is Fault.REPLAY:
            answer = self._forward(request)
        if fault is Fault.CUT_RESPONSE:
            raise httpx.ReadError("injected: connection cut while receiving", request=request)
        return httpx.Response(answer.status_code, headers=answer.headers,
                              content=answer.content, request=request)

    def _forward(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode("ascii")
        headers = {name: value for name, value in request.headers.items()
                   if name.lower() not in ("host", "content-length")}
        return self.server.request(request.method, path, headers=headers,
                                   content=request.content)


def every_nth(n: int, fault: Fault, *, only_path: str | None = None
              ) -> Callable[[httpx.Request], Fault]:
    """Fail every n-th request (optionally only requests to paths containing `only_path`)."""
    count = 0

    def schedule(request: httpx.Request) -> Fault:
        nonlocal count
        if only_path is not None and only_path not in request.url.path:
            return Fault.NONE
        count += 1
        return fault if count % n == 0 else Fault.NONE

    return schedule


def once(fault: Fault, *, only_path: str) -> Callable[[httpx.Request], Fault]:
    """Fail the first request to a path containing `only_path`, then behave."""
    done = False

    def schedule(request: httpx.Request) -> Fault:
        nonlocal done
        if done or only_path not in request.url.path:
            return Fault.NONE
        done = True
        return fault

    return schedule
