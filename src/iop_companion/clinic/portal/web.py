"""What every portal page shares: the signed-in staff member (from the session cookie,
checked by the API's own `require_clinician`), the CSRF token of their session, the
templates, and the answers that are not a page (a redirect, a refusal).

The session is the API's staff session: its token, kept in an HttpOnly, SameSite=Strict
cookie limited to /portal (Secure, except over plain http to this computer). Nothing is
kept in a worker's memory, so any number of `--workers` serve the portal alike.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.templating import Jinja2Templates

from iop_companion.clinic.audit import AuditAction, commit_failure, staff_actor
from iop_companion.clinic.auth import (
    PASSWORD_CHANGE_REQUIRED_MESSAGE,
    AuthenticatedClinician,
    require_clinician,
)
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.models import Clinic, Staff, StaffRole
from iop_companion.clinic.participant_status import clinic_zone
from iop_companion.clinic.portal import wording

PORTAL = "/portal"
SESSION_COOKIE = "iop_portal_session"
# Sign-in happens before there is a session: its form is tied to this random cookie
# instead (double submit), so another site cannot sign a browser in to an account.
SIGN_IN_COOKIE = "iop_portal_sign_in"
CSRF_FIELD = "csrf_token"
_LOOPBACK_NAMES = frozenset({"localhost"})
# Pages load nothing but the portal's own stylesheet, run no script, and post only here.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self'; "
                           "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
CSRF_REFUSED = ("This form has expired or did not come from this page. Go back, reload "
                "the page and try again.")

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


class PortalRedirect(Exception):
    """Answer with a redirect (to sign in, or to choose a new password)."""

    def __init__(self, location: str, *, clear_session: bool = False) -> None:
        super().__init__(location)
        self.location = location
        self.clear_session = clear_session


class PortalRefusal(Exception):
    """Answer with an error page (403, 404, 409...) saying why."""

    def __init__(self, status_code: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.title = title
        self.message = message


@dataclass(frozen=True)
class PortalUser:
    """The signed-in staff member of a page, with what the page shows about them."""

    clinician: AuthenticatedClinician
    name: str
    clinic_name: str
    zone: ZoneInfo
    csrf_token: str

    @property
    def is_administrator(self) -> bool:
        return self.clinician.role is StaffRole.ADMINISTRATOR


def csrf_token_for(session_token: str) -> str:
    """The CSRF token of a session: a MAC of a fixed label under the session's own secret
    token, so it is tied to the session, the same in every worker, and kept nowhere."""
    return hmac.new(session_token.encode("utf-8"), b"iop-portal-csrf",
                    hashlib.sha256).hexdigest()


def _session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def authenticate(request: Request, db: DbSession, now: Now) -> PortalUser:
    """The signed-in staff member, refused exactly as the API refuses a bearer token
    (`require_clinician`: unknown, ended, expired, idle, disabled); a missing or refused
    session goes to the sign-in page, a temporary password to choosing a new one."""
    token = _session_token(request)
    if token is None:
        raise PortalRedirect(f"{PORTAL}/sign-in")
    try:
        clinician = require_clinician(
            HTTPAuthorizationCredentials(scheme="Bearer", credentials=token), request, db, now)
    except HTTPException as refused:
        if refused.status_code == status.HTTP_403_FORBIDDEN and (
                refused.detail == PASSWORD_CHANGE_REQUIRED_MESSAGE):
            raise PortalRedirect(f"{PORTAL}/password") from None
        raise PortalRedirect(f"{PORTAL}/sign-in?ended=1", clear_session=True) from None
    staff = db.get_one(Staff, clinician.staff_id)
    clinic = db.get_one(Clinic, clinician.clinic_id)
    return PortalUser(clinician=clinician, name=staff.display_name, clinic_name=clinic.name,
                      zone=clinic_zone(clinic), csrf_token=csrf_token_for(token))


CurrentPortalUser = Annotated[PortalUser, Depends(authenticate)]


def check_csrf(user: PortalUser, submitted: str, db: DbSession, now: datetime) -> None:
    """Refuse (403, audited) a form that does not carry this session's CSRF token."""
    if not hmac.compare_digest(submitted.encode("utf-8"), user.csrf_token.encode("utf-8")):
        commit_failure(db, at=now, actor=staff_actor(user.clinician.staff_id),
                       action=AuditAction.PORTAL_CSRF_REFUSED, record_type="staff_session",
                       record_id=user.clinician.session_id, reason="csrf_token")
        raise PortalRefusal(status.HTTP_403_FORBIDDEN, "Form refused", CSRF_REFUSED)


def new_sign_in_token() -> str:
    return secrets.token_urlsafe(32)


def sign_in_token_matches(request: Request, submitted: str) -> bool:
    cookie = request.cookies.get(SIGN_IN_COOKIE, "")
    return bool(cookie) and hmac.compare_digest(cookie.encode("utf-8"),
                                                submitted.encode("utf-8"))


def cookie_must_be_secure(request: Request) -> bool:
    """Secure (HTTPS only), unless this request came over plain http to this computer
    (the demo clinic, a test): there, a Secure cookie would never come back."""
    if request.url.scheme == "https":
        return True
    host = request.url.hostname or ""
    if host in _LOOPBACK_NAMES:
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


def set_portal_cookie(response: Response, request: Request, name: str, value: str) -> None:
    response.set_cookie(name, value, path=PORTAL, httponly=True, samesite="strict",
                        secure=cookie_must_be_secure(request))


def clear_portal_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path=PORTAL, httponly=True, samesite="strict",
                           secure=cookie_must_be_secure(request))


def see_other(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=status.HTTP_303_SEE_OTHER)


def render(request: Request, template: str, *, user: PortalUser | None = None,
           status_code: int = status.HTTP_200_OK, **context: Any) -> HTMLResponse:
    zone = user.zone if user is not None else ZoneInfo("UTC")
    response = templates.TemplateResponse(
        request, template,
        {"user": user, "zone": zone, "csrf_field": CSRF_FIELD, "portal": PORTAL,
         "when": lambda moment: wording.when(moment, zone), "day": wording.day,
         "words": wording, **context},
        status_code=status_code)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


def refusal_from(error: HTTPException) -> PortalRefusal:
    """An error page carrying the API's own sentence for what a route function refused."""
    titles = {status.HTTP_403_FORBIDDEN: "Not allowed", status.HTTP_404_NOT_FOUND: "Not found",
              status.HTTP_409_CONFLICT: "Not possible now",
              status.HTTP_422_UNPROCESSABLE_CONTENT: "Please check what you entered",
              status.HTTP_429_TOO_MANY_REQUESTS: "Please wait"}
    return PortalRefusal(error.status_code, titles.get(error.status_code, "Not possible"),
                         str(error.detail))


def form_date(value: str) -> date | None | str:
    """A date typed in a form: None when blank, the date, or the text back when it is not
    one (for the caller to refuse)."""
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return value


def form_whole_number(value: str) -> int | None | str:
    """A whole number typed in a form: None when blank, the number, or the text back when
    it is not one (for the caller to refuse beside the field)."""
    value = value.strip()
    if not value:
        return None
    # Digits only (no sign, no "1e3", no "٣"), and short: int() of thousands of digits
    # is refused by Python itself.
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        return value
    return int(value)


def form_text(value: str) -> str:
    """Text from a form's textarea with its line breaks as the API takes them: browsers
    send a line break as CR LF, and the API refuses a carriage return (a control
    character) in text."""
    return value.replace("\r\n", "\n").replace("\r", "\n")
