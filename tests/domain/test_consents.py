"""How a participant's consents to share with family read today."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from iop_companion.domain.consents import SharingState, sharing_of, sharing_overview

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def notice(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "c1", "scope": "education", "recipient_name": "Jamie",
        "purpose": "To learn how to help.", "granted_at": (NOW - timedelta(days=3)).isoformat(),
        "expires_at": None, "revoked_at": None, "joined": False,
        "invite_expires_at": (NOW + timedelta(days=4)).isoformat()}
    base.update(changes)
    return base


def test_an_invite_not_yet_used_is_waiting_until_it_runs_out() -> None:
    sharing = sharing_of(notice(), NOW)
    assert sharing is not None and sharing.state is SharingState.WAITING
    assert sharing.until == NOW + timedelta(days=4)


def test_an_invite_never_used_is_not_shown_once_it_ran_out_or_was_withdrawn() -> None:
    assert sharing_of(notice(invite_expires_at=(NOW - timedelta(seconds=1)).isoformat()),
                      NOW) is None
    assert sharing_of(notice(revoked_at=NOW.isoformat()), NOW) is None


def test_a_joined_consent_is_active_until_it_expires_or_is_withdrawn() -> None:
    expires = NOW + timedelta(days=30)
    active = sharing_of(notice(joined=True, expires_at=expires.isoformat()), NOW)
    assert active is not None and active.state is SharingState.ACTIVE and active.until == expires
    ended = sharing_of(notice(joined=True, expires_at=expires.isoformat()),
                       expires + timedelta(minutes=1))
    assert ended is not None and ended.state is SharingState.ENDED and ended.until == expires
    withdrawn_at = NOW - timedelta(hours=1)
    revoked = sharing_of(notice(joined=True, revoked_at=withdrawn_at.isoformat()), NOW)
    assert revoked is not None and revoked.state is SharingState.ENDED
    assert revoked.until == withdrawn_at


def test_a_consent_withdrawn_for_later_is_still_active_now() -> None:
    later = NOW + timedelta(days=1)
    sharing = sharing_of(notice(joined=True, revoked_at=later.isoformat()), NOW)
    assert sharing is not None and sharing.state is SharingState.ACTIVE


def test_the_overview_puts_active_first_then_waiting_then_ended() -> None:
    notices = [
        notice(id="ended", joined=True, revoked_at=NOW.isoformat()),
        notice(id="waiting"),
        notice(id="active", joined=True),
        notice(id="gone", revoked_at=NOW.isoformat()),
        {"id": "broken"},
    ]
    assert [s.consent_id for s in sharing_overview(notices, NOW)] == [
        "active", "waiting", "ended"]
