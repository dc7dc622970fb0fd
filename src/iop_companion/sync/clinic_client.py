"""The app's HTTP client for its clinic.

Every failure surfaces as a `ClinicError` whose `message` can be shown to the
participant as it is: plain words, no tokens, no health data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

import httpx
from pydantic import BaseModel, ValidationError

from iop_companion.sync.protocol import (
    DEFAULT_CHANGES_PAGE,
    AlertAcknowledgeRequest,
    ChangesResponse,
    ClinicianAlert,
    ClinicianAlertsResponse,
    ClinicianSessionResponse,
    ClinicianSignInRequest,
    EnrolmentRequest,
    EnrolmentResponse,
    ErrorBody,
    FamilyJoinRequest,
    FamilyJoinResponse,
    FamilySharedResponse,
    HealthResponse,
    ParticipantProfile,
    PushRecord,
    PushRequest,
    PushResponse,
    ScheduleResponse,
    TokenPair,
    TokenRefreshRequest,
    describe_validation_errors,
)

API_PREFIX = "/api/v1"
# Plain HTTP only to this machine (the embedded demo clinic, development): security N1.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_MAX_SHOWN_DETAIL = 300

Reply = TypeVar("Reply", bound=BaseModel)
# Status code -> the error it means for one call: a type (its default message) or a
# type with the message to show instead.
Refusals = Mapping[int, type["ClinicError"] | tuple[type["ClinicError"], str]]


class ClinicError(Exception):
    """Something went wrong talking to the clinic; `message` is written for the participant."""

    default_message = "Something went wrong while talking to your clinic. Please try again later."

    def __init__(self, message: str | None = None, *, status_code: int | None = None) -> None:
        self.message = message or self.default_message
        self.status_code = status_code
        super().__init__(self.message)

    @property
    def retryable(self) -> bool:
        """Whether trying again later may help (network trouble, server trouble, rate limits)."""
        return self.status_code is not None and (self.status_code >= 500 or self.status_code == 429)


class InsecureClinicUrl(ClinicError):
    default_message = (
        "This clinic address is not secure. Check that it starts with https:// "
        "or ask your clinic for the right address."
    )


class ClinicUnreachable(ClinicError):
    default_message = (
        "We couldn't reach your clinic. Check your internet connection and try again. "
        "Everything you save stays on this phone until then."
    )

    @property
    def retryable(self) -> bool:
        return True


class NoClinicAddress(ClinicError):
    """The app does not know its clinic's address yet (nothing was called)."""

    default_message = "This app is not connected to a clinic yet."


class InvalidCode(ClinicError):
    # The clinic answers alike for unknown, used and expired codes (so that guessing
    # learns nothing): the message names all three.
    default_message = (
        "That code did not work: it may be mistyped, used or expired. "
        "Check it, or ask your clinic for a new one."
    )


class ExpiredCode(ClinicError):
    default_message = (
        "That code has expired. Codes only work for 15 minutes, so ask your clinic for a new one."
    )


class NotAuthorised(ClinicError):
    """The clinic does not accept this device's credentials: it disconnected the device
    (or never knew it). Not retryable: the participant needs a new enrolment code."""

    default_message = (
        "This phone is no longer connected to your clinic. "
        "Ask your clinic for a new code to connect again."
    )


class AccessTokenExpired(NotAuthorised):
    """The access token has run out: exchange the refresh token and try once more."""

    default_message = "This phone's access to your clinic needs renewing."


# The family app's wording: a family member deals with the person who invited them,
# not with the clinic, and invite codes live for days rather than minutes.
INVALID_INVITE_MESSAGE = (
    "That invite code did not work: it may be mistyped, used or expired. "
    "Check it, or ask the person who invited you for a new one."
)
TOO_MANY_TRIES_MESSAGE = (
    "Too many codes that did not work were tried. Please wait a few minutes and try again."
)
EXPIRED_INVITE_MESSAGE = (
    "That invite code has expired or is no longer valid. "
    "Ask the person who invited you for a new one."
)
FAMILY_NOT_AUTHORISED_MESSAGE = (
    "You no longer have access to what was shared with you. "
    "Ask the person who invited you for a new invitation."
)

CLINICIAN_SIGN_IN_REFUSED_MESSAGE = (
    "That email and password do not match an account. Please try again."
)
CLINICIAN_NOT_AUTHORISED_MESSAGE = "Your session has ended. Please sign in again."


