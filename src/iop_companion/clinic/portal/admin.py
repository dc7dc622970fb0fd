"""The administrator's pages: the clinic's staff (add, with the one-time password shown
once; disable, enable; reset a password) and the audit log, paged. A clinician gets a 403
page. Each calls the API's administrator route functions (same rules, same audit)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import Response
from pydantic import ValidationError

from iop_companion.clinic.auth import AuthenticatedClinician, require_administrator
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.portal.web import (
    CSRF_FIELD,
    PORTAL,
    CurrentPortalUser,
    PortalUser,
    check_csrf,
    refusal_from,
    render,
    see_other,
)
from iop_companion.clinic.routes.clinician.audit_log import read_audit_log
from iop_companion.clinic.routes.clinician.staff import (
    create_staff,
    disable_staff,
    enable_staff,
    read_staff,
    reset_staff_password,
)
from iop_companion.sync.protocol import StaffCreateRequest, describe_validation_errors

router = APIRouter(prefix=f"{PORTAL}/admin", include_in_schema=False)

AUDIT_PER_PAGE = 100
_NOTICES = {"disabled": "Account disabled. Its sessions have ended.",
            "enabled": "Account enabled. Any lock-out is cleared."}


def _administrator(user: PortalUser, db: DbSession, now: Now) -> AuthenticatedClinician:
    """The API's own check (audited on refusal): a clinician gets a 403 page."""
    try:
        return require_administrator(user.clinician, db, now)
    except HTTPException as refused:
        raise refusal_from(refused) from None


def _staff_page(request: Request, user: PortalUser, db: DbSession, now: Now, *,
                status_code: int = status.HTTP_200_OK, **context: object) -> Response:
    admin = _administrator(user, db, now)
    staff = read_staff(admin, db, now).staff
    context.setdefault("values", {})
    return render(request, "staff.html", user=user, staff=staff, status_code=status_code,
                  notice=_NOTICES.get(request.query_params.get("done", "")), **context)


@router.get("/staff")
def staff_page(request: Request, user: CurrentPortalUser, db: DbSession, now: Now) -> Response:
    return _staff_page(request, user, db, now)


@router.post("/staff")
def add_staff_submit(request: Request, user: CurrentPortalUser, db: DbSession, now: Now,
                     email: Annotated[str, Form()] = "",
                     display_name: Annotated[str, Form()] = "",
                     role: Annotated[str, Form()] = "clinician",
                     csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    admin = _administrator(user, db, now)
    values = {"email": email, "display_name": display_name, "role": role}
    try:
        body = StaffCreateRequest(email=email, display_name=display_name, role=role)
    except ValidationError as invalid:
        return _staff_page(request, user, db, now, values=values,
                           error=describe_validation_errors(invalid.errors()),
                           status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    try:
        created = create_staff(body, admin, db, now)
    except HTTPException as refused:  # 409: the email has an account
        return _staff_page(request, user, db, now, values=values, error=str(refused.detail),
                           status_code=refused.status_code)
    return _staff_page(request, user, db, now, one_time=(created.staff, created.temporary_password),
                       status_code=status.HTTP_201_CREATED)


@router.post("/staff/{staff_id}/{change}")
def change_staff_submit(staff_id: uuid.UUID, change: str, request: Request,
                        user: CurrentPortalUser, db: DbSession, now: Now,
                        csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    admin = _administrator(user, db, now)
    try:
        if change == "disable":
            disable_staff(staff_id, admin, db, now)
        elif change == "enable":
            enable_staff(staff_id, admin, db, now)
        elif change == "reset-password":
            reset = reset_staff_password(staff_id, admin, db, now)
            return _staff_page(request, user, db, now,
                               one_time=(reset.staff, reset.temporary_password), reset=True)
        else:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "There is nothing at this address.")
    except HTTPException as refused:  # another clinic's account (404), your own (409)
        raise refusal_from(refused) from None
    return see_other(f"{PORTAL}/admin/staff?done={change}d")


@router.get("/audit")
def audit_page(request: Request, user: CurrentPortalUser, db: DbSession, now: Now,
               cursor: str | None = None) -> Response:
    admin = _administrator(user, db, now)
    try:
        page = read_audit_log(admin, db, now, cursor=cursor, limit=AUDIT_PER_PAGE)
    except HTTPException as refused:
        raise refusal_from(refused) from None
    return render(request, "audit.html", user=user, entries=page.entries,
                  next_cursor=page.next, first_page=cursor is None)
