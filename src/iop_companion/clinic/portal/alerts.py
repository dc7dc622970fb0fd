"""The alerts page, where a signed-in clinician lands: open alerts, most urgent first,
grouped per participant and paged; acknowledging one needs a note and names the
clinician. Both go through the API's own route functions (same rules, same audit)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import Response
from pydantic import ValidationError

from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.portal.web import (
    CSRF_FIELD,
    PORTAL,
    CurrentPortalUser,
    check_csrf,
    form_text,
    refusal_from,
    render,
    see_other,
)
from iop_companion.clinic.routes.clinician.alerts import acknowledge_alert, read_alert_groups
from iop_companion.sync.protocol import ACKNOWLEDGEMENT_NOTE_MAX, AlertAcknowledgeRequest

router = APIRouter(prefix=PORTAL, include_in_schema=False)

# Participants (with their open alerts) a page.
GROUPS_PER_PAGE = 20
NOTE_NEEDED = (f"Write a note of what you did (1 to {ACKNOWLEDGEMENT_NOTE_MAX} characters, "
               "no control characters) to acknowledge this alert.")
_NOTICES = {"acknowledged": "Alert acknowledged. Your name and note are kept with it.",
            "password": "Your new password is saved."}


def _alerts_page(request: Request, user: CurrentPortalUser, db: DbSession, now: Now, *,
                 cursor: str | None, errors: dict[str, str] | None = None,
                 notes: dict[str, str] | None = None,
                 status_code: int = status.HTTP_200_OK) -> Response:
    try:
        page = read_alert_groups(user.clinician, db, now, cursor=cursor,
                                 limit=GROUPS_PER_PAGE)
    except HTTPException as refused:  # a cursor this server never gave
        raise refusal_from(refused) from None
    return render(request, "alerts.html", user=user, status_code=status_code,
                  groups=page.groups, next_cursor=page.next, first_page=cursor is None,
                  notice=_NOTICES.get(request.query_params.get("done", "")),
                  errors=errors or {}, notes=notes or {}, note_max=ACKNOWLEDGEMENT_NOTE_MAX)


@router.get("/alerts")
def alerts_page(request: Request, user: CurrentPortalUser, db: DbSession, now: Now,
                cursor: str | None = None) -> Response:
    return _alerts_page(request, user, db, now, cursor=cursor)


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge_submit(alert_id: uuid.UUID, request: Request, user: CurrentPortalUser,
                       db: DbSession, now: Now, note: Annotated[str, Form()] = "",
                       csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    try:
        body = AlertAcknowledgeRequest(note=form_text(note))
    except ValidationError:
        key = str(alert_id)
        return _alerts_page(request, user, db, now, cursor=None, errors={key: NOTE_NEEDED},
                            notes={key: note[:ACKNOWLEDGEMENT_NOTE_MAX]},
                            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    try:
        acknowledge_alert(alert_id, body, user.clinician, db, now)
    except HTTPException as refused:  # another clinic's alert, or none: 404
        raise refusal_from(refused) from None
    return see_other(f"{PORTAL}/alerts?done=acknowledged")
