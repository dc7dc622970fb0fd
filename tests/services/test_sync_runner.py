"""The sync runner: retries passing failures with backoff, never retries a refusal,
never runs two syncs at once, and runs again when something new is written."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable

import pytest

from iop_companion.services.clinic_link import LinkState, LinkStatus
from iop_companion.services.sync_runner import SyncAttempt, SyncRunner
from iop_companion.store.errors import StoreLocked
from iop_companion.sync.retry import RetryPolicy

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(first_delay_seconds=0.01, max_delay_seconds=0.05, max_attempts=4)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def status(state: LinkState) -> LinkStatus:
    return LinkStatus(state, None, f"status.{state.value}")


class ScriptedClinic:
    """Answers each sync with the next scripted state (the last one repeats)."""

    def __init__(self, *states: LinkState, seconds: float = 0.0) -> None:
        self.states = list(states)
        self.seconds = seconds
        self.calls = 0
        self.concurrent = 0
        self.most_concurrent = 0
        self._lock = threading.Lock()

    def sync(self) -> LinkStatus:
        with self._lock:
            self.concurrent += 1
            self.most_concurrent = max(self.most_concurrent, self.concurrent)
            index = min(self.calls, len(self.states) - 1)
            self.calls += 1
        time.sleep(self.seconds)
        with self._lock:
            self.concurrent -= 1
        return status(self.states[index])


def make_runner(sync: Callable[[], LinkStatus], attempts: list[SyncAttempt], *,
                policy: RetryPolicy = FAST, exclusive: threading.Lock | None = None,
                tasks: list[asyncio.Task] | None = None) -> SyncRunner:
    started = tasks if tasks is not None else []

    def spawn(factory: Callable[[], Awaitable[None]]) -> None:
        started.append(asyncio.get_running_loop().create_task(factory()))

    return SyncRunner(sync, spawn=spawn, exclusive=exclusive or threading.Lock(),
                      on_attempt=attempts.append, policy=policy,
                      random_fraction=lambda: 0.5)


async def settle(runner: SyncRunner, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    await asyncio.sleep(0)
    while runner.running:
        assert time.monotonic() < deadline, "the runner never finished"
        await asyncio.sleep(0.01)


async def test_a_clinic_that_comes_back_is_retried_until_the_sync_succeeds() -> None:
    clinic = ScriptedClinic(LinkState.OFFLINE, LinkState.FAILED, LinkState.UP_TO_DATE)
    attempts: list[SyncAttempt] = []
    runner = make_runner(clinic.sync, attempts)
    runner.request()
    await settle(runner)
    assert clinic.calls == 3
    assert [a.status.state for a in attempts] == [
        LinkState.OFFLINE, LinkState.FAILED, LinkState.UP_TO_DATE]
    assert [a.retry_in_seconds for a in attempts] == [0.0075, 0.015, None]


async def test_retries_stop_after_the_policy_limit() -> None:
    clinic = ScriptedClinic(LinkState.OFFLINE)
    attempts: list[SyncAttempt] = []
    runner = make_runner(clinic.sync, attempts)
    runner.request()
    await settle(runner)
    assert clinic.calls == FAST.max_attempts
    assert attempts[-1].retry_in_seconds is None


async def test_a_refused_phone_is_not_asked_again() -> None:
    clinic = ScriptedClinic(LinkState.NOT_AUTHORISED, LinkState.UP_TO_DATE)
    attempts: list[SyncAttempt] = []
    runner = make_runner(clinic.sync, attempts)
    runner.request()
    await settle(runner)
    assert clinic.calls == 1
    assert attempts == [SyncAttempt(status(LinkState.NOT_AUTHORISED), 1, None)]


async def test_a_write_during_a_sync_runs_one_more_sync_never_two_at_once() -> None:
    clinic = ScriptedClinic(LinkState.UP_TO_DATE, seconds=0.2)
    attempts: list[SyncAttempt] = []
    runner = make_runner(clinic.sync, attempts)
    runner.request()
    await asyncio.sleep(0.05)  # the first sync is under way
    for _ in range(5):
        runner.request()
    await settle(runner)
    assert clinic.calls == 2  # five requests while busy fold into one more sync
    assert clinic.most_concurrent == 1


async def test_a_new_request_cuts_a_long_retry_wait_short() -> None:
    slow_policy = RetryPolicy(first_delay_seconds=30, max_delay_seconds=60, max_attempts=3)
    clinic = ScriptedClinic(LinkState.OFFLINE, LinkState.UP_TO_DATE)
    attempts: list[SyncAttempt] = []
    runner = make_runner(clinic.sync, attempts, policy=slow_policy)
    runner.request()
    while not attempts:
        await asyncio.sleep(0.01)
    assert attempts[0].retry_in_seconds == 22.5  # waiting, not trying
    started = time.monotonic()
    runner.request()  # e.g. the network came back
    await settle(runner)
    assert time.monotonic() - started < 5
    assert clinic.calls == 2 and attempts[-1].status.state is LinkState.UP_TO_DATE


async def test_debounced_requests_make_one_sync() -> None:
    clinic = ScriptedClinic(LinkState.UP_TO_DATE)
    runner = make_runner(clinic.sync, [])
    for _ in range(4):
        runner.request(debounce_seconds=0.1)
    await settle(runner)
    assert clinic.calls == 1


async def test_two_screens_on_one_store_never_sync_at_the_same_moment() -> None:
    clinic = ScriptedClinic(LinkState.UP_TO_DATE, seconds=0.1)
    shared = threading.Lock()
    first = make_runner(clinic.sync, [], exclusive=shared)
    second = make_runner(clinic.sync, [], exclusive=shared)
    first.request()
    second.request()
    await settle(first)
    await settle(second)
    assert clinic.calls == 2
    assert clinic.most_concurrent == 1


async def test_sync_now_reports_the_real_failure() -> None:
    clinic = ScriptedClinic(LinkState.FAILED)
    runner = make_runner(clinic.sync, [])
    result = await runner.run_now()
    assert result is not None and result.state is LinkState.FAILED


async def test_locking_the_app_mid_sync_ends_the_run_quietly() -> None:
    def locked() -> LinkStatus:
        raise StoreLocked()

    attempts: list[SyncAttempt] = []
    runner = make_runner(locked, attempts)
    runner.request()
    await settle(runner)
    assert attempts == [SyncAttempt(None, 1, None)]


async def test_a_stopped_runner_does_not_start_again() -> None:
    clinic = ScriptedClinic(LinkState.UP_TO_DATE)
    runner = make_runner(clinic.sync, [])
    runner.stop()
    runner.request()
    await asyncio.sleep(0.05)
    assert clinic.calls == 0
