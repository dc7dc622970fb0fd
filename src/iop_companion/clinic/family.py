"""Family members: a participant's invite, redeemed for a family token, governed by consent.

An invite names one person and carries the participant's consents (what is shared,
why, until when: at most a year, a year by default). Redeeming it creates the family
member's account with the name they typed and binds those consents to them, but
nothing is shared yet: the participant's app shows who joined with the invite for
whom, and the participant answers (`decide_on_joiner`, a pushed `family_confirmation`
record). Yes confirms the consents; no revokes them and the family member.

Access is decided by the consents at every request: the family token works while one
of the member's consents is live (confirmed, or awaiting the participant's answer),
content is disclosed only under confirmed ones, and revoking or letting a consent
expire ends access at once (security R2/R3, 42 CFR 2.31).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from iop_companion.clinic.audit import AuditAction, record_audit
from iop_companion.clinic.changes import publish_consent
from iop_companion.clinic.credentials import digest, new_family_token
from iop_companion.clinic.models import Consent, FamilyInvite, FamilyMember, Participant
from iop_companion.clinic.single_use import claim, find_code, unused_code
from iop_companion.sync.protocol import ConsentScope, format_enrolment_code

# Passed on outside the clinic (a message, a visit), so it lives longer than an
# enrolment code; still single use (security A1).
INVITE_LIFETIME = timedelta(days=7)
# A consent ends a year after it is given unless the participant chose sooner; never later.
CONSENT_LIFETIME = timedelta(days=365)
MAX_RECIPIENT_NAME_LENGTH = 80
MAX_PURPOSE_LENGTH = 500


class InviteRefused(Exception):
    """Base for the ways an invite can fail; `invite_id` names the invite when there is one."""

    reason = "refused"

    def __init__(self, invite_id: uuid.UUID | None = None) -> None:
        super().__init__(self.reason)
        self.invite_id = invite_id


class UnknownInvite(InviteRefused):
    reason = "unknown_code"


class InviteAlreadyUsed(InviteRefused):
    reason = "code_already_used"


class InviteExpired(InviteRefused):
    reason = "code_expired"


class InviteWithdrawn(InviteRefused):
    """Every consent the invite carried was revoked or has expired before it was redeemed."""

    reason = "consent_inactive"


@dataclass(frozen=True)
class IssuedInvite:
    code: str  # as shown to people ("ABCD-2345"); only its digest is stored
    invite: FamilyInvite
    consents: tuple[Consent, ...]


@dataclass(frozen=True)
class FamilyJoin:
    member: FamilyMember
    participant: Participant
    family_token: str  # returned to the family member once; only its digest is stored
    consents: tuple[Consent, ...]  # now bound to the member

    @property
    def scopes(self) -> list[str]:
        return scopes_of(self.consents)


def issue_family_invite(
    session: Session,
    participant_id: uuid.UUID,
    recipient_name: str,
    now: datetime,
    *,
    scopes: Iterable[ConsentScope] = (ConsentScope.EDUCATION,),
    purpose: str,
    consent_expires_at: datetime | None = None,
    lifetime: timedelta = INVITE_LIFETIME,
) -> IssuedInvite:
    """Create an invite for the named person, with one consent per scope, each ending
    at `consent_expires_at` (default: CONSENT_LIFETIME from now, and never later).

    Runs in the caller's transaction. Raises ValueError for an invalid request (the
    caller validates people's input first; this guards the records themselves).
    """
    recipient_name = recipient_name.strip()
    purpose = purpose.strip()
    scopes = tuple(dict.fromkeys(ConsentScope(scope) for scope in scopes))
    if not 0 < len(recipient_name) <= MAX_RECIPIENT_NAME_LENGTH:
        raise ValueError("an invite names its recipient in 1 to 80 characters")
    if not 0 < len(purpose) <= MAX_PURPOSE_LENGTH:
        raise ValueError("a consent states its purpose in 1 to 500 characters")
    if not scopes:
        raise ValueError("an invite shares at least one scope")
    if not timedelta(0) < lifetime <= INVITE_LIFETIME:
        raise ValueError(f"a family invite lives at most {INVITE_LIFETIME}")
    if consent_expires_at is None:
        consent_expires_at = now + CONSENT_LIFETIME
    if consent_expires_at <= now:
        raise ValueError("a consent must expire after it is granted")
    if consent_expires_at > now + CONSENT_LIFETIME:
        raise ValueError("a consent lasts at most a year")

    code, code_hash = unused_code(session, FamilyInvite)
    invite = FamilyInvite(
        participant_id=participant_id,
        code_hash=code_hash,
        recipient_name=recipient_name,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(invite)
    session.flush()  # the invite row must exist before the consents that name it
    consents = tuple(
        Consent(
            participant_id=participant_id,
            invite_id=invite.id,
            scope=scope,
            purpose=purpose,
            granted_at=now,
            expires_at=consent_expires_at,
        )
        for scope in scopes
    )
    session.add_all(consents)
    session.flush()
    for consent in consents:
        publish_consent(session, consent, now)
    return IssuedInvite(code=format_enrolment_code(code), invite=invite, consents=consents)


def redeem_family_invite(
    session: Session, canonical_code: str, display_name: str, now: datetime
) -> FamilyJoin:
    """Consume the invite, create the family member and bind the invite's live consents,
    which then await the participant's confirmation (nothing is shared before it).

    Raises an InviteRefused subclass.
    """
    invite = find_code(session, FamilyInvite, canonical_code)
    if invite is None:
        raise UnknownInvite()
    if invite.used_at is not None:
        raise InviteAlreadyUsed(invite.id)
    if invite.expires_at <= now:
        raise InviteExpired(invite.id)
    consents = list(
        session.scalars(
            select(Consent)
            .where(
                Consent.invite_id == invite.id,
                Consent.family_member_id.is_(None),
                consent_is_active(now),
            )
            .order_by(Consent.granted_at, Consent.id)
        )
    )
    if not consents:
        raise InviteWithdrawn(invite.id)
    if not claim(session, FamilyInvite, invite.id, now):
        raise InviteAlreadyUsed(invite.id)

    family_token = new_family_token()
    member = FamilyMember(
        participant_id=invite.participant_id,
        display_name=display_name,
        token_hash=digest(family_token),
        created_at=now,
    )
    session.add(member)
    session.flush()
    for consent in consents:
        consent.family_member_id = member.id
    session.flush()
    for consent in consents:
        publish_consent(session, consent, now)
    return FamilyJoin(
        member=member,
        participant=member.participant,
        family_token=family_token,
        consents=tuple(consents),
    )


def consent_is_active(now: datetime) -> ColumnElement[bool]:
    """Granted, not revoked, not expired: the condition checked at every family request."""
    return and_(
        Consent.granted_at <= now,
        Consent.revoked_at.is_(None),
        or_(Consent.expires_at.is_(None), Consent.expires_at > now),
    )


def active_consents(session: Session, member: FamilyMember, now: datetime) -> list[Consent]:
    """The member's live consents at `now` (confirmed or awaiting the participant's
    answer), oldest first: while there is one, the family token works. Disclose only
    under `confirmed` ones."""
    return list(
        session.scalars(
            select(Consent)
            .where(
                Consent.family_member_id == member.id,
                Consent.participant_id == member.participant_id,
                consent_is_active(now),
            )
            .order_by(Consent.granted_at, Consent.id)
        )
    )


def scopes_of(consents: Iterable[Consent]) -> list[str]:
    """The distinct scopes of `consents`, in a stable order, as they travel on the wire."""
    found = {consent.scope for consent in consents}
    return [scope.value for scope in ConsentScope if scope in found]


def confirmed(consents: Iterable[Consent]) -> list[Consent]:
    """Those of `consents` the participant confirmed: the only ones content is shared under."""
    return [consent for consent in consents if consent.confirmed_at is not None]


# --------------------------------------------------------- the participant's answer


class NotTheirFamilyMember(Exception):
    """The answer names a family member who does not exist or is another participant's.

    One message for both: a participant's device learns nothing about other people."""

    reason = "unknown_family_member"
    message = "There is no one with that id who joined with one of your invites."


