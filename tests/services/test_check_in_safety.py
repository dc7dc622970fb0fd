"""Saving a check-in: the flag is written before the record that carries the answer, a
failed write reaches the screen as SaveFailed (never a store type), drafts survive a
lock, and an unanswered scale is stored and queued as unanswered."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from iop_companion.domain.check_in import CheckInDraft, draft_from_dict, draft_to_dict
from iop_companion.domain.safety import SafetyTrigger
from iop_companion.services.check_ins import save_check_in
from iop_companion.services.clinic_link import ENROLMENT_KEY, PROFILE_KEY
from iop_companion.services.drafts import Drafts
from iop_companion.services.errors import SaveFailed
from iop_companion.services.safety import FlagReach, SafetyDesk
from iop_companion.store import Store, StoreError, WriteFailed
from iop_companion.sync.protocol import RecordKind, payload_problem

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
COMPLETE = CheckInDraft(mood=6, craving=2, sleep_hours="7", sleep_quality="good",
                        medications="yes", used_since_last=False, thoughts_of_self_harm=False)
SAID_YES = replace(COMPLETE, thoughts_of_self_harm=True)


def enrol(store: Store) -> None:
    store.settings.set(PROFILE_KEY, {"name": "Cedar Hollow", "timezone": "America/Chicago",
                                     "crisis_line": "555-0100"})
    store.settings.set(ENROLMENT_KEY, {
        "participant_id": "b7e4a2c9-58d1-4f3e-8c6a-2d9f1e0a4b37", "display_name": "Alex",
        "refresh_token": "t", "program_start": "2026-10-01", "program_end": "2026-12-20",
        "discharged_on": None})


class Recording:
    """Wraps a repository: notes each write in a shared log, and can refuse them."""

    def __init__(self, real: Any, name: str, log: list[str], *, refuse: bool = False) -> None:
        self._real, self._name, self._log, self.refuse = real, name, log, refuse

    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self._write("add", *args, **kwargs)

    def enqueue(self, kind: str, *args: Any, **kwargs: Any) -> Any:
        return self._write(f"enqueue {kind}", kind, *args, **kwargs)

    def _write(self, what: str, *args: Any, **kwargs: Any) -> Any:
        if self.refuse:
            raise WriteFailed()
        self._log.append(f"{self._name}.{what}")
        method = "add" if what == "add" else "enqueue"
        return getattr(self._real, method)(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@pytest.fixture
def store() -> Store:
    created = Store.in_memory()
    enrol(created)
    return created


@pytest.fixture
def writes(store: Store) -> list[str]:
    log: list[str] = []
    store.check_ins = Recording(store.check_ins, "check_ins", log)  # type: ignore[assignment]
    store.outbox = Recording(store.outbox, "outbox", log)  # type: ignore[assignment]
    return log


def desk_for(store: Store) -> SafetyDesk:
    return SafetyDesk(store=lambda: store, clock=lambda: NOW)


def queued(store: Store, kind: str) -> list[dict[str, Any]]:
    return [e for e in store.outbox.pending() if e["kind"] == kind]


def test_a_yes_not_yet_flagged_writes_the_flag_before_the_record(
        store: Store, writes: list[str]) -> None:
    record = save_check_in(store, SAID_YES, NOW, raise_flag=desk_for(store).raise_flag)
    assert writes == ["outbox.enqueue safety_flag", "check_ins.add", "outbox.enqueue check_in"]
    [flag] = queued(store, "safety_flag")
    assert flag["payload"] == {"trigger": "check_in_self_harm"}  # never the answers
    assert record["thoughts_of_self_harm"] is True
    assert [e["record_id"] for e in queued(store, "check_in")] == [record["id"]]


def test_without_a_desk_the_flag_still_goes_first(store: Store, writes: list[str]) -> None:
    save_check_in(store, SAID_YES, NOW)
    assert writes[:2] == ["outbox.enqueue safety_flag", "check_ins.add"]


def test_a_flag_raised_when_yes_was_chosen_is_not_raised_again(
        store: Store, writes: list[str]) -> None:
    desk = desk_for(store)
    desk.raise_flag(SafetyTrigger.CHECK_IN_SELF_HARM)  # the moment "Yes" was chosen
    save_check_in(store, replace(SAID_YES, safety_flag_raised=True), NOW,
                  raise_flag=desk.raise_flag)
    assert len(queued(store, "safety_flag")) == 1
    # Changing the answer to "No" afterwards withdraws nothing and adds nothing.
    save_check_in(store, replace(COMPLETE, safety_flag_raised=True), NOW,
                  raise_flag=desk.raise_flag)
    assert len(queued(store, "safety_flag")) == 1


def test_a_no_raises_no_flag(store: Store, writes: list[str]) -> None:
    save_check_in(store, COMPLETE, NOW, raise_flag=desk_for(store).raise_flag)
    assert writes == ["check_ins.add", "outbox.enqueue check_in"]


def test_a_record_write_that_fails_leaves_the_flag_and_raises_save_failed(
        store: Store, writes: list[str]) -> None:
    store.check_ins.refuse = True  # type: ignore[attr-defined]
    with pytest.raises(SaveFailed) as failed:
        save_check_in(store, SAID_YES, NOW, raise_flag=desk_for(store).raise_flag)
    # Screens catch service errors, never store types; the message is safe to show.
    assert not isinstance(failed.value, StoreError)
    assert "could not be saved" in str(failed.value)
    assert len(queued(store, "safety_flag")) == 1  # the alert is there regardless
    assert store.check_ins.list_recent(5) == []


def test_when_the_flag_cannot_be_written_no_record_says_yes_without_it(
        store: Store, writes: list[str]) -> None:
    desk = desk_for(store)
    store.outbox.refuse = True  # type: ignore[attr-defined]
    with pytest.raises(SaveFailed):
        save_check_in(store, SAID_YES, NOW, raise_flag=desk.raise_flag)
    assert store.check_ins.list_recent(5) == []
    # The desk keeps the flag and writes it at the next chance.
    assert desk.last is not None and desk.last.reach is FlagReach.NOT_SAVED
    assert [trigger for trigger, _ in desk.unsaved] == [SafetyTrigger.CHECK_IN_SELF_HARM]
    store.outbox.refuse = False  # type: ignore[attr-defined]
    desk.retry_unsaved()
    assert len(queued(store, "safety_flag")) == 1 and desk.unsaved == []


def test_any_store_error_becomes_save_failed(store: Store) -> None:
    store.check_ins = Recording(store.check_ins, "check_ins", [],  # type: ignore[assignment]
                                refuse=True)
    with pytest.raises(SaveFailed):
        save_check_in(store, COMPLETE, NOW)


def test_unanswered_scales_are_stored_and_queued_as_null(store: Store) -> None:
    record = save_check_in(store, replace(COMPLETE, mood=None, craving=None), NOW)
    assert record["mood"] is None and record["craving"] is None
    stored = store.check_ins.list_recent(1)[0]
    assert stored["mood"] is None and stored["craving"] is None
    [entry] = queued(store, "check_in")
    assert entry["payload"]["mood"] is None and entry["payload"]["craving"] is None
    assert payload_problem(RecordKind.CHECK_IN, entry["payload"]) is None


def test_a_check_in_draft_survives_a_lock_in_the_encrypted_settings(store: Store) -> None:
    drafts = Drafts(store=lambda: store)
    half_written = CheckInDraft(mood=3, note="typed before the lock", triggers=("payday",))
    drafts.keep("check_in", lambda: draft_to_dict(half_written, kept_at=NOW))
    drafts.flush(store, ["check_in"])  # what the shell does just before locking
    assert draft_from_dict(drafts.resume("check_in")) == half_written
    assert drafts.pages_to_reopen() == ["check_in"]
    drafts.finish("check_in")  # saved or cancelled
    assert drafts.resume("check_in") is None
