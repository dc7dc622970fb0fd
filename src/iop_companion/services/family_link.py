"""A family member's link with the participant's program: an invite, then what is shared.

Family members see only what the participant chose to share (education content)
and crisis resources; never check-ins, logs or notes. The consent lives on the
clinic server and is checked at every request, so a revoked share ends at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from iop_companion.services.clinic_link import PROFILE_KEY, CodeOutcome, code_refused, utc_now
from iop_companion.store import Store
from iop_companion.sync.clinic_client import ClinicClient, ClinicError, NotAuthorised

MEMBERSHIP_KEY = "family.membership"
SHARED_KEY = "family.shared"
SHARING_ENDED_KEY = "family.sharing_ended"
LAST_REFRESH_KEY = "family.last_refresh"


class FamilyLink:
    def __init__(self, client: ClinicClient | None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self._client = client
        self._clock = clock

    @staticmethod
    def membership(store: Store) -> dict[str, Any] | None:
        return store.settings.get(MEMBERSHIP_KEY)

    @staticmethod
    def shared(store: Store) -> dict[str, Any]:
        return store.settings.get(SHARED_KEY) or {"modules": []}

    @staticmethod
    def sharing_ended(store: Store) -> bool:
        return bool(store.settings.get(SHARING_ENDED_KEY))

    def join(self, store: Store, code: str, display_name: str) -> CodeOutcome:
        if self._client is None:
            return CodeOutcome(False, "connect.error.no_clinic")
        if not code.strip():
            return CodeOutcome(False, "family.error.empty_code")
        if not display_name.strip():
            return CodeOutcome(False, "family.error.empty_name")
        try:
            joined = self._client.join_family(code, display_name.strip())
        except ClinicError as error:
            return code_refused(error, invalid_key="family.error.invalid",
                                expired_key="family.error.expired")
        store.settings.set(MEMBERSHIP_KEY, {
            "family_token": joined.family_token,
            "family_member_id": str(joined.family_member_id),
            "display_name": joined.display_name,
            "participant_first_name": joined.participant_first_name,
            "shared_scope": list(joined.shared_scope),
            "joined_at": self._clock().isoformat(),
        })
        store.settings.set(PROFILE_KEY, joined.clinic.model_dump(mode="json"))
        self.refresh(store)
        return CodeOutcome(True)

    def refresh(self, store: Store) -> bool:
        """Fetch what is shared now; False when offline or refused (nothing is lost)."""
        membership = self.membership(store)
        if self._client is None or membership is None:
            return False
        try:
            shared = self._client.family_shared(membership["family_token"])
        except NotAuthorised:
            # The participant stopped sharing (or it expired): forget what was shared.
            store.settings.set(SHARING_ENDED_KEY, True)
            store.settings.set(SHARED_KEY, {"modules": []})
            return False
        except ClinicError:
            return False
        store.settings.set(SHARED_KEY, {
            "modules": [m.model_dump(mode="json") for m in shared.modules]})
        store.settings.set(PROFILE_KEY, shared.clinic.model_dump(mode="json"))
        store.settings.delete(SHARING_ENDED_KEY)
        store.settings.set(LAST_REFRESH_KEY, self._clock().isoformat())
        return True
