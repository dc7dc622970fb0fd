"""Append-only audit trail: who did what to which record, and when (HIPAA 164.312(b)).

Entries name records by id and never carry tokens, codes or health data.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from iop_companion.clinic.models import AuditEntry, AuditOutcome

ANONYMOUS = "anonymous"


class AuditAction(StrEnum):
    ENROLMENT_CREATE = "enrolment.create"
    DEVICE_AUTHENTICATE = "device.authenticate"
    PROFILE_READ = "participant.profile.read"
    SCHEDULE_READ = "participant.schedule.read"
    FAMILY_JOIN = "family.join"
    FAMILY_AUTHENTICATE = "family.authenticate"
    FAMILY_SHARED_READ = "family.shared.read"
    CONSENT_BIND = "consent.bind"  # an invite's consent now names the member who joined
    # The participant's answer about who joined (a pushed `family_confirmation` record):
    CONSENT_CONFIRM = "consent.confirm"  # yes: the consent is active from now on
    CONSENT_REJECT = "consent.reject"  # no: the consent is revoked...
    FAMILY_MEMBER_REVOKE = "family_member.revoke"  # ...and so is the family member
    RECORD_PUSH = "participant.record.push"
    ALERT_CREATE = "alert.create"
    ALERT_REPEAT = "alert.repeat"  # a flag folded into the open alert of its trigger
    STAFF_SIGN_IN = "staff.sign_in"
    STAFF_AUTHENTICATE = "staff.authenticate"
    ALERTS_READ = "clinician.alerts.read"
    ALERT_ACKNOWLEDGE = "alert.acknowledge"
    MEASURE_RESULTS_READ = "clinician.measure_results.read"
    DEVICE_TOKENS_REFRESH = "device.tokens.refresh"
    DEVICE_REVOKE = "device.revoke"
    CHANGES_READ = "participant.changes.read"
    SESSION_CREATE = "schedule.session.create"
    SESSION_CHANGE = "schedule.session.change"
    SESSION_CANCEL = "schedule.session.cancel"
    MEASURE_SCHEDULE_CHANGE = "clinic.measure_schedule.change"
    SUPPORT_RESPONSE_CHANGE = "clinic.support_response.change"
    ALERT_THRESHOLDS_CHANGE = "clinic.alert_thresholds.change"
    GOALS_READ = "clinician.goals.read"
    GOAL_WRITE = "clinician.goal.write"
    AFTERCARE_READ = "clinician.aftercare.read"
    AFTERCARE_WRITE = "clinician.aftercare.write"
    DISCHARGE = "participant.discharge"
    HOMEWORK_READ = "clinician.homework.read"
    HOMEWORK_WRITE = "clinician.homework.write"
    MODULE_ASSIGN = "clinician.module.assign"
    CONSENT_REVOKE = "consent.revoke"
    THROTTLE_BLOCK = "throttle.block"  # too many failures: a key is blocked for a while
    STAFF_LOCK_OUT = "staff.lock_out"  # a notice for the clinic's admin (see Staff.locked_out_at)
    STAFF_SIGN_OUT = "staff.sign_out"
    STAFF_SIGN_OUT_EVERYWHERE = "staff.sign_out_everywhere"
    STAFF_DISABLE = "staff.disable"
    STAFF_ENABLE = "staff.enable"
    # The participant view and enrolment (clinic/participant_status.py, participant_view.py)
    PARTICIPANTS_READ = "clinician.participants.read"
    PARTICIPANT_READ = "clinician.participant.read"
    PARTICIPANT_CREATE = "participant.create"
    ENROLMENT_CODE_ISSUE = "enrolment_code.issue"
    DEVICES_READ = "clinician.devices.read"
    CHECK_INS_READ = "clinician.check_ins.read"
    SAFETY_PLAN_READ = "clinician.safety_plan.read"
    RELAPSE_PLAN_READ = "clinician.relapse_plan.read"
    LAPSE_REVIEWS_READ = "clinician.lapse_reviews.read"
    PRACTICE_SESSIONS_READ = "clinician.practice_sessions.read"
    DIARY_CARDS_READ = "clinician.diary_cards.read"
    THOUGHT_RECORDS_READ = "clinician.thought_records.read"
    URGE_LOGS_READ = "clinician.urge_logs.read"
    # Staff administration and one's own account (clinic/staff_admin.py)
    STAFF_READ = "admin.staff.read"
    STAFF_CREATE = "staff.create"
    STAFF_PASSWORD_RESET = "staff.password_reset"
    STAFF_PASSWORD_CHANGE = "staff.password_change"
    STAFF_ACCOUNT_READ = "staff.account.read"
    AUDIT_READ = "admin.audit.read"
    # The staff portal (clinic/portal/): a form sent without this session's CSRF token.
    PORTAL_CSRF_REFUSED = "portal.csrf_refused"
    # Running the program: groups, the schedule, attendance, the clinic's profile
    # (clinic/groups.py, schedule.py, attendance.py)
    GROUPS_READ = "clinician.groups.read"
    GROUP_READ = "clinician.group.read"
    GROUP_CREATE = "group.create"
    GROUP_RENAME = "group.rename"
    GROUP_ARCHIVE = "group.archive"
    GROUP_MEMBER_ADD = "group.member.add"
    GROUP_MEMBER_REMOVE = "group.member.remove"
    SCHEDULE_LIST_READ = "clinician.schedule.read"
    SESSION_SERIES_CANCEL = "schedule.series.cancel"
    ATTENDANCE_READ = "clinician.attendance.read"
    ATTENDANCE_RECORD = "attendance.record"
    MODULES_READ = "clinician.modules.read"
    CLINIC_PROFILE_CHANGE = "clinic.profile.change"
    # The diary card's setup: the clinic's emotions, one participant's targets
    DIARY_EMOTIONS_CHANGE = "clinic.diary_emotions.change"
    DIARY_TARGETS_READ = "clinician.diary_targets.read"
    DIARY_TARGETS_WRITE = "clinician.diary_targets.write"


def device_actor(device_id: uuid.UUID) -> str:
    return f"device:{device_id}"


def family_actor(family_member_id: uuid.UUID) -> str:
    return f"family:{family_member_id}"


def staff_actor(staff_id: uuid.UUID) -> str:
    return f"staff:{staff_id}"


def record_audit(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: AuditAction,
    outcome: AuditOutcome = AuditOutcome.SUCCESS,
    record_type: str | None = None,
    record_id: uuid.UUID | None = None,
    reason: str | None = None,
) -> None:
    """Add an entry to the caller's transaction (it is committed with the work it describes)."""
    session.add(
        AuditEntry(
            at=at,
            actor=actor,
            action=action.value,
            outcome=outcome,
            record_type=record_type,
            record_id=str(record_id) if record_id is not None else None,
            reason=reason,
        )
    )


def commit_failure(
    session: Session,
    *,
    at: datetime,
    action: AuditAction,
    record_type: str,
    record_id: uuid.UUID | None,
    reason: str,
    actor: str = ANONYMOUS,
) -> None:
    """Record a refused action and commit it at once: the request is about to be
    refused, so there is no other work for the entry to be committed with (R4)."""
    record_audit(
        session,
        at=at,
        actor=actor,
        action=action,
        outcome=AuditOutcome.FAILURE,
        record_type=record_type if record_id is not None else None,
        record_id=record_id,
        reason=reason,
    )
    session.commit()