class ClinicClient:
    """Talks protocol v1 to one clinic.

    Pass `http` to reuse a client or to test against the server in-process
    (`fastapi.testclient.TestClient` is an `httpx.Client`); it keeps its own
    settings, timeout included. Otherwise the client makes its own with `timeout`
    seconds, and `close()` releases it.

    `base_url` None: an app that does not know its clinic yet (no `--clinic-url`, no
    clinic built in); `use_address` sets it once the person has connected to one.
    Until then every call raises NoClinicAddress.
    """

    def __init__(
        self, base_url: str | None, http: httpx.Client | None = None, timeout: float = 10
    ) -> None:
        self.base_url: str | None = _checked_base_url(base_url) if base_url is not None else None
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client(timeout=timeout)

    def use_address(self, base_url: str | None) -> None:
        """Talk to the clinic at `base_url` from now on (None: to no clinic)."""
        self.base_url = _checked_base_url(base_url) if base_url is not None else None

    def for_address(self, base_url: str) -> ClinicClient:
        """A client for another address sharing this one's connections and settings
        (to try an address the person typed before keeping it)."""
        return ClinicClient(base_url, http=self._http)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> ClinicClient:
        return self

    def __exit__(self, *_exc_info: object) -> None:
        self.close()

    def health(self) -> HealthResponse:
        return self._call("GET", "/health", HealthResponse)

    def enrol(self, code: str, device_label: str) -> EnrolmentResponse:
        try:
            request = EnrolmentRequest(code=code, device_label=device_label)
        except ValidationError as invalid:
            # Same wording the server would use, without a round trip.
            raise ClinicError(describe_validation_errors(invalid.errors())) from None
        return self._call(
            "POST",
            "/enrolments",
            EnrolmentResponse,
            json=request.model_dump(mode="json"),
            refusals={401: InvalidCode, 410: ExpiredCode,
                      429: (ClinicError, TOO_MANY_TRIES_MESSAGE)},
        )

    def refresh_tokens(self, refresh_token: str) -> TokenPair:
        """Exchange the refresh token for a new pair; the old refresh token stops working.

        Raises NotAuthorised when the clinic refuses it (the device was disconnected,
        or the token was already spent), ClinicUnreachable, or ClinicError.
        """
        try:
            request = TokenRefreshRequest(refresh_token=refresh_token)
        except ValidationError:
            raise NotAuthorised() from None  # an empty or absurd token is no token
        return self._call(
            "POST", "/device/tokens", TokenPair, json=request.model_dump(mode="json")
        )

    def changes(
        self, token: str, after: int, limit: int = DEFAULT_CHANGES_PAGE
    ) -> ChangesResponse:
        """One page of what the clinic published after the cursor `after`, oldest first."""
        return self._call(
            "GET",
            "/participant/changes",
            ChangesResponse,
            token=token,
            params={"after": after, "limit": limit},
        )

    def profile(self, token: str) -> ParticipantProfile:
        return self._call("GET", "/participant/profile", ParticipantProfile, token=token)

    def schedule(self, token: str) -> ScheduleResponse:
        return self._call("GET", "/participant/schedule", ScheduleResponse, token=token)

    def join_family(self, code: str, display_name: str) -> FamilyJoinResponse:
        """Join as a family member with an invite code; the reply holds the family token.

        Raises InvalidCode (unknown, used, expired or withdrawn code: the clinic does
        not say which), ExpiredCode (from clinics that still say so),
        or another ClinicError.
        """
        try:
            request = FamilyJoinRequest(code=code, display_name=display_name)
        except ValidationError as invalid:
            raise ClinicError(describe_validation_errors(invalid.errors())) from None
        return self._call(
            "POST",
            "/family/join",
            FamilyJoinResponse,
            json=request.model_dump(mode="json"),
            refusals={
                401: (InvalidCode, INVALID_INVITE_MESSAGE),
                410: (ExpiredCode, EXPIRED_INVITE_MESSAGE),
                429: (ClinicError, TOO_MANY_TRIES_MESSAGE),
            },
        )

    def family_shared(self, token: str) -> FamilySharedResponse:
        """What the participant shares with this family member; NotAuthorised once it ends."""
        not_authorised = (NotAuthorised, FAMILY_NOT_AUTHORISED_MESSAGE)
        return self._call(
            "GET",
            "/family/shared",
            FamilySharedResponse,
            token=token,
            refusals={401: not_authorised, 403: not_authorised},
        )

    def push(self, token: str, records: list[PushRecord]) -> PushResponse:
        """Upload records; the reply has one result per record, in the same order.

        Raises NotAuthorised (401/403), ClinicUnreachable (network), or ClinicError:
        `retryable` for 5xx and 429, not for 422 (the batch itself is malformed).
        A record leaves the outbox only on STORED or DUPLICATE (security Y3).
        """
        try:
            request = PushRequest(records=records)
        except ValidationError as invalid:
            raise ClinicError(describe_validation_errors(invalid.errors())) from None
        return self._call(
            "POST",
            "/participant/records",
            PushResponse,
            token=token,
            json=request.model_dump(mode="json"),
        )

    def clinician_sign_in(self, email: str, password: str) -> ClinicianSessionResponse:
        """Sign a clinician in; NotAuthorised for a wrong email or password."""
        try:
            request = ClinicianSignInRequest(email=email, password=password)
        except ValidationError as invalid:
            raise ClinicError(describe_validation_errors(invalid.errors())) from None
        return self._call(
            "POST",
            "/clinician/sessions",
            ClinicianSessionResponse,
            json=request.model_dump(mode="json"),
            refusals={401: (NotAuthorised, CLINICIAN_SIGN_IN_REFUSED_MESSAGE)},
        )

    def clinician_alerts(self, token: str, cursor: str | None = None,
                         limit: int | None = None) -> ClinicianAlertsResponse:
        """A page of the clinician's own clinic's alerts, most urgent first; pass the
        reply's `next` as `cursor` for the page after it."""
        not_authorised = (NotAuthorised, CLINICIAN_NOT_AUTHORISED_MESSAGE)
        params: dict[str, int | str] = {}
        if cursor is not None:
            params["cursor"] = cursor
        if limit is not None:
            params["limit"] = limit
        return self._call(
            "GET",
            "/clinician/alerts",
            ClinicianAlertsResponse,
            token=token,
            params=params or None,
            refusals={401: not_authorised, 403: not_authorised},
        )

    def clinician_acknowledge(self, token: str, alert_id: UUID, note: str) -> ClinicianAlert:
        """Acknowledge an alert with a note of what was done (1 to 1000 characters)."""
        not_authorised = (NotAuthorised, CLINICIAN_NOT_AUTHORISED_MESSAGE)
        return self._call(
            "POST",
            f"/clinician/alerts/{alert_id}/acknowledge",
            ClinicianAlert,
            token=token,
            json=AlertAcknowledgeRequest(note=note).model_dump(mode="json"),
            refusals={401: not_authorised, 403: not_authorised},
        )

    def _call(
        self,
        method: str,
        path: str,
        reply_type: type[Reply],
        *,
        token: str | None = None,
        json: dict[str, Any] | None = None,
        params: dict[str, int | str] | None = None,
        refusals: Refusals | None = None,
    ) -> Reply:
        if self.base_url is None:
            raise NoClinicAddress()
        headers = {"Accept": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self._http.request(
                method,
                f"{self.base_url}{API_PREFIX}{path}",
                headers=headers,
                json=json,
                params=params,
            )
        except httpx.TransportError:  # connection refused, DNS, TLS, timeouts...
            raise ClinicUnreachable() from None
        if response.is_success:
            try:
                return reply_type.model_validate_json(response.content)
            except ValidationError:
                raise ClinicError(
                    "Your clinic sent a reply this app does not understand. "
                    "The app may need an update.",
                    status_code=response.status_code,
                ) from None
        raise _error_for(response, refusals or {})


def _error_for(response: httpx.Response, refusals: Refusals) -> ClinicError:
    status = response.status_code
    if status in refusals:
        refusal = refusals[status]
        if isinstance(refusal, tuple):
            error_type, message = refusal
            return error_type(message, status_code=status)
        return refusal(status_code=status)
    if status == 401 and _says_expired(response):
        return AccessTokenExpired(status_code=status)
    if status in (401, 403):
        return NotAuthorised(status_code=status)
    if status == 422:
        return ClinicError(_server_detail(response), status_code=status)
    if status == 429:
        return ClinicError(
            "Your clinic's server is busy. Please try again in a few minutes.", status_code=status
        )
    if status >= 500:
        return ClinicError(
            "Your clinic's server has a problem right now. Please try again later.",
            status_code=status,
        )
    return ClinicError(status_code=status)


def _says_expired(response: httpx.Response) -> bool:
    """RFC 6750: `WWW-Authenticate: Bearer error="invalid_token", error_description=...expired`."""
    challenge = response.headers.get("www-authenticate", "").lower()
    return 'error="invalid_token"' in challenge and "expired" in challenge


def _server_detail(response: httpx.Response) -> str | None:
    """The server's own explanation (it writes them for people), if it sent a usable one."""
    try:
        detail = ErrorBody.model_validate_json(response.content).detail.strip()
    except ValidationError:
        return None
    return detail[:_MAX_SHOWN_DETAIL] or None


def _checked_base_url(base_url: str) -> str:
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL:
        raise InsecureClinicUrl("This clinic address is not a valid web address.") from None
    if not url.host:
        raise InsecureClinicUrl("This clinic address is not a valid web address.")
    secure = url.scheme == "https" or (url.scheme == "http" and url.host in LOOPBACK_HOSTS)
    if not secure:
        raise InsecureClinicUrl()
    return str(url).rstrip("/")
