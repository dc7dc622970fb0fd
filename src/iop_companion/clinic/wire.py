"""Database rows -> protocol models (the only place the two meet)."""

from __future__ import annotations

from datetime import datetime

from iop_companion.clinic.models import (
    Clinic,
    Consent,
    DiaryTargetRecord,
    HomeworkRecord,
    ModuleAssignmentRecord,
    Participant,
    ParticipantRecord,
    ScheduledSessionRecord,
)
from iop_companion.sync.protocol import (
    ClinicProfile,
    ConsentConfirmation,
    ConsentNotice,
    DiaryTarget,
    DiaryTargets,
    HomeworkAssignment,
    ModuleAssignment,
    ParticipantProfile,
    ProgramDetails,
    RecordAuthor,
    RecordVersion,
    ScheduledSession,
    SharedRecordView,
)


def clinic_profile(clinic: Clinic) -> ClinicProfile:
    return ClinicProfile(
        id=clinic.id,
        name=clinic.name,
        address=clinic.address,
        phone=clinic.phone,
        crisis_line=clinic.crisis_line,
        timezone=clinic.timezone,
        measure_interval_days=dict(clinic.measure_interval_days or {}),
        support_response_hours=clinic.support_response_hours,
        diary_emotions=list(clinic.diary_emotions) if clinic.diary_emotions else None,
    )


def participant_profile(participant: Participant) -> ParticipantProfile:
    return ParticipantProfile(
        participant_id=participant.id,
        display_name=participant.display_name,
        clinic=clinic_profile(participant.clinic),
        program_start=participant.program_start,
        program_end=participant.program_end,
        discharged_on=participant.discharged_on,
    )


def scheduled_session(record: ScheduledSessionRecord) -> ScheduledSession:
    return ScheduledSession(
        id=record.id,
        kind=record.kind,
        title=record.title,
        starts_at=record.starts_at,
        ends_at=record.ends_at,
        location=record.location,
        telehealth=record.telehealth,
        facilitator=record.facilitator,
        status=record.status,
        note=record.note,
    )


def program_details(participant: Participant) -> ProgramDetails:
    return ProgramDetails(
        display_name=participant.display_name,
        program_start=participant.program_start,
        program_end=participant.program_end,
        discharged_on=participant.discharged_on,
    )


def record_version(record: ParticipantRecord) -> RecordVersion:
    return RecordVersion(
        version=record.version,
        replaces_version=record.replaces_version,
        author=RecordAuthor.CLINIC if record.author_staff_id else RecordAuthor.PARTICIPANT,
        payload=dict(record.payload),
    )


def shared_record_view(record: ParticipantRecord) -> SharedRecordView:
    return SharedRecordView(
        id=record.record_id,
        kind=record.kind.value,
        version=record.version,
        author=RecordAuthor.CLINIC if record.author_staff_id else RecordAuthor.PARTICIPANT,
        saved_at=record.received_at,
        payload=dict(record.payload),
    )


def homework_assignment(record: HomeworkRecord) -> HomeworkAssignment:
    return HomeworkAssignment(
        id=record.id,
        title=record.title,
        instructions=record.instructions,
        due_on=record.due_on,
        assigned_on=record.assigned_on,
        module_id=record.module_id,
        status=record.status.value,
        exercise_id=record.exercise_id,
    )


def module_assignment(record: ModuleAssignmentRecord) -> ModuleAssignment:
    return ModuleAssignment(
        id=record.id,
        module_id=record.module_id,
        note=record.note,
        due_on=record.due_on,
        assigned_on=record.assigned_on,
        status=record.status.value,
    )


def consent_notice(consent: Consent, recipient_name: str,
                   invite_expires_at: datetime | None,
                   joined_name: str | None = None) -> ConsentNotice:
    joined = consent.family_member_id is not None
    if not joined:
        confirmation = None
    elif consent.rejected_at is not None:
        confirmation = ConsentConfirmation.REJECTED.value
    elif consent.confirmed_at is not None:
        confirmation = ConsentConfirmation.CONFIRMED.value
    else:
        confirmation = ConsentConfirmation.AWAITING.value
    return ConsentNotice(
        id=consent.id,
        scope=consent.scope.value,
        recipient_name=recipient_name,
        purpose=consent.purpose,
        granted_at=consent.granted_at,
        expires_at=consent.expires_at,
        revoked_at=consent.revoked_at,
        joined=joined,
        invite_expires_at=invite_expires_at,
        joined_name=joined_name if joined else None,
        family_member_id=consent.family_member_id,
        confirmation=confirmation,
    )


def diary_targets(rows: list[DiaryTargetRecord]) -> DiaryTargets:
    """The targets the card shows now (not removed), in their order."""
    current = sorted((row for row in rows if row.removed_at is None),
                     key=lambda row: (row.position if row.position is not None else 0,
                                      row.target_id))
    return DiaryTargets(targets=[DiaryTarget(id=row.target_id, label=row.label)
                                 for row in current])
