"""A safety flag: what made the app raise it (each flag becomes an alert for the clinic)."""

from __future__ import annotations

from enum import StrEnum

from iop_companion.sync.protocol.payloads.base import _Payload


class SafetyTrigger(StrEnum):
    """What made the app raise a safety flag (each one becomes an alert for the clinic)."""

    PHQ9_ITEM9 = "phq9_item9"
    CHECK_IN_SELF_HARM = "check_in_self_harm"
    DIARY_CARD_SELF_HARM = "diary_card_self_harm"
    PARTICIPANT_REQUEST = "participant_request"


class SafetyFlagPayload(_Payload):
    trigger: SafetyTrigger
