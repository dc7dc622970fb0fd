"""Throttles on guessing: enrolment codes, family invite codes and clinician sign-in.

Each failure counts under several keys (the client's address, everyone at once, and for
sign-in the email typed). A key allows some failures, then blocks for a time that
doubles with every further failure, up to a ceiling; failures are forgotten after a
quiet spell. A blocked request is answered 429 with Retry-After before anything is
checked, so guesses made while blocked tell the guesser nothing.

Counters live in the database (`throttle_counters`), so every worker process sees the
same ones. A row whose failures are forgotten and whose block is over means nothing
more than no row at all, so each counted failure also deletes a few such rows of its
own family (addresses, or emails): a spray of addresses cannot grow the table without
end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from iop_companion.clinic.credentials import digest
from iop_companion.clinic.models import ThrottleCounter


@dataclass(frozen=True)
class ThrottleRule:
    free_failures: int  # failures allowed before the first block
    first_block: timedelta  # doubles with each failure after that
    max_block: timedelta
    forget_after: timedelta  # a key with no failure for this long starts again from 0

    def block_for(self, failures: int) -> timedelta | None:
        over = failures - self.free_failures
        if over <= 0:
            return None
        seconds = self.first_block.total_seconds() * 2 ** min(over - 1, 30)
        return min(self.max_block, timedelta(seconds=seconds))


# One address guessing codes: 10 wrong codes, then 1 minute, 2, 4... up to an hour.
CODE_PER_ADDRESS = ThrottleRule(10, timedelta(minutes=1), timedelta(hours=1), timedelta(hours=1))
# Everyone together (a guesser with many addresses): 300 wrong codes in a quiet-free
# spell, then 10 seconds, doubling up to 5 minutes. Short blocks: a flood must not keep
# real participants from enrolling for long.
CODE_GLOBAL = ThrottleRule(300, timedelta(seconds=10), timedelta(minutes=5),
                           timedelta(minutes=15))
SIGN_IN_PER_ADDRESS = ThrottleRule(20, timedelta(minutes=1), timedelta(hours=1),
                                   timedelta(hours=1))
SIGN_IN_GLOBAL = ThrottleRule(500, timedelta(seconds=10), timedelta(minutes=5),
                              timedelta(minutes=15))
# One account (by the email typed, known or not, so a lock tells nothing about which
# accounts exist): 5 wrong passwords lock it for 15 minutes, then 30, 60... up to a day.
SIGN_IN_PER_ACCOUNT = ThrottleRule(5, timedelta(minutes=15), timedelta(days=1),
                                   timedelta(days=1))


# Stale rows deleted per counted failure, at most: each failure adds at most one row to
# its family and takes away up to this many, so the table keeps only rows that still
# mean something, while one failure never pays for a big clean-up.
PRUNE_BATCH = 50


class Throttled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"throttled for {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Key:
    name: str
    rule: ThrottleRule


def address_key(kind: str, address: str | None, rule: ThrottleRule) -> Key:
    return Key(f"{kind}:ip:{digest(address or 'unknown')[:40]}", rule)


def global_key(kind: str, rule: ThrottleRule) -> Key:
    return Key(f"{kind}:all", rule)


def account_key(email: str) -> Key:
    return Key(f"sign_in:email:{digest(email.strip().lower())[:40]}", SIGN_IN_PER_ACCOUNT)


def check(db: Session, keys: list[Key], now: datetime) -> None:
    """Raise Throttled if any key is blocked now (the longest wait is reported)."""
    rows = db.scalars(
        select(ThrottleCounter).where(ThrottleCounter.key.in_([key.name for key in keys]))
    )
    waits = [row.blocked_until - now for row in rows
             if row.blocked_until is not None and row.blocked_until > now]
    db.rollback()  # nothing to keep; do not hold a read transaction open
    if waits:
        raise Throttled(max(1, math.ceil(max(waits).total_seconds())))


def record_failure(db: Session, key: Key, now: datetime) -> bool:
    """Count a failure under `key` in the caller's transaction; True when it starts a block."""
    insert = (postgresql.insert if db.get_bind().dialect.name == "postgresql"
              else sqlite.insert)
    db.execute(insert(ThrottleCounter)
               .values(key=key.name, failures=0, last_failure_at=now)
               .on_conflict_do_nothing())
    row = db.scalar(
        select(ThrottleCounter).where(ThrottleCounter.key == key.name).with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None
    if row.last_failure_at <= now - key.rule.forget_after:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    block = key.rule.block_for(row.failures)
    if block is not None:
        row.blocked_until = now + block
    prune(db, key, now)
    return block is not None


def key_family(name: str) -> str | None:
    """The prefix shared by the keys of one kind and rule ("enrolment:ip:"), or None for
    a key that is alone of its kind (the global "enrolment:all")."""
    head, _, _ = name.rpartition(":")
    return f"{head}:" if ":" in head else None


def prune(db: Session, key: Key, now: datetime, limit: int = PRUNE_BATCH) -> int:
    """Delete up to `limit` rows of `key`'s family whose failures are forgotten (by
    `key.rule`, which every key of a family shares) and whose block is over; how many.

    On PostgreSQL rows locked by another request are skipped, never waited for: only
    address or email rows are pruned, and only by a request that already holds the row
    of its own key of that family, so the clean-up can add no lock wait that deadlocks.
    """
    family = key_family(key.name)
    if family is None:
        return 0
    stale = (select(ThrottleCounter.key)
             .where(ThrottleCounter.key.startswith(family, autoescape=True),
                    ThrottleCounter.key != key.name,
                    ThrottleCounter.last_failure_at <= now - key.rule.forget_after,
                    or_(ThrottleCounter.blocked_until.is_(None),
                        ThrottleCounter.blocked_until <= now))
             .limit(limit))
    if db.get_bind().dialect.name == "postgresql":
        stale = stale.with_for_update(skip_locked=True)
    names = list(db.scalars(stale))
    if names:
        db.execute(delete(ThrottleCounter).where(ThrottleCounter.key.in_(names))
                   .execution_options(synchronize_session=False))
    return len(names)


def clear(db: Session, key: Key) -> None:
    """Forget a key's failures (a right password ends the run of wrong ones)."""
    row = db.get(ThrottleCounter, key.name)
    if row is not None:
        db.delete(row)
