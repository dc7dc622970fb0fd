"""The participant's link with their clinic: enrolment and bringing the schedule home.

This is the first slice of sync (the sync issue replaces `refresh` with the full
outbox/cursor engine); it already keeps the clinic's data on the phone so the app,
crisis lines included, works with no network.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from iop_companion.store import Store
from iop_companion.sync.clinic_client import (
    ClinicClient,
    ClinicError,
    ClinicUnreachable,
    ExpiredCode,
    InvalidCode,
    NotAuthorised,
)
from iop_companion.sync.protocol import PushOutcome, PushRecord, RecordKind

ENROLMENT_KEY = "clinic.enrolment"
PROFILE_KEY = "clinic.profile"
LAST_REFRESH_KEY = "clinic.last_refresh"
LINK_PROBLEM_KEY = "clinic.problem"


class LinkState(str, Enum):
    NOT_ENROLLED = "not_enrolled"
    UP_TO_DATE = "up_to_date"
    OFFLINE = "offline"
    NOT_AUTHORISED = "not_authorised"
    FAILED = "failed"


@dataclass(frozen=True)
class LinkStatus:
    state: LinkState
    last_refresh: datetime | None
    message_key: str


@dataclass(frozen=True)
class CodeOutcome:
    """What came of typing a code from the clinic (enrolment or family invite)."""

    ok: bool
    message_key: str | None = None
    detail: str | None = None


def code_refused(error: ClinicError, *, invalid_key: str, expired_key: str) -> CodeOutcome:
    """The message for a code the clinic did not accept, or could not be asked about."""
    if isinstance(error, InvalidCode):
        return CodeOutcome(False, invalid_key)
    if isinstance(error, ExpiredCode):
        return CodeOutcome(False, expired_key)
    if isinstance(error, ClinicUnreachable):
        return CodeOutcome(False, "connect.error.unreachable")
    return CodeOutcome(False, "connect.error.other", detail=error.message)


def utc_now() -> datetime:
    return datetime.now(UTC)


class ClinicLink:
    def __init__(self, client: ClinicClient | None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        # `client` is None when the person runs the app without any clinic configured.
        self._client = client
        self._clock = clock

    @property
    def has_clinic(self) -> bool:
        return self._client is not None

    @staticmethod
    def enrolment(store: Store) -> dict[str, Any] | None:
        return store.settings.get(ENROLMENT_KEY)

    @staticmethod
    def profile(store: Store) -> dict[str, Any] | None:
        return store.settings.get(PROFILE_KEY)

    def enrol(self, store: Store, code: str) -> CodeOutcome:
        if self._client is None:
            return CodeOutcome(False, "connect.error.no_clinic")
        if not code.strip():
            return CodeOutcome(False, "connect.error.empty")
        try:
            result = self._client.enrol(code, device_label=f"IOP Companion on {platform.system()}")
        except ClinicError as error:
            return code_refused(error, invalid_key="connect.error.invalid",
                                expired_key="connect.error.expired")
        store.settings.set(ENROLMENT_KEY, {
            "participant_id": str(result.participant_id),
            "display_name": result.display_name,
            "device_token": result.device_token,
            "program_start": result.program_start.isoformat() if result.program_start else None,
            "program_end": result.program_end.isoformat() if result.program_end else None,
            "enrolled_at": self._clock().isoformat(),
        })
        store.settings.set(PROFILE_KEY, result.clinic.model_dump(mode="json"))
        self.refresh(store)
        return CodeOutcome(True)

    def refresh(self, store: Store) -> LinkStatus:
        """Fetch the clinic profile and schedule; on any failure keep what is stored."""
        enrolment = self.enrolment(store)
        if self._client is None or enrolment is None:
            return self.status(store)
        token = enrolment["device_token"]
        try:
            profile = self._client.profile(token)
            schedule = self._client.schedule(token)
        except ClinicUnreachable:
            store.settings.set(LINK_PROBLEM_KEY, LinkState.OFFLINE.value)
            return self.status(store)
        except NotAuthorised:
            store.settings.set(LINK_PROBLEM_KEY, LinkState.NOT_AUTHORISED.value)
            return self.status(store)
        except ClinicError:
            store.settings.set(LINK_PROBLEM_KEY, LinkState.FAILED.value)
            return self.status(store)
        store.settings.set(PROFILE_KEY, profile.clinic.model_dump(mode="json"))
        store.schedule.replace_all([s.model_dump(mode="json") for s in schedule.sessions])
        store.settings.set(LAST_REFRESH_KEY, self._clock().isoformat())
        store.settings.delete(LINK_PROBLEM_KEY)
        return self.status(store)

    def push_outbox(self, store: Store, batch_size: int = 50) -> LinkState:
        """Send what waits in the outbox, highest priority (safety flags) first.

        An entry leaves the outbox only once the clinic has committed it (stored, or
        already stored with the same content). One the clinic refuses is parked with
        its reason, never resent in a loop and never dropped.
        """
        enrolment = self.enrolment(store)
        if self._client is None or enrolment is None:
            return LinkState.NOT_ENROLLED
        while True:
            entries = store.outbox.pending(limit=batch_size)
            if not entries:
                return LinkState.UP_TO_DATE
            records = [PushRecord(id=e["record_id"], kind=RecordKind(e["kind"]), version=1,
                                  replaces_version=None, created_at=e["created_at"],
                                  priority=max(0, min(100, int(e["priority"]))),
                                  payload=e["payload"])
                       for e in entries]
            try:
                response = self._client.push(enrolment["device_token"], records)
            except ClinicUnreachable:
                return LinkState.OFFLINE
            except NotAuthorised:
                return LinkState.NOT_AUTHORISED
            except ClinicError:
                return LinkState.FAILED
            by_record = {(str(r.id), r.version): r for r in response.results}
            answered = [e for e in entries if (e["record_id"], 1) in by_record]
            if not answered:
                return LinkState.FAILED  # the clinic answered none of them: try later
            sent: list[str] = []
            for entry in answered:
                result = by_record[(entry["record_id"], 1)]
                if result.outcome in (PushOutcome.STORED, PushOutcome.DUPLICATE):
                    sent.append(entry["id"])
                else:
                    store.outbox.park(entry["id"], result.reason or result.outcome.value)
            store.outbox.mark_sent(sent)
            if len(entries) < batch_size:
                return LinkState.UP_TO_DATE

    def sync(self, store: Store) -> LinkStatus:
        """Push first (a safety flag must not wait behind the schedule), then pull."""
        pushed = self.push_outbox(store)
        if pushed in (LinkState.OFFLINE, LinkState.NOT_AUTHORISED, LinkState.FAILED):
            store.settings.set(LINK_PROBLEM_KEY, pushed.value)
            return self.status(store)
        return self.refresh(store)

    def status(self, store: Store) -> LinkStatus:
        last_text = store.settings.get(LAST_REFRESH_KEY)
        last = datetime.fromisoformat(last_text) if last_text else None
        if self.enrolment(store) is None:
            return LinkStatus(LinkState.NOT_ENROLLED, None, "status.not_enrolled")
        problem = store.settings.get(LINK_PROBLEM_KEY)
        if problem:
            state = LinkState(problem)
            return LinkStatus(state, last, f"status.{state.value}")
        return LinkStatus(LinkState.UP_TO_DATE, last, "status.up_to_date")
