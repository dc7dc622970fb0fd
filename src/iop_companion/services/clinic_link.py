"""The participant's link with their clinic: enrolment, tokens, push and pull sync.

Pull is cursor based: the clinic numbers every change it publishes (server sequence,
never device time), the app asks for what came after its cursor, applies each page
to the store and only then saves the new cursor (security Y3). Push sends the
outbox. The server epoch tells a clinic restored from a backup (Y6): the app then
pulls again from 0 and re-sends everything the clinic had acknowledged.

Tokens: the refresh token lives only in the encrypted store, the 15-minute access
token only in memory. Its lifetime is measured on the monotonic clock, so a phone
whose wall clock is wrong still renews in time.

Which clinic: the address the app was started with (`--clinic-url`, `--demo`, or a
clinic built into a phone build) when there is one; otherwise the one the person
named when connecting (an enrolment link, or an address typed by hand), kept in the
encrypted store so that later starts talk to the same clinic.
"""

from __future__ import annotations

import platform
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar

from pydantic import ValidationError

from iop_companion.services import shared_records
from iop_companion.store import Store, StoreError, StoreLocked
from iop_companion.store.published import PublishedItemsRepository
from iop_companion.sync.clinic_client import (
    AccessTokenExpired,
    ClinicClient,
    ClinicError,
    ClinicUnreachable,
    ExpiredCode,
    InvalidCode,
    NoClinicAddress,
    NotAuthorised,
)
from iop_companion.sync.protocol import (
    DEFAULT_CHANGES_PAGE,
    Change,
    ChangeKind,
    PushOutcome,
    PushRecord,
    RecordKind,
    RecordVersion,
    TokenPair,
    change_data,
    payload_problem,
)
from iop_companion.sync.protocol.enrolment import normalise_enrolment_code
from iop_companion.sync.protocol.enrolment_link import (
    BadEnrolmentLink,
    EnrolmentLink,
    LinkKind,
    LinkProblem,
    normalise_clinic_url,
    parse_link,
)

ENROLMENT_KEY = "clinic.enrolment"
# The clinic's address, kept once a connection to it worked (enrolment or family join).
CLINIC_URL_KEY = "clinic.url"
PROFILE_KEY = "clinic.profile"
LAST_REFRESH_KEY = "clinic.last_refresh"
LINK_PROBLEM_KEY = "clinic.problem"
PULL_CURSOR_KEY = "clinic.pull_cursor"
SERVER_EPOCH_KEY = "clinic.server_epoch"
# Kinds of change this app version did not know -> the first seq skipped. An updated
# app that knows the kind rewinds its cursor there and pulls them again: nothing lost.
SKIPPED_KINDS_KEY = "clinic.skipped_change_kinds"
# The participant's diary-card targets, as the clinic last sent them, and the label of
# every target ever sent (an old card keeps the ratings of a target taken off the list):
# {"targets": [{"id", "label"}], "labels": {id: label}}.
DIARY_TARGETS_KEY = "clinic.diary_targets"

# Renew the access token this long before the clinic would refuse it.
ACCESS_RENEWAL_MARGIN_SECONDS = 60.0

Result = TypeVar("Result")


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


_ADDRESS_PROBLEMS = frozenset(
    {LinkProblem.NOT_AN_ADDRESS, LinkProblem.NOT_HTTPS, LinkProblem.EXTRA_PARTS})


def _link_keys(kind: LinkKind) -> str:
    return "connect.link" if kind is LinkKind.ENROLMENT else "family.link"


def link_problem_key(problem: LinkProblem, kind: LinkKind) -> str:
    """The message key for a link or address that cannot be used."""
    if problem in _ADDRESS_PROBLEMS:
        return f"connect.address.{problem.value}"
    return f"{_link_keys(kind)}.{problem.value}"


def looks_like_link(text: str) -> bool:
    """Whether a person pasted a link (or an address) rather than typed a bare code."""
    return "/" in text or ":" in text


