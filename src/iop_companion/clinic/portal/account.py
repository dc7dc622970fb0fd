"""Signing in and out of the portal, and choosing a new password (a one-time password must
be replaced before anything else). Each calls what the API's routes call: `sign_in`
(with its throttles, lock-out and single failure message), the API's password change
and sign-out routes."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import Response
from pydantic import ValidationError

from iop_companion.clinic.clinicians import SignInRefused, sign_in
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.models import Staff
from iop_companion.clinic.portal.web import (
    CSRF_FIELD,
    PORTAL,
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    CurrentPortalUser,
    check_csrf,
    clear_portal_cookie,
    new_sign_in_token,
    render,
    see_other,
    set_portal_cookie,
    sign_in_token_matches,
)
from iop_companion.clinic.routes.clinician.account import change_password
from iop_companion.clinic.routes.clinician.sessions import sign_out
from iop_companion.clinic.routes.public import SIGN_IN_REFUSED_MESSAGE, THROTTLED_MESSAGE
from iop_companion.clinic.throttle import Throttled
from iop_companion.sync.protocol import ClinicianSignInRequest, PasswordChangeRequest
from iop_companion.sync.protocol.staff_admin import MIN_PASSWORD_LENGTH

router = APIRouter(prefix=PORTAL, include_in_schema=False)

_STYLESHEET = Path(__file__).parent / "static" / "portal.css"
SIGN_IN_FORM_EXPIRED = "The sign-in form had expired. Please sign in again."
PASSWORDS_DIFFER = "The two new passwords are not the same. Please type them again."
PASSWORD_TOO_SHORT = f"Choose a new password of at least {MIN_PASSWORD_LENGTH} characters."


@cache
def _stylesheet() -> bytes:
    return _STYLESHEET.read_bytes()


@router.get("/static/portal.css")
def stylesheet() -> Response:
    return Response(_stylesheet(), media_type="text/css")


@router.get("")
@router.get("/")
def portal_home() -> Response:
    return see_other(f"{PORTAL}/alerts")


def _sign_in_page(request: Request, *, error: str | None = None, email: str = "",
                  status_code: int = status.HTTP_200_OK,
                  headers: dict[str, str] | None = None) -> Response:
    token = new_sign_in_token()
    notice = None
    if request.query_params.get("ended"):
        notice = "Your session has ended. Please sign in again."
    elif request.query_params.get("signed_out"):
        notice = "You have signed out."
    response = render(request, "sign_in.html", status_code=status_code, error=error,
                      notice=notice, email=email, sign_in_token=token)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    set_portal_cookie(response, request, SIGN_IN_COOKIE, token)
    return response


@router.get("/sign-in")
def sign_in_page(request: Request) -> Response:
    return _sign_in_page(request)


@router.post("/sign-in")
def sign_in_submit(request: Request, db: DbSession, now: Now,
                   email: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                   csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    if not sign_in_token_matches(request, csrf_token):
        return _sign_in_page(request, error=SIGN_IN_FORM_EXPIRED, email=email[:254],
                             status_code=status.HTTP_403_FORBIDDEN)
    try:
        body = ClinicianSignInRequest(email=email, password=password)
    except ValidationError:
        # Same sentence as a wrong password: the form says nothing about accounts.
        return _sign_in_page(request, error=SIGN_IN_REFUSED_MESSAGE, email=email[:254],
                             status_code=status.HTTP_401_UNAUTHORIZED)
    address = request.client.host if request.client else None
    try:
        issued = sign_in(db, body.email, body.password, now, address)
    except Throttled as throttled:
        return _sign_in_page(request, error=THROTTLED_MESSAGE, email=email,
                             status_code=status.HTTP_429_TOO_MANY_REQUESTS,
                             headers={"Retry-After": str(throttled.retry_after)})
    except SignInRefused:
        return _sign_in_page(request, error=SIGN_IN_REFUSED_MESSAGE, email=email,
                             status_code=status.HTTP_401_UNAUTHORIZED)
    response = see_other(f"{PORTAL}/alerts")
    set_portal_cookie(response, request, SESSION_COOKIE, issued.token)
    clear_portal_cookie(response, request, SIGN_IN_COOKIE)
    return response


@router.post("/sign-out")
def sign_out_submit(user: CurrentPortalUser, request: Request, db: DbSession, now: Now,
                    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    sign_out(user.clinician, db, now)
    response = see_other(f"{PORTAL}/sign-in?signed_out=1")
    clear_portal_cookie(response, request, SESSION_COOKIE)
    return response


def _must_change(db: DbSession, user: CurrentPortalUser) -> bool:
    return db.get_one(Staff, user.clinician.staff_id).password_change_required


@router.get("/password")
def password_page(user: CurrentPortalUser, request: Request, db: DbSession) -> Response:
    return render(request, "password.html", user=user, must_change=_must_change(db, user),
                  minimum=MIN_PASSWORD_LENGTH)


@router.post("/password")
def password_submit(user: CurrentPortalUser, request: Request, db: DbSession, now: Now,
                    current_password: Annotated[str, Form()] = "",
                    new_password: Annotated[str, Form()] = "",
                    repeat_password: Annotated[str, Form()] = "",
                    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    error: str | None = None
    status_code = status.HTTP_422_UNPROCESSABLE_CONTENT
    headers: dict[str, str] = {}
    if new_password != repeat_password:
        error = PASSWORDS_DIFFER
    else:
        try:
            body = PasswordChangeRequest(current_password=current_password,
                                         new_password=new_password)
        except ValidationError as invalid:
            fields = {str(part) for problem in invalid.errors() for part in problem["loc"]}
            error = (PASSWORD_TOO_SHORT if "new_password" in fields
                     else "Type your current password.")
        else:
            try:
                change_password(body, user.clinician, db, now)
            except HTTPException as refused:
                error, status_code = str(refused.detail), refused.status_code
                headers = dict(refused.headers or {})
    if error is not None:
        response = render(request, "password.html", user=user, error=error,
                          status_code=status_code, must_change=_must_change(db, user),
                          minimum=MIN_PASSWORD_LENGTH)
        response.headers.update(headers)
        return response
    return see_other(f"{PORTAL}/alerts?done=password")
