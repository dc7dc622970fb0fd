"""The safety flag's service side: it never raises, says truthfully whether the clinic
can be told, retries a write the phone refused, and keeps a flag it could not write
until it can. Also: drafts written just before a lock, the crisis grace period, and
the lock-screen card."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from iop_companion.domain.safety import SafetyTrigger
from iop_companion.services.account import Account
from iop_companion.services.clinic_link import ENROLMENT_KEY, LINK_PROBLEM_KEY, PROFILE_KEY
from iop_companion.services.crisis_card import LockedHelp, crisis_card_of
from iop_companion.services.drafts import Drafts
from iop_companion.services.safety import (
    FlagReach,
    SafetyDesk,
    last_flag,
    note_flag_receipts,
    raise_safety_flag,
)
from iop_companion.store import LockScreenCard, Store, Vault, WriteFailed
from tests.services.conftest import FakeTime

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
PARTICIPANT_ID = "b7e4a2c9-58d1-4f3e-8c6a-2d9f1e0a4b37"


def enrol(store: Store, *, discharged_on: date | None = None) -> None:
    store.settings.set(PROFILE_KEY, {"name": "Cedar Hollow", "timezone": "America/Chicago",
                                     "crisis_line": "555-0100"})
    store.settings.set(ENROLMENT_KEY, {
        "participant_id": PARTICIPANT_ID, "display_name": "Alex", "refresh_token": "t",
        "program_start": "2026-10-01", "program_end": "2026-12-20",
        "discharged_on": discharged_on.isoformat() if discharged_on else None})


class FailingOutbox:
    """An outbox whose writes the phone refuses `failures` times (storage full)."""

    def __init__(self, real: Any, failures: int) -> None:
        self._real = real
        self.failures = failures
        self.tries = 0

    def enqueue(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self.tries += 1
        if self.failures > 0:
            self.failures -= 1
            raise WriteFailed()
        return self._real.enqueue(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def flags(store: Store) -> list[dict[str, Any]]:
    return [e for e in store.outbox.pending() if e["kind"] == "safety_flag"]


@pytest.fixture
def store() -> Store:
    created = Store.in_memory()
    enrol(created)
    return created


def test_an_enrolled_phone_queues_the_flag_first_and_says_so(store: Store) -> None:
    store.outbox.enqueue("check_in", "c1", {"x": 1})
    outcome = raise_safety_flag(store, SafetyTrigger.CHECK_IN_SELF_HARM, NOW)
    assert outcome.reach is FlagReach.QUEUED and outcome.clinic_will_see_it
    first = store.outbox.pending()[0]
    assert first["kind"] == "safety_flag" and first["record_id"] == outcome.flag_id
    # Only what started it travels, never the answers.
    assert first["payload"] == {"trigger": "check_in_self_harm"}


@pytest.mark.parametrize("setup, reach", [
    (lambda s: None, FlagReach.NOT_ENROLLED),
    (lambda s: enrol(s, discharged_on=date(2026, 11, 1)), FlagReach.DISCHARGED),
])
def test_no_clinic_to_tell_queues_nothing_and_says_why(setup, reach) -> None:
    store = Store.in_memory()
    setup(store)
    outcome = raise_safety_flag(store, SafetyTrigger.PHQ9_ITEM9, NOW)
    assert outcome.reach is reach and not outcome.clinic_will_see_it
    assert flags(store) == []


def test_a_disconnected_phone_keeps_the_flag_but_does_not_pretend(store: Store) -> None:
    store.settings.set(LINK_PROBLEM_KEY, "not_authorised")
    outcome = raise_safety_flag(store, SafetyTrigger.PARTICIPANT_REQUEST, NOW)
    assert outcome.reach is FlagReach.DISCONNECTED and not outcome.clinic_will_see_it
    assert len(flags(store)) == 1


def test_a_refused_write_is_tried_again(store: Store) -> None:
    failing = FailingOutbox(store.outbox, failures=2)
    store.outbox = failing  # type: ignore[assignment]
    outcome = raise_safety_flag(store, SafetyTrigger.CHECK_IN_SELF_HARM, NOW)
    assert outcome.reach is FlagReach.QUEUED
    assert failing.tries == 3 and len(flags(store)) == 1


def test_a_write_that_never_succeeds_is_reported_and_kept_for_later(store: Store) -> None:
    failing = FailingOutbox(store.outbox, failures=100)
    store.outbox = failing  # type: ignore[assignment]
    desk = SafetyDesk(store=lambda: store, clock=lambda: NOW)
    outcome = desk.raise_flag(SafetyTrigger.CHECK_IN_SELF_HARM)  # never raises
    assert outcome.reach is FlagReach.NOT_SAVED
    assert desk.last == outcome and len(desk.unsaved) == 1
    # The phone has room again: the next chance (unlock, a sync) writes it.
    failing.failures = 0
    retried = desk.retry_unsaved()
    assert retried is not None and retried.reach is FlagReach.QUEUED
    assert desk.unsaved == [] and desk.last == retried
    assert [f["payload"]["trigger"] for f in flags(store)] == ["check_in_self_harm"]


def test_a_flag_raised_while_locked_is_written_at_unlock(store: Store) -> None:
    current: list[Store | None] = [None]
    desk = SafetyDesk(store=lambda: current[0], clock=lambda: NOW)
    assert desk.raise_flag(SafetyTrigger.PARTICIPANT_REQUEST).reach is FlagReach.NOT_SAVED
    current[0] = store
    assert desk.retry_unsaved().reach is FlagReach.QUEUED  # type: ignore[union-attr]
    assert len(flags(store)) == 1


def test_the_clinic_receipt_is_noted_once_the_flag_left_the_outbox(store: Store) -> None:
    desk = SafetyDesk(store=lambda: store, clock=lambda: NOW)
    outcome = desk.raise_flag(SafetyTrigger.PARTICIPANT_REQUEST)
    note_flag_receipts(store, NOW)
    sent = last_flag(store)
    assert sent is not None and sent.flag_id == outcome.flag_id and sent.received_at is None
    store.outbox.mark_sent([e["id"] for e in flags(store)])
    note_flag_receipts(store, NOW)
    sent = last_flag(store)
    assert sent is not None and sent.received_at == NOW
    assert sent.trigger is SafetyTrigger.PARTICIPANT_REQUEST


def test_open_forms_are_written_encrypted_just_before_the_lock(
        tmp_path: Path, vault: Vault, fake_time: FakeTime) -> None:
    account = Account(vault, clock=fake_time)
    assert account.create("482913", "482913") is None
    drafts = Drafts(store=lambda: account.store)
    typed = {"note": "MARKER-draft-text", "mood": None}
    drafts.keep("check_in", lambda: typed)
    account.before_lock(lambda store: drafts.flush(store, ["check_in"]))
    account.lock()
    # Never in a plain file: the marker is in no file under the data folder.
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert b"MARKER-draft-text" not in path.read_bytes(), path
    assert account.unlock("482913").unlocked
    assert drafts.pages_to_reopen() == ["check_in"]
    assert drafts.pages_to_reopen() == []  # read once
    assert drafts.resume("check_in") == typed
    drafts.finish("check_in")
    assert drafts.resume("check_in") is None


def test_a_failing_draft_write_does_not_stop_the_lock(vault: Vault, fake_time: FakeTime) -> None:
    account = Account(vault, clock=fake_time)
    account.create("482913", "482913")
    drafts = Drafts(store=lambda: account.store)

    def broken() -> dict[str, Any]:
        raise RuntimeError("boom")

    drafts.keep("check_in", broken)
    account.before_lock(lambda store: drafts.flush(store))
    account.lock()
    assert not account.is_unlocked


def test_the_crisis_grace_period_ends_by_itself_and_at_unlock(
        vault: Vault, fake_time: FakeTime) -> None:
    account = Account(vault, clock=fake_time, crisis_grace_seconds=600)
    account.create("482913", "482913")
    account.begin_crisis_grace()
    account.lock()
    assert account.in_crisis_grace
    fake_time.now += 599
    assert account.in_crisis_grace
    fake_time.now += 2
    assert not account.in_crisis_grace
    account.begin_crisis_grace()
    account.unlock("482913")
    assert not account.in_crisis_grace


def test_the_grace_copy_shows_only_during_the_grace_period(store: Store, tmp_path: Path) -> None:
    store.safety_plan.save({"warning_signs": ["I stop answering texts"],
                            "most_important": "My daughter"})
    help_ = LockedHelp(LockScreenCard(tmp_path))
    help_.before_lock(store, in_grace=True)
    card = help_.card(in_grace=True)
    assert card is not None and card.plan["warning_signs"] == ["I stop answering texts"]
    assert card.clinic_contact() is not None and card.clinic_contact().call == "555-0100"
    assert help_.card(in_grace=False) is None  # over: nothing without the PIN


def test_the_lock_screen_card_is_sealed_and_destroyed_when_turned_off(
        store: Store, tmp_path: Path) -> None:
    store.safety_plan.save({"coping_strategies": ["MARKER-walk-the-dog"]})
    help_ = LockedHelp(LockScreenCard(tmp_path))
    assert not help_.shows_on_lock_screen() and help_.card(in_grace=False) is None
    help_.show_on_lock_screen(store, True)
    assert help_.shows_on_lock_screen()
    for path in tmp_path.rglob("*"):
        assert b"MARKER-walk-the-dog" not in path.read_bytes()
    card = help_.card(in_grace=False)
    assert card is not None and card.plan["coping_strategies"] == ["MARKER-walk-the-dog"]
    assert card == crisis_card_of(store)
    help_.show_on_lock_screen(store, False)
    assert list(tmp_path.iterdir()) == [] and help_.card(in_grace=False) is None


def test_a_damaged_lock_screen_card_shows_nothing_rather_than_failing(
        store: Store, tmp_path: Path) -> None:
    card_file = LockScreenCard(tmp_path)
    LockedHelp(card_file).show_on_lock_screen(store, True)
    (tmp_path / "lock-card.bin").write_bytes(b"\x00" * 40)
    assert card_file.load() is None
    assert LockedHelp(card_file).card(in_grace=False) is None


def test_the_crisis_card_carries_my_people_with_a_phone(store: Store, tmp_path: Path) -> None:
    from iop_companion.domain.people import PersonDraft
    from iop_companion.services.people import add_person

    add_person(store, PersonDraft(name="Sam", phone="555-201-7788", kind="support"))
    add_person(store, PersonDraft(name="Dr. Lee", phone="", kind="professional"))
    help_ = LockedHelp(LockScreenCard(tmp_path))
    help_.show_on_lock_screen(store, True)
    card = help_.card(in_grace=False)
    assert card is not None
    assert card.people_of("support") == [{"name": "Sam", "phone": "555-201-7788",
                                           "kind": "support"}]
    assert card.people_of("professional") == []  # no number: nothing to call
