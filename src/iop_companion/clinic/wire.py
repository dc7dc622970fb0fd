"""Database rows -> protocol models (the only place the two meet)."""

from __future__ import annotations

from iop_companion.clinic.models import Clinic, Participant, ScheduledSessionRecord
from iop_companion.sync.protocol import (
    ClinicProfile,
    ParticipantProfile,
    ProgramDetails,
    ScheduledSession,
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
    )


def participant_profile(participant: Participant) -> ParticipantProfile:
    return ParticipantProfile(
        participant_id=participant.id,
        display_name=participant.display_name,
        clinic=clinic_profile(participant.clinic),
        program_start=participant.program_start,
        program_end=participant.program_end,
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
    )
