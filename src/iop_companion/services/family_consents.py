"""The participant confirms who joined with their family invite, before anything is shared.

The clinic publishes each consent on the pull feed (services/clinic_link.py keeps them
in ``store.consents``). Once someone has joined with an invite, the consent carries
the name they typed (``joined_name``), the name on the invite (``recipient_name``) and
``confirmation``: "awaiting_confirmation" until the participant answers. Settings asks
"Is this the right person?"; the answer is kept on this phone and queued for the clinic
as one ``family_confirmation`` record per family member (so it also works offline).
The clinic applies it: yes makes the consent active, no ends the family member's
access. Until the clinic has the answer, nothing is shared either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from iop_companion.domain.consents import Sharing, sharing_overview
from iop_companion.services.care_status import care_status
from iop_companion.services.errors import SaveFailed
from iop_companion.services.record_versions import ever_queued, queue_version
from iop_companion.store import Store, StoreError
from iop_companion.store.records import iso_utc
from iop_companion.sync.protocol import (
    ConsentConfirmation,
    RecordKind,
    family_confirmation_id,
)

FAMILY_CONFIRMATION_KIND = RecordKind.FAMILY_CONFIRMATION.value
# {family member id: {"right_person": bool, "answered_at": ISO time}}, in the encrypted store.
ANSWERS_KEY = "family.answers"


@dataclass(frozen=True)
class JoinToConfirm:
    """Someone joined with an invite and waits for the participant's answer."""

    family_member_id: str
    joined_name: str  # the name they typed when joining
    recipient_name: str  # the name on the invite
    # The answer given on this phone that the clinic has not applied yet (None: none).
    answer: bool | None


@dataclass(frozen=True)
class TurnedAway:
    """Someone the participant said was not the person they invited."""

    joined_name: str
    recipient_name: str


@dataclass(frozen=True)
class FamilySharingView:
    to_confirm: list[JoinToConfirm]
    turned_away: list[TurnedAway]
    sharing: list[Sharing]  # every other consent, as domain/consents.py explains it


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _live(notice: Mapping[str, Any], now: datetime) -> bool:
    ends = [m for m in (_moment(notice.get("revoked_at")), _moment(notice.get("expires_at")))
            if m is not None]
    return all(moment > now for moment in ends)


def _answers(store: Store) -> dict[str, dict[str, Any]]:
    found = store.settings.get(ANSWERS_KEY)
    return dict(found) if isinstance(found, dict) else {}


def family_sharing_view(store: Store, now: datetime) -> FamilySharingView:
    """Who waits for the participant's answer, who they turned away, and the rest."""
    return sharing_view(store.consents.all(), _answers(store), now)


def sharing_view(notices: Iterable[Mapping[str, Any]], answers: Mapping[str, Mapping[str, Any]],
                 now: datetime) -> FamilySharingView:
    """`family_sharing_view` on plain data: the consent notices and this phone's answers."""
    to_confirm: dict[str, JoinToConfirm] = {}
    turned_away: dict[str, TurnedAway] = {}
    rest: list[Mapping[str, Any]] = []
    for notice in notices:
        confirmation = notice.get("confirmation")
        member_id = str(notice.get("family_member_id") or "")
        joined_name = str(notice.get("joined_name") or "")
        recipient_name = str(notice.get("recipient_name") or "")
        if not notice.get("joined") or not member_id:
            rest.append(notice)
        elif confirmation == ConsentConfirmation.AWAITING.value:
            # One question per person, whatever number of consents their invite carried.
            # One that ended before an answer shared nothing, so it is not shown at all.
            if _live(notice, now) and member_id not in to_confirm:
                answer = answers.get(member_id, {}).get("right_person")
                to_confirm[member_id] = JoinToConfirm(
                    member_id, joined_name, recipient_name,
                    answer if isinstance(answer, bool) else None)
        elif confirmation == ConsentConfirmation.REJECTED.value:
            turned_away.setdefault(member_id, TurnedAway(joined_name, recipient_name))
        else:  # confirmed, or from a clinic that does not ask
            rest.append(notice)
    return FamilySharingView(list(to_confirm.values()), list(turned_away.values()),
                             sharing_overview(rest, now))


def answer_join(store: Store, family_member_id: str, right_person: bool,
                now: datetime) -> JoinToConfirm:
    """Keep the participant's answer about who joined and queue it for the clinic.

    Raises `SaveFailed` when no one with that id waits for an answer, it was already
    answered on this phone, or the phone did not keep the answer.
    """
    try:
        waiting = {join.family_member_id: join
                   for join in family_sharing_view(store, now).to_confirm}
        join = waiting.get(family_member_id)
        if join is None:
            raise SaveFailed("family: no one with that id is waiting for your answer")
        record_id = str(family_confirmation_id(family_member_id))
        if join.answer is not None or ever_queued(store, record_id):
            raise SaveFailed("family: this was already answered on this phone")
        stamp = iso_utc(now)
        store.settings.set(ANSWERS_KEY, {
            **_answers(store),
            family_member_id: {"right_person": right_person, "answered_at": stamp}})
        if care_status(store, now).enrolled:
            queue_version(store, FAMILY_CONFIRMATION_KIND, {
                "id": record_id,
                "family_member_id": family_member_id,
                "right_person": right_person,
                "created_at": stamp,
                "updated_at": stamp,
            }, now)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None
    return JoinToConfirm(join.family_member_id, join.joined_name, join.recipient_name,
                         right_person)