def read_link(text: str, kind: LinkKind) -> EnrolmentLink | CodeOutcome:
    """The clinic address and code in a pasted link (or a scanned QR code, which holds
    the same text), or the refusal to show next to the field."""
    if not text.strip():
        return CodeOutcome(False, f"{_link_keys(kind)}.empty")
    try:
        return parse_link(text, kind)
    except BadEnrolmentLink as bad:
        if bad.problem is LinkProblem.NOT_A_LINK and _is_code(text):
            return CodeOutcome(False, f"{_link_keys(kind)}.code_only")
        return CodeOutcome(False, link_problem_key(bad.problem, kind))


def _is_code(text: str) -> bool:
    try:
        normalise_enrolment_code(text)
    except ValueError:
        return False
    return True


def utc_now() -> datetime:
    return datetime.now(UTC)


def _version(entry: dict[str, Any]) -> int:
    """The record version an outbox entry carries (1 for entries from before versions)."""
    return int(entry.get("version") or 1)


class ChangeNotApplicable(Exception):
    """A pulled change of a known kind whose data does not fit it: the cursor stays put."""


@dataclass(frozen=True)
class _AccessGrant:
    token: str
    refresh_token: str  # the refresh token issued with it: a grant belongs to one enrolment
    renew_at: float  # monotonic seconds


