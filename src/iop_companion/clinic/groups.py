"""A clinic's named groups of participants ("Tuesday evening group"): making, renaming
and archiving them, and who is in them now.

A group's sessions reach exactly its current members' apps (clinic/schedule.py): a
participant who joins gets the group's sessions still to come, one who leaves has them
taken off their app. Archived groups keep their sessions and attendance but take no
new members, sessions or assignments.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from iop_companion.clinic.models import GroupMember, Participant, ParticipantGroup
from iop_companion.clinic.participant_status import clinic_today, is_discharged_by


class GroupRefused(Exception):
    """What was asked cannot be done to the group (the message is safe to show)."""


class GroupNameTaken(GroupRefused):
    pass


class GroupArchived(GroupRefused):
    pass


class MemberRefused(GroupRefused):
    pass


ARCHIVED_MESSAGE = "This group is archived: it takes no new members, sessions or assignments."


@dataclass(frozen=True)
class GroupWithCount:
    group: ParticipantGroup
    member_count: int


@dataclass(frozen=True)
class Membership:
    participant: Participant
    added_at: datetime


def clinic_group(db: Session, clinic_id: uuid.UUID,
                 group_id: uuid.UUID) -> ParticipantGroup | None:
    """The group, if it belongs to this clinic (else None, as if absent)."""
    group = db.get(ParticipantGroup, group_id)
    return group if group is not None and group.clinic_id == clinic_id else None


def clinic_groups(db: Session, clinic_id: uuid.UUID,
                  include_archived: bool = False) -> list[GroupWithCount]:
    """The clinic's groups by name, each with its number of current members."""
    counts = (select(GroupMember.group_id, func.count().label("members"))
              .group_by(GroupMember.group_id).subquery())
    query = (select(ParticipantGroup, func.coalesce(counts.c.members, 0))
             .outerjoin(counts, counts.c.group_id == ParticipantGroup.id)
             .where(ParticipantGroup.clinic_id == clinic_id)
             .order_by(func.lower(ParticipantGroup.name), ParticipantGroup.created_at,
                       ParticipantGroup.id))
    if not include_archived:
        query = query.where(ParticipantGroup.archived_at.is_(None))
    return [GroupWithCount(group, int(count)) for group, count in db.execute(query).all()]


def _check_name_free(db: Session, clinic_id: uuid.UUID, name: str,
                     keep: uuid.UUID | None = None) -> None:
    # Compared ignoring case, so "Tuesday group" and "tuesday group" are not two groups;
    # the database's unique index (exact names) backs this up against a race.
    query = select(ParticipantGroup.id).where(
        ParticipantGroup.clinic_id == clinic_id,
        ParticipantGroup.archived_at.is_(None),
        func.lower(ParticipantGroup.name) == name.lower())
    if keep is not None:
        query = query.where(ParticipantGroup.id != keep)
    taken = db.scalar(query.limit(1))
    if taken is not None:
        raise GroupNameTaken(f"The clinic already has a group called '{name}'.")


def create_group(db: Session, clinic_id: uuid.UUID, name: str,
                 now: datetime) -> ParticipantGroup:
    _check_name_free(db, clinic_id, name)
    group = ParticipantGroup(id=uuid.uuid4(), clinic_id=clinic_id, name=name, created_at=now)
    db.add(group)
    db.flush()
    return group


def rename_group(db: Session, group: ParticipantGroup, name: str) -> bool:
    """False when the name is already the group's (nothing changes)."""
    if group.archived_at is not None:
        raise GroupArchived(ARCHIVED_MESSAGE)
    if group.name == name:
        return False
    _check_name_free(db, group.clinic_id, name, keep=group.id)
    group.name = name
    db.flush()
    return True


def archive_group(group: ParticipantGroup, now: datetime) -> bool:
    """False when it was archived already. Its members stay listed (for its past
    sessions' attendance); its sessions stay as they are: cancel those still to come."""
    if group.archived_at is not None:
        return False
    group.archived_at = now
    return True


def members(db: Session, group_id: uuid.UUID) -> list[Membership]:
    """The group's current members, by name."""
    rows = db.execute(
        select(Participant, GroupMember.added_at)
        .join(GroupMember, GroupMember.participant_id == Participant.id)
        .where(GroupMember.group_id == group_id)
        .order_by(func.lower(Participant.display_name), Participant.id)).all()
    return [Membership(participant, added_at) for participant, added_at in rows]


def member_ids(db: Session, group_id: uuid.UUID) -> list[uuid.UUID]:
    return list(db.scalars(select(GroupMember.participant_id)
                           .where(GroupMember.group_id == group_id)))


def is_member(db: Session, group_id: uuid.UUID, participant_id: uuid.UUID) -> bool:
    return db.get(GroupMember, (group_id, participant_id)) is not None


def discharged_message(participant: Participant) -> str:
    assert participant.discharged_on is not None
    return (f"{participant.display_name} was discharged on "
            f"{participant.discharged_on.isoformat()}.")


def add_member(db: Session, group: ParticipantGroup, participant: Participant,
               now: datetime) -> bool:
    """Add a participant of the group's clinic; False when they are in it already. A
    discharged participant (from their discharge day on) is refused."""
    if group.archived_at is not None:
        raise GroupArchived(ARCHIVED_MESSAGE)
    if participant.clinic_id != group.clinic_id:  # callers look participants up per clinic
        raise MemberRefused("There is no such participant.")
    if is_discharged_by(participant, clinic_today(participant.clinic, now)):
        raise MemberRefused(discharged_message(participant)
                            + " A discharged participant cannot join a group.")
    if is_member(db, group.id, participant.id):
        return False
    db.add(GroupMember(group_id=group.id, participant_id=participant.id, added_at=now))
    db.flush()
    return True


def remove_member(db: Session, group: ParticipantGroup, participant_id: uuid.UUID) -> None:
    """MemberRefused when they are not in the group."""
    membership = db.get(GroupMember, (group.id, participant_id))
    if membership is None:
        raise MemberRefused("This participant is not in this group.")
    db.delete(membership)
    db.flush()


def assignable_members(db: Session, group: ParticipantGroup,
                       now: datetime) -> tuple[list[Participant], list[Participant]]:
    """The group's current members split into those who can be given something new and
    those discharged (from their discharge day on), each by name."""
    assignable: list[Participant] = []
    discharged: list[Participant] = []
    for membership in members(db, group.id):
        participant = membership.participant
        today = clinic_today(participant.clinic, now)
        (discharged if is_discharged_by(participant, today) else assignable).append(participant)
    return assignable, discharged
