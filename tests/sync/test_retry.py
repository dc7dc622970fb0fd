"""Backoff with jitter: exact waits for given random draws, growth, cap, what retries."""

from __future__ import annotations

import pytest

from iop_companion.sync.retry import Failure, RetryPolicy


def test_first_retry_waits_between_half_and_all_of_the_first_delay() -> None:
    policy = RetryPolicy(first_delay_seconds=2, max_delay_seconds=300)
    assert policy.delay_before(1, lambda: 0.0) == 1.0
    assert policy.delay_before(1, lambda: 0.5) == 1.5
    assert policy.delay_before(1, lambda: 0.999) == pytest.approx(1.999)


def test_waits_double_until_the_cap() -> None:
    policy = RetryPolicy(first_delay_seconds=2, max_delay_seconds=60)
    ceilings = [policy.delay_before(n, lambda: 1.0) for n in range(1, 9)]
    assert ceilings == [2, 4, 8, 16, 32, 60, 60, 60]


def test_a_huge_retry_number_stays_at_the_cap() -> None:
    policy = RetryPolicy(first_delay_seconds=2, max_delay_seconds=300)
    assert policy.delay_before(10_000, lambda: 1.0) == 300


def test_jitter_spreads_phones_that_failed_together() -> None:
    policy = RetryPolicy()
    draws = iter([i / 100 for i in range(100)])
    waits = {round(policy.delay_before(4, lambda: next(draws)), 3) for _ in range(100)}
    assert len(waits) == 100
    assert min(waits) >= 8 and max(waits) < 16


def test_a_random_source_out_of_range_cannot_stretch_the_wait() -> None:
    policy = RetryPolicy(first_delay_seconds=2, max_delay_seconds=300)
    assert policy.delay_before(1, lambda: 7.0) == 2.0
    assert policy.delay_before(1, lambda: -3.0) == 1.0


@pytest.mark.parametrize("failure, attempts, expected", [
    (Failure.TRANSIENT, 1, True),
    (Failure.TRANSIENT, 7, True),
    (Failure.TRANSIENT, 8, False),
    (Failure.REFUSED, 1, False),
    (Failure.NONE, 1, False),
])
def test_only_passing_failures_are_retried(failure: Failure, attempts: int,
                                           expected: bool) -> None:
    assert RetryPolicy(max_attempts=8).should_retry(failure, attempts) is expected


@pytest.mark.parametrize("kwargs", [
    {"first_delay_seconds": 0},
    {"first_delay_seconds": 10, "max_delay_seconds": 5},
    {"max_attempts": 0},
])
def test_nonsense_policies_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)


def test_retry_numbers_start_at_one() -> None:
    with pytest.raises(ValueError):
        RetryPolicy().delay_before(0, lambda: 0.5)
