"""The clinic's stated response time to a participant's "I need support" request.

Clinic staff set it (`PUT /api/v1/clinician/clinic/support-response`); it reaches the
app with the clinic's profile in the pull feed (`ClinicProfile.support_response_hours`)
and is read here from the profile the app stored. Pure: no network, no writes.
"""

from __future__ import annotations

from collections.abc import Mapping

from iop_companion.services.clinic_link import ClinicLink
from iop_companion.store import Store
from iop_companion.sync.protocol import SUPPORT_RESPONSE_MAX_HOURS, SUPPORT_RESPONSE_MIN_HOURS

# Where the clinic's stated time is read from in the stored clinic profile.
CLINIC_RESPONSE_FIELD = "support_response_hours"


def clinic_response_hours(store: Store) -> int | None:
    """Within how many hours the clinic says it answers a support request, or None when
    there is no clinic profile, the clinic states no time, or the value is not a whole
    number of hours the clinic could have set (1 to 168): the app then promises nothing
    rather than a wrong time."""
    profile = ClinicLink.profile(store)
    if not isinstance(profile, Mapping):
        return None
    hours = profile.get(CLINIC_RESPONSE_FIELD)
    if isinstance(hours, int) and not isinstance(hours, bool) \
            and SUPPORT_RESPONSE_MIN_HOURS <= hours <= SUPPORT_RESPONSE_MAX_HOURS:
        return hours
    return None
