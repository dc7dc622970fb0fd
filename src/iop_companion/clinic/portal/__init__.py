"""The staff portal: web pages under /portal for a clinic's staff on a desktop browser.

Server-rendered HTML (Jinja2 templates, one stylesheet, no script, nothing from another
site), built on the clinician API's own route functions and services: every page and
form keeps the API's rules (another clinic's participant is 404, an administrator's page
is 403 for a clinician) and writes the same audit rows. All state is in the database
(the session is the API's staff session, in a cookie), so it works across `--workers`.

Modules: web.py (session cookie, CSRF, rendering), account.py (sign in and out, new
password), alerts.py, participants.py, assignments.py (homework and modules on a
participant's page), schedule.py (the week's sessions, a session and its attendance),
groups.py (groups, their members and assignments to a whole group), settings.py (clinic
settings), admin.py (staff, audit log); wording.py and charts.py turn stored codes and
numbers into words and inline SVG.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from iop_companion.clinic.portal import (
    account,
    admin,
    alerts,
    assignments,
    groups,
    participants,
    schedule,
    settings,
)
from iop_companion.clinic.portal.web import (
    SESSION_COOKIE,
    PortalRedirect,
    PortalRefusal,
    clear_portal_cookie,
    render,
    see_other,
)

_PAGES = (account, alerts, participants, assignments, schedule, groups, settings, admin)


async def _redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PortalRedirect)
    response = see_other(exc.location)
    if exc.clear_session:
        clear_portal_cookie(response, request, SESSION_COOKIE)
    return response


async def _refusal(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PortalRefusal)
    return render(request, "error.html", status_code=exc.status_code, title=exc.title,
                  message=exc.message, signed_in=SESSION_COOKIE in request.cookies)


def install(app: FastAPI) -> None:
    """Add the portal's pages to the clinic app (outside the API and its OpenAPI document)."""
    for module in _PAGES:
        app.include_router(module.router)
    app.add_exception_handler(PortalRedirect, _redirect)
    app.add_exception_handler(PortalRefusal, _refusal)


__all__ = ["install"]
