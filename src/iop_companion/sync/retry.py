"""When to try a failed sync again: exponential backoff with jitter. Pure rules.

Thousands of phones losing the clinic at once (a server restart, a cell tower) must
not all come back in the same second, so every wait is randomised ("equal jitter":
half fixed, half random), and the waits grow so that a clinic that is down for an hour
is asked a few dozen times, not thousands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class Failure(str, Enum):
    """How a sync attempt ended, as far as retrying is concerned."""

    NONE = "none"  # it worked
    TRANSIENT = "transient"  # network error, timeout, 5xx, 429: worth another try
    REFUSED = "refused"  # 401/403/409/422: the same request would be refused again


@dataclass(frozen=True)
class RetryPolicy:
    first_delay_seconds: float = 2.0
    max_delay_seconds: float = 300.0
    # After this many attempts in a row the periodic sync (every few minutes) takes over.
    max_attempts: int = 8

    def __post_init__(self) -> None:
        if not 0 < self.first_delay_seconds <= self.max_delay_seconds:
            raise ValueError("need 0 < first_delay_seconds <= max_delay_seconds")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def delay_before(self, retry_number: int, random_fraction: Callable[[], float]) -> float:
        """Seconds to wait before retry `retry_number` (1 for the first retry).

        `random_fraction` returns a number in [0, 1); injected so tests are exact.
        """
        if retry_number < 1:
            raise ValueError("retry_number starts at 1")
        # min() before the power would overflow for a large retry_number.
        ceiling = min(self.max_delay_seconds,
                      self.first_delay_seconds * 2 ** min(retry_number - 1, 32))
        fraction = min(max(random_fraction(), 0.0), 1.0)
        return ceiling / 2 + fraction * ceiling / 2

    def should_retry(self, failure: Failure, attempts_made: int) -> bool:
        return failure is Failure.TRANSIENT and attempts_made < self.max_attempts
