"""What the participant's consents to share with family mean today (42 CFR Part 2).

Plain rules on the `ConsentNotice` dicts the clinic publishes (sync/protocol/).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class SharingState(StrEnum):
    WAITING = "waiting"  # invited; the person has not connected yet
    ACTIVE = "active"  # they can see what the consent covers
    ENDED = "ended"  # withdrawn or expired after they had joined


@dataclass(frozen=True)
class Sharing:
    consent_id: str
    recipient_name: str
    scope: str
    state: SharingState
    since: datetime  # when the consent was given
    until: datetime | None  # WAITING: the invite's end; ACTIVE: the consent's; ENDED: when


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def sharing_of(notice: Mapping[str, Any], now: datetime) -> Sharing | None:
    """The consent as the participant should see it; None for an invite never used
    (withdrawn or out of date before anyone joined: nothing was ever shared)."""
    granted = _moment(notice.get("granted_at"))
    if granted is None:
        return None
    revoked = _moment(notice.get("revoked_at"))
    expires = _moment(notice.get("expires_at"))
    invite_ends = _moment(notice.get("invite_expires_at"))
    ended_at = min((moment for moment in (revoked, expires) if moment and moment <= now),
                   default=None)
    joined = bool(notice.get("joined"))
    if not joined:
        if ended_at is not None or (invite_ends is not None and invite_ends <= now):
            return None
        state, until = SharingState.WAITING, invite_ends
    elif ended_at is not None:
        state, until = SharingState.ENDED, ended_at
    else:
        state, until = SharingState.ACTIVE, expires
    return Sharing(consent_id=str(notice.get("id", "")),
                   recipient_name=str(notice.get("recipient_name", "")),
                   scope=str(notice.get("scope", "")), state=state, since=granted, until=until)


def sharing_overview(notices: Iterable[Mapping[str, Any]], now: datetime) -> list[Sharing]:
    """Active first, then waiting, then ended; newest consent first within each."""
    order = {SharingState.ACTIVE: 0, SharingState.WAITING: 1, SharingState.ENDED: 2}
    shown = [s for s in (sharing_of(n, now) for n in notices) if s is not None]
    shown.sort(key=lambda s: s.since, reverse=True)
    return sorted(shown, key=lambda s: order[s.state])