@dataclass(frozen=True)
class JoinerDecision:
    member: FamilyMember
    changed: tuple[Consent, ...]  # the consents the answer confirmed or revoked


def decide_on_joiner(
    session: Session,
    participant_id: uuid.UUID,
    family_member_id: uuid.UUID,
    right_person: bool,
    now: datetime,
    actor: str,
) -> JoinerDecision:
    """Apply the participant's answer about who joined with their invite, in the
    caller's transaction, with an audit entry for each consent changed.

    Yes confirms the member's consents that await an answer (it never revives one that
    ended). No revokes the family member and every live consent of theirs: the
    participant may withdraw at any time (42 CFR 2.31), so a no that arrives after a yes
    (another of their devices, an answer made offline) still ends access.
    Raises NotTheirFamilyMember.
    """
    member = session.get(FamilyMember, family_member_id)
    if member is None or member.participant_id != participant_id:
        raise NotTheirFamilyMember()
    live = list(session.scalars(
        select(Consent)
        .where(Consent.family_member_id == member.id,
               Consent.participant_id == participant_id,
               consent_is_active(now))
        .order_by(Consent.granted_at, Consent.id)
    ))
    if right_person:
        changed = [c for c in live if c.confirmed_at is None and c.rejected_at is None]
        for consent in changed:
            consent.confirmed_at = now
        action = AuditAction.CONSENT_CONFIRM
    else:
        changed = live
        for consent in changed:
            consent.revoked_at = now
            if consent.confirmed_at is None:
                consent.rejected_at = now
        action = AuditAction.CONSENT_REJECT
        if member.revoked_at is None:
            member.revoked_at = now
            record_audit(session, at=now, actor=actor, action=AuditAction.FAMILY_MEMBER_REVOKE,
                         record_type="family_member", record_id=member.id,
                         reason="participant_said_not_them")
    session.flush()
    for consent in changed:
        record_audit(session, at=now, actor=actor, action=action, record_type="consent",
                     record_id=consent.id)
        publish_consent(session, consent, now)
    if not changed:
        # Already answered, or nothing live is left: kept as the participant's record.
        record_audit(session, at=now, actor=actor, action=action,
                     record_type="family_member", record_id=member.id,
                     reason="nothing_awaiting_an_answer")
    return JoinerDecision(member=member, changed=tuple(changed))
