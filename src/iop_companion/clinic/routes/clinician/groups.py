"""The clinic's participant groups: listing them with member counts, making, renaming and
archiving one, reading one with its members, and adding and removing members. A group's
sessions follow its membership onto the members' apps (clinic/schedule.py). Every write
is audited; a group or participant of another clinic answers 404."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import HTTPException, Query, status
from sqlalchemy.exc import IntegrityError

from iop_companion.clinic.audit import AuditAction, commit_failure, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.groups import (
    GroupArchived,
    GroupNameTaken,
    GroupRefused,
    MemberRefused,
    add_member,
    archive_group,
    clinic_group,
    clinic_groups,
    create_group,
    members,
    remove_member,
    rename_group,
)
from iop_companion.clinic.models import ParticipantGroup
from iop_companion.clinic.routes.clinician.common import (
    WRITE_ERRORS,
    clinician_router,
    not_found,
    participant_or_404,
)
from iop_companion.clinic.schedule import (
    publish_group_sessions_to_new_member,
    withdraw_group_sessions_from_member,
)
from iop_companion.sync.protocol import (
    ErrorBody,
    GroupMemberAdd,
    GroupMemberView,
    GroupsResponse,
    GroupSummary,
    GroupView,
    GroupWrite,
)

NO_SUCH_GROUP = "There is no such group."
NAME_TAKEN_MEANWHILE = "Another group took this name at the same moment. Choose another name."
READ_ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody}}
GROUP_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {**WRITE_ERRORS, 409: {"model": ErrorBody}}

router = clinician_router()


def group_or_404(db: DbSession, clinician: CurrentClinician, group_id: uuid.UUID,
                 action: AuditAction, now: datetime) -> ParticipantGroup:
    """The group if it belongs to the clinician's clinic; otherwise the attempt is audited
    and the answer is 404, as if it did not exist."""
    group = clinic_group(db, clinician.clinic_id, group_id)
    if group is None:
        not_found(db, clinician, action, "participant_group", group_id, NO_SUCH_GROUP, now)
    return group


def refuse(db: DbSession, clinician: CurrentClinician, action: AuditAction,
           group_id: uuid.UUID | None, error: GroupRefused | IntegrityError,
           now: datetime) -> HTTPException:
    """Audit a refused change to a group and build its 409 (404 for a participant of
    another clinic, which add_member never sees: the lookup answers first)."""
    db.rollback()
    reason = {GroupNameTaken: "name_taken", GroupArchived: "group_archived",
              MemberRefused: "member_refused"}.get(type(error), "conflict")
    commit_failure(db, at=now, actor=staff_actor(clinician.staff_id), action=action,
                   record_type="participant_group", record_id=group_id, reason=reason)
    message = str(error) if isinstance(error, GroupRefused) else NAME_TAKEN_MEANWHILE
    return HTTPException(status.HTTP_409_CONFLICT, message)


def _summary(group: ParticipantGroup, member_count: int) -> GroupSummary:
    return GroupSummary(id=group.id, name=group.name, created_at=group.created_at,
                        archived_at=group.archived_at, member_count=member_count)


def group_view(db: DbSession, group: ParticipantGroup) -> GroupView:
    """The group with its current members, by name."""
    found = members(db, group.id)
    return GroupView(
        **_summary(group, len(found)).model_dump(),
        members=[GroupMemberView(participant_id=one.participant.id,
                                 display_name=one.participant.display_name,
                                 added_at=one.added_at,
                                 discharged_on=one.participant.discharged_on)
                 for one in found])


def _audit(db: DbSession, clinician: CurrentClinician, action: AuditAction,
           record_type: str, record_id: uuid.UUID, now: datetime,
           reason: str | None = None) -> None:
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id), action=action,
                 record_type=record_type, record_id=record_id, reason=reason)


@router.get("/groups")
def list_groups(
    clinician: CurrentClinician, db: DbSession, now: Now,
    include_archived: Annotated[bool, Query(
        description="Also list archived groups")] = False,
) -> GroupsResponse:
    """The clinic's groups by name, each with its number of current members."""
    found = clinic_groups(db, clinician.clinic_id, include_archived)
    _audit(db, clinician, AuditAction.GROUPS_READ, "clinic", clinician.clinic_id, now)
    db.commit()
    return GroupsResponse(groups=[_summary(one.group, one.member_count) for one in found])


