"""Throttle counters do not pile up: a row whose failures are forgotten and whose block is
over is deleted by later failures of its family, a few per failure, so a spray of
addresses cannot grow `throttle_counters` without end. Rows that still count stay."""

from __future__ import annotations

import warnings
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic import throttle
from iop_companion.clinic.models import ThrottleCounter
from tests.clinic.clinic_testing import FakeClock

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

RULE = throttle.CODE_PER_ADDRESS


def _address(number: int) -> throttle.Key:
    return throttle.address_key("enrolment", f"198.51.{number // 250}.{number % 250}", RULE)


def _fail(sessions: sessionmaker[Session], key: throttle.Key, clock: FakeClock) -> bool:
    with sessions.begin() as session:
        return throttle.record_failure(session, key, clock.now)


def _rows(sessions: sessionmaker[Session], prefix: str = "") -> set[str]:
    with sessions() as session:
        return set(session.scalars(sa.select(ThrottleCounter.key)
                                   .where(ThrottleCounter.key.startswith(prefix))))


def test_a_spray_of_addresses_is_cleaned_up_a_batch_per_failure(
        sessions: sessionmaker[Session], clock: FakeClock) -> None:
    sprayed = [_address(n) for n in range(2 * throttle.PRUNE_BATCH + 20)]
    for key in sprayed:
        _fail(sessions, key, clock)
    assert len(_rows(sessions)) == len(sprayed)

    clock.advance(RULE.forget_after)  # forgotten from this instant on
    newcomers = [_address(1000 + n) for n in range(4)]
    _fail(sessions, newcomers[0], clock)
    # At most one batch goes per failure, whatever is waiting.
    assert len(_rows(sessions)) == len(sprayed) - throttle.PRUNE_BATCH + 1
    for key in newcomers[1:]:
        _fail(sessions, key, clock)
    assert _rows(sessions) == {key.name for key in newcomers}


def test_rows_that_still_count_are_kept(
        sessions: sessionmaker[Session], clock: FakeClock) -> None:
    # A rule whose block outlasts its memory: forgotten after an hour, blocked for two.
    long_block = throttle.ThrottleRule(1, timedelta(hours=2), timedelta(hours=2),
                                       timedelta(hours=1))
    blocked = throttle.address_key("enrolment", "203.0.113.7", long_block)
    recent = throttle.address_key("enrolment", "203.0.113.8", long_block)
    email = throttle.account_key("someone@example.org")  # another family: not ours to clean
    everyone = throttle.global_key("enrolment", throttle.CODE_GLOBAL)
    for key in (blocked, blocked, email, everyone):
        _fail(sessions, key, clock)

    clock.advance(timedelta(hours=1, minutes=30))
    _fail(sessions, recent, clock)  # prunes with the same rule
    assert _rows(sessions) == {blocked.name, recent.name, email.name, everyone.name}
    with sessions() as session, pytest.raises(throttle.Throttled):
        throttle.check(session, [blocked], clock.now)  # still blocked: the row stays

    clock.advance(timedelta(minutes=30))  # the block is over
    with sessions.begin() as session:
        assert throttle.prune(session, recent, clock.now) == 1
    assert _rows(sessions) == {recent.name, email.name, everyone.name}


def test_a_failure_still_counts_after_its_row_was_cleaned_up(
        sessions: sessionmaker[Session], clock: FakeClock) -> None:
    key = _address(1)
    for _ in range(RULE.free_failures):
        _fail(sessions, key, clock)
    clock.advance(RULE.forget_after)
    _fail(sessions, _address(2), clock)
    assert key.name not in _rows(sessions)
    # Starting again from nothing is what a forgotten row meant anyway.
    assert not any(_fail(sessions, key, clock) for _ in range(RULE.free_failures))
    assert _fail(sessions, key, clock)  # the eleventh in a row blocks, as before


def test_wrong_codes_from_many_addresses_leave_a_bounded_table(
        app: FastAPI, sessions: sessionmaker[Session], clock: FakeClock) -> None:
    def wrong_code_from(address: str) -> int:
        # Not entered as a context manager: no lifespan per client, just requests.
        http = TestClient(app, base_url="http://localhost", client=(address, 40000))
        return http.post("/api/v1/enrolments",
                         json={"code": "ABCD-2345", "device_label": "phone"}).status_code

    addresses = [f"192.0.2.{n}" for n in range(1, 61)]
    assert {wrong_code_from(address) for address in addresses} == {401}
    assert len(_rows(sessions, "enrolment:ip:")) == 60

    clock.advance(RULE.forget_after)
    assert wrong_code_from("198.51.100.1") == 401
    assert wrong_code_from("198.51.100.2") == 401
    assert len(_rows(sessions, "enrolment:ip:")) == 2
    assert _rows(sessions, "enrolment:all")  # the count of everyone is a row of its own
