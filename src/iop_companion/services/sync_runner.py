"""Decides when the app syncs with its clinic, and makes sure only one sync runs.

Triggers: the app starting or unlocking, the network coming back (debounced: networks
flap), a write, a timer while the app is open, and "Sync now". A write is not delayed,
since it may be a safety flag; writes made while a sync runs fold into one more sync.
A sync that fails for a passing reason (no network, a busy server) is tried again with
growing, randomised waits (sync/retry.py); one the clinic refused (a revoked phone) is
not, because trying again cannot help: the participant is told instead.

The sync itself is blocking HTTP and store work, so it runs in a worker thread; the
store serialises its own writes, and `exclusive` keeps two screens (two browser tabs on
one store) from syncing at the same moment.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from iop_companion.services.clinic_link import LinkState, LinkStatus
from iop_companion.store.errors import StoreLocked
from iop_companion.sync.retry import Failure, RetryPolicy

DEFAULT_POLICY = RetryPolicy()


def failure_of(status: LinkStatus) -> Failure:
    if status.state in (LinkState.OFFLINE, LinkState.FAILED):
        return Failure.TRANSIENT
    if status.state is LinkState.NOT_AUTHORISED:
        return Failure.REFUSED
    return Failure.NONE


@dataclass(frozen=True)
class SyncAttempt:
    status: LinkStatus | None  # None when the store was locked mid-way (nothing to report)
    attempt: int  # 1 for the first try of a run
    retry_in_seconds: float | None  # when the next automatic try is, if one is planned


class SyncRunner:
    """One per app session. `request` may be called from any thread."""

    def __init__(
        self,
        sync_once: Callable[[], LinkStatus],
        *,
        spawn: Callable[[Callable[[], Awaitable[None]]], object],
        exclusive: threading.Lock,
        on_attempt: Callable[[SyncAttempt], None] = lambda attempt: None,
        policy: RetryPolicy = DEFAULT_POLICY,
        random_fraction: Callable[[], float] = random.random,
    ) -> None:
        self._sync_once = sync_once
        self._spawn = spawn
        self._exclusive = exclusive
        self._on_attempt = on_attempt
        self._policy = policy
        self._random_fraction = random_fraction
        self._state_lock = threading.Lock()
        self._running = False
        self._again = False  # a request arrived while a sync was running
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped = False

    @property
    def running(self) -> bool:
        with self._state_lock:
            return self._running

    def request(self, *, debounce_seconds: float = 0.0) -> None:
        """Sync soon. If a sync is under way, run once more after it (the new write
        must not wait for the timer); if a retry is waiting, try now."""
        with self._state_lock:
            if self._stopped:
                return
            already_running = self._running
            if already_running:
                self._again = True
                wake = self._wake
            self._running = True
        if already_running:
            if wake is not None:
                self._set_from_any_thread(wake)
            return

        async def drive() -> None:
            try:
                await self._drive(debounce_seconds)
            finally:
                with self._state_lock:
                    self._running = False

        self._spawn(drive)

    def stop(self) -> None:
        """No more syncs (the session ended or the app locked for good)."""
        with self._state_lock:
            self._stopped = True
            wake = self._wake
        if wake is not None:
            self._set_from_any_thread(wake)

    def _set_from_any_thread(self, event: asyncio.Event) -> None:
        # asyncio.Event is not thread-safe, and Flet may call handlers from a pool thread.
        if self._loop is not None:
            self._loop.call_soon_threadsafe(event.set)

    async def run_now(self) -> LinkStatus | None:
        """"Sync now": one attempt, awaited, whose real outcome is reported.

        Waits for a sync already under way rather than starting a second one.
        """
        return await asyncio.to_thread(self._attempt_exclusive)

    async def _drive(self, debounce_seconds: float) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        if debounce_seconds > 0:
            await asyncio.sleep(debounce_seconds)
        attempt = 0
        while not self._stopped:
            attempt += 1
            with self._state_lock:
                self._again = False
            self._wake.clear()
            status = await asyncio.to_thread(self._attempt_exclusive)
            with self._state_lock:
                again = self._again
            failure = Failure.NONE if status is None else failure_of(status)
            if again and failure is not Failure.REFUSED:
                self._on_attempt(SyncAttempt(status, attempt, 0.0))
                attempt = 0  # something new was written: a fresh run, not a retry
                continue
            if status is None or not self._policy.should_retry(failure, attempt):
                self._on_attempt(SyncAttempt(status, attempt, None))
                return
            delay = self._policy.delay_before(attempt, self._random_fraction)
            self._on_attempt(SyncAttempt(status, attempt, delay))
            try:
                # A new request (a write, the network returning) cuts the wait short.
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            except TimeoutError:
                pass

    def _attempt_exclusive(self) -> LinkStatus | None:
        with self._exclusive:
            try:
                return self._sync_once()
            except StoreLocked:
                return None  # the app locked while syncing; the next unlock syncs again