@router.post("/groups", status_code=status.HTTP_201_CREATED, responses=GROUP_WRITE_ERRORS)
def create_participant_group(body: GroupWrite, clinician: CurrentClinician, db: DbSession,
                             now: Now) -> GroupSummary:
    """Make a group; its name must differ (ignoring case) from the clinic's other groups
    that are not archived (409)."""
    try:
        group = create_group(db, clinician.clinic_id, body.name, now)
    except (GroupRefused, IntegrityError) as error:
        raise refuse(db, clinician, AuditAction.GROUP_CREATE, None, error, now) from None
    _audit(db, clinician, AuditAction.GROUP_CREATE, "participant_group", group.id, now)
    db.commit()
    return _summary(group, 0)


@router.get("/groups/{group_id}", responses=READ_ERRORS)
def read_group(group_id: uuid.UUID, clinician: CurrentClinician, db: DbSession,
               now: Now) -> GroupView:
    """The group with its current members, by name."""
    group = group_or_404(db, clinician, group_id, AuditAction.GROUP_READ, now)
    view = group_view(db, group)
    _audit(db, clinician, AuditAction.GROUP_READ, "participant_group", group.id, now)
    db.commit()
    return view


@router.put("/groups/{group_id}", responses=GROUP_WRITE_ERRORS)
def rename_participant_group(group_id: uuid.UUID, body: GroupWrite,
                             clinician: CurrentClinician, db: DbSession,
                             now: Now) -> GroupView:
    """Rename the group (409 if another group has the name, or it is archived)."""
    action = AuditAction.GROUP_RENAME
    group = group_or_404(db, clinician, group_id, action, now)
    try:
        changed = rename_group(db, group, body.name)
    except (GroupRefused, IntegrityError) as error:
        raise refuse(db, clinician, action, group_id, error, now) from None
    _audit(db, clinician, action, "participant_group", group.id, now,
           reason=None if changed else "same_name")
    db.commit()
    return group_view(db, group)


@router.post("/groups/{group_id}/archive", responses=WRITE_ERRORS)
def archive_participant_group(group_id: uuid.UUID, clinician: CurrentClinician,
                              db: DbSession, now: Now) -> GroupView:
    """Archive the group: it takes no new members, sessions or assignments, and leaves
    the list unless archived groups are asked for. Its sessions stay as they are (cancel
    those still to come); archiving again changes nothing."""
    action = AuditAction.GROUP_ARCHIVE
    group = group_or_404(db, clinician, group_id, action, now)
    changed = archive_group(group, now)
    _audit(db, clinician, action, "participant_group", group.id, now,
           reason=None if changed else "already_archived")
    db.commit()
    return group_view(db, group)


@router.post("/groups/{group_id}/members", responses=GROUP_WRITE_ERRORS)
def add_group_member(group_id: uuid.UUID, body: GroupMemberAdd,
                     clinician: CurrentClinician, db: DbSession, now: Now) -> GroupView:
    """Add a participant of the clinic to the group (adding again changes nothing); their
    app gets the group's sessions. A discharged participant, or an archived group, is
    refused (409); a participant of another clinic is unknown here (404)."""
    action = AuditAction.GROUP_MEMBER_ADD
    group = group_or_404(db, clinician, group_id, action, now)
    participant = participant_or_404(db, clinician, body.participant_id, action, now)
    try:
        added = add_member(db, group, participant, now)
    except (GroupRefused, IntegrityError) as error:
        raise refuse(db, clinician, action, group_id, error, now) from None
    if added:
        publish_group_sessions_to_new_member(db, group.id, participant.id, now)
    _audit(db, clinician, action, "participant_group", group.id, now,
           reason=f"participant:{participant.id}" if added else "already_member")
    db.commit()
    return group_view(db, group)


@router.delete("/groups/{group_id}/members/{participant_id}", responses=READ_ERRORS)
def remove_group_member(group_id: uuid.UUID, participant_id: uuid.UUID,
                        clinician: CurrentClinician, db: DbSession, now: Now) -> GroupView:
    """Take a participant out of the group; the group's sessions still to come leave
    their app (those that took place stay, with any attendance recorded)."""
    action = AuditAction.GROUP_MEMBER_REMOVE
    group = group_or_404(db, clinician, group_id, action, now)
    participant_or_404(db, clinician, participant_id, action, now)
    try:
        remove_member(db, group, participant_id)
    except MemberRefused as error:
        commit_failure(db, at=now, actor=staff_actor(clinician.staff_id), action=action,
                       record_type="participant_group", record_id=group_id,
                       reason="not_a_member")
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    withdraw_group_sessions_from_member(db, group.id, participant_id, now)
    _audit(db, clinician, action, "participant_group", group.id, now,
           reason=f"participant:{participant_id}")
    db.commit()
    return group_view(db, group)