class ClinicLink:
    def __init__(
        self,
        client: ClinicClient | None,
        clock: Callable[[], datetime] = utc_now,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        page_size: int = DEFAULT_CHANGES_PAGE,
    ) -> None:
        # `client` is None when the app may never talk to a clinic (tests); a client
        # without an address is an app that learns its clinic when the person connects.
        self._client = client
        # An address given at start wins over the one kept in the store.
        self._fixed_address = client is not None and client.base_url is not None
        self._clock = clock
        self._monotonic = monotonic
        self._page_size = page_size
        self._access: _AccessGrant | None = None
        # One refresh at a time: two threads spending the same refresh token would
        # look like theft to the clinic and get this device disconnected.
        self._token_lock = threading.Lock()

    def clinic_url(self, store: Store) -> str | None:
        """The address of the clinic this app talks to, or None when it knows none yet."""
        self.use_kept_clinic(store)
        return self._client.base_url if self._client is not None else None

    def use_kept_clinic(self, store: Store) -> None:
        """Talk to the clinic whose address the store kept, unless one was given at start."""
        if self._client is None or self._fixed_address:
            return
        kept = store.settings.get(CLINIC_URL_KEY)
        if kept and kept != self._client.base_url:
            self._client.use_address(kept)

    def connect(self, store: Store, clinic_url: str | None,
                attempt: Callable[[], CodeOutcome]) -> CodeOutcome:
        """Run `attempt` (an enrolment, a family join) at the clinic at `clinic_url`, or at
        the clinic this app knows when None; keep the clinic's address once it worked.

        An app that knows its clinic refuses another one (what it keeps belongs to that
        clinic). Otherwise the address is asked whether it is a clinic first, so a typo
        gets a clear message rather than a refused code.
        """
        if self._client is None:
            return CodeOutcome(False, "connect.error.no_clinic")
        known = self.clinic_url(store)
        wanted = None
        if clinic_url is not None:
            try:
                wanted = normalise_clinic_url(clinic_url)
            except BadEnrolmentLink as bad:
                return CodeOutcome(False, link_problem_key(bad.problem, LinkKind.ENROLMENT))
        if known is not None:
            if wanted is not None and wanted != normalise_clinic_url(known):
                return CodeOutcome(False, "connect.error.other_clinic")
            return self._keep_address_if(store, attempt())
        if wanted is None:
            return CodeOutcome(False, "connect.error.no_clinic")
        refusal = self._not_a_clinic(wanted)
        if refusal is not None:
            return refusal
        self._client.use_address(wanted)
        outcome = attempt()
        if not outcome.ok:
            self._client.use_address(None)  # never keep an address that did not work
        return self._keep_address_if(store, outcome)

    def _not_a_clinic(self, clinic_url: str) -> CodeOutcome | None:
        assert self._client is not None
        try:
            self._client.for_address(clinic_url).health()
        except ClinicUnreachable:
            return CodeOutcome(False, "connect.error.address_unreachable")
        except ClinicError as error:
            if error.retryable:  # a clinic, in trouble right now
                return CodeOutcome(False, "connect.error.other", detail=error.message)
            return CodeOutcome(False, "connect.error.not_a_clinic")
        return None

    def _keep_address_if(self, store: Store, outcome: CodeOutcome) -> CodeOutcome:
        """Keep the clinic's address in the store when `outcome` says it worked."""
        address = self._client.base_url if self._client is not None else None
        if outcome.ok and address is not None and store.settings.get(CLINIC_URL_KEY) != address:
            store.settings.set(CLINIC_URL_KEY, address)
        return outcome

    def enrol_at(self, store: Store, clinic_url: str | None, code: str) -> CodeOutcome:
        """Enrol with `code` at the clinic at `clinic_url` (None: the one this app knows)."""
        if not code.strip():
            return CodeOutcome(False, "connect.error.empty")
        return self.connect(store, clinic_url, lambda: self.enrol(store, code))

    def enrol_with_link(self, store: Store, text: str) -> CodeOutcome:
        """Enrol with a pasted enrolment link (or the text of the clinic's QR code)."""
        return self.connect_with_link(store, text, LinkKind.ENROLMENT,
                                      lambda code: self.enrol(store, code))

    def connect_with_link(self, store: Store, text: str, kind: LinkKind,
                          attempt: Callable[[str], CodeOutcome]) -> CodeOutcome:
        """Run `attempt` with the code in a pasted link, at the link's clinic (which must
        be the clinic this app knows, when it knows one)."""
        link = read_link(text, kind)
        if isinstance(link, CodeOutcome):
            return link
        return self.connect(store, link.clinic_url, lambda: attempt(link.code))

    @staticmethod
    def enrolment(store: Store) -> dict[str, Any] | None:
        return store.settings.get(ENROLMENT_KEY)

    @staticmethod
    def profile(store: Store) -> dict[str, Any] | None:
        return store.settings.get(PROFILE_KEY)

    def enrol(self, store: Store, code: str) -> CodeOutcome:
        if self._client is None:
            return CodeOutcome(False, "connect.error.no_clinic")
        self.use_kept_clinic(store)
        if self._client.base_url is None:
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
            "refresh_token": result.refresh_token,
            "program_start": result.program_start.isoformat() if result.program_start else None,
            "program_end": result.program_end.isoformat() if result.program_end else None,
            "discharged_on": (result.discharged_on.isoformat() if result.discharged_on
                              else None),
            "enrolled_at": self._clock().isoformat(),
        })
        store.settings.set(PROFILE_KEY, result.clinic.model_dump(mode="json"))
        store.settings.set(CLINIC_URL_KEY, self._client.base_url)
        # A new enrolment starts the feed afresh (the previous one may be another account's).
        store.settings.set(PULL_CURSOR_KEY, 0)
        store.settings.delete(SKIPPED_KINDS_KEY)
        store.settings.delete(LINK_PROBLEM_KEY)
        # The feed from 0 sends every list of targets this account was ever given again.
        store.settings.delete(DIARY_TARGETS_KEY)
        with self._token_lock:
            self._remember_access(result)
        self.refresh(store)
        return CodeOutcome(True)

    # ------------------------------------------------------------------ sync

    def sync(self, store: Store) -> LinkStatus:
        """Push first (a safety flag must not wait behind the schedule), then pull."""
        pushed = self.push_outbox(store)
        if pushed in (LinkState.OFFLINE, LinkState.NOT_AUTHORISED, LinkState.FAILED):
            store.settings.set(LINK_PROBLEM_KEY, pushed.value)
            return self.status(store)
        return self.refresh(store)

    def refresh(self, store: Store) -> LinkStatus:
        """Pull what the clinic published since the cursor; on any failure keep what is
        stored and leave the cursor where it was."""
        if self._client is None or self.enrolment(store) is None:
            return self.status(store)
        self.use_kept_clinic(store)
        state = self._pull(store)
        if state is None:
            # The clinic was restored from a backup: send back what it lost, then pull
            # everything again from the start of its (restored) feed.
            state = self.push_outbox(store)
            if state is LinkState.UP_TO_DATE:
                state = self._pull(store) or LinkState.FAILED
        if state is LinkState.UP_TO_DATE:
            store.settings.set(LAST_REFRESH_KEY, self._clock().isoformat())
            store.settings.delete(LINK_PROBLEM_KEY)
            # The clinic that just answered is this enrolment's (an app enrolled before
            # addresses were kept learns it here, from its --clinic-url).
            self._keep_address_if(store, CodeOutcome(True))
        else:
            store.settings.set(LINK_PROBLEM_KEY, state.value)
        return self.status(store)

    def _pull(self, store: Store) -> LinkState | None:
        """Pull pages until the feed is exhausted. None: the server epoch changed."""
        assert self._client is not None
        client = self._client
        cursor = self._start_cursor(store)
        while True:
            try:
                page = self._authorised(
                    store, lambda token: client.changes(token, cursor, self._page_size))
            except ClinicError as error:
                return _state_for(error)
            if self._observe_epoch(store, page.server_epoch):
                return None
            if page.has_more and page.next_cursor <= cursor:
                return LinkState.FAILED  # a feed that does not move on: never loop on it
            try:
                self._apply(store, page.changes)
            except StoreLocked:
                raise  # the app locked mid-sync: nothing to report (see SyncRunner)
            except (ChangeNotApplicable, StoreError):
                return LinkState.FAILED  # the cursor stays before this page
            # Only now: the page is in the store, so the cursor may pass it (Y3).
            store.settings.set(PULL_CURSOR_KEY, page.next_cursor)
            cursor = page.next_cursor
            if not page.has_more:
                return LinkState.UP_TO_DATE

    def _start_cursor(self, store: Store) -> int:
        cursor = int(store.settings.get(PULL_CURSOR_KEY) or 0)
        skipped: dict[str, int] = store.settings.get(SKIPPED_KINDS_KEY) or {}
        known_now = {kind: seq for kind, seq in skipped.items() if kind in _KNOWN_KINDS}
        if known_now:
            # This version learnt kinds an older one skipped: pull them again.
            cursor = min(cursor, min(known_now.values()) - 1)
            store.settings.set(PULL_CURSOR_KEY, cursor)
            store.settings.set(SKIPPED_KINDS_KEY,
                               {k: v for k, v in skipped.items() if k not in known_now})
        return cursor

    def _apply(self, store: Store, changes: Sequence[Change]) -> None:
        """Apply one page: schedule in one atomic write, then each mirrored kind in one,
        then profile and program, then versions of shared records.

        Every step is an idempotent upsert, so a page applied halfway (a crash, a
        failure) is simply applied again from the unchanged cursor.
        """
        sessions: dict[str, dict[str, Any] | None] = {}  # id -> latest data, None: removed
        profile: dict[str, Any] | None = None
        program: dict[str, Any] | None = None
        diary_targets: list[list[dict[str, Any]]] = []  # each list sent, in feed order
        skipped: dict[str, int] = store.settings.get(SKIPPED_KINDS_KEY) or {}
        skipped_before = dict(skipped)
        shared: list[tuple[str, str, RecordVersion]] = []
        mirrored: dict[ChangeKind, dict[str, dict[str, Any] | None]] = {
            kind: {} for kind in _MIRRORED_KINDS}
        for change in changes:
            if change.kind not in _KNOWN_KINDS:
                # From a newer clinic: skipped safely, and remembered (see _start_cursor).
                skipped.setdefault(change.kind, change.seq)
                continue
            kind = ChangeKind(change.kind)
            try:
                model = None if change.deleted else change_data(change)
            except ValidationError:
                raise ChangeNotApplicable(kind.value) from None
            data = model.model_dump(mode="json") if model is not None else None
            if isinstance(model, RecordVersion):  # a version of a shared record
                if payload_problem(RecordKind(kind.value), model.payload) is not None:
                    raise ChangeNotApplicable(kind.value)
                shared.append((kind.value, change.id, model))
            elif kind in _MIRRORED_KINDS:
                mirrored[kind][change.id] = data
            elif kind is ChangeKind.SESSION:
                sessions[change.id] = data
            elif kind is ChangeKind.CLINIC_PROFILE and data is not None:
                profile = data
            elif kind is ChangeKind.PROGRAM and data is not None:
                program = data
            elif kind is ChangeKind.DIARY_TARGETS and data is not None:
                diary_targets.append(data.get("targets") or [])  # the newest one stands
        store.schedule.apply_changes(
            [data for data in sessions.values() if data is not None],
            [session_id for session_id, data in sessions.items() if data is None],
        )
        for kind, items in mirrored.items():
            if items:
                _mirror(store, kind).apply_changes(
                    [data for data in items.values() if data is not None],
                    [item_id for item_id, data in items.items() if data is None])
        if profile is not None:
            store.settings.set(PROFILE_KEY, profile)
        if program is not None:
            enrolment = self.enrolment(store) or {}
            store.settings.set(ENROLMENT_KEY, {**enrolment, **program})
        if diary_targets:
            keep_diary_targets(store, *diary_targets)
        for kind_value, record_id, pulled in shared:  # in feed order: the newest wins
            shared_records.apply_pulled(store, kind_value, record_id, pulled, self._clock())
        if skipped != skipped_before:
            store.settings.set(SKIPPED_KINDS_KEY, skipped)

    def _observe_epoch(self, store: Store, epoch: str) -> bool:
        """Record the server epoch; True when it changed (the clinic was restored).

        Then every acknowledged entry goes back to the outbox, the mirrored schedule,
        homework, module assignments, consents and diary-card targets (not their labels,
        which old cards need) are dropped (the restored clinic may
        lack what it published after its backup; the pull from 0 that follows rebuilds
        them) and the pull cursor goes back to 0. Each
        step is safe to repeat, and the new epoch is saved last, so a crash part-way
        through is finished on the next sync.
        """
        known = store.settings.get(SERVER_EPOCH_KEY)
        if known == epoch:
            return False
        if known is not None:
            store.outbox.requeue_sent()
            store.schedule.replace_all([])
            for kind in _MIRRORED_KINDS:
                _mirror(store, kind).replace_all([])
            keep_diary_targets(store, [])  # the pull from 0 sends the list again, if any
            store.settings.set(PULL_CURSOR_KEY, 0)
            store.settings.delete(SKIPPED_KINDS_KEY)  # their seqs meant the old feed
        store.settings.set(SERVER_EPOCH_KEY, epoch)
        return known is not None

    def push_outbox(self, store: Store, batch_size: int = 50) -> LinkState:
        """Send what waits in the outbox, highest priority (safety flags) first.

        An entry leaves the outbox only once the clinic has committed it (stored, or
        already stored with the same content). One the clinic refuses is parked with
        its reason, never resent in a loop and never dropped.
        """
        if self._client is None or self.enrolment(store) is None:
            return LinkState.NOT_ENROLLED
        self.use_kept_clinic(store)
        client = self._client
        while True:
            entries = store.outbox.pending(limit=batch_size)
            if not entries:
                return LinkState.UP_TO_DATE
            # Edited records (plans) carry their version; older entries are version 1.
            records = [PushRecord(id=e["record_id"], kind=RecordKind(e["kind"]),
                                  version=_version(e),
                                  replaces_version=e.get("replaces_version"),
                                  created_at=e["created_at"],
                                  priority=max(0, min(100, int(e["priority"]))),
                                  payload=e["payload"])
                       for e in entries]
            try:
                response = self._authorised(store, lambda token: client.push(token, records))
            except ClinicError as error:
                return _state_for(error)
            by_record = {(str(r.id), r.version): r for r in response.results}
            answered = [e for e in entries if (e["record_id"], _version(e)) in by_record]
            if not answered:
                return LinkState.FAILED  # the clinic answered none of them: try later
            sent: list[str] = []
            for entry in answered:
                result = by_record[(entry["record_id"], _version(entry))]
                if result.outcome in (PushOutcome.STORED, PushOutcome.DUPLICATE):
                    sent.append(entry["id"])
                elif result.latest_version is not None:
                    store.outbox.park(entry["id"], result.reason or result.outcome.value,
                                      clinic_version=result.latest_version,
                                      clinic_payload=result.latest_payload or {})
                else:
                    store.outbox.park(entry["id"], result.reason or result.outcome.value)
            store.outbox.mark_sent(sent)
            if self._observe_epoch(store, response.server_epoch):
                continue  # everything acknowledged before the restore is queued again
            if len(entries) < batch_size:
                return LinkState.UP_TO_DATE

    # ---------------------------------------------------------------- tokens

    def _authorised(self, store: Store, call: Callable[[str], Result]) -> Result:
        """Run `call` with a valid access token; on a 401 that says expired, renew once."""
        token = self._access_token(store)
        try:
            return call(token)
        except AccessTokenExpired:
            # The clinic's clock is the one that counts (ours may be off, or the app
            # slept): renew and try once more; a second refusal is final.
            with self._token_lock:
                if self._access is not None and self._access.token == token:
                    self._access = None
            return call(self._access_token(store))

    def _access_token(self, store: Store) -> str:
        assert self._client is not None
        with self._token_lock:
            enrolment = self.enrolment(store)
            if enrolment is None:
                raise NotAuthorised()
            # "device_token": what an app enrolled before token rotation stored; the
            # clinic's migration made it that device's first refresh token.
            refresh_token = str(enrolment.get("refresh_token") or enrolment.get("device_token"))
            grant = self._access
            if (grant is not None and grant.refresh_token == refresh_token
                    and self._monotonic() < grant.renew_at):
                return grant.token
            pair = self._client.refresh_tokens(refresh_token)
            # Saved at once: the old refresh token is spent, and presenting it again
            # would make the clinic disconnect this device.
            rest = {k: v for k, v in enrolment.items() if k != "device_token"}
            store.settings.set(ENROLMENT_KEY, {**rest, "refresh_token": pair.refresh_token})
            return self._remember_access(pair).token

    def _remember_access(self, pair: TokenPair) -> _AccessGrant:
        lifetime = max(0.0, pair.access_expires_in - ACCESS_RENEWAL_MARGIN_SECONDS)
        self._access = _AccessGrant(pair.access_token, pair.refresh_token,
                                    self._monotonic() + lifetime)
        return self._access

    # ---------------------------------------------------------------- status

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


