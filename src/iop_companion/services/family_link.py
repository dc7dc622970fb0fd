"""A family member's link with the participant's program: an invite, then what is shared.

Family members see only what the participant chose to share (education content)
and crisis resources; never check-ins, logs or notes. The consent lives on the
clinic server and is checked at every request, so a revoked share ends at once.

Joining shares nothing yet: the participant first confirms that the person who joined
is the one they invited. Until then the clinic answers "awaiting_confirmation" and
the home screen says who it is waiting for.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from iop_companion.services.clinic_link import PROFILE_KEY, CodeOutcome, code_refused, utc_now
from iop_companion.store import Store
from iop_companion.sync.clinic_client import ClinicClient, ClinicError, NotAuthorised
from iop_companion.sync.protocol import FamilySharingStatus

MEMBERSHIP_KEY = "family.membership"
SHARED_KEY = "family.shared"
SHARING_ENDED_KEY = "family.sharing_ended"
LAST_REFRESH_KEY = "family.last_refresh"
# Set when access ended before the participant ever confirmed this person.
ENDED_UNCONFIRMED_KEY = "family.ended_unconfirmed"


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

    @staticmethod
    def last_refresh(store: Store) -> str | None:
        """When the clinic last answered what is shared (ISO time), if ever."""
        found = store.settings.get(LAST_REFRESH_KEY)
        return str(found) if found else None

    @staticmethod
    def awaiting_confirmation(store: Store) -> bool:
        """Joined, and the participant has not yet confirmed this is the right person."""
        shared = store.settings.get(SHARED_KEY) or {}
        return shared.get("status") == FamilySharingStatus.AWAITING_CONFIRMATION.value

    @staticmethod
    def ended_unconfirmed(store: Store) -> bool:
        """Access ended before the participant ever confirmed this person (they said it
        was not them, or the invite's consent ended first): nothing was ever shared."""
        return FamilyLink.sharing_ended(store) and bool(
            store.settings.get(ENDED_UNCONFIRMED_KEY))

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
        # Until the first refresh answers: nothing is shared before the participant confirms.
        store.settings.set(SHARED_KEY, {"modules": [], "status": joined.status})
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
            # The participant stopped sharing (or it expired, or they said this was not
            # the person they invited): forget what was shared.
            if self.awaiting_confirmation(store) and not self.sharing_ended(store):
                store.settings.set(ENDED_UNCONFIRMED_KEY, True)
            store.settings.set(SHARING_ENDED_KEY, True)
            store.settings.set(SHARED_KEY, {"modules": []})
            return False
        except ClinicError:
            return False
        store.settings.set(SHARED_KEY, {
            "modules": [m.model_dump(mode="json") for m in shared.modules],
            "status": shared.status})
        store.settings.set(PROFILE_KEY, shared.clinic.model_dump(mode="json"))
        if shared.participant_first_name:
            store.settings.set(MEMBERSHIP_KEY, {
                **membership, "participant_first_name": shared.participant_first_name})
        store.settings.delete(SHARING_ENDED_KEY)
        store.settings.delete(ENDED_UNCONFIRMED_KEY)
        store.settings.set(LAST_REFRESH_KEY, self._clock().isoformat())
        return True