_KNOWN_KINDS = frozenset(kind.value for kind in ChangeKind)
# Published items the app keeps a copy of, by id (store/published.py).
_MIRRORED_KINDS = (ChangeKind.HOMEWORK, ChangeKind.MODULE_ASSIGNMENT, ChangeKind.CONSENT)


def keep_diary_targets(store: Store, *lists: Sequence[dict[str, Any]]) -> None:
    """Keep the clinic's lists of the participant's diary-card targets, oldest first: the
    last is the card's list now; the label of every target in any of them is remembered
    (the labels of targets taken off the list stay, for the old cards that rate them)."""
    kept = store.settings.get(DIARY_TARGETS_KEY)
    labels = dict(kept.get("labels") or {}) if isinstance(kept, dict) else {}
    for targets in lists:
        labels.update({target["id"]: target["label"] for target in targets})
    store.settings.set(DIARY_TARGETS_KEY, {"targets": [dict(t) for t in lists[-1]],
                                           "labels": labels})


def _mirror(store: Store, kind: ChangeKind) -> PublishedItemsRepository:
    mirrors: dict[ChangeKind, PublishedItemsRepository] = {
        ChangeKind.HOMEWORK: store.homework,
        ChangeKind.MODULE_ASSIGNMENT: store.module_assignments,
        ChangeKind.CONSENT: store.consents,
    }
    return mirrors[kind]


def _state_for(error: ClinicError) -> LinkState:
    """Unreachable ("can't reach the clinic") is not disconnected ("the clinic
    disconnected this device"): the person needs to do different things."""
    if isinstance(error, ClinicUnreachable):
        return LinkState.OFFLINE
    # Enrolled, but the clinic's address is known nowhere (an app enrolled with the old
    # built-in demo clinic): like a disconnection, the person connects again.
    if isinstance(error, NotAuthorised | NoClinicAddress):
        return LinkState.NOT_AUTHORISED
    return LinkState.FAILED
